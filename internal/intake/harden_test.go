package intake_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// countReports counts every stored report (and attachment).
func countReports(t *testing.T, d *db.DB) (reports, files int) {
	t.Helper()
	if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM reports").Scan(&reports); err != nil {
		t.Fatal(err)
	}
	if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM attachments").Scan(&files); err != nil {
		t.Fatal(err)
	}
	return
}

func postMultipart(t *testing.T, b *testapp.Browser, url string, fields map[string]string, files map[string][]byte) *testapp.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	// The file first: the fields after it must be kept too.
	for name, data := range files {
		fw, _ := mw.CreateFormFile("attachments", name)
		_, _ = fw.Write(data)
	}
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r := &testapp.Response{Response: res}
	r.Body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	return r
}

// A report and its files are one transaction: a file over the limit refuses the
// whole form (413), shows it again with every field kept and the error at the file
// field, and stores nothing. The API's upload answers 413 too.
func TestOversizedFileRefusesTheWholeReport(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		fields := map[string]string{"summary": "Heap overflow in png-lite", "details": "Decoder writes past the row buffer.",
			"reproduction": "Open the attached file.", "reporter_email": "finder@example.org", "package_name": "png-lite", "versions": "2.0.1"}
		r := postMultipart(t, ta.Browser(), ta.URL+"/report", fields, map[string][]byte{"poc.png": bytes.Repeat([]byte{1}, 10<<20+1)})
		if r.StatusCode != 413 {
			t.Fatalf("10 MiB + 1 byte file: %d, want 413 and the form again", r.StatusCode)
		}
		for _, v := range []string{"Heap overflow in png-lite", "Decoder writes past the row buffer.", "Open the attached file.", "finder@example.org", "png-lite", "2.0.1"} {
			if !bytes.Contains(r.Body, []byte(v)) {
				t.Errorf("the form shown again lost %q", v)
			}
		}
		if !bytes.Contains(r.Body, []byte("poc.png is larger than the limit")) {
			t.Errorf("no error at the file field: %.2000s", r.Body)
		}
		if n, f := countReports(t, d); n != 0 || f != 0 {
			t.Fatalf("a refused form stored %d reports and %d files", n, f)
		}
		// Far over the body limit: still the form again, with the fields read.
		r = postMultipart(t, ta.Browser(), ta.URL+"/report", fields, map[string][]byte{"huge.bin": bytes.Repeat([]byte{1}, 50<<20)})
		if r.StatusCode != 413 || !bytes.Contains(r.Body, []byte(`name="summary"`)) {
			t.Fatalf("50 MiB form: %d", r.StatusCode)
		}
		if n, _ := countReports(t, d); n != 0 {
			t.Fatalf("a refused form stored %d reports", n)
		}
		// Within the limit: the report and its file together.
		r = postMultipart(t, ta.Browser(), ta.URL+"/report", fields, map[string][]byte{"poc.png": bytes.Repeat([]byte{1}, 10<<20)})
		if r.StatusCode != 303 {
			t.Fatalf("10 MiB file: %d %.300s", r.StatusCode, r.Body)
		}
		if n, f := countReports(t, d); n != 1 || f != 1 {
			t.Fatalf("stored %d reports and %d files, want 1 and 1", n, f)
		}

		// A signed-in finder's form (its CSRF token read first) works the same way.
		member := ta.Browser()
		member.SignIn(ta.User(authz.RoleMember))
		fields["csrf"] = member.CSRF()
		r = postMultipart(t, member, ta.URL+"/report", fields, map[string][]byte{"poc.png": bytes.Repeat([]byte{1}, 10<<20+1)})
		if r.StatusCode != 413 || !bytes.Contains(r.Body, []byte("finder@example.org")) || !bytes.Contains(r.Body, []byte("poc.png is larger than the limit")) {
			t.Fatalf("signed-in form with a file too large: %d", r.StatusCode)
		}
		r = postMultipart(t, member, ta.URL+"/report", fields, map[string][]byte{"poc.png": []byte("small")})
		if r.StatusCode != 303 {
			t.Fatalf("signed-in form with a file: %d %.500s", r.StatusCode, r.Body)
		}
		if n, f := countReports(t, d); n != 2 || f != 2 {
			t.Fatalf("stored %d reports and %d files, want 2 and 2", n, f)
		}
		delete(fields, "csrf")

		// The API: 413 for a file over the limit, nothing attached.
		_, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), "api", sub("Report for uploads"))
		if err != nil {
			t.Fatal(err)
		}
		tok := ta.Token(ta.User(authz.RoleResponder))
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("attachments", "big.bin")
		_, _ = fw.Write(bytes.Repeat([]byte{2}, 10<<20+1))
		mw.Close()
		req, _ := http.NewRequest("POST", ta.URL+"/api/v1/reports/"+rc.ID+"/attachments", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		res := ta.Do(req)
		if res.StatusCode != 413 || !strings.Contains(res.Problem(t).Text(), "attachments") {
			t.Fatalf("API upload of 10 MiB + 1: %d %.300s", res.StatusCode, res.Body)
		}
		if _, f := countReports(t, d); f != 2 {
			t.Fatalf("the refused upload stored a file: %d files", f)
		}
	})
}

// POST/redirect/GET: the report form answers with a redirect to the thank-you page;
// loading that page again (a refresh) files nothing.
func TestReportFormRedirectsSoARefreshFilesNothing(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		b := ta.Browser()
		for _, form := range []struct {
			path string
			v    url.Values
		}{
			{"/report", url.Values{"summary": {"SSRF in fetch-lite"}}},
			{"/help", url.Values{"summary": {"Maintainer needs help"}, "pathway": {"owner_needs_help"}}},
		} {
			r := b.Post(form.path, form.v)
			loc := r.Header.Get("Location")
			if r.StatusCode != 303 || !strings.HasPrefix(loc, "/report/received/") {
				t.Fatalf("POST %s: %d %q", form.path, r.StatusCode, loc)
			}
			for i := 0; i < 3; i++ {
				p := b.Get(loc)
				if p.StatusCode != 200 || !bytes.Contains(p.Body, []byte(`id="tracking-link"`)) || !bytes.Contains(p.Body, []byte(ta.URL+"/track/")) {
					t.Fatalf("thank-you page: %d", p.StatusCode)
				}
			}
		}
		if n, _ := countReports(t, d); n != 2 {
			t.Fatalf("%d reports after two forms and refreshes, want 2", n)
		}
		if r := b.Get("/report/received/not-a-token"); r.StatusCode != 404 {
			t.Fatalf("thank-you page for a made-up token: %d", r.StatusCode)
		}
	})
}

// Text that is not clean UTF-8 is refused by name, never changed: bytes FF FE, NUL and
// other control characters, from the API (raw bytes and \u escapes) and the form.
func TestControlCharactersAndInvalidUTF8AreRefusedByName(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		for _, c := range []struct{ name, body, field string }{
			{"FF FE in summary", "{\"summary\": \"Overflow \xff\xfe here\"}", "summary"},
			{"NUL escape in details", `{"summary": "Overflow", "details": "a\u0000b"}`, "details"},
			{"raw bell in reporter name", `{"summary": "Overflow", "reporter": {"name": "Ada\u0007"}}`, "reporter.name"},
			{"escape sequence in a version", `{"summary": "Overflow", "affected": [{"package": {"name": "x"}, "versions": ["1\u001b[2J"]}]}`, "affected[0].versions[0]"},
		} {
			r := ta.API("POST", "/api/v1/reports", "", c.body)
			if r.StatusCode != 422 {
				t.Errorf("%s: %d %s, want 422", c.name, r.StatusCode, r.Body)
				continue
			}
			if p := r.Problem(t); !strings.Contains(p.Text(), c.field) {
				t.Errorf("%s: problem does not name %s: %s", c.name, c.field, p.Text())
			}
		}
		// Tab, newline and carriage return are text.
		ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": "Overflow", "details": "line 1\r\n\tline 2"}).Want(t, 201)

		// The form: NUL in details is refused with the form kept.
		r := ta.Browser().Post("/report", url.Values{"summary": {"Form with NUL"}, "details": {"before\x00after"}})
		if r.StatusCode != 422 || !bytes.Contains(r.Body, []byte("control character U&#43;0000")) || !bytes.Contains(r.Body, []byte("Form with NUL")) {
			t.Fatalf("form with NUL: %d %.1500s", r.StatusCode, r.Body)
		}
		r = ta.Browser().Post("/report", url.Values{"summary": {"Form with \xff\xfe"}})
		if r.StatusCode != 422 || !bytes.Contains(r.Body, []byte("not valid UTF-8")) {
			t.Fatalf("form with FF FE: %d", r.StatusCode)
		}
		if n, _ := countReports(t, d); n != 1 {
			t.Fatalf("%d reports stored, want 1 (only the clean one)", n)
		}
	})
}

// Mail is never refused for bytes that are not text: the report shows them visibly
// replaced, says so, and keeps the message exactly as it arrived as a file.
func TestMailWithControlBytesIsKeptFaithfully(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		raw := []byte("From: Finder <finder@example.org>\r\nTo: " + ta.App.Cfg.IntakeAddress + "\r\nSubject: Crash on \x1b[2J input\r\n" +
			"Message-ID: <odd-bytes@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			"The parser dies on \x00 and \xff\xfe bytes.\r\n")
		if err := ta.App.Intake.Deliver(ctx, "finder@example.org", []string{ta.App.Cfg.IntakeAddress}, raw); err != nil {
			t.Fatal(err)
		}
		drain(t, ta)
		resp := ta.User(authz.RoleResponder).Actor()
		rs, err := ta.App.Intake.List(ctx, resp, intake.Query{})
		if err != nil || len(rs) != 1 {
			t.Fatalf("mail with control bytes: %v reports, %v", len(rs), err)
		}
		r, _ := ta.App.Intake.Get(ctx, resp, rs[0].PublicID)
		if !strings.Contains(r.Summary, "\u241b[2J") || !strings.Contains(r.Details, "dies on \u2400 and \ufffd\ufffd bytes") ||
			!strings.Contains(r.Details, "original-message.eml") {
			t.Fatalf("report text: %q / %q", r.Summary, r.Details)
		}
		as, _ := ta.App.Intake.Attachments(ctx, r)
		var kept []byte
		for _, a := range as {
			if a.Filename == "original-message.eml" {
				f, err := ta.App.Intake.Files().Open(a.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				kept, _ = io.ReadAll(f)
				f.Close()
			}
		}
		if !bytes.Equal(kept, raw) {
			t.Fatalf("the original message is not kept byte for byte (%d attachments)", len(as))
		}
	})
}

// Triage to Coordinate and the case it opens are one transaction: when opening the
// case fails (here after the case rows were written, as a crash would), the decision
// is not recorded either, and nothing of the case is left.
func TestCoordinateAndItsCaseAreOneTransaction(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		r, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Needs coordinating, twice"))
		in := intake.TriageInput{DecisionPoints: map[string]string{"RP": "Y", "SCON": "N", "RC": "NC", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}}
		var events, outbox int
		count := func() (int, int) {
			var e, o int
			_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM events").Scan(&e)
			_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox").Scan(&o)
			return e, o
		}
		events, outbox = count()
		ta.App.Intake.SetOpenCase(func(ctx context.Context, q db.Querier, a authz.Actor, id string) (string, error) {
			if _, err := ta.App.Cases.OpenFromReportTx(ctx, q, a, id); err != nil {
				return "", err
			}
			return "", errors.New("the process died while opening the case")
		})
		if _, err := ta.App.Intake.Triage(ctx, resp.Actor(), r.PublicID, in); err == nil {
			t.Fatal("triage succeeded although its case could not be opened")
		}
		got, _ := ta.App.Intake.Get(ctx, resp.Actor(), r.PublicID)
		if got.State != intake.StateAcknowledged || got.Outcome != "" || got.TriagedAt != nil {
			t.Fatalf("the failed triage was committed: state %s outcome %q", got.State, got.Outcome)
		}
		if _, err := ta.App.Cases.Get(ctx, resp.Actor(), r.PublicID); err == nil {
			t.Fatal("the case of the failed triage exists")
		}
		if e, o := count(); e != events || o != outbox {
			t.Fatalf("the failed triage left %d events and %d outbox rows", e-events, o-outbox)
		}
		// With case opening working again, the same decision goes through with its case.
		ta.App.Intake.SetOpenCase(ta.App.Cases.OpenFromReportTx)
		dec, err := ta.App.Intake.Triage(ctx, resp.Actor(), r.PublicID, in)
		if err != nil || dec.Case != r.PublicID {
			t.Fatalf("triage: %v %+v", err, dec)
		}
		if _, err := ta.App.Cases.Get(ctx, resp.Actor(), r.PublicID); err != nil {
			t.Fatalf("the case: %v", err)
		}
	})
}
