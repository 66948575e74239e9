package cases_test

import (
	"context"
	"encoding/json"
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

// TestCreditsVerbatimAndDuplicates: a finder is credited in the words they asked for,
// and the finder of a duplicate merged into the report joins the case and is credited.
func TestCreditsVerbatimAndDuplicates(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		sub := func(email, credit string) *intake.Report {
			r, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Path traversal in archive " + email,
				Details: "Extracting a crafted archive writes outside.", Reporter: intake.Reporter{Email: email, Name: "Real Name " + email, Credit: credit},
				Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/archive"}, Versions: []string{"1.4.0"}}}})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		first := sub("ada@example.org", "Ada L. (@ada_sec) of Example Labs")
		dup := sub("bob@example.org", "bob — the archive hunter")
		if _, err := ta.App.Intake.MarkDuplicate(ctx, resp.Actor(), dup.PublicID, first.PublicID); err != nil {
			t.Fatal(err)
		}
		var c cases.Case
		ta.API("POST", "/api/v1/cases", ta.Token(resp), map[string]any{"report_id": first.PublicID}).Want(t, 201).JSON(t, &c)
		out, err := ta.App.Cases.Export(ctx, resp.Actor(), c.PublicID, "osv")
		if err != nil {
			t.Fatal(err)
		}
		var rec format.Advisory
		if err := json.Unmarshal(out, &rec); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, cr := range rec.Credits {
			names = append(names, cr.Name)
		}
		if len(names) != 2 || names[0] != "Ada L. (@ada_sec) of Example Labs" || names[1] != "bob — the archive hunter" {
			t.Errorf("credits %q", names)
		}
		// A duplicate merged after the case was opened: its finder joins the case too.
		late := sub("carol@example.org", "")
		if _, err := ta.App.Intake.MarkDuplicate(ctx, resp.Actor(), late.PublicID, first.PublicID); err != nil {
			t.Fatal(err)
		}
		out, err = ta.App.Cases.Export(ctx, resp.Actor(), c.PublicID, "osv")
		if err != nil {
			t.Fatal(err)
		}
		rec = format.Advisory{}
		if err := json.Unmarshal(out, &rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.Credits) != 3 || rec.Credits[2].Name != "Real Name carol@example.org" {
			t.Errorf("credits after a late duplicate: %+v", rec.Credits)
		}
	})
}

// TestAdvisoryVEXReflectsCaseStatuses: the VEX export of an advisory drafted from a case
// carries what the case's parties stated, each about its own product.
func TestAdvisoryVEXReflectsCaseStatuses(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		rtok := ta.Token(resp)
		rep, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Path traversal in archive",
			Details: "Extracting a crafted archive writes outside.", Reporter: intake.Reporter{Email: "ada@example.org"},
			Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/archive"}, Ranges: "< 1.4.2"}}})
		if err != nil {
			t.Fatal(err)
		}
		var c cases.Case
		ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
		var distro cases.Participant
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/participants", rtok, map[string]any{"email": "psirt@distro.example", "role": "downstream", "organisation": "Distro Inc"}).Want(t, 201).JSON(t, &distro)
		if _, err := ta.App.Cases.SetStatus(ctx, resp.Actor(), c.PublicID, "V1", cases.StatusInput{Status: "not_affected", Justification: "vulnerable_code_not_present", ParticipantID: distro.ID}); err != nil {
			t.Fatal(err)
		}
		var adv struct{ ID string }
		ta.API("POST", "/api/v1/advisories", rtok, map[string]any{"case_id": c.PublicID, "vulnerability": "V1"}).Want(t, 201).JSON(t, &adv)
		out, err := ta.App.Advisories.Export(ctx, resp.Actor(), adv.ID, "vex")
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		if !strings.Contains(s, `"Distro Inc"`) || !strings.Contains(s, `"known_not_affected"`) || !strings.Contains(s, "vulnerable_code_not_present") || !strings.Contains(s, `"known_affected"`) {
			t.Errorf("advisory VEX does not reflect the case statuses:\n%s", s)
		}
	})
}
