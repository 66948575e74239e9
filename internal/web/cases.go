package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Case pages: the list, the case page (metadata and the read-in button for a
// participant not yet read in; everything they may see otherwise) and one POST per
// action, each redirecting back to the case.

func (h *Handlers) registerCases(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	handle("GET /cases", h.casesPage)
	handle("POST /cases", h.caseOpen)
	handle("GET /cases/{id}", h.casePage)
	handle("POST /cases/{id}/read-in", h.caseReadIn)
	handle("POST /cases/{id}/participants", h.caseAddParticipant)
	handle("POST /cases/{id}/participants/{pid}", h.caseUpdateParticipant)
	handle("POST /cases/{id}/participants/{pid}/remove", h.caseRemoveParticipant)
	handle("POST /cases/{id}/packages/{pkg}/remove", h.caseRemovePackage)
	handle("POST /cases/{id}/embargo", h.caseEmbargo)
	handle("POST /cases/{id}/facts", h.caseFacts)
	handle("POST /cases/{id}/break", h.caseBreak)
	handle("POST /cases/{id}/release", h.caseRelease)
	handle("POST /cases/{id}/posts", h.casePost)
	handle("POST /cases/{id}/vulnerabilities", h.caseAddVuln)
	handle("POST /cases/{id}/advisory", h.caseDraftAdvisory)
	handle("POST /cases/{id}/status", h.caseStatus)
	handle("POST /cases/{id}/close", h.caseClose)
	handle("POST /cases/{id}/reopen", h.caseClose)
	handle("POST /cases/{id}/packages", h.caseAddPackage)
	handle("POST /cases/{id}/tasks", h.caseAddTask)
	handle("POST /cases/{id}/tasks/{task}", h.caseTask)
	handle("POST /cases/{id}/files", h.caseUpload)
	handle("GET /cases/{id}/files/{file}", h.caseFile)
	handle("GET /cases/{id}/export/{format}", h.caseExport)
}

type casesPage struct {
	BasePage
	Cases   []*cases.Case
	CanOpen bool
	Staff   bool
	Form    cases.NewCase
}

func (h *Handlers) casesPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p := casesPage{BasePage: h.base(r, "Cases"), CanOpen: authz.Can(a, authz.CreateCase, nil) == nil, Staff: a.IsStaff()}
	p.Form.ReportID = r.URL.Query().Get("report")
	if p.Cases, err = h.app.Cases.List(r.Context(), a, cases.Query{Limit: 200}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "cases", p)
}

func (h *Handlers) caseOpen(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := cases.NewCase{ReportID: r.PostFormValue("report_id"), Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"),
		Details: r.PostFormValue("details"), Project: r.PostFormValue("project"), Exercise: r.PostFormValue("exercise") != ""}
	c, err := h.app.Cases.Open(r.Context(), a, in)
	if fe, ok := validate.As(err); ok {
		p := casesPage{BasePage: h.base(r, "Cases"), CanOpen: true, Staff: a.IsStaff(), Form: in}
		p.Errors = fe
		p.Cases, _ = h.app.Cases.List(r.Context(), a, cases.Query{Limit: 200})
		return h.render(w, r, http.StatusUnprocessableEntity, "cases", p)
	}
	if err != nil {
		return err
	}
	h.redirectFlash(w, r, "/cases/"+c.PublicID, "Case opened.")
	return nil
}

type casePage struct {
	BasePage
	C           *cases.Case
	Posts       []cases.CasePost
	Timeline    []events.Event
	Attachments []*intake.Attachment
	Deliveries  []cases.Delivery
	Coordinate  bool
	Internal    bool
	CanPost     bool
	Zone        *time.Location
	ZoneName    string
	Roles       []authz.CaseRole
	Phases      []string
	RMStates    []cases.RMState
	Statuses    []string
	Just        []string
	Facts       []factRow
	Me          *cases.Participant
	// Playbooks applied to the case (with the version each used) and, for
	// coordinators, the playbooks they may apply (internal/knowledge).
	Playbooks []knowledge.Applied
	Available []*knowledge.Doc
	// EmbargoActions are the answers the embargo's state allows this viewer.
	EmbargoActions []embargoOption
	Ecosystems     []string
}

// osvEcosystems are the ecosystems of the affected-package pickers (OSV's names).
var osvEcosystems = []string{"npm", "PyPI", "Go", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Hex", "Pub",
	"SwiftURL", "Hackage", "CRAN", "ConanCenter", "GitHub Actions", "Debian", "Alpine", "Ubuntu", "Red Hat", "Linux", "OSS-Fuzz", "GIT"}

type embargoOption struct{ Value, Label string }

// embargoOptions lists the embargo actions the state allows (the model's rules in
// cases.Step), in words; exit is a coordinator's.
func embargoOptions(state cases.EMState, coordinate bool) []embargoOption {
	var out []embargoOption
	add := func(v, l string) { out = append(out, embargoOption{v, l}) }
	switch state {
	case cases.EMNone, "":
		add("propose", "Propose a public date")
	case cases.EMProposed:
		add("accept", "Accept the proposed date")
		add("counter", "Propose another date (counter)")
		add("reject", "Reject the proposal")
	case cases.EMActive:
		add("revise", "Propose a new date (revise)")
		if coordinate {
			add("exit", "End the embargo (exit)")
		}
	case cases.EMRevise:
		add("accept", "Accept the new date")
		add("counter", "Propose another date (counter)")
		add("reject", "Reject the new date (the agreed date stands)")
		if coordinate {
			add("exit", "End the embargo (exit)")
		}
	}
	return out
}

type factRow struct {
	Key, Label string
	At         *time.Time
}

// Local shows an instant in the viewer's own time zone (their account setting).
func (p casePage) Local(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	return t.In(p.Zone).Format("Mon 2 Jan 2006 15:04 MST")
}

func (h *Handlers) casePage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.caseData(r, a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "case", p)
}

// caseRefused shows the case page again with a refused form's messages and input
// (field: the control a broken rule is shown beside). Other errors go to serveError.
func (h *Handlers) caseRefused(w http.ResponseWriter, r *http.Request, err error, field string) error {
	if backTo(r) == "/my-cases" {
		return h.myCasesRefused(w, r, err, field)
	}
	a, aerr := requireUser(r)
	if aerr != nil {
		return aerr
	}
	var b BasePage
	status, ok := formRefused(&b, r, err, field)
	if !ok {
		return err
	}
	p, perr := h.caseData(r, a)
	if perr != nil {
		return perr
	}
	p.Errors, p.Input = b.Errors, b.Input
	return h.render(w, r, status, "case", p)
}

func (h *Handlers) caseData(r *http.Request, a authz.Actor) (casePage, error) {
	ctx := r.Context()
	c, err := h.app.Cases.Get(ctx, a, r.PathValue("id"))
	if err != nil {
		return casePage{}, err
	}
	p := casePage{BasePage: h.base(r, "Case "+c.PublicID), C: c, Zone: time.UTC, ZoneName: "UTC", Roles: authz.CaseRoles, Phases: cases.Phases,
		RMStates: cases.RMStates, Statuses: cases.StatusValues, Just: cases.Justifications, Ecosystems: osvEcosystems}
	if u := reqctx.User(ctx); u != nil && u.TimeZone != "" {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			p.Zone, p.ZoneName = loc, u.TimeZone
		}
	}
	if c.Title == "" {
		// Only existence and terms: the read-in page.
		return p, nil
	}
	p.Title = c.PublicID + ": " + c.Title
	for _, pt := range c.Participants {
		if pt.ID == c.MyParticipant {
			p.Me = pt
		}
	}
	p.Coordinate = c.Role == string(authz.CaseCoordinator) || a.Role == authz.RoleResponder || a.Role == authz.RoleAdmin
	p.Internal = p.Coordinate
	p.CanPost = p.Coordinate || (c.Role != "" && c.Role != string(authz.CaseObserver))
	if c.Embargo != nil {
		p.EmbargoActions = embargoOptions(c.Embargo.State, p.Coordinate)
	}
	for _, f := range []struct {
		k, l string
		at   *time.Time
	}{{"vendor_aware", "Owner (vendor) aware", c.Facts.VendorAware}, {"fix_ready", "Fix ready", c.Facts.FixReady},
		{"fix_deployed", "Fix deployed", c.Facts.FixDeployed}, {"public_aware", "Public aware", c.Facts.PublicAware},
		{"exploit_public", "Exploit public", c.Facts.ExploitPublic}, {"attacks_observed", "Attacks observed", c.Facts.AttacksObserved}} {
		p.Facts = append(p.Facts, factRow{f.k, f.l, f.at})
	}
	if p.Posts, err = h.app.Cases.Posts(ctx, a, c.PublicID); err != nil {
		return p, err
	}
	if p.Timeline, err = h.app.Cases.Timeline(ctx, a, c.PublicID, 0, 500); err != nil {
		return p, err
	}
	if p.Attachments, err = h.app.Cases.Attachments(ctx, a, c.PublicID); err != nil {
		return p, err
	}
	if p.Coordinate {
		if p.Deliveries, err = h.app.Cases.Deliveries(ctx, a, c.PublicID); err != nil {
			return p, err
		}
		if p.Available, err = h.app.Knowledge.List(ctx, a, knowledge.DocQuery{Kind: "playbook", Limit: 200}); err != nil {
			return p, err
		}
	}
	if p.Playbooks, err = h.app.Knowledge.AppliedPlaybooks(ctx, a, c.PublicID); err != nil {
		return p, err
	}
	return p, nil
}

func (h *Handlers) caseDone(w http.ResponseWriter, r *http.Request, msg string) error {
	if b := backTo(r); b != "" {
		h.redirectFlash(w, r, b, msg)
		return nil
	}
	h.redirectFlash(w, r, "/cases/"+url.PathEscape(r.PathValue("id")), msg)
	return nil
}

func (h *Handlers) caseReadIn(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("accept") != "on" {
		if _, err := h.app.Cases.Get(r.Context(), a, r.PathValue("id")); err != nil {
			return err // someone who may not know the case learns nothing from the form
		}
		return validate.Field("accept", "tick the box to accept the confidentiality terms")
	}
	if _, err := h.app.Cases.ReadIn(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return h.caseDone(w, r, "You accepted the terms and are read in.")
}

func (h *Handlers) caseAddParticipant(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := cases.NewParticipant{Email: r.PostFormValue("email"), Role: r.PostFormValue("role"), Name: r.PostFormValue("name"),
		Organisation: r.PostFormValue("organisation"), PGPKey: r.PostFormValue("pgp_key")}
	if v := r.PostFormValue("required"); v != "" {
		b := v == "yes"
		in.Required = &b
	}
	if _, err := h.app.Cases.AddParticipant(r.Context(), a, r.PathValue("id"), in); err != nil {
		return h.caseRefused(w, r, err, "email")
	}
	return h.caseDone(w, r, "Participant added.")
}

func (h *Handlers) caseUpdateParticipant(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(r.PathValue("pid"), 10, 64)
	if err != nil {
		return errNotFound
	}
	var up cases.ParticipantUpdate
	if r.PostForm.Has("tracking_id") {
		v := r.PostFormValue("tracking_id")
		up.TrackingID = &v
	}
	if v := r.PostFormValue("rm_state"); v != "" {
		st := cases.RMState(v)
		up.RMState = &st
	}
	if _, err := h.app.Cases.UpdateParticipant(r.Context(), a, r.PathValue("id"), pid, up); err != nil {
		return h.caseRefused(w, r, err, "tracking_id")
	}
	return h.caseDone(w, r, "Saved.")
}

// formInstant reads a date-time field in the zone chosen beside it, as RFC 3339.
func formInstant(r *http.Request, field string) (string, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return v, nil
	}
	zone := r.PostFormValue(field + "_zone")
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", validate.Field(field+"_zone", "%q is not a time zone (want e.g. Europe/Berlin or UTC)", zone)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	return "", validate.Field(field, "%q is not a date and time (want YYYY-MM-DD HH:MM)", v)
}

func (h *Handlers) caseEmbargo(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	pd, err := formInstant(r, "public_date")
	if err != nil {
		return h.caseRefused(w, r, err, "action")
	}
	pid, _ := strconv.ParseInt(r.PostFormValue("participant_id"), 10, 64)
	act := r.PostFormValue("action")
	if (act == "counter" || act == "propose" || act == "revise") && pd == "" {
		return h.caseRefused(w, r, validate.Field("public_date", "enter the date and time you propose"), "action")
	}
	res, err := h.app.Cases.Embargo(r.Context(), a, r.PathValue("id"), cases.EmbargoInput{Action: act, PublicDate: pd,
		ParticipantID: pid, Reason: r.PostFormValue("reason")})
	if err != nil {
		return h.caseRefused(w, r, err, "action")
	}
	msg := embargoDone(res.Embargo)
	if len(res.Embargo.Warnings) > 0 {
		msg += " Note: " + strings.Join(res.Embargo.Warnings, " ")
	}
	return h.caseDone(w, r, msg)
}

func (h *Handlers) caseFacts(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	on := func(k string) bool { return r.PostFormValue(k) == "on" || r.PostFormValue("fact") == k }
	in := cases.FactsInput{VendorAware: on("vendor_aware"), FixReady: on("fix_ready"), FixDeployed: on("fix_deployed"),
		PublicAware: on("public_aware"), ExploitPublic: on("exploit_public"), AttacksObserved: on("attacks_observed")}
	if _, err := h.app.Cases.SetFacts(r.Context(), a, r.PathValue("id"), in); err != nil {
		return h.caseRefused(w, r, err, "fact")
	}
	return h.caseDone(w, r, "Case state saved.")
}

func (h *Handlers) caseBreak(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	pd, err := formInstant(r, "public_date")
	if err != nil {
		return err
	}
	in := cases.BreakInput{Reason: r.PostFormValue("reason"), ExploitPublic: r.PostFormValue("exploit_public") == "on",
		AttacksObserved: r.PostFormValue("attacks_observed") == "on", PublicDate: pd}
	if _, err := h.app.Cases.BreakEmbargo(r.Context(), a, r.PathValue("id"), in); err != nil {
		return err
	}
	return h.caseDone(w, r, "Embargo broken: the case is public and every read-in party is being notified.")
}

func (h *Handlers) caseRelease(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Cases.ReleaseEarly(r.Context(), a, r.PathValue("id"), cases.ReleaseInput{Reason: r.PostFormValue("reason")}); err != nil {
		return err
	}
	return h.caseDone(w, r, "Released early: the case is public, every read-in party is being notified and its approved advisories publish.")
}

func (h *Handlers) casePost(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(r.PostFormValue("participant_id"), 10, 64)
	if _, err := h.app.Cases.AddPost(r.Context(), a, r.PathValue("id"), "web", cases.NewCasePost{Thread: r.PostFormValue("thread"), ParticipantID: pid, Body: r.PostFormValue("body")}); err != nil {
		return h.caseRefused(w, r, err, "body")
	}
	return h.caseDone(w, r, "Posted.")
}

func (h *Handlers) caseAddVuln(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := cases.NewVulnerability{Label: r.PostFormValue("label"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		CVSSv4: r.PostFormValue("cvss_v4"), CVSSv3: r.PostFormValue("cvss_v3"), CWE: r.PostFormValue("cwe")}
	if _, err := h.app.Cases.AddVulnerability(r.Context(), a, r.PathValue("id"), in); err != nil {
		return h.caseRefused(w, r, err, "title")
	}
	return h.caseDone(w, r, "Vulnerability added.")
}

func (h *Handlers) caseStatus(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(r.PostFormValue("participant_id"), 10, 64)
	in := cases.StatusInput{Status: r.PostFormValue("status"), Justification: r.PostFormValue("justification"), Statement: r.PostFormValue("statement"), ParticipantID: pid, StatementPublic: r.PostFormValue("statement_public") != ""}
	if _, err := h.app.Cases.SetStatus(r.Context(), a, r.PathValue("id"), r.PostFormValue("vulnerability"), in); err != nil {
		return h.caseRefused(w, r, err, "status")
	}
	return h.caseDone(w, r, "Status saved.")
}

func (h *Handlers) caseAddPackage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := cases.NewAffectedPackage{Ecosystem: r.PostFormValue("ecosystem"), Name: r.PostFormValue("name"), PURL: r.PostFormValue("purl"), Note: r.PostFormValue("note"),
		Vulnerabilities: strings.Fields(strings.ReplaceAll(r.PostFormValue("vulnerabilities"), ",", " "))}
	if intro, fixed := strings.TrimSpace(r.PostFormValue("introduced")), strings.TrimSpace(r.PostFormValue("fixed")); intro != "" || fixed != "" {
		if intro == "" {
			intro = "0"
		}
		rg := rangeOf(r.PostFormValue("range_type"), intro, fixed)
		in.Ranges = append(in.Ranges, rg)
	}
	if _, err := h.app.Cases.AddPackage(r.Context(), a, r.PathValue("id"), in); err != nil {
		return h.caseRefused(w, r, err, "name")
	}
	return h.caseDone(w, r, "Package added.")
}

func (h *Handlers) caseRemovePackage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PathValue("pkg"), 10, 64)
	if err := h.app.Cases.RemovePackage(r.Context(), a, r.PathValue("id"), id); err != nil {
		return err
	}
	return h.caseDone(w, r, "Package removed.")
}

func (h *Handlers) caseRemoveParticipant(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PathValue("pid"), 10, 64)
	if err := h.app.Cases.RemoveParticipant(r.Context(), a, r.PathValue("id"), id, r.PostFormValue("reason")); err != nil {
		return err
	}
	return h.caseDone(w, r, "Participant removed; their access ended.")
}

func (h *Handlers) caseAddTask(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Cases.AddTask(r.Context(), a, r.PathValue("id"), cases.NewCaseTask{Title: r.PostFormValue("title")}); err != nil {
		return h.caseRefused(w, r, err, "task")
	}
	return h.caseDone(w, r, "Task added.")
}

func (h *Handlers) caseTask(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("task"), 10, 64)
	if err != nil {
		return errNotFound
	}
	done := r.PostFormValue("done") == "on"
	if _, err := h.app.Cases.UpdateTask(r.Context(), a, r.PathValue("id"), id, cases.CaseTaskUpdate{Done: &done}); err != nil {
		return err
	}
	return h.caseDone(w, r, "Task saved.")
}

func (h *Handlers) caseUpload(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	var ups []intake.Upload
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			u, err := readUpload(fh)
			if err != nil {
				return err
			}
			ups = append(ups, u)
		}
	}
	if _, err := h.app.Cases.Attach(r.Context(), a, r.PathValue("id"), ups); err != nil {
		return err
	}
	return h.caseDone(w, r, "Files attached.")
}

func (h *Handlers) caseFile(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	as, err := h.app.Cases.Attachments(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
	return h.sendAttachment(w, as, id)
}

func (h *Handlers) caseExport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f := r.PathValue("format")
	if f != "osv" && f != "vex" {
		return errNotFound
	}
	data, err := h.app.Cases.Export(r.Context(), a, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", r.PathValue("id")+"."+f+".json"))
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}

func rangeOf(typ, introduced, fixed string) (r format.Range) {
	if typ == "" {
		typ = "ECOSYSTEM"
	}
	r.Type = format.RangeType(typ)
	r.Events = append(r.Events, format.Event{Introduced: introduced})
	if fixed != "" {
		r.Events = append(r.Events, format.Event{Fixed: fixed})
	}
	return r
}

// embargoDone says in words what the embargo is now, after an answer.
func embargoDone(e *cases.Embargo) string {
	var msg string
	switch e.State {
	case cases.EMActive:
		msg = "The embargo is agreed"
		if e.PublicDate != nil {
			msg += ": the public date is " + e.PublicDate.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
		}
		msg += "."
	case cases.EMProposed, cases.EMRevise:
		msg = "Your answer is recorded; the proposed date waits for the other parties."
		if len(e.HoldingUp) > 0 {
			msg = "Your answer is recorded; the proposed date waits for: " + strings.Join(e.HoldingUp, "; ") + "."
		}
	case cases.EMNone:
		msg = "The proposal was rejected; no public date is proposed now."
	case cases.EMExited:
		msg = "The embargo has ended."
	default:
		msg = "Embargo: " + words(e.State) + "."
	}
	return msg
}

// caseDraftAdvisory drafts the advisory of one vulnerability of the case (its packages,
// scores and credits; the details from the public template) and opens it.
func (h *Handlers) caseDraftAdvisory(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	adv, err := h.app.Advisories.CreateFromCase(r.Context(), a, r.PathValue("id"), r.PostFormValue("vulnerability"))
	if err != nil {
		return h.caseRefused(w, r, err, "vulnerability")
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), "Advisory drafted from case "+r.PathValue("id")+": write its details from the template, then submit it for review.")
	return nil
}
