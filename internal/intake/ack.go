package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/templates"
)

// Job kinds of the intake.
const (
	JobAcknowledge = "intake.acknowledge"
	JobParkExpiry  = "intake.park_expiry"
	JobInboundMail = "intake.inbound_mail"
)

type ackArgs struct {
	Report int64  `json:"report"`
	Token  string `json:"token,omitempty"` // the finder's tracking token, for the link in the mail
}

// Messaging is how intake writes to finders: templates plus the notification outbox.
type Messaging struct {
	Templates *templates.Store
	Outbox    *notify.Service
}

// SetMessaging wires templates and the outbox, and registers the intake's job kinds.
func (s *Service) SetMessaging(m Messaging) {
	s.msg = m
	s.jobs.Register(JobAcknowledge, jobs.Handler{Run: s.acknowledge})
	s.jobs.Register(JobParkExpiry, jobs.Handler{Run: s.parkExpiry})
	s.jobs.Register(JobInboundMail, jobs.Handler{Run: s.processInbound, MaxAttempts: 5})
	s.jobs.Register(JobSLA, jobs.Handler{Run: s.slaReminders, MaxAttempts: 3})
	s.jobs.Every(JobSLA, 10*time.Minute, struct{}{})
}

// acknowledge is the job that acknowledges a report stored by an earlier version of
// sirt, which acknowledged in a separate job. Idempotent.
func (s *Service) acknowledge(ctx context.Context, j jobs.Job) error {
	var a ackArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		r, err := s.loadByID(ctx, q, a.Report)
		if err != nil {
			return jobs.Cancel(err)
		}
		return s.ackTx(ctx, q, r, a.Token)
	})
}

// ackTx tells the finder the report arrived, in the transaction that stores it: a
// message on the tracking page and, when they left an address, an email queued in the
// outbox (sent by the outbox's job). A report acknowledged once is not acknowledged again.
func (s *Service) ackTx(ctx context.Context, q db.Querier, r *Report, token string) error {
	if r.AckAt != nil || s.msg.Templates == nil {
		return nil
	}
	data := map[string]any{"Team": s.cfg.Team, "TrackingID": r.PublicID, "TrackingURL": s.TrackingURL(token),
		"Summary": r.Summary, "AckDays": s.cfg.Policy.AcknowledgeDays, "AssessDays": s.cfg.Policy.AssessmentDays,
		"AssessBy": r.AssessDue.Format("Monday 2 January 2006")}
	name := templates.AcknowledgementNoEmail
	if r.Reporter.Email != "" {
		name = templates.Acknowledgement
	}
	subject, body, err := s.msg.Templates.RenderTx(ctx, q, name, data)
	if err != nil {
		return err
	}
	// The conversation keeps a copy without the capability link: the team reads it, and
	// the link must stay the finder's alone (only its hash is stored).
	data["TrackingURL"] = "(your private tracking link)"
	_, kept, err := s.msg.Templates.RenderTx(ctx, q, name, data)
	if err != nil {
		return err
	}
	actor := authz.System("intake")
	if _, err := s.addMessage(ctx, q, actor, r, "system", "finder", "system", kept); err != nil {
		return err
	}
	now := s.clock.Now()
	state := r.State
	if state == StateNew {
		state = StateAcknowledged
	}
	r.AckAt, r.State = &now, state
	if _, err := q.Exec(ctx, "UPDATE reports SET acknowledged_at = ?, state = ?, due_at = ?, updated_at = ? WHERE id = ?", now, state, r.dueAt(), now, r.ID); err != nil {
		return err
	}
	if _, err := s.events.Append(ctx, q, actor, events.Entry{Action: "report.acknowledged", Subject: r.Ref(),
		After: map[string]any{"state": state, "email": r.Reporter.Email != ""}}); err != nil {
		return err
	}
	if r.Reporter.Email != "" && s.msg.Outbox != nil {
		m := notify.Message{To: r.Reporter.Email, Subject: subject, Body: body, ReportID: r.ID,
			Purpose: "acknowledgement", ThreadTok: r.replyToken, InReplyTo: r.mailMessageID()}
		if r.holdAck != "" {
			// Anyone can put a third party's address in From: an automatic answer to
			// an unauthenticated sender waits for a responder to release it.
			_, err := s.msg.Outbox.QueueHeld(ctx, q, m, r.holdAck)
			return err
		}
		_, err := s.msg.Outbox.Queue(ctx, q, m)
		return err
	}
	return nil
}

// ReleaseMessage sends a message of a report that was held for a responder (an
// acknowledgement to a mail sender the receiving server did not authenticate).
func (s *Service) ReleaseMessage(ctx context.Context, actor authz.Actor, ref string, outboxID int64) error {
	return s.db.InTx(ctx, func(q db.Querier) error {
		r, err := s.ForUpdate(ctx, q, actor, ref, authz.TriageReport)
		if err != nil {
			return err
		}
		if s.msg.Outbox == nil {
			return ErrNotFound
		}
		if err := s.msg.Outbox.Release(ctx, q, r.ID, outboxID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "report.message.released", Subject: r.Ref(), After: map[string]any{"outbox": outboxID}})
		return err
	})
}

// enqueueFinderMail mails a team message to the finder, if they left an address.
func (s *Service) enqueueFinderMail(ctx context.Context, q db.Querier, r *Report, key, tmpl, text string) error {
	if r.Reporter.Email == "" || s.msg.Outbox == nil {
		return nil
	}
	if tmpl == "" {
		tmpl = templates.ReportMessage
	}
	subject, body, err := s.msg.Templates.RenderTx(ctx, q, tmpl, map[string]any{"Team": s.cfg.Team, "TrackingID": r.PublicID,
		"TrackingURL": "(the private link in our first message)", "Body": text, "Rationale": text, "Outcome": r.Outcome, "Missing": r.missingLabels(),
		"Until": ""})
	if err != nil {
		return fmt.Errorf("intake: template %s: %w", tmpl, err)
	}
	_, err = s.msg.Outbox.Queue(ctx, q, notify.Message{To: r.Reporter.Email, Subject: subject, Body: body, ReportID: r.ID,
		Purpose: "report." + key, ThreadTok: r.replyToken})
	return err
}

func (r *Report) missingLabels() []string {
	var out []string
	for _, el := range r.Checklist() {
		if !el.Present {
			out = append(out, el.Label)
		}
	}
	return out
}

func (r *Report) mailMessageID() string { return r.messageID }
