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

// TestEngagementSpotCheckRetrospective: a programme manager adds a project, starts an
// engagement with themselves as buddy, makes it active, logs a spot-check, closes it
// and reads the retrospective — on a desktop and on a phone-sized screen.
func TestEngagementSpotCheckRetrospective(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	const password = "a programme manager passphrase"
	ta.UserWith(account.NewUser{Email: "pat@example.org", Name: "Pat PgM", Role: authz.RolePgM, Password: password})
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}

	s.do("sign-in",
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "pat@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/engagements"]`)),
	)
	// A refused form keeps what was typed.
	s.do("project-refused",
		chromedp.Navigate(ta.URL+"/projects"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "yaml-tiny"),
		chromedp.SetValue(chromedp.CSS(`#f-repo_url`), "not a url"),
		clickAndLoad(`form[action="/projects"] button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`.errors`)),
	)
	if got := s.value(`#f-name`); got != "yaml-tiny" {
		t.Errorf("the refused form lost the name: %q", got)
	}
	s.do("project-added",
		chromedp.SetValue(chromedp.CSS(`#f-repo_url`), "https://git.example.org/yaml-tiny"),
		chromedp.SendKeys(chromedp.CSS(`#f-ecosystem`), "npm"),
		clickAndLoad(`form[action="/projects"] button[type=submit]`),
		chromedp.WaitVisible(flash("Project added.")),
	)
	s.do("engagement-created",
		chromedp.Navigate(ta.URL+"/engagements"),
		chromedp.WaitVisible(chromedp.CSS(`#f-buddy`)),
		chromedp.SendKeys(chromedp.CSS(`#f-buddy`), "pat@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-goals`), "Signed releases and branch protection."),
		clickAndLoad(`form[method="post"][action="/engagements"] button[type=submit]`),
		chromedp.WaitVisible(flash("Engagement created.")),
		chromedp.WaitVisible(chromedp.CSS(`#f-to`)),
	)
	s.do("active",
		chromedp.SetValue(chromedp.CSS(`#f-to`), "active"),
		clickAndLoad(`form[action$="/stage"] button[type=submit]`),
		chromedp.WaitVisible(flash("Status changed.")),
		chromedp.WaitVisible(chromedp.CSS(`#f-sc-notes`)),
	)
	if got := s.text(`main`); !strings.Contains(got, "0 / 13") {
		t.Errorf("the engagement does not show 13 planned spot-checks: %q", got)
	}
	s.do("spot-check",
		chromedp.SetValue(chromedp.CSS(`#f-sc-hours`), "1.5"),
		chromedp.SendKeys(chromedp.CSS(`#f-sc-notes`), "Reviewed the release signing set-up."),
		chromedp.SendKeys(chromedp.CSS(`#f-sc-risks`), "Branch protection missing on main."),
		clickAndLoad(`form[action$="/spot-checks"] button[type=submit]`),
		chromedp.WaitVisible(flash("Spot-check recorded.")),
	)
	if got := s.text(`main`); !strings.Contains(got, "1 / 13") || !strings.Contains(got, "Reviewed the release signing set-up.") {
		t.Errorf("after the spot-check: %q", got)
	}
	s.do("phone-engagement",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
	s.noSideScroll("engagement")
	s.do("closed",
		chromedp.EmulateViewport(1280, 1000),
		chromedp.SetValue(chromedp.CSS(`#f-to`), "closed"),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "Branch protection enabled; releases signed."),
		clickAndLoad(`form[action$="/stage"] button[type=submit]`),
		chromedp.WaitVisible(flash("Status changed.")),
		chromedp.WaitVisible(chromedp.Search(`//h1/span[contains(@class, "tag") and . = "closed"]`)),
	)
	s.do("retrospective",
		clickAndLoad(`a[href$="/retrospective"]`),
		chromedp.WaitVisible(chromedp.CSS(`article.retrospective h1`)),
	)
	got := s.text(`article.retrospective`)
	for _, want := range []string{"Retrospective: yaml-tiny", "1.5", "Reviewed the release signing set-up.", "Branch protection enabled; releases signed.", "What helped"} {
		if !strings.Contains(got, want) {
			t.Errorf("retrospective lacks %q: %q", want, got)
		}
	}
	s.do("phone-retrospective",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`article.retrospective h1`)),
	)
	s.noSideScroll("retrospective")
	s.do("phone-services",
		chromedp.Navigate(ta.URL+"/services"),
		chromedp.WaitVisible(chromedp.CSS(`article.sheet h1`)),
	)
	s.noSideScroll("services")
}

func (s *steps) value(sel string) string {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatalf("value %s: %v", sel, err)
	}
	return v
}

func (s *steps) noSideScroll(what string) {
	s.t.Helper()
	overflow, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		s.t.Fatal(err)
	}
	if overflow {
		s.t.Errorf("%s scrolls sideways at 390px", what)
	}
}
