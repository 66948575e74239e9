package cases_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestCaseFromReportKeepsRangesAndPURLs: the finder's free-text range is kept and
// proposed as a structured range; a package given as a purl alone gets its ecosystem
// and name.
func TestCaseFromReportKeepsRangesAndPURLs(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		rep, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Path traversal in archive",
			Details: "Extracting a crafted archive writes outside.", Reporter: intake.Reporter{Email: "ada@example.org"},
			Affected: []intake.Affected{
				{Package: intake.Package{Ecosystem: "Go", Name: "example.org/archive"}, Ranges: ">= 1.2.0, < 1.4.2"},
				{Package: intake.Package{PURL: "pkg:npm/%40scope/lib@2.0.0"}, Ranges: "all of them, I think"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		var c cases.Case
		ta.API("POST", "/api/v1/cases", ta.Token(resp), map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
		if len(c.Packages) != 2 {
			t.Fatalf("packages: %+v", c.Packages)
		}
		p := c.Packages[0]
		if !strings.Contains(p.Note, ">= 1.2.0, < 1.4.2") || len(p.Ranges) != 1 || p.Ranges[0].Type != format.RangeSemver ||
			p.Ranges[0].Events[0].Introduced != "1.2.0" || p.Ranges[0].Events[1].Fixed != "1.4.2" {
			t.Errorf("free-text range: %+v", p)
		}
		p = c.Packages[1]
		if p.Ecosystem != "npm" || p.Name != "@scope/lib" || len(p.Ranges) != 0 || !strings.Contains(p.Note, "all of them") {
			t.Errorf("purl-only package: %+v", p)
		}
	})
}
