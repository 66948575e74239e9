package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// signIn signs the browser in through the form (no TOTP).
func (s *steps) signIn(base, email, password string) {
	s.t.Helper()
	s.do("sign-in-"+strings.Split(email, "@")[0],
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`header form[action="/logout"]`)),
	)
}

// waitText waits until the element matched by sel contains text (after a form post the
// old page is still there for a moment, so waiting for an element is not enough).
func (s *steps) waitText(name, sel, text string) {
	s.t.Helper()
	expr := `(() => { const e = document.querySelector(` + strconvQuote(sel) + `); return !!e && e.innerText.includes(` + strconvQuote(text) + `) })()`
	var err error
	// Bounded: the page may still be navigating (the poll then fails and is retried).
	for i := 0; i < 40; i++ {
		if _, err = chromedp.Run(s.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(2*time.Second))); err == nil {
			s.shot(name)
			return
		}
		if s.ctx.Err() != nil {
			break
		}
	}
	s.t.Fatalf("%s: %q never showed %q: %v", name, sel, text, err)
}

// act runs actions that leave the page navigating (a form post): no screenshot, since
// capturing a page while it is being replaced can hang; waitText takes it afterwards.
func (s *steps) act(name string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
}

func strconvQuote(v string) string { b, _ := json.Marshal(v); return string(b) }

func (s *steps) signOut() {
	s.t.Helper()
	s.do("signed-out",
		chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
}

// TestDraftApprovePublishAdvisory: a responder drafts an advisory in the browser, a
// second responder approves and publishes it, and it appears on the public pages and
// the OSV endpoint — which did not know it before.
func TestDraftApprovePublishAdvisory(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	const pw = "a responder passphrase"
	ta.UserWith(account.NewUser{Email: "author@example.org", Role: authz.RoleResponder, Password: pw})
	ta.UserWith(account.NewUser{Email: "reviewer@example.org", Role: authz.RoleResponder, Password: pw})
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}

	s.signIn(ta.URL, "author@example.org", pw)
	s.do("new-draft",
		chromedp.Navigate(ta.URL+"/staff/advisories"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/staff/advisories"] #f-summary`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/staff/advisories"] #f-summary`), "Path traversal in tar-lite archive extraction"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/staff/advisories"] #f-title`), "tar-lite: path traversal"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/staff/advisories"] #f-details`), "Entries named `../x` are written outside the target directory. Upgrade to 1.2.1."),
		chromedp.Click(chromedp.CSS(`form[action="/staff/advisories"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-affected`)),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	page := strings.SplitN(loc, "?", 2)[0]
	id := page[strings.LastIndex(page, "/")+1:]
	s.act("draft-edited",
		chromedp.SetValue(chromedp.CSS(`#f-affected`), `[{"package": {"ecosystem": "npm", "name": "tar-lite"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.1"}]}]}]`),
		chromedp.SetValue(chromedp.CSS(`#f-cvss_v3`), "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N"),
		chromedp.SetValue(chromedp.CSS(`#f-references`), "ADVISORY https://example.org/tar-lite/security\nFIX https://example.org/tar-lite/commit/1"),
		chromedp.Click(chromedp.CSS(`form[action="/staff/advisories/`+id+`"] button[type=submit]`)),
	)
	s.waitText("saved", ".facts", "6.5") // the CVSS v3.1 score, computed by sirt
	s.act("submit", chromedp.Submit(chromedp.CSS(`form[action="/staff/advisories/`+id+`/submit"] button`)))
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", ta.Logs.String())
		}
	}()
	s.waitText("submitted", ".facts", "review")
	if got := s.text(`section[aria-labelledby="wf-h"]`); strings.Contains(got, "Approve") {
		t.Fatalf("the author is offered to approve their own advisory: %q", got)
	}
	// Not public yet, even by a guessed URL.
	if code := httpStatus(t, ta.URL+"/advisories/"+id); code != 404 {
		t.Fatalf("draft public page: %d", code)
	}
	s.signOut()

	s.signIn(ta.URL, "reviewer@example.org", pw)
	s.act("approve",
		chromedp.Navigate(ta.URL+"/staff/advisories/"+id),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/staff/advisories/`+id+`/approve"]`)),
		chromedp.Submit(chromedp.CSS(`form[action="/staff/advisories/`+id+`/approve"] button`)),
	)
	s.waitText("approved", ".facts", "approved")
	s.act("publish", chromedp.Submit(chromedp.CSS(`form[action="/staff/advisories/`+id+`/publish"] button`)))
	s.waitText("published", ".facts", "published")
	s.do("public-index",
		chromedp.Navigate(ta.URL+"/advisories"),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if got := s.text(`main`); !strings.Contains(got, "tar-lite") {
		t.Fatalf("public index after publication: %q", got)
	}
	s.do("public-page",
		chromedp.Navigate(ta.URL+"/advisories/"+id),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if got := s.text(`main`); !strings.Contains(got, "outside the target directory") {
		t.Fatalf("public advisory page: %q", got)
	}
	if code := httpStatus(t, ta.URL+"/osv/x_"+id+".json"); code != 200 {
		t.Fatalf("OSV record after publication: %d", code)
	}
}

func httpStatus(t *testing.T, u string) int {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
