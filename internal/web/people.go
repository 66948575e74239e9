package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/httperr"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// People pages: the public application form (/apply) and the candidate's private
// agreements page, the programme manager's candidate pipeline, on-call schedules and
// their iCalendar feeds.

func (h *Handlers) registerPeople(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	handle("GET /apply", h.applyForm)
	handle("POST /apply", h.applyPost)
	handle("GET /apply/agreements/{token}", h.agreementsForm)
	handle("POST /apply/agreements/{token}", h.agreementsPost)
	handle("GET /people/candidates", h.candidatesPage)
	handle("GET /people/candidates/{id}", h.candidatePage)
	handle("POST /people/candidates/{id}/stage", h.candidateStage)
	handle("POST /people/candidates/{id}/notes", h.candidateNote)
	handle("GET /oncall", h.oncallPage)
	handle("GET /oncall/{file}", h.oncallICS)
	h.registerPeopleCycle(mux)
}

type applyPage struct {
	BasePage
	Form     people.Application
	Roles    []string
	Docs     []*knowledge.Doc
	Openings []people.Opening
	Done     bool
}

func (h *Handlers) applyPageData(r *http.Request) applyPage {
	p := applyPage{BasePage: h.base(r, "Join the team"), Roles: people.Roles}
	// Role descriptions are public documents (kind "role").
	p.Docs, _ = h.app.Knowledge.List(r.Context(), reqctx.Actor(r.Context()), knowledge.DocQuery{Kind: authz.DocKindPublic, Limit: 20})
	p.Openings, _ = h.app.People.Openings(r.Context(), reqctx.Actor(r.Context()), false)
	return p
}

func (h *Handlers) applyForm(w http.ResponseWriter, r *http.Request) error {
	p := h.applyPageData(r)
	p.Form.Role = r.URL.Query().Get("role")
	return h.render(w, r, http.StatusOK, "apply", p)
}

func (h *Handlers) applyPost(w http.ResponseWriter, r *http.Request) error {
	if ok, wait := h.ApplyLimiter.Allow(clientIP(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		return h.render(w, r, http.StatusTooManyRequests, "error", errorPage{BasePage: h.base(r, "Too many applications"), Status: 429,
			Message: fmt.Sprintf("Too many applications from your address. Please try again in %d seconds.", int(wait.Seconds()))})
	}
	in := people.Application{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Role: r.PostFormValue("role"), Motivation: r.PostFormValue("motivation")}
	if r.PostFormValue("website") != "" { // the honeypot
		return h.render(w, r, http.StatusOK, "error", errorPage{BasePage: h.base(r, "Thank you"), Status: 200, Message: "Thank you."})
	}
	if _, err := h.app.People.Apply(r.Context(), reqctx.Actor(r.Context()), in); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p := h.applyPageData(r)
		p.Form, p.Errors = in, fe
		return h.render(w, r, http.StatusUnprocessableEntity, "apply", p)
	}
	p := h.applyPageData(r)
	p.Title, p.Done, p.Form = "Application received", true, in
	return h.render(w, r, http.StatusCreated, "apply", p)
}

type agreementsPage struct {
	BasePage
	Name       string
	Agreements []people.Agreement
	Accepted   map[string]bool
}

func (h *Handlers) agreementsForm(w http.ResponseWriter, r *http.Request) error {
	name, cur, acc, err := h.app.People.AgreementsForToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	p := agreementsPage{BasePage: h.base(r, "Agreements"), Name: name, Agreements: cur, Accepted: map[string]bool{}}
	for _, a := range acc {
		for _, c := range cur {
			if c.Kind == a.Kind && c.Version == a.Version {
				p.Accepted[a.Kind] = true
			}
		}
	}
	return h.render(w, r, http.StatusOK, "apply_agreements", p)
}

func (h *Handlers) agreementsPost(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if err := r.ParseForm(); err != nil {
		return validate.Field("accept", "the form could not be read")
	}
	if err := h.app.People.AcceptAgreements(r.Context(), token, r.PostForm["accept"]); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		name, cur, acc, lerr := h.app.People.AgreementsForToken(r.Context(), token)
		if lerr != nil {
			return lerr
		}
		p := agreementsPage{BasePage: h.base(r, "Agreements"), Name: name, Agreements: cur, Accepted: map[string]bool{}}
		for _, a := range acc {
			p.Accepted[a.Kind] = true
		}
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "apply_agreements", p)
	}
	h.redirectFlash(w, r, "/apply/agreements/"+url.PathEscape(token), "Thank you. Your acceptance is recorded.")
	return nil
}

type candidatesPage struct {
	BasePage
	Stage      string
	Stages     []people.Stage
	Candidates []*people.Candidate
}

func (h *Handlers) candidatesPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	st := r.URL.Query().Get("stage")
	cs, err := h.app.People.Candidates(r.Context(), a, people.CandidateQuery{Stage: people.Stage(st), Limit: 500})
	if err != nil {
		return err
	}
	stages := append(append([]people.Stage{}, people.Pipeline...), people.StageRejected, people.StageWithdrawn)
	return h.render(w, r, http.StatusOK, "candidates", candidatesPage{BasePage: h.base(r, "Candidates"), Stage: st, Stages: stages, Candidates: cs})
}

type candidatePage struct {
	BasePage
	C         *people.Candidate
	Pipeline  []people.Stage
	Cohorts   []people.Cohort
	NoteKinds []string
	Move      people.Move
	Note      people.NewNote
	Conflict  string
	// InPipeline is false for rejected and withdrawn candidates (no stage is "done").
	InPipeline bool
}

func (h *Handlers) candidatePageData(r *http.Request) (candidatePage, error) {
	a, err := requireUser(r)
	if err != nil {
		return candidatePage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return candidatePage{}, err
	}
	c, err := h.app.People.Candidate(r.Context(), a, id)
	if err != nil {
		return candidatePage{}, err
	}
	cohorts, err := h.app.People.Cohorts(r.Context(), a)
	if err != nil {
		return candidatePage{}, err
	}
	return candidatePage{BasePage: h.base(r, c.Name), C: c, Pipeline: people.Pipeline, Cohorts: cohorts, NoteKinds: people.NoteKinds,
		InPipeline: slices.Contains(people.Pipeline, c.Stage)}, nil
}

func (h *Handlers) candidatePage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.candidatePageData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "candidate", p)
}

func (h *Handlers) candidateStage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.candidatePageData(r)
	if err != nil {
		return err
	}
	m := people.Move{To: people.Stage(r.PostFormValue("to")), Reason: r.PostFormValue("reason")}
	if c := r.PostFormValue("cohort_id"); c != "" {
		m.CohortID, _ = strconv.ParseInt(c, 10, 64)
	}
	c, err := h.app.People.MoveCandidate(r.Context(), reqctx.Actor(r.Context()), p.C.ID, m)
	if err != nil {
		fe, isField := validate.As(err)
		if !isField && !httperr.IsRule(err) {
			return err
		}
		p.Move, p.Errors = m, fe
		status := http.StatusUnprocessableEntity
		if !isField {
			p.Conflict, status = err.Error(), http.StatusConflict
		}
		return h.render(w, r, status, "candidate", p)
	}
	flash := "Moved to " + string(c.Stage) + "."
	if c.AcceptURL != "" {
		flash += " The candidate's private agreements link (also mailed to them): " + c.AcceptURL
	}
	h.redirectFlash(w, r, fmt.Sprintf("/people/candidates/%d", c.ID), flash)
	return nil
}

func (h *Handlers) candidateNote(w http.ResponseWriter, r *http.Request) error {
	p, err := h.candidatePageData(r)
	if err != nil {
		return err
	}
	n := people.NewNote{Kind: r.PostFormValue("kind"), Body: r.PostFormValue("body")}
	if s := strings.TrimSpace(r.PostFormValue("score")); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			v = -1
		}
		n.Score = &v
	}
	if _, err := h.app.People.AddNote(r.Context(), reqctx.Actor(r.Context()), p.C.ID, n); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p.Note, p.Errors = n, fe
		return h.render(w, r, http.StatusUnprocessableEntity, "candidate", p)
	}
	h.redirectFlash(w, r, fmt.Sprintf("/people/candidates/%d", p.C.ID), "Note added.")
	return nil
}

type oncallPage struct {
	BasePage
	Now       *people.OnDuty
	Schedules []*people.Schedule
	Upcoming  map[int64][]people.Shift
	Feeds     map[int64]string // schedule id → the signed-in user's subscription URL
	// The programme manager's forms: a new schedule and an override (kept when refused).
	Manage      bool
	Form        people.NewSchedule
	MembersText string
	Override    overrideForm
	OverrideFor int64
}

func (h *Handlers) oncallPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.oncallData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "oncall", p)
}

func (h *Handlers) oncallData(r *http.Request) (oncallPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return oncallPage{}, err
	}
	ss, err := h.app.People.Schedules(r.Context(), a)
	if err != nil {
		return oncallPage{}, err
	}
	now, err := h.app.People.OnDutyNow(r.Context(), a)
	if err != nil {
		return oncallPage{}, err
	}
	p := oncallPage{BasePage: h.base(r, "On call"), Now: now, Schedules: ss, Upcoming: map[int64][]people.Shift{}, Feeds: map[int64]string{}}
	t := h.app.Clock.Now()
	for _, s := range ss {
		p.Upcoming[s.ID] = s.Shifts(t, t.AddDate(0, 0, 28), 12)
		p.Feeds[s.ID] = h.feedURL(a.UserID, s.ID)
	}
	p.Manage = authz.Can(a, authz.ManageRoster, nil) == nil
	p.Form = people.NewSchedule{TimeZone: "UTC", Handoff: "weekly", HandoffTime: "09:00", Start: t.UTC().Format(time.DateOnly)}
	return p, nil
}

// oncallICS serves /oncall/{id}.ics to signed-in staff (session or bearer token), or
// to a calendar app holding a member's subscription link (?u=…&k=…, see feedURL).
func (h *Handlers) oncallICS(w http.ResponseWriter, r *http.Request) error {
	idStr, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || id <= 0 {
		id = 0
	}
	a, feed := h.feedActor(r, id)
	switch {
	case feed:
	case r.URL.Query().Has("k"):
		return errNotFound // a wrong or revoked subscription link
	default:
		if a, err = requireUser(r); err != nil {
			return err
		}
	}
	if id == 0 {
		return errNotFound
	}
	host := "sirt.localhost"
	if u, err := url.Parse(h.app.Cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	var buf bytes.Buffer
	if err := h.app.People.WriteICS(r.Context(), a, id, host, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=\"oncall-%d.ics\"", id))
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(buf.Bytes())
	return err
}
