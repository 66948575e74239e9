package e2e

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// inbox is a local SMTP sink: the subjects each recipient got.
type inbox struct {
	mu  sync.Mutex
	got map[string][]string
}

func (b *inbox) deliver(_ context.Context, _ string, rcpts []string, raw []byte) error {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range rcpts {
		b.got[strings.ToLower(r)] = append(b.got[strings.ToLower(r)], subject)
	}
	return nil
}

func (b *inbox) subjects(addr string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.got[strings.ToLower(addr)]...)
}

// hookReceiver is an organisation's webhook endpoint on 127.0.0.1: the events it got.
type hookReceiver struct {
	mu     sync.Mutex
	events []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.events = append(h.events, r.Header.Get("X-Sirt-Event"))
	h.mu.Unlock()
}

func (h *hookReceiver) got(event string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		if e == event {
			return true
		}
	}
	return false
}

// TestEarlyReleaseInTheBrowser: an advisory of a case under an agreed embargo is
// scheduled in the browser for a moment before the public date and refused, naming the
// rule and the date; the coordinator records an early release with a reason on the case
// page; the case and the advisory go public together, and every read-in party's inbox
// (a local SMTP sink) and every organisation's webhook (a 127.0.0.1 receiver) got the
// notice. Screenshots at 1280 and 390 px.
func TestEarlyReleaseInTheBrowser(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Config: func(c *config.Config) { c.OutboundAllow = []string{"127.0.0.1"} }}) // fake clock: the jobs run when the test says
	ctx0 := context.Background()
	const pw = "a long test passphrase"
	ray := ta.UserWith(account.NewUser{Email: "ray@example.org", Name: "Ray Responder", Role: authz.RoleResponder, Password: pw})
	rita := ta.UserWith(account.NewUser{Email: "rita@example.org", Name: "Rita Reviewer", Role: authz.RoleResponder, Password: pw})
	maya := ta.UserWith(account.NewUser{Email: "maya@example.org", Name: "Maya Maintainer", Role: authz.RoleMember, Password: pw})
	dan := ta.UserWith(account.NewUser{Email: "dan@example.org", Name: "Dan Downstream", Role: authz.RoleMember, Password: pw})
	admin := ta.User(authz.RoleAdmin)

	// The parties' inboxes: a local SMTP sink the outbox relays to.
	box := &inbox{got: map[string][]string{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := mail.NewServer(mail.ServerConfig{Domain: "example.org"}, box.deliver)
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, StartTLS: mail.StartTLSNever, HELO: "sirt.test", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ta.App.Outbox.SetSender(sender)
	// The organisations' webhooks.
	hooks := map[string]*hookReceiver{"Wsock Maintainers": {}, "Distro": {}}
	for org, h := range hooks {
		hs := httptest.NewServer(h)
		defer hs.Close()
		if _, err := ta.App.Outbox.AddWebhook(ctx0, admin.Actor(), org, hs.URL); err != nil {
			t.Fatal(err)
		}
	}

	// A case under an agreed embargo, its parties read in, its advisory approved.
	rep, _, err := ta.App.Intake.Submit(ctx0, authz.Anonymous(), intake.SourceWeb, intake.Submission{Summary: "Use-after-free in websocket frame parser",
		Details: "A crafted frame frees the buffer twice.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rtok, vtok, mtok, dtok := ta.Token(ray), ta.Token(rita), ta.Token(maya), ta.Token(dan)
	var c cases.Case
	ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
	base := "/api/v1/cases/" + c.PublicID
	ta.API("POST", base+"/participants", rtok, map[string]any{"email": maya.Email, "role": "owner", "organisation": "Wsock Maintainers"}).Want(t, 201)
	ta.API("POST", base+"/participants", rtok, map[string]any{"email": dan.Email, "role": "downstream", "organisation": "Distro"}).Want(t, 201)
	ta.API("POST", base+"/read-in", mtok, map[string]any{}).Want(t, 200)
	ta.API("POST", base+"/read-in", dtok, map[string]any{}).Want(t, 200)
	pd := time.Date(2026, 4, 14, 13, 0, 0, 0, time.UTC) // a Tuesday, six weeks on
	ta.API("POST", base+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.Format(time.RFC3339)}).Want(t, 200)
	ta.API("POST", base+"/embargo", mtok, map[string]any{"action": "accept"}).Want(t, 200)
	var adv advisory.Advisory
	ta.API("POST", "/api/v1/advisories", rtok, map[string]any{"case_id": c.PublicID, "vulnerability": "V1"}).Want(t, 201).JSON(t, &adv)
	ta.API("POST", "/api/v1/advisories/"+adv.PublicID+"/submit", rtok, nil).Want(t, 200)
	ta.API("POST", "/api/v1/advisories/"+adv.PublicID+"/approve", vtok, nil).Want(t, 200)
	if _, err := ta.App.Jobs.Drain(ctx0); err != nil { // the mails and hooks of the setup
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
	advURL := ta.URL + "/staff/advisories/" + adv.PublicID
	caseURL := ta.URL + "/cases/" + c.PublicID

	s.signIn(ta.URL, ray.Email, pw)
	s.do("advisory-approved",
		chromedp.Navigate(advURL),
		chromedp.WaitVisible(chromedp.CSS(`#f-public_date`)),
	)
	// 100 seconds from now: before the agreed public date.
	s.act("schedule-too-early",
		chromedp.SetValue(chromedp.CSS(`#f-public_date`), "2026-03-02T09:02"),
		chromedp.Submit(chromedp.CSS(`form[action="/staff/advisories/`+adv.PublicID+`/schedule"] button`)),
	)
	s.waitText("schedule-refused", `section[aria-labelledby="wf-h"]`, "advisory.embargo")
	if got := s.text(`section[aria-labelledby="wf-h"]`); !strings.Contains(got, pd.Format(time.RFC3339)) || !strings.Contains(got, c.PublicID) {
		t.Fatalf("the refusal does not name the agreed public date and the case: %q", got)
	}
	if a, _ := ta.App.Advisories.Get(ctx0, ray.Actor(), adv.PublicID); a.State != advisory.StateApproved {
		t.Fatalf("after the refusal the advisory is %s", a.State)
	}

	s.do("case-under-embargo",
		chromedp.Navigate(caseURL),
		chromedp.WaitVisible(chromedp.CSS(`#early-release`)),
		chromedp.Click(chromedp.CSS(`#early-release summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-release-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#f-release-reason`), "The maintainers shipped 1.4.1 with the fix today."),
	)
	s.act("release-early", chromedp.Click(chromedp.CSS(`#release-submit`)))
	s.waitText("case-released", `#tlp`, "TLP:CLEAR")
	if got := s.text(`#embargo-state`); got != "exited" {
		t.Fatalf("embargo after the early release: %q", got)
	}
	if got := s.text(`#phase`); got != "disclose" {
		t.Fatalf("phase after the early release: %q", got)
	}

	// The jobs run: the advisory's publication, the mails, the webhooks.
	if _, err := ta.App.Jobs.Drain(ctx0); err != nil {
		t.Fatal(err)
	}
	s.do("advisory-published", chromedp.Navigate(advURL), chromedp.WaitVisible(chromedp.CSS(`.facts`)))
	if got := s.text(`.facts`); !strings.Contains(got, "published") || !strings.Contains(got, "TLP:CLEAR") {
		t.Fatalf("advisory after the release: %q", got)
	}
	s.do("public-advisory", chromedp.Navigate(ta.URL+"/advisories/"+adv.PublicID), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if got := s.text(`main`); !strings.Contains(got, "websocket") {
		t.Fatalf("public advisory page: %q", got)
	}
	for _, who := range []string{maya.Email, dan.Email} {
		subs := strings.Join(box.subjects(who), " | ")
		if !strings.Contains(subs, "EMBARGO") || !strings.Contains(subs, c.PublicID) {
			t.Errorf("%s's inbox has %q, want the embargo notice of %s", who, subs, c.PublicID)
		}
	}
	for org, h := range hooks {
		if !h.got("case.embargo.released") {
			t.Errorf("%s's webhook got %v, want case.embargo.released", org, h.events)
		}
	}

	// The same pages on a phone.
	for _, p := range []struct{ name, url string }{{"phone-case", caseURL}, {"phone-advisory", advURL}} {
		s.do(p.name,
			chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(p.url),
			chromedp.WaitVisible(chromedp.CSS(`main`)),
		)
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if overflow {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 12).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`))
			t.Errorf("%s scrolls sideways at 390px: %v", p.url, wide)
		}
	}
}
