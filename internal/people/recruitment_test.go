package people_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type candidate struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Email           string   `json:"email"`
	Stage           string   `json:"stage"`
	Next            []string `json:"next_stages"`
	RejectionReason string   `json:"rejection_reason"`
	AcceptURL       string   `json:"accept_url"`
	Accepted        []struct {
		Kind    string `json:"kind"`
		Version int    `json:"version"`
	} `json:"agreements_accepted"`
}

func apply(t *testing.T, ta *testapp.TestApp, name string) int64 {
	t.Helper()
	var c struct {
		ID int64 `json:"id"`
	}
	ta.API("POST", "/api/v1/candidates", "", map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.net",
		"role": "responder", "motivation": "I maintain a parser."}).Want(t, 201).JSON(t, &c)
	if c.ID == 0 {
		t.Fatal("no id")
	}
	return c.ID
}

// The whole pipeline, each stage with its evidence, and every forbidden jump a 409
// that names the allowed next stages.
func TestCandidatePipeline(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.Token(ta.User(authz.RolePgM))
		id := apply(t, ta, "Ada Volunteer")
		path := fmt.Sprintf("/api/v1/candidates/%d", id)
		move := func(to string, extra map[string]any) *testapp.Response {
			body := map[string]any{"to": to}
			for k, v := range extra {
				body[k] = v
			}
			return ta.API("POST", path+"/stage", pgm, body)
		}
		note := func(kind string) {
			ta.API("POST", path+"/notes", pgm, map[string]any{"kind": kind, "body": kind + " notes", "score": 4}).Want(t, 201)
		}
		// Forbidden jumps from applied.
		for _, to := range []string{"interviewed", "vetted", "agreements_signed", "selected", "onboarded", "active", "applied"} {
			p := move(to, nil).Want(t, 409).Problem(t)
			if !strings.Contains(p.Detail, "screened") || !strings.Contains(p.Detail, "rejected") {
				t.Errorf("applied → %s: %q does not name the allowed next stages", to, p.Detail)
			}
		}
		move("screened", nil).Want(t, 200)
		// Interviewed needs interview notes or a scorecard.
		if p := move("interviewed", nil).Want(t, 409).Problem(t); !strings.Contains(p.Detail, "interview") {
			t.Errorf("interviewed without notes: %q", p.Detail)
		}
		note("interview")
		move("interviewed", nil).Want(t, 200)
		if p := move("vetted", nil).Want(t, 409).Problem(t); !strings.Contains(p.Detail, "reference") {
			t.Errorf("vetted without references: %q", p.Detail)
		}
		// Agreements must exist before vetting mails the link.
		ta.API("POST", "/api/v1/agreements", pgm, map[string]any{"kind": "code_of_conduct", "body": "# Code of conduct\n\nBe kind."}).Want(t, 201)
		ta.API("POST", "/api/v1/agreements", pgm, map[string]any{"kind": "confidentiality", "body": "Keep embargoes."}).Want(t, 201)
		note("reference")
		var c candidate
		move("vetted", nil).Want(t, 200).JSON(t, &c)
		if !strings.Contains(c.AcceptURL, "/apply/agreements/") {
			t.Fatalf("vetted: no accept_url in %+v", c)
		}
		token := c.AcceptURL[strings.LastIndex(c.AcceptURL, "/")+1:]
		ta.Secret(token)
		if p := move("agreements_signed", nil).Want(t, 409).Problem(t); !strings.Contains(p.Detail, "code_of_conduct v1") || !strings.Contains(p.Detail, "confidentiality v1") {
			t.Errorf("agreements_signed before accepting: %q", p.Detail)
		}
		// The candidate accepts through the private link (a browser form, no account).
		b := ta.Browser()
		page := b.Get("/apply/agreements/" + token)
		if page.StatusCode != 200 || !strings.Contains(string(page.Body), "Keep embargoes.") {
			t.Fatalf("agreements page: %d %.300s", page.StatusCode, page.Body)
		}
		if res := b.Post("/apply/agreements/"+token, map[string][]string{}).Want(t, 422); !strings.Contains(string(res.Body), "tick each agreement") {
			t.Error("accepting nothing does not say what to do")
		}
		b.Post("/apply/agreements/"+token, map[string][]string{"accept": {"code_of_conduct"}}).Want(t, 303)
		if p := move("agreements_signed", nil).Want(t, 409).Problem(t); strings.Contains(p.Detail, "code_of_conduct") || !strings.Contains(p.Detail, "confidentiality") {
			t.Errorf("after accepting one: %q", p.Detail)
		}
		b.Post("/apply/agreements/"+token, map[string][]string{"accept": {"confidentiality", "code_of_conduct"}}).Want(t, 303)
		move("agreements_signed", nil).Want(t, 200)
		// The link stops working once the candidate is past vetting.
		ta.Browser().Get("/apply/agreements/"+token).Want(t, 404)
		ta.Browser().Get("/apply/agreements/not-a-token-at-all-really").Want(t, 404)

		// Selected needs a cohort that exists.
		p := move("selected", nil).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "cohort_id") {
			t.Errorf("selected without cohort: %s", p.Text())
		}
		move("selected", map[string]any{"cohort_id": 4242}).Want(t, 422)
		var cohort struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/cohorts", pgm, map[string]any{"name": "2026 autumn", "starts_on": "2026-09-01"}).Want(t, 201).JSON(t, &cohort)
		move("selected", map[string]any{"cohort_id": cohort.ID}).Want(t, 200)
		move("active", nil).Want(t, 409)
		move("onboarded", nil).Want(t, 200)
		// Onboarding invites the new member to create their account, by mail.
		var body string
		if err := d.Read().QueryRow(t.Context(), "SELECT body FROM outbox WHERE recipient = ? AND purpose = 'candidate.onboarded'", "ada.volunteer@example.net").Scan(&body); err != nil {
			t.Fatalf("no onboarding mail: %v", err)
		}
		i := strings.Index(body, "/invite/")
		if i < 0 {
			t.Fatalf("the onboarding mail has no invitation link: %s", body)
		}
		invite := strings.Fields(body[i:])[0]
		ta.Secret(strings.TrimPrefix(invite, "/invite/"))
		ta.Browser().Get(invite).Want(t, 200)
		move("active", nil).Want(t, 200).JSON(t, &c)
		if c.Stage != "active" || len(c.Next) != 0 || len(c.Accepted) != 2 {
			t.Fatalf("at the end: %+v", c)
		}
		// Active is the end: even rejection is refused.
		move("rejected", map[string]any{"reason": "changed our mind"}).Want(t, 409)

		// Every move and acceptance is in the audit log, without the candidate's personal data.
		evs, err := ta.App.Events.List(t.Context(), d.Read(), authz.System("test"), events.Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		moves, accepts := 0, 0
		for _, e := range evs {
			switch e.Action {
			case "candidate.stage.changed":
				moves++
			case "agreement.accepted":
				accepts++
			}
			if strings.Contains(string(e.After), "ada.volunteer@example.net") || strings.Contains(string(e.After), "Ada Volunteer") {
				t.Errorf("event %s carries the candidate's personal data: %s", e.Action, e.After)
			}
		}
		if moves != 7 || accepts != 2 { // screened … active
			t.Errorf("%d stage events and %d acceptances, want 7 and 2", moves, accepts)
		}
	})
}

// Rejection needs a reason, kept with the candidate; withdrawal ends the pipeline too.
func TestCandidateRejection(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.Token(ta.User(authz.RolePgM))
		id := apply(t, ta, "Bob Applicant")
		path := fmt.Sprintf("/api/v1/candidates/%d/stage", id)
		p := ta.API("POST", path, pgm, map[string]any{"to": "rejected"}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "body.reason") {
			t.Errorf("rejection without reason: %s", p.Text())
		}
		ta.API("POST", path, pgm, map[string]any{"to": "promoted"}).Want(t, 422)
		var c candidate
		ta.API("POST", path, pgm, map[string]any{"to": "rejected", "reason": "No open-source track record yet; welcome to re-apply next year."}).Want(t, 200).JSON(t, &c)
		if c.Stage != "rejected" || !strings.Contains(c.RejectionReason, "re-apply") {
			t.Fatalf("rejected: %+v", c)
		}
		if p := ta.API("POST", path, pgm, map[string]any{"to": "screened"}).Want(t, 409).Problem(t); !strings.Contains(p.Detail, "ended") {
			t.Errorf("moving a rejected candidate: %q", p.Detail)
		}
		var list struct {
			Items []candidate `json:"items"`
		}
		ta.API("GET", "/api/v1/candidates?stage=rejected", pgm, nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != id {
			t.Errorf("rejected list: %+v", list.Items)
		}
		ta.API("GET", "/api/v1/candidates?stage=applied", pgm, nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("applied list: %+v", list.Items)
		}
	})
}

// Candidates' data is for the programme manager and admins: responders, members and
// the public get 404 (lists 403), whatever they try; applications are validated and
// name the field.
func TestCandidateNeedToKnow(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		id := apply(t, ta, "Carol Private")
		admin := ta.Token(ta.User(authz.RoleAdmin))
		ta.API("GET", fmt.Sprintf("/api/v1/candidates/%d", id), admin, nil).Want(t, 200)
		for _, role := range []authz.Role{authz.RoleResponder, authz.RoleMember} {
			u := ta.User(role)
			tok := ta.Token(u)
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{"GET", fmt.Sprintf("/api/v1/candidates/%d", id), nil},
				{"POST", fmt.Sprintf("/api/v1/candidates/%d/stage", id), map[string]any{"to": "screened"}},
				{"POST", fmt.Sprintf("/api/v1/candidates/%d/notes", id), map[string]any{"kind": "note", "body": "x"}},
			} {
				res := ta.API(r.method, r.path, tok, r.body)
				if res.StatusCode != 404 || strings.Contains(string(res.Body), "Carol") {
					t.Errorf("%s %s %s: %d %.200s, want 404", role, r.method, r.path, res.StatusCode, res.Body)
				}
			}
			ta.API("GET", "/api/v1/candidates", tok, nil).Want(t, 403)
			b := ta.Browser()
			b.SignIn(u)
			if res := b.Get(fmt.Sprintf("/people/candidates/%d", id)); res.StatusCode != 404 || strings.Contains(string(res.Body), "Carol") {
				t.Errorf("%s candidate page: %d", role, res.StatusCode)
			}
			b.Get("/people/candidates").Want(t, 403)
		}
		ta.API("GET", fmt.Sprintf("/api/v1/candidates/%d", id), "", nil).Want(t, 401)

		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"name": "", "email": "a@example.net", "role": "responder"}, "name"},
			{map[string]any{"name": "A", "email": "nope", "role": "responder"}, "email"},
			{map[string]any{"name": "A", "email": "a@example.net", "role": "overlord"}, "role"},
			{map[string]any{"name": strings.Repeat("n", 201), "email": "a@example.net", "role": "responder"}, "name"},
		} {
			p := ta.API("POST", "/api/v1/candidates", "", c.body).Want(t, 422).Problem(t)
			if !strings.Contains(p.Text(), "body."+c.field) {
				t.Errorf("%v: %s does not name %s", c.body, p.Text(), c.field)
			}
		}
		// The confirmation mail is in the outbox (held: no relay in tests).
		var n int
		if err := d.Read().QueryRow(t.Context(), "SELECT COUNT(*) FROM outbox WHERE recipient = ? AND purpose = 'candidate.applied'", "carol.private@example.net").Scan(&n); err != nil || n != 1 {
			t.Errorf("confirmation mails: %d (%v), want 1", n, err)
		}
	})
}

// The public form keeps what the applicant typed when it is refused, and is
// rate-limited per address.
func TestApplyForm(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.NewWith(t, d, testapp.Options{Config: func(c *config.Config) { c.IntakeBurst = 3 }})
		b := ta.Browser()
		form := b.Get("/apply").Want(t, 200)
		if !strings.Contains(string(form.Body), `action="/apply"`) {
			t.Fatal("no form on /apply")
		}
		res := b.Post("/apply", map[string][]string{"name": {"Dee Keen"}, "email": {"not-an-address"}, "role": {"security-buddy"}, "motivation": {"I like fuzzing."}}).Want(t, 422)
		for _, want := range []string{`value="Dee Keen"`, "I like fuzzing.", `value="security-buddy" selected`, "not an email address"} {
			if !strings.Contains(string(res.Body), want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		b.Post("/apply", map[string][]string{"name": {"Dee Keen"}, "email": {"dee@example.net"}, "role": {"security-buddy"}}).Want(t, 201)
		b.Post("/apply", map[string][]string{"name": {"Dee Keen"}, "email": {"dee@example.net"}, "role": {"security-buddy"}}).Want(t, 201)
		b.Post("/apply", map[string][]string{"name": {"Dee Keen"}, "email": {"dee@example.net"}, "role": {"security-buddy"}}).Want(t, 429)
	})
}
