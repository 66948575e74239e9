package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestFinderReportsAndResponderCoordinates: a finder files a report on the public form
// without an account and gets the private tracking link; a responder signs in, finds it
// in the queue and triages it with SSVC to Coordinate; the finder's tracking page shows
// the decision.
func TestFinderReportsAndResponderCoordinates(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	const password = "a responder passphrase"
	ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: password})
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}

	s.do("report-form",
		chromedp.Navigate(ta.URL+"/report"),
		chromedp.WaitVisible(chromedp.CSS(`#f-summary`)),
	)
	s.do("report-sent",
		chromedp.SendKeys(chromedp.CSS(`#f-summary`), "Path traversal in tar-lite archive extraction"),
		chromedp.SendKeys(chromedp.CSS(`#f-ecosystem`), "npm"),
		chromedp.SendKeys(chromedp.CSS(`#f-package_name`), "tar-lite"),
		chromedp.SendKeys(chromedp.CSS(`#f-versions`), "1.2.0"),
		chromedp.SendKeys(chromedp.CSS(`#f-details`), "An entry named ../../etc/cron.d/x is written outside the target directory."),
		chromedp.SendKeys(chromedp.CSS(`#f-reproduction`), "tar-lite x evil.tar"),
		chromedp.SendKeys(chromedp.CSS(`#f-reporter_email`), "ada@example.org"),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tracking-link`)),
	)
	link := s.text(`#tracking-link`)
	if !strings.HasPrefix(link, ta.URL+"/track/") {
		t.Fatalf("tracking link %q", link)
	}
	s.do("tracking-page",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`.facts`)),
	)
	if got := s.text(`main`); !strings.Contains(got, "Path traversal in tar-lite") || !strings.Contains(got, "acknowledged") {
		t.Fatalf("tracking page: %q", got)
	}

	s.do("sign-in",
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ray@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/reports"]`)),
	)
	s.do("queue",
		chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table a[href^="/reports/OSS-SIRT-"]`)),
	)
	s.do("report-page",
		chromedp.Click(chromedp.CSS(`main table a[href^="/reports/OSS-SIRT-"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/triage"]`)),
	)
	// A row of the CERT/CC table whose outcome is Coordinate.
	var clicks []chromedp.Action[chromedp.Void]
	for k, v := range map[string]string{"RP": "Y", "SCON": "N", "RC": "NC", "SC": "M", "SE": "A", "U": "S", "PSI": "S"} {
		clicks = append(clicks, chromedp.Click(chromedp.CSS(`input[name="dp_`+k+`"][value="`+v+`"]`)))
	}
	clicks = append(clicks,
		chromedp.SendKeys(chromedp.CSS(`#f-rationale`), "Public, several suppliers, nobody contacted them yet: we coordinate."),
		chromedp.Click(chromedp.CSS(`form[action$="/triage"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	s.do("triaged", clicks...)
	if got := s.text(`.facts`); !strings.Contains(got, "coordinate") {
		t.Fatalf("report facts after triage: %q", got)
	}
	s.do("finder-sees-decision",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`.facts`)),
	)
	if got := s.text(`.facts`); !strings.Contains(got, "coordinate") {
		t.Fatalf("finder's tracking page after triage: %q", got)
	}
}
