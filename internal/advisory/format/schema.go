package format

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// The official schemas, copied unchanged from ../shared/schemas (see
// schemas/README.md): OSV validation/schema.json at ossf/osv-schema 51b8156,
// CSAF 2.0 csaf_json_schema.json with the FIRST CVSS schemas it references,
// and the bundled CVE Record Format 5.1.0.
//
//go:embed schemas/*.json
var schemaFS embed.FS

// Names of the formats, as they appear in errors.
const (
	FormatOSV  = "OSV"
	FormatCSAF = "CSAF 2.0"
	FormatCVE  = "CVE JSON 5"
)

// schemaSet says where each embedded schema is registered. The CSAF schema
// refers to the CVSS schemas by their first.org URLs; they are served from
// the embedded copies so that compiling never touches the network.
var schemaSet = []struct {
	format, file, url string
}{
	{FormatOSV, "osv-schema.json", "https://raw.githubusercontent.com/ossf/osv-schema/main/validation/schema.json"},
	{FormatCSAF, "csaf_json_schema.json", "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"},
	{"", "cvss-v2.0.json", "https://www.first.org/cvss/cvss-v2.0.json"},
	{"", "cvss-v3.0.json", "https://www.first.org/cvss/cvss-v3.0.json"},
	{"", "cvss-v3.1.json", "https://www.first.org/cvss/cvss-v3.1.json"},
	{FormatCVE, "CVE_Record_Format_bundled.json", "https://cveproject.github.io/cve-schema/schema/docs/CVE_Record_Format_bundled.json"},
}

// validators holds the compiled schemas and their decoded documents (for the
// titles quoted in errors). They are immutable once built.
type validators struct {
	schemas map[string]*jsonschema.Schema // by format
	docs    map[string]any                // by registered URL, without fragment
}

var loadValidators = sync.OnceValues(func() (*validators, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	// The OSV, CSAF and CVE tooling all check these formats; assert them for
	// every draft, with the same rules as ../shared/acceptance/lib/validate.py.
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "uri", Validate: validateURI})
	v := &validators{schemas: map[string]*jsonschema.Schema{}, docs: map[string]any{}}
	for _, s := range schemaSet {
		b, err := schemaFS.ReadFile("schemas/" + s.file)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("format: embedded schema %s: %w", s.file, err)
		}
		if err := c.AddResource(s.url, doc); err != nil {
			return nil, fmt.Errorf("format: embedded schema %s: %w", s.file, err)
		}
		v.docs[s.url] = doc
		if m, ok := doc.(map[string]any); ok {
			for _, k := range []string{"$id", "id"} {
				if id, ok := m[k].(string); ok {
					v.docs[strings.TrimSuffix(id, "#")] = doc
				}
			}
		}
	}
	for _, s := range schemaSet {
		if s.format == "" {
			continue
		}
		sch, err := c.Compile(s.url)
		if err != nil {
			return nil, fmt.Errorf("format: compile the %s schema: %w", s.format, err)
		}
		v.schemas[s.format] = sch
	}
	return v, nil
})

// noNetwork refuses every URL the embedded schemas do not provide.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not embedded and is not fetched", url)
}

var uriPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$`)

func validateURI(v any) error {
	s, ok := v.(string)
	if !ok || uriPattern.MatchString(s) {
		return nil
	}
	return errors.New("not an absolute URI")
}

// validate checks the JSON document data against the official schema of
// format and returns a *ValidationError listing every violation.
func validate(format string, data []byte) error {
	v, err := loadValidators()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return &ValidationError{Format: format, Problems: []Problem{{Path: "$", Rule: "json", Message: "not JSON: " + err.Error()}}}
	}
	err = v.schemas[format].Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("format: validate %s: %w", format, err)
	}
	out := &ValidationError{Format: format}
	v.collect(ve, &out.Problems)
	slices.SortStableFunc(out.Problems, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
	out.Problems = slices.Compact(out.Problems)
	return out
}

// ValidationError reports a document that its official schema (or, for
// CSAF, the profile rules of the CSAF standard) rejects.
type ValidationError struct {
	Format   string // FormatOSV, FormatCSAF or FormatCVE
	Problems []Problem
}

// Problem is one violation: where it is and which rule it breaks.
type Problem struct {
	// Path is the JSON path of the offending value, "$.affected[0].ranges[0].events".
	Path string
	// Rule is the schema keyword that failed ("contains", "required",
	// "pattern", "oneOf", …) or, for CSAF profile rules, the section
	// number of the CSAF 2.0 test ("6.1.27.9").
	Rule string
	// Title is the schema's own name for the rule, when it has one
	// ("GIT ranges must use full-length commit hashes").
	Title string
	// Message says what is wrong with the value.
	Message string
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s: %s (rule %s", p.Path, p.Message, p.Rule)
	if p.Title != "" {
		s += ": " + p.Title
	}
	return s + ")"
}

// maxProblemsInMessage caps how many problems Error spells out.
const maxProblemsInMessage = 5

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "not valid %s: ", e.Format)
	for i, p := range e.Problems {
		if i == maxProblemsInMessage {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// collect flattens the error tree of the validator into problems. A failed
// oneOf, anyOf or contains is reported once, at its own location, rather than
// as the failures of each alternative or item, which would mostly be noise
// ("missing property 'fixed'" for an event that is meant to be an introduced
// one).
func (v *validators) collect(e *jsonschema.ValidationError, out *[]Problem) {
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		// When one alternative got well past the point of the choice (the
		// CVE schema's "published or rejected record" at the root), its
		// errors are the ones that matter.
		var best *jsonschema.ValidationError
		for _, c := range e.Causes {
			if best == nil || maxDepth(c) > maxDepth(best) {
				best = c
			}
		}
		if best != nil && maxDepth(best) > len(e.InstanceLocation)+1 {
			v.collect(best, out)
			return
		}
		*out = append(*out, v.problem(e))
		return
	case *kind.Contains:
		*out = append(*out, v.problem(e))
		return
	}
	if len(e.Causes) == 0 {
		if _, ok := e.ErrorKind.(*kind.Schema); !ok {
			*out = append(*out, v.problem(e))
		}
		return
	}
	for _, c := range e.Causes {
		v.collect(c, out)
	}
}

// maxDepth is the depth of the deepest instance location in e's tree.
func maxDepth(e *jsonschema.ValidationError) int {
	d := len(e.InstanceLocation)
	for _, c := range e.Causes {
		d = max(d, maxDepth(c))
	}
	return d
}

func (v *validators) problem(e *jsonschema.ValidationError) Problem {
	kw := e.ErrorKind.KeywordPath()
	p := Problem{Path: jsonPath(e.InstanceLocation), Rule: strings.Join(kw, "/")}
	if p.Rule == "" {
		p.Rule = "$ref"
	}
	leaf := *e
	leaf.Causes = nil
	msg := leaf.Error()
	if i := strings.Index(msg, "': "); strings.HasPrefix(msg, "at '") && i >= 0 {
		msg = msg[i+3:]
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf:
		msg = "matches none of the allowed forms"
	case *kind.AnyOf:
		msg = "matches none of the allowed forms"
	case *kind.Contains:
		msg = "no item matches the required form"
	}
	p.Message = msg
	p.Title = v.titleAt(e.SchemaURL)
	return p
}

// titleAt returns the title of the schema at url or of its nearest ancestor
// below the document root.
func (v *validators) titleAt(url string) string {
	base, frag, _ := strings.Cut(url, "#")
	node := v.docs[base]
	if node == nil || frag == "" {
		return ""
	}
	title := ""
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := node.(type) {
		case map[string]any:
			node = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return title
			}
			node = n[i]
		default:
			return title
		}
		if m, ok := node.(map[string]any); ok {
			if t, ok := m["title"].(string); ok {
				title = t
			}
		}
	}
	return title
}

// jsonPath renders an instance location as $.a[0].b.
func jsonPath(tokens []string) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			fmt.Fprintf(&b, "[%s]", t)
		} else if isIdent(t) {
			b.WriteString("." + t)
		} else {
			fmt.Fprintf(&b, "[%q]", t)
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// MissingError reports an advisory that lacks what a format requires, so
// that no valid document can be made from it.
type MissingError struct {
	Format string // FormatOSV, FormatCSAF or FormatCVE
	ID     string // the advisory's id
	What   string // a sentence fragment: "a reference (CVE records require at least one)"
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("cannot export advisory %s as %s: it has no %s", e.ID, e.Format, e.What)
}
