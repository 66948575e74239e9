package directory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Fan-out: one case notification to many recipients. The request's transaction
// records the notification, one delivery row per distinct address and one fan-out job:
// either every recipient is recorded or none is. The fan-out job gives the deliveries
// their outbox messages (each sent by its own outbox job) in batches of fanOutBatch,
// each batch in one transaction that also marks its deliveries, so a crash between
// batches or in one loses nothing and doubles nothing: the job runs again and picks up
// the deliveries still without a message. It keeps at most fanOutWindow notification
// messages waiting at a time (coming back a moment later when more are), so the
// job queue stays short however many recipients there are. A message sent before a
// crash but not recorded as sent is sent again with the same Message-ID (the outbox's
// at-least-once), which mail clients fold into one.

// JobFanOut is the job kind that queues a notification's messages in batches.
const JobFanOut = "directory.fanout"

const (
	fanOutBatch  = 200
	fanOutWindow = 500
)

var fanOutPause = 200 * time.Millisecond

type fanOutArgs struct {
	ID int64 `json:"id"`
}

// runFanOut queues the next batches of notification a.ID's messages.
func (s *Service) runFanOut(ctx context.Context, j jobs.Job) error {
	var a fanOutArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	for ctx.Err() == nil {
		var waiting int
		// Notification messages waiting in the outbox, all notifications together (read
		// from the outbox's state index: only the pending rows).
		if err := s.DB.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND purpose = ?", purposeNotice).Scan(&waiting); err != nil {
			return err
		}
		if waiting >= fanOutWindow {
			// Come back when the outbox has caught up (a new job: this one is done).
			return s.DB.InTx(ctx, func(q db.Querier) error {
				_, err := s.Jobs.Enqueue(ctx, q, JobFanOut, a, jobs.Options{RunAt: s.Clock.Now().Add(fanOutPause), Priority: 1,
					UniqueKey: fmt.Sprintf("directory.fanout:%d:%d", a.ID, j.ID)})
				return err
			})
		}
		n, err := s.queueBatch(ctx, a.ID, min(fanOutBatch, fanOutWindow-waiting))
		if err != nil || n == 0 {
			return err
		}
	}
	return ctx.Err()
}

// queueBatch gives up to limit deliveries of notification id their outbox messages in
// one transaction; it returns how many.
func (s *Service) queueBatch(ctx context.Context, id int64, limit int) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		n = 0
		var caseID int64
		var subject, body string
		if err := q.QueryRow(ctx, "SELECT case_id, subject, body FROM dir_notifications WHERE id = ?", id).Scan(&caseID, &subject, &body); err != nil {
			return err
		}
		type pending struct{ email, key string }
		var ps []pending
		rows, err := q.Query(ctx, "SELECT email, encrypt_to FROM dir_deliveries WHERE notification_id = ? AND outbox_id IS NULL ORDER BY email LIMIT ?", id, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.email, &p.key); err != nil {
				rows.Close()
				return err
			}
			ps = append(ps, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range ps {
			oid, err := s.Outbox.Queue(ctx, q, notify.Message{To: p.email, Subject: subject, Body: body, EncryptTo: p.key, CaseID: caseID,
				Purpose: purposeNotice, MessageID: fmt.Sprintf("notice-%d-%s@%s", id, shortHash(p.email), s.cfg.Host)})
			if err != nil {
				return err
			}
			res, err := q.Exec(ctx, "UPDATE dir_deliveries SET outbox_id = ? WHERE notification_id = ? AND email = ? AND outbox_id IS NULL", oid, id, p.email)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fmt.Errorf("directory: delivery %d/%s was queued by another run", id, p.email)
			}
			n++
		}
		return nil
	})
	return n, err
}

const (
	purposeNotice = "directory.notification"
	maxRecipients = 50000
	maxSubject    = 300
	maxBody       = 100000
)

// NotifyTarget says who receives a notification: organisations by id, the maintainers
// of the packages that depend on a package, or the vetted subscribers of a SIREN list.
type NotifyTarget struct {
	Orgs         []int64 `json:"orgs,omitempty" maxItems:"20000" doc:"Organisation ids."`
	DependentsOf string  `json:"dependents_of,omitempty" maxLength:"500" doc:"A package URL: the organisations maintaining its dependents are notified."`
	MaxDepth     int     `json:"max_depth,omitempty" minimum:"0" maximum:"20" doc:"How deep dependents_of looks (default 9)."`
	List         int64   `json:"list,omitempty" doc:"A SIREN list id: its vetted subscribers are notified."`
}

// NotifyInput is a case notification.
type NotifyInput struct {
	To       NotifyTarget `json:"to"`
	Subject  string       `json:"subject,omitempty" maxLength:"300"`
	Body     string       `json:"body,omitempty" maxLength:"100000"`
	Template string       `json:"template,omitempty" maxLength:"100" doc:"A message template's name instead of subject and body (keys: Team, CaseID, Title, Summary, PublicDate, CaseURL, TLP)."`
}

// NotificationProgress is where a notification stands. total = delivered + failed +
// pending; sent counts the messages sirt has tried to send at least once.
type NotificationProgress struct {
	ID        int64     `json:"id"`
	CaseID    string    `json:"case_id"`
	ListID    int64     `json:"list_id,omitempty"`
	Subject   string    `json:"subject"`
	TLP       string    `json:"tlp"`
	Target    string    `json:"target"`
	CreatedAt time.Time `json:"created_at"`
	Total     int       `json:"total"`
	Sent      int       `json:"sent" doc:"Tried at least once (handed to the relay, or refused by it)."`
	Delivered int       `json:"delivered" doc:"Accepted by the mail relay."`
	Failed    int       `json:"failed" doc:"Given up (retry-failed queues them again)."`
	Pending   int       `json:"pending" doc:"Not yet delivered nor failed (held while no relay is configured)."`
}

// Percent is how far the notification is (delivered or failed of total), 0–100.
func (p *NotificationProgress) Percent() int {
	if p.Total == 0 {
		return 100
	}
	return (p.Delivered + p.Failed) * 100 / p.Total
}

// Settled is how many messages are delivered or failed.
func (p *NotificationProgress) Settled() int { return p.Delivered + p.Failed }

// Done reports whether nothing is pending.
func (p *NotificationProgress) Done() bool { return p.Pending == 0 }

// recipient is one address to write to.
type recipient struct {
	email string
	key   string
	orgID int64
	name  string
}

// caseFor authorizes a coordinator of case ref: others (finders, members, the
// programme manager) are told the case does not exist for this purpose.
func (s *Service) caseFor(ctx context.Context, q db.Querier, actor authz.Actor, ref string) (int64, error) {
	id, err := s.Cases.CaseIDIn(ctx, q, actor, ref, authz.CoordinateCase)
	if errors.Is(err, authz.ErrForbidden) || errors.Is(err, authz.ErrReadInRequired) {
		return 0, db.ErrNotFound
	}
	return id, err
}

// Notify sends a case's notification to its target (coordinators of the case).
func (s *Service) Notify(ctx context.Context, actor authz.Actor, caseRef string, in NotifyInput) (*NotificationProgress, error) {
	if _, err := s.caseFor(ctx, s.DB.Read(), actor, caseRef); err != nil {
		return nil, err
	}
	c, err := s.Cases.Get(ctx, actor, caseRef)
	if err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Subject = e.Text("subject", in.Subject, false, maxSubject)
	in.Body = e.Text("body", in.Body, false, maxBody)
	in.Template = strings.TrimSpace(in.Template)
	switch {
	case in.Template != "" && (in.Subject != "" || in.Body != ""):
		e.Add("template", "give either a template or a subject and body, not both")
	case in.Template != "" && !templates.Known(in.Template):
		e.Add("template", "%q is not a message template", in.Template)
	case in.Template == "":
		if in.Subject == "" {
			e.Add("subject", "is required (or give a template)")
		}
		if in.Body == "" {
			e.Add("body", "is required (or give a template)")
		}
	}
	n := 0
	for _, x := range []bool{len(in.To.Orgs) > 0, in.To.DependentsOf != "", in.To.List != 0} {
		if x {
			n++
		}
	}
	if n != 1 {
		e.Add("to", "give exactly one of orgs, dependents_of or list")
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	tlp := c.TLP
	if tlp == "" {
		tlp = "RED"
	}
	var id int64
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		caseID, err := s.caseFor(ctx, q, actor, caseRef)
		if err != nil {
			return err
		}
		rs, target, err := s.recipients(ctx, q, in.To)
		if err != nil {
			return err
		}
		subject, body := in.Subject, in.Body
		if in.Template != "" {
			data := map[string]any{"Team": s.cfg.Team, "CaseID": c.PublicID, "Title": c.Title, "Summary": c.Summary, "TLP": "TLP:" + tlp,
				"CaseURL": s.cfg.BaseURL + "/cases/" + c.PublicID, "PublicDate": "the public date (not yet agreed)"}
			if c.Embargo != nil && c.Embargo.PublicDate != nil {
				data["PublicDate"] = c.Embargo.PublicDate.UTC().Format("2006-01-02 15:04 UTC")
			}
			subject, body, err = s.Templates.RenderTx(ctx, q, in.Template, data)
			if err != nil {
				return validate.Field("template", "%v", err)
			}
		}
		label := "TLP:" + tlp
		if !strings.Contains(subject, label) {
			subject = "[" + label + "] " + subject
		}
		body = label + " — " + tlpRule(tlp) + "\n\n" + body
		var listID any
		if in.To.List != 0 {
			listID = in.To.List
		}
		if err := q.QueryRow(ctx, `INSERT INTO dir_notifications (case_id, list_id, target, subject, body, tlp, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, caseID, listID, target, subject, body, tlp, actor.Label(), s.Clock.Now()).Scan(&id); err != nil {
			return fmt.Errorf("directory: record notification: %w", err)
		}
		for _, r := range rs {
			var org any
			if r.orgID != 0 {
				org = r.orgID
			}
			if _, err := q.Exec(ctx, "INSERT INTO dir_deliveries (notification_id, email, org_id, encrypt_to) VALUES (?, ?, ?, ?)", id, r.email, org, r.key); err != nil {
				return err
			}
		}
		if _, err := s.Jobs.Enqueue(ctx, q, JobFanOut, fanOutArgs{ID: id}, jobs.Options{UniqueKey: fmt.Sprintf("directory.fanout:%d", id), Priority: 1}); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvNotificationSent, Subject: events.Ref{Type: "case", ID: c.PublicID}, CaseID: caseID,
			After: NotificationEvent{NotificationID: id, Target: target, Recipients: len(rs), TLP: tlp}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.progress(ctx, s.DB.Read(), id)
}

func tlpRule(tlp string) string {
	switch strings.ToUpper(tlp) {
	case "CLEAR", "WHITE":
		return "no limit on disclosure."
	case "GREEN":
		return "share within your community, not publicly."
	case "AMBER":
		return "share only within your organisation and its clients on a need-to-know basis."
	case "AMBER+STRICT":
		return "share only within your organisation on a need-to-know basis."
	default:
		return "for the named recipients only; do not share."
	}
}

// recipients resolves a target to distinct addresses (the first organisation naming
// an address wins; a contact's key is used when it has one).
func (s *Service) recipients(ctx context.Context, q db.Querier, t NotifyTarget) ([]recipient, string, error) {
	var orgIDs []int64
	var target string
	switch {
	case t.List != 0:
		var name string
		if err := q.QueryRow(ctx, "SELECT name FROM siren_lists WHERE id = ?", t.List).Scan(&name); err != nil {
			if isNoRows(err) {
				return nil, "", validate.Field("to.list", "there is no SIREN list %d", t.List)
			}
			return nil, "", err
		}
		rows, err := q.Query(ctx, "SELECT email, openpgp_key, name FROM siren_subscribers WHERE list_id = ? AND state = 'vetted' ORDER BY id", t.List)
		if err != nil {
			return nil, "", err
		}
		defer rows.Close()
		var rs []recipient
		for rows.Next() {
			var r recipient
			if err := rows.Scan(&r.email, &r.key, &r.name); err != nil {
				return nil, "", err
			}
			rs = append(rs, r)
		}
		if err := rows.Err(); err != nil {
			return nil, "", err
		}
		if len(rs) == 0 {
			return nil, "", validate.Field("to.list", "SIREN list %q has no vetted subscribers", name)
		}
		return dedupe(rs), "list:" + name, nil
	case t.DependentsOf != "":
		key, err := purl.Package(t.DependentsOf)
		if err != nil {
			return nil, "", validate.Field("to.dependents_of", "%v", err)
		}
		if s.reach == nil {
			return nil, "", validate.Field("to.dependents_of", "%s", errNoGraph)
		}
		depth := t.MaxDepth
		if depth <= 0 {
			depth = 9
		}
		pkgs, err := s.reach.DependentPackages(ctx, key, depth)
		if err != nil {
			return nil, "", err
		}
		m, err := orgsOf(ctx, q, pkgs)
		if err != nil {
			return nil, "", err
		}
		seen := map[int64]bool{}
		for _, ids := range m {
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					orgIDs = append(orgIDs, id)
				}
			}
		}
		sort.Slice(orgIDs, func(i, j int) bool { return orgIDs[i] < orgIDs[j] })
		target = fmt.Sprintf("dependents_of:%s:%d", key, depth)
		if len(orgIDs) == 0 {
			return nil, "", validate.Field("to.dependents_of", "no organisation in the directory maintains a dependent of %s", key)
		}
	default:
		if len(t.Orgs) > maxRecipients {
			return nil, "", validate.Field("to.orgs", "names %d organisations; the limit is %d", len(t.Orgs), maxRecipients)
		}
		orgIDs = t.Orgs
		target = fmt.Sprintf("orgs:%d", len(t.Orgs))
	}
	rs, err := s.contactsOf(ctx, q, orgIDs, "to.orgs")
	if err != nil {
		return nil, "", err
	}
	if len(rs) == 0 {
		return nil, "", validate.Field("to", "none of these organisations has a contact with an email address")
	}
	return rs, target, nil
}

// contactsOf returns the distinct email contacts of orgIDs, refusing (naming field)
// an id that is not an organisation.
func (s *Service) contactsOf(ctx context.Context, q db.Querier, orgIDs []int64, field string) ([]recipient, error) {
	found := map[int64]bool{}
	var rs []recipient
	for start := 0; start < len(orgIDs); start += batch {
		part := orgIDs[start:min(len(orgIDs), start+batch)]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.Query(ctx, `SELECT o.id, o.name, c.email, c.openpgp_key FROM orgs o LEFT JOIN org_contacts c ON c.org_id = o.id
			WHERE o.id IN (`+db.Placeholders(len(part))+`) ORDER BY o.id, c.id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r recipient
			var email, key *string
			if err := rows.Scan(&r.orgID, &r.name, &email, &key); err != nil {
				rows.Close()
				return nil, err
			}
			found[r.orgID] = true
			if email != nil && *email != "" {
				r.email = *email
				if key != nil {
					r.key = *key
				}
				rs = append(rs, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i, id := range orgIDs {
		if !found[id] {
			return nil, validate.Field(fmt.Sprintf("%s[%d]", field, i), "there is no organisation %d", id)
		}
	}
	// Keep the caller's order of organisations.
	pos := map[int64]int{}
	for i, id := range orgIDs {
		if _, ok := pos[id]; !ok {
			pos[id] = i
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return pos[rs[i].orgID] < pos[rs[j].orgID] })
	return dedupe(rs), nil
}

func dedupe(rs []recipient) []recipient {
	seen := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		k := strings.ToLower(r.email)
		if seen[k] {
			continue
		}
		seen[k] = true
		r.email = k
		out = append(out, r)
	}
	return out
}

// Notification returns a notification's progress (coordinators of its case).
func (s *Service) Notification(ctx context.Context, actor authz.Actor, id int64) (*NotificationProgress, error) {
	q := s.DB.Read()
	p, err := s.progress(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, q, actor, p.CaseID); err != nil {
		return nil, err
	}
	return p, nil
}

// CaseNotifications lists a case's notifications, newest first (coordinators).
func (s *Service) CaseNotifications(ctx context.Context, actor authz.Actor, caseRef string) ([]*NotificationProgress, error) {
	q := s.DB.Read()
	caseID, err := s.caseFor(ctx, q, actor, caseRef)
	if err != nil {
		return nil, err
	}
	ids, err := db.Int64s(ctx, q, "SELECT id FROM dir_notifications WHERE case_id = ? ORDER BY id DESC LIMIT 100", caseID)
	if err != nil {
		return nil, err
	}
	out := []*NotificationProgress{}
	for _, id := range ids {
		p, err := s.progress(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Service) progress(ctx context.Context, q db.Querier, id int64) (*NotificationProgress, error) {
	p := &NotificationProgress{ID: id}
	var caseID int64
	var list *int64
	err := q.QueryRow(ctx, "SELECT case_id, list_id, subject, tlp, target, created_at FROM dir_notifications WHERE id = ?", id).
		Scan(&caseID, &list, &p.Subject, &p.TLP, &p.Target, &p.CreatedAt)
	if err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	if list != nil {
		p.ListID = *list
	}
	p.CreatedAt = p.CreatedAt.UTC()
	ce, err := s.Cases.CaseEmbargo(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	p.CaseID = ce.CaseID
	rows, err := q.Query(ctx, `SELECT COALESCE(o.state, 'queued'), COALESCE(o.attempts, 0) > 0, COUNT(*) FROM dir_deliveries d LEFT JOIN outbox o ON o.id = d.outbox_id
		WHERE d.notification_id = ? GROUP BY COALESCE(o.state, 'queued'), COALESCE(o.attempts, 0) > 0`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var tried bool
		var n int
		if err := rows.Scan(&state, &tried, &n); err != nil {
			return nil, err
		}
		p.Total += n
		switch state {
		case "sent":
			p.Delivered += n
			p.Sent += n
		case "failed":
			p.Failed += n
			p.Sent += n
		default:
			p.Pending += n
			if tried {
				p.Sent += n
			}
		}
	}
	return p, rows.Err()
}

// RetryFailed queues the failed messages of a notification again (coordinators).
func (s *Service) RetryFailed(ctx context.Context, actor authz.Actor, id int64) (int, error) {
	p, err := s.Notification(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		caseID, err := s.caseFor(ctx, q, actor, p.CaseID)
		if err != nil {
			return err
		}
		jobIDs, err := db.Int64s(ctx, q, `SELECT j.id FROM dir_deliveries d JOIN outbox o ON o.id = d.outbox_id
			JOIN jobs j ON j.unique_key = `+concatKey(q.Dialect())+` WHERE d.notification_id = ? AND o.state = 'failed' AND j.state = 'dead'`, id)
		if err != nil {
			return err
		}
		for _, jid := range jobIDs {
			if err := s.Jobs.Retry(ctx, q, jid); err != nil {
				return err
			}
			n++
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvNotificationRetry, Subject: events.Ref{Type: "case", ID: p.CaseID}, CaseID: caseID,
			After: RetryEvent{NotificationID: id, Retried: n}})
		return err
	})
	return n, err
}

// concatKey is the outbox send job's unique key ("outbox:<id>") in SQL.
func concatKey(d db.Dialect) string {
	if d == db.Postgres {
		return "('outbox:' || o.id::text)"
	}
	return "('outbox:' || o.id)"
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}
