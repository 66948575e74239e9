package plan

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// Bounds is a stored min–max pair; nil is unknown.
type Bounds struct {
	Min *float64 `json:"min"`
	Max *float64 `json:"max"`
}

// Known reports whether either bound is known.
func (b Bounds) Known() bool { return b.Min != nil || b.Max != nil }

// StoredPlan is one imported plan file and its current version.
type StoredPlan struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	Title      string            `json:"title"`
	Version    int               `json:"version"`
	Filename   string            `json:"filename"`
	ImportedBy string            `json:"imported_by"`
	ImportedAt time.Time         `json:"imported_at"`
	Sections   []*TrackedSection `json:"sections"`
	Warnings   []Warning         `json:"warnings"`
	Footnotes  []Footnote        `json:"footnotes"`
}

// TrackedSection is a stored section with its milestones and sub-sections.
type TrackedSection struct {
	ID           int64               `json:"id"`
	PlanID       int64               `json:"plan_id"`
	ParentID     int64               `json:"parent_id,omitempty"`
	Number       string              `json:"number"`
	Title        string              `json:"title"`
	Level        int                 `json:"level"`
	Line         int                 `json:"line"`
	Lead         string              `json:"lead"`
	Team         []string            `json:"team"`
	Meeting      string              `json:"meeting"`
	Tracking     string              `json:"tracking"`
	Text         string              `json:"text"`
	Links        []Link              `json:"links"`
	Footnotes    []string            `json:"footnotes"`
	Dependencies []DependencyState   `json:"dependencies"`
	Estimates    sectionEstimates    `json:"estimates"`
	Milestones   []*TrackedMilestone `json:"milestones"`
	Tasks        []*TrackedTask      `json:"tasks"` // checkboxes under no milestone
	Sections     []*TrackedSection   `json:"sections"`
	Depth        int                 `json:"-"`
	plan         *StoredPlan
	parent       *TrackedSection
}

// Name is "3.2 Recruitment".
func (s *TrackedSection) Name() string {
	if s.Number == "" {
		return s.Title
	}
	return s.Number + " " + s.Title
}

// DependencyState is a section this one waits for, and whether it is done.
type DependencyState struct {
	Section string `json:"section"`
	// Milestone is set when only that milestone waits for the section.
	Milestone string `json:"milestone,omitempty"`
	Line      int    `json:"line"`
	// Mark is how the plan marks it: "open" (:x:), "done" (✅) or "".
	Mark string `json:"mark"`
	// Tracked says whether the section is in an imported plan (its progress decides
	// Done); otherwise the plan's mark does.
	Tracked bool `json:"tracked"`
	Done    bool `json:"done"`
}

// MilestoneEstimate is what the estimate table says of a milestone.
type MilestoneEstimate struct {
	Volunteers      Bounds   `json:"volunteers"`
	PgM             *float64 `json:"pgm"`
	IndividualHours Bounds   `json:"individual_hours"`
	TotalHours      Bounds   `json:"total_hours"`
	Stage           string   `json:"stage"`
	StageMarker     string   `json:"stage_marker"`
	Text            string   `json:"text"`
	Line            int      `json:"line"`
}

// TrackedMilestone is a stored milestone with its tracking.
type TrackedMilestone struct {
	ID          int64             `json:"id"`
	SectionID   int64             `json:"section_id"`
	Section     string            `json:"section"` // its number
	Code        string            `json:"code"`    // "M1", or "K1" for a key step
	Generated   bool              `json:"generated_code,omitempty"`
	Title       string            `json:"title"`
	Line        int               `json:"line"`
	Checkbox    bool              `json:"checkbox"`
	Issues      []Issue           `json:"issues"`
	Footnotes   []string          `json:"footnotes"`
	DependsOn   []string          `json:"depends_on"`
	Estimate    MilestoneEstimate `json:"estimate"`
	Status      Status            `json:"status"`
	Owner       *Person           `json:"owner"`
	Due         string            `json:"due"`
	CompletedAt *time.Time        `json:"completed_at"`
	Links       []ObjectLink      `json:"links"`
	LoggedHours float64           `json:"logged_hours"` // on the milestone and its tasks
	Tasks       []*TrackedTask    `json:"tasks"`
	ArchivedAt  *time.Time        `json:"archived_at,omitempty"`
	CreatedAt   time.Time         `json:"-"`
	section     *TrackedSection
}

// Done reports whether the milestone is done.
func (m *TrackedMilestone) Done() bool { return m.Status == Done }

// TrackedTask is a stored task with its tracking.
type TrackedTask struct {
	ID          int64          `json:"id"`
	SectionID   int64          `json:"section_id"`
	MilestoneID int64          `json:"milestone_id,omitempty"`
	ParentID    int64          `json:"parent_id,omitempty"`
	Depth       int            `json:"depth"`
	Text        string         `json:"text"`
	Line        int            `json:"line"`
	Checkbox    bool           `json:"checkbox"`
	Done        bool           `json:"done"`
	Issues      []Issue        `json:"issues"`
	Footnotes   []string       `json:"footnotes"`
	Status      Status         `json:"status"`
	Owner       *Person        `json:"owner"`
	Due         string         `json:"due"`
	CompletedAt *time.Time     `json:"completed_at"`
	Links       []ObjectLink   `json:"links"`
	LoggedHours float64        `json:"logged_hours"`
	Tasks       []*TrackedTask `json:"tasks"`
	ArchivedAt  *time.Time     `json:"archived_at,omitempty"`
	CreatedAt   time.Time      `json:"-"`
	section     *TrackedSection
	milestone   *TrackedMilestone
}

// tracked is everything stored, loaded at once: plans are small (a real plan has a
// few hundred items), and the dashboard needs all of it.
type tracked struct {
	plans      []*StoredPlan
	sections   map[int64]*TrackedSection
	milestones map[int64]*TrackedMilestone
	tasks      map[int64]*TrackedTask
	// history holds every milestone and task, archived ones included, for the burn-up.
	history []historyItem
	hours   []hourRow
}

type historyItem struct {
	created   time.Time
	completed *time.Time
	archived  *time.Time
}

type hourRow struct {
	date  string
	hours float64
}

func decodeJSON[T any](s string) T {
	var v T
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// load reads every current plan. withArchived adds the archived items to history only.
func (s *Service) load(ctx context.Context, q db.Querier, _ bool) (*tracked, error) {
	t := &tracked{sections: map[int64]*TrackedSection{}, milestones: map[int64]*TrackedMilestone{}, tasks: map[int64]*TrackedTask{}}
	people := map[int64]*Person{}
	rows, err := q.Query(ctx, "SELECT id, email, name FROM users WHERE id IN (SELECT owner_id FROM plan_milestones UNION SELECT owner_id FROM plan_tasks)")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		p := &Person{}
		if err := rows.Scan(&p.ID, &p.Email, &p.Name); err != nil {
			rows.Close()
			return nil, err
		}
		people[p.ID] = p
	}
	rows.Close()
	owner := func(id *int64) *Person {
		if id == nil {
			return nil
		}
		return people[*id]
	}

	plans := map[int64]*StoredPlan{}
	rows, err = q.Query(ctx, `SELECT p.id, p.name, p.title, p.current_version, v.filename, v.imported_by, v.imported_at, v.id
		FROM plans p JOIN plan_versions v ON v.plan_id = p.id AND v.version = p.current_version ORDER BY p.name`)
	if err != nil {
		return nil, err
	}
	versionOf := map[int64]*StoredPlan{}
	for rows.Next() {
		p := &StoredPlan{Sections: []*TrackedSection{}, Warnings: []Warning{}, Footnotes: []Footnote{}}
		var vid int64
		if err := rows.Scan(&p.ID, &p.Name, &p.Title, &p.Version, &p.Filename, &p.ImportedBy, &p.ImportedAt, &vid); err != nil {
			rows.Close()
			return nil, err
		}
		plans[p.ID] = p
		versionOf[vid] = p
		t.plans = append(t.plans, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, "SELECT version_id, line, message FROM plan_warnings ORDER BY version_id, line, id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var vid int64
		var w Warning
		if err := rows.Scan(&vid, &w.Line, &w.Message); err != nil {
			rows.Close()
			return nil, err
		}
		if p := versionOf[vid]; p != nil {
			p.Warnings = append(p.Warnings, w)
		}
	}
	rows.Close()
	rows, err = q.Query(ctx, "SELECT version_id, label, body, line, referenced FROM plan_footnotes ORDER BY version_id, line")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var vid int64
		var f Footnote
		if err := rows.Scan(&vid, &f.Label, &f.Text, &f.Line, &f.Referenced); err != nil {
			rows.Close()
			return nil, err
		}
		if p := versionOf[vid]; p != nil {
			p.Footnotes = append(p.Footnotes, f)
		}
	}
	rows.Close()

	rows, err = q.Query(ctx, `SELECT id, plan_id, COALESCE(parent_id, 0), number, title, level, line, lead, team_json, meeting, tracking, body, links_json,
		footnotes_json, estimates_json FROM plan_sections WHERE archived_at IS NULL ORDER BY plan_id, position`)
	if err != nil {
		return nil, err
	}
	var order []*TrackedSection
	for rows.Next() {
		s := &TrackedSection{}
		var team, links, notes, est string
		if err := rows.Scan(&s.ID, &s.PlanID, &s.ParentID, &s.Number, &s.Title, &s.Level, &s.Line, &s.Lead, &team, &s.Meeting, &s.Tracking, &s.Text,
			&links, &notes, &est); err != nil {
			rows.Close()
			return nil, err
		}
		s.Team = nonNilSlice(decodeJSON[[]string](team))
		s.Links = nonNilSlice(decodeJSON[[]Link](links))
		s.Footnotes = nonNilSlice(decodeJSON[[]string](notes))
		s.Estimates = decodeJSON[sectionEstimates](est)
		s.Estimates.Prerequisites = nonNil(s.Estimates.Prerequisites)
		s.Milestones, s.Tasks, s.Sections, s.Dependencies = []*TrackedMilestone{}, []*TrackedTask{}, []*TrackedSection{}, []DependencyState{}
		t.sections[s.ID] = s
		order = append(order, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, s := range order {
		s.plan = plans[s.PlanID]
		if p := t.sections[s.ParentID]; p != nil {
			s.parent = p
			p.Sections = append(p.Sections, s)
		} else if s.plan != nil {
			s.plan.Sections = append(s.plan.Sections, s)
		}
	}
	for _, s := range order {
		for p := s.parent; p != nil; p = p.parent {
			s.Depth++
		}
	}

	rows, err = q.Query(ctx, `SELECT id, section_id, code, generated_code, title, line, checkbox, issues_json, footnotes_json, depends_on_json,
		volunteers_min, volunteers_max, volunteers_pgm, individual_hours_min, individual_hours_max, total_hours_min, total_hours_max, stage, stage_marker,
		estimate_text, estimate_line, status, owner_id, due_date, completed_at, archived_at, created_at FROM plan_milestones ORDER BY section_id, position`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		m := &TrackedMilestone{}
		var issues, notes, deps string
		var ownerID *int64
		e := &m.Estimate
		if err := rows.Scan(&m.ID, &m.SectionID, &m.Code, &m.Generated, &m.Title, &m.Line, &m.Checkbox, &issues, &notes, &deps,
			&e.Volunteers.Min, &e.Volunteers.Max, &e.PgM, &e.IndividualHours.Min, &e.IndividualHours.Max, &e.TotalHours.Min, &e.TotalHours.Max,
			&e.Stage, &e.StageMarker, &e.Text, &e.Line, &m.Status, &ownerID, &m.Due, &m.CompletedAt, &m.ArchivedAt, &m.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		t.history = append(t.history, historyItem{created: m.CreatedAt, completed: m.CompletedAt, archived: m.ArchivedAt})
		if m.ArchivedAt != nil {
			continue
		}
		m.Issues = nonNilSlice(decodeJSON[[]Issue](issues))
		m.Footnotes = nonNilSlice(decodeJSON[[]string](notes))
		m.DependsOn = nonNilSlice(decodeJSON[[]string](deps))
		m.Owner = owner(ownerID)
		m.Links, m.Tasks = []ObjectLink{}, []*TrackedTask{}
		if s := t.sections[m.SectionID]; s != nil {
			m.section, m.Section = s, s.Number
			s.Milestones = append(s.Milestones, m)
			t.milestones[m.ID] = m
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, `SELECT id, section_id, COALESCE(milestone_id, 0), COALESCE(parent_id, 0), depth, body, line, checkbox, issues_json,
		footnotes_json, status, owner_id, due_date, completed_at, archived_at, created_at FROM plan_tasks ORDER BY position`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		k := &TrackedTask{}
		var issues, notes string
		var ownerID *int64
		if err := rows.Scan(&k.ID, &k.SectionID, &k.MilestoneID, &k.ParentID, &k.Depth, &k.Text, &k.Line, &k.Checkbox, &issues, &notes, &k.Status,
			&ownerID, &k.Due, &k.CompletedAt, &k.ArchivedAt, &k.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		t.history = append(t.history, historyItem{created: k.CreatedAt, completed: k.CompletedAt, archived: k.ArchivedAt})
		if k.ArchivedAt != nil {
			continue
		}
		k.Done = k.Status == Done
		k.Issues = nonNilSlice(decodeJSON[[]Issue](issues))
		k.Footnotes = nonNilSlice(decodeJSON[[]string](notes))
		k.Owner = owner(ownerID)
		k.Links, k.Tasks = []ObjectLink{}, []*TrackedTask{}
		k.section = t.sections[k.SectionID]
		k.milestone = t.milestones[k.MilestoneID]
		if k.section == nil {
			continue
		}
		t.tasks[k.ID] = k
		switch {
		case t.tasks[k.ParentID] != nil:
			p := t.tasks[k.ParentID]
			p.Tasks = append(p.Tasks, k)
		case k.milestone != nil:
			k.milestone.Tasks = append(k.milestone.Tasks, k)
		default:
			k.section.Tasks = append(k.section.Tasks, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, "SELECT item_type, item_id, object_type, object_id, label FROM plan_links ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var kind string
		var id int64
		var l ObjectLink
		if err := rows.Scan(&kind, &id, &l.Type, &l.ID, &l.Label); err != nil {
			rows.Close()
			return nil, err
		}
		if m := t.milestones[id]; kind == "milestone" && m != nil {
			m.Links = append(m.Links, l)
		} else if k := t.tasks[id]; kind == "task" && k != nil {
			k.Links = append(k.Links, l)
		}
	}
	rows.Close()

	rows, err = q.Query(ctx, "SELECT COALESCE(milestone_id, 0), COALESCE(task_id, 0), hours, worked_on FROM plan_hours")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var mid, tid int64
		var h hourRow
		if err := rows.Scan(&mid, &tid, &h.hours, &h.date); err != nil {
			rows.Close()
			return nil, err
		}
		if mid == 0 && tid == 0 {
			continue // a case or an engagement: not plan work
		}
		t.hours = append(t.hours, h)
		if k := t.tasks[tid]; k != nil {
			k.LoggedHours += h.hours
			if k.milestone != nil {
				k.milestone.LoggedHours += h.hours
			}
		}
		if m := t.milestones[mid]; m != nil {
			m.LoggedHours += h.hours
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, "SELECT section_id, milestone_code, depends_on, mark, line FROM plan_dependencies ORDER BY section_id, line")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var sid int64
		var d DependencyState
		if err := rows.Scan(&sid, &d.Milestone, &d.Section, &d.Mark, &d.Line); err != nil {
			rows.Close()
			return nil, err
		}
		if s := t.sections[sid]; s != nil {
			s.Dependencies = append(s.Dependencies, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byNumber := map[string]*TrackedSection{}
	for _, s := range order {
		if s.Number != "" && byNumber[s.Number] == nil {
			byNumber[s.Number] = s
		}
	}
	for _, s := range order {
		for i := range s.Dependencies {
			d := &s.Dependencies[i]
			if dep := byNumber[d.Section]; dep != nil {
				d.Tracked, d.Done = true, dep.done()
			} else {
				d.Done = d.Mark == "done"
			}
		}
	}
	sort.SliceStable(t.plans, func(i, j int) bool { return t.plans[i].Name < t.plans[j].Name })
	return t, nil
}

// done reports whether every milestone of the section and its sub-sections is done
// (with no milestones: every task), and there is at least one.
func (s *TrackedSection) done() bool {
	total, done := 0, 0
	var walk func(*TrackedSection)
	walk = func(x *TrackedSection) {
		for _, m := range x.Milestones {
			total++
			if m.Done() {
				done++
			}
		}
		for _, c := range x.Sections {
			walk(c)
		}
	}
	walk(s)
	if total == 0 {
		var tasks func([]*TrackedTask)
		tasks = func(ts []*TrackedTask) {
			for _, k := range ts {
				total++
				if k.Done {
					done++
				}
				tasks(k.Tasks)
			}
		}
		var walkTasks func(*TrackedSection)
		walkTasks = func(x *TrackedSection) {
			tasks(x.Tasks)
			for _, c := range x.Sections {
				walkTasks(c)
			}
		}
		walkTasks(s)
	}
	return total > 0 && done == total
}

// OpenDependencies are the dependencies of the section (for a milestone: those of the
// section text and its own) that are not done.
func (s *TrackedSection) OpenDependencies(milestone string) []DependencyState {
	var out []DependencyState
	seen := map[string]bool{}
	for _, d := range s.Dependencies {
		if d.Done || seen[d.Section] || (d.Milestone != "" && milestone != "" && d.Milestone != milestone) {
			continue
		}
		seen[d.Section] = true
		out = append(out, d)
	}
	return out
}
