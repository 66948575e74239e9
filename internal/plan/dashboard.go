package plan

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
)

// Overview is every current plan with its tracking, and the dashboard computed from it.
type Overview struct {
	Plans     []*StoredPlan `json:"plans"`
	Dashboard *Dashboard    `json:"dashboard"`
}

// Progress counts what is done against what is planned, and hours against estimates.
type Progress struct {
	Milestones     int `json:"milestones"`
	MilestonesDone int `json:"milestones_done"`
	Tasks          int `json:"tasks"`
	TasksDone      int `json:"tasks_done"`
	// EstimatedHours sums the milestones' total-hours estimates. A range with no upper
	// bound (">40") adds its lower bound to the maximum; Unestimated counts milestones
	// with no hours at all.
	EstimatedHours Bounds  `json:"estimated_hours"`
	Unestimated    int     `json:"unestimated"`
	LoggedHours    float64 `json:"logged_hours"`
	// VolunteersNeeded sums the estimated volunteers of the milestones not yet done
	// (program managers apart, in PgMNeeded); VolunteersAssigned counts the distinct
	// owners of those milestones and their tasks.
	VolunteersNeeded   Bounds  `json:"volunteers_needed"`
	PgMNeeded          float64 `json:"pgm_needed"`
	VolunteersAssigned int     `json:"volunteers_assigned"`
	owners             map[int64]bool
}

// Percent is the share of milestones and tasks done, 0–100.
func (p Progress) Percent() int {
	total := p.Milestones + p.Tasks
	if total == 0 {
		return 0
	}
	return (p.MilestonesDone + p.TasksDone) * 100 / total
}

// SectionProgress is one section's progress, its sub-sections included.
type SectionProgress struct {
	ID        int64             `json:"id"`
	Plan      string            `json:"plan"`
	Number    string            `json:"number"`
	Title     string            `json:"title"`
	Depth     int               `json:"depth"`
	Done      bool              `json:"done"`
	DependsOn []DependencyState `json:"depends_on"`
	Progress
}

// StageProgress is the progress of the milestones of one stage ("Y1", "Y2"; "" for
// milestones with no stage).
type StageProgress struct {
	Stage string `json:"stage"`
	Progress
}

// ItemRef names a milestone or task in a list of the dashboard.
type ItemRef struct {
	Type    string `json:"type"` // "milestone" or "task"
	ID      int64  `json:"id"`
	Section string `json:"section"`
	Code    string `json:"code"`
	Title   string `json:"title"`
	Status  Status `json:"status"`
	Owner   string `json:"owner"`
	Due     string `json:"due"`
	Reason  string `json:"reason"`
}

// BurnupPoint is the scope and the work done at the end of one day.
type BurnupPoint struct {
	Date  string  `json:"date"`
	Scope int     `json:"scope"` // milestones and tasks in the plan that day
	Done  int     `json:"done"`
	Hours float64 `json:"hours"` // hours logged up to that day
}

// Dashboard is the facts the programme manager and the TAC look at.
type Dashboard struct {
	AsOf     string            `json:"as_of"`
	Total    Progress          `json:"total"`
	Sections []SectionProgress `json:"sections"`
	Stages   []StageProgress   `json:"stages"`
	Blocked  []ItemRef         `json:"blocked"`
	Overdue  []ItemRef         `json:"overdue"`
	Burnup   []BurnupPoint     `json:"burnup"`
	Warnings int               `json:"warnings"`
}

// Overview returns every current plan with its tracking and the dashboard.
func (s *Service) Overview(ctx context.Context, actor authz.Actor) (*Overview, error) {
	if err := authz.Can(actor, authz.ViewProgramme, nil); err != nil {
		return nil, err
	}
	t, err := s.load(ctx, s.db.Read(), true)
	if err != nil {
		return nil, err
	}
	plans := t.plans
	if plans == nil {
		plans = []*StoredPlan{}
	}
	return &Overview{Plans: plans, Dashboard: t.dashboard(s.clock.Now())}, nil
}

// Section returns one section with its tracking, or db.ErrNotFound.
func (o *Overview) Section(id int64) *TrackedSection {
	var found *TrackedSection
	for _, p := range o.Plans {
		walkSections(p.Sections, func(s *TrackedSection) {
			if s.ID == id {
				found = s
			}
		})
	}
	return found
}

// PlanOf returns the plan a section belongs to.
func (s *TrackedSection) PlanOf() *StoredPlan { return s.plan }

func walkSections(ss []*TrackedSection, fn func(*TrackedSection)) {
	for _, s := range ss {
		fn(s)
		walkSections(s.Sections, fn)
	}
}

func walkTasks(ts []*TrackedTask, fn func(*TrackedTask)) {
	for _, k := range ts {
		fn(k)
		walkTasks(k.Tasks, fn)
	}
}

func addBounds(sum *Bounds, b Bounds) {
	lo, hi := b.Min, b.Max
	if lo == nil {
		lo = hi
	}
	if hi == nil {
		hi = lo
	}
	if lo == nil {
		return
	}
	if sum.Min == nil {
		sum.Min, sum.Max = new(float64), new(float64)
	}
	*sum.Min += *lo
	*sum.Max += *hi
}

func (p *Progress) addMilestone(m *TrackedMilestone) {
	p.Milestones++
	if m.Done() {
		p.MilestonesDone++
	}
	if m.Estimate.TotalHours.Known() {
		addBounds(&p.EstimatedHours, m.Estimate.TotalHours)
	} else {
		p.Unestimated++
	}
	p.LoggedHours += m.LoggedHours
	if !m.Done() {
		addBounds(&p.VolunteersNeeded, m.Estimate.Volunteers)
		if m.Estimate.PgM != nil {
			p.PgMNeeded += *m.Estimate.PgM
		}
		p.addOwner(m.Owner)
	}
	walkTasks(m.Tasks, func(k *TrackedTask) {
		p.addTask(k)
		if !m.Done() {
			p.addOwner(k.Owner)
		}
	})
}

func (p *Progress) addTask(k *TrackedTask) {
	p.Tasks++
	if k.Done {
		p.TasksDone++
	}
}

func (p *Progress) addOwner(o *Person) {
	if o == nil {
		return
	}
	if p.owners == nil {
		p.owners = map[int64]bool{}
	}
	if !p.owners[o.ID] {
		p.owners[o.ID] = true
		p.VolunteersAssigned++
	}
}

// sectionProgress adds the section's own items and those of its sub-sections.
func (p *Progress) addSection(s *TrackedSection) {
	for _, m := range s.Milestones {
		p.addMilestone(m)
	}
	walkTasks(s.Tasks, func(k *TrackedTask) {
		p.addTask(k)
		p.LoggedHours += k.LoggedHours
		if !k.Done {
			p.addOwner(k.Owner)
		}
	})
	for _, c := range s.Sections {
		p.addSection(c)
	}
}

func (t *tracked) dashboard(now time.Time) *Dashboard {
	today := now.Format("2006-01-02")
	d := &Dashboard{AsOf: today, Sections: []SectionProgress{}, Stages: []StageProgress{}, Blocked: []ItemRef{}, Overdue: []ItemRef{}}
	stages := map[string]*StageProgress{}
	for _, p := range t.plans {
		d.Warnings += len(p.Warnings)
		for _, top := range p.Sections {
			d.Total.addSection(top)
		}
		walkSections(p.Sections, func(s *TrackedSection) {
			sp := SectionProgress{ID: s.ID, Plan: p.Name, Number: s.Number, Title: s.Title, Depth: s.Depth, Done: s.done(), DependsOn: nonNilSlice(s.OpenDependencies(""))}
			sp.Progress.addSection(s)
			d.Sections = append(d.Sections, sp)
			for _, m := range s.Milestones {
				st := stages[m.Estimate.Stage]
				if st == nil {
					st = &StageProgress{Stage: m.Estimate.Stage}
					stages[m.Estimate.Stage] = st
				}
				st.addMilestone(m)
				ref := ItemRef{Type: "milestone", ID: m.ID, Section: s.Number, Code: m.Code, Title: m.Title, Status: m.Status, Owner: m.Owner.Label(), Due: m.Due}
				switch open := s.OpenDependencies(m.Code); {
				case m.Status == Blocked:
					ref.Reason = "marked blocked"
					d.Blocked = append(d.Blocked, ref)
				case !m.Done() && len(open) > 0:
					ref.Reason = "waiting on " + joinSections(open)
					d.Blocked = append(d.Blocked, ref)
				}
				if !m.Done() && m.Due != "" && m.Due < today {
					ref.Reason = "due " + m.Due
					d.Overdue = append(d.Overdue, ref)
				}
				walkTasks(m.Tasks, func(k *TrackedTask) { d.taskRefs(s, m, k, today) })
			}
			walkTasks(s.Tasks, func(k *TrackedTask) { d.taskRefs(s, nil, k, today) })
		})
	}
	for _, st := range stages {
		d.Stages = append(d.Stages, *st)
	}
	sort.Slice(d.Stages, func(i, j int) bool {
		a, b := d.Stages[i].Stage, d.Stages[j].Stage
		if (a == "") != (b == "") {
			return b == ""
		}
		return a < b
	})
	d.Burnup = t.burnup(now)
	return d
}

func (d *Dashboard) taskRefs(s *TrackedSection, m *TrackedMilestone, k *TrackedTask, today string) {
	code := ""
	if m != nil {
		code = m.Code
	}
	ref := ItemRef{Type: "task", ID: k.ID, Section: s.Number, Code: code, Title: k.Text, Status: k.Status, Owner: k.Owner.Label(), Due: k.Due}
	if k.Status == Blocked {
		ref.Reason = "marked blocked"
		d.Blocked = append(d.Blocked, ref)
	}
	if !k.Done && k.Due != "" && k.Due < today {
		ref.Reason = "due " + k.Due
		d.Overdue = append(d.Overdue, ref)
	}
}

func joinSections(ds []DependencyState) string {
	out := ""
	for i, d := range ds {
		if i > 0 {
			out += ", "
		}
		out += d.Section
	}
	return out
}

// burnup gives one point per day from the first import to now (per week when that is
// more than 26 weeks), counting milestones and tasks as they stood at the end of each day.
func (t *tracked) burnup(now time.Time) []BurnupPoint {
	if len(t.history) == 0 {
		return []BurnupPoint{}
	}
	start := now
	for _, h := range t.history {
		if h.created.Before(start) {
			start = h.created
		}
	}
	day := 24 * time.Hour
	first := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	step := day
	if now.Sub(first) > 26*7*day {
		step = 7 * day
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var days []time.Time
	for d := first; d.Before(today); d = d.Add(step) {
		days = append(days, d)
	}
	days = append(days, today)
	out := make([]BurnupPoint, 0, len(days))
	for _, d := range days {
		end := d.Add(day)
		p := BurnupPoint{Date: d.Format("2006-01-02")}
		for _, h := range t.history {
			if !h.created.Before(end) || (h.archived != nil && h.archived.Before(end)) {
				continue
			}
			p.Scope++
			if h.completed != nil && h.completed.Before(end) {
				p.Done++
			}
		}
		for _, h := range t.hours {
			if h.date <= p.Date {
				p.Hours += h.hours
			}
		}
		out = append(out, p)
	}
	return out
}

// Milestones lists every current milestone in plan order.
func (o *Overview) Milestones() []*TrackedMilestone {
	var out []*TrackedMilestone
	for _, p := range o.Plans {
		walkSections(p.Sections, func(s *TrackedSection) { out = append(out, s.Milestones...) })
	}
	return out
}

// AllTasks lists the milestone's tasks, sub-tasks after their parent (Depth says how deep).
func (m *TrackedMilestone) AllTasks() []*TrackedTask {
	var out []*TrackedTask
	walkTasks(m.Tasks, func(k *TrackedTask) { out = append(out, k) })
	return out
}

// AllTasks lists the section's own tasks (under no milestone), sub-tasks after their parent.
func (s *TrackedSection) AllTasks() []*TrackedTask {
	var out []*TrackedTask
	walkTasks(s.Tasks, func(k *TrackedTask) { out = append(out, k) })
	return out
}

// Indent is a visual marker of a task's depth.
func (k *TrackedTask) Indent() string { return strings.Repeat("· ", k.Depth) }
