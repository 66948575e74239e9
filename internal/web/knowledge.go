package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Document pages: the list with a form for a new document, a document (rendered,
// sanitised) with its edit form, versions, diffs and feedback; and the form that
// applies a playbook to a case.

func (h *Handlers) registerKnowledge(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	handle("GET /docs", h.docsPage)
	handle("POST /docs", h.docCreate)
	handle("GET /docs/{id}", h.docPage)
	handle("POST /docs/{id}", h.docUpdate)
	handle("POST /docs/{id}/feedback", h.docFeedback)
	handle("POST /cases/{id}/playbooks", h.casePlaybook)
}

type docsPage struct {
	BasePage
	Docs  []*knowledge.Doc
	Kinds []string
	Form  knowledge.DocInput
}

func (h *Handlers) docsPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ListDocs, nil); err != nil {
		return err
	}
	ds, err := h.app.Knowledge.List(r.Context(), a, knowledge.DocQuery{Kind: r.URL.Query().Get("kind"), Limit: 500})
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "docs", docsPage{BasePage: h.base(r, "Documents"), Docs: ds, Kinds: knowledge.Kinds, Form: knowledge.DocInput{Kind: "playbook"}})
}

func docForm(r *http.Request) knowledge.DocInput {
	return knowledge.DocInput{Title: r.PostFormValue("title"), Kind: r.PostFormValue("kind"), Body: r.PostFormValue("body"), ReviewDue: r.PostFormValue("review_due")}
}

func (h *Handlers) docCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := docForm(r)
	d, err := h.app.Knowledge.Create(r.Context(), a, in)
	if err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		ds, lerr := h.app.Knowledge.List(r.Context(), a, knowledge.DocQuery{Limit: 500})
		if lerr != nil {
			return lerr
		}
		p := docsPage{BasePage: h.base(r, "Documents"), Docs: ds, Kinds: knowledge.Kinds, Form: in}
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "docs", p)
	}
	h.redirectFlash(w, r, fmt.Sprintf("/docs/%d", d.ID), "Saved version 1.")
	return nil
}

type docPage struct {
	BasePage
	Doc      *knowledge.Doc
	Latest   int
	Versions []knowledge.Version
	Diff     *knowledge.Diff
	Feedback []knowledge.Feedback
	Kinds    []string
	Form     knowledge.DocInput
	Version  int // the version the edit form is based on
	Conflict string
	CanEdit  bool
}

func (h *Handlers) docPageData(r *http.Request, version int) (docPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return docPage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return docPage{}, err
	}
	cur, err := h.app.Knowledge.Get(r.Context(), a, id, 0)
	if err != nil {
		return docPage{}, err
	}
	d := cur
	if version > 0 && version != cur.Version {
		if d, err = h.app.Knowledge.Get(r.Context(), a, id, version); err != nil {
			return docPage{}, err
		}
	}
	p := docPage{BasePage: h.base(r, cur.Title), Doc: d, Latest: cur.Version, Kinds: knowledge.Kinds, Version: cur.Version,
		Form:    knowledge.DocInput{Title: cur.Title, Kind: cur.Kind, Body: cur.Body, ReviewDue: cur.ReviewDue},
		CanEdit: authz.Can(a, authz.EditDoc, authz.Doc{Kind: cur.Kind}) == nil}
	if p.Versions, err = h.app.Knowledge.Versions(r.Context(), a, id); err != nil {
		return docPage{}, err
	}
	if authz.Can(a, authz.ListDocs, nil) == nil {
		if p.Feedback, err = h.app.Knowledge.FeedbackList(r.Context(), a, id); err != nil {
			return docPage{}, err
		}
	}
	return p, nil
}

func (h *Handlers) docPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	version, _ := strconv.Atoi(q.Get("version"))
	p, err := h.docPageData(r, version)
	if err != nil {
		return err
	}
	if q.Get("from") != "" || q.Get("to") != "" {
		from, _ := strconv.Atoi(q.Get("from"))
		to, _ := strconv.Atoi(q.Get("to"))
		p.Diff, err = h.app.Knowledge.Diff(r.Context(), reqctx.Actor(r.Context()), p.Doc.ID, from, to)
		if fe, ok := validate.As(err); ok {
			p.Errors = fe
			return h.render(w, r, http.StatusUnprocessableEntity, "doc", p)
		}
		if err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusOK, "doc", p)
}

func (h *Handlers) docUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := h.docPageData(r, 0)
	if err != nil {
		return err
	}
	in := docForm(r)
	base, _ := strconv.Atoi(r.PostFormValue("version"))
	d, err := h.app.Knowledge.Update(r.Context(), reqctx.Actor(r.Context()), p.Doc.ID, base, in)
	if err != nil {
		fe, isField := validate.As(err)
		if !isField && !errors.Is(err, knowledge.ErrStale) {
			return err
		}
		// Keep what the user wrote; on a conflict, show what changed meanwhile.
		p.Form, p.Errors, p.Version = in, fe, base
		status := http.StatusUnprocessableEntity
		if !isField {
			status, p.Version = http.StatusConflict, p.Latest
			p.Conflict = fmt.Sprintf("Someone saved version %d while you edited version %d. Your text is kept below; compare and save again.", p.Latest, base)
			if base >= 1 && base < p.Latest {
				p.Diff, _ = h.app.Knowledge.Diff(r.Context(), reqctx.Actor(r.Context()), p.Doc.ID, base, p.Latest)
			}
		}
		return h.render(w, r, status, "doc", p)
	}
	h.redirectFlash(w, r, fmt.Sprintf("/docs/%d", d.ID), fmt.Sprintf("Saved version %d.", d.Version))
	return nil
}

func (h *Handlers) docFeedback(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Knowledge.AddFeedback(r.Context(), a, id, r.PostFormValue("body")); err != nil {
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/docs/%d", id), "Thank you for the feedback.")
	return nil
}

func (h *Handlers) casePlaybook(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	ref := r.PathValue("id")
	docID, _ := strconv.ParseInt(r.PostFormValue("doc_id"), 10, 64)
	ap, err := h.app.Knowledge.ApplyPlaybook(r.Context(), a, ref, knowledge.ApplyInput{DocID: docID})
	if err != nil {
		return err
	}
	h.redirectFlash(w, r, "/cases/"+url.PathEscape(ref), fmt.Sprintf("Applied %s v%d: %d tasks added.", ap.Title, ap.Version, ap.Tasks))
	return nil
}
