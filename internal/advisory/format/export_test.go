package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkOutcome asserts that an export gave what want says: a document valid
// against its schema, or the expected refusal (and no document).
func checkOutcome(t *testing.T, what string, format string, out []byte, err error, want outcome) {
	t.Helper()
	var me *MissingError
	switch want {
	case valid:
		if err != nil {
			t.Errorf("%s: %v", what, err)
		} else if verr := validate(format, out); verr != nil {
			t.Errorf("%s returned a document that does not validate: %v", what, verr)
		}
		return
	case noAffected:
		if !errors.As(err, &me) || !strings.Contains(me.What, "affected package") {
			t.Errorf("%s = %v, want a *MissingError for the affected packages", what, err)
		}
	case noReference:
		if !errors.As(err, &me) || !strings.HasPrefix(me.What, "reference") {
			t.Errorf("%s = %v, want a *MissingError for the references", what, err)
		}
	case withdrawn:
		if !errors.Is(err, ErrWithdrawn) {
			t.Errorf("%s = %v, want ErrWithdrawn", what, err)
		}
	}
	if out != nil {
		t.Errorf("%s refused but returned a document", what)
	}
}

func TestExportsOfEveryRecord(t *testing.T) {
	for _, f := range importable(t) {
		name := recordName(f)
		t.Run(name, func(t *testing.T) {
			a := mustImport(t, f)
			want := expectation[name]
			out, err := CSAF(a, testCSAFOpts)
			checkOutcome(t, "CSAF", FormatCSAF, out, err, want.csaf)
			if err == nil && decode(t, out)["document"].(map[string]any)["category"] != CSAFSecurityAdvisory {
				t.Errorf("CSAF category is not %s", CSAFSecurityAdvisory)
			}
			out, err = VEX(a, nil, testCSAFOpts)
			checkOutcome(t, "VEX", FormatCSAF, out, err, want.vex)
			cveOpts := testCVEOpts
			if a.cveID() == "" {
				cveOpts.CVEID = "CVE-2026-99999" // as reserved for it
			}
			out, err = CVE5(a, cveOpts)
			checkOutcome(t, "CVE5", FormatCVE, out, err, want.cve)
		})
	}
}

// Goldens of representative records: a Go SEMVER record without severity,
// a GHSA npm record with CVSS v3.1 and a CWE, and an EEF record with a Hex
// package, a package-less GIT range, CVSS v4.0 and typed credits.
func TestGoldenExports(t *testing.T) {
	for _, rec := range []string{"GO-2020-0001.json", "GHSA-9v2f-6vcg-3hgv.json", "more/EEF-CVE-2025-4754.json"} {
		a := mustImport(t, "testdata/osv/"+rec)
		stem := strings.TrimSuffix(filepath.Base(rec), ".json")
		for _, exp := range []struct {
			ext string
			fn  func() ([]byte, error)
		}{
			{"osv", func() ([]byte, error) { return OSV(a) }},
			{"csaf", func() ([]byte, error) { return CSAF(a, testCSAFOpts) }},
			{"vex", func() ([]byte, error) { return VEX(a, nil, testCSAFOpts) }},
			{"cve", func() ([]byte, error) { return CVE5(a, testCVEOpts) }},
		} {
			got, err := exp.fn()
			if err != nil {
				t.Errorf("%s %s: %v", rec, exp.ext, err)
				continue
			}
			golden := filepath.Join("testdata", "golden", stem+"."+exp.ext+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s export differs from %s (go test -update rewrites it):\n%s", rec, exp.ext, golden, got)
			}
		}
	}
}

func TestCSAFOfGO20200001(t *testing.T) {
	a := mustImport(t, "testdata/osv/GO-2020-0001.json")
	out, err := CSAF(a, testCSAFOpts)
	if err != nil {
		t.Fatal(err)
	}
	var doc csafDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.ProductTree.Branches[0]; got.Name != "gin-gonic" || got.Branches[0].Category != "product_name" || got.Branches[0].Name != "github.com/gin-gonic/gin" {
		t.Errorf("product tree %+v does not name the Go package github.com/gin-gonic/gin", doc.ProductTree)
	}
	leaves := doc.ProductTree.Branches[0].Branches[0].Branches
	if len(leaves) != 2 || leaves[0].Name != "vers:golang/<1.6.0" || leaves[0].Product.Helper.PURL != "pkg:golang/github.com/gin-gonic/gin" ||
		leaves[1].Category != "product_version" || leaves[1].Product.Helper.PURL != "pkg:golang/github.com/gin-gonic/gin@1.6.0" {
		t.Errorf("leaves %+v, want the affected range and the fixed version with purls", leaves)
	}
	v := doc.Vulnerabilities[0]
	if v.CVE != "CVE-2020-36567" || !slices.Equal(v.ProductStatus.KnownAffected, []string{leaves[0].Product.ProductID}) ||
		!slices.Equal(v.ProductStatus.Fixed, []string{leaves[1].Product.ProductID}) {
		t.Errorf("vulnerability %+v", v)
	}
	if r := v.Remediations[0]; r.Category != "vendor_fix" || !strings.Contains(r.Details, "1.6.0") {
		t.Errorf("remediation %+v", r)
	}
	if d := doc.Document; d.Tracking.ID != "GO-2020-0001" || d.Tracking.Status != StatusFinal || d.Distribution.TLP.Label != "WHITE" ||
		d.Tracking.Generator.Date != "2026-07-01T12:00:00Z" || d.Tracking.Generator.Engine.Version != "0.1.0" {
		t.Errorf("document %+v", d)
	}
}

func TestCSAFTLPAndStatus(t *testing.T) {
	for _, tc := range []struct {
		tlp    TLP
		status TrackingStatus
		want   string
	}{
		{"", StatusDraft, "RED"},
		{"", StatusFinal, "WHITE"},
		{"", StatusInterim, "WHITE"},
		{TLPClear, StatusFinal, "WHITE"},
		{TLPGreen, StatusDraft, "GREEN"},
		{TLPAmberStrict, StatusDraft, "AMBER"},
		{TLPAmber, StatusDraft, "AMBER"},
		{TLPRed, StatusFinal, "RED"},
	} {
		a := teamAdvisory()
		a.TLP = tc.tlp
		opts := testCSAFOpts
		opts.Status = tc.status
		out, err := CSAF(a, opts)
		if err != nil {
			t.Fatal(err)
		}
		var doc csafDoc
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		if got := doc.Document.Distribution.TLP.Label; got != tc.want || doc.Document.Tracking.Status != tc.status {
			t.Errorf("TLP %q, status %s: label %s, status %s; want %s", tc.tlp, tc.status, got, doc.Document.Tracking.Status, tc.want)
		}
	}
	// An unpublished advisory is a draft when no status is given.
	a := teamAdvisory()
	a.Published = testNow.AddDate(0, 0, 7)
	out, err := CSAF(a, testCSAFOpts)
	if err != nil {
		t.Fatal(err)
	}
	if d := decode(t, out)["document"].(map[string]any); d["tracking"].(map[string]any)["status"] != "draft" ||
		d["distribution"].(map[string]any)["tlp"].(map[string]any)["label"] != "RED" {
		t.Errorf("embargoed advisory: %v", d)
	}
}

func TestCSAFScoresCVSSv3AndSkipsV4(t *testing.T) {
	out, err := CSAF(teamAdvisory(), testCSAFOpts)
	if err != nil {
		t.Fatal(err)
	}
	var doc csafDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Vulnerabilities[0].Scores
	if len(s) != 1 || s[0].CVSSv3 == nil || s[0].CVSSv3.Version != "3.1" || s[0].CVSSv3.BaseScore != 9.8 || s[0].CVSSv3.BaseSeverity != "CRITICAL" {
		t.Errorf("scores %+v, want the v3.1 vector scored 9.8 CRITICAL and no v4", s)
	}
	if cwe := doc.Vulnerabilities[0].CWE; cwe == nil || cwe.ID != "CWE-22" || !strings.Contains(cwe.Name, "Path Traversal") {
		t.Errorf("cwe %+v", cwe)
	}
	if strings.Contains(string(out), "CVSS:4.0") {
		t.Error("CSAF 2.0 document carries a CVSS v4.0 vector")
	}
}

func TestCSAFRefusesWhatItCannotExport(t *testing.T) {
	a := teamAdvisory()
	a.Publisher = Publisher{}
	var me *MissingError
	if _, err := CSAF(a, testCSAFOpts); !errors.As(err, &me) || !strings.Contains(err.Error(), "publisher") {
		t.Errorf("without publisher: %v", err)
	}
	a = teamAdvisory()
	a.Affected = nil
	if _, err := CSAF(a, testCSAFOpts); !errors.As(err, &me) {
		t.Errorf("without affected packages: %v", err)
	}
	if _, err := CSAF(teamAdvisory(), CSAFOptions{}); err == nil || !strings.Contains(err.Error(), "Now") {
		t.Errorf("without Now: %v", err)
	}
	a = teamAdvisory()
	a.Severity = []Severity{{Type: CVSSv3, Score: "CVSS:3.1/AV:N/AC:L"}}
	if _, err := CSAF(a, testCSAFOpts); err == nil || !strings.Contains(err.Error(), "severity[0]") {
		t.Errorf("with a broken vector: %v", err)
	}
}

func TestVEXWithStatuses(t *testing.T) {
	a := teamAdvisory()
	lib := Package{Ecosystem: "npm", Name: "@example/lib"}
	app := Package{Ecosystem: "npm", Name: "example-app"}
	out, err := VEX(a, []ProductStatus{
		{Package: lib, Version: "1.5.0", Status: KnownAffected},
		{Package: lib, Version: "1.6.3", Status: Fixed},
		{Package: app, Version: "2.0.0", Status: KnownNotAffected, Justification: VulnerableCodeNotInExecutePath},
		{Package: app, Version: "2.1.0", Status: KnownNotAffected, Impact: "example-app never extracts archives from users."},
		{Package: app, Version: "vers:npm/>=3.0.0", Status: UnderInvestigation},
	}, testCSAFOpts)
	if err != nil {
		t.Fatal(err)
	}
	var doc csafDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	v := doc.Vulnerabilities[0]
	st := v.ProductStatus
	if doc.Document.Category != CSAFVEX || len(st.KnownAffected) != 1 || len(st.Fixed) != 1 || len(st.KnownNotAffected) != 2 || len(st.UnderInvestigation) != 1 {
		t.Fatalf("category %s, status %+v", doc.Document.Category, st)
	}
	if len(v.Flags) != 1 || v.Flags[0].Label != VulnerableCodeNotInExecutePath || v.Flags[0].ProductIDs[0] != st.KnownNotAffected[0] {
		t.Errorf("flags %+v", v.Flags)
	}
	if len(v.Remediations) != 1 || v.Remediations[0].Category != "vendor_fix" || !strings.Contains(v.Remediations[0].Details, "1.6.3") ||
		v.Remediations[0].ProductIDs[0] != st.KnownAffected[0] {
		t.Errorf("remediations %+v, want the known fix as the action for the affected product", v.Remediations)
	}
	impacts := map[string]bool{}
	for _, th := range v.Threats {
		for _, id := range th.ProductIDs {
			impacts[id] = th.Category == "impact"
		}
	}
	if !impacts[st.KnownNotAffected[1]] || !impacts[st.KnownAffected[0]] {
		t.Errorf("threats %+v lack impact statements", v.Threats)
	}
}

func TestVEXRefusesIncompleteStatements(t *testing.T) {
	lib := Package{Ecosystem: "npm", Name: "@example/lib"}
	for _, tc := range []struct {
		name     string
		statuses []ProductStatus
		want     string
	}{
		{"not affected without impact statement", []ProductStatus{{Package: lib, Version: "1.0.0", Status: KnownNotAffected}},
			"$.vulnerabilities[0].product_status.known_not_affected[0]: product CSAFPID-0001 is known_not_affected without an impact statement"},
		{"contradiction", []ProductStatus{{Package: lib, Version: "1.5.0", Status: KnownAffected}, {Package: lib, Version: "1.5.0", Status: Fixed}},
			"(rule 6.1.6"},
		{"unknown status", []ProductStatus{{Package: lib, Version: "1.5.0", Status: "maybe"}}, `status "maybe" is not a VEX status`},
		{"unknown justification", []ProductStatus{{Package: lib, Version: "1.5.0", Status: KnownNotAffected, Justification: "trust_me"}}, `justification "trust_me"`},
		{"no version", []ProductStatus{{Package: lib, Status: Fixed}}, "has no version for the status of @example/lib"},
	} {
		out, err := VEX(teamAdvisory(), tc.statuses, testCSAFOpts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out != nil {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestCVE5(t *testing.T) {
	var me *MissingError
	if _, err := CVE5(teamAdvisory(), testCVEOpts); !errors.As(err, &me) || !strings.Contains(me.What, "CVE id") {
		t.Errorf("without a CVE id: %v, want a *MissingError for the CVE id (no placeholder)", err)
	}
	for _, org := range []string{"", "00000000-0000-0000-0000-000000000000", "not-a-uuid"} {
		opts := testCVEOpts
		opts.CVEID, opts.AssignerOrgID = "CVE-2026-12345", org
		if _, err := CVE5(teamAdvisory(), opts); !errors.As(err, &me) || !strings.Contains(me.What, "CNA organisation id") {
			t.Errorf("org id %q: %v, want a *MissingError for the CNA organisation id", org, err)
		}
	}
	opts := testCVEOpts
	opts.CVEID = "CVE-2026-12345"
	out, err := CVE5(teamAdvisory(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var rec cveRecord
	if err := json.Unmarshal(out, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.DataType != "CVE_RECORD" || rec.DataVersion != "5.1.0" || rec.CVEMetadata.CVEID != "CVE-2026-12345" ||
		rec.CVEMetadata.AssignerOrgID != testCVEOpts.AssignerOrgID || rec.CVEMetadata.State != "PUBLISHED" {
		t.Errorf("metadata %+v", rec.CVEMetadata)
	}
	cna := rec.Containers.CNA
	if cna.Affected[0].CollectionURL != "https://www.npmjs.com" || cna.Affected[0].PackageName != "@example/lib" ||
		cna.Affected[0].Versions[0] != (cveVersion{Version: "1.4.0", Status: "affected", VersionType: "semver", LessThan: "1.6.3"}) {
		t.Errorf("affected %+v", cna.Affected)
	}
	if len(cna.Metrics) != 2 || cna.Metrics[0].CVSSv40 == nil || cna.Metrics[0].CVSSv40.BaseScore != 9.3 ||
		cna.Metrics[1].CVSSv31 == nil || cna.Metrics[1].CVSSv31.BaseScore != 9.8 || cna.Metrics[1].CVSSv31.BaseSeverity != "CRITICAL" {
		t.Errorf("metrics %+v", cna.Metrics)
	}
	if cna.ProblemTypes[0].Descriptions[0].CWEID != "CWE-22" || cna.Credits[0].Type != "finder" {
		t.Errorf("problem types %+v, credits %+v", cna.ProblemTypes, cna.Credits)
	}

	// Not yet public: RESERVED, without publication dates; public: PUBLISHED.
	draft := teamAdvisory()
	draft.Published = time.Time{}
	if out, err = CVE5(draft, opts); err != nil || !strings.Contains(string(out), `"state": "RESERVED"`) || strings.Contains(string(out), "datePublished") {
		t.Errorf("unpublished: %v\n%s", err, out)
	}
	g := mustImport(t, "testdata/osv/GO-2020-0001.json")
	if out, err = CVE5(g, testCVEOpts); err != nil || !strings.Contains(string(out), `"cveId": "CVE-2020-36567"`) ||
		!strings.Contains(string(out), `"state": "PUBLISHED"`) || !strings.Contains(string(out), `"dateUpdated": "2026-07-01T12:00:00Z"`) {
		t.Errorf("GO-2020-0001: %v\n%s", err, out)
	}

	a := teamAdvisory()
	a.References = nil
	if _, err := CVE5(a, opts); !errors.As(err, &me) || !strings.Contains(err.Error(), "no reference") {
		t.Errorf("without references: %v", err)
	}
	a = teamAdvisory()
	a.CWEs = []string{"CWE-0"}
	var ve *ValidationError
	if _, err := CVE5(a, opts); !errors.As(err, &ve) || !strings.Contains(err.Error(), "$.containers.cna.problemTypes[0].descriptions[0].cweId") {
		t.Errorf("with an impossible CWE: %v", err)
	}
}

func TestEmbeddedSchemasAcceptTheOfficialExamples(t *testing.T) {
	for _, tc := range []struct{ format, glob string }{
		{FormatCSAF, "testdata/csaf-examples/*.json"},
		{FormatCVE, "testdata/cve-examples/*.json"},
	} {
		files, err := filepath.Glob(tc.glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v %v", tc.glob, files, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(tc.format, data); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	// And they reject a broken one, naming path and rule.
	data, err := os.ReadFile("testdata/csaf-examples/bsi-2022-0001.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, data)
	delete(doc["document"].(map[string]any), "title")
	doc["document"].(map[string]any)["distribution"].(map[string]any)["tlp"].(map[string]any)["label"] = "CLEAR"
	err = validate(FormatCSAF, mustJSON(t, doc))
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "$.document: missing property 'title' (rule required") ||
		!strings.Contains(err.Error(), "$.document.distribution.tlp.label: ") {
		t.Errorf("broken CSAF: %v", err)
	}
}

// TestCSAFPrimaryCWEAndIDSystems: the CWE of a CSAF vulnerability is the advisory's
// first (primary) one, never a secondary one standing in for an unknown primary; each
// id names the system it comes from, the team's own ids the team.
func TestCSAFPrimaryCWEAndIDSystems(t *testing.T) {
	cwe := func(cwes ...string) string {
		a := teamAdvisory()
		a.CWEs = cwes
		a.Aliases = append(a.Aliases, "GHSA-xxxx-yyyy-zzzz", "RUSTSEC-2026-0001")
		out, err := CSAF(a, testCSAFOpts)
		if err != nil {
			t.Fatal(err)
		}
		var doc csafDoc
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		systems := map[string]string{}
		for _, id := range doc.Vulnerabilities[0].IDs {
			systems[id.Text] = id.SystemName
		}
		if systems[a.osvID()] != testPublisher.Name || systems["GHSA-xxxx-yyyy-zzzz"] != "GitHub Advisory Database" ||
			systems["RUSTSEC-2026-0001"] != "RustSec Advisory Database" {
			t.Errorf("ids: %v", systems)
		}
		if doc.Vulnerabilities[0].CWE == nil {
			return ""
		}
		return doc.Vulnerabilities[0].CWE.ID
	}
	if got := cwe("CWE-79", "CWE-22"); got != "CWE-79" {
		t.Errorf("CWE-79 then CWE-22: CSAF names %s, want the primary CWE-79", got)
	}
	if got := cwe("CWE-99999", "CWE-22"); got != "" {
		t.Errorf("an unknown primary CWE: CSAF names %s, want none", got)
	}
}
