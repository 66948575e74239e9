package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/mail"
)

// HeldPrefix starts the last_error of a message held for a person to release.
const HeldPrefix = "held for a responder: "

// QueueHeld records m in the outbox inside q without sending it: it waits, shown as
// held with reason, until a responder releases it (Release). For automatic mail that
// must not go out unchecked, such as an acknowledgement to a mail sender the
// receiving server did not authenticate (anyone can put a third party's address in
// From).
func (s *Service) QueueHeld(ctx context.Context, q db.Querier, m Message, reason string) (int64, error) {
	if m.MessageID == "" {
		m.MessageID = mail.NewMessageID(m.ThreadTok, s.cfg.Host)
	}
	if m.ReplyTo == "" && m.ThreadTok != "" && s.cfg.Intake != "" {
		if ra, err := mail.ReplyAddress(s.cfg.Intake, m.ThreadTok); err == nil {
			m.ReplyTo = ra
		}
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO outbox (channel, recipient, subject, body, message_id, in_reply_to, reply_to, encrypt_to, report_id, case_id, purpose, state, last_error, hold_reason, created_at)
		VALUES ('email', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?) RETURNING id`,
		m.To, m.Subject, m.Body, strings.Trim(m.MessageID, "<>"), m.InReplyTo, m.ReplyTo, m.EncryptTo, nullID(m.ReportID), nullID(m.CaseID), m.Purpose,
		HeldPrefix+reason, reason, s.clock.Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: queue held: %w", err)
	}
	return id, nil
}

// Release sends a message held for a responder (the caller checks who may). Without
// a relay it stays held like any other message until one is configured. It returns
// db.ErrNotFound when message id of report reportID is not held for a responder.
func (s *Service) Release(ctx context.Context, q db.Querier, reportID, id int64) error {
	state, lastErr := "pending", ""
	if s.sender == nil {
		state, lastErr = "held", noRelay
	}
	res, err := q.Exec(ctx, "UPDATE outbox SET state = ?, last_error = ?, hold_reason = '' WHERE id = ? AND report_id = ? AND state = 'held' AND hold_reason <> ''",
		state, lastErr, id, reportID)
	if err != nil {
		return fmt.Errorf("notify: release %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return db.ErrNotFound
	}
	if state == "held" {
		return nil
	}
	_, err = s.jobs.Enqueue(ctx, q, JobSend, sendArgs{ID: id}, jobs.Options{UniqueKey: fmt.Sprintf("outbox:%d:release", id)})
	return err
}
