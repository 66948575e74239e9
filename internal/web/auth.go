package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

type homePage struct {
	BasePage
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "home", homePage{BasePage: h.base(r, "Security incident response for open source")})
}

type loginPage struct {
	BasePage
	Email   string
	Next    string
	Ticket  string // set on the second (code) step
	Message string
}

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) error {
	if reqctx.User(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return h.render(w, r, http.StatusOK, "login", loginPage{BasePage: h.base(r, "Sign in"), Next: safeNext(r.URL.Query().Get("next"))})
}

func (h *Handlers) loginPost(w http.ResponseWriter, r *http.Request) error {
	p := loginPage{BasePage: h.base(r, "Sign in"), Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	u, err := h.app.Accounts.Authenticate(r.Context(), account.Login{Email: p.Email, Password: r.PostFormValue("password"), IP: clientIP(r)})
	switch {
	case errors.Is(err, account.ErrTOTPRequired):
		uu, _ := h.app.Accounts.UserByEmail(r.Context(), p.Email)
		p.Ticket = h.ticket(uu.ID, p.Next, h.app.Clock.Now().Add(5*time.Minute))
		p.Title = "Enter your code"
		return h.render(w, r, http.StatusOK, "login", p)
	case errors.Is(err, account.ErrBadCredentials), errors.Is(err, account.ErrRateLimited):
		p.Message = err.Error()
		return h.render(w, r, signInStatus(w, err), "login", p)
	case err != nil:
		return err
	}
	return h.startSession(w, r, u, p.Next)
}

func (h *Handlers) loginCodePost(w http.ResponseWriter, r *http.Request) error {
	ticket := r.PostFormValue("ticket")
	id, next, ok := h.openTicket(ticket, h.app.Clock.Now())
	p := loginPage{BasePage: h.base(r, "Sign in"), Next: next}
	if !ok {
		p.Message = "The sign-in took too long; enter your email and password again."
		return h.render(w, r, http.StatusUnauthorized, "login", p)
	}
	u, err := h.app.Accounts.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	// The password was checked when the ticket was issued; check it is still the same user
	// state and the code now (rate-limited like passwords).
	u2, err := h.app.Accounts.AuthenticateCode(r.Context(), u, r.PostFormValue("code"), clientIP(r))
	if err != nil {
		if !errors.Is(err, account.ErrBadCredentials) && !errors.Is(err, account.ErrRateLimited) {
			return err
		}
		p.Ticket, p.Message, p.Title = ticket, err.Error(), "Enter your code"
		return h.render(w, r, signInStatus(w, err), "login", p)
	}
	return h.startSession(w, r, u2, next)
}

// signInStatus is 401 for a failed attempt, or 429 with Retry-After when held back.
func signInStatus(w http.ResponseWriter, err error) int {
	if errors.Is(err, account.ErrRateLimited) {
		setRetryAfter(w, account.RetryAfter(err))
		return http.StatusTooManyRequests
	}
	return http.StatusUnauthorized
}

func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}

func (h *Handlers) startSession(w http.ResponseWriter, r *http.Request, u *account.User, next string) error {
	// Signing in replaces any session the browser had.
	if tok, _ := reqctx.Session(r.Context()); tok != "" {
		_ = h.app.Accounts.EndSession(r.Context(), tok)
	}
	tok, _, err := h.app.Accounts.StartSession(r.Context(), u, r.UserAgent())
	if err != nil {
		return err
	}
	h.setSessionCookie(w, tok)
	if next == "" || next == "/" || next == "/dashboard" {
		next = "/dashboard"
		if !u.Actor().IsStaff() {
			next = "/my-cases" // a member's home: their cases and what they ask
		}
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	return nil
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) error {
	if tok, _ := reqctx.Session(r.Context()); tok != "" {
		if err := h.app.Accounts.EndSession(r.Context(), tok); err != nil {
			return err
		}
	}
	h.clearSessionCookie(w)
	h.redirectFlash(w, r, "/login", "Signed out.")
	return nil
}

type linkPage struct {
	BasePage
	Link   *account.Link
	Action string
	Name   string
	Email  string
}

// linkInvalid is the page of a one-time link that was used, has expired or was
// mistyped (never a 500): what to do instead.
func (h *Handlers) linkInvalid(w http.ResponseWriter, r *http.Request) error {
	msg := "This link is not valid: it was used already, has expired, or was mistyped. If you have an account, sign in; if you need a new link, ask an admin of the team."
	if strings.HasPrefix(r.URL.Path, "/setup/") {
		msg = "This set-up link is not valid any more: sirt is set up already (someone created an account, with this link or with \"sirt user add\"). Sign in with that account; an admin can invite more people."
	}
	return h.render(w, r, http.StatusNotFound, "error", errorPage{BasePage: h.base(r, "Link not valid"), Status: 404, Message: msg, SignIn: true})
}

func (h *Handlers) linkForm(w http.ResponseWriter, r *http.Request) error {
	l, err := h.app.Accounts.LookupLink(r.Context(), r.PathValue("token"))
	if err != nil {
		return h.linkInvalid(w, r)
	}
	if l.Purpose == account.LinkSetup {
		if n, err := h.app.Accounts.CountUsers(r.Context()); err == nil && n > 0 {
			return h.linkInvalid(w, r)
		}
	}
	return h.render(w, r, http.StatusOK, "link", linkPage{BasePage: h.base(r, linkTitle(l.Purpose)), Link: l, Action: r.URL.Path, Email: l.Email})
}

func linkTitle(purpose string) string {
	switch purpose {
	case account.LinkSetup:
		return "Create the first admin account"
	case account.LinkInvite:
		return "Accept your invitation"
	}
	return "Choose a new password"
}

func (h *Handlers) linkPost(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	l, err := h.app.Accounts.LookupLink(r.Context(), token)
	if err != nil {
		return h.linkInvalid(w, r)
	}
	p := linkPage{BasePage: h.base(r, linkTitle(l.Purpose)), Link: l, Action: r.URL.Path, Name: r.PostFormValue("name"), Email: r.PostFormValue("email")}
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		p.Errors = validate.Errors{{Field: "password2", Message: "does not match the password"}}
		return h.render(w, r, http.StatusUnprocessableEntity, "link", p)
	}
	u, err := h.app.Accounts.Redeem(r.Context(), token, account.NewUser{Email: p.Email, Name: p.Name, Password: r.PostFormValue("password")})
	if fe, ok := validate.As(err); ok {
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "link", p)
	}
	if errors.Is(err, account.ErrLinkInvalid) {
		return h.linkInvalid(w, r)
	}
	if err != nil {
		return err
	}
	h.setFlash(w, "Welcome. Set up your second factor (TOTP) below.")
	return h.startSession(w, r, u, "/account")
}
