// Package authz is sirt's one need-to-know policy. Every page, API route, CLI command,
// export, email and search asks it — through Can for one object and Scope for a list —
// and nothing else decides who may see or change what.
//
// Access comes from two places: the actor's global role (admin, programme manager,
// responder, member) and, for case material, the actor's membership of that case
// (case role and whether they have been read in under the case's confidentiality
// terms). Something an actor may not know exists is refused with ErrNotFound, so a
// refusal never confirms that a case or report exists.
package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/oss-sirt/sirt/internal/db"
)

// Role is a global role.
type Role string

const (
	RoleAdmin     Role = "admin"     // users, settings, keys, templates; case metadata
	RolePgM       Role = "pgm"       // programme manager: plan, people, metrics, reports
	RoleResponder Role = "responder" // SIRT volunteer: intake, triage, coordination
	RoleMember    Role = "member"    // external people: owners, collaborators, finders with accounts
)

// Roles lists the global roles in order of reach.
var Roles = []Role{RoleAdmin, RolePgM, RoleResponder, RoleMember}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("role %q is not one of admin, pgm, responder, member", s)
}

// TokenScope limits what an API token may do.
type TokenScope string

const (
	ScopeRead  TokenScope = "read"  // GETs
	ScopeWrite TokenScope = "write" // changes
)

// Actor is who is asking.
type Actor struct {
	UserID int64
	Email  string
	Role   Role
	// Scopes restrict a token; nil means a signed-in session (no restriction).
	Scopes []TokenScope
	// system is set for sirt's own work (jobs, start-up), anonymous for the public.
	system    string
	anonymous bool
}

// Anonymous is an unauthenticated visitor (a finder without an account, the public).
func Anonymous() Actor { return Actor{anonymous: true} }

// System is sirt itself acting (a job, the CLI on the operator's behalf); name says which.
func System(name string) Actor { return Actor{system: name} }

// User is a signed-in user.
func User(id int64, email string, role Role) Actor {
	return Actor{UserID: id, Email: email, Role: role}
}

// IsAnonymous reports whether no one is signed in.
func (a Actor) IsAnonymous() bool { return a.anonymous || (a.system == "" && a.UserID == 0) }

// IsSystem reports whether sirt itself acts.
func (a Actor) IsSystem() bool { return a.system != "" }

// IsStaff reports whether the actor is on the team (admin, programme manager, responder).
func (a Actor) IsStaff() bool {
	return a.UserID != 0 && (a.Role == RoleAdmin || a.Role == RolePgM || a.Role == RoleResponder)
}

// Label is how the actor appears in the audit trail.
func (a Actor) Label() string {
	switch {
	case a.system != "":
		return "system:" + a.system
	case a.UserID != 0:
		return a.Email
	default:
		return "anonymous"
	}
}

func (a Actor) hasScope(s TokenScope) bool { return a.Scopes == nil || slices.Contains(a.Scopes, s) }

// Errors returned by Can. ErrNotFound is db.ErrNotFound, so handlers map both to 404.
var (
	ErrUnauthenticated = errors.New("sign-in required")
	ErrForbidden       = errors.New("not allowed")
	ErrNotFound        = db.ErrNotFound
	ErrReadInRequired  = errors.New("accept the case's confidentiality terms (read-in) first")
)

// Action is something an actor wants to do.
type Action string

// Global actions: their object is nil.
const (
	ViewDashboard  Action = "dashboard.view"
	ManageUsers    Action = "users.manage"
	ManageSettings Action = "settings.manage"
	ViewJobs       Action = "jobs.view"
	ManageJobs     Action = "jobs.manage"
	ViewAudit      Action = "audit.view"
	ManageOwnAcct  Action = "account.manage"
	ViewProgramme  Action = "programme.view"  // plan, people, metrics
	EditProgramme  Action = "programme.edit"  // plan import, tracking
	LogHours       Action = "hours.log"       // any staff member logs their own hours
	ListReports    Action = "reports.list"    // the triage queue
	CreateCase     Action = "cases.create"    // open a case (staff, or a maintainer for their project)
	ListAdvisories Action = "advisories.list" // drafts included
	ImportAdvisory Action = "advisories.import"
)

// Object actions: their object is a Report, Case or Advisory.
const (
	ReadReport      Action = "report.read"
	ReplyReport     Action = "report.reply"
	TriageReport    Action = "report.triage"
	ReadCaseMeta    Action = "case.read_meta" // existence, title, terms: enough to decide to read in
	ReadCase        Action = "case.read"
	ReadIn          Action = "case.read_in"
	PostShared      Action = "case.post"       // shared discussion, own status, own thread
	ReadInternal    Action = "case.internal"   // internal notes (SIRT only)
	CoordinateCase  Action = "case.coordinate" // participants, embargo proposals, facts, tasks
	ReadAdvisory    Action = "advisory.read"
	EditAdvisory    Action = "advisory.edit"
	ApproveAdvisory Action = "advisory.approve"
)

var writeActions = map[Action]bool{
	ManageUsers: true, ManageSettings: true, ManageJobs: true, EditProgramme: true, LogHours: true,
	CreateCase: true, ImportAdvisory: true, ReplyReport: true, TriageReport: true, ReadIn: true,
	PostShared: true, CoordinateCase: true, EditAdvisory: true, ApproveAdvisory: true, ManageOwnAcct: true,
}

// IsWrite reports whether an action changes something (a read-only token may not).
func IsWrite(a Action) bool { return writeActions[a] }

// CaseRole is a participant's role on one case.
type CaseRole string

const (
	CaseCoordinator  CaseRole = "coordinator"
	CaseFinder       CaseRole = "finder"
	CaseOwner        CaseRole = "owner"
	CaseCollaborator CaseRole = "collaborator"
	CaseDownstream   CaseRole = "downstream"
	CaseObserver     CaseRole = "observer"
)

// CaseRoles lists the case roles.
var CaseRoles = []CaseRole{CaseCoordinator, CaseFinder, CaseOwner, CaseCollaborator, CaseDownstream, CaseObserver}

// NeedsReadIn reports whether a participant in this role must accept the confidentiality
// terms before seeing content: everyone but the team's coordinators and the finder.
func (r CaseRole) NeedsReadIn() bool { return r != CaseCoordinator && r != CaseFinder }

// Membership is the actor's standing on one case; nil when not a participant.
type Membership struct {
	Role   CaseRole
	ReadIn bool // accepted the confidentiality terms
	// ParticipantID is the participant's row on the case: events about it are theirs.
	ParticipantID int64
	// SeesParties: the case's terms let this role see the other parties (by
	// organisation name only).
	SeesParties bool
}

// Report is what the policy needs to know of a report.
type Report struct {
	ReporterUserID int64 // 0 when the finder has no account
	// CaseMember is the actor's membership of the case the report became, if any.
	CaseMember *Membership
}

// Case is what the policy needs to know of a case.
type Case struct {
	Embargoed bool        // before public disclosure
	Member    *Membership // the actor's membership, nil if none
}

// Advisory is what the policy needs to know of an advisory.
type Advisory struct {
	Published bool
	AuthorID  int64
	Case      *Case // the case it belongs to, nil for imported advisories
}

// Can decides whether actor may do action on obj (nil for global actions). It returns nil,
// or ErrUnauthenticated, ErrForbidden, ErrNotFound (existence is secret) or
// ErrReadInRequired.
func Can(actor Actor, action Action, obj any) error {
	if actor.IsSystem() {
		return nil
	}
	if IsWrite(action) && !actor.hasScope(ScopeWrite) {
		if actor.IsAnonymous() {
			return ErrUnauthenticated
		}
		return ErrForbidden
	}
	switch o := obj.(type) {
	case nil:
		if err, ok := canEngagementGlobal(actor, action); ok {
			return err
		}
		if err, ok := canSurveyGlobal(actor, action); ok {
			return err
		}
		if err, ok := canPostmortemGlobal(actor, action); ok {
			return err
		}
		if err, ok := canDepsGlobal(actor, action); ok {
			return err
		}
		return canGlobal(actor, action)
	case Engagement:
		return canEngagement(actor, action, o)
	case *Engagement:
		return canEngagement(actor, action, *o)
	case Postmortem:
		return canPostmortem(actor, action, o)
	case Report:
		return canReport(actor, action, o)
	case *Report:
		return canReport(actor, action, *o)
	case Case:
		return canCase(actor, action, o)
	case *Case:
		return canCase(actor, action, *o)
	case Advisory:
		return canAdvisory(actor, action, o)
	case *Advisory:
		return canAdvisory(actor, action, *o)
	}
	if handled, err := canPeople(actor, action, obj); handled {
		return err
	}
	return fmt.Errorf("authz: no rule for %T", obj)
}

func canGlobal(a Actor, action Action) error {
	if a.IsAnonymous() {
		return ErrUnauthenticated
	}
	if handled, err := canPeopleGlobal(a, action); handled {
		return err
	}
	if handled, err := canDirectoryGlobal(a, action); handled {
		return err
	}
	if handled, err := canMetricsGlobal(a, action); handled {
		return err
	}
	allowed := map[Action][]Role{
		ViewDashboard:  {RoleAdmin, RolePgM, RoleResponder},
		ManageUsers:    {RoleAdmin},
		ManageSettings: {RoleAdmin},
		ViewJobs:       {RoleAdmin},
		ManageJobs:     {RoleAdmin},
		ViewAudit:      {RoleAdmin, RolePgM},
		ManageOwnAcct:  {RoleAdmin, RolePgM, RoleResponder, RoleMember},
		ViewProgramme:  {RoleAdmin, RolePgM, RoleResponder},
		EditProgramme:  {RoleAdmin, RolePgM},
		LogHours:       {RoleAdmin, RolePgM, RoleResponder},
		ListReports:    {RoleAdmin, RoleResponder},
		CreateCase:     {RoleAdmin, RoleResponder, RoleMember},
		ListAdvisories: {RoleAdmin, RoleResponder, RolePgM},
		ImportAdvisory: {RoleAdmin, RoleResponder},
	}[action]
	if allowed == nil {
		return fmt.Errorf("authz: %q is not a global action", action)
	}
	if slices.Contains(allowed, a.Role) {
		return nil
	}
	return ErrForbidden
}

func canReport(a Actor, action Action, r Report) error {
	if a.IsAnonymous() {
		return ErrNotFound
	}
	responder := a.Role == RoleResponder || a.Role == RoleAdmin
	finder := r.ReporterUserID != 0 && r.ReporterUserID == a.UserID
	switch action {
	case ReadReport, ReplyReport:
		if responder || finder {
			return nil
		}
	case TriageReport:
		if responder {
			return nil
		}
		if finder {
			return ErrForbidden
		}
	default:
		return fmt.Errorf("authz: %q is not a report action", action)
	}
	return ErrNotFound
}

func canCase(a Actor, action Action, c Case) error {
	if a.IsAnonymous() {
		return ErrNotFound
	}
	m := c.Member
	// The team's responders coordinate every case; admins see metadata and, when they
	// act, do so as a responder would (each content read is audited by the caller).
	if a.Role == RoleResponder || a.Role == RoleAdmin {
		return nil
	}
	if m == nil {
		if a.Role == RolePgM && action == ReadCaseMeta {
			return nil // programme metrics name cases, never their content
		}
		return ErrNotFound
	}
	if m.Role == CaseCoordinator {
		return nil
	}
	readIn := m.ReadIn || !m.Role.NeedsReadIn()
	switch action {
	case ReadCaseMeta, ReadIn:
		return nil
	case ReadCase, PostShared:
		if !readIn {
			return ErrReadInRequired
		}
		if action == PostShared && m.Role == CaseObserver {
			return ErrForbidden
		}
		return nil
	case ReadInternal, CoordinateCase:
		return ErrForbidden
	}
	return fmt.Errorf("authz: %q is not a case action", action)
}

func canAdvisory(a Actor, action Action, adv Advisory) error {
	if action == ReadAdvisory && adv.Published {
		return nil
	}
	if a.IsAnonymous() {
		return ErrNotFound
	}
	staff := a.Role == RoleResponder || a.Role == RoleAdmin
	switch action {
	case ReadAdvisory:
		// An unpublished advisory of a case is case content: exactly those who may read
		// the case's content read it (not a programme manager who only sees metadata).
		// Anyone else may not know it exists, whatever they know of the case.
		if adv.Case != nil {
			if canCase(a, ReadCase, *adv.Case) == nil {
				return nil
			}
			return ErrNotFound
		}
		if staff || a.Role == RolePgM {
			return nil // an imported draft belongs to no case
		}
		return ErrNotFound
	case EditAdvisory:
		if staff {
			return nil
		}
	case ApproveAdvisory:
		if staff && a.UserID != adv.AuthorID {
			return nil
		}
		if staff {
			return fmt.Errorf("%w: a second responder must approve (you wrote this advisory)", ErrForbidden)
		}
	default:
		return fmt.Errorf("authz: %q is not an advisory action", action)
	}
	if adv.Case != nil && canCase(a, ReadCase, *adv.Case) == nil {
		return ErrForbidden
	}
	return ErrNotFound
}

// Kind names a listable kind of object for Scope.
type Kind string

const (
	KindCase     Kind = "case"
	KindReport   Kind = "report"
	KindEvent    Kind = "event"
	KindAdvisory Kind = "advisory"
)

// Scope returns the WHERE condition that limits a list of kind to what actor may see, so
// a list never shows what a single Can would refuse. The condition refers to columns
// by the names the kind's tables use: cases.id (as "id" of the listed case), reports
// reporter_user_id, events case_id.
func Scope(a Actor, kind Kind) db.Filter {
	if a.IsSystem() {
		return db.Filter{}
	}
	if f, ok := scopeEngagements(a, kind); ok {
		return f
	}
	if kind == KindCandidate || kind == KindDoc {
		return scopePeople(a, kind)
	}
	if a.IsAnonymous() {
		if kind == KindAdvisory {
			return db.Filter{SQL: "published_at IS NOT NULL"}
		}
		return db.None
	}
	responder := a.Role == RoleResponder || a.Role == RoleAdmin
	member := "SELECT case_id FROM case_members WHERE user_id = ? AND removed_at IS NULL"
	readIn := member + " AND (read_in_at IS NOT NULL OR case_role IN ('coordinator', 'finder'))"
	switch kind {
	case KindCase:
		if responder || a.Role == RolePgM {
			return db.Filter{}
		}
		return db.Filter{SQL: "id IN (" + member + ")", Args: []any{a.UserID}}
	case KindReport:
		if responder {
			return db.Filter{}
		}
		return db.Filter{SQL: "reporter_user_id = ?", Args: []any{a.UserID}}
	case KindEvent:
		if a.Role == RoleAdmin {
			return db.Filter{}
		}
		if a.Role == RolePgM {
			// The programme manager sees the team's own events and the events of cases
			// they are read into; case content stays with those read in.
			return db.Filter{SQL: "case_id IS NULL OR case_id IN (" + readIn + ")", Args: []any{a.UserID}}
		}
		if a.Role == RoleResponder {
			return db.Filter{}
		}
		return db.Filter{SQL: "case_id IN (" + readIn + ")", Args: []any{a.UserID}}
	case KindAdvisory:
		if responder {
			return db.Filter{}
		}
		if a.Role == RolePgM {
			return db.Filter{SQL: "published_at IS NOT NULL OR case_id IS NULL OR case_id IN (" + readIn + ")", Args: []any{a.UserID}}
		}
		return db.Filter{SQL: "published_at IS NOT NULL OR case_id IN (" + readIn + ")", Args: []any{a.UserID}}
	}
	return db.None
}

// CaseEvent is what the policy needs to know of an event of a case.
type CaseEvent struct {
	Action string
	// Party is the participant the event is about (their private thread, their own
	// record, status or answer); 0 when it is about the case as a whole.
	Party int64
}

// teamOnlyEvents are never shown outside the team: internal notes and admins' audited
// reads.
var teamOnlyEvents = map[string]bool{"case.post.internal": true, "case.content_read": true}

// partyVisibleEvents are the events about another party a participant may see when the
// case's terms let their role see the other parties (what they learn is that party's
// organisation and role).
var partyVisibleEvents = map[string]bool{"case.participant.added": true, "case.participant.read_in": true, "case.participant.removed": true}

// CanSeeEvent is the one event-visibility rule: whether actor may learn that event e of
// case c happened. Timelines, the updated_since cursor and organisations' webhooks all
// ask it, so none of them signals activity the actor cannot read. The team (responders,
// admins, the case's coordinators) sees every event of a case it may read; a
// participant sees the events of the case as a whole once read in, their own, and
// other parties' joining and leaving only when the terms let their role see the other
// parties; internal notes and other parties' private threads, records and statuses
// never.
func CanSeeEvent(a Actor, c Case, e CaseEvent) bool {
	if a.IsSystem() {
		return true
	}
	if Can(a, ReadCase, c) != nil {
		return false
	}
	if Can(a, ReadInternal, c) == nil {
		return true
	}
	return PartySeesEvent(c.Member, e)
}

// PartySeesEvent is CanSeeEvent for a participant outside the team, also one without an
// account (an email contact, an organisation's webhook).
func PartySeesEvent(m *Membership, e CaseEvent) bool {
	if m == nil {
		return false
	}
	if m.Role == CaseCoordinator {
		return true
	}
	if !m.ReadIn && m.Role.NeedsReadIn() {
		return false
	}
	if teamOnlyEvents[e.Action] || !(strings.HasPrefix(e.Action, "case.") || strings.HasPrefix(e.Action, "advisory.")) {
		return false // and the log's other events are the team's own business
	}
	if e.Party == 0 || e.Party == m.ParticipantID {
		return true
	}
	if strings.HasPrefix(e.Action, "case.embargo.") {
		return true // the embargo is the whole case's; who answered is shown as the viewer may see them
	}
	return m.SeesParties && partyVisibleEvents[e.Action]
}
