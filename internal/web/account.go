package web

import (
	"net/http"
	"strings"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

type accountPage struct {
	BasePage
	Tokens    []*account.Token
	NewToken  string // shown once after creation
	Enrolment *account.TOTPEnrolment
	TimeZones []string
	// RecoveryCodes are shown once, right after TOTP is turned on.
	RecoveryCodes []string
	RecoveryLeft  int
}

func (h *Handlers) accountData(r *http.Request, a authz.Actor) (accountPage, error) {
	p := accountPage{BasePage: h.base(r, "Your account"), TimeZones: []string{"UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"}}
	ts, err := h.app.Accounts.ListTokens(r.Context(), a, a.UserID)
	if err != nil {
		return p, err
	}
	p.Tokens = ts
	// A begun enrolment stays on the page (same secret) until it is confirmed.
	if p.Enrolment, err = h.app.Accounts.PendingTOTP(r.Context(), a); err != nil {
		return p, err
	}
	if p.User != nil && p.User.TOTPEnabled {
		p.RecoveryLeft, err = h.app.Accounts.RecoveryCodesLeft(r.Context(), a.UserID)
	}
	return p, err
}

func (h *Handlers) accountPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.accountData(r, a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "account", p)
}

// accountFail re-renders the account page with field errors.
func (h *Handlers) accountFail(w http.ResponseWriter, r *http.Request, a authz.Actor, err error) error {
	fe, ok := validate.As(err)
	if !ok {
		return err
	}
	p, lerr := h.accountData(r, a)
	if lerr != nil {
		return lerr
	}
	p.Errors = fe
	return h.render(w, r, http.StatusUnprocessableEntity, "account", p)
}

func (h *Handlers) accountProfile(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	name, tz := r.PostFormValue("name"), r.PostFormValue("time_zone")
	if _, err := h.app.Accounts.UpdateUser(r.Context(), a, a.UserID, account.UserUpdate{Name: &name, TimeZone: &tz}); err != nil {
		return h.accountFail(w, r, a, err)
	}
	h.redirectFlash(w, r, "/account", "Profile saved.")
	return nil
}

func (h *Handlers) accountPassword(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		return h.accountFail(w, r, a, validate.Field("password2", "does not match the new password"))
	}
	tok, _ := reqctx.Session(r.Context())
	if err := h.app.Accounts.ChangePassword(r.Context(), a, r.PostFormValue("current_password"), r.PostFormValue("password"), tok); err != nil {
		return h.accountFail(w, r, a, err)
	}
	h.redirectFlash(w, r, "/account", "Password changed. Your other sessions were signed out.")
	return nil
}

func (h *Handlers) totpBegin(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	en, err := h.app.Accounts.BeginTOTP(r.Context(), a)
	if err != nil {
		return err
	}
	p, err := h.accountData(r, a)
	if err != nil {
		return err
	}
	p.Enrolment = en
	return h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handlers) totpConfirm(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	codes, err := h.app.Accounts.ConfirmTOTP(r.Context(), a, strings.TrimSpace(r.PostFormValue("code")))
	if err != nil {
		return h.accountFail(w, r, a, err)
	}
	// Rendered, not redirected: the recovery codes are shown this once.
	p, err := h.accountData(r, a)
	if err != nil {
		return err
	}
	if p.User, err = h.app.Accounts.GetUser(r.Context(), a.UserID); err != nil {
		return err
	}
	p.RecoveryCodes, p.RecoveryLeft = codes, len(codes)
	p.Flash = "Two-factor sign-in is on. Keep the recovery codes below somewhere safe: they are shown only now."
	return h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handlers) totpDisable(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := h.app.Accounts.DisableTOTP(r.Context(), a, r.PostFormValue("password")); err != nil {
		return h.accountFail(w, r, a, err)
	}
	h.redirectFlash(w, r, "/account", "Two-factor sign-in is off.")
	return nil
}

func (h *Handlers) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	var scopes []authz.TokenScope
	for _, s := range r.PostForm["scope"] {
		scopes = append(scopes, authz.TokenScope(s))
	}
	secret, _, err := h.app.Accounts.CreateToken(r.Context(), a, a.UserID, account.NewToken{Name: r.PostFormValue("name"), Scopes: scopes})
	if err != nil {
		return h.accountFail(w, r, a, err)
	}
	p, err := h.accountData(r, a)
	if err != nil {
		return err
	}
	p.NewToken = secret
	p.Flash = "Token created. Copy it now: it is not shown again."
	return h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handlers) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.Accounts.RevokeToken(r.Context(), a, id); err != nil {
		return err
	}
	h.redirectFlash(w, r, "/account", "Token revoked.")
	return nil
}
