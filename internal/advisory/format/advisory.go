package format

import (
	"encoding/json"
	"strings"
	"time"
)

// DefaultOSVPrefix is the OSV id prefix of a team that has not registered a
// home database with OSV: the schema accepts only registered prefixes and the
// private "x_" namespace.
const DefaultOSVPrefix = "x_"

// OSVIDFor returns the id an advisory with the team id id carries in OSV
// exports: prefix followed by id, with DefaultOSVPrefix when prefix is empty
// ("OSS-SIRT-2026-0042" → "x_OSS-SIRT-2026-0042").
func OSVIDFor(id, prefix string) string {
	if prefix == "" {
		prefix = DefaultOSVPrefix
	}
	return prefix + id
}

// Advisory is one vulnerability advisory, independent of the format it is
// exchanged in. JSON names are OSV's where OSV has the field, so the model can
// be stored as JSON and read by anyone who knows OSV.
//
// Times that are zero are unset, except Modified, which OSV requires and is
// always exported.
type Advisory struct {
	// ID is the team's advisory id, e.g. OSS-SIRT-2026-0042. Empty for an
	// advisory imported from another database until the team assigns one.
	ID string `json:"id,omitempty"`
	// OSVID is the id of OSV exports: OSVIDFor(ID, prefix) for the team's
	// own advisories, the original id (GO-2020-0001) for imported ones.
	OSVID string `json:"osv_id,omitempty"`

	// Title is a headline for CSAF and CVE documents; OSV has none and
	// exports Summary. Imports set it to the summary.
	Title   string `json:"title,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Details is Markdown.
	Details string `json:"details,omitempty"`

	Aliases  []string `json:"aliases,omitempty"`
	Related  []string `json:"related,omitempty"`
	Upstream []string `json:"upstream,omitempty"`

	Published time.Time `json:"published,omitzero"`
	Modified  time.Time `json:"modified"`
	Withdrawn time.Time `json:"withdrawn,omitzero"`

	Affected   []Affected  `json:"affected,omitempty"`
	Severity   []Severity  `json:"severity,omitempty"`
	CWEs       []string    `json:"cwe_ids,omitempty"` // "CWE-79"
	Credits    []Credit    `json:"credits,omitempty"`
	References []Reference `json:"references,omitempty"`
	Revisions  []Revision  `json:"revisions,omitempty"`

	// TLP is the traffic light protocol 2.0 label the advisory is shared
	// under; empty means derived from the publication state (see CSAF).
	TLP       TLP       `json:"tlp,omitempty"`
	Publisher Publisher `json:"publisher,omitzero"`

	// DatabaseSpecific is OSV's top-level database_specific object, kept
	// verbatim so imported records round-trip.
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Affected is one affected package (OSV affected[]): the package, the
// version ranges and/or the enumerated versions that are vulnerable.
// A GIT-only entry has no Package and names the repository in its ranges.
type Affected struct {
	Package           Package         `json:"package,omitzero"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package identifies a package in an ecosystem ("Go", "npm", "Debian:12").
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// IsZero reports whether no package is named.
func (p Package) IsZero() bool { return p.Ecosystem == "" && p.Name == "" && p.PURL == "" }

// RangeType is how the versions of a Range compare.
type RangeType string

// The range types of OSV.
const (
	RangeSemver    RangeType = "SEMVER"
	RangeEcosystem RangeType = "ECOSYSTEM"
	RangeGit       RangeType = "GIT" // events are full commit hashes; Repo is required
)

// Range is a sequence of events that open and close affected intervals.
type Range struct {
	Type             RangeType       `json:"type"`
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one OSV range event; exactly one field is set. Introduced "0"
// means "since the first version".
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// SeverityType names the scoring system of a Severity.
type SeverityType string

// The severity types of OSV.
const (
	CVSSv2 SeverityType = "CVSS_V2"
	CVSSv3 SeverityType = "CVSS_V3" // CVSS:3.0/… or CVSS:3.1/…
	CVSSv4 SeverityType = "CVSS_V4"
	Ubuntu SeverityType = "Ubuntu"
)

// Severity is a score in a scoring system; for CVSS the score is the vector.
type Severity struct {
	Type  SeverityType `json:"type"`
	Score string       `json:"score"`
}

// Credit names someone to thank, with OSV's credit types (FINDER, REPORTER,
// ANALYST, COORDINATOR, REMEDIATION_DEVELOPER, …). The drafter decides the
// name as the finder wishes to be credited.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// Reference is a link with OSV's reference type (ADVISORY, ARTICLE,
// DETECTION, DISCUSSION, REPORT, FIX, INTRODUCED, GIT, PACKAGE, EVIDENCE, WEB).
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Revision is one entry of the advisory's revision history. Number is an
// integer ("1", "2") or a semantic version, as CSAF requires.
type Revision struct {
	Number  string    `json:"number"`
	Date    time.Time `json:"date"`
	Summary string    `json:"summary"`
}

// TLP is a Traffic Light Protocol 2.0 label.
type TLP string

// The TLP 2.0 labels.
const (
	TLPClear       TLP = "CLEAR"
	TLPGreen       TLP = "GREEN"
	TLPAmber       TLP = "AMBER"
	TLPAmberStrict TLP = "AMBER+STRICT"
	TLPRed         TLP = "RED"
)

// Publisher is the team that issues the advisory, as CSAF names it.
type Publisher struct {
	Name string `json:"name,omitempty"`
	// Namespace is the team's web address (https://…); CSAF requires it.
	Namespace      string `json:"namespace,omitempty"`
	ContactDetails string `json:"contact_details,omitempty"`
	// Category is a CSAF publisher category; empty means "coordinator".
	Category string `json:"category,omitempty"`
}

// title returns the best headline the advisory has.
func (a *Advisory) title() string {
	for _, s := range []string{a.Title, a.Summary, firstLine(a.Details)} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return a.osvID()
}

// description returns the longest description the advisory has.
func (a *Advisory) description() string {
	if d := strings.TrimSpace(a.Details); d != "" {
		return d
	}
	return strings.TrimSpace(a.Summary)
}

func (a *Advisory) osvID() string {
	if a.OSVID != "" {
		return a.OSVID
	}
	if a.ID != "" {
		return OSVIDFor(a.ID, "")
	}
	return ""
}

// trackingID is the id the team tracks the advisory by.
func (a *Advisory) trackingID() string {
	if a.ID != "" {
		return a.ID
	}
	return a.OSVID
}

// cveID returns the advisory's CVE id: its own id or its first CVE alias.
func (a *Advisory) cveID() string {
	for _, id := range append([]string{a.ID, a.OSVID}, a.Aliases...) {
		if cvePattern.MatchString(id) {
			return id
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(strings.TrimLeft(s, "#"))
}
