package cases

import (
	"context"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The finder's side of a case, for their tracking page: the finder of a report needs
// no account; the report's tracking token (checked by intake) is their capability. They
// see the case's id, phase and embargo (dates and their own answer, not the other
// parties), and answer the proposed public date as the case's finder participant.

// FinderView is what the finder of report reportRowID sees of the case made from it.
type FinderView struct {
	CaseID       string
	Phase        string
	Public       bool // TLP:CLEAR: the case is public
	State        EMState
	ProposedDate *time.Time
	PublicDate   *time.Time
	MyAnswer     Answer // the finder's answer to the current proposal ("" when none is asked)
	Required     bool   // the embargo waits for the finder's consent
	Facts        *FactsView
}

// CanAnswer says whether a proposal waits for the finder's answer.
func (v *FinderView) CanAnswer() bool {
	return (v.State == EMProposed || v.State == EMRevise) && v.MyAnswer != AnswerAccepted
}

// finderOf returns the case made from report reportRowID and its (not removed) finder.
func (s *Service) finderOf(ctx context.Context, q db.Querier, reportRowID int64) (*Case, *Participant, []*Participant, error) {
	var ref string
	if err := q.QueryRow(ctx, "SELECT public_id FROM cases WHERE report_id = ? ORDER BY id LIMIT 1", reportRowID).Scan(&ref); err != nil {
		return nil, nil, nil, db.ErrNotFound
	}
	c, err := s.load(ctx, q, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := s.participants(ctx, q, c.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, p := range ps {
		if p.Role == string(authz.CaseFinder) {
			return c, p, ps, nil
		}
	}
	return nil, nil, nil, db.ErrNotFound
}

// ForFinder returns the finder's view of the case made from report reportRowID, or
// db.ErrNotFound when there is none (or the finder is not a participant of it).
func (s *Service) ForFinder(ctx context.Context, reportRowID int64) (*FinderView, error) {
	q := s.db.Read()
	c, me, ps, err := s.finderOf(ctx, q, reportRowID)
	if err != nil {
		return nil, err
	}
	return s.finderView(ctx, q, c, me, ps)
}

func (s *Service) finderView(ctx context.Context, q db.Querier, c *Case, me *Participant, ps []*Participant) (*FinderView, error) {
	c.Participants = ps
	if err := s.fillEmbargo(ctx, q, c); err != nil {
		return nil, err
	}
	v := &FinderView{CaseID: c.PublicID, Phase: c.Phase, Public: c.TLP == "CLEAR", State: c.Embargo.State,
		ProposedDate: c.Embargo.ProposedDate, PublicDate: c.Embargo.PublicDate, Required: me.Required, Facts: c.Facts}
	for _, cs := range c.Embargo.Consents {
		if cs.ParticipantID == me.ID {
			v.MyAnswer = cs.Answer
		}
	}
	return v, nil
}

// FinderEmbargo records the finder's answer to the proposed public date (accept,
// reject or counter; with an optional comment as the reason), as the case's finder
// participant. Only those three: proposing, revising and exiting are the team's.
func (s *Service) FinderEmbargo(ctx context.Context, reportRowID int64, in EmbargoInput) (*FinderView, error) {
	act, date, e := s.embargoInput(&in)
	if act != ActAccept && act != ActReject && act != ActCounter && len(e) == 0 {
		e.Add("action", "a finder can accept, reject or counter the proposed date")
	}
	var v *FinderView
	err := s.db.InTx(ctx, func(q db.Querier) error {
		c, me, ps, err := s.finderOf(ctx, q, reportRowID)
		if err != nil {
			return err
		}
		if err := validate.Errors(e).Err(); err != nil {
			return err
		}
		actor := authz.System("finder (tracking page)")
		if _, err := s.embargoStep(ctx, q, actor, c, ps, me.ID, act, date, in.Reason); err != nil {
			return err
		}
		fresh, err := s.loadByID(ctx, q, c.ID)
		if err != nil {
			return err
		}
		v, err = s.finderView(ctx, q, fresh, me, ps)
		return err
	})
	return v, err
}

// PublicIDOf returns the public id of case id for actor (db.ErrNotFound when they may
// not know of it): an advisory's link to its source case.
func (s *Service) PublicIDOf(ctx context.Context, actor authz.Actor, id int64) (string, error) {
	q := s.db.Read()
	c, err := s.loadByID(ctx, q, id)
	if err != nil {
		return "", err
	}
	if _, err := s.openCase(ctx, q, actor, c, authz.ReadCaseMeta); err != nil {
		return "", db.ErrNotFound
	}
	return c.PublicID, nil
}
