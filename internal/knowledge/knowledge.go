// Package knowledge is the team's written knowledge: versioned Markdown documents
// (playbooks, runbooks, onboarding docs, rules of engagement, role descriptions) with
// diffs between versions, owners and review dates, reader feedback; playbooks applied
// to cases (their checklist becomes case tasks, pinned to the version applied); and
// training (courses, completions, readiness per role).
package knowledge

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Event actions of this package.
const (
	ActionDocCreated       = "doc.created"
	ActionDocUpdated       = "doc.updated"
	ActionPlaybookApplied  = "playbook.applied"
	ActionFeedbackAdded    = "doc.feedback.added"
	ActionFeedbackTriaged  = "doc.feedback.triaged"
	ActionCourseCreated    = "course.created"
	ActionCourseCompletion = "course.completed"
	ActionOnboardingTick   = "onboarding.item.ticked"
)

// Event payloads.
type (
	OnboardingEvent struct {
		DocID  int64  `json:"doc_id"`
		UserID int64  `json:"user_id"`
		Item   string `json:"item"`
		Done   bool   `json:"done"`
	}
	DocEvent struct {
		Title   string `json:"title"`
		Kind    string `json:"kind"`
		Version int    `json:"version"`
	}
	PlaybookEvent struct {
		DocID   int64  `json:"doc_id"`
		Version int    `json:"version"`
		Title   string `json:"title"`
		Tasks   int    `json:"tasks"`
	}
	FeedbackEvent struct {
		DocID  int64  `json:"doc_id"`
		Status string `json:"status"`
	}
	CourseEvent struct {
		Title  string  `json:"title"`
		UserID int64   `json:"user_id,omitempty"`
		Hours  float64 `json:"hours,omitempty"`
	}
)

// ErrStale is an update whose If-Match names a version that is no longer current (412).
var ErrStale = errors.New("the document changed since you read it: fetch it again and re-apply your edit")

// Cases is what knowledge needs of the cases domain.
type Cases interface {
	AddTasksIn(ctx context.Context, q db.Querier, actor authz.Actor, ref string, titles []string, source string) (int64, []*cases.CaseTask, error)
	CaseIDIn(ctx context.Context, q db.Querier, actor authz.Actor, ref string, action authz.Action) (int64, error)
}

// Service is the knowledge domain.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	events *events.Log
	cases  Cases
}

// New builds the service.
func New(d *db.DB, c clock.Clock, ev *events.Log, cs Cases) *Service {
	return &Service{db: d, clock: c, events: ev, cases: cs}
}

// Kinds of documents.
var Kinds = []string{"playbook", "runbook", "onboarding", "rules_of_engagement", "role", "other"}

// Doc is a document at its current version.
type Doc struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`
	Version   int       `json:"version"`
	Body      string    `json:"body"`
	OwnerID   int64     `json:"owner_id,omitempty"`
	ReviewDue string    `json:"review_due,omitempty" doc:"YYYY-MM-DD"`
	Checklist []string  `json:"checklist,omitempty" doc:"A playbook's checklist items (- [ ] …), which become case tasks when applied."`
	Roles     []string  `json:"roles,omitempty" doc:"Onboarding documents: the roles whose onboarding checklist this is (none: every role)."`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ETag is the document version's entity tag.
func (d *Doc) ETag() string { return fmt.Sprintf(`"doc-%d-v%d"`, d.ID, d.Version) }

// ParseETag reads an If-Match value for document id; ok is false when it names
// another document or is not one of ours.
func ParseETag(id int64, v string) (int, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	var gotID int64
	var version int
	if _, err := fmt.Sscanf(v, `"doc-%d-v%d"`, &gotID, &version); err != nil || gotID != id || version <= 0 {
		return 0, false
	}
	return version, true
}

// DocInput creates or replaces a document's text.
type DocInput struct {
	Title     string   `json:"title" maxLength:"300"`
	Kind      string   `json:"kind" enum:"playbook,runbook,onboarding,rules_of_engagement,role,other"`
	Body      string   `json:"body" maxLength:"200000" doc:"Markdown."`
	ReviewDue string   `json:"review_due,omitempty" doc:"YYYY-MM-DD: when the owner should review it next."`
	Roles     []string `json:"roles,omitempty" maxItems:"10" doc:"Onboarding documents: the roles whose checklist this is (responder, security-buddy, coordinator, programme-manager); none: every role."`
}

func (in *DocInput) validate() error {
	var e validate.Errors
	in.Title = e.Text("title", in.Title, true, 300)
	e.OneOf("kind", in.Kind, Kinds...)
	if strings.TrimSpace(in.Body) == "" {
		e.Add("body", "is required")
	} else if len(in.Body) > 200000 {
		e.Add("body", "is longer than 200000 bytes")
	}
	in.Body = strings.ReplaceAll(in.Body, "\x00", "")
	roles := []string{}
	for i, r := range in.Roles {
		if !slices.Contains(TrainingRoles, r) {
			e.Add(fmt.Sprintf("roles[%d]", i), "must be one of %s", strings.Join(TrainingRoles, ", "))
		} else if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	in.Roles = roles
	in.ReviewDue = strings.TrimSpace(in.ReviewDue)
	if in.ReviewDue != "" {
		if _, err := time.Parse(time.DateOnly, in.ReviewDue); err != nil {
			e.Add("review_due", "%q is not a date YYYY-MM-DD", in.ReviewDue)
		}
	}
	return e.Err()
}

func docRef(id int64) events.Ref { return events.Ref{Type: "doc", ID: fmt.Sprint(id)} }

// Create adds a document at version 1 (staff); the creator owns it.
func (s *Service) Create(ctx context.Context, actor authz.Actor, in DocInput) (*Doc, error) {
	if err := authz.Can(actor, authz.WriteDocs, nil); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	d := &Doc{Title: in.Title, Kind: in.Kind, Version: 1, Body: in.Body, OwnerID: actor.UserID, ReviewDue: in.ReviewDue, Roles: in.Roles, CreatedAt: now, UpdatedAt: now}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var owner any
		if actor.UserID != 0 {
			owner = actor.UserID
		}
		if err := q.QueryRow(ctx, "INSERT INTO docs (title, kind, version, owner_id, review_due, roles, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?) RETURNING id",
			d.Title, d.Kind, owner, d.ReviewDue, strings.Join(d.Roles, ","), now, now).Scan(&d.ID); err != nil {
			return fmt.Errorf("knowledge: create: %w", err)
		}
		if _, err := q.Exec(ctx, "INSERT INTO doc_versions (doc_id, version, title, body, author, created_at) VALUES (?, 1, ?, ?, ?, ?)",
			d.ID, d.Title, d.Body, actor.Label(), now); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: ActionDocCreated, Subject: docRef(d.ID), After: DocEvent{Title: d.Title, Kind: d.Kind, Version: 1}})
		return err
	})
	if err != nil {
		return nil, err
	}
	d.Checklist = Checklist(d.Body)
	return d, nil
}

// Update stores a new version when ifVersion is the current one; otherwise ErrStale.
func (s *Service) Update(ctx context.Context, actor authz.Actor, id int64, ifVersion int, in DocInput) (*Doc, error) {
	var d *Doc
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if d, err = s.load(ctx, q, id, 0); err != nil {
			return err
		}
		if err := authz.Can(actor, authz.EditDoc, authz.Doc{Kind: d.Kind}); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if ifVersion != d.Version {
			return ErrStale
		}
		now := s.clock.Now()
		d.Version++
		d.Title, d.Kind, d.Body, d.UpdatedAt, d.Roles = in.Title, in.Kind, in.Body, now, in.Roles
		if in.ReviewDue != "" {
			d.ReviewDue = in.ReviewDue
		}
		res, err := q.Exec(ctx, "UPDATE docs SET title = ?, kind = ?, version = ?, review_due = ?, roles = ?, updated_at = ? WHERE id = ? AND version = ?",
			d.Title, d.Kind, d.Version, d.ReviewDue, strings.Join(d.Roles, ","), now, d.ID, d.Version-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrStale
		}
		if _, err := q.Exec(ctx, "INSERT INTO doc_versions (doc_id, version, title, body, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			d.ID, d.Version, d.Title, d.Body, actor.Label(), now); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: ActionDocUpdated, Subject: docRef(d.ID), After: DocEvent{Title: d.Title, Kind: d.Kind, Version: d.Version}})
		return err
	})
	if err != nil {
		return nil, err
	}
	d.Checklist = Checklist(d.Body)
	return d, nil
}

// Get returns a document at its current version, or at version when > 0.
func (s *Service) Get(ctx context.Context, actor authz.Actor, id int64, version int) (*Doc, error) {
	d, err := s.load(ctx, s.db.Read(), id, version)
	if err != nil {
		return nil, err
	}
	if err := authz.Can(actor, authz.ReadDoc, authz.Doc{Kind: d.Kind}); err != nil {
		return nil, err
	}
	d.Checklist = Checklist(d.Body)
	return d, nil
}

func (s *Service) load(ctx context.Context, q db.Querier, id int64, version int) (*Doc, error) {
	d := &Doc{ID: id}
	var owner *int64
	var roles string
	if err := q.QueryRow(ctx, "SELECT title, kind, version, owner_id, review_due, roles, created_at, updated_at FROM docs WHERE id = ?", id).
		Scan(&d.Title, &d.Kind, &d.Version, &owner, &d.ReviewDue, &roles, &d.CreatedAt, &d.UpdatedAt); err != nil {
		if db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	if owner != nil {
		d.OwnerID = *owner
	}
	if roles != "" {
		d.Roles = strings.Split(roles, ",")
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if version == 0 {
		version = d.Version
	}
	var title string
	if err := q.QueryRow(ctx, "SELECT title, body FROM doc_versions WHERE doc_id = ? AND version = ?", id, version).Scan(&title, &d.Body); err != nil {
		if db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	if version != d.Version {
		d.Title, d.Version = title, version
	}
	return d, nil
}

// DocQuery filters the document list.
type DocQuery struct {
	Kind    string
	AfterID int64
	Limit   int
}

// List lists the documents actor may read (staff: all; others: role descriptions).
func (s *Service) List(ctx context.Context, actor authz.Actor, dq DocQuery) ([]*Doc, error) {
	if dq.Limit <= 0 || dq.Limit > 501 {
		dq.Limit = 100
	}
	f := authz.Scope(actor, authz.KindDoc)
	where, args := "id > ?"+f.Where(), append([]any{dq.AfterID}, f.Args...)
	if dq.Kind != "" {
		where += " AND kind = ?"
		args = append(args, dq.Kind)
	}
	ids, err := db.Int64s(ctx, s.db.Read(), "SELECT id FROM docs WHERE "+where+fmt.Sprintf(" ORDER BY id LIMIT %d", dq.Limit), args...)
	if err != nil {
		return nil, err
	}
	out := []*Doc{}
	for _, id := range ids {
		d, err := s.load(ctx, s.db.Read(), id, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Version is one stored version of a document.
type Version struct {
	Version   int       `json:"version"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// Versions lists every version of a document, oldest first.
func (s *Service) Versions(ctx context.Context, actor authz.Actor, id int64) ([]Version, error) {
	if _, err := s.Get(ctx, actor, id, 0); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().Query(ctx, "SELECT version, title, body, author, created_at FROM doc_versions WHERE doc_id = ? ORDER BY version", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		if err := rows.Scan(&v.Version, &v.Title, &v.Body, &v.Author, &v.CreatedAt); err != nil {
			return nil, err
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Diff is the difference between two versions of a document.
type Diff struct {
	DocID   int64      `json:"doc_id"`
	From    int        `json:"from"`
	To      int        `json:"to"`
	Unified string     `json:"unified" doc:"A unified diff of the Markdown."`
	Lines   []DiffLine `json:"lines" doc:"The same diff line by line, for display."`
}

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   string `json:"op" enum:" ,+,-,@"`
	Text string `json:"text"`
}

// Diff compares versions from and to of a document.
func (s *Service) Diff(ctx context.Context, actor authz.Actor, id int64, from, to int) (*Diff, error) {
	cur, err := s.Get(ctx, actor, id, 0)
	if err != nil {
		return nil, err
	}
	var e validate.Errors
	if from < 1 || from > cur.Version {
		e.Add("from", "no version %d (the document has versions 1 to %d)", from, cur.Version)
	}
	if to < 1 || to > cur.Version {
		e.Add("to", "no version %d (the document has versions 1 to %d)", to, cur.Version)
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	a, err := s.load(ctx, s.db.Read(), id, from)
	if err != nil {
		return nil, err
	}
	b, err := s.load(ctx, s.db.Read(), id, to)
	if err != nil {
		return nil, err
	}
	u := udiff.Unified(fmt.Sprintf("v%d", from), fmt.Sprintf("v%d", to), withNewline(a.Body), withNewline(b.Body))
	d := &Diff{DocID: id, From: from, To: to, Unified: u, Lines: []DiffLine{}}
	for i, l := range strings.Split(strings.TrimSuffix(u, "\n"), "\n") {
		if l == "" || i < 2 && (strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ")) {
			continue
		}
		op := l[:1]
		if op != "+" && op != "-" && op != "@" {
			op = " "
		}
		text := l[1:]
		if op == "@" {
			text = l
		}
		d.Lines = append(d.Lines, DiffLine{Op: op, Text: text})
	}
	return d, nil
}

func withNewline(s string) string {
	if !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

var checklistItem = regexp.MustCompile(`^\s*[-*+]\s+\[[ xX]\]\s+(.+?)\s*$`)

// Checklist returns the Markdown task-list items of body ("- [ ] item"), in order.
func Checklist(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if m := checklistItem.FindStringSubmatch(l); m != nil && len(m[1]) <= 500 {
			out = append(out, m[1])
		}
	}
	return out
}

// Applied is a playbook applied to a case, pinned to the version applied.
type Applied struct {
	ID        int64     `json:"id"`
	DocID     int64     `json:"doc_id"`
	Version   int       `json:"version"`
	Title     string    `json:"title"`
	Tasks     int       `json:"tasks"`
	TaskIDs   []int64   `json:"task_ids,omitempty"`
	AppliedBy string    `json:"applied_by"`
	AppliedAt time.Time `json:"applied_at"`
}

// ApplyInput names the playbook to apply.
type ApplyInput struct {
	DocID   int64 `json:"doc_id" minimum:"1"`
	Version int   `json:"version,omitempty" doc:"A version to apply; default the current one."`
}

// ApplyPlaybook turns the playbook's checklist into tasks on case ref (those who may
// coordinate the case). The tasks are copies: later edits of the playbook do not
// change them, and the case records which version it used.
func (s *Service) ApplyPlaybook(ctx context.Context, actor authz.Actor, ref string, in ApplyInput) (*Applied, error) {
	var ap *Applied
	err := s.db.InTx(ctx, func(q db.Querier) error {
		// The case first: who may not coordinate it learns nothing about documents.
		if _, err := s.cases.CaseIDIn(ctx, q, actor, ref, authz.CoordinateCase); err != nil {
			return err
		}
		d, err := s.load(ctx, q, in.DocID, in.Version)
		if errors.Is(err, db.ErrNotFound) || err == nil && authz.Can(actor, authz.ReadDoc, authz.Doc{Kind: d.Kind}) != nil {
			if in.Version != 0 && err != nil {
				return validate.Field("version", "document %d has no version %d", in.DocID, in.Version)
			}
			return validate.Field("doc_id", "no document %d", in.DocID)
		}
		if err != nil {
			return err
		}
		if d.Kind != "playbook" {
			return validate.Field("doc_id", "document %d is a %s, not a playbook", d.ID, d.Kind)
		}
		items := Checklist(d.Body)
		if len(items) == 0 {
			return validate.Field("doc_id", "playbook %d v%d has no checklist items (lines like \"- [ ] do this\")", d.ID, d.Version)
		}
		caseID, tasks, err := s.cases.AddTasksIn(ctx, q, actor, ref, items, fmt.Sprintf("playbook %d v%d", d.ID, d.Version))
		if err != nil {
			return err
		}
		now := s.clock.Now()
		ap = &Applied{DocID: d.ID, Version: d.Version, Title: d.Title, Tasks: len(tasks), AppliedBy: actor.Label(), AppliedAt: now}
		for _, t := range tasks {
			ap.TaskIDs = append(ap.TaskIDs, t.ID)
		}
		if err := q.QueryRow(ctx, "INSERT INTO case_playbooks (case_id, doc_id, version, title, tasks, applied_by, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			caseID, d.ID, d.Version, d.Title, len(tasks), ap.AppliedBy, now).Scan(&ap.ID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: ActionPlaybookApplied, Subject: events.Ref{Type: "case", ID: ref}, CaseID: caseID,
			After: PlaybookEvent{DocID: d.ID, Version: d.Version, Title: d.Title, Tasks: len(tasks)}})
		return err
	})
	return ap, err
}

// AppliedPlaybooks lists the playbooks applied to case ref (those who may read it).
func (s *Service) AppliedPlaybooks(ctx context.Context, actor authz.Actor, ref string) ([]Applied, error) {
	q := s.db.Read()
	caseID, err := s.cases.CaseIDIn(ctx, q, actor, ref, authz.ReadCase)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT id, doc_id, version, title, tasks, applied_by, applied_at FROM case_playbooks WHERE case_id = ? ORDER BY id", caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Applied{}
	for rows.Next() {
		var a Applied
		if err := rows.Scan(&a.ID, &a.DocID, &a.Version, &a.Title, &a.Tasks, &a.AppliedBy, &a.AppliedAt); err != nil {
			return nil, err
		}
		a.AppliedAt = a.AppliedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Feedback is a reader's remark on a document ("areas of improvement").
type Feedback struct {
	ID        int64     `json:"id"`
	DocID     int64     `json:"doc_id"`
	Version   int       `json:"version"`
	Body      string    `json:"body"`
	Status    string    `json:"status" enum:"open,accepted,done,declined"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FeedbackStatuses are the states of feedback.
var FeedbackStatuses = []string{"open", "accepted", "done", "declined"}

// AddFeedback records feedback on the current version of a document (anyone who may
// read it and is signed in).
func (s *Service) AddFeedback(ctx context.Context, actor authz.Actor, id int64, body string) (*Feedback, error) {
	if actor.IsAnonymous() {
		return nil, authz.ErrUnauthenticated
	}
	d, err := s.Get(ctx, actor, id, 0)
	if err != nil {
		return nil, err
	}
	var e validate.Errors
	body = e.Text("body", body, true, 10000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	f := &Feedback{DocID: id, Version: d.Version, Body: body, Status: "open", Author: actor.Label(), CreatedAt: now, UpdatedAt: now}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "INSERT INTO doc_feedback (doc_id, version, body, status, author, created_at, updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING id",
			id, d.Version, body, f.Author, now, now).Scan(&f.ID); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: ActionFeedbackAdded, Subject: docRef(id), After: FeedbackEvent{DocID: id, Status: "open"}})
		return err
	})
	return f, err
}

// FeedbackList lists feedback on a document (staff who may read it).
func (s *Service) FeedbackList(ctx context.Context, actor authz.Actor, id int64) ([]Feedback, error) {
	if _, err := s.Get(ctx, actor, id, 0); err != nil {
		return nil, err
	}
	if err := authz.Can(actor, authz.ListDocs, nil); err != nil {
		return nil, db.ErrNotFound
	}
	rows, err := s.db.Read().Query(ctx, "SELECT id, doc_id, version, body, status, author, created_at, updated_at FROM doc_feedback WHERE doc_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Feedback{}
	for rows.Next() {
		var f Feedback
		if err := rows.Scan(&f.ID, &f.DocID, &f.Version, &f.Body, &f.Status, &f.Author, &f.CreatedAt, &f.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// TriageFeedback sets the status of a piece of feedback (programme manager, admins).
func (s *Service) TriageFeedback(ctx context.Context, actor authz.Actor, docID, id int64, status string) (*Feedback, error) {
	if err := authz.Can(actor, authz.ManageTraining, nil); err != nil {
		return nil, err
	}
	if !slices.Contains(FeedbackStatuses, status) {
		return nil, validate.Field("status", "must be one of %s", strings.Join(FeedbackStatuses, ", "))
	}
	var f Feedback
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "SELECT id, doc_id, version, body, status, author, created_at, updated_at FROM doc_feedback WHERE id = ? AND doc_id = ?", id, docID).
			Scan(&f.ID, &f.DocID, &f.Version, &f.Body, &f.Status, &f.Author, &f.CreatedAt, &f.UpdatedAt); err != nil {
			if db.NotFound(err) {
				return db.ErrNotFound
			}
			return err
		}
		f.Status, f.UpdatedAt = status, s.clock.Now()
		if _, err := q.Exec(ctx, "UPDATE doc_feedback SET status = ?, updated_at = ? WHERE id = ?", status, f.UpdatedAt, id); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: ActionFeedbackTriaged, Subject: docRef(docID), After: FeedbackEvent{DocID: docID, Status: status}})
		return err
	})
	return &f, err
}
