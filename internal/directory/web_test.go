package directory_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// The pages work without JavaScript: forms post, refused forms come back with the
// user's input and the field's message, the progress page refreshes itself, members get
// 404.
func TestPagesWithoutJavaScript(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.startSMTP(t)
		caseID := f.openCase(t)
		b := f.ta.Browser()
		b.SignIn(f.resp)
		b.Get("/directory").Want(t, 200)
		r := b.Submit("/directory/orgs", url.Values{"name": {"Apache Logging"}, "kind": {"project"}, "emails": {"not an address"},
			"packages": {"pkg:maven/org.apache.logging.log4j/log4j-core"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), `value="Apache Logging"`) || !strings.Contains(string(r.Body), "contacts[0].email") {
			t.Errorf("refused form lost the input or the message: %.3000s", r.Body)
		}
		r = b.Submit("/directory/orgs", url.Values{"name": {"Apache Logging"}, "kind": {"project"}, "emails": {"security@logging.example.org\ncert@logging.example.org"},
			"packages": {"pkg:maven/org.apache.logging.log4j/log4j-core"}}).Want(t, 303)
		orgPath := r.Header.Get("Location")
		r = b.Get(orgPath).Want(t, 200)
		if !strings.Contains(string(r.Body), "cert@logging.example.org") {
			t.Errorf("org page: %.2000s", r.Body)
		}
		b.Submit(orgPath, url.Values{"name": {"Apache Logging PMC"}, "kind": {"project"}, "emails": {"security@logging.example.org"},
			"packages": {"pkg:maven/org.apache.logging.log4j/log4j-core"}}).Want(t, 303)
		b.Get("/directory?q=pmc").Want(t, 200)
		id := strings.TrimPrefix(orgPath, "/directory/orgs/")
		b.Get("/directory/export.csv").Want(t, 200)

		// The case's reach: the maintainer is suggested; one click invites it.
		r = b.Get("/cases/"+caseID+"/reach").Want(t, 200)
		if !strings.Contains(string(r.Body), "maintains pkg:maven/org.apache.logging.log4j/log4j-core") {
			t.Errorf("reach page has no suggestion: %.3000s", r.Body)
		}
		b.Submit("/cases/"+caseID+"/orgs", url.Values{"org": {id}}).Want(t, 303)
		b.Submit("/cases/"+caseID+"/orgs", url.Values{}).Want(t, 422)
		r = b.Submit("/cases/"+caseID+"/notifications", url.Values{"target": {"orgs"}, "org": {id}, "body": {"Keep this text"}}).Want(t, 422)
		if !strings.Contains(string(r.Body), "Keep this text") {
			t.Errorf("refused notification lost the body: %.3000s", r.Body)
		}
		r = b.Submit("/cases/"+caseID+"/notifications", url.Values{"target": {"orgs"}, "org": {id}, "subject": {"Notice"}, "body": {"Details"}}).Want(t, 303)
		np := r.Header.Get("Location")
		r = b.Get(np).Want(t, 200)
		if !strings.Contains(string(r.Body), `http-equiv="refresh"`) || !strings.Contains(string(r.Body), "<progress") || !strings.Contains(string(r.Body), "Reload now") {
			t.Errorf("pending notification page does not refresh itself: %.3000s", r.Body)
		}
		f.drain(t)
		r = b.Get(np).Want(t, 200)
		if strings.Contains(string(r.Body), `http-equiv="refresh"`) || !strings.Contains(string(r.Body), "Finished") {
			t.Errorf("finished notification page: %.3000s", r.Body)
		}
		b.Submit(np+"/retry", url.Values{}).Want(t, 303)

		// SIREN pages.
		b.Get("/siren").Want(t, 200)
		r = b.Submit("/siren/lists", url.Values{"name": {"distros"}}).Want(t, 303)
		lp := r.Header.Get("Location")
		b.Get(lp).Want(t, 200)
		m := f.ta.Browser()
		m.SignIn(f.ta.User(authz.RoleMember))
		m.Submit(lp+"/apply", url.Values{"organisation": {""}}).Want(t, 422)
		m.Submit(lp+"/apply", url.Values{"organisation": {"Distro"}}).Want(t, 303)

		// Members: nothing here.
		m.Get("/directory").Want(t, 404)
		m.Get(orgPath).Want(t, 404)
		m.Get("/cases/"+caseID+"/reach").Want(t, 404)
		m.Get(np).Want(t, 404)
		f.ta.Browser().Get(lp).Want(t, 200)
	})
}
