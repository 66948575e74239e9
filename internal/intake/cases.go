package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/mail"
)

// The seam to package cases, which owns cases but builds on reports: opening a case
// from a report marks the report, inbound mail with a case participant's reply token is
// routed to the case, and case attachments share the report file store.

// MarkCoordinating records, inside q, that case caseID was opened from report r (the
// SSVC outcome Coordinate leads to a case): the report moves to "coordinating".
func (s *Service) MarkCoordinating(ctx context.Context, q db.Querier, actor authz.Actor, r *Report, caseID string) error {
	if r.State == StateCoordinating {
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "report.case_opened", Subject: r.Ref(), After: map[string]any{"case": caseID}})
		return err
	}
	return s.setState(ctx, q, actor, r, StateCoordinating, "report.case_opened", map[string]any{"case": caseID})
}

// ReplyRouter takes inbound mail whose reply token is not a report's; it reports
// whether the token was its own (and the mail handled inside q).
type ReplyRouter func(ctx context.Context, q db.Querier, token string, m *mail.Message) (bool, error)

// SetReplyRouter wires the cases package's reply routing into email intake.
func (s *Service) SetReplyRouter(r ReplyRouter) { s.replyRouter = r }

// routeReply offers m to the reply router. ok means it was handled and inbound mail
// id is marked processed.
func (s *Service) routeReply(ctx context.Context, q db.Querier, id int64, m *mail.Message, rcpts []string) (bool, error) {
	if s.replyRouter == nil {
		return false, nil
	}
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
		return false, nil
	}
	handled, err := s.replyRouter(ctx, q, strings.ToLower(tok), m)
	if err != nil || !handled {
		return handled, err
	}
	_, err = q.Exec(ctx, "UPDATE inbound_mail SET state = 'processed', error = '' WHERE id = ?", id)
	return true, err
}

// StoreForCase writes a file to the attachment store and records it for case caseID.
func (f *Files) StoreForCase(ctx context.Context, q db.Querier, caseID int64, by string, u Upload, now time.Time) (*Attachment, error) {
	if err := f.check([]Upload{u}); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(u.Data)
	h := hex.EncodeToString(sum[:])
	if err := f.write(h, u.Data); err != nil {
		return nil, err
	}
	a := &Attachment{Filename: cleanName(u.Filename), ContentType: sniff(u.Data), Size: int64(len(u.Data)), SHA256: h, UploadedBy: by, CreatedAt: now}
	err := q.QueryRow(ctx, "INSERT INTO attachments (case_id, filename, content_type, size, sha256, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		caseID, a.Filename, a.ContentType, a.Size, a.SHA256, a.UploadedBy, now).Scan(&a.ID)
	if err != nil {
		return nil, fmt.Errorf("intake: record case attachment: %w", err)
	}
	return a, nil
}
