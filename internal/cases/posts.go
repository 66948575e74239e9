package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Threads of a case's discussion.
const (
	ThreadShared   = "shared"   // every read-in participant and the team
	ThreadPrivate  = "private"  // one party and the team
	ThreadInternal = "internal" // the team only
)

// Post is one message in a case thread.
type CasePost struct {
	ID            int64     `json:"id"`
	Thread        string    `json:"thread" enum:"shared,private,internal"`
	ParticipantID int64     `json:"participant_id,omitempty" doc:"For a private thread: the party it is with."`
	Author        string    `json:"author"`
	Via           string    `json:"via" enum:"web,api,email"`
	Body          string    `json:"body"`
	CreatedAt     time.Time `json:"created_at"`
}

// NewPost is a message to post.
type NewCasePost struct {
	Thread        string `json:"thread,omitempty" enum:"shared,private,internal," doc:"Default shared."`
	ParticipantID int64  `json:"participant_id,omitempty" doc:"For a private thread written by the team: the party. A participant writes to their own."`
	Body          string `json:"body" maxLength:"100000"`
}

// AddPost posts into a thread and notifies, by email, everyone else who may read it.
func (s *Service) AddPost(ctx context.Context, actor authz.Actor, ref, via string, in NewCasePost) (*CasePost, error) {
	if in.Thread == "" {
		in.Thread = ThreadShared
	}
	var e validate.Errors
	e.OneOf("thread", in.Thread, ThreadShared, ThreadPrivate, ThreadInternal)
	in.Body = e.Text("body", in.Body, true, 100_000)
	var p *CasePost
	err := s.db.InTx(ctx, func(q db.Querier) error {
		need := authz.PostShared
		switch in.Thread {
		case ThreadInternal:
			need = authz.ReadInternal
		case ThreadPrivate:
			need = authz.ReadCase
		}
		a, err := s.open(ctx, q, actor, ref, need)
		if err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		coord := a.can(actor, authz.CoordinateCase) == nil
		party := int64(0)
		if in.Thread == ThreadPrivate {
			switch {
			case coord && in.ParticipantID != 0:
				party = in.ParticipantID
			case coord:
				return validate.Field("participant_id", "name the participant whose private thread this is")
			case a.me != nil && (in.ParticipantID == 0 || in.ParticipantID == a.me.ID):
				party = a.me.ID
			default:
				return db.ErrNotFound // another party's thread does not exist for you
			}
		}
		p, err = s.insertPost(ctx, q, actor, a.c, in.Thread, party, actor.Label(), via, in.Body)
		return err
	})
	return p, err
}

func (s *Service) insertPost(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, thread string, party int64, author, via, body string) (*CasePost, error) {
	now := s.clock.Now()
	p := &CasePost{Thread: thread, ParticipantID: party, Author: author, Via: via, Body: body, CreatedAt: now}
	var member any
	if party != 0 {
		member = party
	}
	if err := q.QueryRow(ctx, "INSERT INTO case_posts (case_id, thread, member_id, author_id, author, via, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		c.ID, thread, member, nullUser(actor), author, via, body, now).Scan(&p.ID); err != nil {
		return nil, fmt.Errorf("cases: post: %w", err)
	}
	// The event names the thread and post, never the text: the audit trail and webhooks
	// must not carry an internal note or a private message to anyone else.
	if err := s.appendEvent(ctx, q, actor, c, "case.post."+thread, nil, map[string]any{"post_id": p.ID, "participant_id": party, "via": via}); err != nil {
		return nil, err
	}
	return p, s.notifyPost(ctx, q, actor, c, p)
}

// notifyPost mails a new post to everyone else who may read its thread.
func (s *Service) notifyPost(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, p *CasePost) error {
	if s.outbox == nil || p.Thread == ThreadInternal {
		return nil
	}
	ps, err := s.participants(ctx, q, c.ID)
	if err != nil {
		return err
	}
	everyone, err := s.everyParticipant(ctx, q, c.ID)
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("[%s] %s: new message in %s", s.cfg.Team, c.PublicID, map[string]string{ThreadShared: "the shared discussion", ThreadPrivate: "your private thread with the team"}[p.Thread])
	for _, m := range ps {
		if m.Email == "" || strings.EqualFold(m.Email, actor.Email) || strings.EqualFold(m.Email, p.Author) || !m.SeesContent() {
			continue
		}
		private := p.Thread == ThreadPrivate
		if private && m.ID != p.ParticipantID && m.Role != string(authz.CaseCoordinator) {
			continue
		}
		// Each recipient sees the author as they may see that party (never another
		// party's address).
		author := newViewer(c, m, everyone).label(p.Author)
		body := fmt.Sprintf("%s wrote in case %s (%s):\n\n%s\n\n--\nReply to this email to answer in the same thread, or open %s\n", author, c.PublicID, c.Title, p.Body, s.URL(c))
		if _, err := s.queueMail(ctx, q, c, m, subject, body, fmt.Sprintf("case.post:%d", p.ID), private && m.ID == p.ParticipantID); err != nil {
			return err
		}
	}
	return nil
}

// queueMail queues a message to a participant through the outbox, encrypted to their
// key if they have one, threaded by their reply token so an answer by email lands in
// the right thread.
func (s *Service) queueMail(ctx context.Context, q db.Querier, c *Case, p *Participant, subject, body, purpose string, private bool) (int64, error) {
	if s.outbox == nil || p.Email == "" {
		return 0, nil
	}
	tok := p.replyToken
	if private {
		tok = p.privateToken
	}
	return s.outbox.Queue(ctx, q, notify.Message{To: p.Email, Subject: subject, Body: body, EncryptTo: p.pgpKey, CaseID: c.ID, Purpose: purpose, ThreadTok: tok})
}

// Posts returns the posts actor may read: shared for read-in participants, their own
// private thread, and internal notes for the team.
func (s *Service) Posts(ctx context.Context, actor authz.Actor, ref string) ([]CasePost, error) {
	q := s.db.Read()
	a, err := s.open(ctx, q, actor, ref, authz.ReadCase)
	if err != nil {
		return nil, err
	}
	internal := a.can(actor, authz.ReadInternal) == nil
	rows, err := q.Query(ctx, "SELECT id, thread, member_id, author, via, body, created_at FROM case_posts WHERE case_id = ? ORDER BY id", a.c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CasePost{}
	for rows.Next() {
		var p CasePost
		var member *int64
		if err := rows.Scan(&p.ID, &p.Thread, &member, &p.Author, &p.Via, &p.Body, &p.CreatedAt); err != nil {
			return nil, err
		}
		if member != nil {
			p.ParticipantID = *member
		}
		p.CreatedAt = p.CreatedAt.UTC()
		switch p.Thread {
		case ThreadInternal:
			if !internal {
				continue
			}
		case ThreadPrivate:
			if !internal && (a.me == nil || a.me.ID != p.ParticipantID) {
				continue
			}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	v, err := s.viewerFor(ctx, q, actor, a)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Author = v.label(out[i].Author)
	}
	return out, s.auditRead(ctx, actor, a, "posts")
}

// routeReply is intake's hook for inbound mail that carries a reply token: a token of a
// case participant puts the mail into that participant's thread. Mail from an address
// other than the participant's goes to the team as an internal note instead. An email
// contact's reply to their invitation is their acceptance of the terms (read-in).
func (s *Service) routeReply(ctx context.Context, q db.Querier, token string, m *mail.Message) (bool, error) {
	var caseID int64
	var replyTok string
	var removed *time.Time
	err := q.QueryRow(ctx, "SELECT case_id, reply_token, removed_at FROM case_members WHERE reply_token = ? OR private_token = ?", token, token).Scan(&caseID, &replyTok, &removed)
	if db.NotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c, err := s.loadByID(ctx, q, caseID)
	if err != nil {
		return false, err
	}
	p, err := scanParticipant(q.QueryRow(ctx, "SELECT "+memberColumns+" FROM case_members WHERE case_id = ? AND (reply_token = ? OR private_token = ?)", caseID, token, token))
	if err != nil {
		return false, err
	}
	body := strings.TrimSpace(m.Text)
	if body == "" {
		body = "(empty message)"
	}
	actor := authz.System("email")
	if removed != nil {
		// A removed participant's mail reaches the team only.
		note := fmt.Sprintf("Mail from %s, who was removed from this case; kept here for the team.\n\n%s", p.Label(), body)
		_, err := s.insertPost(ctx, q, actor, c, ThreadInternal, 0, "email from "+m.From.Addr, "email", note)
		return true, err
	}
	if m.From.Addr == "" || !strings.EqualFold(m.From.Addr, p.Email) {
		note := fmt.Sprintf("Mail for %s's thread came from %q, not from their address; kept here for the team to check.\n\n%s", p.Label(), m.From.Addr, body)
		_, err := s.insertPost(ctx, q, actor, c, ThreadInternal, 0, "email from "+m.From.Addr, "email", note)
		return true, err
	}
	thread := ThreadShared
	if token == p.privateToken {
		thread = ThreadPrivate
	}
	if !p.SeesContent() {
		now := s.clock.Now()
		if _, err := q.Exec(ctx, "UPDATE case_members SET read_in_at = ?, updated_at = ? WHERE id = ?", now, now, p.ID); err != nil {
			return false, err
		}
		if err := s.appendEvent(ctx, q, actor, c, "case.participant.read_in", nil, map[string]any{"participant_id": p.ID, "via": "email", "terms": c.Terms}); err != nil {
			return false, err
		}
		thread = ThreadPrivate // their first words go to the team, not to everyone
	}
	if p.Role == string(authz.CaseObserver) && thread == ThreadShared {
		thread = ThreadPrivate
	}
	party := int64(0)
	if thread == ThreadPrivate {
		party = p.ID
	}
	_, err = s.insertPost(ctx, q, actor, c, thread, party, p.Email, "email", body)
	return true, err
}
