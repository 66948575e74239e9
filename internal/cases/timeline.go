package cases

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// Timeline returns the case's events from the event log, as actor may see them: the
// log's own authz scope, then authz.CanSeeEvent for each event (the same rule that moves
// updated_since and feeds webhooks), then names as the actor may see them.
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
	v, err := s.viewerFor(ctx, q, actor, a)
	if err != nil {
		return nil, err
	}
	out := []events.Event{}
	for _, e := range evs {
		if !authz.CanSeeEvent(actor, a.az, caseEvent(e)) {
			continue
		}
		out = append(out, v.event(e))
	}
	if err := s.auditRead(ctx, actor, a, "timeline"); err != nil {
		return nil, err
	}
	return out, nil
}

// caseEvent is what the policy needs to know of a case event: its action and the
// participant it is about (recorded as participant_id in its change).
func caseEvent(e events.Event) authz.CaseEvent {
	var x struct {
		ParticipantID int64 `json:"participant_id"`
	}
	_ = json.Unmarshal(e.After, &x)
	return authz.CaseEvent{Action: e.Action, Party: x.ParticipantID}
}

// auditRead records a read of case content by an admin who is not on the case, or by
// the operator's CLI, in the audit trail (as the case page does).
func (s *Service) auditRead(ctx context.Context, actor authz.Actor, a access, what string) error {
	admin := actor.Role == authz.RoleAdmin && actor.UserID != 0 && a.me == nil
	cli := actor.IsSystem() && strings.HasPrefix(actor.Label(), "system:cli:")
	if !admin && !cli {
		return nil
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		_, err := s.events.Append(ctx, q, actor, eventEntry(a.c, "case.content_read", map[string]any{"read": what}))
		return err
	})
}

// viewer is who reads a case's material: the team (everything, as recorded) or one
// party, who sees the coordinators, themselves, and the other parties only as the
// case's terms allow (by organisation name), never their addresses.
type viewer struct {
	team        bool
	me          *Participant
	seesParties bool
	byID        map[int64]*Participant
	byUser      map[int64]*Participant
	byName      map[string]*Participant // by email and by label, as events and posts record them
}

func (s *Service) viewerFor(ctx context.Context, q db.Querier, actor authz.Actor, a access) (*viewer, error) {
	if actor.IsSystem() || a.can(actor, authz.ReadInternal) == nil {
		return &viewer{team: true}, nil
	}
	ps, err := s.everyParticipant(ctx, q, a.c.ID)
	if err != nil {
		return nil, err
	}
	return newViewer(a.c, a.me, ps), nil
}

func newViewer(c *Case, me *Participant, ps []*Participant) *viewer {
	v := &viewer{me: me, byID: map[int64]*Participant{}, byUser: map[int64]*Participant{}, byName: map[string]*Participant{}}
	if me != nil {
		v.seesParties = c.membershipOf(me).SeesParties
		if me.Role == string(authz.CaseCoordinator) {
			v.team = true
		}
	}
	for _, p := range ps {
		v.byID[p.ID] = p
		if p.UserID != 0 {
			v.byUser[p.UserID] = p
		}
		if p.Email != "" {
			v.byName[strings.ToLower(p.Email)] = p
		}
		v.byName[strings.ToLower(p.Label())] = p
	}
	return v
}

// other reports whether p is another party than the viewer (not a coordinator).
func (v *viewer) other(p *Participant) bool {
	return !v.team && p != nil && p.Role != string(authz.CaseCoordinator) && (v.me == nil || p.ID != v.me.ID)
}

// visible reports whether the viewer may see that party p takes part at all.
func (v *viewer) visible(p *Participant) bool {
	return !v.other(p) || (v.seesParties && p.Organisation != "")
}

// name is how participant p appears to the viewer.
func (v *viewer) name(p *Participant) string {
	switch {
	case !v.other(p):
		return p.Label()
	case v.visible(p):
		return p.Organisation + ", " + p.Role
	}
	return "another party"
}

// label rewrites a recorded name (an actor, an author, a party label) that may name
// another party.
func (v *viewer) label(s string) string {
	if v.team {
		return s
	}
	if p := v.byName[strings.ToLower(s)]; p != nil {
		return v.name(p)
	}
	return s
}

// event is e as the viewer may see it: another party's actions and records show only
// who that party is, as the viewer may know them.
func (v *viewer) event(e events.Event) events.Event {
	if v.team {
		return e
	}
	if p := v.byUser[e.ActorID]; e.ActorID != 0 && p != nil {
		e.Actor = v.name(p)
	} else {
		e.Actor = v.label(e.Actor)
	}
	if party := caseEvent(e).Party; party != 0 && (v.me == nil || party != v.me.ID) {
		out := map[string]any{"participant_id": party}
		if p := v.byID[party]; p != nil {
			out["party"], out["role"] = v.name(p), p.Role
		}
		e.After, _ = json.Marshal(out)
		e.Before = nil
		return e
	}
	var m map[string]any
	if json.Unmarshal(e.After, &m) == nil {
		if name, ok := m["party"].(string); ok {
			m["party"] = v.label(name)
			e.After, _ = json.Marshal(m)
		}
	}
	return e
}
