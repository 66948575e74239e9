package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// report files one report through the API as a client behind the proxy with xff.
func report(t *testing.T, ta *testapp.TestApp, xff string) int {
	t.Helper()
	req := ta.NewRequest("POST", "/api/v1/reports", map[string]any{"summary": "Path traversal in the upload handler"})
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return ta.Do(req).StatusCode
}

// TestLimitsBehindATrustedProxy: behind a proxy every client used to share the proxy's
// bucket; with --trusted-proxies each has its own, and a header from an untrusted
// peer changes nothing.
func TestLimitsBehindATrustedProxy(t *testing.T) {
	d := dbtest.NewSQLite(t)
	ta := testapp.NewWith(t, d, testapp.Options{Config: func(c *config.Config) {
		c.IntakeBurst = 2
		c.TrustedProxies = "127.0.0.1/32, ::1"
	}})
	for i := 0; i < 2; i++ {
		if c := report(t, ta, "198.51.100.1"); c != 201 {
			t.Fatalf("client A report %d: %d", i+1, c)
		}
	}
	if c := report(t, ta, "198.51.100.1"); c != 429 {
		t.Fatalf("client A over its burst: %d, want 429", c)
	}
	// Prepending a fake address does not give a new bucket.
	if c := report(t, ta, "203.0.113.99, 198.51.100.1"); c != 429 {
		t.Fatalf("client A with a prepended fake address: %d, want 429", c)
	}
	if c := report(t, ta, "198.51.100.2"); c != 201 {
		t.Fatalf("client B behind the same proxy: %d, want its own bucket", c)
	}

	// Not trusted: the header is ignored, so a client cannot pick its bucket.
	tb := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Config: func(c *config.Config) { c.IntakeBurst = 2 }})
	codes := []int{}
	for i := 0; i < 4; i++ {
		codes = append(codes, report(t, tb, "198.51.100."+strconv.Itoa(10+i)))
	}
	if codes[2] != 429 || codes[3] != 429 {
		t.Fatalf("untrusted peer rotating X-Forwarded-For: %v, want the third refused", codes)
	}
}

// TestSignInFormSays429WithRetryAfter, and the owner from another address still gets in.
func TestSignInFormSays429WithRetryAfter(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Config: func(c *config.Config) { c.TrustedProxies = "127.0.0.1" }})
	u := ta.User(authz.RoleResponder)
	post := func(xff, pw string) *testapp.Response {
		form := url.Values{"email": {u.Email}, "password": {pw}}
		req, _ := http.NewRequest("POST", ta.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		return ta.Do(req)
	}
	var last *testapp.Response
	for i := 0; i < 30; i++ {
		if last = post("198.51.100.66", "wrong horse battery "+strconv.Itoa(i)); last.StatusCode == 429 {
			break
		}
		if last.StatusCode != 401 {
			t.Fatalf("wrong password: %d", last.StatusCode)
		}
	}
	if last.StatusCode != 429 {
		t.Fatal("30 wrong passwords were never limited")
	}
	if s, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("429 without a usable Retry-After: %q", last.Header.Get("Retry-After"))
	}
	if r := post("198.51.100.66", u.Password); r.StatusCode != 429 {
		t.Fatalf("right password from the guessing address: %d, want 429", r.StatusCode)
	}
	if r := post("192.0.2.80", u.Password); r.StatusCode != 303 {
		t.Fatalf("the owner from another address: %d, want signed in (303)", r.StatusCode)
	}
}

// TestTwoReplicasShareTheRateLimit is two app instances on one PostgreSQL database:
// before, each had its own buckets and together they let twice the budget through.
func TestTwoReplicasShareTheRateLimit(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
	open := func() *db.DB {
		d, err := db.Open(context.Background(), db.Options{DSN: full, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	cfg := testapp.Options{Config: func(c *config.Config) { c.IntakeBurst = 4 }}
	a, b := testapp.NewWith(t, open(), cfg), testapp.NewWith(t, open(), cfg)
	created := 0
	for i := 0; i < 12; i++ {
		ta := a
		if i%2 == 1 {
			ta = b
		}
		switch c := report(t, ta, ""); c {
		case 201:
			created++
		case 429:
		default:
			t.Fatalf("report %d: %d", i, c)
		}
	}
	if created != 4 {
		t.Fatalf("two replicas accepted %d reports from one address, want the shared burst of 4", created)
	}

	// Sign-in guesses are shared too: the hold one replica set is kept by the other.
	u := a.User(authz.RoleMember)
	limitedOn := ""
	for i := 0; i < 20 && limitedOn == ""; i++ {
		for name, ta := range map[string]*testapp.TestApp{"a": a, "b": b} {
			r := ta.Browser().Post("/login", url.Values{"email": {u.Email}, "password": {"not the password " + strconv.Itoa(i)}})
			if r.StatusCode == 429 {
				limitedOn = name
			}
		}
	}
	if limitedOn == "" {
		t.Fatal("40 wrong passwords across two replicas were never limited")
	}
	if r := a.Browser().Post("/login", url.Values{"email": {u.Email}, "password": {u.Password}}); r.StatusCode != 429 {
		t.Fatalf("replica a after the guesses: %d, want 429", r.StatusCode)
	}
	if r := b.Browser().Post("/login", url.Values{"email": {u.Email}, "password": {u.Password}}); r.StatusCode != 429 {
		t.Fatalf("replica b after the guesses: %d, want 429", r.StatusCode)
	}
}

// TestFlashIsServerSideOnly: ?flash= used to put any text on any page of the team's
// site (content spoofing). Messages now come only from the server, once.
func TestFlashIsServerSideOnly(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		spoof := "Your+account+is+compromised.+Call+%2B1-555-0100+now"
		anon := ta.Browser()
		for _, path := range []string{"/login?flash=" + spoof, "/?flash=" + spoof, "/report?flash=" + spoof} {
			if r := anon.Get(path); strings.Contains(string(r.Body), "compromised") {
				t.Fatalf("%s shows the text from the URL", path)
			}
		}
		u := ta.User(authz.RoleResponder)
		b := ta.Browser()
		b.SignIn(u)
		if r := b.Get("/account?flash=" + spoof); strings.Contains(string(r.Body), "compromised") {
			t.Fatal("/account shows the text from the URL")
		}
		r := b.Submit("/account/profile", url.Values{"name": {"Renamed"}, "time_zone": {"UTC"}}).Want(t, 303)
		if loc := r.Header.Get("Location"); strings.Contains(loc, "flash") {
			t.Fatalf("redirect still carries the message: %s", loc)
		}
		if r := b.Get("/account"); !strings.Contains(string(r.Body), "Profile saved.") {
			t.Fatal("the message after saving is not shown")
		}
		if r := b.Get("/account"); strings.Contains(string(r.Body), "Profile saved.") {
			t.Fatal("the message is shown twice")
		}
		// A forged or edited cookie shows nothing.
		for _, v := range []string{"WW91IGFyZSBoYWNrZWQ.AAAA", "WW91IGFyZSBoYWNrZWQ"} {
			req, _ := http.NewRequest("GET", ta.URL+"/login", nil)
			req.AddCookie(&http.Cookie{Name: "sirt_flash", Value: v})
			if r := ta.Do(req); strings.Contains(string(r.Body), "You are hacked") {
				t.Fatalf("forged flash cookie %q shown", v)
			}
		}
		// Sign-out says so on the sign-in page.
		b.Submit("/logout", nil).Want(t, 303)
		if r := b.Get("/login"); !strings.Contains(string(r.Body), "Signed out.") {
			t.Fatal("no message after signing out")
		}
	})
}

// TestTOTPEnrolmentPages: a mistyped code keeps the secret on the page; the right code
// turns TOTP on and shows the recovery codes once.
func TestTOTPEnrolmentPages(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		u := ta.User(authz.RoleResponder)
		b := ta.Browser()
		b.SignIn(u)
		secretRE := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
		r := b.Submit("/account/totp/begin", nil).Want(t, 200)
		m := secretRE.FindSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no secret on the enrolment page: %.400s", r.Body)
		}
		secret := string(m[1])
		good, _ := account.TOTPCode(secret, ta.Clock.Now())
		bad := string([]byte{'0' + (good[0]-'0'+5)%10}) + good[1:]
		r = b.Submit("/account/totp/confirm", url.Values{"code": {bad}}).Want(t, 422)
		if m := secretRE.FindSubmatch(r.Body); m == nil || string(m[1]) != secret {
			t.Fatal("after a wrong code the page does not show the same secret")
		}
		r = b.Submit("/account/totp/confirm", url.Values{"code": {good}}).Want(t, 200)
		codes := regexp.MustCompile(`<li><code>([a-z0-9-]{19})</code></li>`).FindAllSubmatch(r.Body, -1)
		if len(codes) != account.RecoveryCodeCount || !strings.Contains(string(r.Body), `action="/account/totp/disable"`) {
			t.Fatalf("after confirming: %d recovery codes shown; body %.600s", len(codes), r.Body)
		}
		if r := b.Get("/account"); strings.Contains(string(r.Body), string(codes[0][1])) {
			t.Fatal("recovery codes shown again")
		}
		// A recovery code signs in instead of a TOTP code.
		ta.Clock.Advance(time.Minute)
		if r := ta.Browser().SignInForm(u, string(codes[0][1])); r.StatusCode != 303 {
			t.Fatalf("sign-in with a recovery code: %d", r.StatusCode)
		}
		if r := ta.Browser().SignInForm(u, string(codes[0][1])); r.StatusCode != 401 {
			t.Fatalf("the same recovery code again: %d, want 401", r.StatusCode)
		}
	})
}
