package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestPlanImportTickAndLogHours: a programme manager uploads the Execution plan, ticks a
// task, logs hours, and sees the dashboard change; the TAC status page shows the same.
func TestPlanImportTickAndLogHours(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	const password = "a programme manager passphrase"
	ta.UserWith(account.NewUser{Email: "pat@example.org", Name: "Pat PgM", Role: authz.RolePgM, Password: password})
	seed, err := filepath.Abs("../internal/plan/testdata/seeds/000_a32800ffc5b0b592.txt")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}

	s.do("sign-in",
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "pat@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/plan"]`)),
	)
	s.do("empty-plan",
		chromedp.Click(chromedp.CSS(`nav a[href="/plan"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-file`)),
	)
	s.do("imported",
		chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{seed}),
		chromedp.Click(chromedp.CSS(`form[action="/plan/import"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-warnings`)),
	)
	if got := s.text(`main`); !strings.Contains(got, "version 1") || !strings.Contains(got, "23 milestones") {
		t.Fatalf("import result: %q", got)
	}
	s.do("dashboard",
		chromedp.Navigate(ta.URL+"/plan"),
		chromedp.WaitVisible(chromedp.CSS(`svg[role="img"]`)),
	)
	if got := s.text(`#tasks-done`); got != "0/25" {
		t.Fatalf("tasks done before: %q", got)
	}
	// 3.1 Tech Stack has tasks under its milestones.
	s.do("section-3.1",
		chromedp.Navigate(ta.URL+"/plan"),
		chromedp.WaitVisible(chromedp.CSS(`main table`)),
		chromedp.Click(chromedp.Search(`//main//table//a[starts-with(normalize-space(.), "3.1 ")]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action^="/plan/tasks/"] button`)),
	)
	s.do("ticked",
		chromedp.Click(chromedp.CSS(`form[action^="/plan/tasks/"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	s.do("log-hours",
		chromedp.Navigate(ta.URL+"/plan"),
		chromedp.WaitVisible(chromedp.CSS(`#f-hours`)),
		chromedp.SendKeys(chromedp.CSS(`#f-hours`), "2.5"),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "tech stack survey"),
		chromedp.Click(chromedp.CSS(`form[action="/plan/hours"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if got := s.text(`#tasks-done`); got != "1/25" {
		t.Errorf("tasks done after the tick: %q, want 1/25", got)
	}
	if got := s.text(`#hours-logged`); got != "2.5" {
		t.Errorf("hours logged: %q, want 2.5", got)
	}
	if got := s.text(`main`); !strings.Contains(got, "tech stack survey") {
		t.Errorf("recent hours do not show the note")
	}
	s.do("tac-status",
		chromedp.Navigate(ta.URL+"/plan/status"),
		chromedp.WaitVisible(chromedp.CSS(`svg[role="img"]`)),
	)
	if got := s.text(`#hours-logged`); got != "2.5" {
		t.Errorf("status page hours: %q", got)
	}
}
