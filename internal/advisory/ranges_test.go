package advisory_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/validate"
)

// TestDraftRangesAndPURLs: SEMVER ranges take SemVer 2.0 only, an empty range
// (introduced == fixed) is refused, and a package may be given as a purl alone.
func TestDraftRangesAndPURLs(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, tc := range []struct {
			events []format.Event
			field  string
		}{
			{[]format.Event{{Introduced: "v1.0.0"}, {Fixed: "1.2.0"}}, "affected[0].ranges[0].events[0].introduced"},
			{[]format.Event{{Introduced: "0"}, {Fixed: "1.0"}}, "affected[0].ranges[0].events[1].fixed"},
			{[]format.Event{{Introduced: "1.2.0"}, {Fixed: "1.2.0"}}, "affected[0].ranges[0].events[1].fixed"},
		} {
			dr := goDraft()
			dr.Affected[0].Ranges[0].Events = tc.events
			_, err := f.svc.Create(ctx, f.authorA, dr)
			var fe validate.Errors
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("%v: %v, want an error naming %s", tc.events, err, tc.field)
			}
		}
		dr := goDraft()
		dr.Affected[0].Package = format.Package{PURL: "pkg:golang/example.org/archive@1.4.1"}
		a, err := f.svc.Create(ctx, f.authorA, dr)
		if err != nil {
			t.Fatal(err)
		}
		if p := a.Doc.Affected[0].Package; p.Ecosystem != "Go" || p.Name != "example.org/archive" || p.PURL != "pkg:golang/example.org/archive" {
			t.Errorf("package from a purl: %+v", p)
		}
		dr.Affected[0].Package = format.Package{PURL: "pkg:nosuchtype/x"}
		if _, err := f.svc.Create(ctx, f.authorA, dr); err == nil || !strings.Contains(err.Error(), "affected[0].package.purl") {
			t.Errorf("unknown purl type: %v", err)
		}
	})
}
