package intake_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func TestReportAPI(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.Token(ta.User(authz.RoleResponder))
		member := ta.Token(ta.User(authz.RoleMember))

		var rc struct {
			ID, TrackingURL string `json:"-"`
		}
		var body map[string]any
		res := ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": "Path traversal in archive extraction", "details": "Steps…",
			"affected": []any{map[string]any{"package": map[string]any{"ecosystem": "npm", "name": "tar-lite"}, "versions": []string{"1.2.0"}}},
			"reporter": map[string]any{"name": "Ada", "email": "ada@example.org", "credit": "Ada L."}}).Want(t, 201)
		res.JSON(t, &body)
		rc.ID, rc.TrackingURL = body["id"].(string), body["tracking_url"].(string)
		if !regexp.MustCompile(`^OSS-SIRT-2026-0001$`).MatchString(rc.ID) || !strings.HasPrefix(rc.TrackingURL, ta.URL+"/track/") {
			t.Fatalf("receipt: %v", body)
		}

		// Bad input: problem+json naming the field; malformed JSON 400; too large 413.
		p := ta.API("POST", "/api/v1/reports", "", map[string]any{"details": "no summary"}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "summary") {
			t.Fatalf("422 does not name summary: %s", p.Text())
		}
		ta.API("POST", "/api/v1/reports", "", `{"summary": "x", bad`).Want(t, 400).Problem(t)
		big := `{"summary": "big", "details": "` + strings.Repeat("A", 2<<20) + `"}`
		ta.API("POST", "/api/v1/reports", "", big).Want(t, 413).Problem(t)
		res = ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": "After the rejected ones"}).Want(t, 201)
		res.JSON(t, &body)
		if body["id"] != "OSS-SIRT-2026-0002" {
			t.Fatalf("rejected input used a number: next id %v", body["id"])
		}

		// Reading: the team yes; a member who is not the finder and the public no.
		ta.API("GET", "/api/v1/reports/"+rc.ID, resp, nil).Want(t, 200)
		if r := ta.API("GET", "/api/v1/reports/"+rc.ID, member, nil); r.StatusCode != 404 || bytes.Contains(r.Body, []byte("traversal")) {
			t.Fatalf("member GET: %d %s", r.StatusCode, r.Body)
		}
		ta.API("GET", "/api/v1/reports/"+rc.ID, "", nil).Want(t, 404, 401)
		ta.API("GET", "/api/v1/reports/"+rc.ID, "sirt_not-a-token", nil).Want(t, 401)
		res = ta.API("GET", "/api/v1/reports?q=traversal", resp, nil).Want(t, 200)
		if !bytes.Contains(res.Body, []byte(rc.ID)) || bytes.Contains(res.Body, []byte("OSS-SIRT-2026-0002")) {
			t.Fatalf("search: %s", res.Body)
		}

		// Triage through the API, with the acceptance body shape.
		res = ta.API("POST", "/api/v1/reports/"+rc.ID+"/triage", resp, map[string]any{
			"decision_points": map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}, "rationale": "Credible; supplier engaged."}).Want(t, 200)
		res.JSON(t, &body)
		if body["outcome"] != "track" {
			t.Fatalf("triage: %v", body)
		}
		ta.API("POST", "/api/v1/reports/"+rc.ID+"/triage", member, map[string]any{"decision_points": map[string]string{"RP": "N"}}).Want(t, 404)
		ta.API("GET", "/api/v1/ssvc/coordinator-triage", "", nil).Want(t, 200)
	})
}

func TestReportRateLimit(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	codes := map[int]int{}
	var retry string
	for i := 0; i < 55; i++ {
		r := ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": fmt.Sprintf("report %d", i)})
		codes[r.StatusCode]++
		if r.StatusCode == 429 {
			retry = r.Header.Get("Retry-After")
			r.Problem(t)
		}
	}
	if codes[201] != 50 || codes[429] != 5 || retry == "" {
		t.Fatalf("codes %v, Retry-After %q; want 50 accepted then 429 with Retry-After", codes, retry)
	}
}

func TestReportFormTrackingPageAndStaffView(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		anon := ta.Browser()
		// The form page works without an account.
		if r := anon.Get("/report"); r.StatusCode != 200 || !bytes.Contains(r.Body, []byte(`name="summary"`)) {
			t.Fatalf("GET /report: %d", r.StatusCode)
		}
		// A missing summary re-renders the form with the message beside the field.
		r := anon.Post("/report", url.Values{"details": {"no summary"}})
		if r.StatusCode != 422 || !bytes.Contains(r.Body, []byte("e-summary")) || !bytes.Contains(r.Body, []byte("no summary")) {
			t.Fatalf("form without summary: %d", r.StatusCode)
		}
		// Multipart with a file.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"summary": "Stored XSS in wiki-lite", "details": "A page title with <script> runs in every viewer's browser.",
			"ecosystem": "npm", "package_name": "wiki-lite", "versions": "3.1.0, 3.1.1", "reporter_email": "finder@example.org"} {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("attachments", "poc.html")
		_, _ = fw.Write([]byte("<script>alert(document.cookie)</script>"))
		mw.Close()
		req, _ := http.NewRequest("POST", ta.URL+"/report", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		hres, err := anon.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r = &testapp.Response{Response: hres}
		r.Body, _ = io.ReadAll(hres.Body)
		hres.Body.Close()
		if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/report/received/") {
			t.Fatalf("POST /report: %d %.300s", r.StatusCode, r.Body)
		}
		r = anon.Get(r.Header.Get("Location"))
		m := regexp.MustCompile(`id="tracking-link" href="([^"]+)"`).FindSubmatch(r.Body)
		if m == nil {
			t.Fatalf("thank-you page has no tracking link: %s", r.Body)
		}
		link := strings.TrimPrefix(string(m[1]), ta.URL)
		// The tracking page shows the report and its file, downloadable only as an attachment.
		r = ta.Browser().Get(link)
		if r.StatusCode != 200 || !bytes.Contains(r.Body, []byte("Stored XSS in wiki-lite")) {
			t.Fatalf("tracking page: %d", r.StatusCode)
		}
		fm := regexp.MustCompile(`href="(/track/[^"]+/files/\d+)"`).FindSubmatch(r.Body)
		if fm == nil {
			t.Fatal("tracking page lists no file")
		}
		f := ta.Browser().Get(string(fm[1]))
		if f.StatusCode != 200 || !strings.HasPrefix(f.Header.Get("Content-Disposition"), "attachment") ||
			f.Header.Get("Content-Type") != "application/octet-stream" || f.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("file download headers: %d %v", f.StatusCode, f.Header)
		}
		// The finder replies through the link.
		if r := ta.Browser().Post(link, url.Values{"body": {"Also affects 3.0.x."}}); r.StatusCode != 303 {
			t.Fatalf("finder reply: %d", r.StatusCode)
		}
		// The honeypot: a filled hidden field is thanked and dropped.
		_ = anon.Post("/report", url.Values{"summary": {"spam"}, "website": {"http://spam.example"}})

		// Staff: the queue lists the report; its page has the triage form; members are refused.
		staff := ta.Browser()
		staff.SignIn(ta.User(authz.RoleResponder))
		q := staff.Get("/reports")
		if q.StatusCode != 200 || !bytes.Contains(q.Body, []byte("Stored XSS in wiki-lite")) || bytes.Contains(q.Body, []byte(">spam<")) {
			t.Fatalf("queue: %d", q.StatusCode)
		}
		id := regexp.MustCompile(`/reports/(OSS-SIRT-\d{4}-\d{4})`).FindSubmatch(q.Body)
		if id == nil {
			t.Fatal("queue links no report")
		}
		page := staff.Get("/reports/" + string(id[1]))
		if page.StatusCode != 200 || !bytes.Contains(page.Body, []byte("Also affects 3.0.x.")) || !bytes.Contains(page.Body, []byte(`name="dp_RP"`)) {
			t.Fatalf("report page: %d", page.StatusCode)
		}
		form := url.Values{"rationale": {"Credible and the maintainer answers."}}
		for k, v := range map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"} {
			form.Set("dp_"+k, v)
		}
		if r := staff.Submit("/reports/"+string(id[1])+"/triage", form); r.StatusCode != 303 {
			t.Fatalf("triage form: %d %.300s", r.StatusCode, r.Body)
		}
		if r := staff.Get("/reports/" + string(id[1])); !bytes.Contains(r.Body, []byte("<strong>track</strong>")) {
			t.Fatal("report page does not show the outcome")
		}
		mem := ta.Browser()
		mem.SignIn(ta.User(authz.RoleMember))
		if r := mem.Get("/reports/" + string(id[1])); r.StatusCode != 404 {
			t.Fatalf("member sees the report page: %d", r.StatusCode)
		}
		if r := mem.Get("/reports"); r.StatusCode != 403 {
			t.Fatalf("member sees the queue: %d", r.StatusCode)
		}
	})
}

func TestPublicSite(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	if _, _, err := ta.App.EnsureTeamKey(ctx); err != nil {
		t.Fatal(err)
	}
	b := ta.Browser()
	r := b.Get("/.well-known/security.txt")
	body := string(r.Body)
	if r.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(body, "Contact: mailto:"+ta.App.Cfg.IntakeAddress) ||
		strings.Count(body, "Expires: ") != 1 || !strings.Contains(body, "Encryption: "+ta.URL+"/team-key.asc") {
		t.Fatalf("security.txt:\n%s", body)
	}
	if k := b.Get("/team-key.asc"); !bytes.Contains(k.Body, []byte("BEGIN PGP PUBLIC KEY BLOCK")) || bytes.Contains(k.Body, []byte("PRIVATE")) {
		t.Fatalf("team key: %s", k.Body)
	}
	if c := b.Get("/triage-criteria"); c.StatusCode != 200 || !bytes.Contains(c.Body, []byte("Supplier Contacted")) {
		t.Fatalf("criteria page: %d", c.StatusCode)
	}
	// Admins edit the public pages as Markdown; scripts are sanitized away.
	admin := ta.Browser()
	admin.SignIn(ta.User(authz.RoleAdmin))
	if r := admin.Submit("/admin/pages/services", url.Values{"text": {"# We help\n\n<script>alert(1)</script>\n\n**bold** <img src=x onerror=alert(2)>"}}); r.StatusCode != 303 {
		t.Fatalf("save page: %d", r.StatusCode)
	}
	p := b.Get("/services")
	if !bytes.Contains(p.Body, []byte("<strong>bold</strong>")) || bytes.Contains(p.Body, []byte("<script>alert")) || bytes.Contains(p.Body, []byte("onerror")) {
		t.Fatalf("services page: %s", p.Body)
	}
}

func TestReportAttachmentsAPI(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		staff := ta.Token(ta.User(authz.RoleResponder))
		member := ta.Token(ta.User(authz.RoleMember))
		r, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Files via the API"))
		if err != nil {
			t.Fatal(err)
		}
		_ = r
		upload := func(token string, files map[string][]byte) *testapp.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for name, data := range files {
				fw, _ := mw.CreateFormFile("attachments", name)
				_, _ = fw.Write(data)
			}
			mw.Close()
			req := ta.NewRequest("POST", "/api/v1/reports/"+rc.ID+"/attachments", nil)
			req.Body = io.NopCloser(&buf)
			req.ContentLength = int64(buf.Len())
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+token)
			return ta.Do(req)
		}
		res := upload(staff, map[string][]byte{"poc.py": []byte("print('boom')"), "../evil.html": []byte("<html><script>x</script>")})
		res.Want(t, 201)
		var out struct {
			Items []intake.Attachment `json:"items"`
		}
		res.JSON(t, &out)
		if len(out.Items) != 2 {
			t.Fatalf("uploaded: %s", res.Body)
		}
		for _, a := range out.Items {
			if strings.Contains(a.Filename, "/") || strings.Contains(a.ContentType, "html") {
				t.Fatalf("unsafe attachment kept: %+v", a)
			}
		}
		upload(member, map[string][]byte{"x.txt": []byte("x")}).Want(t, 404)
		ta.API("GET", "/api/v1/reports/"+rc.ID+"/attachments", member, nil).Want(t, 404)
		res = ta.API("GET", "/api/v1/reports/"+rc.ID+"/attachments", staff, nil).Want(t, 200)
		if !bytes.Contains(res.Body, []byte("poc.py")) {
			t.Fatalf("list: %s", res.Body)
		}
		// Eleven files are one too many.
		many := map[string][]byte{}
		for i := 0; i < 11; i++ {
			many[fmt.Sprintf("f%d.txt", i)] = []byte("x")
		}
		p := upload(staff, many).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "attachments") {
			t.Fatalf("11 files: %s", p.Text())
		}
	})
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		post := func(key, summary string) *testapp.Response {
			req := ta.NewRequest("POST", "/api/v1/reports", map[string]any{"summary": summary})
			req.Header.Set("Idempotency-Key", key)
			return ta.Do(req)
		}
		var a, b map[string]any
		post("retry-1", "Same report, sent twice").Want(t, 201).JSON(t, &a)
		r := post("retry-1", "Same report, sent twice").Want(t, 201)
		r.JSON(t, &b)
		if a["id"] != b["id"] || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry made a new report: %v then %v", a["id"], b["id"])
		}
		// Anonymous callers: a different body is a different scope (a new report).
		var other map[string]any
		post("retry-1", "A different report under the same key").Want(t, 201).JSON(t, &other)
		if other["id"] == a["id"] {
			t.Fatal("a different anonymous report under the same key got the first answer")
		}
		var c map[string]any
		post("retry-2", "Same report, sent twice").Want(t, 201).JSON(t, &c)
		if c["id"] == a["id"] {
			t.Fatal("a new key replayed the old answer")
		}
		if n, _ := ta.App.Intake.List(ctx, authz.System("test"), intake.Query{}); len(n) != 3 {
			t.Fatalf("%d reports, want 3", len(n))
		}
	})
}

func TestAdminsEditTemplates(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	admin := ta.Browser()
	admin.SignIn(ta.User(authz.RoleAdmin))
	if r := admin.Get("/admin/templates"); r.StatusCode != 200 || !bytes.Contains(r.Body, []byte("acknowledgement_no_contact")) {
		t.Fatalf("templates page: %d", r.StatusCode)
	}
	// A key the data never has is refused when saving, naming it.
	r := admin.Submit("/admin/templates/acknowledgement", url.Values{"subject": {"Got {{.TrackingID}}"}, "body": {"Dear {{.FinderShoeSize}}"}})
	if r.StatusCode != 422 || !bytes.Contains(r.Body, []byte("FinderShoeSize")) {
		t.Fatalf("bad template: %d", r.StatusCode)
	}
	if r := admin.Submit("/admin/templates/acknowledgement_no_contact", url.Values{"subject": {"Got {{.TrackingID}}"}, "body": {"Your id is {{.TrackingID}}. Keep your link safe."}}); r.StatusCode != 303 {
		t.Fatalf("save: %d", r.StatusCode)
	}
	_, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Uses the edited template"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ta.App.Intake.Track(ctx, trackToken(rc.TrackingURL))
	if err != nil || len(tr.Messages) != 1 || tr.Messages[0].Body != "Your id is "+rc.ID+". Keep your link safe." {
		t.Fatalf("acknowledgement with the edited template: %v %+v", err, tr.Messages)
	}
	responder := ta.Browser()
	responder.SignIn(ta.User(authz.RoleResponder))
	if r := responder.Submit("/admin/templates/acknowledgement", url.Values{"subject": {"x"}, "body": {"y"}}); r.StatusCode != 403 {
		t.Fatalf("a responder edited a template: %d", r.StatusCode)
	}
}

// A report form with a 5 MiB file goes through (forms with files may carry 10 MiB); an
// 11 MiB one is refused with a message, not a broken page.
func TestReportFormLargeFile(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	send := func(size int) *testapp.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("summary", "Large proof of concept")
		fw, _ := mw.CreateFormFile("attachments", "core.dump")
		_, _ = fw.Write(bytes.Repeat([]byte{7}, size))
		mw.Close()
		req, _ := http.NewRequest("POST", ta.URL+"/report", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := ta.Browser().Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r := &testapp.Response{Response: res}
		r.Body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		return r
	}
	if r := send(5 << 20); r.StatusCode != 303 {
		t.Fatalf("5 MiB file: %d %.200s", r.StatusCode, r.Body)
	}
	if r := send(11 << 20); r.StatusCode != 413 {
		t.Fatalf("11 MiB file: %d", r.StatusCode)
	}
}
