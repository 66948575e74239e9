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

// TestSurveyBuildAnswerResults: a programme manager builds a survey in the no-JS
// builder (a refused form keeps its input), answers it through its public link, a
// second, signed-out browser answers it too (and is thanked, not asked again, when it
// comes back), and the results page shows how far the answers affirm the statement —
// on a desktop and on a phone-sized screen.
func TestSurveyBuildAnswerResults(t *testing.T) {
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
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/surveys"]`)),
	)
	s.do("builder-refused",
		chromedp.Navigate(ta.URL+"/surveys/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-title`)),
		chromedp.SendKeys(chromedp.CSS(`#f-title`), "Maintainers and incidents"),
		chromedp.SetValue(chromedp.CSS(`#f-min_n`), "2"),
		chromedp.SendKeys(chromedp.CSS(`#f-statements`), "silos: Projects cannot reach each other when an incident spans ecosystems."),
		chromedp.SendKeys(chromedp.CSS(`#f-q0_key`), "q1"),
		chromedp.SendKeys(chromedp.CSS(`#f-q0_text`), "When a dependency has a vulnerability, I know whom to contact."),
		chromedp.SendKeys(chromedp.CSS(`#f-q0_statement`), "silo"), // a statement that does not exist
		chromedp.SetValue(chromedp.CSS(`#f-q0_polarity`), "disputes"),
		chromedp.SendKeys(chromedp.CSS(`#f-q1_key`), "q2"),
		chromedp.SetValue(chromedp.CSS(`#f-q1_kind`), "text"),
		chromedp.SendKeys(chromedp.CSS(`#f-q1_text`), "What would help you most?"),
		chromedp.SendKeys(chromedp.CSS(`#f-q1_statement`), "silos"),
		clickAndLoad(`form[action="/surveys"] button[type=submit]:not([name])`),
		chromedp.WaitVisible(chromedp.CSS(`.errors`)),
	)
	if got := s.value(`#f-q1_text`); got != "What would help you most?" {
		t.Errorf("the refused form lost a question: %q", got)
	}
	if got := s.text(`.errors`); !strings.Contains(got, "no problem statement") {
		t.Errorf("the error does not say what is wrong: %q", got)
	}
	s.do("builder-created",
		chromedp.SetValue(chromedp.CSS(`#f-q0_statement`), "silos"),
		clickAndLoad(`form[action="/surveys"] button[type=submit]:not([name])`),
		chromedp.WaitVisible(flash("Survey created.")),
		chromedp.WaitVisible(chromedp.CSS(`#public-link`)),
	)
	results, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](`document.querySelector('#public-link').href`))
	if err != nil || !strings.Contains(link, "/s/") {
		t.Fatalf("public link %q: %v", link, err)
	}
	// First answer: the programme manager's own browser (strongly disagrees: affirms silos).
	s.do("answer-1",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`input[name="q1"][value="1"]`)),
		chromedp.Click(chromedp.CSS(`input[name="q1"][value="1"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-q2`), "A directory of security contacts."),
		clickAndLoad(`form[action^="/s/"] button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#survey-thanks`)),
	)

	// Second answer: another, signed-out browser; coming back it is thanked, not asked again.
	ctx2, cancel2 := browser(t)
	s2 := &steps{t: t, ctx: ctx2, dir: s.dir, n: 50}
	s2.do("answer-2",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`input[name="q1"][value="2"]`)),
	)
	s2.noSideScroll("survey form")
	s2.do("answer-2-sent",
		chromedp.Click(chromedp.CSS(`input[name="q1"][value="2"]`)),
		clickAndLoad(`form[action^="/s/"] button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#survey-thanks`)),
	)
	s2.do("answer-2-again",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#survey-thanks`)),
	)
	cancel2()

	s.do("results",
		chromedp.Navigate(results),
		chromedp.WaitVisible(chromedp.CSS(`#statement-silos .result`)),
	)
	got := s.text(`#statement-silos`)
	for _, want := range []string{"n = 2", "affirm 2", "dispute 0", "mean 1.50", "A directory of security contacts."} {
		if !strings.Contains(got, want) {
			t.Errorf("the result of silos lacks %q: %q", want, got)
		}
	}
	if n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#statement-silos svg[role="img"] title').length`)); err != nil || n == 0 {
		t.Errorf("no accessible chart for the statement (%d, %v)", n, err)
	}
	s.do("phone-results",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#statement-silos .result`)),
	)
	s.noSideScroll("survey results")
	s.do("phone-builder",
		chromedp.Navigate(ta.URL+"/surveys/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-q0_key`)),
	)
	s.noSideScroll("survey builder")
}
