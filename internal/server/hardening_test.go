package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
