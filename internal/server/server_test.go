package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func TestCSRFTokenRequiredOnSignedInForms(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		admin := ta.User(authz.RoleAdmin)
		b := ta.Browser()
		b.SignIn(admin)
		form := url.Values{"email": {"csrf@example.org"}, "role": {"member"}, "password": {"a-long-passphrase"}}

		b.Post("/admin/users", form).Want(t, http.StatusForbidden)
		bad := url.Values{"csrf": {"not-the-token"}}
		for k, v := range form {
			bad[k] = v
		}
		b.Post("/admin/users", bad).Want(t, http.StatusForbidden)
		if _, err := ta.App.Accounts.UserByEmail(context.Background(), "csrf@example.org"); err == nil {
			t.Fatal("a form without the right CSRF token created a user")
		}
		// Signing out is state-changing too: without the token the session survives.
		b.Post("/logout", nil).Want(t, http.StatusForbidden)
		b.Get("/dashboard").Want(t, http.StatusOK)

		b.Submit("/admin/users", form).Want(t, http.StatusSeeOther)
		if _, err := ta.App.Accounts.UserByEmail(context.Background(), "csrf@example.org"); err != nil {
			t.Fatalf("the same form with its token did not create the user: %v", err)
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	admin := ta.User(authz.RoleAdmin)
	b := ta.Browser()
	b.SignIn(admin)
	csrf := b.CSRF()
	for name, hdr := range map[string][2]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site", "cross-site"},
		"foreign Origin":            {"Origin", "https://evil.example"},
	} {
		t.Run(name, func(t *testing.T) {
			form := url.Values{"csrf": {csrf}, "email": {"xo@example.org"}, "role": {"admin"}, "password": {"a-long-passphrase"}}
			req, _ := http.NewRequest(http.MethodPost, ta.URL+"/admin/users", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(hdr[0], hdr[1])
			res, err := b.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-origin POST with a valid CSRF token: %d, want 403", res.StatusCode)
			}
		})
	}
	if _, err := ta.App.Accounts.UserByEmail(context.Background(), "xo@example.org"); err == nil {
		t.Fatal("a cross-origin POST created a user")
	}
}

func TestSessionExpiresOverHTTP(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		u := ta.User(authz.RoleResponder)

		t.Run("idle", func(t *testing.T) {
			b := ta.Browser()
			b.SignIn(u)
			b.Get("/dashboard").Want(t, http.StatusOK)
			ta.Clock.Advance(7*time.Hour + 59*time.Minute)
			b.Get("/dashboard").Want(t, http.StatusOK) // activity refreshes the idle timer
			ta.Clock.Advance(7*time.Hour + 59*time.Minute)
			b.Get("/dashboard").Want(t, http.StatusOK)
			ta.Clock.Advance(8*time.Hour + time.Second)
			res := b.Get("/dashboard").Want(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
				t.Fatalf("expired session redirected to %q, want /login", loc)
			}
		})
		t.Run("absolute", func(t *testing.T) {
			b := ta.Browser()
			b.SignIn(u)
			for i := 0; i < 24; i++ { // 24 × 7h = 7 days: never idle, but too old
				ta.Clock.Advance(7 * time.Hour)
				if res := b.Get("/dashboard"); res.StatusCode != http.StatusOK {
					if i < 23 {
						t.Fatalf("session ended after %d×7h, before the 7-day limit", i+1)
					}
					return
				}
			}
			t.Fatal("session still valid after 7 days of activity")
		})
	})
}

func TestSecurityHeaders(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	for _, path := range []string{"/", "/login", "/api/v1/me", "/static/sirt.css", "/healthz"} {
		res := ta.Do(ta.NewRequest("GET", path, nil))
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", path)
		}
	}
	// Pages carry no inline script or style, which the CSP would block.
	u := ta.User(authz.RoleAdmin)
	b := ta.Browser()
	b.SignIn(u)
	inline := regexp.MustCompile(`(?i)<script[^>]*>[^<]|<style|\sstyle="|\son[a-z]+="`)
	if res := ta.Browser().Get("/login").Want(t, http.StatusOK); inline.Match(res.Body) {
		t.Errorf("/login has inline code the CSP blocks")
	}
	for _, path := range []string{"/", "/dashboard", "/account", "/admin/users", "/admin/jobs", "/admin/audit"} {
		res := b.Get(path).Want(t, http.StatusOK)
		if m := inline.Find(res.Body); m != nil {
			t.Errorf("%s has inline code the CSP blocks: %q", path, m)
		}
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	u := ta.User(authz.RoleMember)
	b := ta.Browser()
	res := b.SignInForm(u, "").Want(t, http.StatusSeeOther)
	var c *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == "sirt_session" {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Value == "" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax", c)
	}
	// Signing in again rotates the session.
	first := b.Session()
	b.Post("/login", url.Values{"email": {u.Email}, "password": {u.Password}, "csrf": {b.CSRF()}}).Want(t, http.StatusSeeOther)
	if b.Session() == first {
		t.Fatal("the session id was not rotated on sign-in")
	}
	old := ta.Browser()
	old.SetSession(first)
	old.Get("/account").Want(t, http.StatusSeeOther)
}

func TestAPIBadInput(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		u := ta.User(authz.RoleAdmin)
		tok := ta.Token(u)

		t.Run("malformed JSON", func(t *testing.T) {
			p := ta.API("POST", "/api/v1/tokens", tok, `{"name": `).Want(t, http.StatusBadRequest).Problem(t)
			if p.Status != 400 {
				t.Fatalf("problem status %d", p.Status)
			}
		})
		t.Run("wrong content type", func(t *testing.T) {
			req := ta.NewRequest("POST", "/api/v1/tokens", "name=x")
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+tok)
			res := ta.Do(req)
			if res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Fatalf("form body to a JSON route: %d, want a 4xx", res.StatusCode)
			}
			res.Problem(t)
		})
		t.Run("oversized body", func(t *testing.T) {
			big := `{"name": "` + strings.Repeat("x", 2<<20) + `"}`
			p := ta.API("POST", "/api/v1/tokens", tok, big).Want(t, http.StatusRequestEntityTooLarge).Problem(t)
			if p.Status != 413 {
				t.Fatalf("problem status %d", p.Status)
			}
		})
		t.Run("declared length over the server limit", func(t *testing.T) {
			// Sent by hand: the server must refuse on the header, before reading 64 MiB.
			conn, err := net.Dial("tcp", strings.TrimPrefix(ta.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{}", tok, 100<<20)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 413 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("100 MiB declared: %d %s, want 413 problem+json", res.StatusCode, res.Header.Get("Content-Type"))
			}
		})
		t.Run("missing field", func(t *testing.T) {
			p := ta.API("POST", "/api/v1/users", tok, `{"email": "a@example.org", "password": "a-long-passphrase"}`).Want(t, http.StatusUnprocessableEntity).Problem(t)
			if !strings.Contains(p.Text(), "role") {
				t.Fatalf("422 does not name the missing field role: %s", p.Text())
			}
		})
		t.Run("domain validation names the field", func(t *testing.T) {
			p := ta.API("POST", "/api/v1/users", tok, `{"email": "not an address", "role": "member", "password": "a-long-passphrase"}`).Want(t, http.StatusUnprocessableEntity).Problem(t)
			if !strings.Contains(p.Text(), "email") {
				t.Fatalf("422 does not name email: %s", p.Text())
			}
		})
		t.Run("unknown route", func(t *testing.T) {
			p := ta.API("GET", "/api/v1/no-such-thing", tok, nil).Want(t, http.StatusNotFound).Problem(t)
			if !strings.Contains(p.Detail, "/api/v1/no-such-thing") {
				t.Fatalf("404 detail %q does not name the route", p.Detail)
			}
		})
		t.Run("bad token is 401, not anonymous", func(t *testing.T) {
			ta.API("GET", "/api/v1/me", "sirt_notavalidtoken", nil).Want(t, http.StatusUnauthorized).Problem(t)
			ta.API("GET", "/api/v1/me", "", nil).Want(t, http.StatusUnauthorized).Problem(t)
		})
		t.Run("bad cursor", func(t *testing.T) {
			ta.API("GET", "/api/v1/users?cursor=!!", tok, nil).Want(t, http.StatusBadRequest).Problem(t)
		})
	})
}

func TestOpenAPIDocument(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	ta.API("GET", "/api/v1/openapi.json", "", nil).Want(t, 200).JSON(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	for p := range ta.Server.API.OpenAPI().Paths {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("served document lacks %s", p)
		}
	}
}

func TestReadOnlyTokenCannotWriteOverHTTP(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	u := ta.User(authz.RoleAdmin)
	ro := ta.Token(u, authz.ScopeRead)
	ta.API("GET", "/api/v1/me", ro, nil).Want(t, 200)
	ta.API("POST", "/api/v1/tokens", ro, map[string]string{"name": "escalate"}).Want(t, http.StatusForbidden).Problem(t)
	ta.API("POST", "/api/v1/users", ro, map[string]string{"email": "ro@example.org", "role": "admin", "password": "a-long-passphrase"}).Want(t, http.StatusForbidden)
}

func TestSecretsNeverLogged(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		setup, err := ta.App.Accounts.SetupLink(ctx)
		if err != nil || setup == "" {
			t.Fatalf("setup link: %q %v", setup, err)
		}
		ta.Secret(setup)
		b := ta.Browser()
		b.Get("/setup/"+setup).Want(t, 200)
		adminPw := "first-admin-passphrase-" + t.Name()
		ta.Secret(adminPw)
		b.Post("/setup/"+setup, url.Values{"email": {"first@example.org"}, "password": {adminPw}, "password2": {adminPw}}).Want(t, http.StatusSeeOther)
		ta.Secret(b.Session())

		// Sign-in by form, right and wrong password.
		u := ta.User(authz.RoleResponder)
		wrong := "wrong-password-" + t.Name()
		ta.Secret(wrong)
		ta.Browser().Post("/login", url.Values{"email": {u.Email}, "password": {wrong}}).Want(t, http.StatusUnauthorized)
		ub := ta.Browser()
		ub.SignInForm(u, "").Want(t, http.StatusSeeOther)
		ta.Secret(ub.Session())
		ta.Secret(ub.CSRF())

		// Tokens used, created over the API, and a bad one.
		tok := ta.Token(u)
		ta.API("GET", "/api/v1/me", tok, nil).Want(t, 200)
		var created struct {
			Token string `json:"token"`
		}
		ta.API("POST", "/api/v1/tokens", tok, map[string]string{"name": "log test"}).Want(t, 201).JSON(t, &created)
		ta.Secret(created.Token)
		ta.API("GET", "/api/v1/me", created.Token+"x", nil).Want(t, 401)
		ta.API("GET", "/api/v1/me?token="+created.Token, "", nil)

		// Admin actions with passwords and one-time links.
		a := ta.User(authz.RoleAdmin)
		at := ta.Token(a)
		newPw := "created-by-api-" + t.Name()
		ta.Secret(newPw)
		ta.API("POST", "/api/v1/users", at, map[string]string{"email": "viaapi@example.org", "role": "member", "password": newPw}).Want(t, 201)
		var link struct {
			URL string `json:"url"`
		}
		ta.API("POST", "/api/v1/invitations", at, map[string]string{"email": "inv@example.org", "role": "member"}).Want(t, 201).JSON(t, &link)
		inv := link.URL[strings.LastIndex(link.URL, "/")+1:]
		ta.Secret(inv)
		ta.Browser().Get("/invite/"+inv).Want(t, 200)
		// A request that fails validation with a password in it.
		ta.API("POST", "/api/v1/users", at, map[string]string{"email": "bad", "role": "member", "password": newPw}).Want(t, 422)

		logs := ta.Logs.String()
		if !strings.Contains(logs, "/api/v1/me") {
			t.Fatalf("the access log did not capture requests; got %.300s", logs)
		}
		for _, s := range ta.Secrets() {
			if len(s) >= 8 && strings.Contains(logs, s) {
				t.Errorf("secret %.6s… appears in the server log", s)
			}
		}
		// Token prefixes are fine in logs; whole secrets are not.
		if strings.Contains(logs, account.TokenPrefix) && regexp.MustCompile(account.TokenPrefix+`[A-Za-z0-9_-]{40,}`).MatchString(logs) {
			t.Error("something that looks like a whole API token appears in the server log")
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	ta.Do(ta.NewRequest("GET", "/healthz", nil)).Want(t, 200)
	ta.Do(ta.NewRequest("GET", "/readyz", nil)).Want(t, 200)
	ta.API("GET", "/api/v1/me", "", nil)
	res := ta.Do(ta.NewRequest("GET", "/metrics", nil)).Want(t, 200)
	if !strings.Contains(string(res.Body), "sirt_http_requests_total") {
		t.Fatal("metrics lack sirt_http_requests_total")
	}
	ta.App.DB.Close()
	ta.Do(ta.NewRequest("GET", "/readyz", nil)).Want(t, http.StatusServiceUnavailable)
}
