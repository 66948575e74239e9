package cases

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/events"
)

// Timeline returns the case's events from the event log, as actor may see them: the
// log's own authz scope, and then no internal-note events for anyone outside the team
// and no other party's private-thread events.
func (s *Service) Timeline(ctx context.Context, actor authz.Actor, ref string, afterSeq int64, limit int) ([]events.Event, error) {
	q := s.db.Read()
	a, err := s.open(ctx, q, actor, ref, authz.ReadCase)
	if err != nil {
		return nil, err
	}
	evs, err := s.events.List(ctx, q, actor, events.Query{CaseID: a.c.ID, AfterSeq: afterSeq, Limit: limit})
	if err != nil {
		return nil, err
	}
	internal := a.can(actor, authz.ReadInternal) == nil
	out := []events.Event{}
	for _, e := range evs {
		if !internal && !visibleEvent(e, a.me) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// visibleEvent decides whether a participant outside the team sees a case event.
func visibleEvent(e events.Event, me *Participant) bool {
	switch {
	case e.Action == "case.post.internal", e.Action == "case.content_read":
		return false
	case e.Action == "case.post.private":
		var x struct {
			ParticipantID int64 `json:"participant_id"`
		}
		_ = json.Unmarshal(e.After, &x)
		return me != nil && x.ParticipantID == me.ID
	}
	return strings.HasPrefix(e.Action, "case.") || strings.HasPrefix(e.Action, "advisory.")
}
