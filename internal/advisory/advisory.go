// Package advisory is where the team's vulnerability advisories live: drafted (from a
// case, by hand, or from an imported OSV record), reviewed by a second responder,
// scheduled for the public date (PD), published by the job queue at that instant, and
// updated or withdrawn afterwards. The document itself is the format-neutral
// format.Advisory (OSV field names); package format turns it into OSV, CSAF 2.0 (advisory
// and VEX) and CVE JSON 5, each validated against its official schema.
//
//	draft ──submit──▶ review ──approve (not the author)──▶ approved ──schedule(PD)──▶ scheduled
//	  ▲                                                       │ publish now            │ job "advisory.publish" at PD
//	  └──── any edit before publication returns it here ◀─────┴────────────────────────▼
//	                                                                               published ──withdraw──▶ withdrawn
//
// Until an advisory is published it is TLP:RED and visible to staff (and, for an
// advisory of a case, to those read into the case) only; every public view — pages,
// feeds, /osv, the CSAF provider — reads published advisories only, through the one
// authz policy (Scope for lists, Can for one). Publication happens in exactly one
// place, publishTx, from a durable job (or the staff's "publish now"), and is
// idempotent: published_at is set once.
package advisory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
)

// State is where an advisory is in its life.
type State string

// The states of an advisory.
const (
	StateDraft     State = "draft"
	StateReview    State = "review"    // submitted; waiting for a second responder
	StateApproved  State = "approved"  // approved, no public date yet
	StateScheduled State = "scheduled" // approved, publishes at PublicDate
	StatePublished State = "published"
	StateWithdrawn State = "withdrawn" // published, then withdrawn; still served, marked withdrawn
)

// Source says where an advisory came from.
const (
	SourceTeam     = "team"     // drafted by the team (from a case or by hand)
	SourceImported = "imported" // imported from another database's OSV record
)

// JobPublish is the job kind that publishes a scheduled advisory at its public date.
const JobPublish = "advisory.publish"

// Advisory is one advisory as the team sees it.
type Advisory struct {
	ID          int64            `json:"number" doc:"Internal numeric id."`
	PublicID    string           `json:"id" doc:"Public id: the team's OSS-SIRT-YYYY-NNNN, or the original id of an imported record."`
	OSVID       string           `json:"osv_id" doc:"Id of the OSV export: the OSV prefix + the public id, or the imported record's id."`
	CaseID      *int64           `json:"case_id,omitempty"`
	Source      string           `json:"source" enum:"team,imported"`
	State       State            `json:"state" enum:"draft,review,approved,scheduled,published,withdrawn"`
	Doc         *format.Advisory `json:"document" doc:"The advisory (OSV field names)."`
	AuthorID    int64            `json:"author_id,omitempty"`
	ApprovedBy  int64            `json:"approved_by,omitempty"`
	PublicDate  *time.Time       `json:"public_date,omitempty"`
	PublishedAt *time.Time       `json:"published_at,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	Revision    int              `json:"revision" doc:"Counts every saved change; send it back as If-Match to update."`
	Scores      []Score          `json:"scores,omitempty" doc:"CVSS scores computed from the vectors."`
	EditedBy    int64            `json:"edited_by,omitempty" doc:"Who last changed the content (the author of the current text); they cannot approve it."`
	Pending     *Pending         `json:"pending,omitempty" doc:"The next revision of a published advisory while it is reviewed (staff only); the published document stays served until it is approved and published."`
}

// Pending is the proposed next revision of a published advisory: it goes through review
// like a draft (a second responder approves it) and replaces the public document only
// when it is published.
type Pending struct {
	State      State            `json:"state" enum:"review,approved"`
	Doc        *format.Advisory `json:"document"`
	EditedBy   int64            `json:"edited_by,omitempty"`
	ApprovedBy int64            `json:"approved_by,omitempty"`
}

// Published reports whether the advisory is public (published or withdrawn).
func (a *Advisory) Published() bool { return a.PublishedAt != nil }

// Title is the advisory's headline.
func (a *Advisory) Title() string {
	if a.Doc.Title != "" {
		return a.Doc.Title
	}
	if a.Doc.Summary != "" {
		return a.Doc.Summary
	}
	return a.PublicID
}

// Ref is the advisory as an event subject.
func (a *Advisory) Ref() events.Ref { return events.Ref{Type: "advisory", ID: a.PublicID} }

// Score is a CVSS vector with the score and severity sirt computed from it.
type Score struct {
	Type     format.SeverityType `json:"type"`
	Vector   string              `json:"vector"`
	Score    float64             `json:"score"`
	Severity string              `json:"severity"`
	Version  string              `json:"version"`
}

// Revision is one saved version of an advisory.
type Revision struct {
	Revision int              `json:"revision"`
	At       time.Time        `json:"at"`
	ActorID  int64            `json:"actor_id,omitempty"`
	Actor    string           `json:"actor"`
	State    State            `json:"state"`
	Summary  string           `json:"summary"`
	Doc      *format.Advisory `json:"document,omitempty"`
}

// Config is what the service needs to know of the team.
type Config struct {
	IDPrefix  string // the team's public id series (OSS-SIRT → OSS-SIRT-2026-0042)
	OSVPrefix string // OSV id prefix; format.DefaultOSVPrefix ("x_") when empty
	Team      string // publisher name
	BaseURL   string // publisher namespace and the base of public links
	Version   string // sirt's version, recorded as the generator of exports
}

// CaseSource is the seam to the cases package, which owns cases: the advisory service
// asks it for the draft of a case vulnerability and for what the policy must know of the
// case an advisory belongs to. Until cases are wired in (SetCases), no case exists:
// CreateFromCase answers db.ErrNotFound for every case id.
type CaseSource interface {
	// AdvisoryDraft returns the draft prefilled from vulnerability vuln of the case named
	// by caseRef (summary, details, affected ranges, CVSS, CWE, credits as the finder
	// wishes, aliases), the case's numeric id, and the actor's standing on the case. It
	// returns db.ErrNotFound when there is no such case or vulnerability, or when actor
	// may not know of it.
	AdvisoryDraft(ctx context.Context, q db.Querier, actor authz.Actor, caseRef, vuln string) (CaseDraft, error)
	// Case returns what the policy needs to know of case caseID for actor.
	Case(ctx context.Context, q db.Querier, actor authz.Actor, caseID int64) (authz.Case, error)
}

// CaseEmbargo is what the publication rule must know of the case an advisory belongs to.
type CaseEmbargo struct {
	CaseID     string     // the case's public id, for messages
	PublicDate *time.Time // the agreed public date; nil while none is agreed
	Public     bool       // the case is public (TLP:CLEAR, or the public is aware)
}

// EmbargoGuard is the seam through which the advisory service learns a case's embargo
// (the cases package implements it; app wires it with SetEmbargoGuard). The advisory
// service never reads the cases' tables itself.
type EmbargoGuard interface {
	CaseEmbargo(ctx context.Context, q db.Querier, caseID int64) (CaseEmbargo, error)
}

// CaseDraft is a draft taken from a case.
type CaseDraft struct {
	CaseID int64
	Case   authz.Case
	Draft  Draft
}

// Service is the advisories capability.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	events *events.Log
	jobs   *jobs.Queue
	cfg    Config
	cases  CaseSource
	guard  EmbargoGuard

	settings    SettingsReader
	cveServices CVEServices
}

// New returns the service and registers its job kind on q.
func New(d *db.DB, c clock.Clock, ev *events.Log, q *jobs.Queue, cfg Config) *Service {
	if cfg.OSVPrefix == "" {
		cfg.OSVPrefix = format.DefaultOSVPrefix
	}
	if cfg.IDPrefix == "" {
		cfg.IDPrefix = "OSS-SIRT"
	}
	s := &Service{db: d, clock: c, events: ev, jobs: q, cfg: cfg}
	q.Register(JobPublish, jobs.Handler{Run: s.runPublishJob, MaxAttempts: 20, Timeout: time.Minute})
	return s
}

// SetCases wires the cases package in (see CaseSource).
func (s *Service) SetCases(c CaseSource) { s.cases = c }

// SetEmbargoGuard wires in the embargo of cases (see EmbargoGuard). Without it an
// advisory of a case can never be published: the rule cannot be checked.
func (s *Service) SetEmbargoGuard(g EmbargoGuard) { s.guard = g }

// Publisher is the team as CSAF names it.
func (s *Service) Publisher() format.Publisher {
	return format.Publisher{Name: s.cfg.Team, Namespace: s.cfg.BaseURL, Category: "coordinator"}
}

// BaseURL is where the public pages live.
func (s *Service) BaseURL() string { return s.cfg.BaseURL }

// Errors of the workflow. Each is a sentence the caller can show.
var (
	// ErrState is returned (wrapped, with what to do) when an action does not fit the
	// advisory's state.
	ErrState = errors.New("advisory: not possible in this state")
)

// stateError says why an action does not fit; it carries Rule so the API answers 409.
type stateError struct{ msg string }

func (e *stateError) Error() string        { return e.msg }
func (e *stateError) Rule() string         { return "advisory.state" }
func (e *stateError) Is(target error) bool { return target == ErrState }

// EmbargoError refuses to publish, or schedule, an advisory of a case before the case's
// agreed public date. It carries Rule so the API answers 409.
type EmbargoError struct {
	Advisory   string
	Case       string
	PublicDate *time.Time // the agreed public date; nil when none is agreed
	At         time.Time  // when publication was asked for
}

// Rule names the rule.
func (e *EmbargoError) Rule() string { return "advisory.embargo" }

func (e *EmbargoError) Error() string {
	how := "Schedule it for the public date, or have a coordinator of the case record an early release or an embargo break (with a reason)."
	if e.PublicDate == nil {
		return fmt.Sprintf("advisory rule advisory.embargo: advisory %s belongs to case %s, which is under embargo with no agreed public date yet; "+
			"it cannot be published at %s. Agree a public date on the case first, or have a coordinator record an early release or an embargo break (with a reason).",
			e.Advisory, e.Case, e.At.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("advisory rule advisory.embargo: advisory %s belongs to case %s, under embargo until its agreed public date %s; "+
		"it cannot be published at %s, before that date. %s", e.Advisory, e.Case, e.PublicDate.UTC().Format(time.RFC3339), e.At.UTC().Format(time.RFC3339), how)
}

func clone(d *format.Advisory) *format.Advisory {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // a format.Advisory always marshals
	}
	var c format.Advisory
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}
