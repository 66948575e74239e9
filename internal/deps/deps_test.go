package deps_test

import (
	"context"
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

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/deps"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

const root = "pkg:maven/org.apache.logging.log4j/log4j-core"

var (
	responder = authz.User(2, "responder@example.org", authz.RoleResponder)
	member    = authz.User(3, "member@example.org", authz.RoleMember)
)

// acceptanceCSV is the graph of the acceptance script: 50 first-level dependents of
// root, each with 4 of its own, a chain of 9, a diamond and 1000 unrelated edges.
func acceptanceCSV() string {
	var b strings.Builder
	b.WriteString("dependent,dependency,version_constraint\n")
	for i := 1; i <= 50; i++ {
		a := fmt.Sprintf("pkg:maven/com.vendor%d/app%d", i, i)
		fmt.Fprintf(&b, "%s,%s,\"[2.0,2.15)\"\n", a, root)
		for j := 1; j <= 4; j++ {
			fmt.Fprintf(&b, "pkg:maven/org.user%d/svc%d,%s,\n", i, j, a)
		}
	}
	prev := root
	for k := 1; k <= 9; k++ {
		c := fmt.Sprintf("pkg:maven/org.chain/c%d", k)
		fmt.Fprintf(&b, "%s,%s,\n", c, prev)
		prev = c
	}
	b.WriteString("pkg:maven/org.diamond/d,pkg:maven/com.vendor1/app1,\npkg:maven/org.diamond/d,pkg:maven/com.vendor2/app2,\n")
	for k := 0; k < 1000; k++ {
		fmt.Fprintf(&b, "pkg:maven/org.other/x%d,pkg:maven/org.other/y%d,1.0\n", k, k%37)
	}
	return b.String()
}

type fakeMaintainers map[string][]int64

func (f fakeMaintainers) OrgsOf(_ context.Context, pkgs []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	for _, p := range pkgs {
		if o, ok := f[p]; ok {
			out[p] = o
		}
	}
	return out, nil
}

func newService(t *testing.T, d *db.DB) (*deps.Service, *events.Log) {
	ev := events.New(clock.NewFake(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)))
	return deps.New(d, clock.NewFake(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)), ev), ev
}

func TestDependentsAcceptanceShape(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		s.SetMaintainers(fakeMaintainers{"pkg:maven/com.vendor1/app1": {7}})
		res, err := s.ImportEdges(ctx, responder, strings.NewReader(acceptanceCSV()), deps.ImportOptions{Name: "edges.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 1261 || res.Edges != 1261 || res.Packages != 1298 || res.NewPackages != 1298 {
			t.Fatalf("import: %+v", res)
		}
		page, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: root, MaxDepth: 9, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 260 || len(page.Items) != 260 || page.NextCursor != "" {
			t.Fatalf("total %d, %d items, cursor %q; want 260 on one page", page.Total, len(page.Items), page.NextCursor)
		}
		if !reflect.DeepEqual(page.ByDepth, []int{51, 202, 1, 1, 1, 1, 1, 1, 1}) {
			t.Errorf("by depth %v", page.ByDepth)
		}
		by := map[string]deps.DepsDependent{}
		for i, it := range page.Items {
			if _, dup := by[it.Purl]; dup {
				t.Fatalf("%s listed twice", it.Purl)
			}
			by[it.Purl] = it
			if i > 0 {
				p := page.Items[i-1]
				if p.Depth > it.Depth || (p.Depth == it.Depth && p.Purl >= it.Purl) {
					t.Fatalf("items not by depth then purl: %s then %s", p.Purl, it.Purl)
				}
			}
		}
		c9 := by["pkg:maven/org.chain/c9"]
		if c9.Depth != 9 || len(c9.Path) != 10 || c9.Path[0] != root || c9.Path[1] != "pkg:maven/org.chain/c1" || c9.Path[9] != c9.Purl {
			t.Errorf("c9: %+v", c9)
		}
		dd := by["pkg:maven/org.diamond/d"]
		if dd.Depth != 2 || !reflect.DeepEqual(dd.Path, []string{root, "pkg:maven/com.vendor1/app1", "pkg:maven/org.diamond/d"}) {
			t.Errorf("diamond: %+v", dd)
		}
		a1 := by["pkg:maven/com.vendor1/app1"]
		if a1.Depth != 1 || !reflect.DeepEqual(a1.Orgs, []int64{7}) || !a1.Reachable {
			t.Errorf("app1: %+v", a1)
		}
		if a2 := by["pkg:maven/com.vendor2/app2"]; a2.Reachable || a2.Orgs == nil || len(a2.Orgs) != 0 {
			t.Errorf("app2 has no maintainer: %+v", a2)
		}
		// max_depth honoured.
		p2, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: root, MaxDepth: 2, Limit: 1000})
		if err != nil || p2.Total != 253 {
			t.Fatalf("max_depth=2: %v %+v", err, p2.Total)
		}
		// Pages of 100 walk the same list.
		var walked []string
		cursor := ""
		for pages := 0; ; pages++ {
			p, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: root + "@2.14.1", Limit: 100, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 260 || (p.NextCursor != "" && len(p.Items) != 100) {
				t.Fatalf("page %d: total %d, %d items", pages, p.Total, len(p.Items))
			}
			for _, it := range p.Items {
				walked = append(walked, it.Purl)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		var all []string
		for _, it := range page.Items {
			all = append(all, it.Purl)
		}
		if !slices.Equal(walked, all) {
			t.Errorf("pages of 100 gave %d items, not the full list of %d", len(walked), len(all))
		}
		// The directory's call.
		names, err := s.DependentPackages(ctx, root, 1)
		if err != nil || len(names) != 51 || names[0] != "pkg:maven/com.vendor1/app1" {
			t.Errorf("DependentPackages depth 1: %v %d %v", err, len(names), names[:min(2, len(names))])
		}
		// An unknown package has no dependents; a non-purl is refused naming the field.
		if p, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: "pkg:npm/nobody-uses-this"}); err != nil || p.Total != 0 {
			t.Errorf("unknown package: %v %+v", err, p)
		}
		_, err = s.Dependents(ctx, responder, deps.DependentsQuery{Package: "log4j"})
		if fe, ok := validate.As(err); !ok || fe.For("purl") == "" {
			t.Errorf("a bad purl: %v", err)
		}
		_, err = s.Dependents(ctx, responder, deps.DependentsQuery{Package: root, MaxDepth: 21})
		if fe, ok := validate.As(err); !ok || fe.For("max_depth") == "" {
			t.Errorf("max_depth 21: %v", err)
		}
		_, err = s.Dependents(ctx, responder, deps.DependentsQuery{Package: root, Cursor: "!!"})
		if fe, ok := validate.As(err); !ok || fe.For("cursor") == "" {
			t.Errorf("a bad cursor: %v", err)
		}
		// Members learn nothing.
		if _, err := s.Dependents(ctx, member, deps.DependentsQuery{Package: root}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("member: %v", err)
		}
		if _, err := s.ImportEdges(ctx, member, strings.NewReader(acceptanceCSV()), deps.ImportOptions{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("member import: %v", err)
		}
		// The affected-version filter: 2.15.0 is outside [2.0,2.15) of the vendors' edges,
		// so only the chain (no constraint) remains.
		pv, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: root, Version: "2.15.0", Limit: 1000})
		if err != nil || pv.Total != 9 {
			t.Errorf("version 2.15.0: %v total %d, want the chain of 9", err, pv.Total)
		}
		pv, err = s.Dependents(ctx, responder, deps.DependentsQuery{Package: root, Version: "2.14.1", Limit: 1000})
		if err != nil || pv.Total != 260 {
			t.Errorf("version 2.14.1: %v total %d, want 260", err, pv.Total)
		}
	})
}

func TestImportIsFreshAndIdempotent(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		csv := "dependent,dependency,version_constraint\npkg:npm/b,pkg:npm/a,^1.0.0\n"
		if _, err := s.ImportEdges(ctx, responder, strings.NewReader(csv), deps.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: "pkg:npm/a"})
		if err != nil || p.Total != 1 {
			t.Fatalf("%v %+v", err, p)
		}
		// Again, plus one more edge: the query sees it at once, the first edge once.
		csv += "pkg:npm/c@2.0.0,pkg:npm/b@1.0.0,\"~1.0\"\n"
		res, err := s.ImportEdges(ctx, responder, strings.NewReader(csv), deps.ImportOptions{})
		if err != nil || res.NewPackages != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		p, err = s.Dependents(ctx, responder, deps.DependentsQuery{Package: "pkg:npm/a"})
		if err != nil || p.Total != 2 || p.Items[1].Purl != "pkg:npm/c" || p.Items[1].Depth != 2 {
			t.Fatalf("after the second import: %v %+v", err, p)
		}
		var n int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM dep_edges").Scan(&n); err != nil || n != 2 {
			t.Errorf("%d edge rows after importing one edge twice (%v)", n, err)
		}
		// Another Service on the same database (another replica) sees the graph too.
		other, _ := newService(t, d)
		if p, err := other.Dependents(ctx, responder, deps.DependentsQuery{Package: "pkg:npm/a"}); err != nil || p.Total != 2 {
			t.Errorf("another replica: %v %+v", err, p)
		}
	})
}

func TestBadEdgeRowsImportNothing(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		for _, c := range []struct{ csv, want string }{
			{"dependent,dependency,version_constraint\npkg:maven/a/b,pkg:maven/c/d,\nnot-a-purl,pkg:maven/c/d,\n",
				`line 3, column 1 (dependent): "not-a-purl" is not a package URL`},
			{"dependent,dependency,version_constraint\npkg:maven/a/b,pkg:,\n", `line 2, column 2 (dependency): "pkg:" is not a valid package URL`},
			{"dependent,dependency\npkg:maven/a/b,pkg:maven/c/d\n", "line 1: the header must be dependent,dependency,version_constraint"},
			{"dependent,dependency,version_constraint\npkg:maven/a/b,pkg:maven/c/d\n", "line 2: want 3 columns"},
			{"dependent,dependency,version_constraint\npkg:maven/a/b,pkg:maven/c/d,\"1.0\n", "line 2: not valid CSV"},
			{"", "line 1: the file is empty"},
			{"dependent,dependency,version_constraint\npkg:maven/a/b,pkg:maven/c/d," + strings.Repeat("9", 501) + "\n", "line 2, column 3 (version_constraint)"},
		} {
			_, err := s.ImportEdges(ctx, responder, strings.NewReader(c.csv), deps.ImportOptions{})
			var ie *deps.ImportError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%q: %v, want %q", c.csv, err, c.want)
			}
		}
		var n int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM dep_packages").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d packages after refused imports", n)
		}
	})
}

func TestSBOMImports(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		for _, c := range []struct {
			file, format, spec, root string
			edges                    int
			dependents               map[string][]string // package → direct dependents expected among its dependents
		}{
			{"cyclonedx-1.5.json", "CycloneDX", "1.5", "pkg:maven/com.example.shop/shop-api", 5, map[string][]string{
				"pkg:maven/org.apache.logging.log4j/log4j-core": {"pkg:maven/com.example.shop/logkit", "pkg:maven/com.example.shop/shop-api"}}},
			{"cyclonedx-1.6.json", "CycloneDX", "1.6", "pkg:npm/%40example/storefront", 5, map[string][]string{
				"pkg:npm/lodash": {"pkg:npm/%40example/storefront", "pkg:npm/express"}}},
			{"spdx-2.3.json", "SPDX", "2.3", "pkg:pypi/ticket-service", 4, map[string][]string{
				"pkg:pypi/urllib3": {"pkg:pypi/requests", "pkg:pypi/ticket-service"}}},
		} {
			b, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.ImportSBOM(ctx, responder, b, deps.ImportOptions{Name: c.file})
			if err != nil {
				t.Fatalf("%s: %v", c.file, err)
			}
			if res.Format != c.format || res.SpecVersion != c.spec || res.Root != c.root || res.Edges != c.edges || res.Duplicate {
				t.Errorf("%s: %+v", c.file, res)
			}
			for pkg, want := range c.dependents {
				p, err := s.Dependents(ctx, responder, deps.DependentsQuery{Package: pkg})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, it := range p.Items {
					got = append(got, it.Purl)
				}
				for _, w := range want {
					if !slices.Contains(got, w) {
						t.Errorf("%s: dependents of %s are %v, missing %s", c.file, pkg, got, w)
					}
				}
			}
			again, err := s.ImportSBOM(ctx, responder, b, deps.ImportOptions{})
			if err != nil || !again.Duplicate || again.ID != res.ID {
				t.Errorf("%s twice: %v %+v", c.file, err, again)
			}
		}
		if _, err := s.ImportSBOM(ctx, member, []byte(`{}`), deps.ImportOptions{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("member: %v", err)
		}
	})
}

func TestBadSBOMsNameThePath(t *testing.T) {
	for doc, want := range map[string]string{
		`{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": {"oops": 1}}`:                                       "components: want an array, got an object",
		`{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "a"}, {"name": "b", "purl": "x"}]}`:       `components[1].purl: "x" is not a package URL`,
		`{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "a", "purl": 5}]}`:                        "components[0].purl: want a string, got a number",
		`{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "a", "components": [{"purl": "pkg:"}]}]}`: `components[0].components[0].purl: "pkg:" is not a valid package URL`,
		`{"bomFormat": "CycloneDX", "specVersion": "1.5", "dependencies": [{"ref": "a", "dependsOn": "b"}]}`:                "dependencies[0].dependsOn: want an array, got a string",
		`{"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": {"component": []}}`:                                   "metadata.component: want an object, got an array",
		`{"bomFormat": "CycloneDX", "specVersion": "2.0"}`:                                                                  `specVersion: "2.0" is not a CycloneDX version`,
		`{"bomFormat": "SWID"}`: `bomFormat: "SWID" is not CycloneDX`,
		`{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "x", "externalRefs": [{"referenceType": "purl", "referenceLocator": "nope"}]}]}`: `packages[0].externalRefs[0].referenceLocator: "nope" is not a package URL`,
		`{"spdxVersion": "SPDX-2.3", "relationships": ["a"]}`: "relationships[0]: want an object, got a string",
		`{"spdxVersion": "SPDX-3.0"}`:                         `spdxVersion: "SPDX-3.0" is not an SPDX version`,
		`[1, 2]`:                                              "want a JSON object",
		`{"bomFormat": "CycloneDX", `:                         "not valid JSON",
		`{"name": "neither"}`:                                 "neither a CycloneDX document",
	} {
		_, err := deps.ParseSBOMForTest([]byte(doc))
		var pe *deps.PathError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		if _, err := s.ImportEdges(ctx, responder, strings.NewReader(acceptanceCSV()), deps.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile("testdata/cyclonedx-1.5.json")
		if _, err := s.ImportSBOM(ctx, responder, b, deps.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Read().Query(ctx, "SELECT action, after_json FROM events ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var action, after string
			if err := rows.Scan(&action, &after); err != nil {
				t.Fatal(err)
			}
			zero, ok := deps.Catalogue[action]
			if !ok {
				t.Errorf("event %s is not in the catalogue", action)
				continue
			}
			v := reflect.New(reflect.TypeOf(zero)).Interface()
			dec := json.NewDecoder(strings.NewReader(after))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Errorf("%s payload %s: %v", action, after, err)
			}
			n++
		}
		if n != 2 {
			t.Errorf("%d events, want 2", n)
		}
	})
}

func TestMostDependedOn(t *testing.T) {
	d := dbtest.NewSQLite(t)
	ctx := context.Background()
	s, _ := newService(t, d)
	if _, err := s.ImportEdges(ctx, responder, strings.NewReader(acceptanceCSV()), deps.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	top, err := s.MostDependedOn(ctx, root, 9, 3)
	if err != nil || len(top) != 3 {
		t.Fatalf("%v %v", err, top)
	}
	// app1 and app2 have 5 direct dependents (4 services and the diamond), the others 4.
	if top[0].Purl != "pkg:maven/com.vendor1/app1" || top[0].Dependents != 5 || top[1].Purl != "pkg:maven/com.vendor2/app2" || top[2].Dependents != 4 {
		t.Errorf("%+v", top)
	}
	if len(top[0].Path) != 2 || top[0].Path[0] != root {
		t.Errorf("path %v", top[0].Path)
	}
}
