package cases_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// sharedSchemas is where the official schemas are kept for the team's tests
// (../shared/schemas of the main checkout); SIRT_SCHEMAS overrides it.
func sharedSchemas(t *testing.T) string {
	dir := os.Getenv("SIRT_SCHEMAS")
	if dir == "" {
		dir = "/work/shared/schemas"
	}
	if _, err := os.Stat(filepath.Join(dir, "osv", "schema.json")); err != nil {
		t.Skipf("official schemas not found in %s (set SIRT_SCHEMAS): %v", dir, err)
	}
	return dir
}

type fileLoader map[string]string // URL → file

func (l fileLoader) Load(url string) (any, error) {
	f, ok := l[url]
	if !ok {
		return nil, fmt.Errorf("schema %s is not available offline", url)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// officialSchema compiles the OSV ("osv") or CSAF 2.0 ("csaf") schema from the shared copy.
func officialSchema(t *testing.T, which string) *jsonschema.Schema {
	t.Helper()
	dir := sharedSchemas(t)
	l := fileLoader{
		"https://www.first.org/cvss/cvss-v2.0.json": filepath.Join(dir, "csaf", "cvss-v2.0.json"),
		"https://www.first.org/cvss/cvss-v3.0.json": filepath.Join(dir, "csaf", "cvss-v3.0.json"),
		"https://www.first.org/cvss/cvss-v3.1.json": filepath.Join(dir, "csaf", "cvss-v3.1.json"),
		"file:///osv.json":                          filepath.Join(dir, "osv", "schema.json"),
		"file:///csaf.json":                         filepath.Join(dir, "csaf", "csaf_json_schema.json"),
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(l)
	for url := range l {
		doc, err := l.Load(url)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("file:///" + which + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustValidate(t *testing.T, s *jsonschema.Schema, what string, data []byte) map[string]any {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", what, err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("%s does not validate against the official schema: %v\n%s", what, err, data)
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

func strs(v any) []string {
	var out []string
	xs, _ := v.([]any)
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestOneOSVRecordPerVulnerability: a case with two vulnerabilities exports two OSV
// records, each with only its own aliases, severity, CWE and packages, each valid
// against the official OSV schema; one vulnerability's record is there on its own too.
func TestOneOSVRecordPerVulnerability(t *testing.T) {
	osv := officialSchema(t, "osv")
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		rtok := ta.Token(resp)
		var c cases.Case
		ta.API("POST", "/api/v1/cases", rtok, map[string]any{"title": "Two flaws in the frame parser"}).Want(t, 201).JSON(t, &c)
		base := "/api/v1/cases/" + c.PublicID
		ta.API("POST", base+"/vulnerabilities", rtok, map[string]any{"label": "CVE-2026-1111", "title": "Use-after-free on close", "aliases": []string{"GHSA-aaaa-aaaa-aaaa"},
			"cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cwe": "CWE-416"}).Want(t, 201)
		ta.API("POST", base+"/vulnerabilities", rtok, map[string]any{"label": "V2", "title": "Cross-site scripting in the debug page", "aliases": []string{"GHSA-bbbb-bbbb-bbbb"},
			"cvss_v4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", "cwe": "CWE-79"}).Want(t, 201)
		ta.API("POST", base+"/packages", rtok, map[string]any{"ecosystem": "Go", "name": "example.org/wsock", "vulnerabilities": []string{"CVE-2026-1111"},
			"ranges": []map[string]any{{"type": "SEMVER", "events": []map[string]string{{"introduced": "0"}, {"fixed": "1.4.1"}}}}}).Want(t, 201)
		ta.API("POST", base+"/packages", rtok, map[string]any{"ecosystem": "npm", "name": "wsock-debug", "vulnerabilities": []string{"V2"}, "versions": []string{"2.0.0"}}).Want(t, 201)
		ta.API("POST", base+"/packages", rtok, map[string]any{"ecosystem": "PyPI", "name": "wsock", "ranges": []map[string]any{{"type": "ECOSYSTEM", "events": []map[string]string{{"introduced": "1.0"}}}}}).Want(t, 201)
		// A package naming a vulnerability the case does not have is refused.
		res := ta.API("POST", base+"/packages", rtok, map[string]any{"ecosystem": "Go", "name": "x", "vulnerabilities": []string{"V9"}}).Want(t, 422)
		if !strings.Contains(string(res.Body), "vulnerabilities[0]") {
			t.Fatalf("unknown vulnerability: %s", res.Body)
		}

		body := ta.API("GET", base+"/export/osv", rtok, nil).Want(t, 200).Body
		var records []json.RawMessage
		if err := json.Unmarshal(body, &records); err != nil || len(records) != 2 {
			t.Fatalf("a two-vulnerability case's OSV export is not two records (%v): %s", err, body)
		}
		type want struct {
			alias, notAlias, cwe, notCWE, sevType, pkg, notPkg string
		}
		for i, w := range []want{
			{"GHSA-aaaa-aaaa-aaaa", "GHSA-bbbb-bbbb-bbbb", "CWE-416", "CWE-79", "CVSS_V3", "example.org/wsock", "wsock-debug"},
			{"GHSA-bbbb-bbbb-bbbb", "GHSA-aaaa-aaaa-aaaa", "CWE-79", "CWE-416", "CVSS_V4", "wsock-debug", "example.org/wsock"},
		} {
			m := mustValidate(t, osv, fmt.Sprintf("record %d", i), records[i])
			aliases := strs(m["aliases"])
			if !slices.Contains(aliases, w.alias) || slices.Contains(aliases, w.notAlias) {
				t.Errorf("record %d aliases %v: want %s, not %s", i, aliases, w.alias, w.notAlias)
			}
			raw := string(records[i])
			if !strings.Contains(raw, w.cwe) || strings.Contains(raw, w.notCWE) {
				t.Errorf("record %d: CWEs mixed: %s", i, raw)
			}
			sev, _ := m["severity"].([]any)
			if len(sev) != 1 || !strings.Contains(fmt.Sprint(sev[0]), w.sevType) {
				t.Errorf("record %d severity %v, want one %s", i, sev, w.sevType)
			}
			if !strings.Contains(raw, `"`+w.pkg+`"`) || strings.Contains(raw, `"`+w.notPkg+`"`) || !strings.Contains(raw, `"wsock"`) {
				t.Errorf("record %d packages mixed: %s", i, raw)
			}
		}
		if strings.Contains(string(records[0]), "CVE-2026-1111\",\"CVE") || !strings.Contains(string(records[0]), "CVE-2026-1111") {
			t.Errorf("record of the CVE: %s", records[0])
		}
		one := ta.API("GET", base+"/vulnerabilities/V2/export/osv", rtok, nil).Want(t, 200).Body
		m := mustValidate(t, osv, "V2's record", one)
		if !slices.Contains(strs(m["aliases"]), "GHSA-bbbb-bbbb-bbbb") || m["id"] == c.PublicID {
			t.Fatalf("V2's own record: %s", one)
		}
		ta.API("GET", base+"/vulnerabilities/V7/export/osv", rtok, nil).Want(t, 404)
		ta.API("GET", base+"/vulnerabilities/V2/export/pdf", rtok, nil).Want(t, 422)

		// A one-vulnerability case keeps its contract: one record, the case's id.
		var c1 cases.Case
		ta.API("POST", "/api/v1/cases", rtok, map[string]any{"title": "One flaw"}).Want(t, 201).JSON(t, &c1)
		ta.API("GET", "/api/v1/cases/"+c1.PublicID+"/export/osv", rtok, nil).Want(t, 422) // no vulnerability yet: says so
		ta.API("POST", "/api/v1/cases/"+c1.PublicID+"/vulnerabilities", rtok, map[string]any{"title": "Overflow"}).Want(t, 201)
		ta.API("POST", "/api/v1/cases/"+c1.PublicID+"/packages", rtok, map[string]any{"ecosystem": "Go", "name": "example.org/one", "versions": []string{"1.0.0"}}).Want(t, 201)
		m = mustValidate(t, osv, "single record", ta.API("GET", "/api/v1/cases/"+c1.PublicID+"/export/osv", rtok, nil).Want(t, 200).Body)
		if !strings.HasSuffix(fmt.Sprint(m["id"]), c1.PublicID) {
			t.Fatalf("single record id %v", m["id"])
		}
	})
}

// TestCaseVEX: parties' statuses on packages described by OSV ranges make a valid CSAF
// VEX (no 500); each party's product is its own product id, per version range, so
// conflicting statuses of two parties are two products, not one wrong claim; an export
// that cannot be made is a 422 naming what is missing.
func TestCaseVEX(t *testing.T) {
	csaf := officialSchema(t, "csaf")
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		owner, down := ta.User(authz.RoleMember), ta.User(authz.RoleMember)
		rtok, otok, dtok := ta.Token(resp), ta.Token(owner), ta.Token(down)
		var c cases.Case
		ta.API("POST", "/api/v1/cases", rtok, map[string]any{"title": "Overflow in the decoder"}).Want(t, 201).JSON(t, &c)
		base := "/api/v1/cases/" + c.PublicID
		ta.API("POST", base+"/participants", rtok, map[string]any{"email": owner.Email, "role": "owner", "organisation": "Decoder Maintainers"}).Want(t, 201)
		ta.API("POST", base+"/participants", rtok, map[string]any{"email": down.Email, "role": "downstream", "organisation": "Distro"}).Want(t, 201)
		ta.API("POST", base+"/read-in", otok, map[string]any{}).Want(t, 200)
		ta.API("POST", base+"/read-in", dtok, map[string]any{}).Want(t, 200)
		res := ta.API("GET", base+"/export/vex", rtok, nil).Want(t, 422)
		if !strings.Contains(string(res.Body), "vulnerabilit") {
			t.Fatalf("VEX of a case without vulnerabilities: %s", res.Body)
		}
		ta.API("POST", base+"/vulnerabilities", rtok, map[string]any{"title": "Heap overflow", "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}).Want(t, 201)
		ta.API("POST", base+"/vulnerabilities/V1/status", otok, map[string]any{"status": "affected"}).Want(t, 200)
		res = ta.API("GET", base+"/export/vex", rtok, nil).Want(t, 422)
		if !strings.Contains(string(res.Body), "packages") {
			t.Fatalf("VEX of a case without packages: %s", res.Body)
		}
		ta.API("POST", base+"/packages", rtok, map[string]any{"ecosystem": "Go", "name": "example.org/decoder",
			"ranges": []map[string]any{{"type": "SEMVER", "events": []map[string]string{{"introduced": "1.0.0"}, {"fixed": "1.2.3"}}}}}).Want(t, 201)
		ta.API("POST", base+"/vulnerabilities/V1/status", dtok, map[string]any{"status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}).Want(t, 200)

		// A party's export is its view: the distro's not-affected reasons are private to the
		// team, so the owner's VEX states its own product only (and stays valid CSAF).
		own := mustValidate(t, csaf, "the owner's VEX", ta.API("GET", base+"/export/vex", otok, nil).Want(t, 200).Body)
		ownSt, _ := own["vulnerabilities"].([]any)[0].(map[string]any)["product_status"].(map[string]any)
		if len(strs(ownSt["known_affected"])) != 1 || len(strs(ownSt["known_not_affected"])) != 0 {
			t.Fatalf("the owner's VEX: %v", ownSt)
		}
		body := ta.API("GET", base+"/export/vex", rtok, nil).Want(t, 200).Body
		m := mustValidate(t, csaf, "case VEX", body)
		doc, _ := m["document"].(map[string]any)
		if doc["category"] != "csaf_vex" {
			t.Fatalf("category %v", doc["category"])
		}
		vulns, _ := m["vulnerabilities"].([]any)
		if len(vulns) != 1 {
			t.Fatalf("%d vulnerabilities", len(vulns))
		}
		st, _ := vulns[0].(map[string]any)["product_status"].(map[string]any)
		aff, notAff := strs(st["known_affected"]), strs(st["known_not_affected"])
		if len(aff) != 1 || len(notAff) != 1 || aff[0] == notAff[0] {
			t.Fatalf("statuses collapsed: affected %v not affected %v", aff, notAff)
		}
		tree, _ := json.Marshal(m["product_tree"])
		for _, want := range []string{"Decoder Maintainers", "Distro", `vers:golang/\u003e=1.0.0|\u003c1.2.3`} {
			if !strings.Contains(string(tree), want) {
				t.Errorf("product tree lacks %q: %s", want, tree)
			}
		}
		// A second vulnerability: one VEX document, two vulnerability entries.
		ta.API("POST", base+"/vulnerabilities", rtok, map[string]any{"title": "Integer overflow", "cwe": "CWE-190"}).Want(t, 201)
		res = ta.API("GET", base+"/export/vex", rtok, nil).Want(t, 422)
		if !strings.Contains(string(res.Body), "V2") {
			t.Fatalf("VEX without a status for V2: %s", res.Body)
		}
		ta.API("GET", base+"/vulnerabilities/V1/export/vex", rtok, nil).Want(t, 200)
		ta.API("POST", base+"/vulnerabilities/V2/status", otok, map[string]any{"status": "fixed"}).Want(t, 200)
		m = mustValidate(t, csaf, "two-vulnerability VEX", ta.API("GET", base+"/export/vex", rtok, nil).Want(t, 200).Body)
		if vulns, _ := m["vulnerabilities"].([]any); len(vulns) != 2 {
			t.Fatalf("%d vulnerability entries, want 2", len(vulns))
		}
	})
}
