package engagements_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/engagements"
)

// The pages work without JavaScript: forms post, refused forms come back with the
// user's input and the field's message, members get 404.
func TestPagesWithoutJavaScript(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := f.ta.Browser()
		b.SignIn(f.pgm)
		b.Get("/projects").Want(t, 200)
		r := b.Submit("/projects", url.Values{"name": {"yaml-tiny"}, "repo_url": {"not a url"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), `value="yaml-tiny"`) || !strings.Contains(string(r.Body), "is not a web address") {
			t.Errorf("refused project form lost the input or the message: %.2000s", r.Body)
		}
		b.Submit("/projects", url.Values{"name": {"yaml-tiny"}, "repo_url": {"https://git.example.org/yaml-tiny"}}).Want(t, 303)
		var ps struct{ Items []engagements.Project }
		f.call(t, "GET", "/projects", f.tPgM, nil, 200).JSON(t, &ps)
		pid := fmt.Sprint(ps.Items[0].ID)
		r = b.Submit("/engagements", url.Values{"project_id": {pid}, "buddy": {"nobody@example.org"}, "origin": {"outreach"}, "goals": {"Keep me"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "Keep me") || !strings.Contains(string(r.Body), "there is no user nobody@example.org") {
			t.Errorf("refused engagement form: %.3000s", r.Body)
		}
		r = b.Submit("/engagements", url.Values{"project_id": {pid}, "buddy": {f.buddy.Email}, "origin": {"outreach"}}).Want(t, 303)
		loc := r.Header.Get("Location")
		path := loc // the flash travels in a cookie, not the URL
		r = b.Get(loc).Want(t, 200)
		if !strings.Contains(string(r.Body), `id="f-to"`) {
			t.Fatalf("detail page has no stage form: %.3000s", r.Body)
		}
		b.Submit(path+"/stage", url.Values{"to": {"active"}, "start": {"2026-03-02"}}).Want(t, 303)
		r = b.Submit(path+"/spot-checks", url.Values{"date": {"2026-03-02"}, "hours": {"lots"}, "notes": {"kept notes"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "kept notes") {
			t.Errorf("refused spot-check lost the notes")
		}
		b.Submit(path+"/spot-checks", url.Values{"date": {"2026-03-02"}, "hours": {"1,5"}, "notes": {"first look"}}).Want(t, 303)
		b.Submit(path+"/stage", url.Values{"to": {"contacting"}}).Want(t, 409)
		b.Submit(path+"/stage", url.Values{"to": {"closed"}, "reason": {"done"}}).Want(t, 303)
		r = b.Get(path+"/retrospective").Want(t, 200)
		if !strings.Contains(string(r.Body), "Retrospective: yaml-tiny") || !strings.Contains(string(r.Body), "1.5") {
			t.Errorf("retrospective page: %.2000s", r.Body)
		}
		b.Submit(path+"/retrospective", url.Values{"markdown": {"# Edited\n\n## What helped\n\nCalls."}}).Want(t, 303)
		if r = b.Get(path+"/retrospective/export/md").Want(t, 200); string(r.Body) != "# Edited\n\n## What helped\n\nCalls." {
			t.Errorf("export: %q", r.Body)
		}
		b.Get(path+"/retrospective/export/pdf").Want(t, 200)
		b.Get("/outreach").Want(t, 200)
		b.Submit("/outreach/channels", url.Values{"name": {"List"}, "kind": {"mailing_list"}}).Want(t, 303)
		b.Submit("/outreach/campaigns", url.Values{"name": {"Talk"}, "starts_on": {"2026-04-01"}, "contacts_reached": {"many"}}).Want(t, 422)

		m := f.ta.Browser()
		m.SignIn(f.member)
		m.Get(path).Want(t, 404)
		m.Get("/engagements").Want(t, 404)
		if r := m.Get("/dashboard"); strings.Contains(string(r.Body), `href="/engagements"`) {
			t.Error("a member sees the Engagements link")
		}

		// The services sheet: print styles, and a one-page PDF.
		anon := f.ta.Browser()
		r = anon.Get("/services").Want(t, 200)
		if !strings.Contains(string(r.Body), `href="/static/print.css" media="print"`) || !strings.Contains(string(r.Body), "How to reach us") {
			t.Errorf("services sheet: %.1500s", r.Body)
		}
		anon.Get("/static/print.css").Want(t, 200)
		r = anon.Get("/services.pdf").Want(t, 200)
		if !strings.HasPrefix(string(r.Body), "%PDF-") || strings.Count(string(r.Body), "/Type /Page\n") != 1 {
			t.Errorf("services.pdf is not a one-page PDF")
		}
	})
}
