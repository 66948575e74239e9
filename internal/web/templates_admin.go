package web

import (
	"net/http"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

type templatesPage struct {
	BasePage
	Templates []editableTemplate
}

type editableTemplate struct {
	templates.Default
	Current mail.Template
	Error   string
}

func (h *Handlers) templatesData(r *http.Request) (templatesPage, error) {
	p := templatesPage{BasePage: h.base(r, "Message templates")}
	for _, d := range templates.Defaults() {
		cur, err := h.app.Templates.Get(r.Context(), d.Name)
		if err != nil {
			return p, err
		}
		p.Templates = append(p.Templates, editableTemplate{Default: d, Current: cur})
	}
	return p, nil
}

func (h *Handlers) templatesAdmin(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
		return err
	}
	p, err := h.templatesData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "templates", p)
}

func (h *Handlers) templateSave(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
		return err
	}
	name := r.PathValue("name")
	t := mail.Template{Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	if r.PostFormValue("reset") != "" {
		t = templates.DefaultOf(name)
	}
	err = h.app.Templates.Set(r.Context(), a, name, t)
	if err == nil {
		h.redirectFlash(w, r, "/admin/templates#t-"+name, "Template saved.")
		return nil
	}
	fe, ok := validate.As(err)
	if !ok {
		return err
	}
	p, lerr := h.templatesData(r)
	if lerr != nil {
		return lerr
	}
	for i := range p.Templates {
		if p.Templates[i].Name == name {
			p.Templates[i].Current, p.Templates[i].Error = t, fe.Error()
		}
	}
	p.Errors = fe
	return h.render(w, r, http.StatusUnprocessableEntity, "templates", p)
}
