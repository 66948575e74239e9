package deps_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/deps"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// namedMaintainers also names its organisations, as the directory does.
type namedMaintainers struct{ fakeMaintainers }

func (namedMaintainers) OrgNames(_ context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, id := range ids {
		if id == 7 {
			out[id] = "Vendor One Security"
		}
	}
	return out, nil
}

// The acceptance calls through HTTP: the purl escaped in the path, pages with a cursor,
// staff only, bad input named.
func TestDependentsAPI(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp, mem := ta.Token(ta.User(authz.RoleResponder)), ta.Token(ta.User(authz.RoleMember))
		ta.App.Deps.SetMaintainers(fakeMaintainers{"pkg:maven/com.vendor1/app1": {7}})
		var imp deps.EdgeImport
		ta.API("POST", "/api/v1/dependencies/edges", resp, acceptanceCSV()).Want(t, 201).JSON(t, &imp)
		if imp.Rows != 1261 {
			t.Fatalf("import: %+v", imp)
		}
		path := "/api/v1/packages/" + url.PathEscape(root) + "/dependents"
		if !strings.Contains(path, "%2F") {
			t.Fatalf("the purl is not escaped: %s", path)
		}
		var page deps.DepsDependents
		ta.API("GET", path+"?max_depth=9&limit=1000", resp, nil).Want(t, 200).JSON(t, &page)
		if page.Total != 260 || len(page.Items) != 260 || page.NextCursor != "" {
			t.Fatalf("total %d, %d items", page.Total, len(page.Items))
		}
		if page.Items[0].Purl != "pkg:maven/com.vendor1/app1" || len(page.Items[0].Orgs) != 1 || page.Items[0].Orgs[0] != 7 || !page.Items[0].Reachable {
			t.Errorf("first item: %+v", page.Items[0])
		}
		ta.API("GET", path+"?max_depth=2&limit=1000", resp, nil).Want(t, 200).JSON(t, &page)
		if page.Total != 253 {
			t.Errorf("max_depth=2: %d", page.Total)
		}
		ta.API("GET", path+"?limit=100", resp, nil).Want(t, 200).JSON(t, &page)
		if len(page.Items) != 100 || page.NextCursor == "" {
			t.Fatalf("limit=100: %d items, cursor %q", len(page.Items), page.NextCursor)
		}
		last := page.Items[99].Purl
		ta.API("GET", path+"?limit=100&cursor="+page.NextCursor, resp, nil).Want(t, 200).JSON(t, &page)
		if len(page.Items) != 100 || page.Items[0].Purl <= last && page.Items[0].Depth == 2 {
			t.Errorf("second page starts at %s after %s", page.Items[0].Purl, last)
		}
		ta.API("GET", path, mem, nil).Want(t, 404)
		ta.API("GET", path, "", nil).Want(t, 401)
		if p := ta.API("GET", "/api/v1/packages/log4j/dependents", resp, nil).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "purl") {
			t.Errorf("bad purl: %s", p.Text())
		}
		if p := ta.API("GET", path+"?max_depth=30", resp, nil).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "max_depth") {
			t.Errorf("max_depth 30: %s", p.Text())
		}
		bad := "dependent,dependency,version_constraint\npkg:maven/a/b,pkg:maven/c/d,\nnot-a-purl,pkg:maven/c/d,\n"
		if p := ta.API("POST", "/api/v1/dependencies/edges", resp, bad).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "line 3, column 1 (dependent)") {
			t.Errorf("bad row: %s", p.Text())
		}
		if p := ta.API("POST", "/api/v1/sboms", resp, `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": {"oops": 1}}`).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "components: want an array") {
			t.Errorf("bad SBOM: %s", p.Text())
		}
		// Freshness: an SBOM imported now is in the next answer.
		b, _ := os.ReadFile("testdata/cyclonedx-1.5.json")
		ta.API("POST", "/api/v1/sboms", resp, b).Want(t, 201)
		ta.API("GET", path+"?limit=1000", resp, nil).Want(t, 200).JSON(t, &page)
		found := false
		for _, it := range page.Items {
			found = found || it.Purl == "pkg:maven/com.example.shop/shop-api"
		}
		if !found || page.Total != 262 {
			t.Errorf("after the SBOM: total %d, shop-api found %v", page.Total, found)
		}
		ta.API("POST", "/api/v1/sboms", mem, b).Want(t, 404)
	})
}

// The "Who is affected" page: grouped by organisation, a form posting the checked
// organisations to the chosen case, uploads, members 404.
func TestWhoIsAffectedPage(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		responder, mem := ta.User(authz.RoleResponder), ta.User(authz.RoleMember)
		ta.App.Deps.SetMaintainers(namedMaintainers{fakeMaintainers{"pkg:maven/com.vendor1/app1": {7}, "pkg:maven/org.diamond/d": {7}, "pkg:maven/org.chain/c3": {9}}})
		c, err := ta.App.Cases.Open(context.Background(), responder.Actor(), cases.NewCase{Title: "JNDI lookups"})
		if err != nil {
			t.Fatal(err)
		}
		br := ta.Browser()
		br.SignIn(responder)
		br.Get("/deps").Want(t, 200)
		r := br.Submit("/deps/edges", url.Values{"csv": {"dependent,dependency,version_constraint\nnot-a-purl,pkg:npm/x,\n"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "line 2, column 1 (dependent)") || !strings.Contains(string(r.Body), "not-a-purl,pkg:npm/x,") {
			t.Errorf("the refused edge list lost the message or the input: %.3000s", r.Body)
		}
		br.Submit("/deps/edges", url.Values{"csv": {acceptanceCSV()}}).Want(t, 303)
		r = br.Get("/deps?purl="+url.QueryEscape(root)+"&case="+c.PublicID).Want(t, 200)
		body := string(r.Body)
		for _, want := range []string{"260</strong> dependents", "Vendor One Security", "Organisation 9", `action="/cases/` + c.PublicID + `/orgs"`,
			`name="org" value="7"`, `name="org" value="9"`, "Not reachable", "pkg:maven/org.chain/c1", "in all; the first 50 are listed"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Index(body, "Vendor One Security") > strings.Index(body, "Organisation 9") {
			t.Error("the organisation with more dependents should come first")
		}
		// Without a case, no form to post (and a hint).
		if r := br.Get("/deps?purl="+url.QueryEscape(root)).Want(t, 200); strings.Contains(string(r.Body), `name="org"`) {
			t.Error("checkboxes without a case")
		}
		r = br.Get("/deps?purl=log4j").Want(t, 422)
		if !strings.Contains(string(r.Body), `value="log4j"`) || !strings.Contains(string(r.Body), "is not a package URL") {
			t.Errorf("refused search lost the input or the message")
		}
		br.Get("/deps/package?purl="+url.QueryEscape(root)).Want(t, 200)
		b, _ := os.ReadFile("testdata/spdx-2.3.json")
		br.Submit("/deps/sboms", url.Values{"sbom": {string(b)}}).Want(t, 303)
		if r := br.Get("/deps/package?purl="+url.QueryEscape("pkg:pypi/urllib3")).Want(t, 200); !strings.Contains(string(r.Body), "SPDX 2.3") {
			t.Errorf("package page without its SBOM: %.2000s", r.Body)
		}
		mb := ta.Browser()
		mb.SignIn(mem)
		mb.Get("/deps").Want(t, 404)
		mb.Get("/deps/package?purl="+url.QueryEscape(root)).Want(t, 404)
	})
}
