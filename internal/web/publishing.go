package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The publishing settings page (admins): the CNA's org id and short name, CVE Services,
// the Expires of security.txt.

type publishingPage struct {
	BasePage
	P        app.Publishing
	Expires  string
	Served   string
	Warnings []string
}

func (h *Handlers) registerPublishing(handle func(string, handler)) {
	handle("GET /admin/publishing", h.publishingAdmin)
	handle("POST /admin/publishing", h.publishingSave)
}

func (h *Handlers) publishingData(r *http.Request, p app.Publishing) publishingPage {
	pg := publishingPage{BasePage: h.base(r, "Publishing settings"), P: p,
		Served: h.app.SecurityTxtExpires(r.Context()).Format(time.DateOnly), Warnings: h.app.SecurityTxtWarnings(r.Context())}
	if !p.SecurityTxtExpires.IsZero() {
		pg.Expires = p.SecurityTxtExpires.Format(time.DateOnly)
	}
	return pg
}

func (h *Handlers) publishingAdmin(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
		return err
	}
	p, err := h.app.Publishing(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "publishing", h.publishingData(r, p))
}

func (h *Handlers) publishingSave(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
		return err
	}
	p := app.Publishing{CNAOrgID: r.PostFormValue("cna_org_id"), CNAShortName: r.PostFormValue("cna_short_name"),
		CVEServices: r.PostFormValue("cve_services") == "on"}
	var errs validate.Errors
	if s := strings.TrimSpace(r.PostFormValue("securitytxt_expires")); s != "" {
		t, perr := time.Parse(time.DateOnly, s)
		if perr != nil {
			errs.Add("securitytxt_expires", "%q is not a date like 2027-03-01", s)
		}
		p.SecurityTxtExpires = t
	}
	if err = errs.Err(); err == nil {
		err = h.app.SetPublishing(r.Context(), a, p)
	}
	if fe, ok := validate.As(err); ok {
		pg := h.publishingData(r, p)
		pg.Errors = fe
		pg.Expires = r.PostFormValue("securitytxt_expires")
		return h.render(w, r, http.StatusUnprocessableEntity, "publishing", pg)
	}
	if err != nil {
		return err
	}
	h.redirectFlash(w, r, "/admin/publishing", "Saved.")
	return nil
}
