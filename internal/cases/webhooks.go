package cases

import (
	"context"
	"encoding/json"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// WebhookPayload is the JSON body of a case webhook: which case changed and how, never
// the text of posts (an organisation's tools fetch what their participant may read
// through the API).
type WebhookPayload struct {
	Event     string          `json:"event"`
	Seq       int64           `json:"seq"`
	At        time.Time       `json:"at"`
	Case      string          `json:"case"`
	CaseURL   string          `json:"case_url"`
	Actor     string          `json:"actor"`
	Change    json.RawMessage `json:"change,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// webhookFanout queues a signed delivery of ev to the webhooks of every organisation
// with a participant who may see it (seeing: those authz.PartySeesEvent allows, the
// rule of timelines and updated_since). The payload names other parties only as that
// participant may see them: never an internal note, another party's private thread,
// record or status, or anyone's address outside the team.
func (s *Service) webhookFanout(ctx context.Context, q db.Querier, c *Case, ev events.Event, seeing []*Participant) error {
	if s.outbox == nil || len(seeing) == 0 {
		return nil
	}
	byOrg := map[string]*Participant{}
	var orgs []string
	for _, p := range seeing {
		if p.Organisation == "" || byOrg[p.Organisation] != nil || p.Role == string(authz.CaseCoordinator) {
			continue
		}
		byOrg[p.Organisation] = p
		orgs = append(orgs, p.Organisation)
	}
	if len(orgs) == 0 {
		return nil
	}
	ps, err := s.everyParticipant(ctx, q, c.ID)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		hooks, err := s.outbox.WebhooksFor(ctx, q, []string{org})
		if err != nil {
			return err
		}
		if len(hooks) == 0 {
			continue
		}
		e := newViewer(c, byOrg[org], ps).event(ev)
		body, err := json.Marshal(WebhookPayload{Event: e.Action, Seq: e.Seq, At: e.At, Case: c.PublicID, CaseURL: s.URL(c), Actor: e.Actor, Change: e.After, UpdatedAt: e.At})
		if err != nil {
			return err
		}
		for _, h := range hooks {
			if _, err := s.outbox.QueueWebhook(ctx, q, h, ev.Action, body, c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
