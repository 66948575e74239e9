// Package e2e holds sirt's browser tests: Debian's chromium, headless, driven by
// chromedp against a sirt started in-process on 127.0.0.1. Screenshots of each step go
// to $SIRT_E2E_ARTIFACTS (default e2e/artifacts/, ignored by git).
//
// Without chromium the tests skip — unless CI=1 or SIRT_E2E_REQUIRED=1, when a missing
// browser is a failure.
package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

const chromium = "/usr/bin/chromium"

func browserPath(t *testing.T) string {
	p := chromium
	if _, err := os.Stat(p); err != nil {
		if lp, err := exec.LookPath("chromium"); err == nil {
			p = lp
		} else {
			if os.Getenv("CI") == "1" || os.Getenv("SIRT_E2E_REQUIRED") == "1" {
				t.Fatalf("chromium is not installed (%s) and browser tests are required here (CI=1 or SIRT_E2E_REQUIRED=1): apt-get install -y chromium", chromium)
			}
			t.Skip("chromium not installed; browser tests skipped (apt-get install -y chromium)")
		}
	}
	return p
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("SIRT_E2E_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a fresh headless chromium with the flags an offline machine needs.
func browser(t *testing.T) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browserPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() { cancelC(); cancelB(); cancelA() }
}

type steps struct {
	t   *testing.T
	ctx context.Context
	dir string
	n   int
}

// do runs actions, failing the test with the step's name, then saves a screenshot.
func (s *steps) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.shot(name + "-failed")
		s.t.Fatalf("%s: %v", name, err)
	}
	s.shot(name)
}

func (s *steps) shot(name string) {
	s.n++
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100)) // 100: PNG; less is JPEG
	if err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(s.dir, strings.ReplaceAll(s.t.Name(), "/", "_")+"-"+twoDigits(s.n)+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
	}
}

// clickAndLoad clicks sel — a form's submit button or a link — and waits until the page
// it leads to has loaded (a form post: through the 303 to the page after it). Until then
// the old page is still on screen, so a wait for an element both pages have (a .flash,
// say) returns at once, and a screenshot taken then catches the page being replaced and
// can hang until the test's deadline.
func clickAndLoad(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		return err
	})
}

// flash selects the flash message that says text (the message of the page before has
// other words, so it cannot match).
func flash(text string) chromedp.Search {
	return chromedp.Search(`//p[contains(@class, "flash") and contains(., ` + strconvQuote(text) + `)]`)
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func (s *steps) text(sel string) string {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		s.shot("read-failed")
		s.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// TestFirstAdminToAPIToken walks the newcomer's path: the setup link, the first admin,
// TOTP enrolment, sign-out, sign-in with password and code, creating a responder, and
// an API token that works with curl-like clients.
func TestFirstAdminToAPIToken(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	setup, err := ta.App.Accounts.SetupLink(context.Background())
	if err != nil || setup == "" {
		t.Fatalf("setup link: %q %v", setup, err)
	}
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	const email, password = "admin@example.org", "a long admin passphrase"

	s.do("setup-form",
		chromedp.Navigate(ta.URL+"/setup/"+setup),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
	)
	s.do("setup-submitted",
		chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "First Admin"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.SendKeys(chromedp.CSS(`#f-password2`), password),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/account/totp/begin"]`)),
	)

	s.do("totp-enrol",
		chromedp.Click(chromedp.CSS(`form[action="/account/totp/begin"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#totp-secret`)),
	)
	qr, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector('img[alt^="QR code"]'); return !!i && i.complete && i.naturalWidth > 0 })()`))
	if err != nil || !qr {
		t.Errorf("the TOTP QR code image does not load (%v)", err)
	}
	secret := s.text(`#totp-secret`)
	code, err := account.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatalf("secret %q from the page: %v", secret, err)
	}
	s.do("totp-confirmed",
		chromedp.SendKeys(chromedp.CSS(`form[action="/account/totp/confirm"] #f-code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/account/totp/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/account/totp/disable"]`)),
	)

	s.do("signed-out",
		chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	s.do("sign-in-code-step",
		chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login/code"] #f-code`)),
	)
	// A code is good once: the enrolment spent this step's, so sign in with the next
	// step's (accepted within the ±1 step of clock drift).
	code, _ = account.TOTPCode(secret, time.Now().Add(30*time.Second))
	s.do("dashboard",
		chromedp.SendKeys(chromedp.CSS(`#f-code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/login/code"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/admin/users"]`)),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/dashboard") {
		t.Fatalf("after sign-in with TOTP: at %s, want /dashboard", loc)
	}

	const responder = "responder@example.org"
	s.do("users-page",
		chromedp.Navigate(ta.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"] #f-email`)),
	)
	s.do("responder-created",
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] #f-email`), responder),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] #f-name`), "Ray Responder"),
		chromedp.SetValue(chromedp.CSS(`form[action="/admin/users"] #f-role`), "responder"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] #f-password`), "a responder passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if body := s.text(`main`); !strings.Contains(body, responder) {
		t.Fatalf("users page after creating the responder lacks %s", responder)
	}
	u, err := ta.App.Accounts.UserByEmail(context.Background(), responder)
	if err != nil || u.Role != "responder" {
		t.Fatalf("responder in the db: %+v %v", u, err)
	}

	s.do("account-page",
		chromedp.Navigate(ta.URL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`#f-tname`)),
	)
	s.do("token-created",
		chromedp.SendKeys(chromedp.CSS(`#f-tname`), "laptop curl"),
		chromedp.Click(chromedp.CSS(`form[action="/account/tokens"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-token`)),
	)
	token := s.text(`#new-token`)

	req, _ := http.NewRequest("GET", ta.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var me struct {
		Email       string `json:"email"`
		Role        string `json:"role"`
		TOTPEnabled bool   `json:"totp_enabled"`
	}
	if err := json.NewDecoder(res.Body).Decode(&me); err != nil || res.StatusCode != 200 {
		t.Fatalf("/api/v1/me with the token from the page: %d %v", res.StatusCode, err)
	}
	if me.Email != email || me.Role != "admin" || !me.TOTPEnabled {
		t.Fatalf("/api/v1/me = %+v", me)
	}
}

// TestPhoneLayout renders the public pages at phone width: nothing may
// be wider than the screen.
func TestPhoneLayout(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Clock: clock.System{}})
	ctx, cancel := browser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: artifacts(t)}
	for _, path := range []string{"/login", "/"} {
		s.do("phone"+strings.ReplaceAll(path, "/", "-"),
			chromedp.EmulateViewport(375, 740),
			chromedp.Navigate(ta.URL+path),
			chromedp.WaitVisible(chromedp.CSS(`main`)),
		)
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if overflow {
			t.Errorf("%s scrolls sideways at 375px", path)
		}
	}
}
