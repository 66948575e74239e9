package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/pgpkey"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Email intake. The SMTP listener hands each message to Deliver, which stores the raw
// bytes and a processing job in one transaction before the listener answers "250 OK":
// a mail the sender was told we accepted is never lost, even if it cannot be parsed or
// decrypted. The job then turns it into a report, or a reply on an existing one.

type inboundArgs struct {
	ID int64 `json:"id"`
}

// TeamKey returns the team's OpenPGP key, for decrypting mail.
type TeamKey func(ctx context.Context) (*pgpkey.Key, error)

// SetTeamKey wires the team key used to decrypt inbound mail.
func (s *Service) SetTeamKey(k TeamKey) { s.teamKey = k }

// Deliver stores an inbound mail for processing (the SMTP listener's DeliverFunc).
func (s *Service) Deliver(ctx context.Context, from string, rcpts []string, raw []byte) error {
	return s.db.InTx(ctx, func(q db.Querier) error {
		var id int64
		if err := q.QueryRow(ctx, "INSERT INTO inbound_mail (mail_from, rcpt_to, raw, state, received_at) VALUES (?, ?, ?, 'received', ?) RETURNING id",
			from, strings.Join(rcpts, ","), raw, s.clock.Now()).Scan(&id); err != nil {
			return fmt.Errorf("intake: store inbound mail: %w", err)
		}
		_, err := s.jobs.Enqueue(ctx, q, JobInboundMail, inboundArgs{ID: id}, jobs.Options{UniqueKey: fmt.Sprintf("inbound:%d", id), Priority: 10})
		return err
	})
}

func (s *Service) processInbound(ctx context.Context, j jobs.Job) error {
	var a inboundArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	var raw []byte
	var state, from, rcpts string
	if err := s.db.Read().QueryRow(ctx, "SELECT raw, state, mail_from, rcpt_to FROM inbound_mail WHERE id = ?", a.ID).Scan(&raw, &state, &from, &rcpts); err != nil {
		return jobs.Cancel(fmt.Errorf("inbound mail %d: %w", a.ID, err))
	}
	if state != "received" {
		return nil
	}
	var key *pgpkey.Key
	if s.teamKey != nil {
		if k, err := s.teamKey(ctx); err == nil {
			key = k
		}
	}
	m, perr := mail.Parse(raw, key)
	return s.db.InTx(ctx, func(q db.Querier) error {
		actor := authz.System("email")
		if perr != nil {
			// Keep what we cannot read as a report a person will look at.
			sub := Submission{Summary: "Unreadable email from " + from, Details: "sirt could not read this message: " + perr.Error() +
				"\n\nThe raw message is kept as inbound mail #" + fmt.Sprint(a.ID) + ".", Reporter: Reporter{Email: validEmail(from)},
				holdAck: "the message could not be read, so its sender could not be checked"}
			printable(&sub.Summary, &sub.Details)
			_ = sub.Normalize()
			r, _, err := s.insert(ctx, q, actor, SourceEmail, sub, "")
			if err != nil {
				return err
			}
			return s.markInbound(ctx, q, a.ID, "failed", perr.Error(), r.ID)
		}
		if r, ok := s.threadOf(ctx, q, m, strings.Split(rcpts, ",")); ok {
			body := strings.TrimSpace(m.Text)
			if body == "" {
				body = "(empty message)"
			}
			if m.Replaced+printable(&body) > 0 {
				body += keptNote(a.ID)
				if err := s.storeRaw(ctx, q, r, raw); err != nil {
					return err
				}
			}
			if _, err := s.addMessage(ctx, q, actor, r, "finder", "finder", "email", body); err != nil {
				return err
			}
			if err := s.storeMailFiles(ctx, q, r, m); err != nil {
				return err
			}
			if err := s.unpark(ctx, q, r); err != nil {
				return err
			}
			return s.markInbound(ctx, q, a.ID, "processed", "", r.ID)
		}
		if handled, err := s.routeReply(ctx, q, a.ID, m, strings.Split(rcpts, ",")); err != nil || handled {
			return err
		}
		sub := Submission{Summary: strings.TrimSpace(m.Subject), Details: m.Text,
			Reporter: Reporter{Name: m.From.Name, Email: validEmail(m.From.Addr)}}
		if auth := mail.VerifySender(raw, s.cfg.AuthservID, m.From.Addr); !auth.Verified {
			sub.holdAck = auth.Reason
		}
		if sub.Summary == "" {
			sub.Summary = "(no subject)"
		}
		// Mail is not refused for bytes that are not text: the report shows them
		// visibly replaced and keeps the original message as a file.
		changed := m.Replaced + printable(&sub.Summary, &sub.Details, &sub.Reporter.Name)
		if changed > 0 {
			sub.Details += keptNote(a.ID)
		}
		if len([]rune(sub.Summary)) > 300 {
			sub.Summary = string([]rune(sub.Summary)[:300])
		}
		plain := sub
		extractFields(&sub, sub.Details) // what the web form asks for, when the body says it
		if sub.Normalize() != nil {
			sub = plain // an extracted value the form would refuse: the mail as it came
		}
		if err := sub.Normalize(); err != nil {
			sub.Details = sub.Details + "\n\n(sirt could not use every field of this mail: " + err.Error() + ")"
			sub.Reporter = Reporter{}
			if err := sub.Normalize(); err != nil {
				return jobs.Cancel(err)
			}
		}
		r, token, err := s.insert(ctx, q, actor, SourceEmail, sub, m.MessageID)
		if err != nil {
			return err
		}
		_ = token
		if err := s.storeMailFiles(ctx, q, r, m); err != nil {
			return err
		}
		if changed > 0 {
			if err := s.storeRaw(ctx, q, r, raw); err != nil {
				return err
			}
		}
		if m.Encrypted {
			if _, err := s.events.Append(ctx, q, actor, events.Entry{Action: "report.received.encrypted", Subject: r.Ref()}); err != nil {
				return err
			}
		}
		return s.markInbound(ctx, q, a.ID, "processed", strings.Join(m.Warnings, "; "), r.ID)
	})
}

// printable makes mail text storable without refusing it (validate.Printable) and
// returns how many characters it replaced in all.
func printable(fields ...*string) int {
	n := 0
	for _, f := range fields {
		var k int
		*f, k = validate.Printable(*f)
		n += k
	}
	return n
}

func keptNote(id int64) string {
	return fmt.Sprintf("\n\n(This mail contained bytes that are not text; they are shown as \uFFFD or as control pictures such as \u2400. "+
		"The original message is attached as original-message.eml and kept as inbound mail #%d.)", id)
}

// storeRaw attaches the message exactly as it arrived.
func (s *Service) storeRaw(ctx context.Context, q db.Querier, r *Report, raw []byte) error {
	if s.files == nil {
		return nil
	}
	_, err := s.files.store(ctx, q, r.ID, "email", Upload{Filename: "original-message.eml", Data: raw}, s.clock.Now())
	return err
}

func validEmail(s string) string {
	s = strings.TrimSpace(s)
	if strings.Count(s, "@") != 1 || len(s) > 254 || strings.ContainsAny(s, " <>") {
		return ""
	}
	return strings.ToLower(s)
}

// threadOf finds the report a reply belongs to, by the reply token in its addresses or
// message ids.
func (s *Service) threadOf(ctx context.Context, q db.Querier, m *mail.Message, rcpts []string) (*Report, bool) {
	tok, ok := mail.FindToken(m)
	if !ok {
		for _, rc := range rcpts {
			if t, ok2 := mail.ReplyToken(rc); ok2 {
				tok, ok = t, true
				break
			}
		}
	}
	if !ok {
		return nil, false
	}
	r, err := scanReport(q.QueryRow(ctx, "SELECT "+reportColumns+" FROM reports WHERE reply_token = ?", tok))
	if err != nil {
		return nil, false
	}
	return r, true
}

func (s *Service) storeMailFiles(ctx context.Context, q db.Querier, r *Report, m *mail.Message) error {
	if s.files == nil {
		return nil
	}
	for _, at := range m.Attachments {
		if _, err := s.files.store(ctx, q, r.ID, "email", Upload{Filename: at.Filename, Data: at.Data}, s.clock.Now()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) markInbound(ctx context.Context, q db.Querier, id int64, state, msg string, reportID int64) error {
	msg = strings.ToValidUTF8(strings.ReplaceAll(msg, "\x00", ""), "?")
	_, err := q.Exec(ctx, "UPDATE inbound_mail SET state = ?, error = ?, report_id = ? WHERE id = ?", state, msg, reportID, id)
	return err
}

// ErrNoKey means the team has no OpenPGP key yet.
var ErrNoKey = errors.New("the team has no OpenPGP key yet: run 'sirt keys generate'")
