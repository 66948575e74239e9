package advisory

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Draft is what a drafter writes: every field is optional in an update, where a nil
// field is left as it is (an empty list clears it). Names are OSV's.
type Draft struct {
	Title   *string `json:"title,omitempty" maxLength:"300" doc:"Headline of CSAF and CVE documents; default the summary."`
	Summary *string `json:"summary,omitempty" maxLength:"500" doc:"One line."`
	Details *string `json:"details,omitempty" maxLength:"100000" doc:"Markdown."`
	// Aliases are other ids of the same vulnerability (CVE, GHSA…).
	Aliases    []string           `json:"aliases,omitempty"`
	Related    []string           `json:"related,omitempty"`
	Affected   []format.Affected  `json:"affected,omitempty" doc:"Affected packages with OSV ranges (SEMVER, ECOSYSTEM, GIT)."`
	Severity   []format.Severity  `json:"severity,omitempty" doc:"CVSS_V4 / CVSS_V3 vectors; sirt computes the scores."`
	CWEs       []string           `json:"cwe_ids,omitempty" doc:"e.g. CWE-79."`
	Credits    []format.Credit    `json:"credits,omitempty"`
	References []format.Reference `json:"references,omitempty"`
	// Change says what this revision changed (revision history); optional.
	Change string `json:"change,omitempty" maxLength:"500" doc:"What this change is, for the revision history."`
}

// Str returns a pointer to s, for building Drafts.
func Str(s string) *string { return &s }

var (
	cwePattern   = regexp.MustCompile(`^CWE-[1-9][0-9]{0,5}$`)
	aliasPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:+-]*$`)
	// The OSV credit and reference types.
	creditTypes    = []string{"FINDER", "REPORTER", "ANALYST", "COORDINATOR", "REMEDIATION_DEVELOPER", "REMEDIATION_REVIEWER", "REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER"}
	referenceTypes = []string{"ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION", "REPORT", "FIX", "INTRODUCED", "GIT", "PACKAGE", "EVIDENCE", "WEB"}
	rangeTypes     = []string{string(format.RangeSemver), string(format.RangeEcosystem), string(format.RangeGit)}
)

// apply checks the draft and writes it into doc. Field errors name the field as the
// API spells it ("affected[0].ranges[0].events").
func (d Draft) apply(doc *format.Advisory) error {
	var errs validate.Errors
	if d.Title != nil {
		doc.Title = errs.Text("title", *d.Title, false, 300)
	}
	if d.Summary != nil {
		doc.Summary = errs.Text("summary", *d.Summary, false, 500)
		if strings.ContainsAny(doc.Summary, "\r\n") {
			errs.Add("summary", "must be one line (put the rest in details)")
		}
	}
	if d.Details != nil {
		doc.Details = errs.Text("details", *d.Details, false, 100000)
	}
	if d.Aliases != nil {
		doc.Aliases = idList(&errs, "aliases", d.Aliases)
	}
	if d.Related != nil {
		doc.Related = idList(&errs, "related", d.Related)
	}
	if d.CWEs != nil {
		doc.CWEs = nil
		for i, c := range d.CWEs {
			c = strings.ToUpper(strings.TrimSpace(c))
			if !cwePattern.MatchString(c) {
				errs.Add(fmt.Sprintf("cwe_ids[%d]", i), "%q is not a CWE id (want CWE-79)", c)
				continue
			}
			if !slices.Contains(doc.CWEs, c) {
				doc.CWEs = append(doc.CWEs, c)
			}
		}
	}
	if d.Severity != nil {
		doc.Severity = nil
		for i, s := range d.Severity {
			s.Score = strings.TrimSpace(s.Score)
			if s.Score == "" {
				continue
			}
			f := fmt.Sprintf("severity[%d]", i)
			switch s.Type {
			case format.CVSSv2, format.CVSSv3, format.CVSSv4:
				_, _, ver, err := format.ScoreCVSS(s.Score)
				if err != nil {
					errs.Add(f+".score", "%v", err)
					continue
				}
				if want := cvssType(ver); want != s.Type {
					errs.Add(f+".type", "the vector is CVSS %s, so the type is %s, not %s", ver, want, s.Type)
					continue
				}
			case format.Ubuntu:
			default:
				errs.Add(f+".type", "%q is not one of CVSS_V4, CVSS_V3, CVSS_V2, Ubuntu", s.Type)
				continue
			}
			doc.Severity = append(doc.Severity, s)
		}
	}
	if d.Affected != nil {
		doc.Affected = nil
		for i, af := range d.Affected {
			checkAffected(&errs, fmt.Sprintf("affected[%d]", i), &af)
			doc.Affected = append(doc.Affected, af)
		}
	}
	if d.Credits != nil {
		doc.Credits = nil
		for i, c := range d.Credits {
			f := fmt.Sprintf("credits[%d]", i)
			c.Name = errs.Text(f+".name", c.Name, true, 300)
			c.Type = strings.ToUpper(strings.TrimSpace(c.Type))
			if c.Type != "" {
				errs.OneOf(f+".type", c.Type, creditTypes...)
			}
			doc.Credits = append(doc.Credits, c)
		}
	}
	if d.References != nil {
		doc.References = nil
		for i, r := range d.References {
			f := fmt.Sprintf("references[%d]", i)
			r.Type = strings.ToUpper(strings.TrimSpace(r.Type))
			if r.Type == "" {
				r.Type = "WEB"
			}
			errs.OneOf(f+".type", r.Type, referenceTypes...)
			r.URL = strings.TrimSpace(r.URL)
			if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs.Add(f+".url", "%q is not a web address (want https://…)", r.URL)
			}
			doc.References = append(doc.References, r)
		}
	}
	return errs.Err()
}

func cvssType(version string) format.SeverityType {
	switch version {
	case "4.0":
		return format.CVSSv4
	case "3.0", "3.1":
		return format.CVSSv3
	}
	return format.CVSSv2
}

func idList(errs *validate.Errors, field string, in []string) []string {
	var out []string
	for i, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !aliasPattern.MatchString(s) || len(s) > 200 {
			errs.Add(fmt.Sprintf("%s[%d]", field, i), "%q is not an advisory id (want e.g. CVE-2026-12345 or GHSA-xxxx-xxxx-xxxx)", s)
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkAffected checks what the OSV schema would say less clearly (the schema check of
// the whole document follows in checkDocument).
func checkAffected(errs *validate.Errors, f string, af *format.Affected) {
	af.Package.Ecosystem = strings.TrimSpace(af.Package.Ecosystem)
	af.Package.Name = strings.TrimSpace(af.Package.Name)
	af.Package.PURL = strings.TrimSpace(af.Package.PURL)
	// A package given as a purl alone: its ecosystem and name come from the purl.
	if p, err := format.PackageFromPURL(af.Package); err != nil {
		errs.Add(f+".package.purl", "%s", err.Error())
	} else {
		af.Package = p
	}
	gitOnly := len(af.Ranges) > 0
	for _, r := range af.Ranges {
		gitOnly = gitOnly && r.Type == format.RangeGit
	}
	if af.Package.IsZero() && !gitOnly {
		errs.Add(f+".package", "name the package (ecosystem and name); only GIT ranges may go without one")
	}
	if !af.Package.IsZero() && (af.Package.Ecosystem == "" || af.Package.Name == "") {
		errs.Add(f+".package", "give both the ecosystem (e.g. Go, npm, PyPI) and the package name")
	}
	if len(af.Ranges) == 0 && len(af.Versions) == 0 {
		errs.Add(f+".ranges", "give at least one range (introduced/fixed events) or list the affected versions")
	}
	for j, r := range af.Ranges {
		rf := fmt.Sprintf("%s.ranges[%d]", f, j)
		if !slices.Contains(rangeTypes, string(r.Type)) {
			errs.Add(rf+".type", "%q is not one of SEMVER, ECOSYSTEM, GIT", r.Type)
		}
		if r.Type == format.RangeGit && strings.TrimSpace(r.Repo) == "" {
			errs.Add(rf+".repo", "a GIT range needs the repository URL")
		}
		introduced := false
		for k, e := range r.Events {
			n := 0
			for _, v := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
				if v != "" {
					n++
				}
			}
			if n != 1 {
				errs.Add(fmt.Sprintf("%s.events[%d]", rf, k), "each event has exactly one of introduced, fixed, last_affected, limit")
			}
			introduced = introduced || e.Introduced != ""
		}
		if !introduced {
			errs.Add(rf+".events", "the events must contain an introduced one (introduced: \"0\" means since the first version)")
		}
		for _, p := range format.CheckRange(r) {
			errs.Add(rf+"."+p.Path, "%s", p.Message)
		}
	}
}

// checkDocument holds the whole document to the OSV schema, naming each offending path
// as a field ("affected[0].package.ecosystem").
func checkDocument(doc *format.Advisory) error {
	if _, err := format.OSV(doc); err != nil {
		var ve *format.ValidationError
		if errors.As(err, &ve) {
			var errs validate.Errors
			for _, p := range ve.Problems {
				field := strings.TrimPrefix(strings.TrimPrefix(p.Path, "$"), ".")
				if field == "" {
					field = "document"
				}
				errs.Add(field, "%s (OSV schema rule %s)", p.Message, p.Rule)
			}
			return errs
		}
		return err
	}
	return nil
}

// FormDraft builds a Draft from the fields of the staff edit form, which works without
// JavaScript: one alias, CWE or related id per line (or comma-separated), one reference
// per line as "TYPE URL", one credit per line as "Name | TYPE | contact", the CVSS v4.0
// and v3.1 vectors in two fields (other severities are kept), and the affected packages
// as OSV JSON.
func FormDraft(get func(string) string, current *format.Advisory) (Draft, error) {
	var errs validate.Errors
	d := Draft{Title: Str(get("title")), Summary: Str(get("summary")), Details: Str(get("details")), Change: get("change")}
	d.Aliases = splitList(get("aliases"))
	d.Related = splitList(get("related"))
	d.CWEs = splitList(get("cwe_ids"))
	d.Severity = []format.Severity{}
	for _, s := range current.Severity {
		if s.Type != format.CVSSv4 && s.Type != format.CVSSv3 {
			d.Severity = append(d.Severity, s)
		}
	}
	if v := strings.TrimSpace(get("cvss_v4")); v != "" {
		d.Severity = append(d.Severity, format.Severity{Type: format.CVSSv4, Score: v})
	}
	if v := strings.TrimSpace(get("cvss_v3")); v != "" {
		d.Severity = append(d.Severity, format.Severity{Type: format.CVSSv3, Score: v})
	}
	d.References = []format.Reference{}
	for _, line := range lines(get("references")) {
		typ, u, ok := strings.Cut(line, " ")
		if !ok {
			typ, u = "WEB", line
		}
		if strings.Contains(typ, "://") {
			typ, u = "WEB", line
		}
		d.References = append(d.References, format.Reference{Type: typ, URL: strings.TrimSpace(u)})
	}
	d.Credits = []format.Credit{}
	for _, line := range lines(get("credits")) {
		parts := strings.Split(line, "|")
		c := format.Credit{Name: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			c.Type = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 {
			c.Contact = append(c.Contact, strings.Fields(strings.Join(parts[2:], " "))...)
		}
		d.Credits = append(d.Credits, c)
	}
	d.Affected = []format.Affected{}
	if raw := strings.TrimSpace(get("affected")); raw != "" {
		if err := decodeStrict(raw, &d.Affected); err != nil {
			errs.Add("affected", "is not a JSON list of OSV affected entries: %v", err)
		}
	}
	return d, errs.Err()
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitList(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// FormValues renders a document into the fields FormDraft reads.
func FormValues(d *format.Advisory) map[string]string {
	v := map[string]string{"title": d.Title, "summary": d.Summary, "details": d.Details,
		"aliases": strings.Join(d.Aliases, "\n"), "related": strings.Join(d.Related, "\n"), "cwe_ids": strings.Join(d.CWEs, "\n")}
	for _, s := range d.Severity {
		switch s.Type {
		case format.CVSSv4:
			v["cvss_v4"] = s.Score
		case format.CVSSv3:
			v["cvss_v3"] = s.Score
		}
	}
	var refs, credits []string
	for _, r := range d.References {
		refs = append(refs, r.Type+" "+r.URL)
	}
	for _, c := range d.Credits {
		line := c.Name
		if c.Type != "" || len(c.Contact) > 0 {
			line += " | " + c.Type
		}
		if len(c.Contact) > 0 {
			line += " | " + strings.Join(c.Contact, " ")
		}
		credits = append(credits, line)
	}
	v["references"] = strings.Join(refs, "\n")
	v["credits"] = strings.Join(credits, "\n")
	if len(d.Affected) > 0 {
		v["affected"] = indentJSON(d.Affected)
	}
	return v
}

// ParseInstant reads an RFC 3339 instant ("2026-03-04T14:00:00Z"); the error names field.
func ParseInstant(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, validate.Field(field, "is required (an RFC 3339 instant with a time zone, e.g. 2026-03-04T14:00:00Z)")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, validate.Field(field, "%s is not an RFC 3339 instant with a time zone (want e.g. 2026-03-04T14:00:00Z)", strconv.Quote(s))
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// decodeStrict decodes JSON refusing unknown fields, so a typo is an error, not a loss.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected text after the JSON value")
	}
	return nil
}
