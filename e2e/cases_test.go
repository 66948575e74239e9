package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestCaseCoordination walks a whole coordination in the browser: a report becomes a
// case; the responder invites the maintainer as owner; the owner sees only the terms,
// reads in, proposes a public date (in their own zone) and marks the fix ready; the
// responder accepts for the team and the embargo is active; when the public date comes
// (the fake clock moves, the job queue runs) the case is TLP:CLEAR and the embargo has
// exited.
func TestCaseCoordination(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t)) // fake clock: the PD can be reached
	ctx0 := context.Background()
	const pw = "a long test passphrase"
	ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: pw})
	ta.UserWith(account.NewUser{Email: "maya@example.org", Name: "Maya Maintainer", Role: authz.RoleMember, Password: pw})
	rep, _, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Use-after-free in websocket frame parser",
		Details: "A crafted frame frees the buffer twice.", Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	signIn := func(name, email string) {
		s.do(name,
			chromedp.Navigate(ta.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
			chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
			chromedp.SendKeys(chromedp.CSS(`#f-password`), pw),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`nav a[href="/cases"]`)),
		)
	}
	signOut := func() {
		s.do("sign-out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)))
	}
	caseURL := ta.URL + "/cases/" + rep.PublicID

	signIn("responder-signs-in", "ray@example.org")
	s.do("open-case-from-report",
		chromedp.Click(chromedp.CSS(`nav a[href="/cases"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-report_id`)),
		chromedp.SendKeys(chromedp.CSS(`#f-report_id`), rep.PublicID),
		chromedp.Click(chromedp.CSS(`form[action="/cases"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#embargo-state`)),
	)
	if got := s.text(`main h1`); !strings.Contains(got, rep.PublicID) || !strings.Contains(got, "Use-after-free") {
		t.Fatalf("case page heading %q", got)
	}
	s.do("invite-owner",
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "maya@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-organisation`), "Wsock Maintainers"),
		chromedp.Click(chromedp.CSS(`#invite-submit`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "flash") and contains(., "Participant added")]`)),
	)
	if got := s.text(`#participants`); !strings.Contains(got, "maya@example.org") || !strings.Contains(got, "not yet") {
		t.Fatalf("participants after invite: %q", got)
	}
	signOut()

	signIn("owner-signs-in", "maya@example.org")
	s.do("owner-sees-terms-only", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.CSS(`#read-in`)))
	if got := s.text(`main`); strings.Contains(got, "crafted frame") || strings.Contains(got, "Use-after-free") {
		t.Fatalf("the owner sees content before read-in: %q", got)
	}
	s.do("owner-reads-in",
		chromedp.Click(chromedp.CSS(`#f-accept`)),
		chromedp.Click(chromedp.CSS(`#read-in-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#embargo-state`)),
	)
	if got := s.text(`main`); !strings.Contains(got, "crafted frame") {
		t.Fatalf("after read-in the owner does not see the case: %q", got)
	}
	s.do("owner-proposes-pd",
		chromedp.SetValue(chromedp.CSS(`#f-action`), "propose"),
		chromedp.SetValue(chromedp.CSS(`#f-public_date`), "2026-04-14T15:00"),
		chromedp.SetValue(chromedp.CSS(`#f-public_date_zone`), "Europe/Berlin"),
		chromedp.Click(chromedp.CSS(`#embargo-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#holding-up`)),
	)
	if got := s.text(`#embargo`); !strings.Contains(got, "proposed") || !strings.Contains(got, "Waiting for") {
		t.Fatalf("after the proposal: %q", got)
	}
	s.do("owner-marks-fix-ready",
		chromedp.Click(chromedp.CSS(`#f-fact-fix_ready`)),
		chromedp.Click(chromedp.CSS(`#facts-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#fact-fix_ready.ok`)),
	)
	signOut()

	signIn("responder-again", "ray@example.org")
	s.do("team-accepts",
		chromedp.Navigate(caseURL),
		chromedp.WaitVisible(chromedp.CSS(`#embargo-submit`)),
		chromedp.SetValue(chromedp.CSS(`#f-action`), "accept"),
		chromedp.Click(chromedp.CSS(`#embargo-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#public-date`)),
	)
	if got := s.text(`#embargo-state`); got != "active" {
		t.Fatalf("embargo after every consent: %q", got)
	}
	if got := s.text(`#public-date`); !strings.Contains(got, "Tue 14 Apr 2026 13:00") {
		t.Fatalf("public date shown as %q, want 13:00 UTC (15:00 in Berlin)", got)
	}

	// The public date comes.
	ta.Clock.Set(time.Date(2026, 4, 14, 13, 1, 0, 0, time.UTC))
	if _, err := ta.App.Jobs.Drain(ctx0); err != nil {
		t.Fatal(err)
	}
	signIn("sign-in-after-pd", "ray@example.org") // weeks passed: the old session has expired
	s.do("pd-reached", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.CSS(`#tlp`)))
	if got := s.text(`#tlp`); got != "TLP:CLEAR" {
		t.Fatalf("TLP after PD: %q", got)
	}
	if got := s.text(`#embargo-state`); got != "exited" {
		t.Fatalf("embargo after PD: %q", got)
	}
}
