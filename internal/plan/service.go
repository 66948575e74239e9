package plan

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The plan tracker. Import stores what Parse returns — one plan per name (by default
// the number of the file's top-level section, "3.0"), every imported source kept as a
// version — and the tracking the team adds on top: status, owners, due dates, links to
// sirt objects and hours. A re-import pairs the new file's items with the stored ones
// through Match and keeps the tracking of every item that still matches; items that
// are gone are archived, never deleted, so their hours stay counted in history.

// MaxSource is the largest plan file Import accepts.
const MaxSource = 2 << 20

// Status is the tracking state of a milestone or task.
type Status string

const (
	NotStarted Status = "not_started"
	InProgress Status = "in_progress"
	Blocked    Status = "blocked"
	Done       Status = "done"
)

// Statuses lists the states in their natural order.
var Statuses = []Status{NotStarted, InProgress, Blocked, Done}

// LinkTypes are the kinds of sirt object a milestone or task may link to.
var LinkTypes = []string{"playbook", "course", "survey", "engagement", "case", "report", "advisory", "document"}

// Service is the plan tracker.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	events *events.Log
}

// New returns the plan tracker.
func New(d *db.DB, c clock.Clock, ev *events.Log) *Service {
	return &Service{db: d, clock: c, events: ev}
}

// ImportInput is a plan file to import.
type ImportInput struct {
	// Name is the plan's name; empty means the number (or title) of the file's first
	// top-level section, so re-importing an edited file updates the same plan.
	Name     string `json:"name,omitempty"`
	Filename string `json:"filename,omitempty"`
	Source   []byte `json:"-"`
}

// Counts counts sections, milestones and tasks.
type Counts struct {
	Sections   int `json:"sections"`
	Milestones int `json:"milestones"`
	Tasks      int `json:"tasks"`
}

// ImportResult summarises an import.
type ImportResult struct {
	PlanID   int64     `json:"plan_id"`
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	Version  int       `json:"version"`
	Total    Counts    `json:"total"`
	Matched  Counts    `json:"matched"`
	Added    Counts    `json:"added"`
	Archived Counts    `json:"archived"`
	Warnings []Warning `json:"warnings"`
	// Unchanged is set when the source equals the current version (nothing was written).
	Unchanged bool `json:"unchanged"`
}

// PlanName is the name a document is imported under when none is given.
func PlanName(d *Document) (name, title string) {
	for _, s := range d.Sections {
		title = strings.TrimSpace(strings.TrimSpace(s.Number + " " + s.Title))
		if s.Number != "" {
			return s.Number, title
		}
		if s.Title != "" {
			return strings.ToLower(s.Title), title
		}
	}
	return "plan", "Plan"
}

func (in *ImportInput) validate() error {
	var e validate.Errors
	if len(in.Source) == 0 {
		e.Add("markdown", "the plan file is empty")
	}
	if len(in.Source) > MaxSource {
		e.Add("markdown", "the plan file is %d bytes; the limit is %d", len(in.Source), MaxSource)
	}
	if !utf8.Valid(in.Source) {
		e.Add("markdown", "the plan file is not UTF-8 text")
	}
	in.Name = e.Text("name", in.Name, false, 100)
	in.Filename = e.Text("filename", in.Filename, false, 200)
	return e.Err()
}

// Preview parses a plan without storing it (the dry run): the same document Import
// would store.
func (s *Service) Preview(ctx context.Context, actor authz.Actor, src []byte) (*Document, error) {
	if err := authz.Can(actor, authz.ViewProgramme, nil); err != nil {
		return nil, err
	}
	in := ImportInput{Source: src}
	if err := in.validate(); err != nil {
		return nil, err
	}
	return Parse(src), nil
}

// rowMap is the stored, not archived rows of a plan by the line of the current version
// they came from: the key through which a Match of the previous source finds its rows.
type rowMap map[int]int64

func loadRowMap(ctx context.Context, q db.Querier, table string, planID int64) (rowMap, error) {
	rows, err := q.Query(ctx, "SELECT id, line FROM "+table+" WHERE plan_id = ? AND archived_at IS NULL", planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := rowMap{}
	for rows.Next() {
		var id int64
		var line int
		if err := rows.Scan(&id, &line); err != nil {
			return nil, err
		}
		m[line] = id
	}
	return m, rows.Err()
}

// Import stores a plan file as the new version of its plan, in one transaction.
func (s *Service) Import(ctx context.Context, actor authz.Actor, in ImportInput) (*ImportResult, error) {
	if err := authz.Can(actor, authz.EditProgramme, nil); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	doc := Parse(in.Source)
	name, title := PlanName(doc)
	if in.Name != "" {
		name = in.Name
	}
	sum := sha256.Sum256(in.Source)
	hash := hex.EncodeToString(sum[:])
	res := &ImportResult{Name: name, Title: title, Warnings: doc.Warnings}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		now := s.clock.Now()
		var prevSrc, prevHash string
		err := q.QueryRow(ctx, "SELECT id, current_version FROM plans WHERE name = ?", name).Scan(&res.PlanID, &res.Version)
		switch {
		case isNoRows(err):
			if err := q.QueryRow(ctx, "INSERT INTO plans (name, title, current_version, created_at, updated_at) VALUES (?, ?, 0, ?, ?) RETURNING id",
				name, title, now, now).Scan(&res.PlanID); err != nil {
				return fmt.Errorf("plan: create %s: %w", name, err)
			}
		case err != nil:
			return fmt.Errorf("plan: load %s: %w", name, err)
		default:
			if err := q.QueryRow(ctx, "SELECT source, sha256 FROM plan_versions WHERE plan_id = ? AND version = ?", res.PlanID, res.Version).Scan(&prevSrc, &prevHash); err != nil && !isNoRows(err) {
				return fmt.Errorf("plan: load version %d of %s: %w", res.Version, name, err)
			}
		}
		if prevHash == hash {
			res.Unchanged = true
			res.Total = countDoc(doc)
			return nil
		}
		var prev *Document
		if prevSrc != "" {
			prev = Parse([]byte(prevSrc))
		}
		m := Match(prev, doc)
		res.Version++
		var versionID int64
		if err := q.QueryRow(ctx, `INSERT INTO plan_versions (plan_id, version, filename, source, sha256, imported_by, imported_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, res.PlanID, res.Version, in.Filename, string(in.Source), hash, actor.Label(), now).Scan(&versionID); err != nil {
			return fmt.Errorf("plan: store version: %w", err)
		}
		w := &importWriter{s: s, q: q, ctx: ctx, now: now, planID: res.PlanID, m: m, res: res, prev: prev}
		if err := w.load(); err != nil {
			return err
		}
		if err := w.writeSections(doc.Sections, 0); err != nil {
			return err
		}
		if err := w.archiveRest(); err != nil {
			return err
		}
		for _, f := range doc.Footnotes {
			if _, err := q.Exec(ctx, "INSERT INTO plan_footnotes (version_id, label, body, line, referenced) VALUES (?, ?, ?, ?, ?)",
				versionID, f.Label, f.Text, f.Line, f.Referenced); err != nil {
				return fmt.Errorf("plan: store footnote: %w", err)
			}
		}
		for _, wn := range doc.Warnings {
			if _, err := q.Exec(ctx, "INSERT INTO plan_warnings (version_id, line, message) VALUES (?, ?, ?)", versionID, wn.Line, wn.Message); err != nil {
				return fmt.Errorf("plan: store warning: %w", err)
			}
		}
		summary, _ := json.Marshal(struct {
			Total, Matched, Added, Archived Counts
			Warnings                        int
		}{res.Total, res.Matched, res.Added, res.Archived, len(res.Warnings)})
		if _, err := q.Exec(ctx, "UPDATE plan_versions SET summary_json = ? WHERE id = ?", string(summary), versionID); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE plans SET title = ?, current_version = ?, updated_at = ? WHERE id = ?", title, res.Version, now, res.PlanID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: EvImported, Subject: events.Ref{Type: "plan", ID: fmt.Sprint(res.PlanID)},
			After: ImportedEvent{Name: name, Version: res.Version, SHA256: hash, Total: res.Total, Matched: res.Matched,
				Added: res.Added, Archived: res.Archived, Warnings: len(res.Warnings)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, db.ErrNotFound)
}

func countDoc(d *Document) Counts {
	var c Counts
	d.Walk(func(s *Section) {
		c.Sections++
		c.Milestones += len(s.Milestones)
		for _, m := range s.Milestones {
			c.Tasks += len(flatten(m.Tasks))
		}
		c.Tasks += len(flatten(s.Tasks))
	})
	return c
}

// importWriter writes one parsed document over the stored rows of its plan.
type importWriter struct {
	s      *Service
	q      db.Querier
	ctx    context.Context
	now    time.Time
	planID int64
	m      *Matching
	prev   *Document
	res    *ImportResult

	secRows, msRows, taskRows rowMap
	kept                      map[string]map[int64]bool // table → ids still in the plan
	pos                       int
}

func (w *importWriter) load() error {
	var err error
	if w.secRows, err = loadRowMap(w.ctx, w.q, "plan_sections", w.planID); err != nil {
		return err
	}
	if w.msRows, err = loadRowMap(w.ctx, w.q, "plan_milestones", w.planID); err != nil {
		return err
	}
	if w.taskRows, err = loadRowMap(w.ctx, w.q, "plan_tasks", w.planID); err != nil {
		return err
	}
	if _, err := w.q.Exec(w.ctx, "DELETE FROM plan_dependencies WHERE plan_id = ?", w.planID); err != nil {
		return err
	}
	w.kept = map[string]map[int64]bool{"plan_sections": {}, "plan_milestones": {}, "plan_tasks": {}}
	return nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

func (w *importWriter) next() int { w.pos++; return w.pos }

func (w *importWriter) writeSections(secs []*Section, parent int64) error {
	for _, s := range secs {
		id, err := w.writeSection(s, parent)
		if err != nil {
			return err
		}
		if err := w.writeSections(s.Sections, id); err != nil {
			return err
		}
	}
	return nil
}

type sectionEstimates struct {
	Rows          []*Estimate     `json:"rows"`
	TotalHours    []TotalHours    `json:"total_hours"`
	Costs         []Cost          `json:"costs"`
	FreeEstimates []*FreeEstimate `json:"free_estimates"`
	// Prerequisites are kept with the estimates (in the section's
	// estimates_json) so that no migration is needed.
	Prerequisites []*Prerequisite `json:"prerequisites"`
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (w *importWriter) writeSection(s *Section, parent int64) (int64, error) {
	w.res.Total.Sections++
	est, _ := json.Marshal(sectionEstimates{Rows: nonNil(s.Estimates), TotalHours: nonNil(s.TotalHours), Costs: nonNil(s.Costs), FreeEstimates: nonNil(s.FreeEstimates), Prerequisites: nonNil(s.Prerequisites)})
	args := []any{nullID(parent), s.Number, s.Title, s.Level, s.Line, w.next(), s.Lead, jsonText(nonNil(s.Team)), s.Meeting, s.Tracking, s.Text,
		jsonText(nonNil(s.Links)), jsonText(nonNil(s.DependsOn)), jsonText(nonNil(s.Footnotes)), string(est), w.now}
	var id int64
	if old := w.m.OldSection(s); old != nil && w.secRows[old.Line] != 0 && !w.kept["plan_sections"][w.secRows[old.Line]] {
		id = w.secRows[old.Line]
		w.res.Matched.Sections++
		if _, err := w.q.Exec(w.ctx, `UPDATE plan_sections SET parent_id = ?, number = ?, title = ?, level = ?, line = ?, position = ?, lead = ?, team_json = ?,
			meeting = ?, tracking = ?, body = ?, links_json = ?, depends_on_json = ?, footnotes_json = ?, estimates_json = ?, updated_at = ? WHERE id = ?`,
			append(args, id)...); err != nil {
			return 0, fmt.Errorf("plan: update section %s: %w", s.Number, err)
		}
	} else {
		w.res.Added.Sections++
		if err := w.q.QueryRow(w.ctx, `INSERT INTO plan_sections (plan_id, parent_id, number, title, level, line, position, lead, team_json, meeting, tracking,
			body, links_json, depends_on_json, footnotes_json, estimates_json, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(append([]any{w.planID}, args...), w.now)...).Scan(&id); err != nil {
			return 0, fmt.Errorf("plan: add section %s: %w", s.Number, err)
		}
	}
	w.kept["plan_sections"][id] = true
	for _, d := range s.Dependencies {
		if _, err := w.q.Exec(w.ctx, "INSERT INTO plan_dependencies (plan_id, section_id, milestone_code, depends_on, mark, line) VALUES (?, ?, ?, ?, ?, ?)",
			w.planID, id, d.Milestone, d.Section, d.Status, d.Line); err != nil {
			return 0, fmt.Errorf("plan: store dependency: %w", err)
		}
	}
	for _, m := range s.Milestones {
		if err := w.writeMilestone(s, id, m); err != nil {
			return 0, err
		}
	}
	for _, t := range s.Tasks {
		if err := w.writeTask(id, 0, 0, 0, t); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func bounds(r *Range) (min, max any) {
	if r == nil {
		return nil, nil
	}
	if r.Min != nil {
		min = *r.Min
	}
	if r.Max != nil {
		max = *r.Max
	}
	return min, max
}

// sourceTick returns the status and completion time an item gets when its source
// checkbox is newly ticked ("- [x]" where the previous import had "- [ ]").
func (w *importWriter) sourceTick(table string, id int64) error {
	_, err := w.q.Exec(w.ctx, "UPDATE "+table+" SET status = 'done', completed_at = ? WHERE id = ? AND status <> 'done'", w.now, id)
	return err
}

func (w *importWriter) writeMilestone(s *Section, sectionID int64, m *Milestone) error {
	w.res.Total.Milestones++
	e := m.Estimate
	if e == nil {
		e = &Estimate{}
	}
	vmin, vmax := bounds(e.Volunteers)
	imin, imax := bounds(e.IndividualHours)
	tmin, tmax := bounds(e.TotalHours)
	var pgm any
	if e.Volunteers != nil && e.Volunteers.PgM != nil {
		pgm = *e.Volunteers.PgM
	}
	args := []any{sectionID, m.ID, m.GeneratedID, m.Title, m.Line, w.next(), m.Checkbox, m.Done, jsonText(nonNil(m.Issues)), jsonText(nonNil(m.Footnotes)),
		jsonText(nonNil(m.DependsOn)), vmin, vmax, pgm, imin, imax, tmin, tmax, e.Stage, e.StageMarker, e.Text, e.Line, w.now}
	var id int64
	old := w.m.OldMilestone(m)
	if old != nil && w.msRows[old.Line] != 0 && !w.kept["plan_milestones"][w.msRows[old.Line]] {
		id = w.msRows[old.Line]
		w.res.Matched.Milestones++
		if _, err := w.q.Exec(w.ctx, `UPDATE plan_milestones SET section_id = ?, code = ?, generated_code = ?, title = ?, line = ?, position = ?, checkbox = ?,
			source_done = ?, issues_json = ?, footnotes_json = ?, depends_on_json = ?, volunteers_min = ?, volunteers_max = ?, volunteers_pgm = ?,
			individual_hours_min = ?, individual_hours_max = ?, total_hours_min = ?, total_hours_max = ?, stage = ?, stage_marker = ?, estimate_text = ?,
			estimate_line = ?, updated_at = ? WHERE id = ?`, append(args, id)...); err != nil {
			return fmt.Errorf("plan: update milestone %s %s: %w", s.Number, m.ID, err)
		}
		if m.Done && !old.Done {
			if err := w.sourceTick("plan_milestones", id); err != nil {
				return err
			}
		}
	} else {
		w.res.Added.Milestones++
		status, completed := NotStarted, any(nil)
		if m.Done {
			status, completed = Done, w.now
		}
		if err := w.q.QueryRow(w.ctx, `INSERT INTO plan_milestones (section_id, code, generated_code, title, line, position, checkbox, source_done, issues_json,
			footnotes_json, depends_on_json, volunteers_min, volunteers_max, volunteers_pgm, individual_hours_min, individual_hours_max, total_hours_min,
			total_hours_max, stage, stage_marker, estimate_text, estimate_line, updated_at, plan_id, status, completed_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(args, w.planID, status, completed, w.now)...).Scan(&id); err != nil {
			return fmt.Errorf("plan: add milestone %s %s: %w", s.Number, m.ID, err)
		}
	}
	w.kept["plan_milestones"][id] = true
	for _, t := range m.Tasks {
		if err := w.writeTask(sectionID, id, 0, 0, t); err != nil {
			return err
		}
	}
	return nil
}

func (w *importWriter) writeTask(sectionID, milestoneID, parentID int64, depth int, t *Task) error {
	w.res.Total.Tasks++
	args := []any{sectionID, nullID(milestoneID), nullID(parentID), depth, t.Text, t.Line, w.next(), t.Checkbox, t.Done,
		jsonText(nonNil(t.Issues)), jsonText(nonNil(t.Footnotes)), w.now}
	var id int64
	old := w.m.OldTask(t)
	if old != nil && w.taskRows[old.Line] != 0 && !w.kept["plan_tasks"][w.taskRows[old.Line]] {
		id = w.taskRows[old.Line]
		w.res.Matched.Tasks++
		if _, err := w.q.Exec(w.ctx, `UPDATE plan_tasks SET section_id = ?, milestone_id = ?, parent_id = ?, depth = ?, body = ?, line = ?, position = ?,
			checkbox = ?, source_done = ?, issues_json = ?, footnotes_json = ?, updated_at = ? WHERE id = ?`, append(args, id)...); err != nil {
			return fmt.Errorf("plan: update task on line %d: %w", t.Line, err)
		}
		if t.Done && !old.Done {
			if err := w.sourceTick("plan_tasks", id); err != nil {
				return err
			}
		}
	} else {
		w.res.Added.Tasks++
		status, completed := NotStarted, any(nil)
		if t.Done {
			status, completed = Done, w.now
		}
		if err := w.q.QueryRow(w.ctx, `INSERT INTO plan_tasks (section_id, milestone_id, parent_id, depth, body, line, position, checkbox, source_done,
			issues_json, footnotes_json, updated_at, plan_id, status, completed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(args, w.planID, status, completed, w.now)...).Scan(&id); err != nil {
			return fmt.Errorf("plan: add task on line %d: %w", t.Line, err)
		}
	}
	w.kept["plan_tasks"][id] = true
	for _, c := range t.Tasks {
		if err := w.writeTask(sectionID, milestoneID, id, depth+1, c); err != nil {
			return err
		}
	}
	return nil
}

// archiveRest archives every row of the previous version that no item of the new one
// took over.
func (w *importWriter) archiveRest() error {
	for _, t := range []struct {
		table string
		rows  rowMap
		n     *int
	}{{"plan_tasks", w.taskRows, &w.res.Archived.Tasks}, {"plan_milestones", w.msRows, &w.res.Archived.Milestones}, {"plan_sections", w.secRows, &w.res.Archived.Sections}} {
		for _, id := range t.rows {
			if w.kept[t.table][id] {
				continue
			}
			if _, err := w.q.Exec(w.ctx, "UPDATE "+t.table+" SET archived_at = ?, updated_at = ? WHERE id = ?", w.now, w.now, id); err != nil {
				return fmt.Errorf("plan: archive: %w", err)
			}
			*t.n++
		}
	}
	return nil
}

// ObjectLink is a link from a milestone or task to a sirt object.
type ObjectLink struct {
	Type  string `json:"type" doc:"playbook, course, survey, engagement, case, report, advisory or document"`
	ID    string `json:"id" doc:"The object's id (a case id, a playbook slug…)."`
	Label string `json:"label,omitempty"`
}

// ItemUpdate changes the tracking of a milestone or task; nil fields are left alone.
type ItemUpdate struct {
	Status *Status `json:"status,omitempty" doc:"not_started, in_progress, blocked or done"`
	// Done ticks (true) or unticks (false) the item: status done, or back to in_progress.
	Done    *bool         `json:"done,omitempty"`
	OwnerID *int64        `json:"owner_id,omitempty" doc:"A team member's user id; 0 clears the owner."`
	Due     *string       `json:"due,omitempty" doc:"Due date YYYY-MM-DD; empty clears it."`
	Links   *[]ObjectLink `json:"links,omitempty" doc:"Replaces the item's links."`
}

func (u *ItemUpdate) onlyProgress() bool { return u.OwnerID == nil && u.Due == nil && u.Links == nil }

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (u *ItemUpdate) validate() error {
	var e validate.Errors
	if u.Status != nil {
		e.OneOf("status", string(*u.Status), "not_started", "in_progress", "blocked", "done")
	}
	if u.Due != nil {
		d := strings.TrimSpace(*u.Due)
		u.Due = &d
		if d != "" {
			if _, err := time.Parse("2006-01-02", d); err != nil || !dateRE.MatchString(d) {
				e.Add("due", "%q is not a date (want YYYY-MM-DD, e.g. 2026-06-30)", d)
			}
		}
	}
	if u.OwnerID != nil && *u.OwnerID < 0 {
		e.Add("owner_id", "must be a user id, or 0 to clear the owner")
	}
	if u.Links != nil {
		if len(*u.Links) > 20 {
			e.Add("links", "%d links; the limit is 20", len(*u.Links))
		}
		for i := range *u.Links {
			l := &(*u.Links)[i]
			f := fmt.Sprintf("links[%d]", i)
			l.Type = strings.ToLower(strings.TrimSpace(l.Type))
			e.OneOf(f+".type", l.Type, LinkTypes...)
			l.ID = e.Text(f+".id", l.ID, true, 200)
			l.Label = e.Text(f+".label", l.Label, false, 200)
		}
	}
	return e.Err()
}

// UpdateResult is an item after an update, with warnings such as "3.1 depends on 2.1,
// which is not done" when work starts on an item whose dependencies are open.
type UpdateResult struct {
	Milestone *TrackedMilestone `json:"milestone,omitempty"`
	Task      *TrackedTask      `json:"task,omitempty"`
	Warnings  []string          `json:"warnings"`
}

type itemState struct {
	id, sectionID, milestoneID int64
	code, title                string
	status                     Status
	owner                      *int64
	due                        string
	archived                   bool
}

// UpdateMilestone changes a milestone's tracking. Programme managers and admins change
// anything; a responder who owns the milestone may change its status.
func (s *Service) UpdateMilestone(ctx context.Context, actor authz.Actor, id int64, in ItemUpdate) (*UpdateResult, error) {
	return s.update(ctx, actor, "milestone", id, in)
}

// UpdateTask changes a task's tracking (ticking it is Done: true).
func (s *Service) UpdateTask(ctx context.Context, actor authz.Actor, id int64, in ItemUpdate) (*UpdateResult, error) {
	return s.update(ctx, actor, "task", id, in)
}

func (s *Service) update(ctx context.Context, actor authz.Actor, kind string, id int64, in ItemUpdate) (*UpdateResult, error) {
	if err := authz.Can(actor, authz.ViewProgramme, nil); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	table := "plan_milestones"
	if kind == "task" {
		table = "plan_tasks"
	}
	res := &UpdateResult{Warnings: []string{}}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		st, err := loadItemState(ctx, q, kind, id)
		if err != nil {
			return err
		}
		if err := authz.Can(actor, authz.EditProgramme, nil); err != nil {
			owner := st.owner != nil && *st.owner == actor.UserID && actor.UserID != 0
			if !owner || !in.onlyProgress() || authz.Can(actor, authz.LogHours, nil) != nil {
				return err
			}
		}
		if st.archived {
			return validate.Field("id", "this %s was removed from the plan by a later import (archived); it can no longer be changed", kind)
		}
		now := s.clock.Now()
		before := map[string]any{"status": st.status, "owner_id": st.owner, "due": st.due}
		after := ItemUpdatedEvent{}
		status := st.status
		if in.Status != nil {
			status = *in.Status
		}
		if in.Done != nil {
			if *in.Done {
				status = Done
			} else if status == Done {
				status = InProgress
			}
		}
		if status != st.status {
			completed := any(nil)
			if status == Done {
				completed = now
			}
			if _, err := q.Exec(ctx, "UPDATE "+table+" SET status = ?, completed_at = ?, updated_at = ? WHERE id = ?", status, completed, now, id); err != nil {
				return err
			}
			after.Status = status
			if status == InProgress || status == Done {
				ws, err := openDependencies(ctx, q, st)
				if err != nil {
					return err
				}
				res.Warnings = append(res.Warnings, ws...)
			}
		}
		if in.OwnerID != nil {
			var owner any
			if *in.OwnerID != 0 {
				if err := checkStaff(ctx, q, *in.OwnerID); err != nil {
					return err
				}
				owner = *in.OwnerID
			}
			if _, err := q.Exec(ctx, "UPDATE "+table+" SET owner_id = ?, updated_at = ? WHERE id = ?", owner, now, id); err != nil {
				return err
			}
			after.OwnerID = in.OwnerID
		}
		if in.Due != nil {
			if _, err := q.Exec(ctx, "UPDATE "+table+" SET due_date = ?, updated_at = ? WHERE id = ?", *in.Due, now, id); err != nil {
				return err
			}
			after.Due = in.Due
		}
		if in.Links != nil {
			if _, err := q.Exec(ctx, "DELETE FROM plan_links WHERE item_type = ? AND item_id = ?", kind, id); err != nil {
				return err
			}
			for _, l := range *in.Links {
				if _, err := q.Exec(ctx, "INSERT INTO plan_links (item_type, item_id, object_type, object_id, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
					kind, id, l.Type, l.ID, l.Label, now); err != nil {
					return err
				}
			}
			after.Links = *in.Links
		}
		after.Warnings = res.Warnings
		if _, err := s.events.Append(ctx, q, actor, events.Entry{Action: "plan." + kind + ".updated",
			Subject: events.Ref{Type: "plan_" + kind, ID: fmt.Sprint(id)}, Before: before, After: after}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := s.load(ctx, s.db.Read(), false)
	if err != nil {
		return nil, err
	}
	if kind == "milestone" {
		res.Milestone = t.milestones[id]
	} else {
		res.Task = t.tasks[id]
	}
	return res, nil
}

func loadItemState(ctx context.Context, q db.Querier, kind string, id int64) (*itemState, error) {
	st := &itemState{id: id}
	var archived *time.Time
	var err error
	if kind == "milestone" {
		st.milestoneID = id
		err = q.QueryRow(ctx, "SELECT section_id, code, title, status, owner_id, due_date, archived_at FROM plan_milestones WHERE id = ?", id).
			Scan(&st.sectionID, &st.code, &st.title, &st.status, &st.owner, &st.due, &archived)
	} else {
		var ms *int64
		err = q.QueryRow(ctx, "SELECT section_id, milestone_id, body, status, owner_id, due_date, archived_at FROM plan_tasks WHERE id = ?", id).
			Scan(&st.sectionID, &ms, &st.title, &st.status, &st.owner, &st.due, &archived)
		if ms != nil {
			st.milestoneID = *ms
			if err == nil {
				err = q.QueryRow(ctx, "SELECT code FROM plan_milestones WHERE id = ?", *ms).Scan(&st.code)
			}
		}
	}
	if isNoRows(err) {
		return nil, db.ErrNotFound
	}
	st.archived = archived != nil
	return st, err
}

func checkStaff(ctx context.Context, q db.Querier, userID int64) error {
	var role string
	var disabled *time.Time
	err := q.QueryRow(ctx, "SELECT role, disabled_at FROM users WHERE id = ?", userID).Scan(&role, &disabled)
	if isNoRows(err) {
		return validate.Field("owner_id", "there is no user %d", userID)
	}
	if err != nil {
		return err
	}
	if disabled != nil || role == string(authz.RoleMember) {
		return validate.Field("owner_id", "user %d is not an active member of the team (admin, pgm or responder)", userID)
	}
	return nil
}

// openDependencies names the dependencies of the item's section (and milestone) that
// are not done yet.
func openDependencies(ctx context.Context, q db.Querier, st *itemState) ([]string, error) {
	var number string
	if err := q.QueryRow(ctx, "SELECT number FROM plan_sections WHERE id = ?", st.sectionID).Scan(&number); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT depends_on, mark, milestone_code FROM plan_dependencies WHERE section_id = ? ORDER BY line", st.sectionID)
	if err != nil {
		return nil, err
	}
	type dep struct{ section, mark, ms string }
	var deps []dep
	for rows.Next() {
		var d dep
		if err := rows.Scan(&d.section, &d.mark, &d.ms); err != nil {
			rows.Close()
			return nil, err
		}
		deps = append(deps, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range deps {
		if d.ms != "" && !strings.EqualFold(d.ms, st.code) || seen[d.section] {
			continue
		}
		seen[d.section] = true
		done, err := sectionDone(ctx, q, d.section, d.mark)
		if err != nil {
			return nil, err
		}
		if !done {
			out = append(out, fmt.Sprintf("%s depends on %s, which is not done", strings.TrimSpace(number+" "+st.code), d.section))
		}
	}
	return out, nil
}

// sectionDone reports whether the section numbered number is done: every milestone
// (or, with none, every task) of it and its sub-sections done. A section that is in no
// imported plan is done only when the plan marks the dependency done (✅).
func sectionDone(ctx context.Context, q db.Querier, number, mark string) (bool, error) {
	var total, done int
	err := q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.status = 'done' THEN 1 ELSE 0 END), 0) FROM plan_milestones m
		JOIN plan_sections s ON s.id = m.section_id WHERE m.archived_at IS NULL AND s.archived_at IS NULL AND (s.number = ? OR substr(s.number, 1, ?) = ?)`,
		number, len(number)+1, number+".").Scan(&total, &done)
	if err != nil {
		return false, err
	}
	if total == 0 {
		var secs int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM plan_sections WHERE number = ? AND archived_at IS NULL", number).Scan(&secs); err != nil {
			return false, err
		}
		if secs == 0 {
			return mark == "done", nil
		}
		err = q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END), 0) FROM plan_tasks t
			JOIN plan_sections s ON s.id = t.section_id WHERE t.archived_at IS NULL AND s.archived_at IS NULL AND (s.number = ? OR substr(s.number, 1, ?) = ?)`,
			number, len(number)+1, number+".").Scan(&total, &done)
		if err != nil {
			return false, err
		}
	}
	return total > 0 && done == total, nil
}

// HoursInput is time a volunteer spent: on a milestone, a task, or a case or
// engagement (RefType + RefID).
type HoursInput struct {
	UserID      int64   `json:"user_id,omitempty" doc:"Whose hours; default the caller. Only programme managers log for others."`
	MilestoneID int64   `json:"milestone_id,omitempty"`
	TaskID      int64   `json:"task_id,omitempty"`
	RefType     string  `json:"ref_type,omitempty" doc:"case or engagement, for hours outside the plan"`
	RefID       string  `json:"ref_id,omitempty"`
	Hours       float64 `json:"hours"`
	Date        string  `json:"date,omitempty" doc:"The day worked, YYYY-MM-DD; not in the future."`
	Note        string  `json:"note,omitempty"`
}

// HourLog is one logged stint.
type HourLog struct {
	ID          int64     `json:"id"`
	UserID      int64     `json:"user_id"`
	User        string    `json:"user"`
	MilestoneID int64     `json:"milestone_id,omitempty"`
	TaskID      int64     `json:"task_id,omitempty"`
	Item        string    `json:"item,omitempty"` // "3.2 M1", for people
	RefType     string    `json:"ref_type,omitempty"`
	RefID       string    `json:"ref_id,omitempty"`
	Hours       float64   `json:"hours"`
	Date        string    `json:"date"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
}

func (in *HoursInput) validate(today string) error {
	var e validate.Errors
	targets := 0
	for _, set := range []bool{in.MilestoneID != 0, in.TaskID != 0, in.RefType != ""} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		e.Add("milestone_id", "give exactly one of milestone_id, task_id, or ref_type with ref_id")
	}
	if in.RefType != "" {
		e.OneOf("ref_type", in.RefType, "case", "engagement")
		in.RefID = e.Text("ref_id", in.RefID, true, 100)
	}
	if in.Hours <= 0 || in.Hours > 24 {
		e.Add("hours", "%v is not a number of hours in a day (want more than 0, at most 24)", in.Hours)
	}
	in.Date = strings.TrimSpace(in.Date)
	if in.Date == "" {
		in.Date = today
	}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil || !dateRE.MatchString(in.Date) {
		e.Add("date", "%q is not a date (want YYYY-MM-DD)", in.Date)
	} else if in.Date > today {
		e.Add("date", "%s is in the future; log hours on or after the day they were worked", in.Date)
	}
	in.Note = e.Text("note", in.Note, false, 1000)
	return e.Err()
}

// LogHours records hours. Every team member logs their own; programme managers and
// admins may log for someone else.
func (s *Service) LogHours(ctx context.Context, actor authz.Actor, in HoursInput) (*HourLog, error) {
	if err := authz.Can(actor, authz.LogHours, nil); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if err := in.validate(now.Format("2006-01-02")); err != nil {
		return nil, err
	}
	if in.UserID == 0 {
		in.UserID = actor.UserID
	}
	if in.UserID != actor.UserID {
		if err := authz.Can(actor, authz.EditProgramme, nil); err != nil {
			return nil, err
		}
	}
	if in.UserID == 0 {
		return nil, validate.Field("user_id", "say whose hours these are")
	}
	var h *HourLog
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if err := checkStaff(ctx, q, in.UserID); err != nil {
			return validate.Field("user_id", "%s", strings.TrimPrefix(err.Error(), "owner_id: "))
		}
		for _, t := range []struct {
			table, field string
			id           int64
		}{{"plan_milestones", "milestone_id", in.MilestoneID}, {"plan_tasks", "task_id", in.TaskID}} {
			if t.id == 0 {
				continue
			}
			var archived *time.Time
			if err := q.QueryRow(ctx, "SELECT archived_at FROM "+t.table+" WHERE id = ?", t.id).Scan(&archived); err != nil {
				if isNoRows(err) {
					return validate.Field(t.field, "there is no %s %d in the plan", strings.TrimSuffix(t.field, "_id"), t.id)
				}
				return err
			}
			if archived != nil {
				return validate.Field(t.field, "%s %d was removed from the plan (archived)", strings.TrimSuffix(t.field, "_id"), t.id)
			}
		}
		h = &HourLog{UserID: in.UserID, MilestoneID: in.MilestoneID, TaskID: in.TaskID, RefType: in.RefType, RefID: in.RefID, Hours: in.Hours,
			Date: in.Date, Note: in.Note, CreatedAt: now}
		if err := q.QueryRow(ctx, `INSERT INTO plan_hours (user_id, milestone_id, task_id, ref_type, ref_id, hours, worked_on, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.UserID, nullID(in.MilestoneID), nullID(in.TaskID), in.RefType, in.RefID, in.Hours,
			in.Date, in.Note, now).Scan(&h.ID); err != nil {
			return fmt.Errorf("plan: log hours: %w", err)
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: EvHoursLogged, Subject: events.Ref{Type: "plan_hours", ID: fmt.Sprint(h.ID)}, After: h})
		return err
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// HoursQuery filters ListHours.
type HoursQuery struct {
	UserID      int64
	MilestoneID int64
	Limit       int
}

// ListHours returns logged hours, newest first.
func (s *Service) ListHours(ctx context.Context, actor authz.Actor, qu HoursQuery) ([]HourLog, error) {
	if err := authz.Can(actor, authz.ViewProgramme, nil); err != nil {
		return nil, err
	}
	where, args := "1 = 1", []any{}
	if qu.UserID != 0 {
		where += " AND h.user_id = ?"
		args = append(args, qu.UserID)
	}
	if qu.MilestoneID != 0 {
		where += " AND (h.milestone_id = ? OR t.milestone_id = ?)"
		args = append(args, qu.MilestoneID, qu.MilestoneID)
	}
	limit := qu.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := s.db.Read().Query(ctx, `SELECT h.id, h.user_id, u.email, COALESCE(h.milestone_id, 0), COALESCE(h.task_id, 0), h.ref_type, h.ref_id, h.hours,
		h.worked_on, h.note, h.created_at, COALESCE(s.number, ''), COALESCE(m.code, '')
		FROM plan_hours h JOIN users u ON u.id = h.user_id
		LEFT JOIN plan_tasks t ON t.id = h.task_id
		LEFT JOIN plan_milestones m ON m.id = COALESCE(h.milestone_id, t.milestone_id)
		LEFT JOIN plan_sections s ON s.id = COALESCE(m.section_id, t.section_id)
		WHERE `+where+fmt.Sprintf(" ORDER BY h.worked_on DESC, h.id DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HourLog{}
	for rows.Next() {
		var h HourLog
		var sec, code string
		if err := rows.Scan(&h.ID, &h.UserID, &h.User, &h.MilestoneID, &h.TaskID, &h.RefType, &h.RefID, &h.Hours, &h.Date, &h.Note, &h.CreatedAt, &sec, &code); err != nil {
			return nil, err
		}
		switch {
		case h.RefType != "":
			h.Item = h.RefType + " " + h.RefID
		default:
			h.Item = strings.TrimSpace(sec + " " + code)
			if h.TaskID != 0 {
				h.Item += " (task)"
			}
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Person is a team member as the plan shows them.
type Person struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// Label is the person's name, or their address.
func (p *Person) Label() string {
	if p == nil {
		return ""
	}
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// Team lists the people who may own plan items (active admins, programme managers
// and responders).
func (s *Service) Team(ctx context.Context, actor authz.Actor) ([]Person, error) {
	if err := authz.Can(actor, authz.ViewProgramme, nil); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().Query(ctx, "SELECT id, email, name FROM users WHERE role IN ('admin', 'pgm', 'responder') AND disabled_at IS NULL ORDER BY name, email")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Email, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
