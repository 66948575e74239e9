package format

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// CSAF document categories.
const (
	CSAFSecurityAdvisory = "csaf_security_advisory"
	CSAFVEX              = "csaf_vex"
)

// TrackingStatus is the CSAF document status.
type TrackingStatus string

// The CSAF tracking statuses.
const (
	StatusDraft   TrackingStatus = "draft"
	StatusInterim TrackingStatus = "interim"
	StatusFinal   TrackingStatus = "final"
)

// CSAFOptions are the inputs of a CSAF document that the advisory does not
// hold.
type CSAFOptions struct {
	// Now is the generation time (tracking.generator.date), and the release
	// date of an advisory that has not been published. Required.
	Now time.Time
	// Status is the tracking status. Empty means final for an advisory
	// published at or before Now, draft otherwise.
	Status TrackingStatus
	// GeneratorVersion is sirt's version, for tracking.generator.engine.
	GeneratorVersion string
}

// CSAF exports the advisory as a CSAF 2.0 csaf_security_advisory document.
//
// The product tree has a branch per affected package: vendor (the OSV
// ecosystem, or "GIT" for a repository without a package), product_name
// (the package, or the repository URL), and beneath it a
// product_version_range per affected range (a vers string such as
// "vers:golang/<1.6.0") and a product_version per fixed version, each with
// its purl. The single vulnerability lists the ranges as known_affected and
// the fixed versions as fixed, with a vendor_fix remediation naming them, the
// CVE (from the id or the aliases), the other ids, the first CWE whose name
// is known, and CVSS v3.x and v2 scores; CSAF 2.0 cannot carry CVSS v4.0, so
// v4 vectors are left out.
//
// TLP: CSAF 2.0 knows the TLP 1.0 labels only. An advisory without a TLP is
// WHITE once final or interim and RED while a draft; TLP 2.0 CLEAR is
// exported as WHITE and AMBER+STRICT as AMBER.
//
// An advisory without affected packages cannot make a valid document (the
// profile requires a product tree and product status) and is refused with a
// *MissingError. The document is validated against the CSAF 2.0 schema and
// the profile rules of CSAF 2.0 section 6.1.27 before it is returned.
func CSAF(a *Advisory, opts CSAFOptions) ([]byte, error) {
	return csafDocument(a, CSAFSecurityAdvisory, nil, opts)
}

// VEXStatus is the status of a product in a VEX document.
type VEXStatus string

// The VEX statuses of CSAF.
const (
	KnownAffected      VEXStatus = "known_affected"
	KnownNotAffected   VEXStatus = "known_not_affected"
	Fixed              VEXStatus = "fixed"
	UnderInvestigation VEXStatus = "under_investigation"
)

// Justification says why a product is not affected; the values are the CSAF
// flag labels (the VEX justifications).
type Justification string

// The VEX justifications of CSAF 2.0.
const (
	ComponentNotPresent                         Justification = "component_not_present"
	VulnerableCodeNotPresent                    Justification = "vulnerable_code_not_present"
	VulnerableCodeCannotBeControlledByAdversary Justification = "vulnerable_code_cannot_be_controlled_by_adversary"
	VulnerableCodeNotInExecutePath              Justification = "vulnerable_code_not_in_execute_path"
	InlineMitigationsAlreadyExist               Justification = "inline_mitigations_already_exist"
)

// ProductStatus is one party's statement about one product in a VEX
// document.
type ProductStatus struct {
	// Package is the product (ecosystem, name, and purl if known).
	Package Package
	// Version is a version of the package, or a range in vers syntax
	// ("vers:npm/>=1.0.0|<2.0.0").
	Version string
	Status  VEXStatus
	// Justification says why a known_not_affected product is not affected.
	// A known_not_affected product needs a Justification or an Impact.
	Justification Justification
	// Impact is an impact statement: for known_not_affected, why the product
	// is not affected when no justification fits; for known_affected, how.
	Impact string
	// Action is what users of a known_affected product should do; empty
	// means "update to <the fixed versions of the advisory>" when the
	// advisory knows a fix for the package, "no fix is available" otherwise.
	Action string
	// Range, instead of Version, is the OSV range of versions the status is
	// about: the product is that version range (a vers string; for GIT the
	// commits).
	Range *Range
	// Vendor, when set, makes the product the vendor's own (its own branch and
	// product id): a party's statement is about its product, never about
	// another party's. Empty: the package's ecosystem.
	Vendor string
}

// VEXVulnerability is one vulnerability of a VEX document with several: its
// advisory (ids, notes, CWE, scores, fixed versions) and the statuses of
// products about it.
type VEXVulnerability struct {
	Advisory *Advisory
	Statuses []ProductStatus
}

// VEXDocument exports a CSAF 2.0 csaf_vex document about several
// vulnerabilities: doc gives the document (title, tracking id, publisher,
// TLP), each entry of vulns one vulnerability with its own product statuses;
// the product tree is shared. It is checked like VEX.
func VEXDocument(doc *Advisory, vulns []VEXVulnerability, opts CSAFOptions) ([]byte, error) {
	for i := range vulns {
		if vulns[i].Statuses == nil {
			vulns[i].Statuses = []ProductStatus{}
		}
	}
	return csafDocumentMulti(doc, CSAFVEX, vulns, opts)
}

// VEX exports the advisory as a CSAF 2.0 csaf_vex document stating, for each
// entry of statuses, whether that product is affected. With no statuses the
// statuses are derived from the affected ranges as in CSAF: each affected
// range known_affected, each fixed version fixed.
//
// As the VEX profile requires, every known_affected product gets a
// remediation (action statement) and every known_not_affected product a flag
// with its justification or an impact threat (impact statement); a
// known_not_affected status with neither is refused with a
// *ValidationError, as are contradicting statuses for one product.
func VEX(a *Advisory, statuses []ProductStatus, opts CSAFOptions) ([]byte, error) {
	if statuses == nil {
		statuses = []ProductStatus{}
	}
	return csafDocument(a, CSAFVEX, statuses, opts)
}

// The CSAF document, as much of it as sirt writes.
type (
	csafDoc struct {
		Document        csafDocumentMeta `json:"document"`
		ProductTree     *csafProductTree `json:"product_tree,omitempty"`
		Vulnerabilities []csafVuln       `json:"vulnerabilities,omitempty"`
	}
	csafDocumentMeta struct {
		Category     string               `json:"category"`
		CSAFVersion  string               `json:"csaf_version"`
		Title        string               `json:"title"`
		Lang         string               `json:"lang"`
		Publisher    csafPublisher        `json:"publisher"`
		Distribution csafDistribution     `json:"distribution"`
		Notes        []csafNote           `json:"notes,omitempty"`
		References   []csafReference      `json:"references,omitempty"`
		Aggregate    *csafAggregate       `json:"aggregate_severity,omitempty"`
		Tracking     csafTracking         `json:"tracking"`
		Acks         []csafAcknowledgment `json:"acknowledgments,omitempty"`
	}
	csafPublisher struct {
		Category       string `json:"category"`
		Name           string `json:"name"`
		Namespace      string `json:"namespace"`
		ContactDetails string `json:"contact_details,omitempty"`
	}
	csafDistribution struct {
		Text string  `json:"text,omitempty"`
		TLP  csafTLP `json:"tlp"`
	}
	csafTLP struct {
		Label string `json:"label"`
		URL   string `json:"url"`
	}
	csafNote struct {
		Category string `json:"category"`
		Title    string `json:"title,omitempty"`
		Text     string `json:"text"`
	}
	csafReference struct {
		Category string `json:"category"`
		Summary  string `json:"summary"`
		URL      string `json:"url"`
	}
	csafAggregate struct {
		Text string `json:"text"`
	}
	csafTracking struct {
		ID                 string         `json:"id"`
		Aliases            []string       `json:"aliases,omitempty"`
		Status             TrackingStatus `json:"status"`
		Version            string         `json:"version"`
		RevisionHistory    []csafRevision `json:"revision_history"`
		InitialReleaseDate string         `json:"initial_release_date"`
		CurrentReleaseDate string         `json:"current_release_date"`
		Generator          csafGenerator  `json:"generator"`
	}
	csafRevision struct {
		Number  string `json:"number"`
		Date    string `json:"date"`
		Summary string `json:"summary"`
	}
	csafGenerator struct {
		Date   string     `json:"date"`
		Engine csafEngine `json:"engine"`
	}
	csafEngine struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	csafAcknowledgment struct {
		Names   []string `json:"names"`
		Summary string   `json:"summary,omitempty"`
		URLs    []string `json:"urls,omitempty"`
	}
	csafProductTree struct {
		Branches []csafBranch `json:"branches"`
	}
	csafBranch struct {
		Category string       `json:"category"`
		Name     string       `json:"name"`
		Branches []csafBranch `json:"branches,omitempty"`
		Product  *csafProduct `json:"product,omitempty"`
	}
	csafProduct struct {
		Name      string      `json:"name"`
		ProductID string      `json:"product_id"`
		Helper    *csafHelper `json:"product_identification_helper,omitempty"`
	}
	csafHelper struct {
		PURL        string           `json:"purl,omitempty"`
		GenericURIs []csafGenericURI `json:"x_generic_uris,omitempty"`
	}
	csafGenericURI struct {
		Namespace string `json:"namespace"`
		URI       string `json:"uri"`
	}
	csafVuln struct {
		CVE           string               `json:"cve,omitempty"`
		IDs           []csafID             `json:"ids,omitempty"`
		CWE           *csafCWE             `json:"cwe,omitempty"`
		Notes         []csafNote           `json:"notes,omitempty"`
		ReleaseDate   string               `json:"release_date,omitempty"`
		ProductStatus *csafStatus          `json:"product_status,omitempty"`
		Flags         []csafFlag           `json:"flags,omitempty"`
		Threats       []csafThreat         `json:"threats,omitempty"`
		Remediations  []csafRemediation    `json:"remediations,omitempty"`
		Scores        []csafScore          `json:"scores,omitempty"`
		References    []csafReference      `json:"references,omitempty"`
		Acks          []csafAcknowledgment `json:"acknowledgments,omitempty"`
	}
	csafID struct {
		SystemName string `json:"system_name"`
		Text       string `json:"text"`
	}
	csafCWE struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	csafStatus struct {
		Fixed              []string `json:"fixed,omitempty"`
		KnownAffected      []string `json:"known_affected,omitempty"`
		KnownNotAffected   []string `json:"known_not_affected,omitempty"`
		UnderInvestigation []string `json:"under_investigation,omitempty"`
	}
	csafFlag struct {
		Label      Justification `json:"label"`
		ProductIDs []string      `json:"product_ids"`
	}
	csafThreat struct {
		Category   string   `json:"category"`
		Details    string   `json:"details"`
		ProductIDs []string `json:"product_ids,omitempty"`
	}
	csafRemediation struct {
		Category   string   `json:"category"`
		Details    string   `json:"details"`
		ProductIDs []string `json:"product_ids"`
		URL        string   `json:"url,omitempty"`
	}
	csafScore struct {
		Products []string  `json:"products"`
		CVSSv2   *csafCVSS `json:"cvss_v2,omitempty"`
		CVSSv3   *csafCVSS `json:"cvss_v3,omitempty"`
	}
	csafCVSS struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
		BaseSeverity string  `json:"baseSeverity,omitempty"`
	}
)

// csafDocument builds, checks and marshals a CSAF document. statuses is nil
// for a security advisory and non-nil for VEX.
func csafDocument(a *Advisory, category string, statuses []ProductStatus, opts CSAFOptions) ([]byte, error) {
	return csafDocumentMulti(a, category, []VEXVulnerability{{Advisory: a, Statuses: statuses}}, opts)
}

// csafDocumentMulti builds a CSAF document of a with one vulnerability per
// entry of vulns (a nil Statuses: derived from the entry's affected ranges).
func csafDocumentMulti(a *Advisory, category string, vulns []VEXVulnerability, opts CSAFOptions) ([]byte, error) {
	id := a.trackingID()
	if id == "" {
		return nil, &MissingError{Format: FormatCSAF, ID: "(unnamed)", What: "id (set ID or OSVID)"}
	}
	if opts.Now.IsZero() {
		return nil, fmt.Errorf("%s export of %s: CSAFOptions.Now is not set (it dates the document)", FormatCSAF, id)
	}
	if a.Publisher.Name == "" || a.Publisher.Namespace == "" {
		return nil, &MissingError{Format: FormatCSAF, ID: id, What: "publisher name and namespace (set Advisory.Publisher to the team's name and web address)"}
	}
	if len(vulns) == 0 {
		return nil, &MissingError{Format: FormatCSAF, ID: id, What: "vulnerability (a CSAF " + category + " is about at least one)"}
	}
	status := opts.Status
	if status == "" {
		status = StatusDraft
		if !a.Published.IsZero() && !a.Published.After(opts.Now) {
			status = StatusFinal
		}
	}

	pb := newProductBuilder()
	var vs []csafVuln
	for _, x := range vulns {
		pb.resetStatuses()
		var err error
		if len(x.Statuses) == 0 {
			err = pb.fromAffected(x.Advisory)
		} else {
			err = pb.fromStatuses(x.Advisory, x.Statuses)
		}
		if err != nil {
			return nil, err
		}
		v, err := csafVulnOf(x.Advisory, pb, id)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	if pb.empty() {
		return nil, &MissingError{Format: FormatCSAF, ID: id, What: "affected package or product status (a CSAF " + category + " needs a product tree and a product status)"}
	}

	doc := csafDoc{Document: csafDocumentMeta{
		Category:    category,
		CSAFVersion: "2.0",
		Title:       a.title(),
		Lang:        "en",
		Publisher: csafPublisher{
			Category:       orDefault(a.Publisher.Category, "coordinator"),
			Name:           a.Publisher.Name,
			Namespace:      a.Publisher.Namespace,
			ContactDetails: a.Publisher.ContactDetails,
		},
		Distribution: csafDistribution{TLP: csafTLP{Label: csafTLPLabel(a.TLP, status), URL: "https://www.first.org/tlp/"}},
		Tracking: csafTracking{
			ID:     id,
			Status: status,
			Generator: csafGenerator{
				Date:   csafTime(opts.Now),
				Engine: csafEngine{Name: "sirt", Version: opts.GeneratorVersion},
			},
		},
	}}
	if a.TLP != "" && csafTLPLabel(a.TLP, status) != string(a.TLP) {
		doc.Document.Distribution.Text = "TLP:" + string(a.TLP) + " (TLP 2.0)."
	}
	if s := strings.TrimSpace(a.Summary); s != "" {
		doc.Document.Notes = append(doc.Document.Notes, csafNote{Category: "summary", Title: "Summary", Text: s})
	}
	if !a.Withdrawn.IsZero() {
		doc.Document.Notes = append(doc.Document.Notes, csafNote{Category: "general", Title: "Withdrawn",
			Text: "This advisory was withdrawn on " + a.Withdrawn.UTC().Format(time.DateOnly) + "."})
	}
	for _, r := range a.References {
		doc.Document.References = append(doc.Document.References, csafReference{Category: "external", Summary: referenceSummary(r.Type), URL: r.URL})
	}
	csafTracking := &doc.Document.Tracking
	csafTracking.Aliases = uniqueNonEmpty(append(append([]string{}, a.Aliases...), a.osvID()), id)
	csafDates(a, opts, status, csafTracking)
	doc.ProductTree = &csafProductTree{Branches: pb.tree()}
	doc.Vulnerabilities = vs

	data, err := marshalValid(FormatCSAF, doc)
	if err != nil {
		return nil, err
	}
	if probs := csafProfileProblems(&doc); len(probs) > 0 {
		return nil, fmt.Errorf("%s export: %w", FormatCSAF, &ValidationError{Format: FormatCSAF + " " + category, Problems: probs})
	}
	return data, nil
}

// csafVulnOf is the vulnerability of advisory a with the product statuses pb
// collected for it.
func csafVulnOf(a *Advisory, pb *productBuilder, id string) (csafVuln, error) {
	v := csafVuln{}
	desc := a.description()
	if desc == "" {
		desc = a.title()
	}
	v.CVE = a.cveID()
	for _, alias := range uniqueNonEmpty(append([]string{a.osvID()}, a.Aliases...), v.CVE) {
		system := idSystem(alias)
		if (alias == a.osvID() || alias == a.ID) && a.Publisher.Name != "" && !knownSystem(alias) {
			system = a.Publisher.Name // the team's own id
		}
		v.IDs = append(v.IDs, csafID{SystemName: system, Text: alias})
	}
	// CSAF 2.0 has one CWE per vulnerability: the primary one, which the advisory lists
	// first. When its name is not known it is left out rather than replaced by a
	// secondary weakness.
	if len(a.CWEs) > 0 {
		if name, ok := cweNames[a.CWEs[0]]; ok {
			v.CWE = &csafCWE{ID: a.CWEs[0], Name: name}
		}
	}
	v.Notes = []csafNote{{Category: "description", Title: "Details", Text: desc}}
	if !a.Published.IsZero() {
		v.ReleaseDate = csafTime(a.Published)
	}
	v.ProductStatus = &csafStatus{
		Fixed:              pb.fixed,
		KnownAffected:      pb.affected,
		KnownNotAffected:   pb.notAffected,
		UnderInvestigation: pb.investigating,
	}
	v.Flags = pb.flags()
	v.Threats = pb.threats
	if len(pb.affected) > 0 && !pb.hasImpact {
		v.Threats = append(v.Threats, csafThreat{Category: "impact", Details: a.title(), ProductIDs: pb.affected})
	}
	v.Remediations = pb.remediations
	for i, c := range a.Credits {
		ack := csafAcknowledgment{Names: []string{c.Name}, Summary: creditSummary(c.Type)}
		for _, u := range c.Contact {
			if uriPattern.MatchString(u) {
				ack.URLs = append(ack.URLs, u)
			}
		}
		if strings.TrimSpace(c.Name) == "" {
			return v, fmt.Errorf("%s export of %s: credits[%d] has no name", FormatCSAF, id, i)
		}
		v.Acks = append(v.Acks, ack)
	}
	var err error
	v.Scores, err = pb.scores(a)
	return v, err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func csafTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// csafTLPLabel maps a TLP 2.0 label to the TLP 1.0 label CSAF 2.0 accepts.
func csafTLPLabel(t TLP, status TrackingStatus) string {
	switch t {
	case TLPClear:
		return "WHITE"
	case TLPGreen:
		return "GREEN"
	case TLPAmber, TLPAmberStrict:
		return "AMBER"
	case TLPRed:
		return "RED"
	}
	if status == StatusDraft {
		return "RED"
	}
	return "WHITE"
}

// csafDates fills the release dates and the revision history. Dates the
// advisory lacks are Now; the current release is never before the initial.
func csafDates(a *Advisory, opts CSAFOptions, status TrackingStatus, t *csafTracking) {
	revs := slices.Clone(a.Revisions)
	sort.SliceStable(revs, func(i, j int) bool { return revs[i].Date.Before(revs[j].Date) })
	initial := a.Published
	if initial.IsZero() && len(revs) > 0 {
		initial = revs[0].Date
	}
	if initial.IsZero() {
		initial = opts.Now
	}
	current := a.Modified
	if current.IsZero() {
		current = opts.Now
	}
	if len(revs) > 0 && revs[len(revs)-1].Date.After(current) {
		current = revs[len(revs)-1].Date
	}
	if current.Before(initial) {
		current = initial
	}
	if len(revs) == 0 {
		summary := "Initial version."
		if !a.Withdrawn.IsZero() {
			summary = "Withdrawn."
		}
		number := "1"
		if status == StatusDraft {
			number, summary = "0", "Draft, not published." // 6.1.17: a draft is version 0
		}
		revs = []Revision{{Number: number, Date: current, Summary: summary}}
	}
	for _, r := range revs {
		t.RevisionHistory = append(t.RevisionHistory, csafRevision{Number: r.Number, Date: csafTime(r.Date), Summary: r.Summary})
	}
	t.Version = revs[len(revs)-1].Number
	t.InitialReleaseDate = csafTime(initial)
	t.CurrentReleaseDate = csafTime(current)
}

// uniqueNonEmpty returns the distinct non-empty strings of ss, in order,
// leaving out those in drop.
func uniqueNonEmpty(ss []string, drop ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) && !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

// idSystems are the databases advisory ids come from, by id prefix (the OSV
// prefixes of the databases OSV aggregates).
var idSystems = []struct{ prefix, name string }{
	{"GHSA-", "GitHub Advisory Database"},
	{"GO-", "Go Vulnerability Database"},
	{"PYSEC-", "PyPI Advisory Database"},
	{"RUSTSEC-", "RustSec Advisory Database"},
	{"OSV-", "OSS-Fuzz"},
	{"MAL-", "OpenSSF Malicious Packages"},
	{"RHSA-", "Red Hat Security Advisory"},
	{"RHBA-", "Red Hat Bug Fix Advisory"},
	{"SUSE-", "SUSE Security Advisory"},
	{"openSUSE-", "openSUSE Security Advisory"},
	{"DSA-", "Debian Security Advisory"},
	{"DLA-", "Debian LTS Advisory"},
	{"USN-", "Ubuntu Security Notice"},
	{"ALSA-", "AlmaLinux Security Advisory"},
	{"RLSA-", "Rocky Linux Security Advisory"},
	{"EEF-", "Erlang Ecosystem Foundation CNA"},
	{"GSD-", "Global Security Database"},
	{"BIT-", "Bitnami Vulnerability Database"},
	{"PSF-", "Python Software Foundation"},
	{"CURL-", "curl"},
	{"HSEC-", "Haskell Security Advisories"},
	{"RSEC-", "R Consortium Advisory Database"},
}

// knownSystem reports whether id is a CVE id or has a known database prefix.
func knownSystem(id string) bool { return idSystem(id) != "" && idSystem(id) != "OSV" }

// idSystem names the database an advisory id comes from; "OSV" for an id of
// unknown origin.
func idSystem(id string) string {
	if cvePattern.MatchString(id) {
		return "CVE"
	}
	for _, s := range idSystems {
		if strings.HasPrefix(id, s.prefix) {
			return s.name
		}
	}
	return "OSV"
}

func referenceSummary(t string) string {
	switch t {
	case "ADVISORY":
		return "Advisory"
	case "ARTICLE":
		return "Article"
	case "DETECTION":
		return "Detection"
	case "DISCUSSION":
		return "Discussion"
	case "REPORT":
		return "Report"
	case "FIX":
		return "Fix"
	case "INTRODUCED":
		return "Change that introduced the vulnerability"
	case "GIT":
		return "Repository"
	case "PACKAGE":
		return "Package"
	case "EVIDENCE":
		return "Evidence"
	}
	return "Web page"
}

func creditSummary(t string) string {
	if t == "" {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(t, "_", " "))
}
