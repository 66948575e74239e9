package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// atWidths runs shoot at 1280 and at 390 px (a phone), checking that the phone page
// does not scroll sideways.
func (s *steps) atWidths(name, url, waitSel string) {
	s.t.Helper()
	for _, w := range []int64{1280, 390} {
		s.do(name+"-"+map[int64]string{1280: "1280", 390: "390"}[w],
			chromedp.EmulateViewport(w, 900),
			chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.CSS(waitSel)),
		)
		if w == 390 {
			wide, _ := chromedp.Run(s.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main *')].filter(e => !e.closest('table') && e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`))
			if len(wide) > 0 {
				s.t.Errorf("%s: wider than the phone: %v", name, wide)
			}
			s.noSideScroll(name)
		}
	}
	if err := chromedp.Do(s.ctx, chromedp.EmulateViewport(1280, 1000)); err != nil {
		s.t.Fatal(err)
	}
}

// TestMemberMyCasesAcceptsEmbargo: a maintainer (a member) signs in and lands on "My
// cases" (not a 403), sees that the case waits for their answer to the proposed public
// date, shown in their own time zone, and accepts it there, without the API.
func TestMemberMyCasesAcceptsEmbargo(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	ctx0 := context.Background()
	const pw = "a long test passphrase"
	ray := ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: pw})
	maya := ta.UserWith(account.NewUser{Email: "maya@example.org", Name: "Maya Maintainer", Role: authz.RoleMember, Password: pw})
	tz := "Europe/Berlin"
	if _, err := ta.App.Accounts.UpdateUser(ctx0, maya.Actor(), maya.ID, account.UserUpdate{TimeZone: &tz}); err != nil {
		t.Fatal(err)
	}
	rep, _, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Use-after-free in websocket frame parser",
		Details: "A crafted frame frees the buffer twice.", Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rtok, mtok := ta.Token(ray), ta.Token(maya)
	var c cases.Case
	ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
	base := "/api/v1/cases/" + c.PublicID
	ta.API("POST", base+"/participants", rtok, map[string]any{"email": maya.Email, "role": "owner", "organisation": "Wsock Maintainers"}).Want(t, 201)
	ta.API("POST", base+"/read-in", mtok, map[string]any{}).Want(t, 200)
	pd := ta.Clock.Now().Add(45 * 24 * time.Hour).Truncate(24 * time.Hour).Add(13 * time.Hour)
	for pd.Weekday() == time.Saturday || pd.Weekday() == time.Sunday || pd.Weekday() == time.Friday {
		pd = pd.Add(24 * time.Hour)
	}
	ta.API("POST", base+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.Format(time.RFC3339)}).Want(t, 200)

	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", ta.Logs.String())
		}
	}()
	s.signIn(ta.URL, maya.Email, pw)
	s.waitText("lands-on-my-cases", `main h1`, "My cases")
	berlin, _ := time.LoadLocation(tz)
	if got, want := s.text(`#case-`+c.PublicID+` .proposed-date`), pd.In(berlin).Format("Mon 2 Jan 2006 15:04 MST"); got != want {
		t.Errorf("proposed date on My cases: %q, want %q (the member's zone)", got, want)
	}
	if got := s.text(`#case-` + c.PublicID + ` .asks`); !strings.Contains(got, "Answer the proposed public date") {
		t.Errorf("My cases does not ask for the embargo answer: %q", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#case-`+c.PublicID+` .changes').textContent`)); err != nil || !strings.Contains(got, "a public date was proposed") {
		t.Errorf("My cases does not say what changed: %q %v", got, err)
	}
	s.atWidths("my-cases", ta.URL+"/my-cases", `#case-`+c.PublicID)
	s.act("accept", clickAndLoad(`#case-`+c.PublicID+` button.accept-embargo`))
	s.waitText("accepted", `p.flash`, "The embargo is agreed")
	if got := s.text(`#case-` + c.PublicID + ` .embargo-state`); !strings.Contains(got, "agreed") {
		t.Errorf("embargo on My cases after accepting: %q", got)
	}
	got, err := ta.App.Cases.Get(ctx0, ray.Actor(), c.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Embargo.State != cases.EMActive {
		t.Fatalf("embargo after the member accepted on My cases: %s", got.Embargo.State)
	}
}

// TestFinderTrackingPageCounters: the finder (no account) opens their tracking page,
// sees their report, the state in words and the proposed public date; a counter without
// a date is refused on the same page with the comment kept and a summary linking to the
// field; with a date it is recorded as the finder's counter-proposal.
func TestFinderTrackingPageCounters(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	ctx0 := context.Background()
	ray := ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: "a long test passphrase"})
	rep, rc, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Heap overflow in the PNG chunk reader",
		Details: "A chunk length of 0xffffffff overflows the buffer.", Reporter: intake.Reporter{Name: "Fay Finder", Email: "fay@example.net"},
		Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "npm", Name: "png-chunks"}, Versions: []string{"2.1.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rtok := ta.Token(ray)
	var c cases.Case
	ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
	pd := ta.Clock.Now().Add(50 * 24 * time.Hour).Truncate(24 * time.Hour).Add(14 * time.Hour)
	for pd.Weekday() == time.Saturday || pd.Weekday() == time.Sunday || pd.Weekday() == time.Friday {
		pd = pd.Add(24 * time.Hour)
	}
	ta.API("POST", "/api/v1/cases/"+c.PublicID+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.Format(time.RFC3339)}).Want(t, 200)
	counter := pd.Add(7 * 24 * time.Hour)

	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", ta.Logs.String())
		}
	}()
	s.atWidths("tracking-page", rc.TrackingURL, `#proposed-date`)
	if got := s.text(`#state-words`); !strings.Contains(got, "coordinating") {
		t.Errorf("state in words: %q", got)
	}
	if got := s.text(`main`); strings.Contains(got, "Thank you for your report") || !strings.Contains(got, "0xffffffff") {
		t.Errorf("the tracking page should show the report, not the acknowledgement mail: %q", got)
	}
	// A counter without a date: refused, on the same page, the comment kept.
	s.act("counter-without-date",
		chromedp.Click(chromedp.CSS(`#f-action-counter`)),
		chromedp.SendKeys(chromedp.CSS(`#f-comment`), "The maintainers need a week more for the backports."),
		clickAndLoad(`#embargo-answer`),
	)
	s.waitText("counter-refused", `#error-summary`, "Public date")
	if got := s.value(`#f-comment`); !strings.Contains(got, "a week more") {
		t.Errorf("the comment was not kept: %q", got)
	}
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#error-summary a').getAttribute('href')`)); err != nil || href != "#f-public_date" {
		t.Errorf("error summary link: %q %v", href, err)
	}
	s.act("counter-with-date",
		chromedp.SetValue(chromedp.CSS(`#f-public_date`), counter.Format("2006-01-02T15:04")),
		clickAndLoad(`#embargo-answer`),
	)
	s.waitText("countered", `p.flash`, "your date is proposed")
	got, err := ta.App.Cases.Get(ctx0, ray.Actor(), c.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Embargo.State != cases.EMProposed || got.Embargo.ProposedDate == nil || !got.Embargo.ProposedDate.Equal(counter) {
		t.Fatalf("after the finder's counter: %s %v, want proposed %v", got.Embargo.State, got.Embargo.ProposedDate, counter)
	}
}

// TestRefusedFormsKeepInput: a report with a file over the limit comes back on the same
// page with everything typed kept, the message beside the file field and an error
// summary linking to it (not a bare 413 page); a triage with a decision point left out
// (the browser's own check off) comes back with the chosen values and the rationale
// kept, the missing point named in words.
func TestRefusedFormsKeepInput(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	const pw = "a long test passphrase"
	ray := ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: pw})
	big := filepath.Join(t.TempDir(), "capture.pcap")
	if err := os.WriteFile(big, make([]byte, 11<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", ta.Logs.String())
		}
	}()
	s.do("report-form", chromedp.Navigate(ta.URL+"/report"), chromedp.WaitVisible(chromedp.CSS(`#f-summary`)))
	s.act("report-with-big-file",
		chromedp.SendKeys(chromedp.CSS(`#f-summary`), "Path traversal in tar-lite archive extraction"),
		chromedp.SendKeys(chromedp.CSS(`#f-details`), "An entry named ../../etc/cron.d/x is written outside the target directory."),
		chromedp.SendKeys(chromedp.CSS(`#f-reporter_email`), "ada@example.org"),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-attachments`), []string{big}),
		clickAndLoad(`main form button[type=submit]`),
	)
	s.waitText("report-refused", `#error-summary`, "Files")
	if got := s.value(`#f-summary`); got != "Path traversal in tar-lite archive extraction" {
		t.Errorf("summary not kept: %q", got)
	}
	if got := s.value(`#f-details`); !strings.Contains(got, "cron.d") {
		t.Errorf("details not kept: %q", got)
	}
	if got := s.value(`#f-reporter_email`); got != "ada@example.org" {
		t.Errorf("email not kept: %q", got)
	}
	if got := s.text(`#e-f-attachments`); !strings.Contains(got, "capture.pcap") {
		t.Errorf("message beside the file field: %q", got)
	}
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#error-summary a').getAttribute('href')`)); err != nil || href != "#f-attachments" {
		t.Errorf("error summary link: %q %v", href, err)
	}
	if got := s.text(`main`); strings.Contains(got, "attachments[") || strings.Contains(got, "Entity") {
		t.Errorf("internal keys or status words on the refused form: %q", got)
	}
	s.atWidths("report-refused", ta.URL+"/report", `#f-summary`) // the empty form at both widths

	// An invalid triage.
	rep, _, err := ta.App.Intake.Submit(context.Background(), authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Heap overflow in the PNG chunk reader", Details: "A long chunk."})
	if err != nil {
		t.Fatal(err)
	}
	s.signIn(ta.URL, ray.Email, pw)
	s.do("report-page", chromedp.Navigate(ta.URL+"/reports/"+rep.PublicID), chromedp.WaitVisible(chromedp.CSS(`form[action$="/triage"]`)))
	var clicks []chromedp.Action[chromedp.Void]
	for k, v := range map[string]string{"RP": "Y", "SCON": "N", "RC": "NC", "SC": "M", "SE": "A", "U": "S"} { // PSI left out
		clicks = append(clicks, chromedp.Click(chromedp.CSS(`input[name="dp_`+k+`"][value="`+v+`"]`)))
	}
	clicks = append(clicks,
		chromedp.SendKeys(chromedp.CSS(`#f-rationale`), "Several suppliers, nobody contacted yet."),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('form[action$="/triage"]').noValidate = true)`))
			return err
		}),
		clickAndLoad(`form[action$="/triage"] button[type=submit]`),
	)
	s.act("triage-missing-point", clicks...)
	s.waitText("triage-refused", `#error-summary`, "choose one of")
	if got := s.value(`#f-rationale`); !strings.Contains(got, "Several suppliers") {
		t.Errorf("rationale not kept: %q", got)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('input[name="dp_SC"][value="M"]').checked && document.querySelector('input[name="dp_RP"][value="Y"]').checked`)); err != nil || !ok {
		t.Errorf("chosen values not kept (%v)", err)
	}
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#error-summary a').getAttribute('href')`)); err != nil || href != "#f-decision_points_PSI" {
		t.Errorf("error summary link: %q %v", href, err)
	}
	if got := s.text(`#error-summary`); strings.Contains(got, "decision_points") || strings.Contains(got, "ssvc:") {
		t.Errorf("internal keys in the summary: %q", got)
	}
}

// TestDashboardWorkQueue: the dashboard is the responder's work queue; an advisory one
// responder submitted for review is listed for the second responder to review (and for
// its author only as waiting for someone else), with the report waiting for triage.
func TestDashboardWorkQueue(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	ctx0 := context.Background()
	const pw = "a long test passphrase"
	ray := ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: pw})
	rita := ta.UserWith(account.NewUser{Email: "rita@example.org", Name: "Rita Reviewer", Role: authz.RoleResponder, Password: pw})
	rep, _, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Use-after-free in websocket frame parser",
		Details: "A crafted frame frees the buffer twice.", Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "XSS in the markdown previewer", Details: "A link with javascript:."}); err != nil {
		t.Fatal(err)
	}
	rtok := ta.Token(ray)
	var c cases.Case
	ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
	var adv struct {
		ID string `json:"id"`
	}
	ta.API("POST", "/api/v1/advisories", rtok, map[string]any{"case_id": c.PublicID, "vulnerability": "V1"}).Want(t, 201).JSON(t, &adv)
	ta.API("POST", "/api/v1/advisories/"+adv.ID+"/submit", rtok, nil).Want(t, 200)

	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", ta.Logs.String())
		}
	}()
	s.signIn(ta.URL, rita.Email, pw)
	s.atWidths("dashboard-reviewer", ta.URL+"/dashboard", `#reviews`)
	if got := s.text(`#reviews`); !strings.Contains(got, adv.ID) || !strings.Contains(got, "you can approve it") {
		t.Errorf("the second responder's dashboard does not list %s for review: %q", adv.ID, got)
	}
	if got := s.text(`#to-triage`) + s.text(`#to-ack`); !strings.Contains(got, "XSS in the markdown previewer") {
		t.Errorf("the report waiting for the team is not in the queue: %q", got)
	}
	if got := s.text(`main`); strings.Contains(got, "Recent activity") || strings.Contains(got, " users") {
		t.Errorf("the dashboard still shows audit events or user counts: %q", got)
	}
	s.do("author-signs-out", clickAndLoad(`header form[action="/logout"] button`))
	s.signIn(ta.URL, ray.Email, pw)
	s.do("dashboard-author", chromedp.Navigate(ta.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#reviews`)))
	if got := s.text(`#reviews`); !strings.Contains(got, "waiting for a second responder") || strings.Contains(got, "you can approve it") {
		t.Errorf("the author's dashboard: %q", got)
	}
}

// TestPhoneCaseAndReports: the case page (with participants, consents and a timeline)
// and the report queue do not scroll sideways at 390 px.
func TestPhoneCaseAndReports(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	ctx0 := context.Background()
	const pw = "a long test passphrase"
	ray := ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: pw})
	rep, _, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Use-after-free in websocket frame parser with a rather long summary line",
		Details:  "A crafted frame frees the buffer twice: https://example.org/a/very/long/url/that/should/wrap/somewhere/on/a/phone/screen/please",
		Reporter: intake.Reporter{Email: "a-very-long-finder-address@example.org"},
		Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock/internal/frames"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rtok := ta.Token(ray)
	var c cases.Case
	ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
	ta.API("POST", "/api/v1/cases/"+c.PublicID+"/participants", rtok, map[string]any{"email": "maintainers-security-team@example.org", "role": "owner", "organisation": "Wsock Maintainers Foundation"}).Want(t, 201)
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	s.signIn(ta.URL, ray.Email, pw)
	s.atWidths("case-page", ta.URL+"/cases/"+c.PublicID, `#embargo-state`)
	s.atWidths("report-queue", ta.URL+"/reports?filter=all", `main table`)
	s.atWidths("report-page", ta.URL+"/reports/"+rep.PublicID, `main`)
}
