package advisory_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/testapp"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The real OSV records the format package tests with (a copy of shared/schemas/osv-testdata).
const osvTestdata = "format/testdata/osv"

func records(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.json", "more/*.json"} {
		m, err := filepath.Glob(filepath.Join(osvTestdata, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d OSV records in %s", len(out), osvTestdata)
	}
	return out
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var ctx = context.Background()

type fixture struct {
	*testapp.TestApp
	svc                *advisory.Service
	author, reviewer   testapp.User
	authorA, reviewerA authz.Actor
	member             authz.Actor
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	ta := testapp.New(t, d)
	f := &fixture{TestApp: ta, svc: ta.App.Advisories}
	f.author, f.reviewer = ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
	f.authorA, f.reviewerA = f.author.Actor(), f.reviewer.Actor()
	f.member = ta.User(authz.RoleMember).Actor()
	return f
}

// goDraft is a complete draft: every export validates.
func goDraft() advisory.Draft {
	return advisory.Draft{
		Title:   advisory.Str("Path traversal in example.org/archive"),
		Summary: advisory.Str("Path traversal when extracting archives"),
		Details: advisory.Str("Extracting a crafted archive writes **outside** the target directory.\n\n<script>alert(1)</script>"),
		Aliases: []string{"CVE-2026-10001"},
		Affected: []format.Affected{{
			Package: format.Package{Ecosystem: "Go", Name: "example.org/archive"},
			Ranges:  []format.Range{{Type: format.RangeSemver, Events: []format.Event{{Introduced: "0"}, {Fixed: "1.4.2"}}}},
		}},
		Severity: []format.Severity{
			{Type: format.CVSSv4, Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
			{Type: format.CVSSv3, Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		},
		CWEs:       []string{"CWE-22"},
		Credits:    []format.Credit{{Name: "Ada Finder", Type: "FINDER"}},
		References: []format.Reference{{Type: "FIX", URL: "https://example.org/archive/commit/1"}},
	}
}

func (f *fixture) approved(t *testing.T) *advisory.Advisory {
	t.Helper()
	a, err := f.svc.Create(ctx, f.authorA, goDraft())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(ctx, f.authorA, a.PublicID); err != nil {
		t.Fatal(err)
	}
	if a, err = f.svc.Approve(ctx, f.reviewerA, a.PublicID); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) events(t *testing.T, a *advisory.Advisory, action string) int {
	t.Helper()
	ref := a.Ref()
	evs, err := f.App.Events.List(ctx, f.App.DB.Read(), authz.System("test"), events.Query{Subject: &ref, Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// TestImportEveryRecord: every record of osv-testdata imports as an unpublished draft
// that keeps its id, and every export is either valid or refused with a format error;
// the OSV export round-trips.
func TestImportEveryRecord(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, file := range records(t) {
			src := read(t, file)
			a, err := f.svc.Import(ctx, f.authorA, src)
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			var orig struct {
				ID       string            `json:"id"`
				Aliases  []string          `json:"aliases"`
				Affected []format.Affected `json:"affected"`
				Summary  string            `json:"summary"`
			}
			if err := json.Unmarshal(src, &orig); err != nil {
				t.Fatal(err)
			}
			if a.PublicID != orig.ID || a.OSVID != orig.ID || a.State != advisory.StateDraft || a.Published() || a.Source != advisory.SourceImported {
				t.Errorf("%s: imported as %s / %s, state %s, published %v", file, a.PublicID, a.OSVID, a.State, a.Published())
			}
			for _, fm := range advisory.Formats {
				out, err := f.svc.Export(ctx, f.authorA, a.PublicID, fm)
				if err != nil {
					if !advisory.IsFormatError(err) {
						t.Errorf("%s %s: %v (not a format refusal)", file, fm, err)
					}
					continue
				}
				if fm == advisory.FormatCSAF || fm == advisory.FormatVEX {
					var doc struct {
						Document struct {
							Distribution struct{ TLP struct{ Label string } }
							Tracking     struct{ Status string }
						}
					}
					_ = json.Unmarshal(out, &doc)
					if doc.Document.Distribution.TLP.Label != "RED" || doc.Document.Tracking.Status != "draft" {
						t.Errorf("%s %s of a draft: TLP %s status %s, want RED draft", file, fm, doc.Document.Distribution.TLP.Label, doc.Document.Tracking.Status)
					}
				}
				if fm != advisory.FormatOSV {
					continue
				}
				var got struct {
					ID       string            `json:"id"`
					Aliases  []string          `json:"aliases"`
					Affected []format.Affected `json:"affected"`
					Summary  string            `json:"summary"`
					Schema   string            `json:"schema_version"`
				}
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatal(err)
				}
				ga, _ := json.Marshal(got.Affected)
				oa, _ := json.Marshal(orig.Affected)
				sameAffected := string(ga) == string(oa) || len(got.Affected)+len(orig.Affected) == 0
				if got.ID != orig.ID || !slices.Equal(got.Aliases, orig.Aliases) || !sameAffected || got.Schema != format.OSVSchemaVersion {
					t.Errorf("%s: OSV export is not equivalent: id %s aliases %v schema %s", file, got.ID, got.Aliases, got.Schema)
				}
			}
		}
		// A second import of the same record is refused, not duplicated.
		if _, err := f.svc.Import(ctx, f.authorA, read(t, filepath.Join(osvTestdata, "GO-2020-0001.json"))); !errors.Is(err, db.ErrConflict) {
			t.Errorf("second import of GO-2020-0001: %v, want a conflict", err)
		}
		// The schema-invalid record is refused with its JSON path.
		_, err := f.svc.Import(ctx, f.authorA, read(t, filepath.Join(osvTestdata, "invalid", "nointroduced-CVE-2023-41045.json")))
		var ve *format.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "$.affected[0].ranges[0].events") {
			t.Errorf("invalid record: %v, want a ValidationError naming $.affected[0].ranges[0].events", err)
		}
		// Members may not import.
		if _, err := f.svc.Import(ctx, f.member, read(t, filepath.Join(osvTestdata, "GO-2024-2963.json"))); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("member import: %v, want forbidden", err)
		}
	})
}

func TestDraftExportsAndValidation(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, err := f.svc.Create(ctx, f.authorA, goDraft())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(a.PublicID, "OSS-SIRT-2026-") || a.OSVID != "x_"+a.PublicID {
			t.Errorf("ids %s / %s, want OSS-SIRT-2026-NNNN and x_ + it", a.PublicID, a.OSVID)
		}
		b, err := f.svc.Create(ctx, f.authorA, advisory.Draft{Summary: advisory.Str("second")})
		if err != nil {
			t.Fatal(err)
		}
		if b.PublicID <= a.PublicID {
			t.Errorf("second id %s not after %s", b.PublicID, a.PublicID)
		}
		if len(a.Scores) != 2 || a.Scores[0].Score != 9.3 || a.Scores[1].Score != 9.8 {
			t.Errorf("scores %+v, want 9.3 (v4) and 9.8 (v3.1)", a.Scores)
		}
		for _, fm := range advisory.Formats {
			if _, err := f.svc.Export(ctx, f.authorA, a.PublicID, fm); err != nil {
				t.Errorf("%s export of a complete draft: %v", fm, err)
			}
		}
		// The second draft has no affected package: CSAF and CVE are refused, not offered invalid.
		if _, err := f.svc.Export(ctx, f.authorA, b.PublicID, advisory.FormatCSAF); !advisory.IsFormatError(err) {
			t.Errorf("CSAF of a draft without affected packages: %v, want a format refusal", err)
		}

		bad := goDraft()
		bad.Affected[0].Ranges[0].Events = []format.Event{{Fixed: "1.0.0"}}
		bad.Severity = []format.Severity{{Type: format.CVSSv3, Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}
		bad.CWEs = []string{"79"}
		bad.References = []format.Reference{{Type: "FIX", URL: "not a url"}}
		_, err = f.svc.Update(ctx, f.authorA, a.PublicID, bad, 0)
		fe, ok := validate.As(err)
		if !ok {
			t.Fatalf("bad update: %v, want field errors", err)
		}
		for _, field := range []string{"affected[0].ranges[0].events", "severity[0].type", "cwe_ids[0]", "references[0].url"} {
			if fe.For(field) == "" {
				t.Errorf("no error for %s in %v", field, fe)
			}
		}
		// A refused update changes nothing.
		if got, _ := f.svc.Get(ctx, f.authorA, a.PublicID); got.Revision != 1 || len(got.Doc.CWEs) != 1 {
			t.Errorf("after a refused update: revision %d, CWEs %v", got.Revision, got.Doc.CWEs)
		}
		// Stale revision.
		if _, err := f.svc.Update(ctx, f.authorA, a.PublicID, advisory.Draft{Summary: advisory.Str("x")}, 7); !errors.Is(err, db.ErrConflict) {
			t.Errorf("stale update: %v, want conflict", err)
		}
		// Lookups by number and OSV id; members see nothing unpublished.
		for _, ref := range []string{a.OSVID, "1"} {
			if got, err := f.svc.Get(ctx, f.authorA, ref); err != nil || got.ID != a.ID {
				t.Errorf("Get(%s) = %v, %v", ref, got, err)
			}
		}
		if _, err := f.svc.Get(ctx, f.member, a.PublicID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("member reads a draft: %v, want not found", err)
		}
		if _, err := f.svc.Get(ctx, authz.Anonymous(), a.PublicID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("anonymous reads a draft: %v, want not found", err)
		}
		// Drafting from a case: cases are not wired in yet, so every case is unknown.
		if _, err := f.svc.CreateFromCase(ctx, f.authorA, "OSS-SIRT-2026-0001", "CVE-2026-1"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("CreateFromCase: %v, want not found", err)
		}
	})
}

func TestApprovalNeedsASecondResponder(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, err := f.svc.Create(ctx, f.authorA, goDraft())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, f.authorA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.authorA, a.PublicID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("approval by the author: %v, want forbidden", err)
		}
		if _, err := f.svc.Schedule(ctx, f.authorA, a.PublicID, f.Clock.Now().Add(time.Hour)); !errors.Is(err, advisory.ErrState) {
			t.Errorf("scheduling before approval: %v, want a state error", err)
		}
		if _, err := f.svc.Approve(ctx, f.member, a.PublicID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("approval by a member: %v, want not found", err)
		}
		got, err := f.svc.Approve(ctx, f.reviewerA, a.PublicID)
		if err != nil {
			t.Fatalf("approval by a second responder: %v", err)
		}
		if got.State != advisory.StateApproved || got.ApprovedBy != f.reviewer.ID {
			t.Errorf("after approval: %s by %d", got.State, got.ApprovedBy)
		}
		// A change after approval sends it back for review.
		got, err = f.svc.Update(ctx, f.authorA, a.PublicID, advisory.Draft{Summary: advisory.Str("Path traversal when extracting tar archives")}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != advisory.StateReview || got.ApprovedBy != 0 {
			t.Errorf("changed after approval: %s approved by %d, want review", got.State, got.ApprovedBy)
		}
		revs, err := f.svc.Revisions(ctx, f.authorA, a.PublicID)
		if err != nil || len(revs) != 4 || revs[0].Revision != 4 {
			t.Errorf("revisions %+v, %v; want 4, newest first", revs, err)
		}
	})
}

// TestScheduledPublication: the publication job publishes at PD exactly once; before PD
// nothing is public; moving PD supersedes the earlier job.
func TestScheduledPublication(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.approved(t)
		pub := f.svc.Public()
		t1 := f.Clock.Now().Add(time.Hour)
		if _, err := f.svc.Schedule(ctx, f.authorA, a.PublicID, t1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Schedule(ctx, f.authorA, a.PublicID, f.Clock.Now().Add(-time.Minute)); err == nil {
			t.Error("scheduling in the past was accepted")
		}
		t2 := t1.Add(24 * time.Hour)
		if _, err := f.svc.Schedule(ctx, f.authorA, a.PublicID, t2); err != nil {
			t.Fatal(err)
		}
		f.Clock.Set(t1.Add(time.Second))
		if _, err := f.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Get(ctx, f.authorA, a.PublicID); got.State != advisory.StateScheduled || got.Published() {
			t.Fatalf("after the superseded date: %s, published %v", got.State, got.Published())
		}
		if _, err := pub.OSV(ctx, a.OSVID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("public OSV before PD: %v", err)
		}
		if l, _ := pub.List(ctx, 0); len(l) != 0 {
			t.Errorf("public list before PD: %d advisories", len(l))
		}
		f.Clock.Set(t2)
		if n, err := f.App.Jobs.Drain(ctx); err != nil || n == 0 {
			t.Fatalf("drain at PD: %d, %v", n, err)
		}
		got, err := f.svc.Get(ctx, f.authorA, a.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != advisory.StatePublished || got.PublishedAt == nil || !got.PublishedAt.Equal(t2) || got.Doc.TLP != format.TLPClear {
			t.Fatalf("at PD: state %s, published %v, TLP %s", got.State, got.PublishedAt, got.Doc.TLP)
		}
		if n := f.events(t, a, "advisory.published"); n != 1 {
			t.Errorf("%d advisory.published events, want 1", n)
		}
		// The job is idempotent: run it again (as after a crash before its completion).
		f.Clock.Advance(time.Hour)
		err = d.InTx(ctx, func(q db.Querier) error {
			_, err := f.App.Jobs.Enqueue(ctx, q, advisory.JobPublish, advisory.PublishArgs{Advisory: a.ID, PublicDate: t2}, jobsOpts("again"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		again, _ := f.svc.Get(ctx, f.authorA, a.PublicID)
		if !again.PublishedAt.Equal(t2) || again.Revision != got.Revision || f.events(t, a, "advisory.published") != 1 {
			t.Errorf("second run changed it: published %v revision %d→%d", again.PublishedAt, got.Revision, again.Revision)
		}
		if counts, _ := f.App.Jobs.Counts(ctx); counts["dead"] != 0 || counts["pending"] != 0 {
			t.Errorf("jobs left: %v", counts)
		}
		// Public now; the CSAF document is final and TLP:WHITE.
		if _, err := pub.OSV(ctx, a.OSVID); err != nil {
			t.Errorf("public OSV after PD: %v", err)
		}
		docs, err := pub.CSAF(ctx)
		if err != nil || len(docs) != 1 || !strings.Contains(string(docs[0].Data), `"WHITE"`) || !strings.Contains(string(docs[0].Data), `"final"`) {
			t.Errorf("CSAF documents after PD: %d, %v", len(docs), err)
		}

		// Update after publication: a new revision, reviewed, then a new public revision
		// with a new modified time.
		f.Clock.Advance(time.Hour)
		upd, err := f.svc.Update(ctx, f.authorA, a.PublicID, advisory.Draft{Details: advisory.Str("Now with a workaround."), Change: "Added a workaround."}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Pending == nil || upd.Pending.State != advisory.StateReview || len(upd.Doc.Revisions) != 1 {
			t.Fatalf("update after publication: pending %+v, public revisions %+v", upd.Pending, upd.Doc.Revisions)
		}
		if _, err := f.svc.Approve(ctx, f.reviewerA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if upd, err = f.svc.Publish(ctx, f.reviewerA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if upd.State != advisory.StatePublished || upd.Pending != nil || !upd.Doc.Modified.Equal(f.Clock.Now()) || len(upd.Doc.Revisions) != 2 {
			t.Errorf("update after publication: %s modified %v revisions %+v", upd.State, upd.Doc.Modified, upd.Doc.Revisions)
		}
		// Withdrawal: still served, marked withdrawn.
		w, err := f.svc.Withdraw(ctx, f.reviewerA, a.PublicID, "not a vulnerability after all")
		if err != nil {
			t.Fatal(err)
		}
		out, err := pub.OSV(ctx, a.OSVID)
		if err != nil || w.State != advisory.StateWithdrawn || !strings.Contains(string(out), `"withdrawn"`) {
			t.Errorf("withdrawn: state %s, OSV %v %.200s", w.State, err, out)
		}
	})
}

func TestPublishNowRequiresApproval(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, err := f.svc.Create(ctx, f.authorA, goDraft())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(ctx, f.authorA, a.PublicID); !errors.Is(err, advisory.ErrState) {
			t.Errorf("publishing a draft: %v, want a state error", err)
		}
		if _, err := f.svc.Withdraw(ctx, f.authorA, a.PublicID, ""); !errors.Is(err, advisory.ErrState) {
			t.Errorf("withdrawing a draft: %v, want a state error", err)
		}
		a = f.approved(t)
		got, err := f.svc.Publish(ctx, f.authorA, a.PublicID)
		if err != nil || got.State != advisory.StatePublished || !got.PublishedAt.Equal(f.Clock.Now()) {
			t.Fatalf("publish now: %+v, %v", got, err)
		}
		if _, err := f.svc.Publish(ctx, f.authorA, a.PublicID); !errors.Is(err, advisory.ErrState) {
			t.Errorf("publishing twice: %v, want a state error", err)
		}
	})
}

func jobsOpts(key string) jobs.Options { return jobs.Options{UniqueKey: "test:" + key} }

// TestPublicationSurvivesRestart: the publication is a committed job, so a process
// started after the scheduling (and after PD) publishes it.
func TestPublicationSurvivesRestart(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.approved(t)
		pd := f.Clock.Now().Add(2 * time.Hour)
		if _, err := f.svc.Schedule(ctx, f.authorA, a.PublicID, pd); err != nil {
			t.Fatal(err)
		}
		// "Restart": a fresh App on the same database, down until well past PD.
		f.Clock.Set(pd.Add(3 * time.Hour))
		restarted := app.New(f.App.Cfg, d, app.Options{Clock: f.Clock, Argon: testapp.CheapArgon})
		if n, err := restarted.Jobs.Drain(ctx); err != nil || n == 0 {
			t.Fatalf("drain after restart: %d, %v", n, err)
		}
		got, err := restarted.Advisories.Get(ctx, f.authorA, a.PublicID)
		if err != nil || got.State != advisory.StatePublished || !got.PublishedAt.Equal(f.Clock.Now()) {
			t.Fatalf("after restart: %+v, %v", got, err)
		}
	})
}
