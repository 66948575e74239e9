package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestApplyAndPipeline: someone applies on the public form (a refused attempt keeps
// what they typed), the programme manager finds them in the pipeline, records the
// interview and references and moves them stage by stage to onboarded; the new
// responder then appears on the on-call rotation. Screenshots at 1280 and 390 px.
func TestApplyAndPipeline(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	const password = "a programme manager passphrase"
	pm := ta.UserWith(account.NewUser{Email: "pat@example.org", Name: "Pat PgM", Role: authz.RolePgM, Password: password})
	cohort, err := ta.App.People.CreateCohort(context.Background(), pm.Actor(), people.NewCohort{Name: "Autumn 2026", StartsOn: "2026-09-01"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}

	for _, width := range []int64{1280, 390} {
		s.do(fmt.Sprintf("apply-form-%d", width),
			chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(ta.URL+"/apply"),
			chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		)
		noSidewaysScroll(t, s, "/apply", width)
	}
	s.do("apply-refused",
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Volunteer"),
		chromedp.SetValue(chromedp.CSS(`#f-email`), "ada at example"),
		chromedp.SetValue(chromedp.CSS(`#f-role`), "security-buddy"),
		chromedp.SendKeys(chromedp.CSS(`#f-motivation`), "I maintain a parser library."),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/apply"]').noValidate = true`),
		chromedp.Click(chromedp.CSS(`form[action="/apply"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	if v := s.value(`#f-name`); v != "Ada Volunteer" {
		t.Errorf("the refused form lost the name: %q", v)
	}
	if v := s.value(`#f-motivation`); v != "I maintain a parser library." {
		t.Errorf("the refused form lost the motivation: %q", v)
	}
	s.do("applied",
		chromedp.SetValue(chromedp.CSS(`#f-email`), "ada@example.net"),
		chromedp.Click(chromedp.CSS(`form[action="/apply"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Application received")]`)),
	)

	s.do("sign-in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "pat@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/people/candidates"]`)),
	)
	s.do("candidates",
		chromedp.Click(chromedp.CSS(`nav a[href="/people/candidates"]`)),
		chromedp.WaitVisible(chromedp.Search(`//main//table//a[.="Ada Volunteer"]`)),
		chromedp.Click(chromedp.Search(`//main//table//a[.="Ada Volunteer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/stage"]`)),
	)
	move := func(name string) {
		t.Helper()
		s.do(name,
			clickAndLoad(`form[action$="/stage"] button[type=submit]`), // returns once the page the POST leads to has loaded (the old page has a .flash too)
			chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		)
	}
	note := func(name, kind, body string) {
		t.Helper()
		s.do(name,
			chromedp.SetValue(chromedp.CSS(`#f-kind`), kind),
			chromedp.SendKeys(chromedp.CSS(`#f-body`), body),
			clickAndLoad(`form[action$="/notes"] button[type=submit]`), // returns once the page the POST leads to has loaded (the old page has a .flash too)
			chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		)
	}
	move("screened")
	// Interviewed without notes: the page says what is missing (409) and keeps the form.
	s.do("interview-missing",
		clickAndLoad(`form[action$="/stage"] button[type=submit]`), // returns once the page the POST leads to has loaded (the old page has a .flash too)
		chromedp.WaitVisible(chromedp.CSS(`p.error`)),
	)
	if got := s.text(`p.error`); !strings.Contains(got, "interview") {
		t.Errorf("the refusal does not name the missing interview notes: %q", got)
	}
	note("interview-note", "interview", "Strong on triage; knows CVSS and SSVC.")
	move("interviewed")
	note("reference", "reference", "Two maintainers vouch for her.")
	move("vetted")
	if got := s.text(`.flash`); !strings.Contains(got, "/apply/agreements/") {
		t.Errorf("vetting does not give the agreements link: %q", got)
	}
	move("agreements-signed") // no agreements are defined in this test, so none are missing
	s.do("selected",
		chromedp.SetValue(chromedp.CSS(`#f-cohort_id`), fmt.Sprint(cohort.ID)),
		clickAndLoad(`form[action$="/stage"] button[type=submit]`), // returns once the page the POST leads to has loaded (the old page has a .flash too)
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	move("onboarded")
	for _, width := range []int64{1280, 390} {
		s.do(fmt.Sprintf("candidate-%d", width),
			chromedp.EmulateViewport(width, 900),
			chromedp.Reload(),
			chromedp.WaitVisible(chromedp.CSS(`main h1`)),
		)
		noSidewaysScroll(t, s, "the candidate page", width)
	}
	if got := s.text(`main`); !strings.Contains(got, "stage onboarded") || !strings.Contains(got, "Two maintainers vouch") {
		t.Errorf("the candidate page after onboarding: %.400q", got)
	}

	// The new responder joins the intake rotation and is on duty now.
	ada := ta.UserWith(account.NewUser{Email: "ada@example.net", Name: "Ada Volunteer", Role: authz.RoleResponder, Password: "ada's long passphrase"})
	if _, err := ta.App.People.CreateSchedule(context.Background(), pm.Actor(), people.NewSchedule{Name: "Intake duty", TimeZone: "Europe/Berlin",
		Handoff: people.HandoffWeekly, Start: "2026-01-05", Members: []string{ada.Email}}); err != nil {
		t.Fatal(err)
	}
	s.do("on-call",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(ta.URL+"/oncall"),
		chromedp.WaitVisible(chromedp.CSS(`main table`)),
	)
	if got := s.text(`main .lead`); !strings.Contains(got, "Ada Volunteer") {
		t.Errorf("on call now: %q", got)
	}
}

func noSidewaysScroll(t *testing.T, s *steps, what string, width int64) {
	t.Helper()
	overflow, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Errorf("%s scrolls sideways at %dpx", what, width)
	}
}
