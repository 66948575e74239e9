package intake_test

import (
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestMailIntakeExtractsFormFields: a mailed report gets what the web form asks for
// from its body — CVSS vector, CWE, packages (purl or Package:/Ecosystem: lines) and
// versions; a value the form would refuse leaves the mail as it came.
func TestMailIntakeExtractsFormFields(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		send := func(subject, body string) *intake.Report {
			t.Helper()
			raw, _, err := mail.Compose(&mail.Outgoing{From: "Grace <grace@example.org>", To: []string{ta.App.Cfg.IntakeAddress}, Subject: subject, Text: body})
			if err != nil {
				t.Fatal(err)
			}
			if err := ta.App.Intake.Deliver(ctx, "grace@example.org", []string{ta.App.Cfg.IntakeAddress}, raw); err != nil {
				t.Fatal(err)
			}
			drain(t, ta)
			got, err := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: subject})
			if err != nil || len(got) != 1 {
				t.Fatalf("mailed report %q: %v %v", subject, err, len(got))
			}
			return got[0]
		}
		r := send("Stored XSS in lib", "Hi,\n\nThe comment field is not escaped (cwe-79), score CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N.\n"+
			"Seen in pkg:npm/%40acme/comments@2.3.1 and also:\n\nEcosystem: PyPI\nPackage: acme-comments\nAffected versions: >= 1.0, < 1.4\n")
		if r.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N" || r.CWE != "CWE-79" {
			t.Errorf("cvss %q cwe %q", r.CVSSVector, r.CWE)
		}
		if len(r.Affected) != 2 || r.Affected[0].Package.PURL != "pkg:npm/%40acme/comments" || len(r.Affected[0].Versions) != 1 || r.Affected[0].Versions[0] != "2.3.1" ||
			r.Affected[1].Package.Ecosystem != "PyPI" || r.Affected[1].Package.Name != "acme-comments" || r.Affected[1].Ranges != ">= 1.0, < 1.4" {
			t.Errorf("affected: %+v", r.Affected)
		}
		// Nothing to extract: nothing invented.
		r = send("Plain words only", "Something is wrong with the login page, please look.")
		if r.CVSSVector != "" || r.CWE != "" || len(r.Affected) != 0 {
			t.Errorf("plain mail: %+v", r)
		}
	})
}
