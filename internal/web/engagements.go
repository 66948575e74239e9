package web

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/engagements"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The security-buddy programme's pages (engagements, projects, outreach) and the
// printable services sheet. Everything works without JavaScript; a refused form is
// shown again with what the user typed and the message beside each field.

func (h *Handlers) registerEngagements(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Engagements", Href: "/engagements", Action: authz.ViewEngagements})
	handle("GET /services", h.servicesSheet)
	handle("GET /services.pdf", h.servicesPDF)
	handle("GET /engagements", h.engagementsPage)
	handle("POST /engagements", h.engagementCreate)
	handle("GET /engagements/{id}", h.engagementPage)
	handle("POST /engagements/{id}/stage", h.engagementPost)
	handle("POST /engagements/{id}/contacts", h.engagementPost)
	handle("POST /engagements/{id}/spot-checks", h.engagementPost)
	handle("POST /engagements/{id}/hours", h.engagementPost)
	handle("POST /engagements/{id}/welcome", h.engagementPost)
	handle("GET /engagements/{id}/retrospective", h.retrospectivePage)
	handle("POST /engagements/{id}/retrospective", h.retrospectiveSave)
	handle("GET /engagements/{id}/retrospective/export/{format}", h.retrospectiveExport)
	handle("GET /projects", h.projectsPage)
	handle("POST /projects", h.projectCreate)
	handle("POST /projects/import", h.projectsImport)
	handle("GET /outreach", h.outreachPage)
	handle("POST /outreach/channels", h.channelCreate)
	handle("POST /outreach/campaigns", h.campaignCreate)
	handle("POST /outreach/campaigns/{id}", h.campaignUpdate)
}

// ---- the services sheet ----

type servicesPage struct {
	BasePage
	Body     template.HTML
	Pages    []PublicPage
	Contacts []string
}

func (h *Handlers) sheet(r *http.Request) engagements.ServicesSheet {
	base := strings.TrimRight(h.app.Cfg.BaseURL, "/")
	return engagements.ServicesSheet{Team: h.app.Cfg.Team, Markdown: h.pageText(r, "services"), Contacts: []string{
		"Report a vulnerability: " + base + "/report or " + h.app.Cfg.IntakeAddress,
		"Ask for help as a maintainer or finder: " + base + "/help",
		"Our rules of engagement: " + base + "/rules",
		"OpenPGP key: " + base + "/team-key.asc",
	}}
}

func (h *Handlers) servicesSheet(w http.ResponseWriter, r *http.Request) error {
	sh := h.sheet(r)
	return h.render(w, r, http.StatusOK, "services", servicesPage{BasePage: h.base(r, "What we do"), Body: Markdown(sh.Markdown), Pages: PublicPages, Contacts: sh.Contacts})
}

func (h *Handlers) servicesPDF(w http.ResponseWriter, r *http.Request) error {
	b, err := h.sheet(r).PDF(h.app.Cfg.BaseURL)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="services.pdf"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(b)
	return err
}

// ---- engagements ----

type engagementsPage struct {
	BasePage
	Engagements []engagements.Engagement
	Projects    []engagements.Project
	CanManage   bool
	Origins     []string
	Form        url.Values
}

func (h *Handlers) engagementsList(r *http.Request) (engagementsPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return engagementsPage{}, err
	}
	es, err := h.app.Engagements.List(r.Context(), a, engagements.Query{Status: engagements.Status(r.URL.Query().Get("status"))})
	if err != nil {
		return engagementsPage{}, err
	}
	ps, err := h.app.Engagements.Projects(r.Context(), a)
	if err != nil {
		return engagementsPage{}, err
	}
	return engagementsPage{BasePage: h.base(r, "Engagements"), Engagements: es, Projects: ps, Origins: engagements.Origins,
		CanManage: authz.Can(a, authz.ManageEngagements, nil) == nil, Form: url.Values{}}, nil
}

func (h *Handlers) engagementsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.engagementsList(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "engagements", p)
}

func formInt(f url.Values, k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64)
	return n
}

func formFloat(f url.Values, field string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(f.Get(field), ",", ".")), 64)
	if err != nil {
		return 0, validate.Field(field, "%q is not a number of hours", f.Get(field))
	}
	return v, nil
}

func (h *Handlers) engagementCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	e, err := h.app.Engagements.Create(r.Context(), a, engagements.NewEngagement{ProjectID: formInt(f, "project_id"), Buddy: f.Get("buddy"), Backup: f.Get("backup"),
		Origin: f.Get("origin"), OriginRef: f.Get("origin_ref"), Goals: f.Get("goals")})
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.engagementsList(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, f
			return h.render(w, r, http.StatusUnprocessableEntity, "engagements", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/engagements/%d", e.ID), "Engagement created.")
	return nil
}

type engagementPage struct {
	BasePage
	E        *engagements.Engagement
	Schedule *engagements.SpotCheckSchedule
	Contacts []engagements.ContactAttempt
	CanWork  bool
	Next     []engagements.Status
	Today    string
	Form     url.Values
	FormName string // which form the errors belong to
}

func (h *Handlers) engagementDetail(r *http.Request) (engagementPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return engagementPage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return engagementPage{}, err
	}
	ctx := r.Context()
	e, err := h.app.Engagements.Get(ctx, a, id)
	if err != nil {
		return engagementPage{}, err
	}
	sc, err := h.app.Engagements.Schedule(ctx, a, id)
	if err != nil {
		return engagementPage{}, err
	}
	cs, err := h.app.Engagements.Contacts(ctx, a, id)
	if err != nil {
		return engagementPage{}, err
	}
	p := engagementPage{BasePage: h.base(r, e.Project), E: e, Schedule: sc, Contacts: cs, Today: h.app.Clock.Now().UTC().Format("2006-01-02"), Form: url.Values{},
		CanWork: authz.Can(a, authz.WorkEngagement, authz.Engagement{BuddyID: e.BuddyID, BackupID: e.BackupID}) == nil}
	for _, s := range engagements.Statuses {
		if engagements.CanMove(e.Status, s) {
			p.Next = append(p.Next, s)
		}
	}
	return p, nil
}

func (h *Handlers) engagementPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.engagementDetail(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "engagement", p)
}

// engagementPost takes the detail page's forms: stage, contact attempt, spot-check,
// hours and the welcome email.
func (h *Handlers) engagementPost(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, f := r.Context(), r.PostForm
	svc := h.app.Engagements
	form := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var flash string
	switch form {
	case "stage":
		_, err = svc.Stage(ctx, a, id, engagements.StageInput{To: engagements.Status(f.Get("to")), Start: f.Get("start"), Reason: f.Get("reason")})
		flash = "Status changed."
	case "contacts":
		_, err = svc.LogContact(ctx, a, id, engagements.ContactInput{Date: f.Get("date"), Channel: f.Get("channel"), Outcome: f.Get("outcome"), Notes: f.Get("notes")})
		flash = "Contact attempt recorded."
	case "spot-checks":
		var hours float64
		if hours, err = formFloat(f, "hours"); err == nil {
			_, err = svc.LogSpotCheck(ctx, a, id, engagements.SpotCheckInput{Date: f.Get("date"), Hours: hours, Notes: f.Get("notes"), Risks: f.Get("risks"), Actions: f.Get("actions")})
		}
		flash = "Spot-check recorded."
	case "hours":
		var hours float64
		if hours, err = formFloat(f, "hours"); err == nil {
			_, err = svc.LogHours(ctx, a, id, engagements.EngagementHoursInput{Date: f.Get("date"), Hours: hours, Note: f.Get("note")})
		}
		flash = "Hours logged."
	case "welcome":
		var res *engagements.WelcomeResult
		if res, err = svc.SendWelcome(ctx, a, id, engagements.WelcomeInput{To: f.Get("to"), Message: f.Get("message")}); err == nil {
			flash = "Welcome email queued to " + res.To + "."
		}
	default:
		return errNotFound
	}
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.engagementDetail(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form, p.FormName = fe, f, form
			return h.render(w, r, http.StatusUnprocessableEntity, "engagement", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/engagements/%d", id), flash)
	return nil
}

type retrospectivePage struct {
	BasePage
	E       *engagements.Engagement
	R       *engagements.Retrospective
	HTML    template.HTML
	CanWork bool
	Text    string
}

func (h *Handlers) retrospectiveData(r *http.Request) (retrospectivePage, error) {
	a, err := requireUser(r)
	if err != nil {
		return retrospectivePage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return retrospectivePage{}, err
	}
	e, err := h.app.Engagements.Get(r.Context(), a, id)
	if err != nil {
		return retrospectivePage{}, err
	}
	rt, err := h.app.Engagements.Retrospective(r.Context(), a, id)
	if err != nil {
		return retrospectivePage{}, err
	}
	return retrospectivePage{BasePage: h.base(r, "Retrospective: "+e.Project), E: e, R: rt, HTML: engagements.HTMLOf(rt.Markdown), Text: rt.Markdown,
		CanWork: authz.Can(a, authz.WorkEngagement, authz.Engagement{BuddyID: e.BuddyID, BackupID: e.BackupID}) == nil}, nil
}

func (h *Handlers) retrospectivePage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.retrospectiveData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "retrospective", p)
}

func (h *Handlers) retrospectiveSave(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	text := r.PostFormValue("markdown")
	if r.PostFormValue("reset") != "" {
		text = ""
	}
	if _, err := h.app.Engagements.SaveRetrospective(r.Context(), a, id, text); err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.retrospectiveData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Text = fe, text
			return h.render(w, r, http.StatusUnprocessableEntity, "retrospective", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/engagements/%d/retrospective", id), "Saved.")
	return nil
}

func (h *Handlers) retrospectiveExport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	format := r.PathValue("format")
	if format != "md" && format != "html" && format != "pdf" {
		return errNotFound
	}
	b, ct, err := h.app.Engagements.Export(r.Context(), a, id, format)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="retrospective-%d.%s"`, id, format))
	_, err = w.Write(b)
	return err
}

// ---- projects ----

type projectsPage struct {
	BasePage
	Projects  []engagements.Project
	CanManage bool
	Form      url.Values
	Imported  *engagements.ProjectImportResult
}

func (h *Handlers) projectsData(r *http.Request) (projectsPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return projectsPage{}, err
	}
	ps, err := h.app.Engagements.Projects(r.Context(), a)
	if err != nil {
		return projectsPage{}, err
	}
	return projectsPage{BasePage: h.base(r, "Projects"), Projects: ps, CanManage: authz.Can(a, authz.ManageEngagements, nil) == nil, Form: url.Values{}}, nil
}

func (h *Handlers) projectsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.projectsData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "projects", p)
}

func (h *Handlers) projectCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	if _, err := h.app.Engagements.CreateProject(r.Context(), a, engagements.ProjectInput{Name: f.Get("name"), RepoURL: f.Get("repo_url"), Ecosystem: f.Get("ecosystem"),
		Criticality: f.Get("criticality"), Contacts: f.Get("contacts"), Notes: f.Get("notes")}); err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.projectsData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, f
			return h.render(w, r, http.StatusUnprocessableEntity, "projects", p)
		}
		return err
	}
	h.redirectFlash(w, r, "/projects", "Project added.")
	return nil
}

func (h *Handlers) projectsImport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageEngagements, nil); err != nil {
		return err
	}
	var src io.Reader = strings.NewReader(r.PostFormValue("csv"))
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
			fh, err := fhs[0].Open()
			if err != nil {
				return validate.Field("file", "%s could not be read", fhs[0].Filename)
			}
			defer fh.Close()
			src = fh
		}
	}
	res, err := h.app.Engagements.ImportProjects(r.Context(), a, src)
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.projectsData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "projects", p)
		}
		return err
	}
	h.redirectFlash(w, r, "/projects", fmt.Sprintf("Imported: %d added, %d updated.", res.Created, res.Updated))
	return nil
}

// ---- outreach ----

type outreachPage struct {
	BasePage
	Channels  []engagements.Channel
	Campaigns []engagements.Campaign
	Kinds     []string
	CanManage bool
	Form      url.Values
}

func (h *Handlers) outreachData(r *http.Request) (outreachPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return outreachPage{}, err
	}
	chs, err := h.app.Engagements.Channels(r.Context(), a)
	if err != nil {
		return outreachPage{}, err
	}
	cps, err := h.app.Engagements.Campaigns(r.Context(), a)
	if err != nil {
		return outreachPage{}, err
	}
	return outreachPage{BasePage: h.base(r, "Outreach"), Channels: chs, Campaigns: cps, Kinds: engagements.ChannelKinds,
		CanManage: authz.Can(a, authz.ManageEngagements, nil) == nil, Form: url.Values{}}, nil
}

func (h *Handlers) outreachPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.outreachData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "outreach", p)
}

func (h *Handlers) outreachResult(w http.ResponseWriter, r *http.Request, err error, flash string) error {
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.outreachData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "outreach", p)
		}
		return err
	}
	h.redirectFlash(w, r, "/outreach", flash)
	return nil
}

func (h *Handlers) channelCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	_, err = h.app.Engagements.CreateChannel(r.Context(), a, engagements.ChannelInput{Name: f.Get("name"), Kind: f.Get("kind"), URL: f.Get("url"), Notes: f.Get("notes")})
	return h.outreachResult(w, r, err, "Channel added.")
}

func campaignForm(f url.Values) engagements.CampaignInput {
	in := engagements.CampaignInput{Name: f.Get("name"), ChannelID: formInt(f, "channel_id"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"),
		Audience: f.Get("audience"), Materials: f.Get("materials"), Results: f.Get("results")}
	for k, p := range map[string]**int{"contacts_reached": &in.ContactsReached, "requests_received": &in.RequestsReceived} {
		if v := strings.TrimSpace(f.Get(k)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				n = -1 // refused by the service's check, naming the field
			}
			*p = &n
		}
	}
	return in
}

func (h *Handlers) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	_, err = h.app.Engagements.CreateCampaign(r.Context(), a, campaignForm(r.PostForm))
	return h.outreachResult(w, r, err, "Campaign added.")
}

func (h *Handlers) campaignUpdate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, err = h.app.Engagements.UpdateCampaign(r.Context(), a, id, campaignForm(r.PostForm))
	return h.outreachResult(w, r, err, "Campaign updated.")
}
