package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/netguard"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Webhooks. An organisation registers a URL; sirt POSTs JSON to it through the same
// outbox as mail (a row before sending, attempts, last error, delivered-at), signed
// with HMAC-SHA256 over the body with the webhook's secret:
//
//	X-Sirt-Signature: sha256=<hex of HMAC-SHA256(secret, body)>
//	X-Sirt-Delivery:  <the outbox row's stable id: retries carry the same one>
//	X-Sirt-Event:     <the event, e.g. case.embargo.agreed>
//
// A 2xx answer is delivered; 408, 429 and 5xx are retried with backoff; other answers
// fail the delivery.

// Webhook is a registered endpoint.
type Webhook struct {
	ID           int64     `json:"id"`
	Organisation string    `json:"organisation"`
	URL          string    `json:"url"`
	Secret       string    `json:"secret,omitempty" doc:"Shown once, when the webhook is created."`
	CreatedAt    time.Time `json:"created_at"`
}

// Sign returns the X-Sirt-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks an X-Sirt-Signature header (for receivers and tests).
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// AddWebhook registers a webhook for an organisation (admins). The secret is returned
// once.
func (s *Service) AddWebhook(ctx context.Context, actor authz.Actor, org, rawURL string) (*Webhook, error) {
	if err := authz.Can(actor, authz.ManageSettings, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	org = e.Text("organisation", org, true, 200)
	rawURL = e.Text("url", rawURL, true, 2000)
	if u, err := url.Parse(rawURL); rawURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		e.Add("url", "%q is not an http(s) URL", rawURL)
	} else if rawURL != "" {
		// Not sirt itself nor an internal address (unless allowed): checked again on
		// every delivery, after DNS resolution. A name that does not resolve yet is
		// accepted; its deliveries are checked when it does.
		var le *netguard.LookupError
		if err := s.Guard().CheckURL(ctx, rawURL); err != nil && !errors.As(err, &le) {
			e.Add("url", "%v", err)
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	w := &Webhook{Organisation: org, URL: rawURL, Secret: hex.EncodeToString(b), CreatedAt: s.clock.Now()}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		return q.QueryRow(ctx, "INSERT INTO webhooks (organisation, url, secret, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			w.Organisation, w.URL, w.Secret, w.CreatedAt).Scan(&w.ID)
	})
	return w, err
}

// Webhooks lists registered webhooks without their secrets (admins).
func (s *Service) Webhooks(ctx context.Context, actor authz.Actor) ([]Webhook, error) {
	if err := authz.Can(actor, authz.ManageSettings, nil); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().Query(ctx, "SELECT id, organisation, url, created_at FROM webhooks WHERE disabled_at IS NULL ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var w Webhook
		if err := rows.Scan(&w.ID, &w.Organisation, &w.URL, &w.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// WebhookTarget is a webhook to deliver to.
type WebhookTarget struct {
	ID  int64
	URL string
}

// WebhooksFor returns the active webhooks of organisations, inside q.
func (s *Service) WebhooksFor(ctx context.Context, q db.Querier, orgs []string) ([]WebhookTarget, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	args := make([]any, len(orgs))
	for i, o := range orgs {
		args[i] = o
	}
	rows, err := q.Query(ctx, "SELECT id, url FROM webhooks WHERE disabled_at IS NULL AND organisation IN ("+db.Placeholders(len(orgs))+") ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookTarget
	for rows.Next() {
		var t WebhookTarget
		if err := rows.Scan(&t.ID, &t.URL); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// QueueWebhook records one delivery of body to webhook t inside q and enqueues it.
func (s *Service) QueueWebhook(ctx context.Context, q db.Querier, t WebhookTarget, event string, body []byte, caseID int64) (int64, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	hold, err := exerciseHold(ctx, q, caseID, t.URL, true)
	if err != nil {
		return 0, err
	}
	state, reason := "pending", ""
	if hold {
		state, reason = "held", ExerciseHold
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO outbox (channel, recipient, subject, body, message_id, case_id, purpose, state, last_error, hold_reason, created_at, webhook_id)
		VALUES ('webhook', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.URL, event, string(body), "wh-"+hex.EncodeToString(b), nullID(caseID), event, state, reason, reason, s.clock.Now(), t.ID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: queue webhook: %w", err)
	}
	if hold {
		return id, nil
	}
	_, err = s.jobs.Enqueue(ctx, q, JobSend, sendArgs{ID: id}, jobs.Options{UniqueKey: fmt.Sprintf("outbox:%d", id)})
	return id, err
}

// SetGuard sets where webhooks may go (the --outbound-allow list and sirt's own URL).
func (s *Service) SetGuard(g *netguard.Guard) {
	s.guard = g
	s.http = nil
}

var publicOnly = netguard.MustNew(nil, "")

// Guard returns the outbound guard of webhooks (public addresses only when none was set).
func (s *Service) Guard() *netguard.Guard {
	if s.guard == nil {
		return publicOnly
	}
	return s.guard
}

var (
	clientsMu sync.Mutex
	clients   = map[*netguard.Guard]*http.Client{}
)

// client returns the HTTP client of deliveries: one whose every connection is checked
// by the guard, following no redirects (a 3xx answer fails the delivery).
func (s *Service) client() *http.Client {
	if s.http != nil {
		return s.http
	}
	g := s.Guard()
	clientsMu.Lock()
	defer clientsMu.Unlock()
	c, ok := clients[g]
	if !ok {
		c = g.Client(netguard.Options{Timeout: 15 * time.Second})
		clients[g] = c
	}
	return c
}

func (s *Service) sendWebhook(ctx context.Context, id int64, target, event, body, deliveryID string, hookID int64) error {
	var secret string
	if err := s.db.Read().QueryRow(ctx, "SELECT secret FROM webhooks WHERE id = ? AND disabled_at IS NULL", hookID).Scan(&secret); err != nil {
		_ = s.mark(ctx, id, "failed", "the webhook was removed")
		return jobs.Cancel(fmt.Errorf("webhook %d is gone", hookID))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader([]byte(body)))
	if err != nil {
		_ = s.mark(ctx, id, "failed", err.Error())
		return jobs.Cancel(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "sirt-webhooks")
	req.Header.Set("X-Sirt-Event", event)
	req.Header.Set("X-Sirt-Delivery", deliveryID)
	req.Header.Set("X-Sirt-Signature", Sign(secret, []byte(body)))
	var le *netguard.LookupError
	if err := s.Guard().CheckURL(ctx, target); err != nil && !errors.As(err, &le) {
		_ = s.mark(ctx, id, "failed", err.Error())
		return jobs.Cancel(err)
	}
	res, err := s.client().Do(req)
	if err != nil {
		if netguard.IsBlocked(err) {
			_ = s.mark(ctx, id, "failed", err.Error())
			return jobs.Cancel(err)
		}
		_ = s.mark(ctx, id, "pending", err.Error())
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return s.mark(ctx, id, "sent", "")
	case res.StatusCode >= 300 && res.StatusCode < 400:
		msg := "HTTP " + strconv.Itoa(res.StatusCode) + ": redirects are not followed; register the final URL"
		_ = s.mark(ctx, id, "failed", msg)
		return jobs.Cancel(fmt.Errorf("webhook %s: %s", target, msg))
	case res.StatusCode == 408 || res.StatusCode == 429 || res.StatusCode >= 500:
		msg := "HTTP " + strconv.Itoa(res.StatusCode)
		_ = s.mark(ctx, id, "pending", msg)
		return fmt.Errorf("webhook %s: %s", target, msg)
	default:
		msg := "HTTP " + strconv.Itoa(res.StatusCode) + " (not retried)"
		_ = s.mark(ctx, id, "failed", msg)
		return jobs.Cancel(fmt.Errorf("webhook %s: %s", target, strings.TrimSpace(msg)))
	}
}

// SetHTTPClient replaces the webhook HTTP client.
func (s *Service) SetHTTPClient(c *http.Client) { s.http = c }

// DisableWebhook stops deliveries to a webhook (admins); queued deliveries fail with
// "the webhook was removed". The row stays for the record.
func (s *Service) DisableWebhook(ctx context.Context, actor authz.Actor, id int64) error {
	return s.changeWebhook(ctx, actor, id, "UPDATE webhooks SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL", s.clock.Now(), id)
}

// DeleteWebhook removes a webhook and its secret (admins).
func (s *Service) DeleteWebhook(ctx context.Context, actor authz.Actor, id int64) error {
	return s.changeWebhook(ctx, actor, id, "DELETE FROM webhooks WHERE id = ?", id)
}

func (s *Service) changeWebhook(ctx context.Context, actor authz.Actor, id int64, query string, args ...any) error {
	if err := authz.Can(actor, authz.ManageSettings, nil); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		res, err := q.Exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("notify: webhook %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return db.ErrNotFound
		}
		return nil
	})
}
