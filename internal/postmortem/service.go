// Package postmortem is the team's blameless after-action review: a post-mortem of a
// case (closed, an embargo break, a tabletop exercise) or an engagement. Its timeline is
// read from the event log (every event of the case the reader may see, in order) and
// annotated; its sections (summary, impact, what went well and badly, where we got
// lucky, contributing factors, lessons) are Markdown; action items have an owner, a due
// date, a kind and a status, and their owners are reminded through the outbox. A
// post-mortem is reviewed and published internally by a second person (four eyes); it
// exports a one-page executive summary (Markdown, HTML, PDF), and the published ones a
// "lessons for other working groups" document.
package postmortem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strconv"
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
	"github.com/oss-sirt/sirt/internal/validate"
)

// JobReminders is the periodic job that reminds owners of action items coming due.
const JobReminders = "postmortem.action_reminders"

// RemindDays is how many days before its due date an action item's owner is reminded
// (and once more on the due date).
const RemindDays = 3

// Kind is what a post-mortem reviews.
type Kind string

// Kinds of post-mortem.
const (
	KindCase         Kind = "case"
	KindEmbargoBreak Kind = "embargo_break"
	KindExercise     Kind = "exercise"
	KindEngagement   Kind = "engagement"
)

// State is where a post-mortem is in its review.
type State string

// States: draft → in_review → published (a second person approves).
const (
	Draft     State = "draft"
	InReview  State = "in_review"
	Published State = "published"
)

// Action item kinds and statuses.
var (
	ActionKinds    = []string{"mitigate", "prevent", "process"}
	ActionStatuses = []string{"open", "done", "dropped"}
)

// Sections are the post-mortem's Markdown sections, in order, with their headings.
var Sections = []struct{ Key, Title string }{
	{"summary", "Summary"}, {"impact", "Impact"}, {"went_well", "What went well"}, {"went_badly", "What went badly"},
	{"lucky", "Where we got lucky"}, {"contributing_factors", "Contributing factors"}, {"lessons", "Lessons"},
}

// MaxSection is the longest a section may be (characters).
const MaxSection = 50_000

// Feedback is the participant feedback of a case (the surveys area answers it).
type Feedback interface {
	CaseFeedback(ctx context.Context, caseID int64) (markdown string, n int, err error)
}

// Cases is what the area needs of the cases service: the policy's view of a case.
type Cases interface {
	Case(ctx context.Context, q db.Querier, actor authz.Actor, caseID int64) (authz.Case, error)
}

// Config is what the area needs to know of the team.
type Config struct {
	Team    string
	BaseURL string
}

// Deps are the shared services the area uses.
type Deps struct {
	DB     *db.DB
	Clock  clock.Clock
	Events *events.Log
	Jobs   *jobs.Queue
	Outbox *notify.Service
	Cases  Cases
	Log    *slog.Logger
}

// Service is the post-mortems area.
type Service struct {
	Deps
	cfg      Config
	feedback Feedback
}

// New returns the service and registers its job kind (a daily reminder sweep).
func New(d Deps, cfg Config) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{Deps: d, cfg: cfg}
	d.Jobs.Register(JobReminders, jobs.Handler{Run: func(ctx context.Context, _ jobs.Job) error {
		_, err := s.RemindOwners(ctx)
		return err
	}, Timeout: 5 * time.Minute})
	d.Jobs.Every(JobReminders, 6*time.Hour, struct{}{})
	return s
}

// SetFeedback attaches participant feedback; nil (also a nil pointer in the interface)
// detaches it, and a nil Service ignores the call.
func (s *Service) SetFeedback(f Feedback) {
	if s == nil {
		return
	}
	if v := reflect.ValueOf(f); f != nil && v.Kind() == reflect.Pointer && v.IsNil() {
		f = nil
	}
	s.feedback = f
}

func (s *Service) today() calendar.Date { return calendar.DateOf(s.Clock.Now().UTC()) }

func ref(id int64) events.Ref { return events.Ref{Type: "postmortem", ID: strconv.FormatInt(id, 10)} }

func isNoRows(err error) bool { return errors.Is(err, db.ErrNotFound) || db.NotFound(err) }

// stateError is a broken state rule (409).
type stateError struct{ msg string }

func (e *stateError) Error() string { return e.msg }
func (e *stateError) Rule() string  { return e.msg }

// Postmortem is one post-mortem as its reader sees it.
type Postmortem struct {
	ID           int64      `json:"id"`
	Kind         Kind       `json:"kind" enum:"case,embargo_break,exercise,engagement"`
	Case         string     `json:"case_id,omitempty" doc:"The public id of the case reviewed."`
	EngagementID int64      `json:"engagement_id,omitempty"`
	Title        string     `json:"title"`
	State        State      `json:"state" enum:"draft,in_review,published"`
	Author       string     `json:"author"`
	Reviewer     string     `json:"reviewer,omitempty"`
	Version      int        `json:"version" doc:"Changes with every edit; send it (or the ETag as If-Match) with PATCH."`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`

	Summary             string `json:"summary"`
	Impact              string `json:"impact"`
	WentWell            string `json:"went_well"`
	WentBadly           string `json:"went_badly"`
	Lucky               string `json:"lucky"`
	ContributingFactors string `json:"contributing_factors"`
	Lessons             string `json:"lessons"`

	Timeline []PostmortemEntry   `json:"timeline,omitempty" doc:"Every event of the case (or engagement) the reader may see, in time order, with annotations."`
	Actions  []PostmortemAction  `json:"actions,omitempty"`
	Feedback *PostmortemFeedback `json:"feedback,omitempty" doc:"Participants' feedback on the case, when collected."`

	caseRow  int64
	authorID int64
	policy   authz.Postmortem
}

// PostmortemEntry is one event of the timeline.
type PostmortemEntry struct {
	Seq         int64                  `json:"seq"`
	At          string                 `json:"at" doc:"RFC 3339, UTC, fixed width (sorts as text)."`
	Action      string                 `json:"action"`
	Actor       string                 `json:"actor"`
	Summary     string                 `json:"summary"`
	Annotations []PostmortemAnnotation `json:"annotations,omitempty"`
}

// PostmortemAnnotation is a note on a timeline entry.
type PostmortemAnnotation struct {
	ID        int64     `json:"id"`
	EventSeq  int64     `json:"event_seq"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// PostmortemAction is an action item.
type PostmortemAction struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	Owner      string    `json:"owner"`
	Due        string    `json:"due"`
	Kind       string    `json:"kind" enum:"mitigate,prevent,process"`
	Status     string    `json:"status" enum:"open,done,dropped"`
	Link       string    `json:"link,omitempty" doc:"plan:<task id> or playbook:<knowledge document id> the action changes."`
	RemindedOn string    `json:"reminded_on,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PostmortemFeedback is the participants' feedback.
type PostmortemFeedback struct {
	Markdown  string `json:"markdown"`
	Responses int    `json:"responses"`
}

// Section returns the text of section key.
func (p *Postmortem) Section(key string) string {
	switch key {
	case "summary":
		return p.Summary
	case "impact":
		return p.Impact
	case "went_well":
		return p.WentWell
	case "went_badly":
		return p.WentBadly
	case "lucky":
		return p.Lucky
	case "contributing_factors":
		return p.ContributingFactors
	case "lessons":
		return p.Lessons
	}
	return ""
}

// ETag names the post-mortem's version.
func (p *Postmortem) ETag() string { return `"` + strconv.Itoa(p.Version) + `"` }

// NewPostmortem starts a post-mortem.
type NewPostmortem struct {
	CaseID       string `json:"case_id,omitempty" maxLength:"100" doc:"The public id of the case to review (closed, an embargo break, an exercise)."`
	EngagementID int64  `json:"engagement_id,omitempty" doc:"Or the engagement to review."`
	Kind         string `json:"kind,omitempty" enum:"case,embargo_break,exercise,engagement" doc:"Default: exercise for an exercise case, case for a case, engagement for an engagement."`
	Title        string `json:"title,omitempty" maxLength:"300" doc:"Default: the case's or engagement's title."`
}

type caseInfo struct {
	id       int64
	publicID string
	title    string
	exercise bool
	public   bool
}

func (s *Service) caseByPublicID(ctx context.Context, q db.Querier, publicID string) (*caseInfo, error) {
	var c caseInfo
	var tlp string
	var pd *time.Time
	err := q.QueryRow(ctx, "SELECT id, public_id, title, tlp, public_date, exercise FROM cases WHERE public_id = ?",
		strings.ToUpper(strings.TrimSpace(publicID))).Scan(&c.id, &c.publicID, &c.title, &tlp, &pd, &c.exercise)
	if err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	c.public = tlp == "CLEAR" || (pd != nil && !s.Clock.Now().Before(*pd))
	return &c, nil
}

func (s *Service) casePolicy(ctx context.Context, q db.Querier, actor authz.Actor, c *caseInfo) (*authz.Case, error) {
	az, err := s.Cases.Case(ctx, q, actor, c.id)
	if err != nil {
		return nil, err
	}
	return &az, nil
}

// Start starts a post-mortem (staff: responders, programme managers, admins) of a case
// the actor may read (the programme manager: a case past its public date) or of an
// engagement.
func (s *Service) Start(ctx context.Context, actor authz.Actor, in NewPostmortem) (*Postmortem, error) {
	if err := authz.Can(actor, authz.StartPostmortems, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.CaseID = e.Text("case_id", in.CaseID, false, 100)
	in.Title = e.Text("title", strings.ReplaceAll(in.Title, "\n", " "), false, 300)
	if (in.CaseID == "") == (in.EngagementID == 0) {
		e.Add("case_id", "give a case_id or an engagement_id (one of them)")
	}
	if in.Kind != "" {
		e.OneOf("kind", in.Kind, string(KindCase), string(KindEmbargoBreak), string(KindExercise), string(KindEngagement))
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		now := s.Clock.Now()
		kind := Kind(in.Kind)
		var caseID, engID any
		var pol authz.Postmortem
		pol.AuthorID = actor.UserID
		ev := CreatedEvent{}
		title := in.Title
		if in.CaseID != "" {
			c, err := s.caseByPublicID(ctx, q, in.CaseID)
			if isNoRows(err) {
				return validate.Field("case_id", "there is no case %s", in.CaseID)
			}
			if err != nil {
				return err
			}
			az, err := s.casePolicy(ctx, q, actor, c)
			if err != nil {
				return err
			}
			pol.Case, pol.CasePublic = az, c.public
			if err := authz.Can(actor, authz.ReadPostmortem, pol); err != nil {
				if isNoRows(err) {
					return validate.Field("case_id", "there is no case %s", in.CaseID)
				}
				return err
			}
			switch {
			case c.exercise:
				kind = KindExercise
			case kind == "":
				var broken int
				if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM events WHERE case_id = ? AND action = 'case.embargo.broken'", c.id).Scan(&broken); err != nil {
					return err
				}
				kind = KindCase
				if broken > 0 {
					kind = KindEmbargoBreak
				}
			case kind == KindExercise || kind == KindEngagement:
				kind = KindCase
			}
			if title == "" {
				title = c.title
			}
			caseID, ev.Case = c.id, c.publicID
		} else {
			var name string
			err := q.QueryRow(ctx, "SELECT p.name FROM engagements e JOIN eng_projects p ON p.id = e.project_id WHERE e.id = ?", in.EngagementID).Scan(&name)
			if isNoRows(err) {
				return validate.Field("engagement_id", "there is no engagement %d", in.EngagementID)
			}
			if err != nil {
				return err
			}
			kind = KindEngagement
			if title == "" {
				title = "Engagement with " + name
			}
			engID, ev.EngagementID = in.EngagementID, in.EngagementID
		}
		ev.Kind = kind
		if err := q.QueryRow(ctx, `INSERT INTO postmortems (kind, case_id, engagement_id, title, state, author_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, string(kind), caseID, engID, title, string(Draft), actor.UserID, now, now).Scan(&id); err != nil {
			return fmt.Errorf("postmortem: start: %w", err)
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvCreated, Subject: ref(id), After: ev})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

const pmColumns = `id, kind, COALESCE(case_id, 0), COALESCE(engagement_id, 0), title, state, author_id, COALESCE(reviewer_id, 0), summary, impact, went_well, went_badly,
	lucky, contributing_factors, lessons, version, created_at, updated_at, published_at`

func scanPM(sc interface{ Scan(...any) error }) (*Postmortem, int64, error) {
	var p Postmortem
	var kind, state string
	var reviewer int64
	if err := sc.Scan(&p.ID, &kind, &p.caseRow, &p.EngagementID, &p.Title, &state, &p.authorID, &reviewer, &p.Summary, &p.Impact, &p.WentWell,
		&p.WentBadly, &p.Lucky, &p.ContributingFactors, &p.Lessons, &p.Version, &p.CreatedAt, &p.UpdatedAt, &p.PublishedAt); err != nil {
		if isNoRows(err) {
			return nil, 0, db.ErrNotFound
		}
		return nil, 0, err
	}
	p.Kind, p.State = Kind(kind), State(state)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.PublishedAt != nil {
		t := p.PublishedAt.UTC()
		p.PublishedAt = &t
	}
	return &p, reviewer, nil
}

// load reads post-mortem id inside q and checks the actor may do action on it.
func (s *Service) load(ctx context.Context, q db.Querier, actor authz.Actor, action authz.Action, id int64) (*Postmortem, error) {
	if !actor.IsSystem() && !actor.IsStaff() {
		return nil, authz.ErrNotFound
	}
	p, reviewer, err := scanPM(q.QueryRow(ctx, "SELECT "+pmColumns+" FROM postmortems WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	p.policy.AuthorID = p.authorID
	if p.caseRow != 0 {
		var pid string
		if err := q.QueryRow(ctx, "SELECT public_id FROM cases WHERE id = ?", p.caseRow).Scan(&pid); err != nil {
			return nil, err
		}
		c, err := s.caseByPublicID(ctx, q, pid)
		if err != nil {
			return nil, err
		}
		az, err := s.casePolicy(ctx, q, actor, c)
		if err != nil {
			return nil, err
		}
		p.Case, p.policy.Case, p.policy.CasePublic = c.publicID, az, c.public
	}
	if err := authz.Can(actor, action, p.policy); err != nil {
		return nil, err
	}
	p.Author = userEmail(ctx, q, p.authorID)
	if reviewer != 0 {
		p.Reviewer = userEmail(ctx, q, reviewer)
	}
	return p, nil
}

func userEmail(ctx context.Context, q db.Querier, id int64) string {
	u, err := account.UserByIDTx(ctx, q, id)
	if err != nil {
		return fmt.Sprintf("user %d", id)
	}
	return u.Email
}

// Get returns a post-mortem with its timeline, annotations, action items and feedback.
func (s *Service) Get(ctx context.Context, actor authz.Actor, id int64) (*Postmortem, error) {
	q := s.DB.Read()
	p, err := s.load(ctx, q, actor, authz.ReadPostmortem, id)
	if err != nil {
		return nil, err
	}
	if p.Timeline, err = s.timeline(ctx, q, actor, p); err != nil {
		return nil, err
	}
	if p.Actions, err = actionsOf(ctx, q, p.ID); err != nil {
		return nil, err
	}
	// An admin who is not on the case reads its content: audited, as on the case's pages.
	if actor.Role == authz.RoleAdmin && actor.UserID != 0 && p.policy.Case != nil && p.policy.Case.Member == nil {
		if err := s.DB.InTx(ctx, func(q db.Querier) error {
			_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvContentRead, Subject: ref(p.ID), After: ContentReadEvent{Case: p.Case}})
			return err
		}); err != nil {
			return nil, err
		}
	}
	if s.feedback != nil && p.caseRow != 0 {
		md, n, err := s.feedback.CaseFeedback(ctx, p.caseRow)
		if err != nil {
			return nil, err
		}
		if n > 0 || md != "" {
			p.Feedback = &PostmortemFeedback{Markdown: md, Responses: n}
		}
	}
	return p, nil
}

// List returns the post-mortems the actor may see, newest first.
func (s *Service) List(ctx context.Context, actor authz.Actor) ([]Postmortem, error) {
	if err := authz.Can(actor, authz.ViewPostmortems, nil); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	ids, err := db.All(ctx, q, func(sc db.Scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	}, "SELECT id FROM postmortems ORDER BY id DESC LIMIT 1000")
	if err != nil {
		return nil, err
	}
	out := []Postmortem{}
	for _, id := range ids {
		p, err := s.load(ctx, q, actor, authz.ReadPostmortem, id)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// fixedRFC3339 is RFC 3339 with every digit of the fraction, so the text sorts as time.
const fixedRFC3339 = "2006-01-02T15:04:05.000000000Z07:00"

// timeline reads every event of the post-mortem's subject the actor may see, in order,
// with the annotations: a case's events and those of the report it came from (intake,
// triage, the finder's messages), or an engagement's.
func (s *Service) timeline(ctx context.Context, q db.Querier, actor authz.Actor, p *Postmortem) ([]PostmortemEntry, error) {
	var queries []events.Query
	if p.caseRow != 0 {
		queries = append(queries, events.Query{CaseID: p.caseRow})
		var report string
		err := q.QueryRow(ctx, "SELECT r.public_id FROM cases c JOIN reports r ON r.id = c.report_id WHERE c.id = ?", p.caseRow).Scan(&report)
		if err != nil && !isNoRows(err) {
			return nil, err
		}
		if report != "" {
			queries = append(queries, events.Query{Subject: &events.Ref{Type: "report", ID: report}})
		}
	} else {
		queries = append(queries, events.Query{Subject: &events.Ref{Type: "engagement", ID: strconv.FormatInt(p.EngagementID, 10)}})
	}
	var evs []events.Event
	seen := map[int64]bool{}
	for _, qu := range queries {
		got, err := s.allEvents(ctx, q, qu)
		if err != nil {
			return nil, err
		}
		for _, e := range got {
			if !seen[e.Seq] {
				seen[e.Seq] = true
				evs = append(evs, e)
			}
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	notes, err := annotationsOf(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	team := p.policy.Case == nil || authz.Can(actor, authz.ReadInternal, *p.policy.Case) == nil
	out := []PostmortemEntry{}
	for _, e := range evs {
		if !authz.CanSeePostmortemEvent(actor, p.policy, caseEvent(e)) {
			continue
		}
		actorName := e.Actor
		if !team && !strings.HasPrefix(actorName, "system") {
			actorName = "a participant" // the party's identity is the case's to show
		}
		out = append(out, PostmortemEntry{Seq: e.Seq, At: e.At.UTC().Format(fixedRFC3339), Action: e.Action, Actor: actorName,
			Summary: describe(e, team), Annotations: notes[e.Seq]})
	}
	return out, nil
}

// allEvents pages through every event matching qu (the caller filters them).
func (s *Service) allEvents(ctx context.Context, q db.Querier, qu events.Query) ([]events.Event, error) {
	qu.Limit = 1000
	var out []events.Event
	for {
		evs, err := s.Events.List(ctx, q, authz.System("postmortem"), qu)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if len(evs) < qu.Limit {
			return out, nil
		}
		qu.AfterSeq = evs[len(evs)-1].Seq
	}
}

// ---- sections ----

// PostmortemUpdate changes sections; fields left out are kept.
type PostmortemUpdate struct {
	Title               *string `json:"title,omitempty" maxLength:"300"`
	Summary             *string `json:"summary,omitempty" maxLength:"50000"`
	Impact              *string `json:"impact,omitempty" maxLength:"50000"`
	WentWell            *string `json:"went_well,omitempty" maxLength:"50000"`
	WentBadly           *string `json:"went_badly,omitempty" maxLength:"50000"`
	Lucky               *string `json:"lucky,omitempty" maxLength:"50000"`
	ContributingFactors *string `json:"contributing_factors,omitempty" maxLength:"50000"`
	Lessons             *string `json:"lessons,omitempty" maxLength:"50000"`
	Version             int     `json:"version,omitempty" doc:"The version the change was made to (or send If-Match); a stale one is refused."`
}

func (u *PostmortemUpdate) fields() []struct {
	key, col string
	v        *string
} {
	return []struct {
		key, col string
		v        *string
	}{{"title", "title", u.Title}, {"summary", "summary", u.Summary}, {"impact", "impact", u.Impact}, {"went_well", "went_well", u.WentWell},
		{"went_badly", "went_badly", u.WentBadly}, {"lucky", "lucky", u.Lucky}, {"contributing_factors", "contributing_factors", u.ContributingFactors},
		{"lessons", "lessons", u.Lessons}}
}

// ErrStale is a change made to a version that is no longer current.
var ErrStale = fmt.Errorf("the post-mortem was changed by someone else; reload and make your change again: %w", db.ErrConflict)

// Update changes sections of a draft or in-review post-mortem. version (0: any) must be
// the current one.
func (s *Service) Update(ctx context.Context, actor authz.Actor, id int64, up PostmortemUpdate) (*Postmortem, error) {
	var e validate.Errors
	var sets []string
	var args []any
	var changed []string
	for _, f := range up.fields() {
		if f.v == nil {
			continue
		}
		max, required := MaxSection, false
		if f.key == "title" {
			max, required = 300, true
		}
		*f.v = e.Text(f.key, *f.v, required, max)
		sets = append(sets, f.col+" = ?")
		args = append(args, *f.v)
		changed = append(changed, f.key)
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		p, err := s.load(ctx, q, actor, authz.EditPostmortem, id)
		if err != nil {
			return err
		}
		if p.State == Published {
			return &stateError{"the post-mortem is published; it is no longer edited"}
		}
		if up.Version != 0 && up.Version != p.Version {
			return ErrStale
		}
		if len(sets) == 0 {
			return nil
		}
		res, err := q.Exec(ctx, "UPDATE postmortems SET "+strings.Join(sets, ", ")+", version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			append(args, s.Clock.Now(), id, p.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrStale
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvUpdated, Subject: ref(id), After: UpdatedEvent{Sections: changed, Version: p.Version + 1}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// ---- annotations ----

// NewPostmortemAnnotation annotates an entry of the timeline.
type NewPostmortemAnnotation struct {
	EventSeq int64  `json:"event_seq" doc:"The seq of the timeline entry."`
	Body     string `json:"body" maxLength:"10000" doc:"Markdown."`
}

// Annotate adds a note to a timeline entry.
func (s *Service) Annotate(ctx context.Context, actor authz.Actor, id int64, in NewPostmortemAnnotation) (*PostmortemAnnotation, error) {
	var e validate.Errors
	in.Body = e.Text("body", in.Body, true, 10_000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var out *PostmortemAnnotation
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		p, err := s.load(ctx, q, actor, authz.EditPostmortem, id)
		if err != nil {
			return err
		}
		if p.State == Published {
			return &stateError{"the post-mortem is published; it is no longer annotated"}
		}
		tl, err := s.timeline(ctx, q, actor, p)
		if err != nil {
			return err
		}
		found := false
		for _, x := range tl {
			found = found || x.Seq == in.EventSeq
		}
		if !found {
			return validate.Field("event_seq", "%d is not an entry of this post-mortem's timeline", in.EventSeq)
		}
		now := s.Clock.Now()
		var aid int64
		if err := q.QueryRow(ctx, "INSERT INTO pm_annotations (postmortem_id, event_seq, author_id, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			id, in.EventSeq, actor.UserID, in.Body, now).Scan(&aid); err != nil {
			return err
		}
		out = &PostmortemAnnotation{ID: aid, EventSeq: in.EventSeq, Author: actor.Email, Body: in.Body, CreatedAt: now.UTC()}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvAnnotated, Subject: ref(id), After: AnnotatedEvent{AnnotationID: aid, EventSeq: in.EventSeq}})
		return err
	})
	return out, err
}

func annotationsOf(ctx context.Context, q db.Querier, id int64) (map[int64][]PostmortemAnnotation, error) {
	type row struct {
		a      PostmortemAnnotation
		author int64
	}
	rows, err := db.All(ctx, q, func(sc db.Scanner) (row, error) {
		var r row
		err := sc.Scan(&r.a.ID, &r.a.EventSeq, &r.author, &r.a.Body, &r.a.CreatedAt)
		r.a.CreatedAt = r.a.CreatedAt.UTC()
		return r, err
	}, "SELECT id, event_seq, author_id, body, created_at FROM pm_annotations WHERE postmortem_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	out := map[int64][]PostmortemAnnotation{}
	for _, r := range rows {
		r.a.Author = userEmail(ctx, q, r.author)
		out[r.a.EventSeq] = append(out[r.a.EventSeq], r.a)
	}
	return out, nil
}

// ---- review ----

// Submit sends a draft for review.
func (s *Service) Submit(ctx context.Context, actor authz.Actor, id int64) (*Postmortem, error) {
	return s.move(ctx, actor, id, authz.EditPostmortem, Draft, InReview, EvSubmitted)
}

// Return sends a post-mortem in review back to draft.
func (s *Service) Return(ctx context.Context, actor authz.Actor, id int64) (*Postmortem, error) {
	return s.move(ctx, actor, id, authz.EditPostmortem, InReview, Draft, EvReturned)
}

// Approve publishes a post-mortem in review internally; the author may not (four eyes).
func (s *Service) Approve(ctx context.Context, actor authz.Actor, id int64) (*Postmortem, error) {
	return s.move(ctx, actor, id, authz.ApprovePostmortem, InReview, Published, EvPublished)
}

func (s *Service) move(ctx context.Context, actor authz.Actor, id int64, action authz.Action, from, to State, ev string) (*Postmortem, error) {
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		p, err := s.load(ctx, q, actor, action, id)
		if err != nil {
			return err
		}
		if p.State != from {
			return &stateError{fmt.Sprintf("the post-mortem is %s; only one %s can be moved to %s", p.State, from, to)}
		}
		now := s.Clock.Now()
		if to == Published {
			_, err = q.Exec(ctx, "UPDATE postmortems SET state = ?, reviewer_id = ?, published_at = ?, updated_at = ? WHERE id = ?", string(to), actor.UserID, now, now, id)
		} else {
			_, err = q.Exec(ctx, "UPDATE postmortems SET state = ?, updated_at = ? WHERE id = ?", string(to), now, id)
		}
		if err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: ev, Subject: ref(id), After: StateEvent{From: from, To: to}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}
