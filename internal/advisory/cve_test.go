package advisory_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/validate"
)

type fakeCVEServices struct{ calls int }

func (f *fakeCVEServices) Reserve(_ context.Context, year int, _ string) (string, error) {
	f.calls++
	return "CVE-2026-55555", nil
}

func cveMeta(t *testing.T, f *fixture, ref string) (id, state, org string) {
	t.Helper()
	out, err := f.svc.Export(ctx, f.authorA, ref, advisory.FormatCVE)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		CVEMetadata struct {
			CVEID         string `json:"cveId"`
			State         string `json:"state"`
			AssignerOrgID string `json:"assignerOrgId"`
		} `json:"cveMetadata"`
	}
	if err := json.Unmarshal(out, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.CVEMetadata.CVEID, rec.CVEMetadata.State, rec.CVEMetadata.AssignerOrgID
}

func TestCVEWorkflow(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft := goDraft()
		draft.Aliases = nil
		a, err := f.svc.Create(ctx, f.authorA, draft)
		if err != nil {
			t.Fatal(err)
		}
		// No CVE id yet: refused, no placeholder id.
		if _, err := f.svc.Export(ctx, f.authorA, a.PublicID, advisory.FormatCVE); !advisory.IsFormatError(err) {
			t.Errorf("CVE export without a CVE id: %v, want a refusal", err)
		}
		for _, bad := range []string{"CVE-0000-00000", "CVE-26-1", "GHSA-1"} {
			var fe validate.Errors
			if _, err := f.svc.RecordCVE(ctx, f.authorA, a.PublicID, bad); !errors.As(err, &fe) || fe[0].Field != "cve_id" {
				t.Errorf("RecordCVE(%q) = %v, want a cve_id field error", bad, err)
			}
		}
		if _, err := f.svc.RecordCVE(ctx, f.member, a.PublicID, "CVE-2026-40001"); !db.NotFound(err) {
			t.Errorf("a member recording a CVE id: %v, want not found", err)
		}
		if a, err = f.svc.RecordCVE(ctx, f.authorA, a.PublicID, "cve-2026-40001"); err != nil {
			t.Fatal(err)
		}
		if a, err = f.svc.RecordCVE(ctx, f.authorA, a.PublicID, "CVE-2026-40001"); err != nil || a.Doc.Aliases[0] != "CVE-2026-40001" || len(a.Doc.Aliases) != 1 {
			t.Fatalf("recorded twice: %v %v", err, a.Doc.Aliases)
		}
		id, state, org := cveMeta(t, f, a.PublicID)
		if id != "CVE-2026-40001" || state != "RESERVED" || org == "" || org == "00000000-0000-0000-0000-000000000000" {
			t.Errorf("before publication: %s %s %s", id, state, org)
		}
		// The CNA's settings.
		if err := f.App.Settings.Set(ctx, authz.System("test"), advisory.SettingCNAOrgID, "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"); err != nil {
			t.Fatal(err)
		}
		if _, _, org = cveMeta(t, f, a.PublicID); org != "b3476cb9-2e3d-41a6-98d0-0f47421a65b6" {
			t.Errorf("assignerOrgId %s, want the setting", org)
		}
		// CVE Services: off without a client and the setting.
		if _, err := f.svc.ReserveCVE(ctx, f.authorA, a.PublicID); !errors.Is(err, advisory.ErrState) {
			t.Errorf("ReserveCVE without a client: %v", err)
		}
		fake := &fakeCVEServices{}
		f.svc.SetCVEServices(fake)
		if err := f.App.Settings.Set(ctx, authz.System("test"), advisory.SettingCVEServices, "on"); err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Create(ctx, f.authorA, draft)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if b, err = f.svc.ReserveCVE(ctx, f.authorA, b.PublicID); err != nil {
				t.Fatal(err)
			}
		}
		if fake.calls != 1 || b.Doc.Aliases[0] != "CVE-2026-55555" {
			t.Errorf("reserved %d times, aliases %v", fake.calls, b.Doc.Aliases)
		}
		// Published: PUBLISHED.
		if _, err := f.svc.Submit(ctx, f.authorA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.reviewerA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(ctx, f.authorA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, state, _ = cveMeta(t, f, a.PublicID); state != "PUBLISHED" {
			t.Errorf("after publication: %s", state)
		}
	})
}
