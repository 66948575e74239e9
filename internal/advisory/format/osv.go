package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// OSVSchemaVersion is the OSV schema version of OSV exports: the latest
// release of the schema embedded in schemas/osv-schema.json.
const OSVSchemaVersion = "1.7.5"

var cvePattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// osvRecord is an OSV record on the wire.
type osvRecord struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published,omitempty"`
	Withdrawn        string          `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// ImportOSV reads an OSV record (any schema version) into an Advisory, after
// validating it against the official OSV schema; a record the schema rejects
// is returned as a *ValidationError naming each path and rule, e.g.
// "$.affected[0].ranges[0].events: … (rule contains: events must contain an
// introduced object …)".
//
// The advisory keeps the record's id as OSVID (an imported advisory keeps
// its database's id) and leaves ID, the team's id, for the caller to assign.
// Title is the summary. CWEs come from database_specific.cwe_ids, where GHSA
// and several other databases keep them; database_specific itself is kept
// as it is.
func ImportOSV(data []byte) (*Advisory, error) {
	if err := validate(FormatOSV, data); err != nil {
		return nil, fmt.Errorf("import OSV: %w", err)
	}
	var r osvRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("import OSV: %w", err)
	}
	a := &Advisory{
		OSVID:            r.ID,
		Title:            strings.TrimSpace(r.Summary),
		Summary:          r.Summary,
		Details:          r.Details,
		Aliases:          r.Aliases,
		Related:          r.Related,
		Upstream:         r.Upstream,
		Affected:         r.Affected,
		Severity:         r.Severity,
		Credits:          r.Credits,
		References:       r.References,
		DatabaseSpecific: r.DatabaseSpecific,
	}
	for i, af := range r.Affected {
		for j, rg := range af.Ranges {
			if probs := CheckRange(rg); len(probs) > 0 {
				ve := &ValidationError{Format: FormatOSV}
				for _, p := range probs {
					ve.Problems = append(ve.Problems, Problem{Path: fmt.Sprintf("$.affected[%d].ranges[%d].%s", i, j, p.Path), Message: p.Message, Rule: "osv-semantics"})
				}
				return nil, fmt.Errorf("import OSV: %w", ve)
			}
		}
	}
	var err error
	if a.Modified, err = parseOSVTime("modified", r.Modified); err != nil {
		return nil, err
	}
	if a.Published, err = parseOSVTime("published", r.Published); err != nil {
		return nil, err
	}
	if a.Withdrawn, err = parseOSVTime("withdrawn", r.Withdrawn); err != nil {
		return nil, err
	}
	if len(r.DatabaseSpecific) > 0 {
		var ds struct {
			CWEIDs []string `json:"cwe_ids"`
		}
		// database_specific is free-form: a cwe_ids of another shape is
		// simply not read as CWEs.
		if json.Unmarshal(r.DatabaseSpecific, &ds) == nil {
			a.CWEs = ds.CWEIDs
		}
	}
	return a, nil
}

func parseOSVTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("import OSV: %s %q is not an RFC 3339 time: %w", field, s, err)
	}
	return t.UTC(), nil
}

func osvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// OSV exports the advisory as an OSV record of schema version
// OSVSchemaVersion whose id is the advisory's OSVID (OSVIDFor(ID, "") when
// OSVID is empty). The record is validated against the OSV schema before it
// is returned.
func OSV(a *Advisory) ([]byte, error) {
	id := a.osvID()
	if id == "" {
		return nil, &MissingError{Format: FormatOSV, ID: "(unnamed)", What: "id (set ID or OSVID)"}
	}
	r := osvRecord{
		SchemaVersion: OSVSchemaVersion,
		ID:            id,
		Modified:      a.Modified.UTC().Format(time.RFC3339Nano),
		Published:     osvTime(a.Published),
		Withdrawn:     osvTime(a.Withdrawn),
		Aliases:       a.Aliases,
		Related:       a.Related,
		Upstream:      a.Upstream,
		Summary:       a.Summary,
		Details:       a.Details,
		Severity:      a.Severity,
		Affected:      a.Affected,
		References:    a.References,
		Credits:       a.Credits,
	}
	if r.Summary == "" && a.Title != "" {
		r.Summary = a.Title
	}
	ds, err := osvDatabaseSpecific(a)
	if err != nil {
		return nil, err
	}
	r.DatabaseSpecific = ds
	return marshalValid(FormatOSV, r)
}

// osvDatabaseSpecific returns the advisory's database_specific with its CWEs
// as cwe_ids, the convention of GHSA and others, when there are any.
func osvDatabaseSpecific(a *Advisory) (json.RawMessage, error) {
	if len(a.CWEs) == 0 {
		return a.DatabaseSpecific, nil
	}
	m := map[string]json.RawMessage{}
	if len(a.DatabaseSpecific) > 0 {
		if err := json.Unmarshal(a.DatabaseSpecific, &m); err != nil {
			return nil, fmt.Errorf("OSV export: database_specific of %s is not a JSON object: %w", a.osvID(), err)
		}
	}
	ids, err := json.Marshal(a.CWEs)
	if err != nil {
		return nil, err
	}
	m["cwe_ids"] = ids
	return json.Marshal(m)
}

// marshalValid marshals v and returns it only if it validates as format.
func marshalValid(format string, v any) ([]byte, error) {
	data, err := encodeJSON(v)
	if err != nil {
		return nil, fmt.Errorf("%s export: %w", format, err)
	}
	if err := validate(format, data); err != nil {
		return nil, fmt.Errorf("%s export: %w", format, err)
	}
	return data, nil
}

// encodeJSON is the encoding of every export: indented, HTML left unescaped.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
