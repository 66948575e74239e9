package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
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
