package postmortem_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// The pages work without JavaScript: the case page offers a post-mortem once the case
// is public, forms post, refused forms come back with the user's input and the field's
// message, the author cannot approve, members get 404.
func TestPagesWithoutJavaScript(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		caseID := f.seededCase(t, nil)
		b := f.ta.Browser()
		b.SignIn(f.resp)
		if r := b.Get("/cases/"+caseID).Want(t, 200); strings.Contains(string(r.Body), "Start post-mortem") {
			t.Error("an open embargoed case offers a post-mortem")
		}
		f.call(t, "POST", "/cases/"+caseID+"/early-release", f.tResp, map[string]any{"reason": "fix shipped"}, 200)
		r := b.Get("/cases/"+caseID).Want(t, 200)
		if !strings.Contains(string(r.Body), `href="/postmortems/new?case=`+caseID+`"`) {
			t.Fatalf("the case page has no Start post-mortem link: %.3000s", r.Body)
		}
		r = b.Get("/postmortems/new?case="+caseID).Want(t, 200)
		if !strings.Contains(string(r.Body), `value="`+caseID+`"`) {
			t.Error("the new form does not carry the case id")
		}
		r = b.Submit("/postmortems", url.Values{"case_id": {"NOPE-1"}, "title": {"Keep this title"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "Keep this title") || !strings.Contains(string(r.Body), "there is no case") {
			t.Errorf("refused start lost the input or the message: %.3000s", r.Body)
		}
		r = b.Submit("/postmortems", url.Values{"case_id": {caseID}}).Want(t, 303)
		path := r.Header.Get("Location")
		r = b.Get(path).Want(t, 200)
		body := string(r.Body)
		for _, want := range []string{"Timeline", "Case opened", "f-went_well", `action="` + path + `/annotations"`, "Send for review", path + "/summary/pdf"} {
			if !strings.Contains(body, want) {
				t.Errorf("post-mortem page lacks %q", want)
			}
		}
		b.Submit(path, url.Values{"version": {"1"}, "title": {"Relsig"}, "summary": {"We fixed it."}, "lessons": {"Test empty lists."}}).Want(t, 303)
		r = b.Submit(path, url.Values{"version": {"2"}, "title": {""}, "summary": {"kept summary"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "kept summary") {
			t.Error("refused sections lost the input")
		}
		r = b.Submit(path, url.Values{"version": {"1"}, "summary": {"stale edit kept"}}).Want(t, 409)
		if !strings.Contains(string(r.Body), "stale edit kept") || !strings.Contains(string(r.Body), "changed by someone else") {
			t.Errorf("a stale edit lost the input or the reason: %.3000s", r.Body)
		}
		r = b.Submit(path+"/actions", url.Values{"title": {"Keep the action"}, "owner": {f.other.Email}, "due": {"soon"}, "kind": {"prevent"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "Keep the action") || !strings.Contains(string(r.Body), "is not a date") {
			t.Errorf("refused action lost the input or the message: %.3000s", r.Body)
		}
		b.Submit(path+"/actions", url.Values{"title": {"Keep the action"}, "owner": {f.other.Email}, "due": {"2027-01-15"}, "kind": {"prevent"}}).Want(t, 303)
		b.Submit(path+"/annotations", url.Values{"event_seq": {"1"}, "body": {""}}).Want(t, 422)
		b.Submit(path+"/review", url.Values{"do": {"submit"}}).Want(t, 303)
		b.Submit(path+"/review", url.Values{"do": {"approve"}}).Want(t, 403)
		o := f.ta.Browser()
		o.SignIn(f.other)
		o.Submit(path+"/review", url.Values{"do": {"approve"}}).Want(t, 303)
		if r = b.Get(path+"/summary/pdf").Want(t, 200); !strings.HasPrefix(string(r.Body), "%PDF-") {
			t.Error("the summary PDF is not a PDF")
		}
		if r = b.Get("/postmortems/lessons").Want(t, 200); !strings.Contains(string(r.Body), "Test empty lists.") {
			t.Errorf("lessons: %s", r.Body)
		}
		if r = b.Get("/postmortems").Want(t, 200); !strings.Contains(string(r.Body), "Relsig") {
			t.Error("the list lacks the post-mortem")
		}
		m := f.ta.Browser()
		m.SignIn(f.member)
		m.Get(path).Want(t, 404)
		m.Get("/postmortems").Want(t, 404)
	})
}
