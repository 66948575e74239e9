package format

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The states a CVE id moves through as sirt exports its record. The CVE
// Record Format defines PUBLISHED (and REJECTED) records only; a RESERVED
// record is the draft of the record to be published, shown with the state
// its id has at the CVE Program until the advisory is public. It is checked
// against the schema as the PUBLISHED record it will become.
const (
	CVEStateReserved  = "RESERVED"
	CVEStatePublished = "PUBLISHED"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

// ErrWithdrawn is returned for exports that a withdrawn advisory cannot
// have: a CVE record of a withdrawn vulnerability is a REJECTED record,
// which sirt does not write.
var ErrWithdrawn = errors.New("the advisory is withdrawn")

// CVEOptions are the inputs of a CVE record that the advisory does not hold.
type CVEOptions struct {
	// Now is cveMetadata.dateUpdated and providerMetadata.dateUpdated.
	// Required.
	Now time.Time
	// CVEID is the CVE id to use (e.g. the id just reserved); empty means
	// the advisory's CVE id or first CVE alias. A record without one is
	// refused: there is no placeholder id.
	CVEID string
	// AssignerOrgID is the CNA's organization UUID (from the CNA's
	// credentials); required, and never the nil UUID.
	AssignerOrgID string
	// State is cveMetadata.state: CVEStateReserved while the advisory is
	// not public, CVEStatePublished once it is. Empty: PUBLISHED when the
	// advisory was published at or before Now, RESERVED otherwise.
	State string
	// AssignerShortName is the CNA's short name (2 to 32 characters).
	AssignerShortName string
	// GeneratorVersion is sirt's version, recorded in x_generator.
	GeneratorVersion string
}

type (
	cveRecord struct {
		DataType    string        `json:"dataType"`
		DataVersion string        `json:"dataVersion"`
		CVEMetadata cveMetadata   `json:"cveMetadata"`
		Containers  cveContainers `json:"containers"`
	}
	cveMetadata struct {
		CVEID             string `json:"cveId"`
		AssignerOrgID     string `json:"assignerOrgId"`
		AssignerShortName string `json:"assignerShortName,omitempty"`
		State             string `json:"state"`
		DatePublished     string `json:"datePublished,omitempty"`
		DateUpdated       string `json:"dateUpdated,omitempty"`
	}
	cveContainers struct {
		CNA cveCNA `json:"cna"`
	}
	cveCNA struct {
		ProviderMetadata cveProvider       `json:"providerMetadata"`
		DatePublic       string            `json:"datePublic,omitempty"`
		Title            string            `json:"title,omitempty"`
		Descriptions     []cveDescription  `json:"descriptions"`
		Affected         []cveAffected     `json:"affected"`
		ProblemTypes     []cveProblemType  `json:"problemTypes,omitempty"`
		References       []cveReference    `json:"references"`
		Metrics          []cveMetric       `json:"metrics,omitempty"`
		Credits          []cveCredit       `json:"credits,omitempty"`
		Generator        map[string]string `json:"x_generator,omitempty"`
	}
	cveProvider struct {
		OrgID       string `json:"orgId"`
		ShortName   string `json:"shortName,omitempty"`
		DateUpdated string `json:"dateUpdated,omitempty"`
	}
	cveDescription struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	}
	cveAffected struct {
		Vendor        string       `json:"vendor,omitempty"`
		Product       string       `json:"product,omitempty"`
		CollectionURL string       `json:"collectionURL,omitempty"`
		PackageName   string       `json:"packageName,omitempty"`
		Repo          string       `json:"repo,omitempty"`
		DefaultStatus string       `json:"defaultStatus,omitempty"`
		Versions      []cveVersion `json:"versions,omitempty"`
	}
	cveVersion struct {
		Version         string `json:"version"`
		Status          string `json:"status"`
		VersionType     string `json:"versionType,omitempty"`
		LessThan        string `json:"lessThan,omitempty"`
		LessThanOrEqual string `json:"lessThanOrEqual,omitempty"`
	}
	cveProblemType struct {
		Descriptions []cveProblemDescription `json:"descriptions"`
	}
	cveProblemDescription struct {
		Lang        string `json:"lang"`
		Description string `json:"description"`
		CWEID       string `json:"cweId,omitempty"`
		Type        string `json:"type,omitempty"`
	}
	cveReference struct {
		URL  string   `json:"url"`
		Tags []string `json:"tags,omitempty"`
	}
	cveMetric struct {
		CVSSv40 *cveCVSS `json:"cvssV4_0,omitempty"`
		CVSSv31 *cveCVSS `json:"cvssV3_1,omitempty"`
		CVSSv30 *cveCVSS `json:"cvssV3_0,omitempty"`
		CVSSv20 *cveCVSS `json:"cvssV2_0,omitempty"`
	}
	cveCVSS struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
		BaseSeverity string  `json:"baseSeverity,omitempty"`
	}
	cveCredit struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
		Type  string `json:"type,omitempty"`
	}
)

// CVE5 exports the advisory as a CVE JSON 5 record (dataType CVE_RECORD,
// state PUBLISHED) whose containers.cna is what a CNA submits: title,
// English description, affected packages (collectionURL and packageName for
// package registries, vendor and product otherwise) with version ranges
// (version/lessThan/lessThanOrEqual, status affected, defaultStatus
// unaffected), CWEs as problem types, CVSS v4.0/v3.x/v2 metrics with scores
// computed from the vectors, references and credits.
//
// The record is validated against the bundled CVE Record Format schema. An
// advisory without a description, an affected package or a reference is
// refused with a *MissingError, a withdrawn one with ErrWithdrawn.
func CVE5(a *Advisory, opts CVEOptions) ([]byte, error) {
	id := a.trackingID()
	if id == "" {
		id = "(unnamed)"
	}
	if opts.Now.IsZero() {
		return nil, fmt.Errorf("%s export of %s: CVEOptions.Now is not set (it dates the record)", FormatCVE, id)
	}
	if !a.Withdrawn.IsZero() {
		return nil, fmt.Errorf("%s export of %s: %w; a CVE record for it would be a REJECTED record, which sirt does not write", FormatCVE, id, ErrWithdrawn)
	}
	desc := a.description()
	switch {
	case desc == "":
		return nil, &MissingError{Format: FormatCVE, ID: id, What: "description (set Summary or Details)"}
	case len(a.Affected) == 0:
		return nil, &MissingError{Format: FormatCVE, ID: id, What: "affected package (CVE records require at least one)"}
	case len(a.References) == 0:
		return nil, &MissingError{Format: FormatCVE, ID: id, What: "reference (CVE records require at least one)"}
	}
	v, err := loadValidators()
	if err != nil {
		return nil, err
	}
	orgID := strings.TrimSpace(opts.AssignerOrgID)
	if !uuidPattern.MatchString(orgID) {
		return nil, &MissingError{Format: FormatCVE, ID: id, What: "CNA organisation id (the UUID of the team's CNA; set it in the publishing settings)"}
	}
	cveID := orDefault(opts.CVEID, a.cveID())
	if !cvePattern.MatchString(cveID) {
		return nil, &MissingError{Format: FormatCVE, ID: id, What: "CVE id (reserve one with the CNA and record it on the advisory)"}
	}
	state := opts.State
	if state == "" {
		state = CVEStateReserved
		if !a.Published.IsZero() && !a.Published.After(opts.Now) {
			state = CVEStatePublished
		}
	}
	if state != CVEStateReserved && state != CVEStatePublished {
		return nil, fmt.Errorf("%s export of %s: state %q is not RESERVED or PUBLISHED", FormatCVE, id, state)
	}
	rec := cveRecord{
		DataType:    "CVE_RECORD",
		DataVersion: v.cveDataVersion(),
		CVEMetadata: cveMetadata{
			CVEID:             cveID,
			AssignerOrgID:     orgID,
			AssignerShortName: opts.AssignerShortName,
			State:             "PUBLISHED",
			DatePublished:     cveTime(a.Published),
			DateUpdated:       cveTime(opts.Now),
		},
	}
	cna := &rec.Containers.CNA
	cna.ProviderMetadata = cveProvider{OrgID: orgID, ShortName: opts.AssignerShortName, DateUpdated: cveTime(opts.Now)}
	cna.DatePublic = cveTime(a.Published)
	cna.Title = truncate(a.title(), 256)
	cna.Descriptions = []cveDescription{{Lang: "en", Value: truncate(desc, 4096)}}
	for _, af := range a.Affected {
		cna.Affected = append(cna.Affected, cveAffectedOf(af))
	}
	if len(a.CWEs) > 0 {
		pt := cveProblemType{}
		for _, c := range a.CWEs {
			d := c
			if name, ok := cweNames[c]; ok {
				d = c + " " + name
			}
			pt.Descriptions = append(pt.Descriptions, cveProblemDescription{Lang: "en", Description: d, CWEID: c, Type: "CWE"})
		}
		cna.ProblemTypes = []cveProblemType{pt}
	}
	for _, r := range a.References {
		i := slices.IndexFunc(cna.References, func(x cveReference) bool { return x.URL == r.URL })
		if i < 0 {
			cna.References = append(cna.References, cveReference{URL: r.URL})
			i = len(cna.References) - 1
		}
		if tag := cveReferenceTag(r.Type); tag != "" && !slices.Contains(cna.References[i].Tags, tag) {
			cna.References[i].Tags = append(cna.References[i].Tags, tag)
		}
	}
	sev := slices.Clone(a.Severity)
	for _, af := range a.Affected {
		sev = append(sev, af.Severity...)
	}
	scored, err := scoredSeverities(FormatCVE, "severity", sev)
	if err != nil {
		return nil, err
	}
	for _, s := range scored {
		c := &cveCVSS{Version: s.version, VectorString: s.vector, BaseScore: s.score, BaseSeverity: s.severity}
		var m cveMetric
		switch s.version {
		case "4.0":
			m.CVSSv40 = c
		case "3.1":
			m.CVSSv31 = c
		case "3.0":
			m.CVSSv30 = c
		case "2.0":
			c.BaseSeverity = "" // not part of the v2 object
			c.VectorString = strings.Trim(c.VectorString, "()")
			m.CVSSv20 = c
		}
		if !slices.ContainsFunc(cna.Metrics, func(x cveMetric) bool { return sameMetric(x, m) }) {
			cna.Metrics = append(cna.Metrics, m)
		}
	}
	for _, c := range a.Credits {
		cr := cveCredit{Lang: "en", Value: truncate(c.Name, 4096), Type: cveCreditType(c.Type)}
		if strings.TrimSpace(cr.Value) != "" && !slices.Contains(cna.Credits, cr) {
			cna.Credits = append(cna.Credits, cr)
		}
	}
	cna.Generator = map[string]string{"engine": strings.TrimSpace("sirt " + opts.GeneratorVersion)}
	data, err := marshalValid(FormatCVE, rec)
	if err != nil || state == CVEStatePublished {
		return data, err
	}
	rec.CVEMetadata.State, rec.CVEMetadata.DatePublished, cna.DatePublic = CVEStateReserved, "", ""
	return encodeJSON(rec)
}

func sameMetric(a, b cveMetric) bool {
	eq := func(x, y *cveCVSS) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return eq(a.CVSSv40, b.CVSSv40) && eq(a.CVSSv31, b.CVSSv31) && eq(a.CVSSv30, b.CVSSv30) && eq(a.CVSSv20, b.CVSSv20)
}

// cveDataVersion is the default dataVersion of the embedded CVE schema.
func (v *validators) cveDataVersion() string {
	for _, s := range schemaSet {
		if s.format != FormatCVE {
			continue
		}
		if doc, ok := v.docs[s.url].(map[string]any); ok {
			if defs, ok := doc["definitions"].(map[string]any); ok {
				if dv, ok := defs["dataVersion"].(map[string]any); ok {
					if d, ok := dv["default"].(string); ok {
						return d
					}
				}
			}
		}
	}
	return "5.1.0"
}

// cveTime formats t as the CVE schema's timestamp, which admits years 1900
// to 2999 only; other times (such as OSV's 0001-01-01 "unknown") are left
// out.
func cveTime(t time.Time) string {
	if t.IsZero() || t.Year() < 1900 || t.Year() > 2999 {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// collectionURLs are the registries CVE records name packages by.
var collectionURLs = map[string]string{
	"Go":        "https://pkg.go.dev",
	"npm":       "https://www.npmjs.com",
	"PyPI":      "https://pypi.org",
	"Maven":     "https://repo.maven.apache.org/maven2",
	"RubyGems":  "https://rubygems.org",
	"crates.io": "https://crates.io",
	"NuGet":     "https://www.nuget.org",
	"Packagist": "https://packagist.org",
	"Hex":       "https://hex.pm",
	"Pub":       "https://pub.dev",
	"Hackage":   "https://hackage.haskell.org",
	"CRAN":      "https://cran.r-project.org",
}

func cveAffectedOf(af Affected) cveAffected {
	p := productOf(af)
	var out cveAffected
	eco, _, _ := strings.Cut(af.Package.Ecosystem, ":")
	switch {
	case af.Package.IsZero():
		out.Vendor = p.vendor
		out.Product = p.name[strings.LastIndex(p.name, "/")+1:]
	case collectionURLs[eco] != "":
		out.CollectionURL, out.PackageName = collectionURLs[eco], p.name
	default:
		out.Vendor, out.Product = p.vendor, p.name
	}
	for _, r := range af.Ranges {
		if r.Type == RangeGit && r.Repo != "" && out.Repo == "" && uriPattern.MatchString(r.Repo) {
			out.Repo = r.Repo
		}
		vt := map[RangeType]string{RangeSemver: "semver", RangeGit: "git"}[r.Type]
		if vt == "" {
			vt = p.versType
		}
		start, open := "", false
		add := func(v cveVersion) {
			if !slices.Contains(out.Versions, v) {
				out.Versions = append(out.Versions, v)
			}
		}
		for _, e := range r.Events {
			switch {
			case e.Introduced != "":
				start, open = e.Introduced, true
			case e.Fixed != "" && open:
				add(cveVersion{Version: start, Status: "affected", VersionType: vt, LessThan: e.Fixed})
				open = false
			case e.Limit != "" && open:
				add(cveVersion{Version: start, Status: "affected", VersionType: vt, LessThan: e.Limit})
				open = false
			case e.LastAffected != "" && open:
				add(cveVersion{Version: start, Status: "affected", VersionType: vt, LessThanOrEqual: e.LastAffected})
				open = false
			}
		}
		if open {
			add(cveVersion{Version: start, Status: "affected", VersionType: vt, LessThan: "*"})
		}
	}
	if len(af.Ranges) == 0 {
		for _, v := range af.Versions {
			if v := (cveVersion{Version: v, Status: "affected"}); !slices.Contains(out.Versions, v) {
				out.Versions = append(out.Versions, v)
			}
		}
	}
	out.DefaultStatus = "unaffected"
	if len(out.Versions) == 0 {
		out.DefaultStatus = "affected"
	}
	return out
}

func cveReferenceTag(t string) string {
	switch t {
	case "FIX":
		return "patch"
	case "REPORT":
		return "issue-tracking"
	case "EVIDENCE":
		return "exploit"
	case "PACKAGE":
		return "product"
	case "ARTICLE":
		return "technical-description"
	}
	return ""
}

func cveCreditType(t string) string {
	switch t {
	case "FINDER", "REPORTER", "ANALYST", "COORDINATOR", "REMEDIATION_DEVELOPER",
		"REMEDIATION_REVIEWER", "REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER":
		return strings.ToLower(strings.ReplaceAll(t, "_", " "))
	}
	return ""
}
