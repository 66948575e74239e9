// Package testapp builds a whole sirt — app services, HTTP server and a real database —
// for tests that go through HTTP. It is the shared fixture of every package's HTTP
// tests:
//
//	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
//		ta := testapp.New(t, d)                      // fake clock, cheap argon2
//		admin := ta.User(authz.RoleAdmin)             // a user with a known password
//		tok := ta.Token(admin, authz.ScopeRead)       // an API token for them
//		res := ta.API("GET", "/api/v1/me", tok, nil)  // a JSON request
//		res.Want(t, 200)
//
//		b := ta.Browser()                             // a cookie-jar client
//		b.SignIn(admin)                               // a session, as after sign-in
//		b.Submit("/admin/users", url.Values{…}).Want(t, 303) // a form with its CSRF token
//	})
//
// The server is an httptest.Server on 127.0.0.1 running server.New(...).Handler; job
// workers are not started (call ta.App.Jobs.Drain after moving the clock). Everything
// the server logs is captured in ta.Logs, so tests can assert that secrets never appear
// in it (see Secrets).
package testapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/server"
)

// Start is the fake clock's initial time: a Monday, so business-day arithmetic is easy
// to follow in tests.
var Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// CheapArgon makes password hashing nearly free in tests.
var CheapArgon = account.ArgonParams{Memory: 64, Time: 1, Threads: 1}

// Options adjust NewWith. The zero value is what New uses.
type Options struct {
	// Clock replaces the fake clock (the browser test uses clock.System{} so TOTP codes
	// from the real time are accepted). When set, TestApp.Clock is nil.
	Clock clock.Clock
	// Modules are capability modules plugged into the server, as `sirt serve` does.
	Modules []server.Module
	// Config is changed by this function before the app is built (BaseURL and Data are
	// set already).
	Config func(c *config.Config)
	// Log replaces the captured debug log (benchmarks log like production instead);
	// TestApp.Logs then stays empty.
	Log *slog.Logger
}

// TestApp is a running sirt for one test.
type TestApp struct {
	T      testing.TB
	App    *app.App
	Server *server.Server
	HTTP   *httptest.Server
	URL    string      // http://127.0.0.1:PORT, no trailing slash
	Clock  *clock.Fake // nil when Options.Clock was given
	Logs   *Buffer     // everything the server logged

	secretsMu sync.Mutex
	secrets   []string
	n         atomic.Int64
}

// New starts sirt on d (a migrated database, from dbtest) with a fake clock set to Start.
func New(t testing.TB, d *db.DB) *TestApp { return NewWith(t, d, Options{}) }

// NewWith starts sirt on d with options.
func NewWith(t testing.TB, d *db.DB, o Options) *TestApp {
	t.Helper()
	ta := &TestApp{T: t, Logs: &Buffer{}}
	c := o.Clock
	if c == nil {
		ta.Clock = clock.NewFake(Start)
		c = ta.Clock
	}
	ta.HTTP = httptest.NewUnstartedServer(http.NotFoundHandler())
	ta.URL = "http://" + ta.HTTP.Listener.Addr().String()
	cfg := config.Defaults()
	cfg.Addr = ta.HTTP.Listener.Addr().String()
	cfg.BaseURL = ta.URL
	cfg.Data = t.TempDir()
	cfg.Workers = 0
	if o.Config != nil {
		o.Config(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("testapp: config: %v", err)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(ta.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ta.App = app.New(cfg, d, app.Options{Clock: c, Log: log, Argon: CheapArgon})
	ta.App.Outbound.Resolver = NoDNS{} // tests talk to 127.0.0.1 only; allow it with Config.OutboundAllow
	ta.checkCatalogues()
	srv, err := server.New(context.Background(), ta.App, o.Modules...)
	if err != nil {
		t.Fatalf("testapp: server: %v", err)
	}
	ta.Server = srv
	ta.HTTP.Config.Handler = srv.Handler
	ta.HTTP.Start()
	t.Cleanup(ta.HTTP.Close)
	return ta
}

// checkCatalogues holds every event the app appends to its domain's typed catalogue
// (events.Register): an unknown action or an undeclared payload field fails the test.
func (ta *TestApp) checkCatalogues() {
	var mu sync.Mutex
	var bad []string
	ta.App.Events.Subscribe(func(e events.Event) {
		if err := events.CheckCatalogue(e); err != nil {
			mu.Lock()
			bad = append(bad, err.Error())
			mu.Unlock()
		}
	})
	ta.T.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, b := range bad {
			ta.T.Errorf("event catalogue: %s", b)
		}
	})
}

// NoDNS is the resolver of a test app's outbound requests: "localhost" is 127.0.0.1,
// every other name fails without asking a name server.
type NoDNS struct{}

// LookupNetIP resolves host.
func (NoDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if host == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no DNS in tests", Name: host, IsNotFound: true}
}

// Secret records a value that must never appear in the logs (see LogsContainSecret).
// User and Token record theirs automatically.
func (ta *TestApp) Secret(s string) {
	ta.secretsMu.Lock()
	ta.secrets = append(ta.secrets, s)
	ta.secretsMu.Unlock()
}

// Secrets returns every recorded secret.
func (ta *TestApp) Secrets() []string {
	ta.secretsMu.Lock()
	defer ta.secretsMu.Unlock()
	return append([]string(nil), ta.secrets...)
}

// User is a test user with its password.
type User struct {
	*account.User
	Password string
}

// Actor returns the user as an authorization actor.
func (u User) Actor() authz.Actor { return u.User.Actor() }

// User creates a user with role, a unique address (role-N@example.org) and a known
// random password.
func (ta *TestApp) User(role authz.Role) User {
	ta.T.Helper()
	n := ta.n.Add(1)
	return ta.UserWith(account.NewUser{Email: fmt.Sprintf("%s-%d@example.org", role, n), Name: fmt.Sprintf("Test %s %d", role, n), Role: role})
}

// UserWith creates a user from in; an empty password gets a random one.
func (ta *TestApp) UserWith(in account.NewUser) User {
	ta.T.Helper()
	if in.Password == "" {
		in.Password = "pw-" + randomWord() + "-" + randomWord()
	}
	ta.Secret(in.Password)
	u, err := ta.App.Accounts.CreateUser(context.Background(), authz.System("testapp"), in)
	if err != nil {
		ta.T.Fatalf("testapp: create user %s: %v", in.Email, err)
	}
	return User{User: u, Password: in.Password}
}

// Token creates an API token for u with scopes (read and write when none are given).
func (ta *TestApp) Token(u User, scopes ...authz.TokenScope) string {
	ta.T.Helper()
	secret, _, err := ta.App.Accounts.CreateToken(context.Background(), authz.System("testapp"), u.ID,
		account.NewToken{Name: "test " + randomWord(), Scopes: scopes})
	if err != nil {
		ta.T.Fatalf("testapp: token for %s: %v", u.Email, err)
	}
	ta.Secret(secret)
	return secret
}

// Response is a finished HTTP exchange with its body read.
type Response struct {
	*http.Response
	Body []byte
}

// Want fails the test unless the status is one of codes, printing the body.
func (r *Response) Want(t testing.TB, codes ...int) *Response {
	t.Helper()
	for _, c := range codes {
		if r.StatusCode == c {
			return r
		}
	}
	t.Fatalf("%s %s: status %d, want %v; body: %.600s", r.Request.Method, r.Request.URL.Path, r.StatusCode, codes, r.Body)
	return r
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s %s: body is not JSON (%v): %.300s", r.Request.Method, r.Request.URL.Path, err, r.Body)
	}
}

// Problem decodes an RFC 9457 body and checks its content type.
func (r *Response) Problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%s %s: content type %q, want application/problem+json; body %.300s", r.Request.Method, r.Request.URL.Path, ct, r.Body)
	}
	var p Problem
	r.JSON(t, &p)
	return p
}

// Problem is an RFC 9457 problem document as huma writes it.
type Problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

// Text is the whole problem as one string (for "names the field" assertions).
func (p Problem) Text() string {
	var b strings.Builder
	b.WriteString(p.Title + " " + p.Detail)
	for _, e := range p.Errors {
		b.WriteString(" " + e.Location + ": " + e.Message)
	}
	return b.String()
}

// Do sends req with the test server's client and reads the answer. Redirects are not
// followed.
func (ta *TestApp) Do(req *http.Request) *Response {
	ta.T.Helper()
	return do(ta.T, noRedirect(ta.HTTP.Client()), req)
}

// API sends a request to the JSON API with an optional bearer token. body is nil, a
// string or []byte sent as is, or a value encoded as JSON; a body is sent with
// Content-Type application/json.
func (ta *TestApp) API(method, path, token string, body any) *Response {
	ta.T.Helper()
	req := ta.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ta.Do(req)
}

// NewRequest builds a request to the test server (see API for body).
func (ta *TestApp) NewRequest(method, path string, body any) *http.Request {
	ta.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			ta.T.Fatalf("testapp: encode body: %v", err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ta.URL+path, r)
	if err != nil {
		ta.T.Fatalf("testapp: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req
}

func noRedirect(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

func do(t testing.TB, c *http.Client, req *http.Request) *Response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return &Response{Response: res, Body: b}
}

// Browser is a client with a cookie jar that does not follow redirects, like a browser
// session seen one request at a time.
type Browser struct {
	ta     *TestApp
	Client *http.Client
}

// Browser returns a new browser with an empty cookie jar.
func (ta *TestApp) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	c := noRedirect(ta.HTTP.Client())
	c.Jar = jar
	return &Browser{ta: ta, Client: c}
}

// SignIn gives the browser a session for u, as a successful sign-in does, without going
// through the sign-in form (whose per-IP rate limit would stop a test that signs many
// users in). Use SignInForm to test the form itself.
func (b *Browser) SignIn(u User) {
	b.ta.T.Helper()
	tok, _, err := b.ta.App.Accounts.StartSession(context.Background(), u.User, "testapp")
	if err != nil {
		b.ta.T.Fatalf("testapp: session for %s: %v", u.Email, err)
	}
	b.ta.Secret(tok)
	b.SetSession(tok)
}

// SetSession puts a session cookie value in the jar.
func (b *Browser) SetSession(token string) {
	u, _ := url.Parse(b.ta.URL)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: server.SessionCookie, Value: token, Path: "/"}})
}

// Session returns the session cookie value ("" when signed out).
func (b *Browser) Session() string {
	u, _ := url.Parse(b.ta.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == server.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// SignInForm signs in through the sign-in form with u's password and, when code is not
// empty, the TOTP step. It returns the last response (303 on success).
func (b *Browser) SignInForm(u User, code string) *Response {
	b.ta.T.Helper()
	res := b.Post("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if res.StatusCode != http.StatusOK || code == "" {
		return res
	}
	m := regexp.MustCompile(`name="ticket" value="([^"]+)"`).FindSubmatch(res.Body)
	if m == nil {
		b.ta.T.Fatalf("testapp: sign-in answered 200 without a code step: %.500s", res.Body)
	}
	return b.Post("/login/code", url.Values{"ticket": {string(m[1])}, "code": {code}})
}

// Get fetches path.
func (b *Browser) Get(path string) *Response {
	b.ta.T.Helper()
	req, err := http.NewRequest(http.MethodGet, b.ta.URL+path, nil)
	if err != nil {
		b.ta.T.Fatal(err)
	}
	return do(b.ta.T, b.Client, req)
}

// Post submits a form exactly as given (no CSRF token added).
func (b *Browser) Post(path string, form url.Values) *Response {
	b.ta.T.Helper()
	req, err := http.NewRequest(http.MethodPost, b.ta.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.ta.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(b.ta.T, b.Client, req)
}

// Submit posts a form with the session's CSRF token added, as the pages' forms do.
func (b *Browser) Submit(path string, form url.Values) *Response {
	b.ta.T.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf", b.CSRF())
	return b.Post(path, f)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// CSRF returns the form token of the browser's session, read from a page as a browser
// would (the account page, which every signed-in user may see).
func (b *Browser) CSRF() string {
	b.ta.T.Helper()
	res := b.Get("/account")
	m := csrfRE.FindSubmatch(res.Body)
	if res.StatusCode != http.StatusOK || m == nil || len(m[1]) == 0 {
		b.ta.T.Fatalf("testapp: no CSRF token on /account (status %d; signed in?)", res.StatusCode)
	}
	return string(m[1])
}

// Buffer is a goroutine-safe bytes.Buffer for captured logs.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var wordN atomic.Int64

// randomWord is unique within the process and unpredictable enough for test secrets.
func randomWord() string {
	return fmt.Sprintf("%x%d", time.Now().UnixNano()&0xffffff, wordN.Add(1))
}
