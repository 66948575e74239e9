package people_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// The team pages without JavaScript: a member edits their profile (a refused form keeps
// what they typed), the roster lists them, training records a completion, agreements
// are accepted, and the programme manager publishes an opening.
func TestTeamPages(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		r := ta.User(authz.RoleResponder)
		pgmU := ta.User(authz.RolePgM)
		b := ta.Browser()
		b.SignIn(r)
		profile := fmt.Sprintf("/people/roster/%d", r.ID)
		b.Get(profile).Want(t, 200)
		res := b.Submit(profile, url.Values{"skills": {"fuzzing, Go"}, "time_zone": {"Mars/Olympus"}, "status": {"active"}, "availability": {"Tue evenings"}}).Want(t, 422)
		for _, kept := range []string{"fuzzing, Go", "Mars/Olympus", "Tue evenings", "IANA"} {
			if !strings.Contains(string(res.Body), kept) {
				t.Errorf("the refused profile form lost %q", kept)
			}
		}
		b.Submit(profile, url.Values{"skills": {"fuzzing, Go"}, "ecosystems": {"Go"}, "time_zone": {"Europe/Lisbon"}, "status": {"active"}}).Want(t, 303)
		if page := b.Get("/people/roster?skill=fuzzing").Want(t, 200); !strings.Contains(string(page.Body), "Europe/Lisbon") {
			t.Error("the roster does not list the member by skill")
		}
		if page := b.Get("/people/roster?skill=cobol").Want(t, 200); strings.Contains(string(page.Body), "Europe/Lisbon") {
			t.Error("the skill filter does not filter")
		}

		pb := ta.Browser()
		pb.SignIn(pgmU)
		pb.Submit("/training/courses", url.Values{"title": {""}, "kind": {"internal"}, "hours": {"two"}, "renew_months": {"12"}}).Want(t, 422)
		pb.Submit("/training/courses", url.Values{"title": {"Coordinating under embargo"}, "kind": {"internal"}, "hours": {"2"}, "renew_months": {"12"}, "roles": {"responder"}}).Want(t, 303)
		page := b.Get("/training").Want(t, 200)
		if !strings.Contains(string(page.Body), "Coordinating under embargo") || !strings.Contains(string(page.Body), "Still to do") {
			t.Fatalf("the training page does not show the missing course: %.500s", page.Body)
		}
		var cid int64
		if err := d.Read().QueryRow(t.Context(), "SELECT id FROM courses").Scan(&cid); err != nil {
			t.Fatal(err)
		}
		b.Submit(fmt.Sprintf("/training/courses/%d/complete", cid), url.Values{"completed_on": {"2026-03-01"}}).Want(t, 303)
		if page := b.Get("/training").Want(t, 200); !strings.Contains(string(page.Body), "due again by") {
			t.Error("the training page does not show the renewal date")
		}

		var doc struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/docs", ta.Token(pgmU), map[string]any{"title": "Responder onboarding", "kind": "onboarding", "roles": []string{"responder"},
			"body": "- [ ] Read the CVD policy\n"}).Want(t, 201).JSON(t, &doc)
		if page := b.Get("/training").Want(t, 200); !strings.Contains(string(page.Body), "Read the CVD policy") || !strings.Contains(string(page.Body), "1 onboarding item") {
			t.Error("the training page does not show the onboarding checklist")
		}
		b.Submit(fmt.Sprintf("/training/onboarding/%d", doc.ID), url.Values{"item": {"Juggle"}, "done": {"true"}, "role": {"responder"}}).Want(t, 422)
		b.Submit(fmt.Sprintf("/training/onboarding/%d", doc.ID), url.Values{"item": {"Read the CVD policy"}, "done": {"true"}, "role": {"responder"}}).Want(t, 303)
		if page := b.Get("/training").Want(t, 200); !strings.Contains(string(page.Body), "(done 2026-") {
			t.Error("the ticked item is not shown as done")
		}

		ta.API("POST", "/api/v1/agreements", ta.Token(pgmU), map[string]any{"kind": "ethics", "body": "Do no harm."}).Want(t, 201)
		if page := b.Get("/me/agreements").Want(t, 200); !strings.Contains(string(page.Body), "Do no harm.") {
			t.Error("the agreements page does not show the agreement")
		}
		b.Submit("/me/agreements", url.Values{}).Want(t, 422)
		b.Submit("/me/agreements", url.Values{"accept": {"ethics"}}).Want(t, 303)
		if page := b.Get("/me/agreements").Want(t, 200); !strings.Contains(string(page.Body), "You accepted this version") {
			t.Error("the acceptance is not shown")
		}

		b.Get("/people/openings").Want(t, 403)
		res = pb.Submit("/people/openings", url.Values{"title": {"Night owls"}, "role": {"responder"}, "positions": {"many"}}).Want(t, 422)
		if !strings.Contains(string(res.Body), "Night owls") {
			t.Error("the refused opening form lost the title")
		}
		pb.Submit("/people/openings", url.Values{"title": {"Night owls"}, "role": {"responder"}, "positions": {"2"}}).Want(t, 303)
		if page := ta.Browser().Get("/apply").Want(t, 200); !strings.Contains(string(page.Body), "Night owls") {
			t.Error("the public application form does not list the opening")
		}
	})
}

// A calendar app subscribes with the member's personal link, without a session or a
// token; a tampered link, or the link of someone disabled since, finds nothing.
func TestOnCallSubscriptionLink(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.Token(ta.User(authz.RolePgM))
		r := ta.User(authz.RoleResponder)
		var sc struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/oncall/schedules", pgm, map[string]any{"name": "Intake", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02",
			"members": []string{r.Email}}).Want(t, 201).JSON(t, &sc)
		b := ta.Browser()
		b.SignIn(r)
		page := string(b.Get("/oncall").Want(t, 200).Body)
		i := strings.Index(page, fmt.Sprintf("/oncall/%d.ics?u=", sc.ID))
		if i < 0 {
			t.Fatalf("the on-call page offers no subscription link: %.800s", page)
		}
		link := strings.ReplaceAll(page[i:i+strings.IndexByte(page[i:], '"')], "&amp;", "&")
		ta.Secret(link[strings.Index(link, "k=")+2:])
		res := ta.Browser().Get(link).Want(t, 200) // no session
		if !strings.Contains(string(res.Body), "BEGIN:VEVENT") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("the subscription link does not serve the calendar: %s %.200s", res.Header.Get("Content-Type"), res.Body)
		}
		ta.Browser().Get(link[:len(link)-2]+"xx").Want(t, 404)
		ta.Browser().Get(strings.Replace(link, fmt.Sprintf("/oncall/%d.ics", sc.ID), fmt.Sprintf("/oncall/%d.ics", sc.ID+1), 1)).Want(t, 404)
		disabled := true
		if _, err := ta.App.Accounts.UpdateUser(t.Context(), authz.System("test"), r.ID, account.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		ta.Browser().Get(link).Want(t, 404)
	})
}

// The programme manager creates a schedule and an override from /oncall; refused forms
// keep what was typed, and override times are read in the schedule's time zone.
func TestOnCallForms(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgmU := ta.User(authz.RolePgM)
		a, b := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
		pb := ta.Browser()
		pb.SignIn(pgmU)
		res := pb.Submit("/oncall/schedules", url.Values{"name": {"Europe"}, "time_zone": {"Europe/Atlantis"}, "handoff": {"weekly"}, "start": {"2026-03-02"},
			"members": {a.Email + "\n" + b.Email}}).Want(t, 422)
		for _, kept := range []string{"Europe/Atlantis", a.Email, b.Email} {
			if !strings.Contains(string(res.Body), kept) {
				t.Errorf("the refused schedule form lost %q", kept)
			}
		}
		pb.Submit("/oncall/schedules", url.Values{"name": {"Europe"}, "time_zone": {"Europe/Berlin"}, "handoff": {"weekly"}, "handoff_time": {"09:00"}, "start": {"2026-03-02"},
			"members": {a.Email + "\n" + b.Email}}).Want(t, 303)
		var id int64
		if err := d.Read().QueryRow(t.Context(), "SELECT id FROM oncall_schedules").Scan(&id); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/oncall/schedules/%d/overrides", id)
		res = pb.Submit(path, url.Values{"email": {b.Email}, "start": {"tomorrow"}, "end": {"2026-03-03T18:00"}, "reason": {"swap"}}).Want(t, 422)
		if !strings.Contains(string(res.Body), "tomorrow") || !strings.Contains(string(res.Body), "swap") {
			t.Error("the refused override form lost its input")
		}
		pb.Submit(path, url.Values{"email": {b.Email}, "start": {"2026-03-03T09:00"}, "end": {"2026-03-03T18:00"}, "reason": {"swap"}}).Want(t, 303)
		var start time.Time
		if err := d.Read().QueryRow(t.Context(), "SELECT starts_at FROM oncall_overrides").Scan(&start); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC); !start.Equal(want) {
			t.Errorf("override starts %s, want %s (09:00 in Berlin)", start.UTC(), want)
		}
		rb := ta.Browser()
		rb.SignIn(a)
		rb.Submit("/oncall/schedules", url.Values{"name": {"Mine"}, "time_zone": {"UTC"}, "handoff": {"weekly"}, "start": {"2026-03-02"}, "members": {a.Email}}).Want(t, 403)
		if page := rb.Get("/oncall").Want(t, 200); strings.Contains(string(page.Body), "New schedule") {
			t.Error("a responder is offered the schedule form")
		}
	})
}
