// Package notify is sirt's notification outbox. Every outbound message is first a row
// (with a stable Message-ID) written in the same transaction as the change that causes
// it, plus a job that sends it. Sending is at-least-once: a job that dies after the
// relay took the message but before it recorded "sent" sends it again with the same
// Message-ID, which mail clients fold into one message. With no relay configured,
// messages are held (visible to the team) rather than retried forever.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/netguard"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

// JobSend is the job kind that sends one outbox message.
const JobSend = "notify.send"

// Message is one outbound email.
type Message struct {
	To        string
	Subject   string
	Body      string
	MessageID string // stable; made from ThreadToken when empty
	InReplyTo string
	ReplyTo   string
	EncryptTo string // recipient's armored public key, if any
	ReportID  int64
	CaseID    int64
	Purpose   string // "acknowledgement", "report.message", "case.post"…
	ThreadTok string // reply token used in Message-ID and Reply-To
}

// Row is an outbox entry as the team sees it.
type Row struct {
	ID        int64      `json:"id"`
	Channel   string     `json:"channel" enum:"email,webhook"`
	Recipient string     `json:"recipient"`
	Subject   string     `json:"subject"`
	Purpose   string     `json:"purpose"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Config is where mail goes.
type Config struct {
	From   string // "OSS-SIRT <security@example.org>"
	Host   string // for Message-IDs and reply addresses
	Intake string // intake address, base of reply addresses
}

// Service queues and sends notifications.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	jobs   *jobs.Queue
	cfg    Config
	sender mail.Sender // nil: hold messages
	key    func(ctx context.Context) (*pgpkey.Key, error)
	http   *http.Client    // webhooks; nil: a default client
	guard  *netguard.Guard // where webhooks may go (webhook.go); nil: public addresses only
}

// New returns a Service and registers its job kind. sender may be nil (no relay).
func New(d *db.DB, c clock.Clock, q *jobs.Queue, cfg Config, sender mail.Sender, key func(context.Context) (*pgpkey.Key, error)) *Service {
	s := &Service{db: d, clock: c, jobs: q, cfg: cfg, sender: sender, key: key}
	q.Register(JobSend, jobs.Handler{Run: s.run, MaxAttempts: 12, Timeout: time.Minute, OnDead: s.jobDied, OnRetry: s.jobRetried})
	return s
}

// jobDied keeps the message's state with its job's: when the job gives up (attempts
// exhausted, a permanent refusal, a crash on every try), the message is "failed" with
// the job's last error, in the same transaction.
func (s *Service) jobDied(ctx context.Context, q db.Querier, j jobs.Job, lastErr string) error {
	var a sendArgs
	if err := j.Decode(&a); err != nil {
		return nil // nothing to keep in step with
	}
	_, err := q.Exec(ctx, "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ? AND state = 'pending'", lastErr, a.ID)
	return err
}

// jobRetried puts a failed message back to "pending" when an admin retries its job, so
// the retried run sends it instead of finding it given up.
func (s *Service) jobRetried(ctx context.Context, q db.Querier, j jobs.Job) error {
	var a sendArgs
	if err := j.Decode(&a); err != nil {
		return nil
	}
	_, err := q.Exec(ctx, "UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'failed'", a.ID)
	return err
}

// SetSender replaces the sender (tests point it at a loopback SMTP server).
func (s *Service) SetSender(m mail.Sender) { s.sender = m }

// Queue records m in the outbox inside q and enqueues its sending.
func (s *Service) Queue(ctx context.Context, q db.Querier, m Message) (int64, error) {
	if m.MessageID == "" {
		m.MessageID = mail.NewMessageID(m.ThreadTok, s.cfg.Host)
	}
	if m.ReplyTo == "" && m.ThreadTok != "" && s.cfg.Intake != "" {
		if ra, err := mail.ReplyAddress(s.cfg.Intake, m.ThreadTok); err == nil {
			m.ReplyTo = ra
		}
	}
	if hold, err := exerciseHold(ctx, q, m.CaseID, m.To, false); err != nil {
		return 0, err
	} else if hold {
		return s.QueueHeld(ctx, q, m, ExerciseHold)
	}
	// Without a relay there is nothing to try: the message is held (and shown) until
	// one is configured and ReleaseHeld queues it.
	state, lastErr := "pending", ""
	if s.sender == nil {
		state, lastErr = "held", noRelay
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO outbox (channel, recipient, subject, body, message_id, in_reply_to, reply_to, encrypt_to, report_id, case_id, purpose, state, last_error, created_at)
		VALUES ('email', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.To, m.Subject, m.Body, strings.Trim(m.MessageID, "<>"), m.InReplyTo, m.ReplyTo, m.EncryptTo, nullID(m.ReportID), nullID(m.CaseID), m.Purpose,
		state, lastErr, s.clock.Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: queue: %w", err)
	}
	if state == "held" {
		return id, nil
	}
	_, err = s.jobs.Enqueue(ctx, q, JobSend, sendArgs{ID: id}, jobs.Options{UniqueKey: fmt.Sprintf("outbox:%d", id)})
	return id, err
}

const noRelay = "no SMTP relay is configured (--smtp-relay); the message is kept and is sent once one is"

// ReleaseHeld queues every held message for sending (after a relay was configured).
func (s *Service) ReleaseHeld(ctx context.Context) (int, error) {
	if s.sender == nil {
		return 0, nil
	}
	n := 0
	err := s.db.InTx(ctx, func(q db.Querier) error {
		ids, err := db.Int64s(ctx, q, "SELECT id FROM outbox WHERE state = 'held' AND hold_reason = ''") // not those held for a responder (held.go)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := q.Exec(ctx, "UPDATE outbox SET state = 'pending', last_error = '' WHERE id = ?", id); err != nil {
				return err
			}
			if _, err := s.jobs.Enqueue(ctx, q, JobSend, sendArgs{ID: id}, jobs.Options{UniqueKey: fmt.Sprintf("outbox:%d:release:%d", id, s.clock.Now().UnixNano())}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

type sendArgs struct {
	ID int64 `json:"id"`
}

func (s *Service) run(ctx context.Context, j jobs.Job) error {
	var a sendArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	var o mail.Outgoing
	var state, to, encrypt, inReplyTo, channel string
	var hookID *int64
	err := s.db.Read().QueryRow(ctx, "SELECT state, channel, recipient, subject, body, message_id, in_reply_to, reply_to, encrypt_to, webhook_id FROM outbox WHERE id = ?", a.ID).
		Scan(&state, &channel, &to, &o.Subject, &o.Text, &o.MessageID, &inReplyTo, &o.ReplyTo, &encrypt, &hookID)
	if db.NotFound(err) {
		return jobs.Cancel(fmt.Errorf("outbox message %d is gone", a.ID))
	}
	if err != nil {
		return err
	}
	if state == "sent" || state == "failed" {
		return nil // sent before a crash (or given up); nothing to do
	}
	if channel == "webhook" {
		if hookID == nil {
			return jobs.Cancel(fmt.Errorf("outbox webhook %d names no webhook", a.ID))
		}
		return s.sendWebhook(ctx, a.ID, to, o.Subject, o.Text, o.MessageID, *hookID)
	}
	if s.sender == nil {
		return s.mark(ctx, a.ID, "held", noRelay)
	}
	o.From, o.To = s.cfg.From, []string{to}
	if inReplyTo != "" {
		o.InReplyTo = inReplyTo
		o.References = []string{inReplyTo}
	}
	o.Headers = map[string]string{"Auto-Submitted": "auto-generated"}
	if encrypt != "" {
		o.EncryptTo = []byte(encrypt)
		o.HideSubject = true
	}
	if s.key != nil {
		if k, err := s.key(ctx); err == nil {
			o.SignWith = k
		}
	}
	sendErr := s.sender.Send(ctx, &o)
	if sendErr != nil {
		// The attempt is recorded; the state follows the job (jobDied makes it "failed"
		// when the job gives up, at once for a permanent refusal).
		_ = s.mark(ctx, a.ID, "pending", sendErr.Error())
		if !mail.IsTemporary(sendErr) && !errors.Is(sendErr, context.DeadlineExceeded) {
			return jobs.Cancel(sendErr)
		}
		return sendErr
	}
	return s.mark(ctx, a.ID, "sent", "")
}

func (s *Service) mark(ctx context.Context, id int64, state, msg string) error {
	return s.db.InTx(context.WithoutCancel(ctx), func(q db.Querier) error {
		var sent any
		if state == "sent" {
			sent = s.clock.Now()
		}
		_, err := q.Exec(ctx, "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, sent_at = ? WHERE id = ?", state, msg, sent, id)
		return err
	})
}

// ForReport lists the outbox rows of a report (delivery status on its page).
func (s *Service) ForReport(ctx context.Context, reportID int64) ([]Row, error) {
	return s.list(ctx, "report_id = ?", reportID)
}

// ForCase lists the outbox rows of a case.
func (s *Service) ForCase(ctx context.Context, caseID int64) ([]Row, error) {
	return s.list(ctx, "case_id = ?", caseID)
}

func (s *Service) list(ctx context.Context, where string, arg any) ([]Row, error) {
	return db.All(ctx, s.db.Read(), scanRow,
		"SELECT id, channel, recipient, subject, purpose, state, attempts, last_error, created_at, sent_at FROM outbox WHERE "+where+" ORDER BY id", arg)
}

func scanRow(sc db.Scanner) (r Row, err error) {
	err = sc.Scan(&r.ID, &r.Channel, &r.Recipient, &r.Subject, &r.Purpose, &r.State, &r.Attempts, &r.LastError, &r.CreatedAt, &r.SentAt)
	return r, err
}
