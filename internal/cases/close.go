package cases

import (
	"context"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Closing a case ends the team's work on it: it leaves the open-case lists and the
// responders' queues, and it is what the participant feedback survey, the post-mortem
// and the metrics ("cases closed", time to close) wait for. A closed case can be
// reopened. An embargo still running (proposed, active or under revision) must end
// first — by its public date, an early release, a break or leaving it — so that closing
// never hides an embargo the parties still count on.

// CloseInput is why the coordinators close (or reopen) a case.
type CloseInput struct {
	Reason string `json:"reason" maxLength:"2000" doc:"Why: fixed and disclosed, not a vulnerability, duplicate of…, no response…"`
}

// Close closes the case (coordinators).
func (s *Service) Close(ctx context.Context, actor authz.Actor, ref string, in CloseInput) (*Case, error) {
	return s.setClosed(ctx, actor, ref, in, true)
}

// Reopen reopens a closed case (coordinators).
func (s *Service) Reopen(ctx context.Context, actor authz.Actor, ref string, in CloseInput) (*Case, error) {
	return s.setClosed(ctx, actor, ref, in, false)
}

func (s *Service) setClosed(ctx context.Context, actor authz.Actor, ref string, in CloseInput, closing bool) (*Case, error) {
	var e validate.Errors
	reason := e.Text("reason", in.Reason, true, 2000)
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		c := a.c
		switch {
		case closing && c.ClosedAt != nil:
			return &RuleError{Code: "case.closed", Msg: "the case is closed already (since " + c.ClosedAt.UTC().Format("2006-01-02") + ")"}
		case !closing && c.ClosedAt == nil:
			return &RuleError{Code: "case.open", Msg: "the case is open; there is nothing to reopen"}
		case closing && c.Embargo != nil && (c.Embargo.State == EMProposed || c.Embargo.State == EMActive || c.Embargo.State == EMRevise):
			return &RuleError{Code: "case.close_embargoed", Msg: "the case's embargo is " + string(c.Embargo.State) +
				": end it first (at its public date, by an early release, a break, or by leaving it), then close the case"}
		}
		now := s.clock.Now()
		var closedAt any
		action := "case.reopened"
		if closing {
			closedAt, action = now, "case.closed"
		}
		if _, err := q.Exec(ctx, "UPDATE cases SET closed_at = ?, updated_at = ? WHERE id = ?", closedAt, now, c.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, q, actor, c, action, nil, CloseEvent{Reason: reason})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, ref)
}

// CloseEvent is the payload of case.closed and case.reopened.
type CloseEvent struct {
	Reason string `json:"reason"`
}
