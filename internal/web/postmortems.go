package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/engagements"
	"github.com/oss-sirt/sirt/internal/httperr"
	"github.com/oss-sirt/sirt/internal/postmortem"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The post-mortem pages: the list, starting one (linked from a closed case, an embargo
// break or an exercise), and one post-mortem with its timeline and annotations, its
// sections, action items, review and summary downloads. Everything works without
// JavaScript; a refused form is shown again with what the user typed.

func (h *Handlers) registerPostmortems(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Post-mortems", Href: "/postmortems", Action: authz.ViewPostmortems})
	handle("GET /postmortems", h.postmortemsPage)
	handle("GET /postmortems/new", h.postmortemNew)
	handle("POST /postmortems", h.postmortemCreate)
	handle("GET /postmortems/lessons", h.postmortemLessons)
	handle("GET /postmortems/{id}", h.postmortemPage)
	handle("POST /postmortems/{id}", h.postmortemPost)
	handle("POST /postmortems/{id}/annotations", h.postmortemPost)
	handle("POST /postmortems/{id}/actions", h.postmortemPost)
	handle("POST /postmortems/{id}/actions/{action}", h.postmortemPost)
	handle("POST /postmortems/{id}/review", h.postmortemPost)
	handle("GET /postmortems/{id}/summary/{format}", h.postmortemSummary)
}

type postmortemsPage struct {
	BasePage
	Items []postmortem.Postmortem
	Form  url.Values
}

func (h *Handlers) postmortemsPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	ps, err := h.app.Postmortems.List(r.Context(), a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "postmortems", postmortemsPage{BasePage: h.base(r, "Post-mortems"), Items: ps})
}

func (h *Handlers) postmortemNew(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.StartPostmortems, nil); err != nil {
		return err
	}
	f := url.Values{"case_id": {r.URL.Query().Get("case")}, "kind": {r.URL.Query().Get("kind")}, "engagement_id": {r.URL.Query().Get("engagement")}}
	return h.render(w, r, http.StatusOK, "postmortem_new", postmortemsPage{BasePage: h.base(r, "Start a post-mortem"), Form: f})
}

func (h *Handlers) postmortemCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	eng, _ := strconv.ParseInt(strings.TrimSpace(f.Get("engagement_id")), 10, 64)
	p, err := h.app.Postmortems.Start(r.Context(), a, postmortem.NewPostmortem{CaseID: f.Get("case_id"), EngagementID: eng, Kind: f.Get("kind"), Title: f.Get("title")})
	if err != nil {
		if fe, ok := validate.As(err); ok {
			pg := postmortemsPage{BasePage: h.base(r, "Start a post-mortem"), Form: f}
			pg.Errors = fe
			return h.render(w, r, http.StatusUnprocessableEntity, "postmortem_new", pg)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/postmortems/%d", p.ID), "Post-mortem started. Its timeline is the case's events; annotate them and write the sections.")
	return nil
}

func (h *Handlers) postmortemLessons(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	md, err := h.app.Postmortems.Lessons(r.Context(), a)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lessons.md"`)
	_, err = w.Write([]byte(md))
	return err
}

// postmortemSection is one Markdown section as the page shows and edits it.
type postmortemSection struct {
	Key, Title, Text string
	HTML             template.HTML
}

type postmortemPage struct {
	BasePage
	P          *postmortem.Postmortem
	Sections   []postmortemSection
	Feedback   template.HTML
	Kinds      []string
	Statuses   []string
	CanApprove bool
	Editable   bool
	Form       url.Values
	FormName   string // which form the errors belong to
	Today      string
}

func (h *Handlers) postmortemDetail(r *http.Request) (postmortemPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return postmortemPage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return postmortemPage{}, err
	}
	p, err := h.app.Postmortems.Get(r.Context(), a, id)
	if err != nil {
		return postmortemPage{}, err
	}
	pg := postmortemPage{BasePage: h.base(r, "Post-mortem: "+p.Title), P: p, Kinds: postmortem.ActionKinds, Statuses: postmortem.ActionStatuses,
		Editable: p.State != postmortem.Published, Form: url.Values{}, Today: h.app.Clock.Now().UTC().Format("2006-01-02"),
		CanApprove: p.State == postmortem.InReview && a.Email != p.Author}
	for _, s := range postmortem.Sections {
		pg.Sections = append(pg.Sections, postmortemSection{Key: s.Key, Title: s.Title, Text: p.Section(s.Key), HTML: engagements.HTMLOf(p.Section(s.Key))})
	}
	if p.Feedback != nil {
		pg.Feedback = engagements.HTMLOf(p.Feedback.Markdown)
	}
	return pg, nil
}

func (h *Handlers) postmortemPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.postmortemDetail(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "postmortem", p)
}

// postmortemPost takes the page's forms: sections, an annotation, a new action item,
// an action item's status, and the review (submit, return, approve).
func (h *Handlers) postmortemPost(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, f, svc := r.Context(), r.PostForm, h.app.Postmortems
	rest := strings.TrimPrefix(r.URL.Path, fmt.Sprintf("/postmortems/%d", id))
	var form, flash, anchor string
	switch {
	case rest == "" || rest == "/":
		form, flash, anchor = "sections", "Saved.", "#sections"
		up := postmortem.PostmortemUpdate{Version: int(formInt(f, "version"))}
		if t := f.Get("title"); f.Has("title") {
			up.Title = &t
		}
		for _, s := range []struct {
			key string
			dst **string
		}{{"summary", &up.Summary}, {"impact", &up.Impact}, {"went_well", &up.WentWell}, {"went_badly", &up.WentBadly},
			{"lucky", &up.Lucky}, {"contributing_factors", &up.ContributingFactors}, {"lessons", &up.Lessons}} {
			if f.Has(s.key) {
				v := f.Get(s.key)
				*s.dst = &v
			}
		}
		_, err = svc.Update(ctx, a, id, up)
	case rest == "/annotations":
		form, flash, anchor = "annotation-"+f.Get("event_seq"), "Annotation added.", "#e"+f.Get("event_seq")
		_, err = svc.Annotate(ctx, a, id, postmortem.NewPostmortemAnnotation{EventSeq: formInt(f, "event_seq"), Body: f.Get("body")})
	case rest == "/actions":
		form, flash, anchor = "action", "Action item added.", "#actions"
		_, err = svc.AddAction(ctx, a, id, postmortem.NewPostmortemAction{Title: f.Get("title"), Owner: f.Get("owner"), Due: f.Get("due"), Kind: f.Get("kind"), Link: f.Get("link")})
	case strings.HasPrefix(rest, "/actions/"):
		aid, perr := strconv.ParseInt(r.PathValue("action"), 10, 64)
		if perr != nil {
			return errNotFound
		}
		form, flash, anchor = "action-"+r.PathValue("action"), "Action item updated.", "#actions"
		_, err = svc.UpdateAction(ctx, a, id, aid, postmortem.PostmortemActionUpdate{Status: f.Get("status")})
	case rest == "/review":
		form, anchor = "review", "#review"
		switch f.Get("do") {
		case "submit":
			_, err = svc.Submit(ctx, a, id)
			flash = "Sent for review: a second person approves it."
		case "return":
			_, err = svc.Return(ctx, a, id)
			flash = "Sent back to draft."
		case "approve":
			_, err = svc.Approve(ctx, a, id)
			flash = "Approved and published to the team."
		default:
			err = validate.Field("do", "choose submit, return or approve")
		}
	default:
		return errNotFound
	}
	if err != nil {
		fe, ok := validate.As(err)
		status := http.StatusUnprocessableEntity
		if !ok && httperr.Map(err).Status == http.StatusConflict {
			// A broken state rule (changed by someone else meanwhile, already in review):
			// the form comes back with what was typed and the reason.
			var e validate.Errors
			e.Add(map[string]string{"sections": "version", "review": "do"}[form], "%s", err.Error())
			fe, ok, status = e, true, http.StatusConflict
		}
		if ok {
			p, perr := h.postmortemDetail(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form, p.FormName = fe, f, form
			return h.render(w, r, status, "postmortem", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/postmortems/%d%s", id, anchor), flash)
	return nil
}

func (h *Handlers) postmortemSummary(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	format := r.PathValue("format")
	b, ct, err := h.app.Postmortems.Summary(r.Context(), a, id, format)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="postmortem-%d-summary.%s"`, id, format))
	_, err = w.Write(b)
	return err
}
