// Package cases is where a vulnerability is coordinated among many parties under
// embargo: the lifecycle Triage → Validate → Coordination → Patch → Test → Document →
// Distribute → Disclose, modelled on CERT/CC's Vultron states (model.go).
//
// A case is opened from a report (it keeps the report's tracking id) or directly. It
// holds vulnerabilities, affected packages, participants with case roles, each party's
// Report Management state and per-vulnerability status, the case-wide Embargo
// Management state with each party's consent, the case-state facts, discussion in
// shared, private and internal threads, tasks, attachments, and a timeline read from
// the event log. Every method authorizes through authz, validates its input, and
// writes rows, events, outbox messages and jobs in one transaction.
package cases

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/templates"
)

// Phases of the team's CVD lifecycle, in order.
var Phases = []string{"triage", "validate", "coordination", "patch", "test", "document", "distribute", "disclose"}

// DefaultTerms are the confidentiality terms a participant accepts on read-in, unless
// the case has its own.
const DefaultTerms = "This case is under embargo (TLP:RED). By reading in you agree to keep everything in it " +
	"confidential to the people in your organisation who need it to fix or mitigate the vulnerability, " +
	"to not publish, commit fixes publicly or discuss it before the public date, and to tell the team at once " +
	"if you learn it has become public."

// Case is a case as one actor may see it. For an actor who may only know the case
// exists (a participant not yet read in), only ID, Terms, ReadInRequired, Role and the
// timestamps are set; every content field is empty and omitted.
type Case struct {
	ID             int64  `json:"-"`
	PublicID       string `json:"id" doc:"The case id: the tracking id of the report it came from, e.g. OSS-SIRT-2026-0042."`
	ReadInRequired bool   `json:"read_in_required" doc:"True when the caller must accept the terms (POST …/read-in) before seeing the case."`
	Terms          string `json:"terms" doc:"The confidentiality terms participants accept on read-in."`
	Role           string `json:"my_role,omitempty" doc:"The caller's case role, if a participant."`
	MyParticipant  int64  `json:"my_participant_id,omitempty"`

	ReportID        string             `json:"report_id,omitempty"`
	Title           string             `json:"title,omitempty"`
	Summary         string             `json:"summary,omitempty"`
	Details         string             `json:"details,omitempty"`
	Project         string             `json:"project,omitempty"`
	Phase           string             `json:"phase,omitempty"`
	TLP             string             `json:"tlp,omitempty"`
	Embargo         *Embargo           `json:"embargo,omitempty"`
	Facts           *FactsView         `json:"facts,omitempty"`
	Participants    []*Participant     `json:"participants,omitempty"`
	Vulnerabilities []*Vulnerability   `json:"vulnerabilities,omitempty"`
	Packages        []*AffectedPackage `json:"packages,omitempty"`
	Tasks           []*CaseTask        `json:"tasks,omitempty"`
	PartiesVisible  []string           `json:"parties_visible,omitempty" doc:"The case roles that see the other parties (by organisation name only); coordinators always do."`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
	ClosedAt        *time.Time         `json:"closed_at,omitempty"`
	Exercise        bool               `json:"exercise,omitempty" doc:"A tabletop exercise: no mail outside the team, no publication."`

	// Filled from the row; not all shown.
	reportRowID *int64
	replyToken  string
	state       State
	content     bool // the actor may read content
}

// Ref is the case as an event subject.
func (c *Case) Ref() events.Ref { return events.Ref{Type: "case", ID: c.PublicID} }

// FactsView says when each case-state fact became true (absent: not yet).
type FactsView struct {
	VendorAware     *time.Time `json:"vendor_aware,omitempty"`
	FixReady        *time.Time `json:"fix_ready,omitempty"`
	FixDeployed     *time.Time `json:"fix_deployed,omitempty"`
	PublicAware     *time.Time `json:"public_aware,omitempty"`
	ExploitPublic   *time.Time `json:"exploit_public,omitempty"`
	AttacksObserved *time.Time `json:"attacks_observed,omitempty"`
}

func (f *FactsView) ptr(x Fact) **time.Time {
	switch x {
	case FactVendorAware:
		return &f.VendorAware
	case FactFixReady:
		return &f.FixReady
	case FactFixDeployed:
		return &f.FixDeployed
	case FactPublicAware:
		return &f.PublicAware
	case FactExploitPublic:
		return &f.ExploitPublic
	case FactAttacksObserved:
		return &f.AttacksObserved
	}
	return nil
}

// Embargo is the case-wide Embargo Management state with every required party's answer.
type Embargo struct {
	State        EMState    `json:"state" enum:"none,proposed,active,revise,exited"`
	Round        int        `json:"round"`
	ProposedDate *time.Time `json:"proposed_date,omitempty" doc:"The public date under consideration (UTC)."`
	ProposedBy   string     `json:"proposed_by,omitempty"`
	PublicDate   *time.Time `json:"public_date,omitempty" doc:"The agreed public date (UTC)."`
	Consents     []Consent  `json:"consents,omitempty" doc:"Each required party's answer to the current proposal."`
	HoldingUp    []string   `json:"holding_up,omitempty" doc:"Required parties that have not accepted the current proposal."`
	Warnings     []string   `json:"warnings,omitempty" doc:"How the date departs from the team's disclosure preferences."`
}

// Consent is one party's answer to the current proposal.
type Consent struct {
	Party         string     `json:"party"`
	ParticipantID int64      `json:"participant_id,omitempty"`
	Answer        Answer     `json:"answer" enum:"accepted,rejected,countered,no_answer"`
	Required      bool       `json:"required" doc:"Whether the embargo waits for this party. A party that is not required may still answer; the answer is shown."`
	By            string     `json:"by,omitempty"`
	At            *time.Time `json:"at,omitempty"`
	Date          *time.Time `json:"public_date,omitempty"`
}

// Config holds the team's settings for cases.
type Config struct {
	IDPrefix string
	BaseURL  string
	Team     string
	Calendar calendar.Calendar
	Policy   calendar.Policy
	// NoticeDays is how many working days before PD downstream parties get the embargoed
	// notice (clamped to the policy's 1–30).
	NoticeDays int
	// ReminderDays is how many business days before PD participants are reminded.
	ReminderDays int
	// NoticeStagger is the time between two downstream parties' embargoed notices
	// (default 15 minutes): they are not all sent in one burst.
	NoticeStagger time.Duration
	Version       string
}

// Service is the cases capability.
type Service struct {
	db        *db.DB
	clock     clock.Clock
	events    *events.Log
	jobs      *jobs.Queue
	outbox    *notify.Service
	templates *templates.Store
	intake    *intake.Service
	cfg       Config
	log       *slog.Logger
	// advisories follow the case's public date (nil until app wires them in).
	advisories AdvisoryFollower
}

// Deps are the services a case needs.
type Deps struct {
	DB        *db.DB
	Clock     clock.Clock
	Events    *events.Log
	Jobs      *jobs.Queue
	Outbox    *notify.Service
	Templates *templates.Store
	Intake    *intake.Service
	Log       *slog.Logger
}

// New returns the service and registers its job kinds.
func New(d Deps, cfg Config) *Service {
	if cfg.Policy.EmbargoMaxDays == 0 {
		cfg.Policy = calendar.DefaultPolicy()
	}
	if cfg.NoticeDays == 0 {
		cfg.NoticeDays = 5
	}
	cfg.NoticeDays = max(cfg.Policy.NoticeMinDays, min(cfg.Policy.NoticeMaxDays, cfg.NoticeDays))
	if cfg.ReminderDays == 0 {
		cfg.ReminderDays = 2
	}
	if cfg.NoticeStagger == 0 {
		cfg.NoticeStagger = 15 * time.Minute
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Service{db: d.DB, clock: d.Clock, events: d.Events, jobs: d.Jobs, outbox: d.Outbox, templates: d.Templates, intake: d.Intake, cfg: cfg, log: d.Log}
	s.registerJobs()
	if d.Intake != nil {
		d.Intake.SetReplyRouter(s.routeReply)
	}
	return s
}

// Config returns the configuration.
func (s *Service) Config() Config { return s.cfg }

// Publisher is the team as CSAF names it.
func (s *Service) Publisher() format.Publisher {
	return format.Publisher{Name: s.cfg.Team, Namespace: s.cfg.BaseURL, Category: "coordinator"}
}

// URL is the case page.
func (s *Service) URL(c *Case) string { return s.cfg.BaseURL + "/cases/" + c.PublicID }

const caseColumns = `id, public_id, report_id, title, summary, details, project, phase, tlp, terms, em_state, em_round,
	proposed_date, proposed_by, public_date, vendor_aware_at, fix_ready_at, fix_deployed_at, public_aware_at, exploit_public_at,
	attacks_observed_at, reply_token, created_at, updated_at, closed_at, parties_visible, exercise`

type scanner interface{ Scan(dest ...any) error }

func scanCase(sc scanner) (*Case, error) {
	c := &Case{Facts: &FactsView{}, Embargo: &Embargo{}}
	var em string
	var proposed, pd *time.Time
	var visible string
	f := c.Facts
	err := sc.Scan(&c.ID, &c.PublicID, &c.reportRowID, &c.Title, &c.Summary, &c.Details, &c.Project, &c.Phase, &c.TLP, &c.Terms,
		&em, &c.Embargo.Round, &proposed, &c.Embargo.ProposedBy, &pd, &f.VendorAware, &f.FixReady, &f.FixDeployed, &f.PublicAware,
		&f.ExploitPublic, &f.AttacksObserved, &c.replyToken, &c.CreatedAt, &c.UpdatedAt, &c.ClosedAt, &visible, &c.Exercise)
	if err != nil {
		if db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, fmt.Errorf("cases: read case: %w", err)
	}
	c.Embargo.State = EMState(em)
	c.PartiesVisible = splitRoles(visible)
	c.Embargo.ProposedDate, c.Embargo.PublicDate = utcPtr(proposed), utcPtr(pd)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.state = State{EM: c.Embargo.State, Round: c.Embargo.Round, Facts: FactSet{}}
	if proposed != nil {
		c.state.Proposed = proposed.UTC()
	}
	if pd != nil {
		c.state.PD = pd.UTC()
	}
	for _, x := range Facts {
		if p := f.ptr(x); *p != nil {
			t := (*p).UTC()
			*p = &t
			c.state.Facts[x] = true
		}
	}
	return c, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// load reads a case by public id (case-insensitive) with the actor's membership.
func (s *Service) load(ctx context.Context, q db.Querier, ref string) (*Case, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if ref == "" {
		return nil, db.ErrNotFound
	}
	c, err := scanCase(q.QueryRow(ctx, "SELECT "+caseColumns+" FROM cases WHERE public_id = ?", ref))
	if err != nil {
		return nil, err
	}
	if c.reportRowID != nil {
		_ = q.QueryRow(ctx, "SELECT public_id FROM reports WHERE id = ?", *c.reportRowID).Scan(&c.ReportID)
	}
	return c, nil
}

func (s *Service) loadByID(ctx context.Context, q db.Querier, id int64) (*Case, error) {
	var ref string
	if err := q.QueryRow(ctx, "SELECT public_id FROM cases WHERE id = ?", id).Scan(&ref); err != nil {
		return nil, db.ErrNotFound
	}
	return s.load(ctx, q, ref)
}

// membership returns the actor's participant row on case c, or nil.
func (s *Service) membership(ctx context.Context, q db.Querier, caseID int64, actor authz.Actor) (*Participant, error) {
	if actor.UserID == 0 {
		return nil, nil
	}
	p, err := scanParticipant(q.QueryRow(ctx, "SELECT "+memberColumns+" FROM case_members WHERE case_id = ? AND user_id = ? AND removed_at IS NULL ORDER BY id LIMIT 1", caseID, actor.UserID))
	if db.NotFound(err) {
		return nil, nil
	}
	return p, err
}

// memberships reads actor's membership of each of the cases at once (a list page
// would otherwise ask once per case).
func (s *Service) memberships(ctx context.Context, q db.Querier, caseIDs []int64, actor authz.Actor) (map[int64]*Participant, error) {
	out := map[int64]*Participant{}
	if actor.UserID == 0 || len(caseIDs) == 0 {
		return out, nil
	}
	args := []any{actor.UserID}
	for _, id := range caseIDs {
		args = append(args, id)
	}
	type row struct {
		caseID int64
		p      *Participant
	}
	rs, err := db.All(ctx, q, func(sc db.Scanner) (row, error) {
		var r row
		p, err := scanParticipant(withFirst{sc, &r.caseID})
		r.p = p
		return r, err
	}, "SELECT case_id, "+memberColumns+" FROM case_members WHERE user_id = ? AND removed_at IS NULL AND case_id IN ("+db.Placeholders(len(caseIDs))+") ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if _, ok := out[r.caseID]; !ok {
			out[r.caseID] = r.p
		}
	}
	return out, nil
}

// withFirst scans a row's first column into first and the rest as sc's caller asks.
type withFirst struct {
	sc    db.Scanner
	first any
}

func (w withFirst) Scan(dest ...any) error { return w.sc.Scan(append([]any{w.first}, dest...)...) }

// access is a case with the actor's standing on it.
type access struct {
	c  *Case
	me *Participant
	az authz.Case
}

func (a access) can(actor authz.Actor, action authz.Action) error {
	return authz.Can(actor, action, a.az)
}

// open loads case ref for actor and checks action. A case the actor may not know of is
// db.ErrNotFound whatever the action.
func (s *Service) open(ctx context.Context, q db.Querier, actor authz.Actor, ref string, action authz.Action) (access, error) {
	c, err := s.load(ctx, q, ref)
	if err != nil {
		return access{}, err
	}
	return s.openCase(ctx, q, actor, c, action)
}

func (s *Service) openCase(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, action authz.Action) (access, error) {
	me, err := s.membership(ctx, q, c.ID, actor)
	if err != nil {
		return access{}, err
	}
	return openWith(actor, c, me, action)
}

// openWith is openCase with the actor's membership already read (me: nil for none).
func openWith(actor authz.Actor, c *Case, me *Participant, action authz.Action) (access, error) {
	a := access{c: c, me: me, az: authz.Case{Embargoed: c.TLP != "CLEAR"}}
	if me != nil {
		a.az.Member = c.membershipOf(me)
	}
	if err := a.can(actor, authz.ReadCaseMeta); err != nil {
		return a, db.ErrNotFound
	}
	if err := a.can(actor, action); err != nil {
		return a, err
	}
	return a, nil
}

// AuthzCase is what the policy needs to know of case caseID for actor (the advisory
// service's seam).
func (s *Service) Case(ctx context.Context, q db.Querier, actor authz.Actor, caseID int64) (authz.Case, error) {
	c, err := s.loadByID(ctx, q, caseID)
	if err != nil {
		return authz.Case{}, err
	}
	a, err := s.openCase(ctx, q, actor, c, authz.ReadCaseMeta)
	if err != nil && db.NotFound(err) {
		// The policy decides from the standing; a non-participant has none.
		return authz.Case{Embargoed: c.TLP != "CLEAR"}, nil
	}
	return a.az, nil
}

// appendEvent adds a case event, moves the updated_since cursor of every participant
// who may see it (authz.PartySeesEvent), and fans it out to the webhooks of the
// organisations with a participant who may see it.
func (s *Service) appendEvent(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, action string, before, after any) error {
	ev, err := s.events.Append(ctx, q, actor, events.Entry{Action: action, Subject: c.Ref(), CaseID: c.ID, Before: before, After: after})
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if _, err := q.Exec(ctx, "UPDATE cases SET updated_at = ? WHERE id = ?", now, c.ID); err != nil {
		return err
	}
	ps, err := s.participants(ctx, q, c.ID)
	if err != nil {
		return err
	}
	var seeing []*Participant
	for _, p := range ps {
		if authz.PartySeesEvent(c.membershipOf(p), caseEvent(ev)) {
			seeing = append(seeing, p)
			if _, err := q.Exec(ctx, "UPDATE case_members SET activity_at = ? WHERE id = ?", now, p.ID); err != nil {
				return err
			}
		}
	}
	return s.webhookFanout(ctx, q, c, ev, seeing)
}

// DefaultPartiesVisible are the roles that see the other parties of a new case.
var DefaultPartiesVisible = []string{string(authz.CaseOwner), string(authz.CaseCollaborator), string(authz.CaseFinder)}

func splitRoles(s string) []string {
	out := []string{}
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func nullUser(a authz.Actor) any {
	if a.UserID == 0 {
		return nil
	}
	return a.UserID
}
