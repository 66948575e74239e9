package advisory_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// TestCVEFormOnTheAdvisoryPage: the staff page records the id; a bad one re-renders
// the page with the input and the message next to the field.
func TestCVEFormOnTheAdvisoryPage(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, err := f.svc.Create(ctx, f.authorA, goDraft())
		if err != nil {
			t.Fatal(err)
		}
		b := f.Browser()
		b.SignIn(f.author)
		r := b.Submit("/staff/advisories/"+a.PublicID+"/cve", url.Values{"cve_id": {"CVE-0000-00000"}})
		if r.StatusCode != 422 || !strings.Contains(string(r.Body), "placeholder") || !strings.Contains(string(r.Body), `value="CVE-0000-00000"`) {
			t.Errorf("placeholder id: %d %.400s", r.StatusCode, r.Body)
		}
		if r = b.Submit("/staff/advisories/"+a.PublicID+"/cve", url.Values{"cve_id": {"CVE-2026-31337"}}); r.StatusCode != 303 {
			t.Fatalf("record: %d", r.StatusCode)
		}
		if got, _ := f.svc.Get(ctx, f.authorA, a.PublicID); got.Doc.Aliases[0] != "CVE-2026-31337" {
			t.Errorf("aliases %v", got.Doc.Aliases)
		}
	})
}
