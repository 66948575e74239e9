package web

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/plan"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The plan tracker's pages: the dashboard (/plan), a page per section with the
// tracking forms, the read-only status page for the TAC, the upload form and exports.

func (h *Handlers) registerPlan(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	handle("GET /plan", h.planDashboard)
	handle("GET /plan/status", h.planStatus)
	handle("GET /plan/sections/{id}", h.planSection)
	handle("POST /plan/import", h.planImport)
	handle("POST /plan/milestones/{id}", h.planMilestonePost)
	handle("POST /plan/tasks/{id}", h.planTaskPost)
	handle("POST /plan/hours", h.planHoursPost)
	handle("GET /plan/export.md", h.planExport)
	handle("GET /plan/export.csv", h.planExport)
}

type planPage struct {
	BasePage
	Overview *plan.Overview
	Burnup   template.HTML
	CanEdit  bool
	CanLog   bool
	Hours    []plan.HourLog
	Today    string
	Import   *plan.ImportResult
	Filename string
	Status   bool // the read-only status page
}

func (h *Handlers) planOverview(r *http.Request, title string) (planPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return planPage{}, err
	}
	o, err := h.app.Plan.Overview(r.Context(), a)
	if err != nil {
		return planPage{}, err
	}
	return planPage{BasePage: h.base(r, title), Overview: o, Burnup: template.HTML(plan.BurnupSVG(o.Dashboard.Burnup)), //nolint:gosec // built by plan.BurnupSVG with escaped text
		CanEdit: authz.Can(a, authz.EditProgramme, nil) == nil, CanLog: authz.Can(a, authz.LogHours, nil) == nil, Today: h.app.Clock.Now().Format("2006-01-02")}, nil
}

func (h *Handlers) planDashboard(w http.ResponseWriter, r *http.Request) error {
	p, err := h.planOverview(r, "Plan")
	if err != nil {
		return err
	}
	if p.Hours, err = h.app.Plan.ListHours(r.Context(), reqctx.Actor(r.Context()), plan.HoursQuery{Limit: 10}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "plan", p)
}

func (h *Handlers) planStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := h.planOverview(r, "Plan status")
	if err != nil {
		return err
	}
	p.Status, p.CanEdit, p.CanLog = true, false, false
	return h.render(w, r, http.StatusOK, "plan", p)
}

type planSectionPage struct {
	BasePage
	Section *plan.TrackedSection
	Plan    *plan.StoredPlan
	Team    []plan.Person
	CanEdit bool
	Me      int64
	Today   string
}

func (h *Handlers) planSection(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := h.app.Plan.Overview(r.Context(), a)
	if err != nil {
		return err
	}
	s := o.Section(id)
	if s == nil {
		return errNotFound
	}
	team, err := h.app.Plan.Team(r.Context(), a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "plan_section", planSectionPage{BasePage: h.base(r, s.Name()), Section: s, Plan: s.PlanOf(), Team: team,
		CanEdit: authz.Can(a, authz.EditProgramme, nil) == nil, Me: a.UserID, Today: h.app.Clock.Now().Format("2006-01-02")})
}

// planImport takes the upload form: a Markdown file (multipart, within the form limit
// of 1 MiB) and an optional plan name. The result page lists the warnings by line.
func (h *Handlers) planImport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.EditProgramme, nil); err != nil {
		return err
	}
	var src []byte
	var filename string
	if r.MultipartForm == nil {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return validate.Field("file", "the upload could not be read: %v", err)
		}
	}
	if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
		f, err := fhs[0].Open()
		if err != nil {
			return validate.Field("file", "%s could not be read", fhs[0].Filename)
		}
		defer f.Close()
		if src, err = io.ReadAll(io.LimitReader(f, plan.MaxSource+1)); err != nil {
			return validate.Field("file", "%s could not be read", fhs[0].Filename)
		}
		filename = fhs[0].Filename
	}
	if len(src) == 0 {
		src = []byte(r.PostFormValue("markdown"))
	}
	res, err := h.app.Plan.Import(r.Context(), a, plan.ImportInput{Name: r.PostFormValue("name"), Filename: filename, Source: src})
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.planOverview(r, "Plan")
			if perr != nil {
				return perr
			}
			p.Errors = fe
			return h.render(w, r, http.StatusUnprocessableEntity, "plan", p)
		}
		return err
	}
	p, err := h.planOverview(r, "Plan imported")
	if err != nil {
		return err
	}
	p.Import, p.Filename = res, filename
	return h.render(w, r, http.StatusOK, "plan_import", p)
}

// decodeItemForm reads the tracking form of a milestone or task. Links are one per
// line: "type id label", e.g. "playbook intake-runbook Intake runbook".
func decodeItemForm(r *http.Request) plan.ItemUpdate {
	var u plan.ItemUpdate
	f := r.PostForm
	if f.Has("status") {
		s := plan.Status(f.Get("status"))
		u.Status = &s
	}
	if f.Has("done") {
		d := f.Get("done") == "true"
		u.Done = &d
	}
	if f.Has("owner_id") {
		n, _ := strconv.ParseInt(f.Get("owner_id"), 10, 64)
		u.OwnerID = &n
	}
	if f.Has("due") {
		d := f.Get("due")
		u.Due = &d
	}
	if f.Has("links") {
		links := []plan.ObjectLink{}
		for _, line := range strings.Split(f.Get("links"), "\n") {
			parts := strings.Fields(line)
			if len(parts) == 0 {
				continue
			}
			l := plan.ObjectLink{Type: parts[0]}
			if len(parts) > 1 {
				l.ID = parts[1]
			}
			if len(parts) > 2 {
				l.Label = strings.Join(parts[2:], " ")
			}
			links = append(links, l)
		}
		u.Links = &links
	}
	return u
}

func (h *Handlers) planItemPost(w http.ResponseWriter, r *http.Request, kind string) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return validate.Field("form", "the form could not be read: %v", err)
	}
	in := decodeItemForm(r)
	var res *plan.UpdateResult
	if kind == "milestone" {
		res, err = h.app.Plan.UpdateMilestone(r.Context(), a, id, in)
	} else {
		res, err = h.app.Plan.UpdateTask(r.Context(), a, id, in)
	}
	if err != nil {
		return err
	}
	var sectionID int64
	if res.Milestone != nil {
		sectionID = res.Milestone.SectionID
	} else if res.Task != nil {
		sectionID = res.Task.SectionID
	}
	flash := "Saved."
	if len(res.Warnings) > 0 {
		flash = "Saved, but note: " + strings.Join(res.Warnings, "; ") + "."
	}
	back := fmt.Sprintf("/plan/sections/%d", sectionID)
	if next := r.PostFormValue("next"); next == "/plan" {
		back = next
	}
	h.redirectFlash(w, r, back+fmt.Sprintf("#%s-%d", kind, id), flash)
	return nil
}

func (h *Handlers) planMilestonePost(w http.ResponseWriter, r *http.Request) error {
	return h.planItemPost(w, r, "milestone")
}

func (h *Handlers) planTaskPost(w http.ResponseWriter, r *http.Request) error {
	return h.planItemPost(w, r, "task")
}

func (h *Handlers) planHoursPost(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return validate.Field("form", "the form could not be read: %v", err)
	}
	// Refuse before reading the form, so a member learns nothing from its validation.
	if err := authz.Can(a, authz.LogHours, nil); err != nil {
		return err
	}
	in := plan.HoursInput{Date: r.PostFormValue("date"), Note: r.PostFormValue("note")}
	if v := strings.TrimSpace(r.PostFormValue("hours")); v != "" {
		hrs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return validate.Field("hours", "%q is not a number of hours", v)
		}
		in.Hours = hrs
	}
	// The target is "milestone:12", "task:34", "case:OSS-SIRT-2026-0001" or "engagement:…".
	kind, ref, _ := strings.Cut(r.PostFormValue("target"), ":")
	switch kind {
	case "milestone", "task":
		n, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return validate.Field("target", "choose a milestone or task")
		}
		if kind == "milestone" {
			in.MilestoneID = n
		} else {
			in.TaskID = n
		}
	case "case", "engagement":
		in.RefType, in.RefID = kind, ref
	default:
		return validate.Field("target", "choose what the hours were spent on")
	}
	hl, err := h.app.Plan.LogHours(r.Context(), a, in)
	if err != nil {
		return err
	}
	back := "/plan"
	if next := r.PostFormValue("next"); strings.HasPrefix(next, "/plan/sections/") {
		back = next
	}
	h.redirectFlash(w, r, back, fmt.Sprintf("Logged %s hours on %s.", plan.FormatHours(hl.Hours), hl.Date))
	return nil
}

func (h *Handlers) planExport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	format := plan.FormatMarkdown
	if strings.HasSuffix(r.URL.Path, ".csv") {
		format = plan.FormatCSV
	}
	b, ct, err := h.app.Plan.Export(r.Context(), a, format)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="plan-status.`+format+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}
