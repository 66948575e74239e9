package web

import (
	"net/http"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/validate"
)

type usersPage struct {
	BasePage
	Users []*account.User
	Roles []authz.Role
	Link  string // a one-time link just made
	Form  account.NewUser
}

func (h *Handlers) usersData(r *http.Request, a authz.Actor) (usersPage, error) {
	us, err := h.app.Accounts.ListUsers(r.Context(), a, 0, 500)
	return usersPage{BasePage: h.base(r, "Users"), Users: us, Roles: authz.Roles}, err
}

func (h *Handlers) usersPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.usersData(r, a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "users", p)
}

func (h *Handlers) usersFail(w http.ResponseWriter, r *http.Request, a authz.Actor, err error, form account.NewUser) error {
	fe, ok := validate.As(err)
	if !ok {
		return err
	}
	p, lerr := h.usersData(r, a)
	if lerr != nil {
		return lerr
	}
	p.Errors, p.Form = fe, form
	p.Form.Password = ""
	return h.render(w, r, http.StatusUnprocessableEntity, "users", p)
}

func (h *Handlers) userCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := account.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: authz.Role(r.PostFormValue("role")), Password: r.PostFormValue("password")}
	if _, err := h.app.Accounts.CreateUser(r.Context(), a, in); err != nil {
		return h.usersFail(w, r, a, err, in)
	}
	h.redirectFlash(w, r, "/admin/users", "User created.")
	return nil
}

func (h *Handlers) userInvite(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := account.NewUser{Email: r.PostFormValue("email"), Role: authz.Role(r.PostFormValue("role"))}
	tok, err := h.app.Accounts.Invite(r.Context(), a, in.Email, in.Role)
	if err != nil {
		return h.usersFail(w, r, a, err, in)
	}
	p, err := h.usersData(r, a)
	if err != nil {
		return err
	}
	p.Link = h.app.Cfg.BaseURL + "/invite/" + tok
	p.Flash = "Invitation created. Send the link below over a trusted channel; it works once, for 72 hours."
	return h.render(w, r, http.StatusOK, "users", p)
}

func (h *Handlers) userUpdate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	role := authz.Role(r.PostFormValue("role"))
	disabled := r.PostFormValue("disabled") == "on"
	if _, err := h.app.Accounts.UpdateUser(r.Context(), a, id, account.UserUpdate{Role: &role, Disabled: &disabled}); err != nil {
		return h.usersFail(w, r, a, err, account.NewUser{})
	}
	h.redirectFlash(w, r, "/admin/users", "User saved.")
	return nil
}

func (h *Handlers) userResetLink(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageUsers, nil); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	tok, err := h.app.Accounts.ResetLink(r.Context(), a, id)
	if err != nil {
		return err
	}
	p, err := h.usersData(r, a)
	if err != nil {
		return err
	}
	p.Link = h.app.Cfg.BaseURL + "/reset/" + tok
	p.Flash = "Password-reset link created. Send it over a trusted channel; it works once."
	return h.render(w, r, http.StatusOK, "users", p)
}

type jobsPage struct {
	BasePage
	Jobs   []jobs.Row
	Counts map[string]int
	State  string
	States []string
}

func (h *Handlers) jobsPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ViewJobs, nil); err != nil {
		return err
	}
	p := jobsPage{BasePage: h.base(r, "Jobs"), State: r.URL.Query().Get("state"), States: []string{"dead", "pending", "running", "done"}}
	switch p.State {
	case "dead", "pending", "running", "done":
	default:
		p.State = ""
	}
	if p.Jobs, err = h.app.Jobs.List(r.Context(), p.State, 200); err != nil {
		return err
	}
	if p.Counts, err = h.app.Jobs.Counts(r.Context()); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "jobs", p)
}

func (h *Handlers) jobRetry(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageJobs, nil); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.DB.InTx(r.Context(), func(q db.Querier) error { return h.app.Jobs.Retry(r.Context(), q, id) }); err != nil {
		return err
	}
	h.redirectFlash(w, r, "/admin/jobs", "Job queued again.")
	return nil
}

type auditPage struct {
	BasePage
	Events   []events.Event
	Verified bool
	Entries  int64
	Problem  string
	Next     int64
}

func (h *Handlers) auditPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ViewAudit, nil); err != nil {
		return err
	}
	p := auditPage{BasePage: h.base(r, "Audit trail")}
	before := int64(0)
	if v := r.URL.Query().Get("before"); v != "" {
		if before, err = parseInt(v); err != nil {
			return db.ErrNotFound
		}
	}
	if p.Events, err = h.app.Events.List(r.Context(), h.app.DB.Read(), a, events.Query{Newest: true, BeforeSeq: before, Limit: 100}); err != nil {
		return err
	}
	if len(p.Events) == 100 {
		p.Next = p.Events[99].Seq
	}
	if r.URL.Query().Get("verify") == "1" {
		p.Verified = true
		p.Entries, err = events.Verify(r.Context(), h.app.DB.Read())
		if err != nil {
			p.Problem = err.Error()
		}
	}
	return h.render(w, r, http.StatusOK, "audit", p)
}
