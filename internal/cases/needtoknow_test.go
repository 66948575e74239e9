package cases_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// party is a case with a coordinator, an owner, two downstream parties and an email
// contact, every organisation with a webhook.
type parties struct {
	ta                    *testapp.TestApp
	id                    string
	resp, owner, da, db   testapp.User
	pOwner, pDA, pDB, pEC *cases.Participant
}

func newParties(t *testing.T, d *db.DB) *parties {
	t.Helper()
	ctx := context.Background()
	// The webhook receiver is on 127.0.0.1: allowed explicitly, as on premises.
	ta := testapp.NewWith(t, d, testapp.Options{Config: func(c *config.Config) { c.OutboundAllow = []string{"127.0.0.1"} }})
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(hooks.Close)
	p := &parties{ta: ta, resp: ta.User(authz.RoleResponder), owner: ta.User(authz.RoleMember), da: ta.User(authz.RoleMember), db: ta.User(authz.RoleMember)}
	admin := ta.User(authz.RoleAdmin)
	for _, org := range []string{"Wsock Maintainers", "Distro A", "Distro B", "Contact Org"} {
		if _, err := ta.App.Outbox.AddWebhook(ctx, admin.Actor(), org, hooks.URL+"/"+strings.ReplaceAll(org, " ", "-")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ta.App.Cases.Open(ctx, p.resp.Actor(), cases.NewCase{Title: "Heap overflow in decoder", Details: "CONTENT-DETAILS"})
	if err != nil {
		t.Fatal(err)
	}
	p.id = c.PublicID
	add := func(u *testapp.User, email, role, org string) *cases.Participant {
		if u != nil {
			email = u.Email
		}
		x, err := ta.App.Cases.AddParticipant(ctx, p.resp.Actor(), p.id, cases.NewParticipant{Email: email, Role: role, Organisation: org})
		if err != nil {
			t.Fatal(err)
		}
		if u != nil {
			if _, err := ta.App.Cases.ReadIn(ctx, u.Actor(), p.id); err != nil {
				t.Fatal(err)
			}
		}
		return x
	}
	p.pOwner = add(&p.owner, "", "owner", "Wsock Maintainers")
	p.pDA = add(&p.da, "", "downstream", "Distro A")
	p.pDB = add(&p.db, "", "downstream", "Distro B")
	p.pEC = add(nil, "contact@contact.example", "downstream", "Contact Org")
	if _, err := ta.App.Cases.AddVulnerability(ctx, p.resp.Actor(), p.id, cases.NewVulnerability{Title: "Overflow"}); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *parties) json(t *testing.T, u testapp.User) string {
	t.Helper()
	c, err := p.ta.App.Cases.Get(context.Background(), u.Actor(), p.id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// webhookBodies are the webhook payloads queued for an organisation's hook.
func (p *parties) webhookBodies(t *testing.T, org string) []string {
	t.Helper()
	rows, err := p.ta.App.DB.Read().Query(context.Background(), "SELECT body FROM outbox WHERE channel = 'webhook' AND recipient LIKE ? ORDER BY id", "%/"+strings.ReplaceAll(org, " ", "-"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestConfidentialityBetweenParties: a downstream party sees the coordinators and its
// own record, not the other parties' addresses, statuses, statements or tracking ids;
// the owner sees other parties by organisation only; a statement is private until the
// party marks it public; the case setting lets downstream see the parties; webhooks
// carry the same view.
func TestConfidentialityBetweenParties(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newParties(t, d)
		cs := p.ta.App.Cases
		if _, err := cs.UpdateParticipant(ctx, p.owner.Actor(), p.id, p.pOwner.ID, cases.ParticipantUpdate{TrackingID: ptr("OWNER-PRIVATE-TRACKING")}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.SetStatus(ctx, p.owner.Actor(), p.id, "V1", cases.StatusInput{Status: "affected", Statement: "OWNER-PRIVATE-STATEMENT"}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.SetStatus(ctx, p.db.Actor(), p.id, "V1", cases.StatusInput{Status: "not_affected", Justification: "component_not_present",
			Statement: "DB-PUBLIC-STATEMENT", StatementPublic: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AddPost(ctx, p.owner.Actor(), p.id, "api", cases.NewCasePost{Body: "SHARED-BY-OWNER"}); err != nil {
			t.Fatal(err)
		}

		// Downstream A: the coordinator and itself only.
		da := p.json(t, p.da)
		for _, secret := range []string{p.owner.Email, p.db.Email, "contact@contact.example", "Wsock Maintainers", "Distro B", "OWNER-PRIVATE-TRACKING",
			"OWNER-PRIVATE-STATEMENT", "DB-PUBLIC-STATEMENT", "component_not_present"} {
			if strings.Contains(da, secret) {
				t.Errorf("downstream A sees %q: %s", secret, da)
			}
		}
		for _, want := range []string{p.resp.Email, p.da.Email, "CONTENT-DETAILS"} {
			if !strings.Contains(da, want) {
				t.Errorf("downstream A does not see %q", want)
			}
		}
		// The case page says no more than the API.
		br := p.ta.Browser()
		br.SignIn(p.da)
		page := string(br.Get("/cases/"+p.id).Want(t, 200).Body)
		for _, secret := range []string{p.owner.Email, p.db.Email, "contact@contact.example", "Distro B", "OWNER-PRIVATE-TRACKING", "OWNER-PRIVATE-STATEMENT"} {
			if strings.Contains(page, secret) {
				t.Errorf("downstream A's case page shows %q", secret)
			}
		}
		// Posts and the timeline name the owner as the viewer may see them.
		posts, err := cs.Posts(ctx, p.da.Actor(), p.id)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(posts)
		if strings.Contains(string(raw), p.owner.Email) || !strings.Contains(string(raw), "SHARED-BY-OWNER") {
			t.Errorf("downstream A's posts: %s", raw)
		}
		tl, err := cs.Timeline(ctx, p.da.Actor(), p.id, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ = json.Marshal(tl)
		for _, secret := range []string{p.owner.Email, p.db.Email, "OWNER-PRIVATE-TRACKING", "Distro B", "contact@contact.example"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("downstream A's timeline has %q: %s", secret, raw)
			}
		}
		for _, e := range tl {
			if e.Action == "case.status" || e.Action == "case.participant.updated" {
				t.Errorf("downstream A's timeline shows another party's %s", e.Action)
			}
		}

		// The owner: other parties by organisation only; a public statement, not a private one.
		own := p.json(t, p.owner)
		for _, secret := range []string{p.da.Email, p.db.Email, "contact@contact.example"} {
			if strings.Contains(own, secret) {
				t.Errorf("owner sees %q", secret)
			}
		}
		for _, want := range []string{"Distro A", "Distro B", "DB-PUBLIC-STATEMENT", "OWNER-PRIVATE-STATEMENT", "OWNER-PRIVATE-TRACKING"} {
			if !strings.Contains(own, want) {
				t.Errorf("owner does not see %q: %s", want, own)
			}
		}
		// The team sees everything.
		team := p.json(t, p.resp)
		for _, want := range []string{p.owner.Email, p.da.Email, p.db.Email, "OWNER-PRIVATE-STATEMENT", "OWNER-PRIVATE-TRACKING"} {
			if !strings.Contains(team, want) {
				t.Errorf("coordinator does not see %q", want)
			}
		}

		// The case's terms let downstream see the parties: organisations, never addresses.
		if _, err := cs.UpdateCase(ctx, p.owner.Actor(), p.id, cases.CaseUpdate{PartiesVisible: &[]string{"owner", "downstream"}}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("owner changes the terms: %v, want forbidden", err)
		}
		if _, err := cs.UpdateCase(ctx, p.resp.Actor(), p.id, cases.CaseUpdate{PartiesVisible: &[]string{"root"}}); err == nil || !strings.Contains(err.Error(), "parties_visible[0]") {
			t.Fatalf("an unknown role: %v, want a field error naming parties_visible[0]", err)
		}
		if _, err := cs.UpdateCase(ctx, p.resp.Actor(), p.id, cases.CaseUpdate{PartiesVisible: &[]string{"owner", "downstream"}}); err != nil {
			t.Fatal(err)
		}
		da = p.json(t, p.da)
		page = string(br.Get("/cases/"+p.id).Want(t, 200).Body)
		if !strings.Contains(page, "Wsock Maintainers") || strings.Contains(page, p.owner.Email) || strings.Contains(page, "OWNER-PRIVATE-STATEMENT") {
			t.Errorf("downstream A's page with parties visible: owner's organisation shown, never their address or private statement")
		}
		if !strings.Contains(da, "Wsock Maintainers") || !strings.Contains(da, "DB-PUBLIC-STATEMENT") {
			t.Errorf("downstream with parties visible: %s", da)
		}
		for _, secret := range []string{p.owner.Email, p.db.Email, "OWNER-PRIVATE-STATEMENT", "OWNER-PRIVATE-TRACKING"} {
			if strings.Contains(da, secret) {
				t.Errorf("downstream with parties visible sees %q", secret)
			}
		}

		// Webhooks: Distro A's hook never got another party's record, status, address or
		// private statement.
		bodies := p.webhookBodies(t, "Distro A")
		if len(bodies) == 0 {
			t.Fatal("Distro A's webhook got nothing")
		}
		all := strings.Join(bodies, "\n")
		for _, secret := range []string{p.owner.Email, p.db.Email, "contact@contact.example", "OWNER-PRIVATE-TRACKING", "\"case.status\"", "case.participant.updated"} {
			if strings.Contains(all, secret) {
				t.Errorf("Distro A's webhook carried %q:\n%s", secret, all)
			}
		}
		// The owner's organisation does get its own record's change.
		if !strings.Contains(strings.Join(p.webhookBodies(t, "Wsock Maintainers"), "\n"), "OWNER-PRIVATE-TRACKING") {
			t.Error("the owner's webhook did not get its own record's change")
		}
		// Mail: the shared post's notice to downstream B does not carry the owner's address.
		rows, err := d.Read().Query(ctx, "SELECT recipient, body FROM outbox WHERE channel = 'email' AND purpose LIKE 'case.post:%'")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var to, body string
			if err := rows.Scan(&to, &body); err != nil {
				t.Fatal(err)
			}
			if to == p.db.Email || to == "contact@contact.example" {
				n++
				if strings.Contains(body, p.owner.Email) {
					t.Errorf("the notice to %s names the owner's address:\n%s", to, body)
				}
			}
		}
		rows.Close()
		if n == 0 {
			t.Error("no post notice went to downstream B or the contact")
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestUpdatedSinceAndWebhooksFollowVisibility: internal notes, another party's private
// thread and another party's record do not move a party's updated_since cursor nor
// reach its webhook; a shared post does both.
func TestUpdatedSinceAndWebhooksFollowVisibility(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newParties(t, d)
		cs := p.ta.App.Cases
		tok := p.ta.Token(p.da)
		p.ta.Clock.Advance(time.Hour)
		since := p.ta.Clock.Now()
		list := func() []cases.Case {
			var out struct{ Items []cases.Case }
			p.ta.API("GET", "/api/v1/cases?updated_since="+since.Format(time.RFC3339Nano), tok, nil).Want(t, 200).JSON(t, &out)
			return out.Items
		}
		hooks := len(p.webhookBodies(t, "Distro A"))
		p.ta.Clock.Advance(time.Minute)
		if _, err := cs.AddPost(ctx, p.resp.Actor(), p.id, "api", cases.NewCasePost{Thread: "internal", Body: "note"}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AddPost(ctx, p.resp.Actor(), p.id, "api", cases.NewCasePost{Thread: "private", ParticipantID: p.pOwner.ID, Body: "to the owner"}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.UpdateParticipant(ctx, p.owner.Actor(), p.id, p.pOwner.ID, cases.ParticipantUpdate{TrackingID: ptr("X-1")}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.SetStatus(ctx, p.owner.Actor(), p.id, "V1", cases.StatusInput{Status: "affected"}); err != nil {
			t.Fatal(err)
		}
		if got := list(); len(got) != 0 {
			t.Fatalf("activity downstream A cannot read moved its cursor: %+v", got)
		}
		if n := len(p.webhookBodies(t, "Distro A")); n != hooks {
			t.Fatalf("Distro A's webhook got %d deliveries for activity it cannot read", n-hooks)
		}
		// The team's own list does move (it reads everything).
		var team struct{ Items []cases.Case }
		p.ta.API("GET", "/api/v1/cases?updated_since="+since.Format(time.RFC3339Nano), p.ta.Token(p.resp), nil).Want(t, 200).JSON(t, &team)
		if len(team.Items) != 1 {
			t.Fatalf("the team's updated_since: %d cases, want 1", len(team.Items))
		}
		// A get of the case does not betray the time of the hidden activity either.
		c, err := cs.Get(ctx, p.da.Actor(), p.id)
		if err != nil {
			t.Fatal(err)
		}
		if c.UpdatedAt.After(since) {
			t.Fatalf("downstream A's updated_at %s moved with hidden activity", c.UpdatedAt)
		}
		p.ta.Clock.Advance(time.Minute)
		if _, err := cs.AddPost(ctx, p.resp.Actor(), p.id, "api", cases.NewCasePost{Body: "shared news"}); err != nil {
			t.Fatal(err)
		}
		if got := list(); len(got) != 1 || got[0].PublicID != p.id {
			t.Fatalf("a shared post did not move the cursor: %+v", got)
		}
		if n := len(p.webhookBodies(t, "Distro A")); n != hooks+1 {
			t.Fatalf("Distro A's webhook got %d deliveries for the shared post, want 1", n-hooks)
		}
	})
}

// TestRemoveParticipant: a coordinator removes a party; it is audited, and the party's
// next API read and page of the case are 404 at once; nobody else may remove; the last
// coordinator stays.
func TestRemoveParticipant(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newParties(t, d)
		cs := p.ta.App.Cases
		tok := p.ta.Token(p.da)
		b := p.ta.Browser()
		b.SignIn(p.da)
		p.ta.API("GET", "/api/v1/cases/"+p.id, tok, nil).Want(t, 200)
		b.Get("/cases/"+p.id).Want(t, 200)
		if err := cs.RemoveParticipant(ctx, p.owner.Actor(), p.id, p.pDA.ID, "x"); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("owner removes a party: %v, want forbidden", err)
		}
		if err := cs.RemoveParticipant(ctx, p.resp.Actor(), p.id, 999999, ""); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("removing nobody: %v, want not found", err)
		}
		p.ta.API("DELETE", "/api/v1/cases/"+p.id+"/participants/"+itoa(p.pDA.ID)+"?reason=left+the+distribution", p.ta.Token(p.resp), nil).Want(t, 204)
		p.ta.API("GET", "/api/v1/cases/"+p.id, tok, nil).Want(t, 404)
		p.ta.API("GET", "/api/v1/cases/"+p.id+"/posts", tok, nil).Want(t, 404)
		b.Get("/cases/"+p.id).Want(t, 404)
		var out struct{ Items []cases.Case }
		p.ta.API("GET", "/api/v1/cases", tok, nil).Want(t, 200).JSON(t, &out)
		if len(out.Items) != 0 {
			t.Fatalf("the removed party still lists %+v", out.Items)
		}
		p.ta.API("DELETE", "/api/v1/cases/"+p.id+"/participants/"+itoa(p.pDA.ID), p.ta.Token(p.resp), nil).Want(t, 404) // twice
		evs, err := p.ta.App.Events.List(ctx, d.Read(), authz.System("test"), events.Query{CaseID: caseRowID(t, d, p.id)})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range evs {
			if e.Action == "case.participant.removed" && strings.Contains(string(e.After), "left the distribution") && e.Actor == p.resp.Email {
				found = true
			}
		}
		if !found {
			t.Fatal("no audited case.participant.removed event with the reason")
		}
		// The last coordinator cannot be removed.
		c, _ := cs.Get(ctx, p.resp.Actor(), p.id)
		for _, x := range c.Participants {
			if x.Role == "coordinator" {
				if err := cs.RemoveParticipant(ctx, p.resp.Actor(), p.id, x.ID, ""); !cases.IsRule(err) {
					t.Fatalf("removing the last coordinator: %v, want a rule", err)
				}
			}
			if x.ID == p.pDA.ID {
				t.Fatal("the removed party is still listed")
			}
		}
		// They may be added again.
		if _, err := cs.AddParticipant(ctx, p.resp.Actor(), p.id, cases.NewParticipant{Email: p.da.Email, Role: "downstream"}); err != nil {
			t.Fatalf("adding a removed party again: %v", err)
		}
	})
}

// TestPackagesEditRemove: coordinators replace and remove a package (audited); a party
// may not; a package of another case is not found.
func TestPackagesEditRemove(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newParties(t, d)
		cs := p.ta.App.Cases
		pk, err := cs.AddPackage(ctx, p.resp.Actor(), p.id, cases.NewAffectedPackage{Ecosystem: "Go", Name: "example.org/wsock"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := cs.Open(ctx, p.resp.Actor(), cases.NewCase{Title: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.UpdatePackage(ctx, p.resp.Actor(), other.PublicID, pk.ID, cases.NewAffectedPackage{Name: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("package through another case: %v", err)
		}
		if _, err := cs.UpdatePackage(ctx, p.owner.Actor(), p.id, pk.ID, cases.NewAffectedPackage{Name: "x"}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("owner edits: %v", err)
		}
		if _, err := cs.UpdatePackage(ctx, p.resp.Actor(), p.id, pk.ID, cases.NewAffectedPackage{Ecosystem: "Go", PURL: "not a purl"}); err == nil || !strings.Contains(err.Error(), "purl") {
			t.Fatalf("bad purl: %v", err)
		}
		up, err := cs.UpdatePackage(ctx, p.resp.Actor(), p.id, pk.ID, cases.NewAffectedPackage{Ecosystem: "Go", Name: "example.org/wsock/v2", Versions: []string{"2.0.0"}})
		if err != nil || up.Name != "example.org/wsock/v2" {
			t.Fatalf("update: %+v %v", up, err)
		}
		c, _ := cs.Get(ctx, p.resp.Actor(), p.id)
		if len(c.Packages) != 1 || c.Packages[0].Name != "example.org/wsock/v2" || c.Packages[0].Versions[0] != "2.0.0" {
			t.Fatalf("after update: %+v", c.Packages)
		}
		p.ta.API("DELETE", "/api/v1/cases/"+p.id+"/packages/"+itoa(pk.ID), p.ta.Token(p.da), nil).Want(t, 403)
		p.ta.API("DELETE", "/api/v1/cases/"+p.id+"/packages/"+itoa(pk.ID), p.ta.Token(p.resp), nil).Want(t, 204)
		p.ta.API("DELETE", "/api/v1/cases/"+p.id+"/packages/"+itoa(pk.ID), p.ta.Token(p.resp), nil).Want(t, 404)
		c, _ = cs.Get(ctx, p.resp.Actor(), p.id)
		if len(c.Packages) != 0 {
			t.Fatalf("after remove: %+v", c.Packages)
		}
		tl, _ := cs.Timeline(ctx, p.resp.Actor(), p.id, 0, 500)
		seen := map[string]bool{}
		for _, e := range tl {
			seen[e.Action] = true
		}
		if !seen["case.package.updated"] || !seen["case.package.removed"] {
			t.Fatalf("package changes are not in the record: %v", seen)
		}
	})
}

// TestNonRequiredAnswerShown: a party whose consent is not required answers the
// proposal; the answer is listed (marked not required) and does not hold it up.
func TestNonRequiredAnswerShown(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newParties(t, d)
		cs := p.ta.App.Cases
		pd := testapp.Start.AddDate(0, 0, 42).Add(6 * time.Hour)
		if _, err := cs.Embargo(ctx, p.resp.Actor(), p.id, cases.EmbargoInput{Action: "propose", PublicDate: pd.Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Embargo(ctx, p.da.Actor(), p.id, cases.EmbargoInput{Action: "reject"}); err != nil {
			t.Fatal(err)
		}
		// downstream A is not required; its rejection of a proposal... the model drops the proposal;
		// propose again and have it accept instead.
		if _, err := cs.Embargo(ctx, p.resp.Actor(), p.id, cases.EmbargoInput{Action: "propose", PublicDate: pd.Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Embargo(ctx, p.da.Actor(), p.id, cases.EmbargoInput{Action: "accept"}); err != nil {
			t.Fatal(err)
		}
		c, err := cs.Get(ctx, p.resp.Actor(), p.id)
		if err != nil {
			t.Fatal(err)
		}
		var da *cases.Consent
		for i, x := range c.Embargo.Consents {
			if x.ParticipantID == p.pDA.ID {
				da = &c.Embargo.Consents[i]
			}
		}
		if da == nil || da.Answer != cases.AnswerAccepted || da.Required {
			t.Fatalf("downstream A's answer: %+v in %+v", da, c.Embargo.Consents)
		}
		for _, h := range c.Embargo.HoldingUp {
			if strings.Contains(h, "Distro A") {
				t.Fatalf("a party that is not required holds up the embargo: %v", c.Embargo.HoldingUp)
			}
		}
		// Downstream B sees that someone answered, not who.
		c, _ = cs.Get(ctx, p.db.Actor(), p.id)
		raw, _ := json.Marshal(c.Embargo)
		if strings.Contains(string(raw), p.da.Email) || strings.Contains(string(raw), "Distro A") {
			t.Fatalf("downstream B sees who answered: %s", raw)
		}
	})
}

// TestAdminContentReadsAudited: an admin's reads of posts, timeline and files are
// audited like the case page; a coordinator's are not.
func TestAdminContentReadsAudited(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := newParties(t, d)
		cs := p.ta.App.Cases
		admin := p.ta.User(authz.RoleAdmin)
		count := func() map[string]int {
			evs, err := p.ta.App.Events.List(ctx, d.Read(), authz.System("test"), events.Query{CaseID: caseRowID(t, d, p.id), Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, e := range evs {
				if e.Action == "case.content_read" {
					var x struct{ Read string }
					_ = json.Unmarshal(e.After, &x)
					out[e.Actor+" "+x.Read]++
				}
			}
			return out
		}
		if _, err := cs.Posts(ctx, p.resp.Actor(), p.id); err != nil {
			t.Fatal(err)
		}
		if n := len(count()); n != 0 {
			t.Fatalf("a coordinator's read was audited: %v", count())
		}
		if _, err := cs.Posts(ctx, admin.Actor(), p.id); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Timeline(ctx, admin.Actor(), p.id, 0, 100); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Attachments(ctx, admin.Actor(), p.id); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Get(ctx, authz.System("cli:case show"), p.id); err != nil {
			t.Fatal(err)
		}
		got := count()
		for _, k := range []string{admin.Email + " posts", admin.Email + " timeline", admin.Email + " files", "system:cli:case show case"} {
			if got[k] != 1 {
				t.Errorf("audit of %q: %d, want 1 (all: %v)", k, got[k], got)
			}
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func caseRowID(t *testing.T, d *db.DB, ref string) int64 {
	t.Helper()
	var id int64
	if err := d.Read().QueryRow(context.Background(), "SELECT id FROM cases WHERE public_id = ?", ref).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
