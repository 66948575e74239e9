package people_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func outboxCount(t *testing.T, d *db.DB, to, purpose string) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRow(context.Background(), "SELECT COUNT(*) FROM outbox WHERE recipient = ? AND purpose = ?", to, purpose).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A new version of an agreement asks every active member to accept it again: one
// reminder per version, however often the cycle runs; accepting clears it.
func TestCycleAsksForNewAgreementVersions(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		pgmU := ta.User(authz.RolePgM)
		pgm := ta.Token(pgmU)
		r := ta.User(authz.RoleResponder)
		rt := ta.Token(r)
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", r.ID), rt, map[string]any{"time_zone": "Europe/Berlin", "status": "active"}).Want(t, 200)
		ta.API("POST", "/api/v1/agreements", pgm, map[string]any{"kind": "code_of_conduct", "body": "Be kind."}).Want(t, 201)

		var mine struct {
			Missing []string `json:"missing"`
		}
		ta.API("GET", "/api/v1/me/agreements", rt, nil).Want(t, 200).JSON(t, &mine)
		if len(mine.Missing) != 1 || mine.Missing[0] != "code_of_conduct" {
			t.Fatalf("missing = %v, want [code_of_conduct]", mine.Missing)
		}
		if p := ta.API("POST", "/api/v1/me/agreements", rt, map[string]any{"kinds": []string{"ethics"}}).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "kinds[0]") {
			t.Errorf("accepting an unpublished agreement: %s", p.Text())
		}
		ta.API("POST", "/api/v1/me/agreements", rt, map[string]any{"kinds": []string{"code_of_conduct"}}).Want(t, 200).JSON(t, &mine)
		ta.API("POST", "/api/v1/me/agreements", rt, map[string]any{"kinds": []string{"code_of_conduct"}}).Want(t, 200) // twice: no change
		if len(mine.Missing) != 0 {
			t.Fatalf("after accepting: missing %v", mine.Missing)
		}
		if err := ta.App.People.RunCycle(ctx); err != nil {
			t.Fatal(err)
		}
		if n := outboxCount(t, d, r.Email, "people.agreement"); n != 0 {
			t.Fatalf("%d reminders to a member who accepted the current version", n)
		}

		ta.API("POST", "/api/v1/agreements", pgm, map[string]any{"kind": "code_of_conduct", "body": "Be kind. Also: be patient."}).Want(t, 201)
		for range 3 {
			if err := ta.App.People.RunCycle(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := outboxCount(t, d, r.Email, "people.agreement"); n != 1 {
			t.Fatalf("%d reminders for version 2, want exactly 1", n)
		}
		var ren struct {
			Items []struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
				Missing []string `json:"agreements_missing"`
			} `json:"items"`
		}
		ta.API("GET", "/api/v1/people/renewals", pgm, nil).Want(t, 200).JSON(t, &ren)
		if len(ren.Items) != 1 || ren.Items[0].User.Email != r.Email || len(ren.Items[0].Missing) != 1 {
			t.Fatalf("renewals = %+v", ren.Items)
		}
		ta.API("GET", "/api/v1/people/renewals", rt, nil).Want(t, 403)
		ta.API("POST", "/api/v1/me/agreements", rt, map[string]any{"kinds": []string{"code_of_conduct"}}).Want(t, 200).JSON(t, &mine)
		if len(mine.Missing) != 0 {
			t.Fatalf("after accepting v2: %v", mine.Missing)
		}
	})
}

// A member whose term has ended becomes alumni at the next cycle and leaves the on-call
// rotation: the remaining members cover every shift.
func TestCycleTermEndMakesAlumniWhoLeaveOnCall(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		pgm := ta.Token(ta.User(authz.RolePgM))
		a, b := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", a.ID), pgm, map[string]any{"time_zone": "UTC", "status": "active", "term_ends": "2026-03-10"}).Want(t, 200)
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", b.ID), pgm, map[string]any{"time_zone": "UTC", "status": "active"}).Want(t, 200)
		if p := ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", b.ID), pgm, map[string]any{"time_zone": "UTC", "status": "active", "term_ends": "next year"}).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "term_ends") {
			t.Errorf("a bad term end: %s", p.Text())
		}
		var sc struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/oncall/schedules", pgm, map[string]any{"name": "Intake", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02",
			"members": []string{a.Email, b.Email}}).Want(t, 201).JSON(t, &sc)
		onDuty := func() string {
			var now struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
			}
			ta.API("GET", "/api/v1/oncall/now", pgm, nil).Want(t, 200).JSON(t, &now)
			return now.User.Email
		}
		ta.Clock.Set(time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC))
		if got := onDuty(); got != a.Email {
			t.Fatalf("first week on duty: %s, want %s", got, a.Email)
		}
		if err := ta.App.People.RunCycle(ctx); err != nil { // term not over yet
			t.Fatal(err)
		}
		if got := onDuty(); got != a.Email {
			t.Fatalf("before the term ends: %s on duty", got)
		}
		ta.Clock.Set(time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC))
		if err := ta.App.People.RunCycle(ctx); err != nil {
			t.Fatal(err)
		}
		var roster struct {
			Items []struct {
				User struct {
					ID int64 `json:"id"`
				} `json:"user"`
			} `json:"items"`
		}
		ta.API("GET", "/api/v1/roster?status=alumni", pgm, nil).Want(t, 200).JSON(t, &roster)
		if len(roster.Items) != 1 || roster.Items[0].User.ID != a.ID {
			t.Fatalf("alumni = %+v, want only %d", roster.Items, a.ID)
		}
		for _, day := range []int{11, 18, 25} {
			ta.Clock.Set(time.Date(2026, 3, day, 12, 0, 0, 0, time.UTC))
			if got := onDuty(); got != b.Email {
				t.Fatalf("March %d: %s on duty, want %s (the alumnus left the rotation)", day, got, b.Email)
			}
		}
	})
}

// A renewable course is due again after its months: readiness shows the due date and
// counts it missing once lapsed; the cycle reminds once per due date.
func TestCycleRemindsRenewableCourses(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		pgm := ta.Token(ta.User(authz.RolePgM))
		r := ta.User(authz.RoleResponder)
		rt := ta.Token(r)
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", r.ID), rt, map[string]any{"time_zone": "UTC", "status": "active"}).Want(t, 200)
		ta.API("POST", "/api/v1/courses", pgm, map[string]any{"title": "Embargo handling", "kind": "internal", "hours": 2, "roles": []string{"responder"}, "renew_months": 200}).Want(t, 422)
		var c struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/courses", pgm, map[string]any{"title": "Embargo handling", "kind": "internal", "hours": 2, "roles": []string{"responder"}, "renew_months": 12}).Want(t, 201).JSON(t, &c)
		ta.API("POST", fmt.Sprintf("/api/v1/courses/%d/completions", c.ID), rt, map[string]any{"completed_on": "2026-03-01"}).Want(t, 201)
		type readiness struct {
			Ready bool `json:"ready"`
			Due   []struct {
				DueOn string `json:"due_on"`
			} `json:"due"`
		}
		var rd readiness
		ta.API("GET", "/api/v1/training/readiness?role=responder", rt, nil).Want(t, 200).JSON(t, &rd)
		if !rd.Ready || len(rd.Due) != 1 || rd.Due[0].DueOn != "2027-03-01" {
			t.Fatalf("readiness after completing: %+v", rd)
		}
		if err := ta.App.People.RunCycle(ctx); err != nil {
			t.Fatal(err)
		}
		if n := outboxCount(t, d, r.Email, "people.training"); n != 0 {
			t.Fatalf("%d reminders a year early", n)
		}
		ta.Clock.Set(time.Date(2027, 2, 10, 9, 0, 0, 0, time.UTC)) // within 30 days of the due date
		for range 2 {
			if err := ta.App.People.RunCycle(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := outboxCount(t, d, r.Email, "people.training"); n != 1 {
			t.Fatalf("%d reminders before the due date, want 1", n)
		}
		ta.Clock.Set(time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC))
		ta.API("GET", "/api/v1/training/readiness?role=responder", rt, nil).Want(t, 200).JSON(t, &rd)
		if rd.Ready {
			t.Fatal("a lapsed renewable course still counts as done")
		}
	})
}

// Openings: the programme manager publishes them, everyone sees the open ones; closed
// and past ones are not listed; members cannot publish.
func TestOpenings(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.Token(ta.User(authz.RolePgM))
		member := ta.Token(ta.User(authz.RoleMember))
		ta.API("POST", "/api/v1/openings", member, map[string]any{"role": "responder", "title": "Responder"}).Want(t, 403)
		p := ta.API("POST", "/api/v1/openings", pgm, map[string]any{"role": "janitor", "title": "", "closes_on": "2026-02-30"}).Want(t, 422).Problem(t)
		for _, f := range []string{"role", "title", "closes_on"} {
			if !strings.Contains(p.Text(), f) {
				t.Errorf("the refusal does not name %s: %s", f, p.Text())
			}
		}
		var o1, o2 struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/openings", pgm, map[string]any{"role": "responder", "title": "Weekend responders", "positions": 3, "closes_on": "2026-03-20"}).Want(t, 201).JSON(t, &o1)
		ta.API("POST", "/api/v1/openings", pgm, map[string]any{"role": "security-buddy", "title": "Security buddies"}).Want(t, 201).JSON(t, &o2)
		list := func(token, q string) []string {
			var out struct {
				Items []struct {
					Title string `json:"title"`
				} `json:"items"`
			}
			ta.API("GET", "/api/v1/openings"+q, token, nil).Want(t, 200).JSON(t, &out)
			var titles []string
			for _, i := range out.Items {
				titles = append(titles, i.Title)
			}
			return titles
		}
		if got := list("", ""); len(got) != 2 {
			t.Fatalf("public openings %v, want both", got)
		}
		if page := ta.Browser().Get("/apply"); !strings.Contains(string(page.Body), "Weekend responders") {
			t.Error("the application form does not list the opening")
		}
		ta.API("POST", fmt.Sprintf("/api/v1/openings/%d/close", o2.ID), pgm, nil).Want(t, 204)
		ta.API("POST", fmt.Sprintf("/api/v1/openings/%d/close", o2.ID), pgm, nil).Want(t, 204) // twice: no-op
		ta.Clock.Set(time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC))
		if got := list("", ""); len(got) != 0 {
			t.Fatalf("after closing one and the other's date passing: %v", got)
		}
		if got := list(pgm, "?all=true"); len(got) != 2 {
			t.Fatalf("all openings for the programme manager: %v", got)
		}
		ta.API("GET", "/api/v1/openings?all=true", member, nil).Want(t, 403)
	})
}
