package intake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Message is one entry of a report's conversation: between the finder and the team
// (visibility "finder") or among the team only ("internal").
type Message struct {
	ID         int64     `json:"id"`
	Author     string    `json:"author" enum:"finder,staff,system"`
	AuthorName string    `json:"author_name,omitempty"`
	Visibility string    `json:"visibility" enum:"finder,internal"`
	Via        string    `json:"via"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// Messages returns a report's conversation as actor may see it: staff see internal
// notes, the finder only the shared thread.
func (s *Service) Messages(ctx context.Context, actor authz.Actor, r *Report) ([]Message, error) {
	internal := authz.Can(actor, authz.TriageReport, r.AuthzObject()) == nil
	return s.messages(ctx, r.ID, internal)
}

func (s *Service) messages(ctx context.Context, reportID int64, internal bool) ([]Message, error) {
	qs := `SELECT m.id, m.author, COALESCE(u.name, u.email, ''), m.visibility, m.via, m.body, m.created_at
		FROM report_messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.report_id = ?`
	if !internal {
		qs += " AND m.visibility = 'finder'"
	}
	rows, err := s.db.Read().Query(ctx, qs+" ORDER BY m.id", reportID)
	if err != nil {
		return nil, fmt.Errorf("intake: messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.Author, &m.AuthorName, &m.Visibility, &m.Via, &m.Body, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Service) addMessage(ctx context.Context, q db.Querier, actor authz.Actor, r *Report, author, visibility, via, body string) (*Message, error) {
	now := s.clock.Now()
	m := &Message{Author: author, Visibility: visibility, Via: via, Body: body, CreatedAt: now}
	var authorID any
	if actor.UserID != 0 && author == "staff" {
		authorID = actor.UserID
	}
	if err := q.QueryRow(ctx, "INSERT INTO report_messages (report_id, author, author_id, visibility, via, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		r.ID, author, authorID, visibility, via, body, now).Scan(&m.ID); err != nil {
		return nil, fmt.Errorf("intake: add message: %w", err)
	}
	if _, err := q.Exec(ctx, "UPDATE reports SET updated_at = ? WHERE id = ?", now, r.ID); err != nil {
		return nil, err
	}
	action := "report.message." + author
	if visibility == "internal" {
		action = "report.note"
	}
	_, err := s.events.Append(ctx, q, actor, events.Entry{Action: action, Subject: r.Ref(), After: map[string]any{"message_id": m.ID, "via": via}})
	return m, err
}

func checkBody(body string) (string, error) {
	var e validate.Errors
	body = e.Text("body", body, true, 100_000)
	return body, e.Err()
}

// Reply adds a message from the team to the finder (shared) or an internal note.
// A message to the finder is also mailed to them when they left an address.
func (s *Service) Reply(ctx context.Context, actor authz.Actor, ref, body string, internal bool) (*Message, error) {
	var m *Message
	err := s.db.InTx(ctx, func(q db.Querier) error {
		r, err := s.ForUpdate(ctx, q, actor, ref, authz.ReplyReport)
		if err != nil {
			return err
		}
		if body, err = checkBody(body); err != nil {
			return err
		}
		staff := authz.Can(actor, authz.TriageReport, r.AuthzObject()) == nil
		author, vis := "finder", "finder"
		if staff {
			author = "staff"
			if internal {
				vis = "internal"
			}
		} else if internal {
			return validate.Field("internal", "only the team writes internal notes")
		}
		if m, err = s.addMessage(ctx, q, actor, r, author, vis, "web", body); err != nil {
			return err
		}
		if staff && !internal {
			return s.enqueueFinderMail(ctx, q, r, fmt.Sprintf("msg:%d", m.ID), "", body)
		}
		return nil
	})
	return m, err
}

// TrackedReport is what the finder sees through the tracking link.
type TrackedReport struct {
	Report   *Report
	Messages []Message
	Token    string
}

// Track returns the report behind a tracking token, or ErrNotFound. The token is the
// finder's capability: no account is needed, and nothing else is revealed.
func (s *Service) Track(ctx context.Context, token string) (*TrackedReport, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, ErrNotFound
	}
	r, err := scanReport(s.db.Read().QueryRow(ctx, "SELECT "+reportColumns+" FROM reports WHERE tracking_hash = ?", hashToken(token)))
	if err != nil {
		return nil, err
	}
	ms, err := s.messages(ctx, r.ID, false)
	if err != nil {
		return nil, err
	}
	return &TrackedReport{Report: r, Messages: ms, Token: token}, nil
}

// FinderReply adds the finder's message (and files) through the tracking link. A
// report parked for a reproduction goes back to the queue when the finder answers.
func (s *Service) FinderReply(ctx context.Context, token, body string, files []Upload) (*Message, error) {
	t, err := s.Track(ctx, token)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(body) == "" && len(files) > 0 {
		body = fmt.Sprintf("(sent %d file(s))", len(files))
	}
	if body, err = checkBody(body); err != nil {
		return nil, err
	}
	if s.files != nil {
		if err := s.files.check(files); err != nil {
			return nil, err
		}
	}
	var m *Message
	err = s.db.InTx(ctx, func(q db.Querier) error {
		r, err := s.loadByID(ctx, q, t.Report.ID)
		if err != nil {
			return err
		}
		if m, err = s.addMessage(ctx, q, authz.Anonymous(), r, "finder", "finder", "web", body); err != nil {
			return err
		}
		for _, f := range files {
			if _, err := s.files.store(ctx, q, r.ID, "finder", f, s.clock.Now()); err != nil {
				return err
			}
		}
		return s.unpark(ctx, q, r)
	})
	return m, err
}

// Attach stores files on a report (staff, or the finder with an account).
func (s *Service) Attach(ctx context.Context, actor authz.Actor, ref string, files []Upload) ([]*Attachment, error) {
	if err := s.files.check(files); err != nil {
		return nil, err
	}
	var out []*Attachment
	err := s.db.InTx(ctx, func(q db.Querier) error {
		r, err := s.ForUpdate(ctx, q, actor, ref, authz.ReplyReport)
		if err != nil {
			return err
		}
		for _, f := range files {
			a, err := s.files.store(ctx, q, r.ID, actor.Label(), f, s.clock.Now())
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "report.attachments.added", Subject: r.Ref(), After: map[string]any{"count": len(out)}})
		return err
	})
	return out, err
}

// Attachments lists a report's files.
func (s *Service) Attachments(ctx context.Context, r *Report) ([]*Attachment, error) {
	rows, err := s.db.Read().Query(ctx, "SELECT id, filename, content_type, size, sha256, uploaded_by, created_at FROM attachments WHERE report_id = ? ORDER BY id", r.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// Attachment returns one file's metadata if actor may read its report (finder token
// holders use AttachmentByToken).
func (s *Service) Attachment(ctx context.Context, actor authz.Actor, ref string, id int64) (*Attachment, *Files, error) {
	r, err := s.Get(ctx, actor, ref)
	if err != nil {
		return nil, nil, err
	}
	as, err := s.Attachments(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range as {
		if a.ID == id {
			return a, s.files, nil
		}
	}
	return nil, nil, ErrNotFound
}
