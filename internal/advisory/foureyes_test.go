package advisory_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// TestFourEyesAfterApproval: a change after approval returns the advisory to review and
// needs a second responder again; whoever made the change cannot approve it, however
// they stand (a reviewer rewriting what they approved included).
func TestFourEyesAfterApproval(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		third := f.User(authz.RoleResponder).Actor()
		a := f.approved(t)
		// The reviewer rewrites what they approved.
		got, err := f.svc.Update(ctx, f.reviewerA, a.PublicID, advisory.Draft{Details: advisory.Str("Rewritten by the reviewer.")}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != advisory.StateReview || got.ApprovedBy != 0 || got.EditedBy != f.reviewer.ID {
			t.Fatalf("after a change to an approved advisory: %s approved by %d edited by %d", got.State, got.ApprovedBy, got.EditedBy)
		}
		if _, err := f.svc.Schedule(ctx, f.reviewerA, a.PublicID, f.Clock.Now().Add(48*3600e9)); !errors.Is(err, advisory.ErrState) {
			t.Fatalf("scheduling the unreviewed change: %v, want a state error", err)
		}
		if _, err := f.svc.Publish(ctx, f.reviewerA, a.PublicID); !errors.Is(err, advisory.ErrState) {
			t.Fatalf("publishing the unreviewed change: %v, want a state error", err)
		}
		if _, err := f.svc.Approve(ctx, f.reviewerA, a.PublicID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("the reviewer approving their own rewrite: %v, want forbidden", err)
		}
		if _, err := f.svc.Approve(ctx, f.authorA, a.PublicID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("the author approving: %v, want forbidden", err)
		}
		if got, err = f.svc.Approve(ctx, third, a.PublicID); err != nil || got.State != advisory.StateApproved {
			t.Fatalf("a third responder approving: %v %v", got, err)
		}
	})
}

// TestPublishedChangeIsReviewed: a change to a published advisory is a new revision in
// review; the published revision stays served (public pages, OSV, and the API for
// anyone but the team) until a second responder approved the new one and it is
// published; its editor cannot approve it.
func TestPublishedChangeIsReviewed(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.approved(t)
		if _, err := f.svc.Publish(ctx, f.authorA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(ctx, f.authorA, a.PublicID); !errors.Is(err, advisory.ErrState) {
			t.Fatalf("publishing twice with nothing pending: %v", err)
		}
		got, err := f.svc.Update(ctx, f.authorA, a.PublicID, advisory.Draft{Details: advisory.Str("SECRET-NEXT-REVISION")}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != advisory.StatePublished || got.Pending == nil || got.Pending.State != advisory.StateReview || strings.Contains(got.Doc.Details, "SECRET") {
			t.Fatalf("after a change to a published advisory: %s pending %+v details %q", got.State, got.Pending, got.Doc.Details)
		}
		served := func() string {
			t.Helper()
			b, err := f.svc.Public().OSV(ctx, a.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if strings.Contains(served(), "SECRET") {
			t.Fatal("the unreviewed revision is served publicly")
		}
		res := f.API("GET", "/api/v1/advisories/"+a.PublicID, f.Token(f.User(authz.RoleMember)), nil).Want(t, 200)
		if strings.Contains(string(res.Body), "SECRET") {
			t.Fatalf("the API shows a member the pending revision: %s", res.Body)
		}
		if _, err := f.svc.Publish(ctx, f.reviewerA, a.PublicID); !errors.Is(err, advisory.ErrState) {
			t.Fatalf("publishing the revision before review: %v", err)
		}
		if _, err := f.svc.Approve(ctx, f.authorA, a.PublicID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("the editor approving their own revision: %v", err)
		}
		if _, err := f.svc.Approve(ctx, f.reviewerA, a.PublicID); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(served(), "SECRET") {
			t.Fatal("the approved revision is served before it is published")
		}
		got, err = f.svc.Publish(ctx, f.reviewerA, a.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Pending != nil || !strings.Contains(got.Doc.Details, "SECRET-NEXT-REVISION") || len(got.Doc.Revisions) != 2 {
			t.Fatalf("after publishing the revision: pending %+v revisions %+v", got.Pending, got.Doc.Revisions)
		}
		if !strings.Contains(served(), "SECRET-NEXT-REVISION") {
			t.Fatal("the published revision is not served")
		}
	})
}
