package metrics_test

import (
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func TestDashboardPage(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		b := ta.Browser()
		b.SignIn(ta.User(authz.RoleAdmin))
		r := b.Get("/staff/metrics")
		if r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, ta.Logs.String())
		}
		if !strings.Contains(string(r.Body), "<svg") {
			t.Errorf("no chart")
		}
	})
}
