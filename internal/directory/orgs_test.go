package directory_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

func TestOrgsAPI(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		key, err := pgpkey.Generate("Logging PSIRT", "security@logging.example.org", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"name": "Apache Logging", "kind": "project",
			"contacts": []any{map[string]any{"email": "Security@Logging.example.org", "openpgp_key": string(key.PublicArmored()), "time_zone": "Europe/Berlin",
				"preferred_languages": "en, de", "securitytxt_url": "https://logging.example.org/.well-known/security.txt"}},
			"packages": []string{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-api"}}

		// Members and the public do not learn the directory exists.
		f.call(t, "POST", "/orgs", f.tMem, body, 404).Problem(t)
		f.call(t, "GET", "/orgs", f.tMem, nil, 404)
		f.call(t, "POST", "/orgs", "", body, 401)

		var o directory.Org
		f.call(t, "POST", "/orgs", f.tResp, body, 201).JSON(t, &o)
		if o.ID == 0 || o.Contacts[0].Email != "security@logging.example.org" || o.Contacts[0].OpenPGPKey == "" {
			t.Fatalf("created %+v", o)
		}
		if strings.Join(o.Packages, " ") != "pkg:maven/org.apache.logging.log4j/log4j-api pkg:maven/org.apache.logging.log4j/log4j-core" {
			t.Errorf("packages are not keys without versions: %v", o.Packages)
		}
		f.call(t, "GET", "/orgs/"+itoa(o.ID), f.tMem, nil, 404)
		var got directory.Org
		f.call(t, "GET", "/orgs/"+itoa(o.ID), f.tPgM, nil, 200).JSON(t, &got)
		if got.Name != "Apache Logging" || len(got.Contacts) != 1 {
			t.Errorf("read back %+v", got)
		}

		// Bad input is refused naming the field.
		for field, bad := range map[string]map[string]any{
			"contacts[0].email":       {"name": "Bad", "kind": "project", "contacts": []any{map[string]any{"email": "not an address"}}},
			"contacts[1].openpgp_key": {"name": "Bad", "kind": "project", "contacts": []any{map[string]any{"email": "a@example.org"}, map[string]any{"email": "b@example.org", "openpgp_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n-----END PGP PUBLIC KEY BLOCK-----"}}},
			"contacts[0].time_zone":   {"name": "Bad", "kind": "project", "contacts": []any{map[string]any{"email": "a@example.org", "time_zone": "Mars/Olympus"}}},
			"packages[1]":             {"name": "Bad", "kind": "project", "packages": []string{"pkg:npm/ok", "not-a-purl"}},
			"kind":                    {"name": "Bad", "kind": "bank"},
			"name":                    {"name": " ", "kind": "vendor"},
		} {
			problemField(t, f.call(t, "POST", "/orgs", f.tResp, bad, 422), field)
		}

		// Search and edit.
		v1 := f.org(t, "Vendor One", "vendor", []string{"psirt@one.example.com"}, "pkg:npm/one")
		v2 := f.org(t, "Vendor One GmbH", "vendor", []string{"psirt@one.example.com", "cert@one.example.com"}, "pkg:npm/one-extra")
		var page struct {
			Items []directory.Org `json:"items"`
		}
		f.call(t, "GET", "/orgs?q=one", f.tResp, nil, 200).JSON(t, &page)
		if len(page.Items) != 2 {
			t.Errorf("search q=one found %d", len(page.Items))
		}
		f.call(t, "GET", "/orgs?package=pkg:maven/org.apache.logging.log4j/log4j-core@2.0", f.tResp, nil, 200).JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != o.ID {
			t.Errorf("package search: %+v", page.Items)
		}
		f.call(t, "GET", "/orgs?limit=1", f.tResp, nil, 200)
		name := "Vendor One AG"
		var up directory.Org
		f.call(t, "PATCH", "/orgs/"+itoa(v1), f.tPgM, map[string]any{"name": name}, 200).JSON(t, &up)
		if up.Name != name || len(up.Contacts) != 1 || len(up.Packages) != 1 {
			t.Errorf("patched %+v", up)
		}
		problemField(t, f.call(t, "PATCH", "/orgs/"+itoa(v1), f.tPgM, map[string]any{"contacts": []any{map[string]any{"email": "x"}}}, 422), "contacts[0].email")
		f.call(t, "PATCH", "/orgs/"+itoa(v1), f.tMem, map[string]any{"name": "x"}, 404)

		// Merge: contacts deduplicated, packages united, the merged one points at the kept one.
		f.call(t, "POST", "/orgs/"+itoa(v1)+"/merge", f.tMem, map[string]any{"from": v2}, 404)
		problemField(t, f.call(t, "POST", "/orgs/"+itoa(v1)+"/merge", f.tResp, map[string]any{"from": v1}, 422), "from")
		var m directory.Org
		f.call(t, "POST", "/orgs/"+itoa(v1)+"/merge", f.tResp, map[string]any{"from": v2}, 200).JSON(t, &m)
		if len(m.Contacts) != 2 || len(m.Packages) != 2 {
			t.Errorf("merged: %+v", m)
		}
		var gone directory.Org
		f.call(t, "GET", "/orgs/"+itoa(v2), f.tResp, nil, 200).JSON(t, &gone)
		if gone.MergedInto != v1 {
			t.Errorf("merged org: %+v", gone)
		}
		problemField(t, f.call(t, "POST", "/orgs/"+itoa(v1)+"/merge", f.tResp, map[string]any{"from": v2}, 422), "from") // twice
		f.call(t, "GET", "/orgs?q=one", f.tResp, nil, 200).JSON(t, &page)
		if len(page.Items) != 1 {
			t.Errorf("a merged organisation is still listed: %d", len(page.Items))
		}

		// OrgsOf: package keys to maintaining organisations.
		m2, err := f.ta.App.Directory.OrgsOf(context.Background(), []string{"pkg:npm/one", "pkg:npm/one-extra", "pkg:npm/nobody"})
		if err != nil {
			t.Fatal(err)
		}
		names, err := f.ta.App.Directory.OrgNames(context.Background(), []int64{v1, o.ID, 999999})
		if err != nil || names[v1] != "Vendor One AG" || names[o.ID] != "Apache Logging" || len(names) != 2 {
			t.Errorf("OrgNames: %v %v", names, err)
		}
		if len(m2["pkg:npm/one"]) != 1 || m2["pkg:npm/one"][0] != v1 || len(m2["pkg:npm/one-extra"]) != 1 || m2["pkg:npm/one-extra"][0] != v1 || len(m2["pkg:npm/nobody"]) != 0 {
			t.Errorf("OrgsOf: %v", m2)
		}
		checkCatalogue(t, f)
	})
}

func TestOrgsOfBatches(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var pkgs []string
		for i := 0; i < 1200; i++ {
			pkgs = append(pkgs, "pkg:npm/p"+itoa(int64(i)))
		}
		o, err := f.ta.App.Directory.CreateOrg(context.Background(), f.resp.Actor(), directory.OrgInput{Name: "Big", Kind: "registry", Packages: pkgs}, "test")
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.ta.App.Directory.OrgsOf(context.Background(), append(pkgs, "pkg:npm/none"))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 1200 || m["pkg:npm/p1199"][0] != o.ID {
			t.Errorf("OrgsOf over 500 keys: %d keys", len(m))
		}
	})
}

func TestCSVRoundTrip(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.org(t, "Alpha, Inc.", "vendor", []string{"psirt@alpha.example.com", "cert@alpha.example.com"}, "pkg:npm/alpha", "pkg:pypi/alpha")
		f.org(t, `Beta "Distro"`, "distro", []string{"security@beta.example.org"}, "pkg:deb/beta/openssl")
		f.org(t, "=cmd|' /C calc'!A0", "project", []string{"x@gamma.example.org"})
		export := func() string {
			r := f.ta.API("GET", "/api/v1/orgs/export", f.tResp, nil).Want(t, 200)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("content type %q", r.Header.Get("Content-Type"))
			}
			return string(r.Body)
		}
		first := export()
		f.ta.API("GET", "/api/v1/orgs/export", f.tMem, nil).Want(t, 404)
		ins, err := directory.ParseOrgsCSV(strings.NewReader(first))
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 3 || ins[0].Name != "Alpha, Inc." || len(ins[0].Contacts) != 2 || len(ins[0].Packages) != 2 || ins[1].Name != `Beta "Distro"` || ins[2].Name != "=cmd|' /C calc'!A0" {
			t.Fatalf("parsed back %+v", ins)
		}
		if strings.Contains(first, "\n=cmd") {
			t.Error("a formula-like name is exported as a formula")
		}
		// Importing the export changes nothing: every row updates its organisation.
		var res directory.OrgImportResult
		req := f.ta.NewRequest("POST", "/api/v1/orgs/import", first)
		req.Header.Set("Authorization", "Bearer "+f.tResp)
		req.Header.Set("Content-Type", "text/csv")
		f.ta.Do(req).Want(t, 201).JSON(t, &res)
		if res.Created != 0 || res.Updated != 3 {
			t.Errorf("re-import: %+v", res)
		}
		if again := export(); again != first {
			t.Errorf("round trip changed the export:\n%s\nvs\n%s", first, again)
		}
		// A fresh import creates; a bad row refuses the whole file naming the line.
		good := "name,kind,emails,packages\nDelta,hosting,sec@delta.example.net;abuse@delta.example.net,pkg:golang/delta.example.net/x\n"
		req = f.ta.NewRequest("POST", "/api/v1/orgs/import", good)
		req.Header.Set("Authorization", "Bearer "+f.tResp)
		req.Header.Set("Content-Type", "text/csv")
		f.ta.Do(req).Want(t, 201).JSON(t, &res)
		if res.Created != 1 {
			t.Errorf("import: %+v", res)
		}
		bad := "name,kind,emails\nEpsilon,vendor,ok@e.example.com\nZeta,vendor,ok@z.example.com not-an-address\n"
		req = f.ta.NewRequest("POST", "/api/v1/orgs/import", bad)
		req.Header.Set("Authorization", "Bearer "+f.tResp)
		req.Header.Set("Content-Type", "text/csv")
		problemField(t, f.ta.Do(req).Want(t, 422), "line 3: emails[1]")
		var page struct {
			Items []directory.Org `json:"items"`
		}
		f.call(t, "GET", "/orgs?q=epsilon", f.tResp, nil, 200).JSON(t, &page)
		if len(page.Items) != 0 {
			t.Error("a refused import added a row")
		}
		checkCatalogue(t, f)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
