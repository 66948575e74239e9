package advisory_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// publicURLs are every public place an advisory could appear, including guesses by
// its public id, OSV id and number.
func publicURLs(a *advisory.Advisory) (direct, indexes []string) {
	num := strconv.FormatInt(a.ID, 10)
	for _, id := range []string{a.PublicID, a.OSVID, num} {
		direct = append(direct, "/osv/"+url.PathEscape(id)+".json", "/advisories/"+url.PathEscape(id))
	}
	direct = append(direct, "/.well-known/csaf/white/2026/"+strings.ToLower(a.PublicID)+".json",
		"/.well-known/csaf/white/2026/"+strings.ToLower(a.PublicID)+".json.sha256")
	indexes = []string{"/advisories", "/advisories.atom", "/osv/all.zip", "/.well-known/csaf/provider-metadata.json",
		"/.well-known/csaf/white/index.txt", "/.well-known/csaf/white/changes.csv"}
	return direct, indexes
}

// mentions reports whether a response body (or, for a zip, any file name or file in it)
// names the advisory.
func mentions(t *testing.T, body []byte, a *advisory.Advisory) bool {
	t.Helper()
	texts := [][]byte{body}
	if bytes.HasPrefix(body, []byte("PK")) {
		z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range z.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			texts = append(texts, []byte(f.Name), b)
		}
	}
	for _, tx := range texts {
		if bytes.Contains(bytes.ToLower(tx), bytes.ToLower([]byte(a.PublicID))) {
			return true
		}
	}
	return false
}

// TestNothingPublicBeforePD drives the API as the responders would and checks every
// public URL before and after the public date.
func TestNothingPublicBeforePD(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		author, reviewer := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
		tokA, tokR := ta.Token(author), ta.Token(reviewer)
		member := ta.Token(ta.User(authz.RoleMember))

		// Draft through the API.
		res := ta.API("POST", "/api/v1/advisories", tokA, goDraft()).Want(t, 201)
		var created struct{ ID, OSVID string }
		res.JSON(t, &created)
		a, err := ta.App.Advisories.Get(ctx, author.Actor(), created.ID)
		if err != nil {
			t.Fatal(err)
		}
		ap := "/api/v1/advisories/" + a.PublicID

		// Anonymous and members get nothing; staff exports validate.
		ta.API("GET", ap+"/osv", "", nil).Want(t, 401)
		ta.API("GET", ap, member, nil).Want(t, 404)
		ta.API("GET", "/api/v1/advisories", member, nil).Want(t, 403)
		for _, f := range advisory.Formats {
			ta.API("GET", ap+"/"+string(f), tokA, nil).Want(t, 200)
		}

		// Review: the author may not approve; a second responder may.
		ta.API("POST", ap+"/submit", tokA, nil).Want(t, 200)
		p := ta.API("POST", ap+"/approve", tokA, nil).Want(t, 403).Problem(t)
		if !strings.Contains(p.Text(), "second responder") {
			t.Errorf("author's approval refused with %q", p.Text())
		}
		ta.API("POST", ap+"/approve", tokR, nil).Want(t, 200)

		// Schedule: a bad date names the field; then PD in an hour.
		p = ta.API("POST", ap+"/schedule", tokA, map[string]string{"public_date": "tomorrow"}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "public_date") {
			t.Errorf("bad public date: %q does not name public_date", p.Text())
		}
		pd := ta.Clock.Now().Add(time.Hour)
		ta.API("POST", ap+"/schedule", tokA, map[string]string{"public_date": pd.Format(time.RFC3339)}).Want(t, 200)

		direct, indexes := publicURLs(a)
		check := func(when string, published bool) {
			t.Helper()
			for _, u := range direct {
				res := ta.Do(ta.NewRequest("GET", u, nil))
				if published && res.StatusCode != 200 {
					t.Errorf("%s: GET %s = %d, want 200", when, u, res.StatusCode)
				}
				if !published && res.StatusCode != 404 {
					t.Errorf("%s: GET %s = %d, want 404", when, u, res.StatusCode)
				}
			}
			for _, u := range indexes {
				res := ta.Do(ta.NewRequest("GET", u, nil)).Want(t, 200)
				got := mentions(t, res.Body, a)
				if strings.HasSuffix(u, "provider-metadata.json") && !got {
					continue // names the directory, not the documents
				}
				if got != published {
					t.Errorf("%s: %s names the advisory: %v, want %v", when, u, got, published)
				}
			}
		}
		check("before PD", false)
		ta.Clock.Set(pd.Add(-time.Second))
		if _, err := ta.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		check("a second before PD", false)

		ta.Clock.Set(pd)
		if _, err := ta.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		check("at PD", true)

		res = ta.Do(ta.NewRequest("GET", "/osv/"+a.OSVID+".json", nil)).Want(t, 200)
		var rec struct {
			ID        string `json:"id"`
			Published string `json:"published"`
		}
		res.JSON(t, &rec)
		if rec.ID != a.OSVID || rec.Published != pd.Format(time.RFC3339) {
			t.Errorf("public OSV record: id %s published %s", rec.ID, rec.Published)
		}
		page := ta.Do(ta.NewRequest("GET", "/advisories/"+a.PublicID, nil)).Want(t, 200)
		if !bytes.Contains(page.Body, []byte("<strong>outside</strong>")) || bytes.Contains(page.Body, []byte("<script>alert")) {
			t.Errorf("public page: Markdown not rendered or not sanitized: %.2000s", page.Body)
		}
		var meta map[string]any
		ta.Do(ta.NewRequest("GET", "/.well-known/csaf/provider-metadata.json", nil)).Want(t, 200).JSON(t, &meta)
		if meta["role"] != "csaf_provider" || meta["metadata_version"] != "2.0" || meta["canonical_url"] != ta.URL+"/.well-known/csaf/provider-metadata.json" {
			t.Errorf("provider metadata: %v", meta)
		}
		doc := ta.Do(ta.NewRequest("GET", "/.well-known/csaf/white/2026/"+strings.ToLower(a.PublicID)+".json", nil)).Want(t, 200)
		if !bytes.Contains(doc.Body, []byte(`"WHITE"`)) {
			t.Errorf("published CSAF document is not TLP:WHITE: %.300s", doc.Body)
		}
	})
}

func TestAdvisoryAPI(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		tok := ta.Token(ta.User(authz.RoleResponder))

		// Import: a schema error names its JSON path.
		bad := read(t, osvTestdata+"/invalid/nointroduced-CVE-2023-41045.json")
		p := ta.API("POST", "/api/v1/advisories/import", tok, bad).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "$.affected[0].ranges[0].events") {
			t.Errorf("invalid import: %q does not name the path", p.Text())
		}
		for _, f := range []string{"GO-2020-0001.json", "GHSA-9v2f-6vcg-3hgv.json", "withdrawn.osv.json"} {
			ta.API("POST", "/api/v1/advisories/import", tok, read(t, osvTestdata+"/"+f)).Want(t, 201)
		}
		ta.API("POST", "/api/v1/advisories/import", tok, read(t, osvTestdata+"/GO-2020-0001.json")).Want(t, 409)
		// A CVE record of a withdrawn advisory is refused as a problem, not offered.
		type page struct {
			Items []struct {
				ID    string `json:"id"`
				OSVID string `json:"osv_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		var list page
		ta.API("GET", "/api/v1/advisories?limit=2", tok, nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 2 || list.NextCursor == "" {
			t.Fatalf("first page: %+v", list)
		}
		first, cursor := list.Items, list.NextCursor
		list = page{}
		ta.API("GET", "/api/v1/advisories?limit=2&cursor="+url.QueryEscape(cursor), tok, nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.NextCursor != "" || list.Items[0].ID == first[0].ID || list.Items[0].ID != "GO-2020-0001" {
			t.Errorf("second page: %+v", list)
		}
		withdrawn := first[0].ID
		ta.API("GET", "/api/v1/advisories/"+withdrawn+"/cve", tok, nil).Want(t, 422).Problem(t)
		ta.API("GET", "/api/v1/advisories/GO-2020-0001/osv", tok, nil).Want(t, 200)

		// PATCH with If-Match; a stale one is 412.
		res := ta.API("GET", "/api/v1/advisories/GO-2020-0001", tok, nil).Want(t, 200)
		etag := res.Header.Get("ETag")
		req := ta.NewRequest("PATCH", "/api/v1/advisories/GO-2020-0001", map[string]any{"cwe_ids": []string{"CWE-117"}, "change": "CWE added."})
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("If-Match", etag)
		ta.Do(req).Want(t, 200)
		req = ta.NewRequest("PATCH", "/api/v1/advisories/GO-2020-0001", map[string]any{"summary": "x"})
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("If-Match", etag)
		ta.Do(req).Want(t, 412)
		p = ta.API("PATCH", "/api/v1/advisories/GO-2020-0001", tok, map[string]any{"cwe_ids": []string{"79"}}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "cwe_ids[0]") {
			t.Errorf("bad CWE: %q does not name cwe_ids[0]", p.Text())
		}

		// Drafting from a case answers 404 until cases exist.
		ta.API("POST", "/api/v1/advisories", tok, map[string]any{"case_id": "OSS-SIRT-2026-0001", "vulnerability": "CVE-2026-1"}).Want(t, 404)
		ta.API("POST", "/api/v1/advisories", tok, map[string]any{"case_id": 7, "vulnerability": "CVE-2026-1"}).Want(t, 404)
		// Standalone drafts need a summary.
		p = ta.API("POST", "/api/v1/advisories", tok, map[string]any{"details": "no summary"}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "summary") {
			t.Errorf("missing summary: %q", p.Text())
		}
	})
}

// TestStaffPages drives the HTML pages without JavaScript: import, edit with a field
// error, approve by the second responder, publish.
func TestStaffPages(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		author, reviewer := ta.Browser(), ta.Browser()
		author.SignIn(ta.User(authz.RoleResponder))
		reviewer.SignIn(ta.User(authz.RoleResponder))

		author.Get("/staff/advisories").Want(t, 200)
		res := author.Submit("/staff/advisories/import", url.Values{"osv": {string(read(t, osvTestdata+"/invalid/nointroduced-CVE-2023-41045.json"))}}).Want(t, 422)
		if !bytes.Contains(res.Body, []byte("$.affected[0].ranges[0].events")) {
			t.Errorf("import form error does not name the path")
		}
		author.Submit("/staff/advisories/import", url.Values{"osv": {string(read(t, osvTestdata+"/GO-2020-0001.json"))}}).Want(t, 303)
		page := author.Get("/staff/advisories/GO-2020-0001").Want(t, 200)
		for _, want := range []string{`for="f-affected"`, "/export/osv", "Submit for review", "Revision history"} {
			if !bytes.Contains(page.Body, []byte(want)) {
				t.Errorf("staff page lacks %q", want)
			}
		}
		form := url.Values{}
		for k, v := range advisory.FormValues(mustGet(t, ta, "GO-2020-0001").Doc) {
			form.Set(k, v)
		}
		form.Set("cvss_v3", "CVSS:3.1/AV:N/nonsense")
		res = author.Submit("/staff/advisories/GO-2020-0001", form).Want(t, 422)
		if !bytes.Contains(res.Body, []byte("field-error")) {
			t.Errorf("no field error shown beside the CVSS field")
		}
		form.Set("cvss_v3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
		author.Submit("/staff/advisories/GO-2020-0001", form).Want(t, 303)
		if a := mustGet(t, ta, "GO-2020-0001"); len(a.Scores) != 1 || a.Scores[0].Score != 9.8 || a.Revision != 2 {
			t.Errorf("after the edit: scores %+v revision %d", a.Scores, a.Revision)
		}
		author.Submit("/staff/advisories/GO-2020-0001/approve", nil).Want(t, 403)
		reviewer.Submit("/staff/advisories/GO-2020-0001/approve", nil).Want(t, 303)
		author.Get("/staff/advisories/GO-2020-0001/export/csaf").Want(t, 200)
		ta.Do(ta.NewRequest("GET", "/advisories/GO-2020-0001", nil)).Want(t, 404)
		author.Submit("/staff/advisories/GO-2020-0001/publish", nil).Want(t, 303)
		ta.Do(ta.NewRequest("GET", "/advisories/GO-2020-0001", nil)).Want(t, 200)
		author.Submit("/staff/advisories/GO-2020-0001/withdraw", url.Values{"reason": {"duplicate"}}).Want(t, 303)
		if !bytes.Contains(ta.Do(ta.NewRequest("GET", "/osv/GO-2020-0001.json", nil)).Want(t, 200).Body, []byte(`"withdrawn"`)) {
			t.Error("withdrawn record is not marked withdrawn")
		}
		// Anonymous visitors are sent to sign in; members see no drafts list.
		anon := ta.Browser()
		anon.Get("/staff/advisories").Want(t, 303)
	})
}

func mustGet(t *testing.T, ta *testapp.TestApp, ref string) *advisory.Advisory {
	t.Helper()
	a, err := ta.App.Advisories.Get(ctx, authz.System("test"), ref)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
