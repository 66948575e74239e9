package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fixed inputs, so that exports (and goldens) do not depend on the clock.
var (
	testNow       = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	testPublisher = Publisher{Name: "OSS-SIRT", Namespace: "https://oss-sirt.example.org", ContactDetails: "security@oss-sirt.example.org"}
	testCSAFOpts  = CSAFOptions{Now: testNow, GeneratorVersion: "0.1.0"}
	testCVEOpts   = CVEOptions{Now: testNow, AssignerOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", AssignerShortName: "OSS-SIRT", GeneratorVersion: "0.1.0"}
)

// outcome of one export of one record.
type outcome int

const (
	valid       outcome = iota // a document that validates
	noAffected                 // *MissingError: no affected package
	noReference                // *MissingError: no reference
	withdrawn                  // ErrWithdrawn
)

// expectation says how each record of testdata/osv exports. Records not
// listed export valid OSV, CSAF, VEX and CVE documents.
var expectation = map[string]struct{ csaf, vex, cve outcome }{
	"MAL-2024-10238.json":      {valid, valid, noReference},          // a malicious-package report cites nothing
	"RHSA-2022_0216.json":      {noAffected, noAffected, noAffected}, // lists no affected packages
	"SUSE-FU-2022_0444-1.json": {noAffected, noAffected, noAffected}, // a fix update: no affected packages
	"withdrawn.osv.json":       {valid, valid, withdrawn},
	"more/GO-2022-0617.json":   {valid, valid, withdrawn},
}

// importable lists every record that passes the OSV schema: all of
// testdata/osv except nointroduced-* (no "introduced" event) and
// more/invalid/ (a GIT range fixed at a tag), and invalid/nondistinct-* (a
// commit both introduced and fixed, refused by CheckRange). invalid/nopackage-*
// is rejected by the OSV linter's semantic checks only; it is valid against the
// schema and imports.
func importable(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"testdata/osv/*.json", "testdata/osv/more/*.json", "testdata/osv/invalid/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.Contains(f, "nointroduced-") && !strings.Contains(f, "nondistinct-") {
				out = append(out, f)
			}
		}
	}
	if len(out) < 30 {
		t.Fatalf("found only %d records in testdata/osv", len(out))
	}
	return out
}

func recordName(f string) string { return strings.TrimPrefix(filepath.ToSlash(f), "testdata/osv/") }

func mustImport(t *testing.T, f string) *Advisory {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ImportOSV(data)
	if err != nil {
		t.Fatalf("ImportOSV(%s): %v", f, err)
	}
	a.Publisher = testPublisher
	return a
}

func TestImportOSVRefusesSchemaInvalidRecords(t *testing.T) {
	for _, tc := range []struct {
		file, path, rule, title string
	}{
		{"testdata/osv/invalid/nointroduced-CVE-2023-41045.json", "$.affected[0].ranges[0].events", "contains",
			"events must contain an introduced object and may contain fixed, last_affected or limit objects"},
		{"testdata/osv/more/invalid/EEF-CVE-2026-20123.json", "$.affected[1].ranges[0].events[1]", "oneOf",
			"GIT ranges must use full-length commit hashes"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ImportOSV(data)
			if err == nil {
				t.Fatalf("ImportOSV accepted it: %+v", a)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is a %T, want *ValidationError", err, err)
			}
			if len(ve.Problems) != 1 {
				t.Fatalf("problems %v, want one", ve.Problems)
			}
			if p := ve.Problems[0]; p.Path != tc.path || p.Rule != tc.rule || p.Title != tc.title {
				t.Errorf("problem %+v, want path %s rule %s title %q", p, tc.path, tc.rule, tc.title)
			}
			if !strings.Contains(err.Error(), tc.path+":") {
				t.Errorf("message %q does not name the path %s", err, tc.path)
			}
		})
	}
}

func TestImportOSVRefusesNonJSONAndMissingFields(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{`, "$: not JSON"},
		{`{"id": "GO-2020-0001"}`, "$: missing property 'modified'"},
		{`{"id": "MY-1", "modified": "2024-01-01T00:00:00Z"}`, "$.id: "},
		{`{"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Nope", "name": "x"}}]}`, "$.affected[0].package.ecosystem: "},
		{`{"id": "GO-1", "modified": "yesterday"}`, "$.modified: "},
		{`{"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "references": [{"type": "FIX", "url": "not a url"}]}`, "$.references[0].url: "},
	} {
		_, err := ImportOSV([]byte(tc.doc))
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ImportOSV(%s) = %v, want a *ValidationError containing %q", tc.doc, err, tc.want)
		}
	}
}

func TestImportOSVReadsTheModel(t *testing.T) {
	a := mustImport(t, "testdata/osv/GO-2020-0001.json")
	if a.OSVID != "GO-2020-0001" || a.ID != "" {
		t.Errorf("OSVID %q, ID %q: want the record's id kept and no team id", a.OSVID, a.ID)
	}
	if a.Title != "Arbitrary log line injection in github.com/gin-gonic/gin" || a.Title != a.Summary {
		t.Errorf("title %q, summary %q", a.Title, a.Summary)
	}
	if !slices.Equal(a.Aliases, []string{"CVE-2020-36567", "GHSA-6vm3-jj99-7229"}) {
		t.Errorf("aliases %v", a.Aliases)
	}
	if want := time.Date(2021, 4, 14, 20, 4, 52, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published %v, want %v", a.Published, want)
	}
	want := []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: "1.6.0"}}}}
	if len(a.Affected) != 1 || a.Affected[0].Package != (Package{Ecosystem: "Go", Name: "github.com/gin-gonic/gin"}) ||
		!reflect.DeepEqual(a.Affected[0].Ranges, want) {
		t.Errorf("affected %+v", a.Affected)
	}
	if !strings.Contains(string(a.Affected[0].EcosystemSpecific), "LoggerWithFormatter") {
		t.Errorf("ecosystem_specific lost: %s", a.Affected[0].EcosystemSpecific)
	}

	g := mustImport(t, "testdata/osv/GHSA-9v2f-6vcg-3hgv.json")
	if !slices.Equal(g.CWEs, []string{"CWE-94"}) {
		t.Errorf("CWEs %v, want those of database_specific.cwe_ids", g.CWEs)
	}
	w := mustImport(t, "testdata/osv/more/GO-2022-0617.json")
	if w.Withdrawn.IsZero() || !w.Published.IsZero() {
		t.Errorf("withdrawn %v, published %v: want withdrawn set, the 0001-01-01 published unset", w.Withdrawn, w.Published)
	}
}

// osvAffectedSet is what the acceptance compares: package, range type and
// the set of events of each range.
func osvAffectedSet(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var out []string
	affected, _ := doc["affected"].([]any)
	for _, a := range affected {
		a := a.(map[string]any)
		pkg, _ := a["package"].(map[string]any)
		ranges, _ := a["ranges"].([]any)
		for _, r := range ranges {
			r := r.(map[string]any)
			var evs []string
			for _, e := range r["events"].([]any) {
				for k, v := range e.(map[string]any) {
					evs = append(evs, k+"="+v.(string))
				}
			}
			slices.Sort(evs)
			out = append(out, fmt.Sprint(pkg["ecosystem"], "|", pkg["name"], "|", r["type"], "|", evs))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	return m
}

func TestOSVRoundTripsEveryRecord(t *testing.T) {
	for _, f := range importable(t) {
		t.Run(recordName(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a := mustImport(t, f)
			out, err := OSV(a)
			if err != nil {
				t.Fatalf("OSV: %v", err)
			}
			// Empty lists and nulls mean "none" in OSV; exports leave them out.
			in, exp := dropEmpty(decode(t, src)).(map[string]any), decode(t, out)
			if exp["schema_version"] != OSVSchemaVersion {
				t.Errorf("schema_version %v", exp["schema_version"])
			}
			for _, k := range []string{"id", "aliases", "related", "summary", "details", "published", "withdrawn", "severity", "references", "credits", "database_specific"} {
				if !reflect.DeepEqual(normTimes(in[k]), normTimes(exp[k])) {
					t.Errorf("%s: exported %v, imported %v", k, exp[k], in[k])
				}
			}
			if got, want := osvAffectedSet(t, exp), osvAffectedSet(t, in); !slices.Equal(got, want) {
				t.Errorf("affected ranges %v, want %v", got, want)
			}
			if !reflect.DeepEqual(exp["affected"], in["affected"]) && in["affected"] != nil {
				t.Errorf("affected differs:\n got %v\nwant %v", exp["affected"], in["affected"])
			}
			// Importing the export gives the same advisory.
			b2, err := ImportOSV(out)
			if err != nil {
				t.Fatalf("re-import: %v", err)
			}
			b2.Publisher = a.Publisher
			if x, y := mustJSON(t, a), mustJSON(t, b2); !reflect.DeepEqual(decode(t, x), decode(t, y)) {
				t.Errorf("re-imported advisory differs:\n%s\n%s", x, y)
			}
		})
	}
}

// dropEmpty removes empty lists, nulls and the zero time (OSV's "unknown")
// from the top level of a record and of its affected entries, where OSV
// gives them no meaning; free-form objects are left alone.
func dropEmpty(v any) any {
	drop := func(m map[string]any) {
		for k, x := range m {
			if a, ok := x.([]any); x == nil || ok && len(a) == 0 || x == "0001-01-01T00:00:00Z" && k != "modified" {
				delete(m, k)
			}
		}
	}
	m := v.(map[string]any)
	drop(m)
	if affected, ok := m["affected"].([]any); ok {
		for _, a := range affected {
			drop(a.(map[string]any))
		}
	}
	return m
}

// normTimes makes "…00.000Z" and "…00Z" compare equal: an export writes
// the shortest RFC 3339 form of the same instant.
func normTimes(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && strings.HasSuffix(s, "Z") {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// teamAdvisory is an advisory drafted by the team, not imported.
func teamAdvisory() *Advisory {
	return &Advisory{
		ID:        "OSS-SIRT-2026-0042",
		Title:     "Path traversal in example-lib archive extraction",
		Summary:   "Path traversal in example-lib archive extraction",
		Details:   "`Extract` writes entries named `../x` outside the target directory.",
		Aliases:   []string{"GHSA-xxxx-yyyy-zzzz"},
		Published: time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC),
		Modified:  time.Date(2026, 6, 4, 9, 0, 0, 0, time.UTC),
		Affected: []Affected{{
			Package: Package{Ecosystem: "npm", Name: "@example/lib"},
			Ranges:  []Range{{Type: RangeSemver, Events: []Event{{Introduced: "1.4.0"}, {Fixed: "1.6.3"}}}},
		}},
		Severity: []Severity{
			{Type: CVSSv4, Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
			{Type: CVSSv3, Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		},
		CWEs:       []string{"CWE-22"},
		Credits:    []Credit{{Name: "Ada Finder", Type: "FINDER"}, {Name: "OSS-SIRT", Contact: []string{"mailto:security@oss-sirt.example.org"}, Type: "COORDINATOR"}},
		References: []Reference{{Type: "FIX", URL: "https://github.com/example/lib/commit/1111111111111111111111111111111111111111"}},
		Publisher:  testPublisher,
	}
}

func TestOSVExportOfATeamAdvisory(t *testing.T) {
	a := teamAdvisory()
	out, err := OSV(a)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, out)
	if doc["id"] != "x_OSS-SIRT-2026-0042" {
		t.Errorf("id %v, want the default x_ prefix", doc["id"])
	}
	if ds := doc["database_specific"].(map[string]any); !reflect.DeepEqual(ds["cwe_ids"], []any{"CWE-22"}) {
		t.Errorf("database_specific %v, want the CWEs as cwe_ids", ds)
	}
	a.OSVID = OSVIDFor(a.ID, "OSV-")
	if out, err = OSV(a); err != nil || decode(t, out)["id"] != "OSV-OSS-SIRT-2026-0042" {
		t.Errorf("with a registered prefix: %v, %s", err, out)
	}
}

func TestOSVExportRefusesAnInvalidRecord(t *testing.T) {
	a := teamAdvisory()
	a.Affected = append(a.Affected, Affected{Ranges: []Range{{Type: RangeGit, Repo: "https://github.com/example/lib",
		Events: []Event{{Introduced: "0"}, {Fixed: "v1.6.3"}}}}})
	a.References = append(a.References, Reference{Type: "NEWS", URL: "https://example.org"})
	out, err := OSV(a)
	var ve *ValidationError
	if !errors.As(err, &ve) || out != nil {
		t.Fatalf("OSV = %s, %v; want no document and a *ValidationError", out, err)
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	if want := []string{"$.affected[1].ranges[0].events[1]", "$.references[1].type"}; !slices.Equal(paths, want) {
		t.Errorf("problems at %v, want %v (%v)", paths, want, err)
	}

	if _, err := OSV(&Advisory{}); err == nil || !strings.Contains(err.Error(), "no id") {
		t.Errorf("OSV of an advisory without id: %v", err)
	}
}
