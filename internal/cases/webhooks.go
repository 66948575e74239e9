package cases

import (
	"context"
	"encoding/json"
	"time"

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
// with a participant read into case c. Internal notes, private-thread events and admin
// reads are not sent.
func (s *Service) webhookFanout(ctx context.Context, q db.Querier, c *Case, ev events.Event) error {
	if s.outbox == nil || ev.Action == "case.post.private" || ev.Action == "case.post.internal" || ev.Action == "case.content_read" {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT organisation FROM case_members WHERE case_id = ? AND organisation <> ''
		AND (read_in_at IS NOT NULL OR case_role IN ('coordinator', 'finder'))`, c.ID)
	if err != nil {
		return err
	}
	var orgs []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return err
		}
		orgs = append(orgs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(orgs) == 0 {
		return err
	}
	hooks, err := s.outbox.WebhooksFor(ctx, q, orgs)
	if err != nil || len(hooks) == 0 {
		return err
	}
	body, err := json.Marshal(WebhookPayload{Event: ev.Action, Seq: ev.Seq, At: ev.At, Case: c.PublicID, CaseURL: s.URL(c), Actor: ev.Actor, Change: ev.After, UpdatedAt: ev.At})
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if _, err := s.outbox.QueueWebhook(ctx, q, h, ev.Action, body, c.ID); err != nil {
			return err
		}
	}
	return nil
}
