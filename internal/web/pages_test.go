package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestBrandedNotFoundAndUsedSetupLink: an unknown address gets the site's own 404 page
// (not Go's plain text), and the set-up link, once sirt has a user (made with the link
// or with "sirt user add"), says so on a 404 page, never a 500.
func TestBrandedNotFoundAndUsedSetupLink(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		setup, err := ta.App.Accounts.SetupLink(context.Background())
		if err != nil || setup == "" {
			t.Fatalf("setup link: %q %v", setup, err)
		}
		ta.User(authz.RoleAdmin) // "sirt user add"
		b := ta.Browser()
		res := b.Get("/no/such/page")
		if res.StatusCode != 404 || !strings.Contains(string(res.Body), `href="/static/sirt.css"`) || !strings.Contains(string(res.Body), "Not found") {
			t.Fatalf("unknown page: %d %.300s", res.StatusCode, res.Body)
		}
		res = b.Get("/setup/" + setup)
		if res.StatusCode != 404 || !strings.Contains(string(res.Body), "set up already") {
			t.Fatalf("GET used setup link: %d %.300s", res.StatusCode, res.Body)
		}
		res = b.Post("/setup/"+setup, url.Values{"email": {"late@example.org"}, "password": {"a long passphrase 1"}, "password2": {"a long passphrase 1"}})
		if res.StatusCode != 404 {
			t.Fatalf("POST used setup link: %d %.300s", res.StatusCode, res.Body)
		}
	})
}

// TestRefusedCaseFormsRerender: refused case forms come back as the page with the
// input and words, not a bare status page: a counter without a date (422), an answer
// the embargo's state does not allow (409, the rule's message without its code); a
// member's home is My cases, and the dashboard sends them there.
func TestRefusedCaseFormsRerender(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		maya := ta.User(authz.RoleMember)
		c, err := ta.App.Cases.Open(ctx, resp.Actor(), cases.NewCase{Title: "Heap overflow in chunk reader", Project: "png-chunks"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Cases.AddParticipant(ctx, resp.Actor(), c.PublicID, cases.NewParticipant{Email: maya.Email, Role: "owner"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Cases.ReadIn(ctx, maya.Actor(), c.PublicID); err != nil {
			t.Fatal(err)
		}
		b := ta.Browser()
		b.SignIn(resp)
		res := b.Submit("/cases/"+c.PublicID+"/embargo", url.Values{"action": {"propose"}, "reason": {"the maintainers asked for six weeks"}})
		body := string(res.Body)
		if res.StatusCode != 422 || !strings.Contains(body, "There is a problem") || !strings.Contains(body, `href="#f-public_date"`) || !strings.Contains(body, "the maintainers asked for six weeks") {
			t.Fatalf("propose without a date: %d %.600s", res.StatusCode, body)
		}
		m := ta.Browser()
		m.SignIn(maya)
		res = m.Submit("/cases/"+c.PublicID+"/embargo", url.Values{"action": {"accept"}, "back": {"/my-cases"}})
		body = string(res.Body)
		if res.StatusCode != 409 || !strings.Contains(body, "My cases") || !strings.Contains(body, "There is a problem") || strings.Contains(body, "em.accept_without_proposal") {
			t.Fatalf("accept with nothing proposed: %d %.600s", res.StatusCode, body)
		}
		if res := m.Get("/dashboard"); res.StatusCode != 303 || res.Header.Get("Location") != "/my-cases" {
			t.Fatalf("member dashboard: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := m.Get("/my-cases"); res.StatusCode != 200 || !strings.Contains(string(res.Body), c.PublicID) {
			t.Fatalf("member My cases: %d", res.StatusCode)
		}
	})
}
