package engagements

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Job kinds this package registers.
const (
	JobRemind       = "engagements.spot_check_reminder"
	JobOverdue      = "engagements.spot_check_overdue"
	JobContactDue   = "engagements.contact_reminder"
	outboxPurposeWl = "engagement.welcome"
)

// Config is what the engagements area needs to know of the team.
type Config struct {
	Team    string
	BaseURL string
}

// Deps are the shared services the engagements area uses.
type Deps struct {
	DB        *db.DB
	Clock     clock.Clock
	Events    *events.Log
	Jobs      *jobs.Queue
	Outbox    *notify.Service
	Templates *templates.Store
	Log       *slog.Logger
}

// Service is the engagements area.
type Service struct {
	Deps
	cfg Config
}

// New returns the service and registers its job kinds.
func New(d Deps, cfg Config) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{Deps: d, cfg: cfg}
	d.Jobs.Register(JobRemind, jobs.Handler{Run: s.runRemind, Timeout: time.Minute})
	d.Jobs.Register(JobOverdue, jobs.Handler{Run: s.runOverdue, Timeout: time.Minute})
	d.Jobs.Register(JobContactDue, jobs.Handler{Run: s.runContactDue, Timeout: time.Minute})
	return s
}

func (s *Service) today() calendar.Date { return calendar.DateOf(s.Clock.Now().UTC()) }

func ref(id int64) events.Ref { return events.Ref{Type: "engagement", ID: fmt.Sprint(id)} }

func isNoRows(err error) bool { return errors.Is(err, db.ErrNotFound) || db.NotFound(err) }

// ---- projects ----

// ProjectInput creates or updates a candidate project.
type ProjectInput struct {
	Name        string `json:"name" maxLength:"200"`
	RepoURL     string `json:"repo_url,omitempty" maxLength:"500" doc:"https URL of the repository."`
	Ecosystem   string `json:"ecosystem,omitempty" maxLength:"50" doc:"npm, PyPI, Maven, Go, crates.io…"`
	Criticality string `json:"criticality,omitempty" maxLength:"200"`
	Contacts    string `json:"contacts,omitempty" maxLength:"2000"`
	Notes       string `json:"notes,omitempty" maxLength:"5000"`
}

func (in *ProjectInput) check(e *validate.Errors, prefix string) {
	in.Name = e.Text(prefix+"name", in.Name, true, 200)
	in.RepoURL = e.Text(prefix+"repo_url", in.RepoURL, false, 500)
	if in.RepoURL != "" {
		u, err := url.Parse(in.RepoURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			e.Add(prefix+"repo_url", "%q is not a web address (want https://host/path)", in.RepoURL)
		}
	}
	in.Ecosystem = e.Text(prefix+"ecosystem", in.Ecosystem, false, 50)
	in.Criticality = e.Text(prefix+"criticality", in.Criticality, false, 200)
	in.Contacts = e.Text(prefix+"contacts", in.Contacts, false, 2000)
	in.Notes = e.Text(prefix+"notes", in.Notes, false, 5000)
}

// CreateProject adds a candidate project (programme manager, admins).
func (s *Service) CreateProject(ctx context.Context, actor authz.Actor, in ProjectInput) (*Project, error) {
	if err := authz.Can(actor, authz.ManageEngagements, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.check(&e, "")
	if err := e.Err(); err != nil {
		return nil, err
	}
	var p *Project
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		var err error
		p, _, err = s.upsertProject(ctx, q, actor, in, false, "")
		return err
	})
	return p, err
}

// upsertProject inserts in, or (update) changes the project of the same name.
func (s *Service) upsertProject(ctx context.Context, q db.Querier, actor authz.Actor, in ProjectInput, update bool, source string) (*Project, bool, error) {
	now := s.Clock.Now()
	var id int64
	err := q.QueryRow(ctx, "SELECT id FROM eng_projects WHERE name = ?", in.Name).Scan(&id)
	switch {
	case err == nil && !update:
		return nil, false, validate.Field("name", "there is already a project named %q", in.Name)
	case err == nil:
		if _, err := q.Exec(ctx, `UPDATE eng_projects SET repo_url = ?, ecosystem = ?, criticality = ?, contacts = ?, notes = ?, updated_at = ? WHERE id = ?`,
			in.RepoURL, in.Ecosystem, in.Criticality, in.Contacts, in.Notes, now, id); err != nil {
			return nil, false, err
		}
		if _, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvProjectUpdated, Subject: events.Ref{Type: "project", ID: fmt.Sprint(id)},
			After: ProjectEvent{Name: in.Name, RepoURL: in.RepoURL, Ecosystem: in.Ecosystem, Source: source}}); err != nil {
			return nil, false, err
		}
		p, err := getProject(ctx, q, id)
		return p, false, err
	case !isNoRows(err):
		return nil, false, err
	}
	if err := q.QueryRow(ctx, `INSERT INTO eng_projects (name, repo_url, ecosystem, criticality, contacts, notes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, in.RepoURL, in.Ecosystem, in.Criticality, in.Contacts, in.Notes, now, now).Scan(&id); err != nil {
		return nil, false, fmt.Errorf("engagements: add project: %w", err)
	}
	if _, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvProjectCreated, Subject: events.Ref{Type: "project", ID: fmt.Sprint(id)},
		After: ProjectEvent{Name: in.Name, RepoURL: in.RepoURL, Ecosystem: in.Ecosystem, Source: source}}); err != nil {
		return nil, false, err
	}
	p, err := getProject(ctx, q, id)
	return p, true, err
}

const projectColumns = "id, name, repo_url, ecosystem, criticality, contacts, notes, created_at, updated_at"

func scanProject(s interface{ Scan(...any) error }) (*Project, error) {
	var p Project
	if err := s.Scan(&p.ID, &p.Name, &p.RepoURL, &p.Ecosystem, &p.Criticality, &p.Contacts, &p.Notes, &p.CreatedAt, &p.UpdatedAt); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func getProject(ctx context.Context, q db.Querier, id int64) (*Project, error) {
	return scanProject(q.QueryRow(ctx, "SELECT "+projectColumns+" FROM eng_projects WHERE id = ?", id))
}

// Projects lists the candidate projects by name.
func (s *Service) Projects(ctx context.Context, actor authz.Actor) ([]Project, error) {
	if err := authz.Can(actor, authz.ViewEngagements, nil); err != nil {
		return nil, err
	}
	f := authz.Scope(actor, authz.KindProject)
	rows, err := s.DB.Read().Query(ctx, "SELECT "+projectColumns+" FROM eng_projects WHERE 1 = 1"+f.Where()+" ORDER BY name LIMIT 5000", f.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// Project returns one candidate project.
func (s *Service) Project(ctx context.Context, actor authz.Actor, id int64) (*Project, error) {
	if err := authz.Can(actor, authz.ViewEngagements, nil); err != nil {
		return nil, err
	}
	return getProject(ctx, s.DB.Read(), id)
}

// ---- engagements ----

// NewEngagement starts an engagement (status proposed).
type NewEngagement struct {
	ProjectID        int64  `json:"project_id"`
	Buddy            string `json:"buddy" doc:"The buddy's email address (a responder, programme manager or admin)."`
	Backup           string `json:"backup,omitempty" doc:"The backup buddy's email address."`
	Origin           string `json:"origin" enum:"outreach,help_request,case"`
	OriginRef        string `json:"origin_ref,omitempty" maxLength:"100" doc:"The help request's tracking id or the case id."`
	Goals            string `json:"goals,omitempty" maxLength:"5000"`
	ContactEveryDays int    `json:"contact_every_days,omitempty" doc:"Days between contact attempts while contacting (default 14)."`
	MaxUnanswered    int    `json:"max_unanswered,omitempty" doc:"Unanswered contact attempts after which the engagement is unresponsive (default 3)."`
	CheckEveryDays   int    `json:"check_every_days,omitempty" doc:"Days between spot-checks while active (default 14)."`
	ActiveMonths     int    `json:"active_months,omitempty" doc:"Months of spot-checks (default 6)."`
}

func rangeField(e *validate.Errors, field string, v *int, def, lo, hi int) {
	if *v == 0 {
		*v = def
	}
	if *v < lo || *v > hi {
		e.Add(field, "%d is out of range (want %d to %d)", *v, lo, hi)
	}
}

// Create starts an engagement (programme manager, admins).
func (s *Service) Create(ctx context.Context, actor authz.Actor, in NewEngagement) (*Engagement, error) {
	if err := authz.Can(actor, authz.ManageEngagements, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	if in.ProjectID <= 0 {
		e.Add("project_id", "is required (the id of a project from the projects list)")
	}
	in.Buddy = e.Email("buddy", in.Buddy, true)
	in.Backup = e.Email("backup", in.Backup, false)
	if in.Backup != "" && in.Backup == in.Buddy {
		e.Add("backup", "the backup must be someone other than the buddy")
	}
	e.OneOf("origin", in.Origin, Origins...)
	in.OriginRef = e.Text("origin_ref", in.OriginRef, false, 100)
	in.Goals = e.Text("goals", in.Goals, false, 5000)
	rangeField(&e, "contact_every_days", &in.ContactEveryDays, DefaultContactEveryDays, 1, 90)
	rangeField(&e, "max_unanswered", &in.MaxUnanswered, DefaultMaxUnanswered, 1, 20)
	rangeField(&e, "check_every_days", &in.CheckEveryDays, DefaultCheckEveryDays, 1, 90)
	rangeField(&e, "active_months", &in.ActiveMonths, DefaultActiveMonths, 1, 24)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		p, err := getProject(ctx, q, in.ProjectID)
		if isNoRows(err) {
			return validate.Field("project_id", "there is no project %d", in.ProjectID)
		}
		if err != nil {
			return err
		}
		buddy, err := staffUser(ctx, q, "buddy", in.Buddy)
		if err != nil {
			return err
		}
		var backupID any
		var bID int64
		if in.Backup != "" {
			b, err := staffUser(ctx, q, "backup", in.Backup)
			if err != nil {
				return err
			}
			backupID, bID = b.ID, b.ID
		}
		now := s.Clock.Now()
		if err := q.QueryRow(ctx, `INSERT INTO engagements (project_id, buddy_id, backup_id, origin, origin_ref, goals, status, contact_every_days, max_unanswered,
			check_every_days, active_months, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.ID, buddy.ID, backupID, in.Origin, in.OriginRef, in.Goals, string(Proposed), in.ContactEveryDays, in.MaxUnanswered,
			in.CheckEveryDays, in.ActiveMonths, now, now).Scan(&id); err != nil {
			return fmt.Errorf("engagements: create: %w", err)
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvCreated, Subject: ref(id),
			After: CreatedEvent{ProjectID: p.ID, Project: p.Name, BuddyID: buddy.ID, BackupID: bID, Origin: in.Origin, Status: Proposed}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// staffUser is the active team member with this address, or a field error.
func staffUser(ctx context.Context, q db.Querier, field, email string) (*account.User, error) {
	u, err := account.UserByEmailTx(ctx, q, email)
	if isNoRows(err) {
		return nil, validate.Field(field, "there is no user %s", email)
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled || u.Role == authz.RoleMember {
		return nil, validate.Field(field, "%s is not an active member of the team (admin, pgm or responder)", email)
	}
	return u, nil
}

const engColumns = `e.id, e.project_id, p.name, e.buddy_id, COALESCE(e.backup_id, 0), e.origin, e.origin_ref, e.goals, e.status, e.contact_every_days,
	e.max_unanswered, e.check_every_days, e.active_months, e.start_on, e.end_on, e.outcome, e.retrospective, e.closed_at, e.created_at, e.updated_at`

func scanEngagement(s interface{ Scan(...any) error }) (*Engagement, error) {
	var e Engagement
	var status string
	if err := s.Scan(&e.ID, &e.ProjectID, &e.Project, &e.BuddyID, &e.BackupID, &e.Origin, &e.OriginRef, &e.Goals, &status, &e.ContactEveryDays,
		&e.MaxUnanswered, &e.CheckEveryDays, &e.ActiveMonths, &e.Start, &e.End, &e.Outcome, &e.retrospective, &e.ClosedAt, &e.CreatedAt, &e.UpdatedAt); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	e.Status = Status(status)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if e.ClosedAt != nil {
		t := e.ClosedAt.UTC()
		e.ClosedAt = &t
	}
	return &e, nil
}

// load reads an engagement inside q and checks the actor may do action on it.
func (s *Service) load(ctx context.Context, q db.Querier, actor authz.Actor, action authz.Action, id int64) (*Engagement, error) {
	if !actor.IsSystem() && !actor.IsStaff() {
		return nil, authz.ErrNotFound
	}
	e, err := scanEngagement(q.QueryRow(ctx, "SELECT "+engColumns+" FROM engagements e JOIN eng_projects p ON p.id = e.project_id WHERE e.id = ?", id))
	if err != nil {
		return nil, err
	}
	if err := authz.Can(actor, action, e.policy()); err != nil {
		return nil, err
	}
	return e, nil
}

// fill adds names, hours and counts to e.
func (s *Service) fill(ctx context.Context, q db.Querier, e *Engagement) error {
	if u, err := account.UserByIDTx(ctx, q, e.BuddyID); err == nil {
		e.Buddy = u.Email
	} else if !isNoRows(err) {
		return err
	}
	if e.BackupID != 0 {
		if u, err := account.UserByIDTx(ctx, q, e.BackupID); err == nil {
			e.Backup = u.Email
		} else if !isNoRows(err) {
			return err
		}
	}
	h, err := s.hours(ctx, q, e)
	if err != nil {
		return err
	}
	e.Hours = h
	if e.Unanswered, err = unanswered(ctx, q, e.ID); err != nil {
		return err
	}
	if !running(e.Status) {
		e.Overdue = 0
		return nil
	}
	today := s.today().String()
	return q.QueryRow(ctx, "SELECT COUNT(*) FROM eng_spot_checks WHERE engagement_id = ? AND due_on IS NOT NULL AND done_on IS NULL AND due_on < ?",
		e.ID, today).Scan(&e.Overdue)
}

// Get returns one engagement.
func (s *Service) Get(ctx context.Context, actor authz.Actor, id int64) (*Engagement, error) {
	q := s.DB.Read()
	e, err := s.load(ctx, q, actor, authz.ReadEngagement, id)
	if err != nil {
		return nil, err
	}
	return e, s.fill(ctx, q, e)
}

// Query filters List.
type Query struct {
	Status    Status
	ProjectID int64
	BuddyID   int64
}

// List returns engagements, newest first.
func (s *Service) List(ctx context.Context, actor authz.Actor, qu Query) ([]Engagement, error) {
	if err := authz.Can(actor, authz.ViewEngagements, nil); err != nil {
		return nil, err
	}
	f := authz.Scope(actor, authz.KindEngagement)
	where, args := "1 = 1"+f.Where(), append([]any{}, f.Args...)
	if qu.Status != "" {
		where += " AND e.status = ?"
		args = append(args, string(qu.Status))
	}
	if qu.ProjectID != 0 {
		where += " AND e.project_id = ?"
		args = append(args, qu.ProjectID)
	}
	if qu.BuddyID != 0 {
		where += " AND (e.buddy_id = ? OR e.backup_id = ?)"
		args = append(args, qu.BuddyID, qu.BuddyID)
	}
	q := s.DB.Read()
	rows, err := q.Query(ctx, "SELECT "+engColumns+" FROM engagements e JOIN eng_projects p ON p.id = e.project_id WHERE "+where+" ORDER BY e.id DESC LIMIT 1000", args...)
	if err != nil {
		return nil, err
	}
	var out []Engagement
	for rows.Next() {
		e, err := scanEngagement(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fill(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []Engagement{}
	}
	return out, nil
}

// StageInput moves an engagement to another status.
type StageInput struct {
	To     Status `json:"to" enum:"proposed,contacting,active,winding_down,closed,declined,unresponsive"`
	Start  string `json:"start,omitempty" doc:"With to=active the first time: the first day of the active period (YYYY-MM-DD, default today)."`
	Reason string `json:"reason,omitempty" maxLength:"2000" doc:"Why; with to=closed or declined it is kept as the engagement's outcome."`
}

// Stage moves an engagement to in.To: the buddy, backup, programme manager or admins.
// Becoming active the first time lays out the spot-check schedule and enqueues a
// reminder before each and an overdue check after each.
func (s *Service) Stage(ctx context.Context, actor authz.Actor, id int64, in StageInput) (*Engagement, error) {
	var e validate.Errors
	known := false
	for _, st := range Statuses {
		known = known || st == in.To
	}
	if !known {
		e.Add("to", "%q is not one of proposed, contacting, active, winding_down, closed, declined, unresponsive", in.To)
	}
	in.Start = strings.TrimSpace(in.Start)
	var start calendar.Date
	if in.Start != "" {
		d, err := calendar.ParseDate(in.Start)
		if err != nil {
			e.Add("start", "%q is not a date (want YYYY-MM-DD)", in.Start)
		}
		start = d
	}
	in.Reason = e.Text("reason", in.Reason, false, 2000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		eng, err := s.load(ctx, q, actor, authz.WorkEngagement, id)
		if err != nil {
			return err
		}
		if in.Start != "" && (in.To != Active || eng.Start != "") {
			return validate.Field("start", "a start date is given only when an engagement first becomes active")
		}
		return s.move(ctx, q, actor, eng, in.To, start, in.Reason)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

func (s *Service) move(ctx context.Context, q db.Querier, actor authz.Actor, eng *Engagement, to Status, start calendar.Date, reason string) error {
	if !CanMove(eng.Status, to) {
		return ruleErr("engagement.stage", "an engagement that is %s cannot become %s", eng.Status, to)
	}
	now := s.Clock.Now()
	ev := StageEvent{From: eng.Status, To: to, Reason: reason}
	set, args := "status = ?, updated_at = ?", []any{string(to), now}
	switch to {
	case Active:
		if eng.Start == "" {
			if start == (calendar.Date{}) {
				start = s.today()
			}
			end := PeriodEnd(start, eng.ActiveMonths)
			set += ", start_on = ?, end_on = ?"
			args = append(args, start.String(), end.String())
			ev.Start, ev.End = start.String(), end.String()
			if err := s.laySchedule(ctx, q, eng, start); err != nil {
				return err
			}
		}
	case Contacting:
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM eng_contacts WHERE engagement_id = ?", eng.ID).Scan(&n); err != nil {
			return err
		}
		if _, err := s.Jobs.Enqueue(ctx, q, JobContactDue, contactArgs{EngagementID: eng.ID, After: n},
			jobs.Options{RunAt: now.Add(time.Duration(eng.ContactEveryDays) * 24 * time.Hour), UniqueKey: fmt.Sprintf("eng:%d:contact:%d", eng.ID, now.UnixNano())}); err != nil {
			return err
		}
	case Closed, Declined:
		if reason != "" {
			set += ", outcome = ?"
			args = append(args, reason)
		}
		if to == Closed {
			set += ", closed_at = ?"
			args = append(args, now)
		}
	}
	args = append(args, eng.ID)
	if _, err := q.Exec(ctx, "UPDATE engagements SET "+set+" WHERE id = ?", args...); err != nil {
		return err
	}
	_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvStage, Subject: ref(eng.ID), Before: map[string]Status{"status": eng.Status}, After: ev})
	eng.Status = to
	return err
}

type slotArgs struct {
	SpotCheckID int64 `json:"spot_check_id"`
}

// laySchedule inserts the spot-check slots of an active period and enqueues their
// reminders (before) and overdue checks (after), in the buddy's time zone.
func (s *Service) laySchedule(ctx context.Context, q db.Querier, eng *Engagement, start calendar.Date) error {
	loc := time.UTC
	if u, err := account.UserByIDTx(ctx, q, eng.BuddyID); err == nil {
		loc = location(u.TimeZone)
	} else if !isNoRows(err) {
		return err
	}
	now := s.Clock.Now()
	for i, due := range SpotCheckDues(start, eng.CheckEveryDays, eng.ActiveMonths) {
		var id int64
		if err := q.QueryRow(ctx, `INSERT INTO eng_spot_checks (engagement_id, seq, due_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			eng.ID, i+1, due.String(), now, now).Scan(&id); err != nil {
			return fmt.Errorf("engagements: schedule: %w", err)
		}
		if _, err := s.Jobs.Enqueue(ctx, q, JobRemind, slotArgs{id}, jobs.Options{RunAt: ReminderAt(due, loc), UniqueKey: fmt.Sprintf("eng:spot:%d:remind", id)}); err != nil {
			return err
		}
		if _, err := s.Jobs.Enqueue(ctx, q, JobOverdue, slotArgs{id}, jobs.Options{RunAt: OverdueAt(due, loc), UniqueKey: fmt.Sprintf("eng:spot:%d:overdue", id)}); err != nil {
			return err
		}
	}
	return nil
}

// Schedule returns the spot-check schedule with each check's state.
func (s *Service) Schedule(ctx context.Context, actor authz.Actor, id int64) (*SpotCheckSchedule, error) {
	q := s.DB.Read()
	e, err := s.load(ctx, q, actor, authz.ReadEngagement, id)
	if err != nil {
		return nil, err
	}
	checks, err := s.spotChecks(ctx, q, id, e.Status)
	if err != nil {
		return nil, err
	}
	sc := &SpotCheckSchedule{EngagementID: id, Start: e.Start, End: e.End, EveryDays: e.CheckEveryDays, SpotChecks: []SpotCheck{}, Extra: []SpotCheck{}}
	for _, c := range checks {
		if c.Due == "" {
			sc.Extra = append(sc.Extra, c)
		} else {
			sc.SpotChecks = append(sc.SpotChecks, c)
		}
	}
	return sc, nil
}

// running reports whether spot-checks are due in status.
func running(st Status) bool { return st == Active || st == WindingDown }

func (s *Service) spotChecks(ctx context.Context, q db.Querier, id int64, status Status) ([]SpotCheck, error) {
	rows, err := q.Query(ctx, `SELECT id, seq, COALESCE(due_on, ''), COALESCE(done_on, ''), hours, notes, risks, actions, COALESCE(user_id, 0)
		FROM eng_spot_checks WHERE engagement_id = ? ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, done_on, id`, id)
	if err != nil {
		return nil, err
	}
	var out []SpotCheck
	var users []int64
	for rows.Next() {
		var c SpotCheck
		var uid int64
		if err := rows.Scan(&c.ID, &c.Seq, &c.Due, &c.Date, &c.Hours, &c.Notes, &c.Risks, &c.Actions, &uid); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
		users = append(users, uid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	today := s.today().String()
	names := map[int64]string{}
	for i := range out {
		c := &out[i]
		if uid := users[i]; uid != 0 {
			if _, ok := names[uid]; !ok {
				if u, err := account.UserByIDTx(ctx, q, uid); err == nil {
					names[uid] = u.Email
				}
			}
			c.By = names[uid]
		}
		switch {
		case c.Date != "":
			c.State = "done"
		case !running(status):
			c.State = "cancelled" // the engagement ended (or paused) before it was due or done
		case c.Due < today:
			c.State, c.Overdue = "overdue", true
		case c.Due == today:
			c.State = "due"
		default:
			c.State = "upcoming"
		}
	}
	return out, nil
}

// SpotCheckInput records a spot-check.
type SpotCheckInput struct {
	Date    string  `json:"date" doc:"The day of the check, YYYY-MM-DD; not in the future, not before the start."`
	Hours   float64 `json:"hours" doc:"Time spent, more than 0 and at most 24."`
	Notes   string  `json:"notes" maxLength:"5000"`
	Risks   string  `json:"risks,omitempty" maxLength:"5000" doc:"Risks found."`
	Actions string  `json:"actions,omitempty" maxLength:"5000" doc:"Actions agreed."`
}

func checkHours(e *validate.Errors, h float64) {
	if math.IsNaN(h) || h <= 0 || h > 24 {
		e.Add("hours", "%v is not a number of hours in a day (want more than 0, at most 24)", h)
	}
}

func (s *Service) checkDate(e *validate.Errors, field, v string) (calendar.Date, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return s.today(), s.today().String()
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		e.Add(field, "%q is not a date (want YYYY-MM-DD)", v)
		return d, v
	}
	if s.today().Before(d) {
		e.Add(field, "%s is in the future; record work on or after the day it was done", v)
	}
	return d, d.String()
}

// LogSpotCheck records a spot-check of an active (or winding-down) engagement. It fills
// the earliest open slot of the schedule that the date belongs to (up to one period
// before its due date, or late by less than a period); a check that fits no slot is
// kept as an extra one.
func (s *Service) LogSpotCheck(ctx context.Context, actor authz.Actor, id int64, in SpotCheckInput) (*SpotCheck, error) {
	var e validate.Errors
	date, ds := s.checkDate(&e, "date", in.Date)
	checkHours(&e, in.Hours)
	in.Notes = e.Text("notes", in.Notes, true, 5000)
	in.Risks = e.Text("risks", in.Risks, false, 5000)
	in.Actions = e.Text("actions", in.Actions, false, 5000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var out *SpotCheck
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		eng, err := s.load(ctx, q, actor, authz.WorkEngagement, id)
		if err != nil {
			return err
		}
		if eng.Status != Active && eng.Status != WindingDown {
			return ruleErr("engagement.spot_check", "spot-checks are recorded while an engagement is active or winding down; this one is %s", eng.Status)
		}
		if ds < eng.Start {
			return validate.Field("date", "%s is before the engagement became active (%s)", ds, eng.Start)
		}
		now := s.Clock.Now()
		var slot int64
		var seq int
		var due string
		err = q.QueryRow(ctx, `SELECT id, seq, due_on FROM eng_spot_checks WHERE engagement_id = ? AND due_on IS NOT NULL AND done_on IS NULL
			AND due_on >= ? AND due_on <= ? ORDER BY due_on LIMIT 1`, id, date.AddDays(-(eng.CheckEveryDays-1)).String(), date.AddDays(eng.CheckEveryDays).String()).Scan(&slot, &seq, &due)
		switch {
		case err == nil:
			if _, err := q.Exec(ctx, "UPDATE eng_spot_checks SET done_on = ?, hours = ?, notes = ?, risks = ?, actions = ?, user_id = ?, updated_at = ? WHERE id = ?",
				ds, in.Hours, in.Notes, in.Risks, in.Actions, userID(actor), now, slot); err != nil {
				return err
			}
		case isNoRows(err):
			if err := q.QueryRow(ctx, `INSERT INTO eng_spot_checks (engagement_id, seq, due_on, done_on, hours, notes, risks, actions, user_id, created_at, updated_at)
				VALUES (?, 0, NULL, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, id, ds, in.Hours, in.Notes, in.Risks, in.Actions, userID(actor), now, now).Scan(&slot); err != nil {
				return err
			}
		default:
			return err
		}
		out = &SpotCheck{ID: slot, Seq: seq, Due: due, Date: ds, Hours: in.Hours, Notes: in.Notes, Risks: in.Risks, Actions: in.Actions, By: actor.Email, State: "done"}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvSpotCheck, Subject: ref(id),
			After: SpotCheckEvent{SpotCheckID: slot, Seq: seq, Due: due, Date: ds, Hours: in.Hours}})
		return err
	})
	return out, err
}

func userID(a authz.Actor) any {
	if a.UserID == 0 {
		return nil
	}
	return a.UserID
}

// ContactInput records one contact attempt.
type ContactInput struct {
	Date    string `json:"date,omitempty" doc:"YYYY-MM-DD, default today; not in the future."`
	Channel string `json:"channel,omitempty" maxLength:"100" doc:"email, issue tracker, chat…"`
	Outcome string `json:"outcome" enum:"no_answer,answered,declined"`
	Notes   string `json:"notes,omitempty" maxLength:"5000"`
}

// LogContact records a contact attempt while contacting. After max_unanswered attempts
// in a row without an answer the engagement becomes unresponsive; a "declined" answer
// makes it declined. Both are stage events in the same transaction.
func (s *Service) LogContact(ctx context.Context, actor authz.Actor, id int64, in ContactInput) (*Engagement, error) {
	var e validate.Errors
	_, ds := s.checkDate(&e, "date", in.Date)
	in.Channel = e.Text("channel", in.Channel, false, 100)
	e.OneOf("outcome", in.Outcome, ContactOutcomes...)
	in.Notes = e.Text("notes", in.Notes, false, 5000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		eng, err := s.load(ctx, q, actor, authz.WorkEngagement, id)
		if err != nil {
			return err
		}
		if eng.Status != Contacting {
			return ruleErr("engagement.contact", "contact attempts are recorded while contacting; this engagement is %s", eng.Status)
		}
		now := s.Clock.Now()
		var cid int64
		if err := q.QueryRow(ctx, `INSERT INTO eng_contacts (engagement_id, attempted_on, channel, outcome, notes, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			id, ds, in.Channel, in.Outcome, in.Notes, userID(actor), now).Scan(&cid); err != nil {
			return err
		}
		n, err := unanswered(ctx, q, id)
		if err != nil {
			return err
		}
		if _, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvContact, Subject: ref(id),
			After: ContactEvent{ContactID: cid, Date: ds, Channel: in.Channel, Outcome: in.Outcome, Unanswered: n}}); err != nil {
			return err
		}
		switch {
		case in.Outcome == "declined":
			return s.move(ctx, q, actor, eng, Declined, calendar.Date{}, "the maintainers declined")
		case n >= eng.MaxUnanswered:
			return s.move(ctx, q, actor, eng, Unresponsive, calendar.Date{}, fmt.Sprintf("%d contact attempts in a row went unanswered", n))
		}
		var count int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM eng_contacts WHERE engagement_id = ?", id).Scan(&count); err != nil {
			return err
		}
		next := now.Add(time.Duration(eng.ContactEveryDays) * 24 * time.Hour)
		_, err = s.Jobs.Enqueue(ctx, q, JobContactDue, contactArgs{EngagementID: id, After: count}, jobs.Options{RunAt: next, UniqueKey: fmt.Sprintf("eng:%d:contact-after:%d", id, count)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// unanswered counts the contact attempts without an answer since the last answer.
func unanswered(ctx context.Context, q db.Querier, id int64) (int, error) {
	rows, err := q.Query(ctx, "SELECT outcome FROM eng_contacts WHERE engagement_id = ? ORDER BY attempted_on DESC, id DESC", id)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return 0, err
		}
		if o != "no_answer" {
			break
		}
		n++
	}
	return n, rows.Err()
}

// Contacts lists an engagement's contact attempts, oldest first.
func (s *Service) Contacts(ctx context.Context, actor authz.Actor, id int64) ([]ContactAttempt, error) {
	q := s.DB.Read()
	if _, err := s.load(ctx, q, actor, authz.ReadEngagement, id); err != nil {
		return nil, err
	}
	return contacts(ctx, q, id)
}

func contacts(ctx context.Context, q db.Querier, id int64) ([]ContactAttempt, error) {
	rows, err := q.Query(ctx, "SELECT id, attempted_on, channel, outcome, notes, COALESCE(user_id, 0), created_at FROM eng_contacts WHERE engagement_id = ? ORDER BY attempted_on, id", id)
	if err != nil {
		return nil, err
	}
	out := []ContactAttempt{}
	var uids []int64
	for rows.Next() {
		var c ContactAttempt
		var uid int64
		if err := rows.Scan(&c.ID, &c.Date, &c.Channel, &c.Outcome, &c.Notes, &uid, &c.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
		uids = append(uids, uid)
	}
	rows.Close()
	for i, uid := range uids {
		if uid != 0 {
			if u, err := account.UserByIDTx(ctx, q, uid); err == nil {
				out[i].By = u.Email
			}
		}
	}
	return out, rows.Err()
}

// EngagementHoursInput logs high-visibility engagement hours.
type EngagementHoursInput struct {
	Date  string  `json:"date,omitempty" doc:"YYYY-MM-DD, default today; not in the future."`
	Hours float64 `json:"hours"`
	Note  string  `json:"note,omitempty" maxLength:"1000"`
}

// LogHours records high-visibility engagement hours (spot-check hours come with each
// spot-check).
func (s *Service) LogHours(ctx context.Context, actor authz.Actor, id int64, in EngagementHoursInput) (*EngagementHourLog, error) {
	var e validate.Errors
	_, ds := s.checkDate(&e, "date", in.Date)
	checkHours(&e, in.Hours)
	in.Note = e.Text("note", in.Note, false, 1000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var h *EngagementHourLog
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		eng, err := s.load(ctx, q, actor, authz.WorkEngagement, id)
		if err != nil {
			return err
		}
		if eng.Status == Closed || eng.Status == Declined {
			return ruleErr("engagement.hours", "the engagement is %s; hours are logged while it runs", eng.Status)
		}
		h = &EngagementHourLog{Date: ds, Hours: in.Hours, Note: in.Note, By: actor.Email}
		if err := q.QueryRow(ctx, "INSERT INTO eng_hours (engagement_id, user_id, kind, hours, worked_on, note, created_at) VALUES (?, ?, 'engagement', ?, ?, ?, ?) RETURNING id",
			id, userID(actor), in.Hours, ds, in.Note, s.Clock.Now()).Scan(&h.ID); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvHours, Subject: ref(id), After: HoursEvent{HoursID: h.ID, Date: ds, Hours: in.Hours}})
		return err
	})
	return h, err
}

func hourLogs(ctx context.Context, q db.Querier, id int64) ([]EngagementHourLog, error) {
	rows, err := q.Query(ctx, "SELECT id, worked_on, hours, note, COALESCE(user_id, 0) FROM eng_hours WHERE engagement_id = ? ORDER BY worked_on, id", id)
	if err != nil {
		return nil, err
	}
	out := []EngagementHourLog{}
	var uids []int64
	for rows.Next() {
		var h EngagementHourLog
		var uid int64
		if err := rows.Scan(&h.ID, &h.Date, &h.Hours, &h.Note, &uid); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
		uids = append(uids, uid)
	}
	rows.Close()
	for i, uid := range uids {
		if u, err := account.UserByIDTx(ctx, q, uid); err == nil {
			out[i].By = u.Email
		}
	}
	return out, rows.Err()
}

// hours sums an engagement's hours and compares them with the plan.
func (s *Service) hours(ctx context.Context, q db.Querier, e *Engagement) (*EngagementHours, error) {
	h := &EngagementHours{PlannedEngagement: PlanEngagementHours}
	if err := q.QueryRow(ctx, "SELECT COALESCE(SUM(hours), 0) FROM eng_hours WHERE engagement_id = ?", e.ID).Scan(&h.Engagement); err != nil {
		return nil, err
	}
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(hours), 0), COALESCE(SUM(CASE WHEN done_on IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN due_on IS NOT NULL THEN 1 ELSE 0 END), 0) FROM eng_spot_checks WHERE engagement_id = ?`, e.ID).
		Scan(&h.SpotChecks, &h.SpotChecksDone, &h.SpotChecksScheduled); err != nil {
		return nil, err
	}
	scheduled := h.SpotChecksScheduled
	if scheduled == 0 && e.Start == "" {
		scheduled = len(SpotCheckDues(s.today(), e.CheckEveryDays, e.ActiveMonths))
	}
	h.PlannedSpotChecks = float64(scheduled) * PlanSpotCheckHours
	h.Total = round(h.Engagement + h.SpotChecks)
	h.Engagement, h.SpotChecks = round(h.Engagement), round(h.SpotChecks)
	h.PlannedTotal = h.PlannedEngagement + h.PlannedSpotChecks
	return h, nil
}

func round(f float64) float64 { return math.Round(f*100) / 100 }
