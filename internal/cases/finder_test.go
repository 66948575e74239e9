package cases_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
	"github.com/oss-sirt/sirt/internal/validate"
)

// TestFinderAnswersOnTrackingPage: the finder of a report (no account) sees the case's
// embargo and answers it as the case's finder participant: a counter moves the proposal
// to their date; the team's actions (propose, exit) and bad input are refused naming the
// field; a report without a case has nothing to answer.
func TestFinderAnswersOnTrackingPage(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		rep, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Heap overflow in chunk reader",
			Details: "A long chunk overflows.", Reporter: intake.Reporter{Email: "fay@example.net", Name: "Fay"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Cases.ForFinder(ctx, rep.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a report without a case: %v, want not found", err)
		}
		c, err := ta.App.Cases.Open(ctx, resp.Actor(), cases.NewCase{ReportID: rep.PublicID})
		if err != nil {
			t.Fatal(err)
		}
		v, err := ta.App.Cases.ForFinder(ctx, rep.ID)
		if err != nil || v.CaseID != c.PublicID || v.CanAnswer() {
			t.Fatalf("finder view before a proposal: %+v %v", v, err)
		}
		pd := ta.Clock.Now().Add(60 * 24 * time.Hour).Truncate(24 * time.Hour).Add(13 * time.Hour)
		for pd.Weekday() == time.Saturday || pd.Weekday() == time.Sunday || pd.Weekday() == time.Friday {
			pd = pd.Add(24 * time.Hour)
		}
		if _, err := ta.App.Cases.Embargo(ctx, resp.Actor(), c.PublicID, cases.EmbargoInput{Action: "propose", PublicDate: pd.Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
		if v, _ = ta.App.Cases.ForFinder(ctx, rep.ID); !v.CanAnswer() || !v.Required || v.MyAnswer != cases.AnswerNone {
			t.Fatalf("finder view of the proposal: %+v", v)
		}
		for _, bad := range []cases.EmbargoInput{{Action: "propose", PublicDate: pd.Format(time.RFC3339)}, {Action: "exit"}, {Action: "counter"}, {Action: "nonsense"}} {
			_, err := ta.App.Cases.FinderEmbargo(ctx, rep.ID, bad)
			if fe, ok := validate.As(err); !ok || len(fe) == 0 {
				t.Errorf("finder %q: %v, want a field error", bad.Action, err)
			}
		}
		later := pd.Add(7 * 24 * time.Hour)
		v, err = ta.App.Cases.FinderEmbargo(ctx, rep.ID, cases.EmbargoInput{Action: "counter", PublicDate: later.Format(time.RFC3339), Reason: "backports"})
		if err != nil {
			t.Fatal(err)
		}
		if v.State != cases.EMProposed || v.ProposedDate == nil || !v.ProposedDate.Equal(later) || v.MyAnswer != cases.AnswerAccepted || v.CanAnswer() {
			t.Fatalf("after the finder's counter: %+v", v)
		}
		// The team accepts the finder's date: the embargo is agreed.
		res, err := ta.App.Cases.Embargo(ctx, resp.Actor(), c.PublicID, cases.EmbargoInput{Action: "accept"})
		if err != nil || res.Embargo.State != cases.EMActive {
			t.Fatalf("team accepts the finder's counter: %+v %v", res, err)
		}
		// Answering again when nothing is proposed is the model's rule (409), not a crash.
		if _, err := ta.App.Cases.FinderEmbargo(ctx, rep.ID, cases.EmbargoInput{Action: "accept"}); !cases.IsRule(err) {
			t.Fatalf("accept with nothing proposed: %v, want a rule error", err)
		}
	})
}

// TestAdvisoryDraftFromCaseIsPublicTemplate: an advisory drafted from a case starts
// from the public template and carries none of the finder's confidential text.
func TestAdvisoryDraftFromCaseIsPublicTemplate(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		rep, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Heap overflow in chunk reader",
			Details: "SECRET-DETAILS: send 0xffffffff", PoC: "SECRET-POC: python3 exploit.py",
			Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "npm", Name: "png-chunks"}, Versions: []string{"2.1.0"}}}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := ta.App.Cases.Open(ctx, resp.Actor(), cases.NewCase{ReportID: rep.PublicID})
		if err != nil {
			t.Fatal(err)
		}
		adv, err := ta.App.Advisories.CreateFromCase(ctx, resp.Actor(), c.PublicID, "V1")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(adv.Doc.Details, "SECRET") || !strings.Contains(adv.Doc.Details, "## Impact") || !strings.Contains(adv.Doc.Details, "png-chunks") {
			t.Fatalf("draft details: %q", adv.Doc.Details)
		}
		if ref, err := ta.App.Cases.PublicIDOf(ctx, resp.Actor(), *adv.CaseID); err != nil || ref != c.PublicID {
			t.Fatalf("source case: %q %v", ref, err)
		}
	})
}
