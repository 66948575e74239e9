// Package web is sirt's HTML interface: server-rendered pages that work without
// JavaScript, one template per page on one layout, one page struct per template. A
// handler parses the form, calls a domain service with the request's actor and renders
// or redirects; errors go to one place (serveError) that turns them into pages.
package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/httperr"
	"github.com/oss-sirt/sirt/internal/ratelimit"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static returns the embedded static files (CSS, vendored front-end assets).
func Static() fs.FS {
	sub, _ := fs.Sub(staticFS, "static")
	return sub
}

// SessionCookie is the session cookie's name (the server's middleware reads it).
const SessionCookie = "sirt_session"

// Handlers serves the HTML pages.
type Handlers struct {
	app       *app.App
	log       *slog.Logger
	pages     map[string]*template.Template
	ticketKey []byte
	secure    bool
	navs      []NavItem
	// ReportLimiter limits report submissions per IP (shared with the API).
	ReportLimiter *ratelimit.Limiter
	// ApplyLimiter limits applications per IP (shared with the API).
	ApplyLimiter *ratelimit.Limiter
}

// NavItem is one entry of the main navigation; later capabilities add theirs.
type NavItem struct {
	Label  string
	Href   string
	Action authz.Action // shown when the actor may do this (global actions); "" = signed in
}

// New builds the handlers.
func New(a *app.App, ticketKey []byte) (*Handlers, error) {
	h := &Handlers{app: a, log: a.Log, pages: map[string]*template.Template{}, ticketKey: ticketKey,
		secure: strings.HasPrefix(a.Cfg.BaseURL, "https://")}
	h.navs = []NavItem{
		{Label: "Dashboard", Href: "/dashboard", Action: authz.ViewDashboard},
		{Label: "My cases", Href: "/my-cases"},
		{Label: "Reports", Href: "/reports", Action: authz.ListReports},
		{Label: "Cases", Href: "/cases"},
		{Label: "Users", Href: "/admin/users", Action: authz.ManageUsers},
		{Label: "Jobs", Href: "/admin/jobs", Action: authz.ViewJobs},
		{Label: "Audit", Href: "/admin/audit", Action: authz.ViewAudit},
		{Label: "Pages", Href: "/admin/pages", Action: authz.ManageSettings},
		{Label: "Templates", Href: "/admin/templates", Action: authz.ManageSettings},
		{Label: "Plan", Href: "/plan", Action: authz.ViewProgramme},
		{Label: "Team", Href: "/people/roster", Action: authz.ViewRoster},
		{Label: "On call", Href: "/oncall", Action: authz.ViewRoster},
		{Label: "Docs", Href: "/docs", Action: authz.ListDocs},
		{Label: "Candidates", Href: "/people/candidates", Action: authz.ManageRecruitment},
		{Label: "Account", Href: "/account"},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		h.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return h, nil
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join": strings.Join,
	// pngDataURL lets a server-made PNG through html/template, which otherwise replaces
	// data: URLs in src with #ZgotmplZ (the TOTP QR code).
	"pngDataURL": func(s string) template.URL {
		if strings.HasPrefix(s, "data:image/png;base64,") {
			return template.URL(s)
		}
		return ""
	},
	"markdown":   Markdown,
	"list":       func(xs ...string) []string { return xs },
	"date":       func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006") },
	"fieldLabel": fieldLabel,
	"fieldID":    fieldID,
	"fieldErr": func(es validate.Errors, field string) *fieldErrorView {
		if m := es.For(field); m != "" {
			return &fieldErrorView{ID: fieldID(field), Message: m}
		}
		return nil
	},
	"words":  words,
	"change": changeWords,
	"inList": func(v string, xs []string) bool { return slices.Contains(xs, v) },
	"pct": func(a, b int) int {
		if b == 0 {
			return 0
		}
		return a * 100 / b
	},
}

// AddNav appends a navigation entry (for later capabilities).
func (h *Handlers) AddNav(n NavItem) {
	h.navs = append(h.navs[:len(h.navs)-1], n, h.navs[len(h.navs)-1])
}

// handler is an HTML handler that returns its error to serveError.
type handler func(w http.ResponseWriter, r *http.Request) error

// Register adds the pages to mux.
func (h *Handlers) Register(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	handle("GET /{$}", h.home)
	handle("GET /login", h.loginForm)
	handle("POST /login", h.loginPost)
	handle("POST /login/code", h.loginCodePost)
	handle("POST /logout", h.logout)
	handle("GET /setup/{token}", h.linkForm)
	handle("POST /setup/{token}", h.linkPost)
	handle("GET /invite/{token}", h.linkForm)
	handle("POST /invite/{token}", h.linkPost)
	handle("GET /reset/{token}", h.linkForm)
	handle("POST /reset/{token}", h.linkPost)
	handle("GET /dashboard", h.dashboard)
	handle("GET /my-cases", h.myCases)
	handle("GET /account", h.accountPage)
	handle("POST /account/profile", h.accountProfile)
	handle("POST /account/password", h.accountPassword)
	handle("POST /account/totp/begin", h.totpBegin)
	handle("POST /account/totp/confirm", h.totpConfirm)
	handle("POST /account/totp/disable", h.totpDisable)
	handle("POST /account/tokens", h.tokenCreate)
	handle("POST /account/tokens/{id}/revoke", h.tokenRevoke)
	handle("GET /admin/users", h.usersPage)
	handle("POST /admin/users", h.userCreate)
	handle("POST /admin/users/invite", h.userInvite)
	handle("POST /admin/users/{id}", h.userUpdate)
	handle("POST /admin/users/{id}/reset-link", h.userResetLink)
	handle("GET /admin/jobs", h.jobsPage)
	handle("POST /admin/jobs/{id}/retry", h.jobRetry)
	handle("GET /admin/audit", h.auditPage)
	h.registerPublic(mux)
	h.registerAdvisories(mux)
	h.registerIntake(mux)
	h.registerPlan(mux)
	h.registerCases(mux)
	h.registerEngagements(mux)
	h.registerPostmortems(mux)
	h.registerMetrics(mux)
	h.registerPeople(mux)
	h.registerKnowledge(mux)
	h.registerSurveys(mux)
	h.registerDirectory(mux)
	h.registerDeps(mux)
	// Every other address: the branded "not found" page, not Go's plain text.
	handle("/", func(http.ResponseWriter, *http.Request) error { return errNotFound })
}

func staticHandler() http.Handler {
	fsrv := http.FileServerFS(Static())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// wrap checks the per-form CSRF token on every state-changing request of a signed-in
// browser (cross-origin requests are already refused by http.CrossOriginProtection) and
// sends errors to serveError.
func (h *Handlers) wrap(f handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// Forms are small; forms with files (reports, case files, plan uploads) may
			// carry up to 10 MiB of them.
			limit := int64(1 << 20)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				limit = maxUpload + 1<<20
				if r.URL.Path == "/report" || r.URL.Path == "/help" {
					limit = maxReportBody // read past a file too large, to show the form again whole
				}
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if _, csrf := reqctx.Session(r.Context()); csrf != "" {
				if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrf)) != 1 {
					h.serveError(w, r, errCSRF)
					return
				}
			}
		}
		r = h.takeFlash(w, r)
		if err := f(w, r); err != nil {
			h.serveError(w, r, err)
		}
	})
}

var errCSRF = errors.New("the form has expired or came from another site; reload the page and try again")

// BasePage is embedded in every page struct.
type BasePage struct {
	Title   string
	Team    string
	User    *account.User
	CSRF    string
	Nav     []NavItem
	Current string
	Flash   string
	Errors  validate.Errors
	// Input is what a refused form posted, shown again (formRefused).
	Input url.Values
}

func (h *Handlers) base(r *http.Request, title string) BasePage {
	_, csrf := reqctx.Session(r.Context())
	b := BasePage{Title: title, Team: h.app.Cfg.Team, User: reqctx.User(r.Context()), CSRF: csrf, Current: r.URL.Path,
		Flash: flashFrom(r.Context())}
	if b.User != nil {
		a := reqctx.Actor(r.Context())
		for _, n := range h.navs {
			if n.Action == "" || authz.Can(a, n.Action, nil) == nil {
				b.Nav = append(b.Nav, n)
			}
		}
	}
	return b
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) error {
	t, ok := h.pages[page]
	if !ok {
		return fmt.Errorf("web: no template %q", page)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write([]byte(b.String()))
	return err
}

type errorPage struct {
	BasePage
	Status  int
	Message string
	SignIn  bool // offer the sign-in link
}

// serveError is the one place errors become pages. The status comes from httperr.Map
// (the API's mapping too); only the wording is the web's. Not-found and not-allowed for
// objects whose existence is secret are both "not found".
func (h *Handlers) serveError(w http.ResponseWriter, r *http.Request, err error) {
	p := httperr.Map(err)
	if errors.Is(err, errCSRF) {
		p = httperr.Problem{Status: http.StatusForbidden, Detail: err.Error()}
	}
	status, msg := p.Status, p.Detail
	switch status {
	case http.StatusUnauthorized:
		http.Redirect(w, r, "/login?next="+safeNext(r.URL.Path), http.StatusSeeOther)
		return
	case http.StatusNotFound:
		msg = "There is nothing here, or you do not have access to it."
	case http.StatusForbidden:
		if errors.Is(err, authz.ErrForbidden) {
			msg = "Your role does not allow this."
		}
	case http.StatusTooManyRequests:
		setRetryAfter(w, p.RetryAfter)
	case http.StatusInternalServerError:
		msg = "Something went wrong on our side. The error has been logged with request id " + reqctx.RequestID(r.Context()) + "."
		h.log.Error("web: request failed", "request_id", reqctx.RequestID(r.Context()), "route", r.Pattern, "err", err)
	}
	page := errorPage{BasePage: h.base(r, http.StatusText(status)), Status: status, Message: msg}
	if rerr := h.render(w, r, status, "error", page); rerr != nil {
		http.Error(w, msg, status)
	}
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/dashboard"
	}
	return p
}

// requireUser returns the signed-in actor or ErrUnauthenticated (→ sign-in page).
func requireUser(r *http.Request) (authz.Actor, error) {
	a := reqctx.Actor(r.Context())
	if a.IsAnonymous() {
		return a, authz.ErrUnauthenticated
	}
	return a, nil
}

func pathID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, db.ErrNotFound
	}
	return n, nil
}

// ticket signs a short-lived "password checked, code pending" state for the TOTP step,
// so the password is not carried in the second form.
func (h *Handlers) ticket(userID int64, next string, exp time.Time) string {
	msg := fmt.Sprintf("%d|%d|%s", userID, exp.Unix(), next)
	mac := hmac.New(sha256.New, h.ticketKey)
	mac.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (h *Handlers) openTicket(t string, now time.Time) (int64, string, bool) {
	msgB64, sigB64, ok := strings.Cut(t, ".")
	if !ok {
		return 0, "", false
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(msgB64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sigB64)
	if err1 != nil || err2 != nil {
		return 0, "", false
	}
	mac := hmac.New(sha256.New, h.ticketKey)
	mac.Write(msg)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return 0, "", false
	}
	parts := strings.SplitN(string(msg), "|", 3)
	if len(parts) != 3 {
		return 0, "", false
	}
	id, _ := strconv.ParseInt(parts[0], 10, 64)
	exp, _ := strconv.ParseInt(parts[1], 10, 64)
	if now.Unix() > exp {
		return 0, "", false
	}
	return id, parts[2], true
}

func (h *Handlers) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int((7 * 24 * time.Hour).Seconds())})
}

func (h *Handlers) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// clientIP is the client's address, for rate limits: as the server's middleware worked
// it out (behind trusted proxies, the address the proxy saw), else the peer address.
func clientIP(r *http.Request) string {
	if ip := reqctx.ClientIP(r.Context()); ip != "" {
		return ip
	}
	host := r.RemoteAddr
	if i := strings.LastIndex(host, ":"); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
