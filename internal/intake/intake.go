// Package intake takes vulnerability reports and requests for help in — from the
// public web form, the JSON API and email — and gives each one a tracking id and a
// private tracking link for the finder. A report is committed (with its event and its
// acknowledgement job) before the finder is told it was received, so nothing
// acknowledged is ever lost. Triage of what comes in lives in package triage.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/ids"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Kinds of submission.
const (
	KindVulnerability = "vulnerability"
	KindHelpRequest   = "help_request"
)

// Engagement pathways of a help request (PRODUCT.md).
const (
	PathwayFinderCannotReachOwner = "finder_cannot_reach_owner"
	PathwayOwnerNeedsHelp         = "owner_needs_help"
	PathwayNoOwnerDownstream      = "no_owner_downstream"
)

// Pathways lists the help-request pathways with their descriptions.
var Pathways = []struct{ Key, Label string }{
	{PathwayFinderCannotReachOwner, "I found a vulnerability and cannot reach the project's maintainers"},
	{PathwayOwnerNeedsHelp, "I maintain the project and need help handling a report I received"},
	{PathwayNoOwnerDownstream, "Nobody maintains the affected project: downstream users need to be told"},
}

// States of a report.
const (
	StateNew          = "new"          // received, not yet acknowledged
	StateAcknowledged = "acknowledged" // the finder was told we have it
	StateNeedsRepro   = "needs_reproduction"
	StateTracking     = "tracking"     // SSVC Track
	StateCoordinating = "coordinating" // SSVC Coordinate: a case is (to be) opened
	StateDeclined     = "declined"     // SSVC Decline
	StateDuplicate    = "duplicate"
	StateClosed       = "closed"
)

// OpenStates are the states in which a report waits for the team.
var OpenStates = []string{StateNew, StateAcknowledged, StateNeedsRepro}

// Exploitation statuses the finder can choose.
var Exploitation = []string{"unknown", "none", "poc_public", "exploited"}

// Source says how a report arrived.
const (
	SourceWeb   = "web"
	SourceAPI   = "api"
	SourceEmail = "email"
)

// Package names an affected package, OSV style.
type Package struct {
	Ecosystem string `json:"ecosystem,omitempty"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Affected is one affected package with the versions the finder knows are affected.
type Affected struct {
	Package  Package  `json:"package"`
	Versions []string `json:"versions,omitempty"`
	Ranges   string   `json:"ranges,omitempty" doc:"Free-text range, e.g. 1.4.0–1.6.2 or a commit range."`
}

// Reporter is who reported, and how they want to be credited.
type Reporter struct {
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	Credit string `json:"credit,omitempty" doc:"How to credit the finder in the advisory; empty: no credit."`
}

// Submission is what a finder (or a maintainer asking for help) sends.
type Submission struct {
	Kind          string     `json:"kind,omitempty" enum:"vulnerability,help_request" doc:"Default vulnerability."`
	Pathway       string     `json:"pathway,omitempty" enum:"finder_cannot_reach_owner,owner_needs_help,no_owner_downstream" doc:"For help requests."`
	Summary       string     `json:"summary" doc:"One line."`
	Details       string     `json:"details,omitempty" doc:"Description of the vulnerability (Markdown)."`
	Project       string     `json:"project,omitempty" doc:"Affected project or component."`
	Affected      []Affected `json:"affected,omitempty"`
	Reproduction  string     `json:"reproduction,omitempty" doc:"How the exploit is triggered: steps, environment."`
	PoC           string     `json:"poc,omitempty" doc:"Proof of concept or of vulnerability."`
	Impact        string     `json:"impact,omitempty"`
	Severity      string     `json:"severity,omitempty" doc:"Severity estimate in words (low, medium, high, critical)."`
	CVSSVector    string     `json:"cvss_vector,omitempty" doc:"CVSS v4.0 or v3.1 vector."`
	CWE           string     `json:"cwe,omitempty" doc:"e.g. CWE-22."`
	Exploitation  string     `json:"exploitation,omitempty" enum:"unknown,none,poc_public,exploited"`
	Publicity     string     `json:"publicity,omitempty" doc:"Is it public anywhere? no, or a link."`
	SharedWith    string     `json:"shared_with,omitempty" doc:"Other parties told, and when."`
	ProposedPatch string     `json:"proposed_patch,omitempty"`
	Tests         string     `json:"tests,omitempty" doc:"Unit tests that fail before the patch and pass after."`
	Workaround    string     `json:"workaround,omitempty"`
	Disclosure    string     `json:"disclosure,omitempty" doc:"Time constraints or planned disclosure date."`
	Reporter      Reporter   `json:"reporter,omitempty"`

	holdAck string // why the acknowledgement mail waits for a responder (unauthenticated mail)
}

// Report is a received report as the team sees it.
type Report struct {
	ID           int64           `json:"-"`
	PublicID     string          `json:"id"`
	Kind         string          `json:"kind"`
	Pathway      string          `json:"pathway,omitempty"`
	Source       string          `json:"source"`
	State        string          `json:"state"`
	Summary      string          `json:"summary"`
	Details      string          `json:"details"`
	Project      string          `json:"project,omitempty"`
	Affected     []Affected      `json:"affected"`
	Reproduction string          `json:"reproduction,omitempty"`
	PoC          string          `json:"poc,omitempty"`
	Impact       string          `json:"impact,omitempty"`
	Severity     string          `json:"severity,omitempty"`
	CVSSVector   string          `json:"cvss_vector,omitempty"`
	CWE          string          `json:"cwe,omitempty"`
	Exploitation string          `json:"exploitation,omitempty"`
	Publicity    string          `json:"publicity,omitempty"`
	SharedWith   string          `json:"shared_with,omitempty"`
	Patch        string          `json:"proposed_patch,omitempty"`
	Tests        string          `json:"tests,omitempty"`
	Workaround   string          `json:"workaround,omitempty"`
	Disclosure   string          `json:"disclosure,omitempty"`
	Reporter     Reporter        `json:"reporter"`
	ReporterUser int64           `json:"-"`
	Assignee     int64           `json:"assignee_id,omitempty"`
	DuplicateOf  string          `json:"duplicate_of,omitempty"`
	ClusterKey   string          `json:"cluster_key,omitempty"`
	Completeness int             `json:"completeness" doc:"How many of the six SIRT-ready elements the report has."`
	Missing      []string        `json:"missing,omitempty" doc:"The SIRT-ready elements still missing."`
	Outcome      string          `json:"outcome,omitempty" doc:"SSVC triage outcome: decline, track or coordinate."`
	Rationale    string          `json:"rationale,omitempty"`
	SSVC         json.RawMessage `json:"ssvc,omitempty"`
	TriagedAt    *time.Time      `json:"triaged_at,omitempty"`
	AckAt        *time.Time      `json:"acknowledged_at,omitempty"`
	AckDue       time.Time       `json:"acknowledge_by"`
	AssessDue    time.Time       `json:"assess_by"`
	ParkedUntil  *time.Time      `json:"parked_until,omitempty"`
	ClosedAt     *time.Time      `json:"closed_at,omitempty"`
	ReceivedAt   time.Time       `json:"received_at"`
	UpdatedAt    time.Time       `json:"updated_at"`

	replyToken    string
	messageID     string
	holdAck       string
	duplicateOfID *int64
}

// Ref is the report as an event subject.
func (r *Report) Ref() events.Ref { return events.Ref{Type: "report", ID: r.PublicID} }

// AuthzObject is what the policy needs to know of the report.
func (r *Report) AuthzObject() authz.Report { return authz.Report{ReporterUserID: r.ReporterUser} }

// ReplyToken is the token threading email replies to this report.
func (r *Report) ReplyToken() string { return r.replyToken }

// Receipt is what a finder gets back.
type Receipt struct {
	ID          string `json:"id" doc:"The tracking id, e.g. OSS-SIRT-2026-0042."`
	TrackingURL string `json:"tracking_url" doc:"Private link to follow the report and reply, without an account. Keep it secret."`
}

// Config holds intake settings.
type Config struct {
	IDPrefix string
	BaseURL  string
	Team     string
	Calendar calendar.Calendar
	Policy   calendar.Policy
	// ParkDays is how long a report waits in "needs reproduction" before it is closed.
	ParkDays int
	// AuthservID is the receiving mail server whose Authentication-Results are
	// trusted; mail is acknowledged automatically only to senders it verified.
	AuthservID string
}

// Service takes reports in.
type Service struct {
	db      *db.DB
	clock   clock.Clock
	events  *events.Log
	jobs    *jobs.Queue
	cfg     Config
	log     *slog.Logger
	search  searcher
	files   *Files
	msg     Messaging
	teamKey TeamKey
	// replyRouter takes replies to case threads (package cases).
	replyRouter ReplyRouter
	openCase    OpenCase
	onMerged    OnMerged
}

// New returns a Service. Register its job kinds with RegisterJobs.
func New(d *db.DB, c clock.Clock, ev *events.Log, q *jobs.Queue, files *Files, cfg Config, log *slog.Logger) *Service {
	if cfg.Policy.AcknowledgeDays == 0 {
		cfg.Policy = calendar.DefaultPolicy()
	}
	if cfg.ParkDays == 0 {
		cfg.ParkDays = 30
	}
	s := &Service{db: d, clock: c, events: ev, jobs: q, cfg: cfg, log: log, files: files}
	s.search = newSearcher(d.Dialect())
	return s
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

var (
	ecosystemRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 .:_-]{0,63}$`)
	cweRE       = regexp.MustCompile(`^CWE-[0-9]{1,5}$`)
)

// Normalize trims and checks a submission; errors name the field.
func (in *Submission) Normalize() error {
	var e validate.Errors
	if in.Kind == "" {
		in.Kind = KindVulnerability
	}
	e.OneOf("kind", in.Kind, KindVulnerability, KindHelpRequest)
	if in.Kind == KindHelpRequest {
		e.OneOf("pathway", in.Pathway, PathwayFinderCannotReachOwner, PathwayOwnerNeedsHelp, PathwayNoOwnerDownstream)
	} else if in.Pathway != "" {
		e.Add("pathway", "is only for help requests (kind help_request)")
	}
	in.Summary = e.Text("summary", strings.ReplaceAll(in.Summary, "\n", " "), true, 300)
	in.Details = e.Text("details", in.Details, false, 200_000)
	in.Project = e.Text("project", in.Project, false, 300)
	in.Reproduction = e.Text("reproduction", in.Reproduction, false, 200_000)
	in.PoC = e.Text("poc", in.PoC, false, 200_000)
	in.Impact = e.Text("impact", in.Impact, false, 50_000)
	in.Severity = e.Text("severity", in.Severity, false, 200)
	in.CVSSVector = e.Text("cvss_vector", in.CVSSVector, false, 300)
	if in.CVSSVector != "" && !strings.HasPrefix(in.CVSSVector, "CVSS:4.0/") && !strings.HasPrefix(in.CVSSVector, "CVSS:3.1/") && !strings.HasPrefix(in.CVSSVector, "CVSS:3.0/") {
		e.Add("cvss_vector", "%q is not a CVSS vector (want CVSS:4.0/AV:N/… or CVSS:3.1/AV:N/…)", in.CVSSVector)
	}
	in.CWE = strings.ToUpper(e.Text("cwe", in.CWE, false, 20))
	if in.CWE != "" && !cweRE.MatchString(in.CWE) {
		e.Add("cwe", "%q is not a CWE id (want e.g. CWE-22)", in.CWE)
	}
	if in.Exploitation == "" {
		in.Exploitation = "unknown"
	}
	e.OneOf("exploitation", in.Exploitation, Exploitation...)
	in.Publicity = e.Text("publicity", in.Publicity, false, 2000)
	in.SharedWith = e.Text("shared_with", in.SharedWith, false, 2000)
	in.ProposedPatch = e.Text("proposed_patch", in.ProposedPatch, false, 500_000)
	in.Tests = e.Text("tests", in.Tests, false, 200_000)
	in.Workaround = e.Text("workaround", in.Workaround, false, 50_000)
	in.Disclosure = e.Text("disclosure", in.Disclosure, false, 2000)
	in.Reporter.Name = e.Text("reporter.name", in.Reporter.Name, false, 200)
	in.Reporter.Email = e.Email("reporter.email", in.Reporter.Email, false)
	in.Reporter.Credit = e.Text("reporter.credit", in.Reporter.Credit, false, 200)
	if len(in.Affected) > 100 {
		e.Add("affected", "lists %d packages; the limit is 100 (attach a list instead)", len(in.Affected))
	}
	for i := range in.Affected {
		a := &in.Affected[i]
		f := fmt.Sprintf("affected[%d]", i)
		a.Package.Ecosystem = strings.TrimSpace(a.Package.Ecosystem)
		if a.Package.Ecosystem != "" && !ecosystemRE.MatchString(a.Package.Ecosystem) {
			e.Add(f+".package.ecosystem", "%q is not an ecosystem name (e.g. npm, PyPI, Go, Maven, crates.io)", a.Package.Ecosystem)
		}
		a.Package.Name = e.Text(f+".package.name", a.Package.Name, a.Package.PURL == "", 300)
		a.Package.PURL = e.Text(f+".package.purl", a.Package.PURL, false, 500)
		if a.Package.PURL != "" {
			if _, err := purl.Parse(a.Package.PURL); err != nil {
				e.Add(f+".package.purl", "%s (want pkg:type/namespace/name@version)", err.Error())
			}
		}
		if len(a.Versions) > 500 {
			e.Add(f+".versions", "lists %d versions; the limit is 500 (give a range instead)", len(a.Versions))
		}
		for j := range a.Versions {
			a.Versions[j] = e.Text(fmt.Sprintf("%s.versions[%d]", f, j), a.Versions[j], true, 100)
		}
		a.Ranges = e.Text(f+".ranges", a.Ranges, false, 500)
	}
	return e.Err()
}

// The six elements that make a finding SIRT-ready (the team's CVD policy).
var readyElements = []struct {
	Key, Label string
	has        func(r *Report) bool
}{
	{"description", "A description of the vulnerability", func(r *Report) bool { return len(strings.TrimSpace(r.Details)) >= 20 }},
	{"trigger", "How the exploit is triggered", func(r *Report) bool { return strings.TrimSpace(r.Reproduction) != "" }},
	{"severity", "An estimated severity", func(r *Report) bool { return r.Severity != "" || r.CVSSVector != "" }},
	{"poc", "A proof of concept or of vulnerability", func(r *Report) bool { return strings.TrimSpace(r.PoC) != "" }},
	{"patch", "A proposed patch", func(r *Report) bool { return strings.TrimSpace(r.Patch) != "" }},
	{"tests", "Unit tests showing the vulnerability is gone after the patch", func(r *Report) bool { return strings.TrimSpace(r.Tests) != "" }},
}

// ReadyElement is one of the six SIRT-ready elements.
type ReadyElement struct {
	Key, Label string
	Present    bool
}

// Checklist returns the six SIRT-ready elements and whether the report has each.
func (r *Report) Checklist() []ReadyElement {
	out := make([]ReadyElement, len(readyElements))
	for i, el := range readyElements {
		out[i] = ReadyElement{Key: el.Key, Label: el.Label, Present: el.has(r)}
	}
	return out
}

func (r *Report) computeReadiness() {
	r.Completeness, r.Missing = 0, nil
	for _, el := range r.Checklist() {
		if el.Present {
			r.Completeness++
		} else {
			r.Missing = append(r.Missing, el.Key)
		}
	}
}

// ErrNotFound is returned for reports that do not exist or may not be seen.
var ErrNotFound = db.ErrNotFound

// ruleError is a transition the report's state does not allow (HTTP 409).
type ruleError struct{ msg string }

func (e *ruleError) Error() string { return e.msg }
func (e *ruleError) Rule() string  { return e.msg }

func ruleErr(format string, args ...any) error { return &ruleError{fmt.Sprintf(format, args...)} }

// IsRule reports whether err is a state rule violation.
func IsRule(err error) bool {
	var re *ruleError
	return errors.As(err, &re)
}

// nextID allocates the next tracking id in transaction q.
func (s *Service) nextID(ctx context.Context, q db.Querier) (string, error) {
	return ids.Next(ctx, q, s.cfg.IDPrefix, s.clock.Now())
}
