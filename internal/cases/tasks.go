package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Task is one item of a case's checklist.
type CaseTask struct {
	ID         int64      `json:"id"`
	Title      string     `json:"title"`
	AssigneeID int64      `json:"assignee_id,omitempty"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	DoneBy     string     `json:"done_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// NewTask adds a task.
type NewCaseTask struct {
	Title      string `json:"title" maxLength:"500"`
	AssigneeID int64  `json:"assignee_id,omitempty"`
}

// AddTask adds a task to the case's checklist (coordinators).
func (s *Service) AddTask(ctx context.Context, actor authz.Actor, ref string, in NewCaseTask) (*CaseTask, error) {
	var e validate.Errors
	in.Title = e.Text("title", in.Title, true, 500)
	var t *CaseTask
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		t = &CaseTask{Title: in.Title, AssigneeID: in.AssigneeID, CreatedAt: now, UpdatedAt: now}
		var assignee any
		if in.AssigneeID != 0 {
			assignee = in.AssigneeID
		}
		if err := q.QueryRow(ctx, "INSERT INTO case_tasks (case_id, title, assignee_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			a.c.ID, t.Title, assignee, now, now).Scan(&t.ID); err != nil {
			if db.IsUniqueViolation(err) || isFK(err) {
				return validate.Field("assignee_id", "no user %d", in.AssigneeID)
			}
			return fmt.Errorf("cases: add task: %w", err)
		}
		return s.appendEvent(ctx, q, actor, a.c, "case.task.added", nil, map[string]any{"task_id": t.ID, "title": t.Title})
	})
	return t, err
}

func isFK(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "foreign key")
}

// TaskUpdate marks a task done or not.
type CaseTaskUpdate struct {
	Done *bool `json:"done,omitempty"`
}

// UpdateTask changes a task (coordinators).
func (s *Service) UpdateTask(ctx context.Context, actor authz.Actor, ref string, id int64, up CaseTaskUpdate) (*CaseTask, error) {
	var t *CaseTask
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		ts, err := s.tasks(ctx, q, a.c.ID)
		if err != nil {
			return err
		}
		for _, x := range ts {
			if x.ID == id {
				t = x
			}
		}
		if t == nil {
			return db.ErrNotFound
		}
		now := s.clock.Now()
		if up.Done != nil {
			if *up.Done {
				t.DoneAt, t.DoneBy = &now, actor.Label()
			} else {
				t.DoneAt, t.DoneBy = nil, ""
			}
		}
		t.UpdatedAt = now
		if _, err := q.Exec(ctx, "UPDATE case_tasks SET done_at = ?, done_by = ?, updated_at = ? WHERE id = ?", t.DoneAt, t.DoneBy, now, t.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, q, actor, a.c, "case.task.updated", nil, map[string]any{"task_id": t.ID, "done": t.DoneAt != nil})
	})
	return t, err
}

func (s *Service) tasks(ctx context.Context, q db.Querier, caseID int64) ([]*CaseTask, error) {
	rows, err := q.Query(ctx, "SELECT id, title, assignee_id, done_at, done_by, created_at, updated_at FROM case_tasks WHERE case_id = ? ORDER BY id", caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*CaseTask
	for rows.Next() {
		var t CaseTask
		var assignee *int64
		if err := rows.Scan(&t.ID, &t.Title, &assignee, &t.DoneAt, &t.DoneBy, &t.CreatedAt, &t.UpdatedAt); err != nil {
			return nil, err
		}
		if assignee != nil {
			t.AssigneeID = *assignee
		}
		t.DoneAt = utcPtr(t.DoneAt)
		t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
		out = append(out, &t)
	}
	return out, rows.Err()
}

// Attach stores files on a case (read-in participants who may post, and the team).
func (s *Service) Attach(ctx context.Context, actor authz.Actor, ref string, ups []intake.Upload) ([]*intake.Attachment, error) {
	if s.intake == nil || s.intake.Files() == nil {
		return nil, fmt.Errorf("cases: no file store")
	}
	files := s.intake.Files()
	var out []*intake.Attachment
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.PostShared)
		if err != nil {
			return err
		}
		if len(ups) == 0 {
			return validate.Field("attachments", "choose at least one file")
		}
		out = nil
		for _, u := range ups {
			at, err := files.StoreForCase(ctx, q, a.c.ID, actor.Label(), u, s.clock.Now())
			if err != nil {
				return err
			}
			out = append(out, at)
			if err := s.appendEvent(ctx, q, actor, a.c, "case.attachment.added", nil, map[string]any{"attachment_id": at.ID, "filename": at.Filename, "sha256": at.SHA256}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Attachments lists a case's files for actor (read-in).
func (s *Service) Attachments(ctx context.Context, actor authz.Actor, ref string) ([]*intake.Attachment, error) {
	q := s.db.Read()
	a, err := s.open(ctx, q, actor, ref, authz.ReadCase)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT id, filename, content_type, size, sha256, uploaded_by, created_at FROM attachments WHERE case_id = ? ORDER BY id", a.c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*intake.Attachment
	for rows.Next() {
		var at intake.Attachment
		if err := rows.Scan(&at.ID, &at.Filename, &at.ContentType, &at.Size, &at.SHA256, &at.UploadedBy, &at.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &at)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	v, err := s.viewerFor(ctx, q, actor, a)
	if err != nil {
		return nil, err
	}
	for _, at := range out {
		at.UploadedBy = v.label(at.UploadedBy)
	}
	return out, s.auditRead(ctx, actor, a, "files")
}

// Delivery is one outbox message or webhook delivery of a case, as the case page shows
// delivery status per recipient.
type Delivery struct {
	ID        int64      `json:"id"`
	Channel   string     `json:"channel" enum:"email,webhook"`
	Recipient string     `json:"recipient"`
	Subject   string     `json:"subject"`
	Purpose   string     `json:"purpose"`
	State     string     `json:"state" enum:"pending,sent,held,failed"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"delivered_at,omitempty"`
}

// Deliveries lists the outbox rows of a case — every message and webhook delivery with
// its state, attempts, last error and delivery time (coordinators).
func (s *Service) Deliveries(ctx context.Context, actor authz.Actor, ref string) ([]Delivery, error) {
	a, err := s.open(ctx, s.db.Read(), actor, ref, authz.CoordinateCase)
	if err != nil {
		return nil, err
	}
	out := []Delivery{}
	if s.outbox == nil {
		return out, nil
	}
	rows, err := s.outbox.ForCase(ctx, a.c.ID)
	for _, r := range rows {
		out = append(out, Delivery(r))
	}
	return out, err
}

// AddTasksIn adds tasks to case ref inside the caller's transaction q (the
// knowledge package applies a playbook's checklist this way). The actor must be
// allowed to coordinate the case; source says where the tasks came from (e.g.
// "playbook 3 v2") and is recorded with each task's event. It returns the case's
// internal id and the new tasks.
func (s *Service) AddTasksIn(ctx context.Context, q db.Querier, actor authz.Actor, ref string, titles []string, source string) (int64, []*CaseTask, error) {
	a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
	if err != nil {
		return 0, nil, err
	}
	now := s.clock.Now()
	var out []*CaseTask
	for _, title := range titles {
		t := &CaseTask{Title: title, CreatedAt: now, UpdatedAt: now}
		if err := q.QueryRow(ctx, "INSERT INTO case_tasks (case_id, title, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
			a.c.ID, t.Title, now, now).Scan(&t.ID); err != nil {
			return 0, nil, fmt.Errorf("cases: add task: %w", err)
		}
		if err := s.appendEvent(ctx, q, actor, a.c, "case.task.added", nil, map[string]any{"task_id": t.ID, "title": t.Title, "source": source}); err != nil {
			return 0, nil, err
		}
		out = append(out, t)
	}
	return a.c.ID, out, nil
}

// Tasks lists a case's tasks (those who may read the case).
func (s *Service) Tasks(ctx context.Context, actor authz.Actor, ref string) ([]*CaseTask, error) {
	q := s.db.Read()
	a, err := s.open(ctx, q, actor, ref, authz.ReadCase)
	if err != nil {
		return nil, err
	}
	ts, err := s.tasks(ctx, q, a.c.ID)
	if ts == nil {
		ts = []*CaseTask{}
	}
	return ts, err
}

// CaseIDIn resolves ref to the case's internal id for an actor who may do action on
// it, inside q (for other domains' tables that refer to cases).
func (s *Service) CaseIDIn(ctx context.Context, q db.Querier, actor authz.Actor, ref string, action authz.Action) (int64, error) {
	a, err := s.open(ctx, q, actor, ref, action)
	if err != nil {
		return 0, err
	}
	return a.c.ID, nil
}
