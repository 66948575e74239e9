package engagements_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/engagements"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type fixture struct {
	ta                         *testapp.TestApp
	pgm, buddy, other, member  testapp.User
	tPgM, tBuddy, tOther, tMem string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{ta: testapp.New(t, d)}
	f.pgm = f.ta.User(authz.RolePgM)
	f.buddy = f.ta.User(authz.RoleResponder)
	f.other = f.ta.User(authz.RoleResponder)
	f.member = f.ta.User(authz.RoleMember)
	tz := "Europe/Berlin"
	if _, err := time.LoadLocation(tz); err != nil {
		tz = "UTC"
	}
	if _, err := f.ta.App.Accounts.UpdateUser(context.Background(), authz.System("test"), f.buddy.ID, account.UserUpdate{TimeZone: &tz}); err != nil {
		t.Fatal(err)
	}
	f.tPgM, f.tBuddy, f.tOther, f.tMem = f.ta.Token(f.pgm), f.ta.Token(f.buddy), f.ta.Token(f.other), f.ta.Token(f.member)
	return f
}

func (f *fixture) call(t *testing.T, method, path, token string, body any, want ...int) *testapp.Response {
	t.Helper()
	return f.ta.API(method, "/api/v1"+path, token, body).Want(t, want...)
}

// engagement creates a project and an engagement with the fixture's buddy.
func (f *fixture) engagement(t *testing.T, name string, extra map[string]any) engagements.Engagement {
	t.Helper()
	var p engagements.Project
	f.call(t, "POST", "/projects", f.tPgM, map[string]any{"name": name, "repo_url": "https://git.example.org/" + name, "ecosystem": "npm",
		"contacts": "Maintainer <maint@" + name + ".example.org>"}, 201).JSON(t, &p)
	body := map[string]any{"project_id": p.ID, "buddy": f.buddy.Email, "origin": "outreach"}
	for k, v := range extra {
		body[k] = v
	}
	var e engagements.Engagement
	f.call(t, "POST", "/engagements", f.tPgM, body, 201).JSON(t, &e)
	if e.Status != engagements.Proposed || e.Buddy != f.buddy.Email || e.Project != name {
		t.Fatalf("created %+v", e)
	}
	return e
}

func (f *fixture) events(t *testing.T, id int64) []events.Event {
	t.Helper()
	evs, err := f.ta.App.Events.List(context.Background(), f.ta.App.DB.Read(), authz.System("test"), events.Query{Subject: &events.Ref{Type: "engagement", ID: fmt.Sprint(id)}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func count(evs []events.Event, action string) int {
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

func (f *fixture) drain(t *testing.T) {
	t.Helper()
	if _, err := f.ta.App.Jobs.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The scheduler with a fake clock: becoming active on 2026-03-02 lays out 13
// spot-checks, a reminder at 09:00 Berlin time two days before each (the UTC hour
// moving with summer time), and overdue checks that flag a missed one.
func TestScheduleRemindersOverdue(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.engagement(t, "yaml-tiny", nil)
		path := fmt.Sprintf("/engagements/%d", e.ID)
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "active", "start": "2026-03-02"}, 200).JSON(t, &e)
		if e.Start != "2026-03-02" || e.End != "2026-09-02" || e.Status != engagements.Active {
			t.Fatalf("active: %+v", e)
		}
		var sc engagements.SpotCheckSchedule
		f.call(t, "GET", path+"/schedule", f.tOther, nil, 200).JSON(t, &sc)
		if len(sc.SpotChecks) != 13 || sc.SpotChecks[0].Due != "2026-03-16" || sc.SpotChecks[12].Due != "2026-08-31" {
			t.Fatalf("schedule: %+v", sc.SpotChecks)
		}
		if e.Hours.PlannedSpotChecks != 13 || e.Hours.PlannedEngagement != 8 || e.Hours.PlannedTotal != 21 {
			t.Errorf("planned hours %+v, want 8 + 13", e.Hours)
		}

		// One reminder and one overdue job per check, at the times the buddy's zone says.
		pending, err := f.ta.App.Jobs.List(context.Background(), "pending", 500)
		if err != nil {
			t.Fatal(err)
		}
		remind := map[string]bool{}
		overdue := 0
		for _, j := range pending {
			switch j.Kind {
			case engagements.JobRemind:
				remind[j.RunAt.UTC().Format(time.RFC3339)] = true
			case engagements.JobOverdue:
				overdue++
			}
		}
		berlin := e.Buddy != "" && f.buddyZone(t) == "Europe/Berlin"
		if len(remind) != 13 || overdue != 13 {
			t.Fatalf("%d reminders, %d overdue jobs, want 13 each", len(remind), overdue)
		}
		if berlin && (!remind["2026-03-14T08:00:00Z"] || !remind["2026-03-28T08:00:00Z"] || !remind["2026-04-11T07:00:00Z"] || !remind["2026-08-29T07:00:00Z"]) {
			t.Errorf("reminders are not at 09:00 Berlin time: %v", remind)
		}

		// Too early: nothing is sent before the reminder's time.
		f.ta.Clock.Set(time.Date(2026, 3, 14, 6, 59, 0, 0, time.UTC))
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvSpotCheckReminded); n != 0 {
			t.Fatalf("%d reminders before their time", n)
		}
		// At the time: the buddy is reminded of check 1 only, through the outbox.
		f.ta.Clock.Set(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))
		f.drain(t)
		evs := f.events(t, e.ID)
		if n := count(evs, engagements.EvSpotCheckReminded); n != 1 {
			t.Fatalf("%d reminders at 2026-03-14 09:00 Berlin, want 1", n)
		}
		for _, ev := range evs {
			if ev.Action == engagements.EvSpotCheckReminded {
				var p engagements.ReminderEvent
				_ = json.Unmarshal(ev.After, &p)
				if p.Due != "2026-03-16" || p.To != f.buddy.Email || p.OutboxID == 0 {
					t.Errorf("reminder %+v", p)
				}
			}
		}

		// Check 1 is done on its day: it is not flagged; check 2 is missed and is.
		f.ta.Clock.Set(time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC))
		var sp engagements.SpotCheck
		f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-16", "hours": 1.5, "notes": "Branch protection missing on main.",
			"risks": "unsigned releases", "actions": "enable branch protection"}, 201).JSON(t, &sp)
		if sp.Seq != 1 || sp.Due != "2026-03-16" {
			t.Errorf("spot-check filled %+v, want check 1", sp)
		}
		f.ta.Clock.Set(time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC))
		f.drain(t)
		f.call(t, "GET", path+"/schedule", f.tBuddy, nil, 200).JSON(t, &sc)
		if sc.SpotChecks[0].State != "done" || sc.SpotChecks[0].Overdue || sc.SpotChecks[1].State != "overdue" || !sc.SpotChecks[1].Overdue || sc.SpotChecks[2].State != "upcoming" {
			t.Errorf("states: %s %s %s", sc.SpotChecks[0].State, sc.SpotChecks[1].State, sc.SpotChecks[2].State)
		}
		evs = f.events(t, e.ID)
		if n := count(evs, engagements.EvSpotCheckOverdue); n != 1 {
			t.Errorf("%d overdue events, want 1 (check 2)", n)
		}
		if n := count(evs, engagements.EvSpotCheckReminded); n != 2 {
			t.Errorf("%d reminders by 1 April, want 2", n)
		}
		f.call(t, "GET", path, f.tBuddy, nil, 200).JSON(t, &e)
		if e.Overdue != 1 || e.Hours.SpotChecks != 1.5 || e.Hours.SpotChecksDone != 1 {
			t.Errorf("engagement after a missed check: overdue %d hours %+v", e.Overdue, e.Hours)
		}
		// Draining again changes nothing (idempotent jobs).
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvSpotCheckOverdue); n != 1 {
			t.Errorf("overdue flagged %d times", n)
		}

		// A late check (within a period) still fills check 2.
		f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-04-01", "hours": 1, "notes": "late"}, 201).JSON(t, &sp)
		if sp.Seq != 2 {
			t.Errorf("late check filled %+v, want check 2", sp)
		}
		// Once closed, reminders for the remaining checks send nothing.
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "closed", "reason": "Branch protection and signed releases adopted."}, 200)
		f.ta.Clock.Set(time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC))
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvSpotCheckReminded); n != 2 {
			t.Errorf("%d reminders after closing, want still 2", n)
		}
		checkCatalogue(t, f)
	})
}

func (f *fixture) buddyZone(t *testing.T) string {
	u, err := f.ta.App.Accounts.GetUser(context.Background(), f.buddy.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u.TimeZone
}

// Contact cycles: a reminder when an attempt is due; after max_unanswered attempts in
// a row without an answer the engagement is unresponsive; an answer resets the count.
func TestContactCyclesUnresponsive(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.engagement(t, "libtarx", map[string]any{"max_unanswered": 3, "contact_every_days": 14})
		path := fmt.Sprintf("/engagements/%d", e.ID)
		f.call(t, "POST", path+"/contacts", f.tBuddy, map[string]any{"outcome": "no_answer"}, 409) // not contacting yet
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "contacting"}, 200)

		// No attempt recorded for a cycle: the buddy is reminded once.
		f.ta.Clock.Advance(13 * 24 * time.Hour)
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvContactReminded); n != 0 {
			t.Fatalf("reminded %d times before the cycle ended", n)
		}
		f.ta.Clock.Advance(24 * time.Hour)
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvContactReminded); n != 1 {
			t.Fatalf("reminded %d times when the cycle ended, want 1", n)
		}

		attempt := func(outcome string) engagements.Engagement {
			var got engagements.Engagement
			f.call(t, "POST", path+"/contacts", f.tBuddy, map[string]any{"outcome": outcome, "channel": "email"}, 201).JSON(t, &got)
			f.ta.Clock.Advance(14 * 24 * time.Hour)
			return got
		}
		attempt("no_answer")
		if got := attempt("no_answer"); got.Status != engagements.Contacting || got.Unanswered != 2 {
			t.Fatalf("after 2 unanswered: %s %d", got.Status, got.Unanswered)
		}
		if got := attempt("answered"); got.Unanswered != 0 || got.Status != engagements.Contacting {
			t.Fatalf("an answer: %s %d", got.Status, got.Unanswered)
		}
		attempt("no_answer")
		attempt("no_answer")
		got := attempt("no_answer")
		if got.Status != engagements.Unresponsive || got.Unanswered != 3 {
			t.Fatalf("after 3 unanswered in a row: %s %d, want unresponsive", got.Status, got.Unanswered)
		}
		evs := f.events(t, e.ID)
		last := evs[len(evs)-1]
		if last.Action != engagements.EvStage || !strings.Contains(string(last.After), `"to":"unresponsive"`) {
			t.Errorf("last event %s %s, want the stage change to unresponsive", last.Action, last.After)
		}
		// Unresponsive: no more attempts (409), and the pending reminder sends nothing.
		f.call(t, "POST", path+"/contacts", f.tBuddy, map[string]any{"outcome": "no_answer"}, 409)
		before := count(f.events(t, e.ID), engagements.EvContactReminded)
		f.ta.Clock.Advance(30 * 24 * time.Hour)
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvContactReminded); n != before {
			t.Errorf("reminded an unresponsive engagement")
		}
		// Trying again later is allowed, with a reminder a cycle later; a "declined"
		// answer ends it.
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "contacting"}, 200)
		f.ta.Clock.Advance(14 * 24 * time.Hour)
		f.drain(t)
		if n := count(f.events(t, e.ID), engagements.EvContactReminded); n != before+1 {
			t.Errorf("contacting again: %d reminders, want %d", n, before+1)
		}
		f.call(t, "POST", path+"/contacts", f.tBuddy, map[string]any{"outcome": "declined"}, 201).JSON(t, &got)
		if got.Status != engagements.Declined {
			t.Errorf("declined answer: %s", got.Status)
		}
		f.call(t, "POST", path+"/stage", f.tPgM, map[string]any{"to": "active"}, 409)
		checkCatalogue(t, f)
	})
}

// Refusals: wrong role → 404/403, bad input → 422 naming the field, wrong state → 409.
func TestRefusals(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.engagement(t, "fastjsonish", nil)
		path := fmt.Sprintf("/engagements/%d", e.ID)

		// Members never learn an engagement exists; anonymous callers must sign in.
		for _, p := range []string{path, path + "/schedule", path + "/retrospective?format=md", path + "/contacts"} {
			f.call(t, "GET", p, f.tMem, nil, 404)
			f.call(t, "GET", p, "", nil, 401)
		}
		f.call(t, "GET", "/engagements", f.tMem, nil, 404)
		f.call(t, "GET", "/projects", f.tMem, nil, 404)
		f.call(t, "POST", path+"/stage", f.tMem, map[string]any{"to": "active"}, 404)
		// Another responder may read but not act; only pgm/admins create.
		f.call(t, "GET", path, f.tOther, nil, 200)
		f.call(t, "POST", path+"/stage", f.tOther, map[string]any{"to": "active"}, 403)
		f.call(t, "POST", "/engagements", f.tBuddy, map[string]any{"project_id": e.ProjectID, "buddy": f.buddy.Email, "origin": "outreach"}, 403)
		f.call(t, "POST", "/projects", f.tBuddy, map[string]any{"name": "x"}, 403)
		// A read-only token of the buddy may not act.
		ro := f.ta.Token(f.buddy, authz.ScopeRead)
		f.call(t, "POST", path+"/stage", ro, map[string]any{"to": "active"}, 403)

		names := func(r *testapp.Response, field string) {
			t.Helper()
			if p := r.Problem(t); !strings.Contains(p.Text(), field) {
				t.Errorf("%s %s: problem does not name %s: %s", r.Request.Method, r.Request.URL.Path, field, p.Text())
			}
		}
		names(f.call(t, "POST", "/projects", f.tPgM, map[string]any{"name": "", "repo_url": "not a url"}, 422), "repo_url")
		names(f.call(t, "POST", "/projects", f.tPgM, map[string]any{"name": "fastjsonish"}, 422), "name") // twice
		names(f.call(t, "POST", "/engagements", f.tPgM, map[string]any{"project_id": e.ProjectID, "buddy": "nobody@example.org", "origin": "outreach"}, 422), "buddy")
		names(f.call(t, "POST", "/engagements", f.tPgM, map[string]any{"project_id": e.ProjectID, "buddy": f.member.Email, "origin": "outreach"}, 422), "buddy")
		names(f.call(t, "POST", "/engagements", f.tPgM, map[string]any{"project_id": 424242, "buddy": f.buddy.Email, "origin": "outreach"}, 422), "project_id")
		names(f.call(t, "POST", "/engagements", f.tPgM, map[string]any{"project_id": e.ProjectID, "buddy": f.buddy.Email, "origin": "whim"}, 422), "origin")
		names(f.call(t, "POST", "/engagements", f.tPgM, map[string]any{"project_id": e.ProjectID, "buddy": f.buddy.Email, "origin": "outreach", "active_months": 99}, 422), "active_months")
		names(f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "active", "start": "2026-02-30"}, 422), "start")
		names(f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "sideways"}, 422), "to")

		// Wrong state: a spot-check before the engagement is active; closed is final.
		f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-02", "hours": 1, "notes": "x"}, 409)
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "winding_down"}, 409)
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "active", "start": "2026-03-02"}, 200)
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "active"}, 409) // twice
		names(f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-02", "hours": -2, "notes": "x"}, 422), "hours")
		names(f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-02", "hours": 25, "notes": "x"}, 422), "hours")
		names(f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-12-24", "hours": 1, "notes": "x"}, 422), "date") // the future
		names(f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-01", "hours": 1, "notes": "x"}, 422), "date") // before the start
		names(f.call(t, "POST", path+"/hours", f.tBuddy, map[string]any{"hours": 0}, 422), "hours")
		f.call(t, "POST", path+"/hours", f.tBuddy, map[string]any{"hours": 3, "note": "kick-off call"}, 201)
		f.call(t, "POST", path+"/stage", f.tPgM, map[string]any{"to": "closed"}, 200)
		f.call(t, "POST", path+"/stage", f.tPgM, map[string]any{"to": "active"}, 409)
		f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-02", "hours": 1, "notes": "x"}, 409)
		f.call(t, "POST", path+"/hours", f.tBuddy, map[string]any{"hours": 1}, 409)
		f.call(t, "POST", path+"/welcome", f.tBuddy, map[string]any{}, 409)
		f.call(t, "GET", "/engagements/999999", f.tPgM, nil, 404)
		f.call(t, "GET", "/engagements/abc", f.tPgM, nil, 404)
	})
}

// The retrospective: a draft from the records, editable, exported as Markdown, HTML
// and PDF, and aggregated for the year.
func TestRetrospectiveAndYear(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.engagement(t, "yaml-tiny", map[string]any{"goals": "Signed releases."})
		path := fmt.Sprintf("/engagements/%d", e.ID)
		f.call(t, "POST", path+"/stage", f.tBuddy, map[string]any{"to": "active", "start": "2026-03-02"}, 200)
		f.ta.Clock.Set(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		f.call(t, "POST", path+"/hours", f.tBuddy, map[string]any{"hours": 6.5, "date": "2026-03-03", "note": "threat model"}, 201)
		f.call(t, "POST", path+"/spot-checks", f.tBuddy, map[string]any{"date": "2026-03-16", "hours": 1.5, "notes": "Reviewed the release signing set-up."}, 201)

		md := string(f.call(t, "GET", path+"/retrospective?format=md", f.tOther, nil, 200).Body)
		for _, want := range []string{"# Retrospective: yaml-tiny", "2026-03-16", "1.5", "6.5", "| High-visibility engagement | 8 | 6.5 |", "## Timeline", "## What helped", "Signed releases."} {
			if !strings.Contains(md, want) {
				t.Errorf("draft lacks %q:\n%s", want, md)
			}
		}
		var r engagements.Retrospective
		f.call(t, "GET", path+"/retrospective", f.tBuddy, nil, 200).JSON(t, &r)
		if !r.Draft {
			t.Error("an unsaved retrospective is not marked draft")
		}
		edited := strings.Replace(md, "## What helped\n\n_To be written by the buddy._", "## What helped\n\nA weekly call with the maintainers.", 1)
		f.call(t, "PUT", path+"/retrospective", f.tOther, map[string]any{"markdown": edited}, 403)
		f.call(t, "PUT", path+"/retrospective", f.tBuddy, map[string]any{"markdown": edited}, 200).JSON(t, &r)
		if r.Draft || !strings.Contains(r.Markdown, "weekly call") {
			t.Errorf("saved: %+v", r)
		}
		html := f.call(t, "GET", path+"/retrospective?format=html", f.tBuddy, nil, 200)
		if !strings.HasPrefix(html.Header.Get("Content-Type"), "text/html") || !bytes.Contains(html.Body, []byte("<h1>Retrospective: yaml-tiny</h1>")) {
			t.Errorf("html export: %s %.200s", html.Header.Get("Content-Type"), html.Body)
		}
		pdf := f.call(t, "GET", path+"/retrospective?format=pdf", f.tBuddy, nil, 200)
		if !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("pdf export: %s %.20q", pdf.Header.Get("Content-Type"), pdf.Body)
		}
		f.call(t, "GET", path+"/retrospective?format=docx", f.tBuddy, nil, 422)

		year := string(f.call(t, "GET", "/retrospectives/2026", f.tPgM, nil, 200).Body)
		for _, want := range []string{"retrospective 2026", "1 engagements", "### yaml-tiny", "8 logged of 21 planned", "A weekly call with the maintainers."} {
			if !strings.Contains(year, want) {
				t.Errorf("year report lacks %q:\n%s", want, year)
			}
		}
		if y := string(f.call(t, "GET", "/retrospectives/2025", f.tPgM, nil, 200).Body); strings.Contains(y, "yaml-tiny") {
			t.Error("2025 lists a 2026 engagement")
		}
		f.call(t, "GET", "/retrospectives/2026", f.tMem, nil, 404)
		f.call(t, "GET", "/retrospectives/1066", f.tPgM, nil, 422)

		// Reset to the draft.
		f.call(t, "PUT", path+"/retrospective", f.tBuddy, map[string]any{"markdown": ""}, 200).JSON(t, &r)
		if !r.Draft {
			t.Error("an empty save did not go back to the draft")
		}
		checkCatalogue(t, f)
	})
}

// Projects from CSV: all or nothing, errors name the line; a re-import updates.
func TestImportProjectsCSV(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		good := "name,repo_url,ecosystem,criticality\nfastjsonish,https://git.example.org/fastjsonish,Maven,census\nlibtarx,https://git.example.org/libtarx,Go,\n"
		var res engagements.ProjectImportResult
		f.call(t, "POST", "/projects/import", f.tPgM, good, 201).JSON(t, &res)
		if res.Created != 2 || res.Updated != 0 {
			t.Errorf("import: %+v", res)
		}
		f.call(t, "POST", "/projects/import", f.tPgM, strings.Replace(good, "census", "criticality score", 1), 201).JSON(t, &res)
		if res.Created != 0 || res.Updated != 2 {
			t.Errorf("re-import: %+v", res)
		}
		bad := "name,repo_url\nokproj,https://git.example.org/ok\nbadproj,ftp:nope\n,https://git.example.org/x\n"
		p := f.call(t, "POST", "/projects/import", f.tPgM, bad, 422).Problem(t)
		if !strings.Contains(p.Text(), "line 3: repo_url") || !strings.Contains(p.Text(), "line 4: name") {
			t.Errorf("problem does not name the lines: %s", p.Text())
		}
		f.call(t, "POST", "/projects/import", f.tPgM, "repo_url\nhttps://x.example.org\n", 422)
		f.call(t, "POST", "/projects/import", f.tPgM, "", 400, 422)
		f.call(t, "POST", "/projects/import", f.tBuddy, good, 403)
		var ps struct{ Items []engagements.Project }
		f.call(t, "GET", "/projects", f.tBuddy, nil, 200).JSON(t, &ps)
		if len(ps.Items) != 2 || ps.Items[0].Name != "fastjsonish" || ps.Items[0].Criticality != "criticality score" {
			t.Errorf("projects after a refused import: %+v", ps.Items)
		}
	})
}

// Outreach and the welcome email through the outbox.
func TestOutreachAndWelcome(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var ch engagements.Channel
		f.call(t, "POST", "/outreach/channels", f.tPgM, map[string]any{"name": "oss-security list", "kind": "mailing_list", "url": "https://lists.example.org/oss"}, 201).JSON(t, &ch)
		f.call(t, "POST", "/outreach/channels", f.tPgM, map[string]any{"name": "x", "kind": "carrier pigeon"}, 422)
		var cp engagements.Campaign
		f.call(t, "POST", "/outreach/campaigns", f.tPgM, map[string]any{"name": "Spring talk", "channel_id": ch.ID, "starts_on": "2026-04-01", "audience": "maintainers"}, 201).JSON(t, &cp)
		if cp.Channel != "oss-security list" {
			t.Errorf("campaign %+v", cp)
		}
		f.call(t, "POST", "/outreach/campaigns", f.tPgM, map[string]any{"name": "Bad", "starts_on": "2026-04-01", "ends_on": "2026-03-01"}, 422)
		f.call(t, "POST", "/outreach/campaigns", f.tPgM, map[string]any{"name": "Bad", "starts_on": "2026-04-01", "channel_id": 9999}, 422)
		f.call(t, "PATCH", fmt.Sprintf("/outreach/campaigns/%d", cp.ID), f.tPgM, map[string]any{"contacts_reached": 120, "requests_received": 3, "results": "3 help requests"}, 200).JSON(t, &cp)
		if cp.ContactsReached != 120 || cp.RequestsReceived != 3 || cp.StartsOn != "2026-04-01" {
			t.Errorf("results: %+v", cp)
		}
		f.call(t, "PATCH", fmt.Sprintf("/outreach/campaigns/%d", cp.ID), f.tPgM, map[string]any{"contacts_reached": -1}, 422)
		f.call(t, "GET", "/outreach/campaigns", f.tMem, nil, 404)

		e := f.engagement(t, "yaml-tiny", nil)
		var w engagements.WelcomeResult
		f.call(t, "POST", fmt.Sprintf("/engagements/%d/welcome", e.ID), f.tBuddy, map[string]any{"message": "We met at FOSDEM."}, 201).JSON(t, &w)
		if w.To != "maint@yaml-tiny.example.org" || !strings.Contains(w.Subject, "yaml-tiny") || w.OutboxID == 0 {
			t.Errorf("welcome: %+v", w)
		}
		f.call(t, "POST", fmt.Sprintf("/engagements/%d/welcome", e.ID), f.tBuddy, map[string]any{"to": "not-an-address"}, 422)
		f.call(t, "POST", fmt.Sprintf("/engagements/%d/welcome", e.ID), f.tOther, map[string]any{}, 403)
		if n := count(f.events(t, e.ID), engagements.EvWelcome); n != 1 {
			t.Errorf("%d welcome events", n)
		}
		checkCatalogue(t, f)
	})
}

// checkCatalogue: every event of the area is in the catalogue and its payload decodes,
// without unknown fields, into the catalogue's type.
func checkCatalogue(t *testing.T, f *fixture) {
	t.Helper()
	for _, prefix := range []string{"engagement.", "outreach."} {
		evs, err := f.ta.App.Events.List(context.Background(), f.ta.App.DB.Read(), authz.System("test"), events.Query{Action: prefix, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			zero, ok := engagements.Catalogue[ev.Action]
			if !ok {
				t.Errorf("event %s is not in the catalogue", ev.Action)
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(ev.After))
			dec.DisallowUnknownFields()
			v := reflect.New(reflect.TypeOf(zero)).Interface()
			if err := dec.Decode(v); err != nil {
				t.Errorf("event %s payload %s does not decode into %T: %v", ev.Action, ev.After, zero, err)
			}
		}
	}
	// The chain still verifies.
	if _, err := events.Verify(context.Background(), f.ta.App.DB.Read()); err != nil {
		t.Error(err)
	}
}
