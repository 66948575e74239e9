package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/deps"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The dependency graph's pages: "Who is affected" (a package and an affected version →
// its dependents grouped by maintaining organisation, with a form adding the chosen
// organisations to a case), a package page, and SBOM / edge-list uploads. Staff only.

func (h *Handlers) registerDeps(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Who is affected", Href: "/deps", Action: authz.ViewDeps})
	handle("GET /deps", h.depsPage)
	handle("GET /deps/package", h.depsPackagePage)
	handle("POST /deps/sboms", h.depsImport)
	handle("POST /deps/edges", h.depsImport)
}

type depsPage struct {
	BasePage
	Form     url.Values
	Affected *deps.Affected
	Cases    []*cases.Case
	CaseID   string // the case chosen to add organisations to
	MaxDepth int
	Shown    int // dependents listed per organisation / unreachable
}

func (h *Handlers) depsData(r *http.Request, form url.Values) (depsPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return depsPage{}, err
	}
	if err := authz.Can(a, authz.ViewDeps, nil); err != nil {
		return depsPage{}, err
	}
	p := depsPage{BasePage: h.base(r, "Who is affected"), Form: form, MaxDepth: deps.DefaultMaxDepth, Shown: 50}
	if cs, err := h.app.Cases.List(r.Context(), a, cases.Query{Limit: 200}); err == nil {
		p.Cases = cs
	}
	p.CaseID = strings.TrimSpace(form.Get("case"))
	if md := strings.TrimSpace(form.Get("max_depth")); md != "" {
		n, err := strconv.Atoi(md)
		if err != nil {
			p.Errors = validate.Errors{{Field: "max_depth", Message: fmt.Sprintf("%q is not a number", md)}}
			return p, nil
		}
		p.MaxDepth = n
	}
	if strings.TrimSpace(form.Get("purl")) == "" {
		return p, nil
	}
	af, err := h.app.Deps.Affected(r.Context(), a, deps.DependentsQuery{Package: form.Get("purl"), MaxDepth: p.MaxDepth, Version: form.Get("version")})
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p.Errors = fe
			return p, nil
		}
		return p, err
	}
	p.Affected = af
	return p, nil
}

func (h *Handlers) depsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.depsData(r, r.URL.Query())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.render(w, r, status, "deps", p)
}

type depsPackagePage struct {
	BasePage
	P *deps.PackageInfo
}

func (h *Handlers) depsPackagePage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	info, err := h.app.Deps.Package(r.Context(), a, r.URL.Query().Get("purl"))
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.depsData(r, url.Values{"purl": {r.URL.Query().Get("purl")}})
			if perr != nil {
				return perr
			}
			p.Errors, p.Affected = fe, nil
			return h.render(w, r, http.StatusUnprocessableEntity, "deps", p)
		}
		return err
	}
	return h.render(w, r, http.StatusOK, "deps_package", depsPackagePage{BasePage: h.base(r, info.Purl), P: info})
}

// depsImport takes an uploaded (or pasted) SBOM or edge list.
func (h *Handlers) depsImport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ImportDeps, nil); err != nil {
		return err
	}
	sbom := strings.HasSuffix(r.URL.Path, "/sboms")
	field := "csv"
	if sbom {
		field = "sbom"
	}
	data := []byte(r.PostFormValue(field))
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
			fh, err := fhs[0].Open()
			if err != nil {
				return validate.Field("file", "%s could not be read", fhs[0].Filename)
			}
			data, err = io.ReadAll(fh)
			fh.Close()
			if err != nil {
				return err
			}
		}
	}
	var flash string
	if sbom {
		var res *deps.SBOMImport
		if res, err = h.app.Deps.ImportSBOM(r.Context(), a, data, deps.ImportOptions{Name: "upload"}); err == nil {
			flash = fmt.Sprintf("SBOM imported (%s %s): %d packages, %d dependencies.", res.Format, res.SpecVersion, res.Packages, res.Edges)
			if res.Duplicate {
				flash = "This SBOM was imported before; nothing changed."
			}
		}
	} else {
		var res *deps.EdgeImport
		if res, err = h.app.Deps.ImportEdges(r.Context(), a, strings.NewReader(string(data)), deps.ImportOptions{Name: "upload"}); err == nil {
			flash = fmt.Sprintf("Imported %d edges between %d packages (%d new).", res.Rows, res.Packages, res.NewPackages)
		}
	}
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.depsData(r, url.Values{})
			if perr != nil {
				return perr
			}
			p.Errors = fe
			p.Form = url.Values{"import": {field}}
			if pasted := r.PostFormValue(field); len(pasted) <= 64<<10 {
				p.Form.Set(field, pasted) // shown again to be corrected (an uploaded file is not)
			}
			return h.render(w, r, http.StatusUnprocessableEntity, "deps", p)
		}
		return err
	}
	h.redirectFlash(w, r, "/deps", flash)
	return nil
}
