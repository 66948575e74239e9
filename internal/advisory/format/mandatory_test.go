package format

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/package-url/packageurl-go"
)

// The mandatory tests of CSAF 2.0 section 6.1 that apply to what sirt writes, run on
// the CSAF and VEX documents of every importable record and of the team's own
// advisory (JSON schema conformance, 6.1.8 included, is checked by every export).
// Tests about structures sirt never writes (relationships 6.1.3, product groups
// 6.1.4–6.1.5, involvements 6.1.24, hashes 6.1.25, translations 6.1.28) do not apply.

func TestCSAFMandatoryTests(t *testing.T) {
	docs := map[string][]byte{}
	for _, f := range importable(t) {
		a := mustImport(t, f)
		if out, err := CSAF(a, testCSAFOpts); err == nil {
			docs[recordName(f)+" csaf"] = out
		}
		if out, err := VEX(a, nil, testCSAFOpts); err == nil {
			docs[recordName(f)+" vex"] = out
		}
	}
	if out, err := CSAF(teamAdvisory(), testCSAFOpts); err == nil {
		docs["team csaf"] = out
	} else {
		t.Fatal(err)
	}
	if len(docs) < 40 {
		t.Fatalf("only %d documents", len(docs))
	}
	for name, data := range docs {
		for _, p := range mandatoryProblems(t, data) {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// TestCSAFMandatoryTestsCatchProblems: the checks find what they look for.
func TestCSAFMandatoryTestsCatchProblems(t *testing.T) {
	out, err := CSAF(teamAdvisory(), testCSAFOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"product_id": "CSAFPID-0002"`, `"product_id": "CSAFPID-0001"`, "6.1.2"},
		{`"status": "final"`, `"status": "draft"`, "6.1.17"},
		{`"lang": "en"`, `"lang": "xx-invalid-"`, "6.1.12"},
		{`"category": "csaf_security_advisory"`, `"category": "csaf_vex_x"`, "6.1.26"},
	} {
		bad := strings.Replace(string(out), tc.from, tc.to, 1)
		if bad == string(out) {
			t.Fatalf("%s: %q not in the document", tc.want, tc.from)
		}
		if probs := strings.Join(mandatoryProblems(t, []byte(bad)), "\n"); !strings.Contains(probs, tc.want) {
			t.Errorf("replacing %s by %s: problems %q, want %s", tc.from, tc.to, probs, tc.want)
		}
	}
}

var (
	langPattern   = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
	intVersion    = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	rangeOperator = regexp.MustCompile(`(<|>|<=|>=|\bvers:|\bbefore\b|\bafter\b|\ball versions\b|\bprior\b|\bearlier\b|\blater\b)`)
)

func mandatoryProblems(t *testing.T, data []byte) []string {
	t.Helper()
	var doc csafDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var probs []string
	bad := func(test, format string, args ...any) { probs = append(probs, test+" "+fmt.Sprintf(format, args...)) }

	// 6.1.1 / 6.1.2: every product id referenced is defined, and defined once.
	defined := map[string]int{}
	var walk func([]csafBranch)
	var products []*csafProduct
	walk = func(bs []csafBranch) {
		for _, b := range bs {
			if b.Product != nil {
				defined[b.Product.ProductID]++
				products = append(products, b.Product)
				// 6.1.31: a product_version names one version, not a range.
				if b.Category == "product_version" && rangeOperator.MatchString(b.Name) {
					bad("6.1.31", "product_version %q holds a range", b.Name)
				}
			}
			walk(b.Branches)
		}
	}
	if doc.ProductTree != nil {
		walk(doc.ProductTree.Branches)
	}
	for id, n := range defined {
		if n > 1 {
			bad("6.1.2", "product id %s defined %d times", id, n)
		}
	}
	ref := func(where string, ids []string) {
		for _, id := range ids {
			if defined[id] == 0 {
				bad("6.1.1", "%s references undefined product %s", where, id)
			}
		}
	}
	// 6.1.13: every purl is valid.
	for _, p := range products {
		if p.Helper != nil && p.Helper.PURL != "" {
			if _, err := packageurl.FromString(p.Helper.PURL); err != nil || !strings.HasPrefix(p.Helper.PURL, "pkg:") {
				bad("6.1.13", "purl %q: %v", p.Helper.PURL, err)
			}
		}
	}
	// 6.1.12: language.
	if !langPattern.MatchString(doc.Document.Lang) {
		bad("6.1.12", "lang %q", doc.Document.Lang)
	}
	// 6.1.26: prohibited document category names (close to the profiles' names).
	if c := doc.Document.Category; c != CSAFSecurityAdvisory && c != CSAFVEX && c != "csaf_base" &&
		strings.HasPrefix(strings.ReplaceAll(strings.ToLower(c), "-", "_"), "csaf_") {
		bad("6.1.26", "category %q", c)
	}
	tr := doc.Document.Tracking
	// 6.1.14, 6.1.16, 6.1.21, 6.1.22, 6.1.30: revision history sorted, gapless, unique,
	// one versioning scheme, its latest number the version.
	nums := []int{}
	seen := map[string]bool{}
	for i, r := range tr.RevisionHistory {
		if seen[r.Number] {
			bad("6.1.22", "revision %s twice", r.Number)
		}
		seen[r.Number] = true
		if !intVersion.MatchString(r.Number) {
			bad("6.1.30", "revision number %q is not an integer (sirt uses integer versioning)", r.Number)
			continue
		}
		n, _ := strconv.Atoi(r.Number)
		nums = append(nums, n)
		if i > 0 && r.Date < tr.RevisionHistory[i-1].Date {
			bad("6.1.14", "revision %s is dated before the previous one", r.Number)
		}
	}
	if !slices.IsSorted(nums) {
		bad("6.1.14", "revision numbers %v not sorted", nums)
	}
	for i := 1; i < len(nums); i++ {
		if nums[i] != nums[i-1]+1 {
			bad("6.1.21", "revision numbers %v have a gap", nums)
		}
	}
	if len(nums) > 0 && strconv.Itoa(nums[len(nums)-1]) != tr.Version {
		bad("6.1.16", "latest revision %d, version %s", nums[len(nums)-1], tr.Version)
	}
	// 6.1.17 / 6.1.18: version 0 is a draft; a draft is not final.
	if tr.Version == "0" && tr.Status != StatusDraft {
		bad("6.1.17", "version 0 with status %s", tr.Status)
	}
	if tr.Status == StatusDraft && tr.Version != "0" {
		bad("6.1.17", "status draft with version %s (integer versioning: a draft is version 0)", tr.Version)
	}
	if tr.Status != StatusDraft && seen["0"] {
		bad("6.1.18", "status %s with a revision 0", tr.Status)
	}
	cves := map[string]bool{}
	for vi, v := range doc.Vulnerabilities {
		where := fmt.Sprintf("vulnerabilities[%d]", vi)
		// 6.1.23: a CVE once.
		if v.CVE != "" {
			if cves[v.CVE] {
				bad("6.1.23", "%s: CVE %s twice", where, v.CVE)
			}
			cves[v.CVE] = true
		}
		// 6.1.11: a CWE with its catalogue name.
		if v.CWE != nil && cweNames[v.CWE.ID] != v.CWE.Name {
			bad("6.1.11", "%s: %s named %q", where, v.CWE.ID, v.CWE.Name)
		}
		st := v.ProductStatus
		if st == nil {
			continue
		}
		ref(where+".product_status", slices.Concat(st.Fixed, st.KnownAffected, st.KnownNotAffected, st.UnderInvestigation))
		// 6.1.6: contradicting statuses.
		groups := map[string]string{}
		for g, ids := range map[string][]string{"affected": st.KnownAffected, "fixed": st.Fixed, "not_affected": st.KnownNotAffected, "under_investigation": st.UnderInvestigation} {
			for _, id := range ids {
				if other, ok := groups[id]; ok && other != g {
					bad("6.1.6", "%s: %s is %s and %s", where, id, other, g)
				}
				groups[id] = g
			}
		}
		// 6.1.29: every remediation names products.
		for ri, r := range v.Remediations {
			if len(r.ProductIDs) == 0 {
				bad("6.1.29", "%s.remediations[%d] names no product", where, ri)
			}
			ref(where+".remediations", r.ProductIDs)
		}
		// 6.1.32 / 6.1.33: flags name products, one VEX justification per product.
		flagged := map[string]bool{}
		for fi, f := range v.Flags {
			if len(f.ProductIDs) == 0 {
				bad("6.1.32", "%s.flags[%d] names no product", where, fi)
			}
			ref(where+".flags", f.ProductIDs)
			for _, id := range f.ProductIDs {
				if flagged[id] {
					bad("6.1.33", "%s: %s has several justifications", where, id)
				}
				flagged[id] = true
			}
		}
		// 6.1.7 / 6.1.9: one score per CVSS version per product, consistent with its vector.
		scored := map[string]bool{}
		for si, s := range v.Scores {
			ref(where+".scores", s.Products)
			for _, c := range []*csafCVSS{s.CVSSv2, s.CVSSv3} {
				if c == nil {
					continue
				}
				for _, id := range s.Products {
					k := id + " " + c.Version
					if scored[k] {
						bad("6.1.7", "%s: %s has two CVSS %s scores", where, id, c.Version)
					}
					scored[k] = true
				}
				vec := c.VectorString
				if c.Version == "2.0" {
					vec = "(" + strings.Trim(vec, "()") + ")"
				}
				score, _, _, err := ScoreCVSS(vec)
				if err != nil || score != c.BaseScore {
					bad("6.1.9", "%s.scores[%d]: %s has base score %v, the vector gives %v (%v)", where, si, c.VectorString, c.BaseScore, score, err)
				}
			}
		}
		for ti, th := range v.Threats {
			ref(fmt.Sprintf("%s.threats[%d]", where, ti), th.ProductIDs)
		}
	}
	return probs
}
