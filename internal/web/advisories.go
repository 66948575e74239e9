package web

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Advisories on the web: the staff pages (/staff/advisories: list, import, draft, edit,
// review, schedule, publish, withdraw, export downloads) and the public ones, which show
// published advisories only — the index, one page per advisory, the Atom feed, the OSV
// records (/osv/<id>.json and /osv/all.zip) and the CSAF 2.0 provider directory under
// /.well-known/csaf/. The public handlers read through advisory.Public, which answers
// "not found" for anything unpublished however it is named.

func (h *Handlers) registerAdvisories(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Advisories", Href: "/staff/advisories", Action: authz.ListAdvisories})

	handle("GET /staff/advisories", h.advisoriesPage)
	handle("POST /staff/advisories", h.advisoryCreate)
	handle("POST /staff/advisories/import", h.advisoryImport)
	handle("GET /staff/advisories/{id}", h.advisoryPage)
	handle("POST /staff/advisories/{id}", h.advisorySave)
	handle("POST /staff/advisories/{id}/submit", h.advisoryStep("Submitted for review.", h.app.Advisories.Submit))
	handle("POST /staff/advisories/{id}/approve", h.advisoryStep("Approved.", h.app.Advisories.Approve))
	handle("POST /staff/advisories/{id}/publish", h.advisoryStep("Published.", h.app.Advisories.Publish))
	handle("POST /staff/advisories/{id}/schedule", h.advisorySchedule)
	handle("POST /staff/advisories/{id}/withdraw", h.advisoryWithdraw)
	handle("POST /staff/advisories/{id}/cve", h.advisoryCVE)
	handle("GET /staff/advisories/{id}/export/{format}", h.advisoryDownload)

	handle("GET /advisories", h.publicAdvisories)
	handle("GET /advisories/{id}", h.publicAdvisory)
	handle("GET /advisories.atom", h.advisoriesAtom)
	handle("GET /osv/all.zip", h.osvZip)
	handle("GET /osv/{file}", h.osvRecord)
	h.registerCSAF(handle)
}

// --- staff pages ---

type advisoriesPage struct {
	BasePage
	Advisories []*advisory.Advisory
	Older      string // link to the next page
	Form       map[string]string
	ImportText string
	CanCreate  bool
}

func (h *Handlers) advisoriesData(r *http.Request, a authz.Actor) (advisoriesPage, error) {
	p := advisoriesPage{BasePage: h.base(r, "Advisories"), Form: map[string]string{}}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	as, err := h.app.Advisories.List(r.Context(), a, advisory.ListOptions{Before: before, Limit: 101})
	if err != nil {
		return p, err
	}
	if len(as) > 100 {
		as = as[:100]
		p.Older = "/staff/advisories?before=" + strconv.FormatInt(as[99].ID, 10)
	}
	p.Advisories = as
	p.CanCreate = authz.Can(a, authz.ImportAdvisory, nil) == nil
	return p, nil
}

func (h *Handlers) advisoriesPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.advisoriesData(r, a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "advisories", p)
}

func (h *Handlers) advisoryCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	d, ferr := advisory.FormDraft(r.PostFormValue, &format.Advisory{})
	var adv *advisory.Advisory
	if ferr == nil {
		adv, err = h.app.Advisories.Create(r.Context(), a, d)
	} else {
		err = ferr
	}
	if fe, ok := validate.As(err); ok {
		p, lerr := h.advisoriesData(r, a)
		if lerr != nil {
			return lerr
		}
		p.Errors = fe
		for _, k := range formFields {
			p.Form[k] = r.PostFormValue(k)
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "advisories", p)
	}
	if err != nil {
		return err
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), "Draft created.")
	return nil
}

// formFields are the fields of the draft form (advisory.FormDraft).
var formFields = []string{"title", "summary", "details", "aliases", "related", "cwe_ids", "cvss_v4", "cvss_v3", "references", "credits", "affected", "change"}

func (h *Handlers) advisoryImport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ImportAdvisory, nil); err != nil {
		return err
	}
	data := []byte(strings.TrimSpace(r.PostFormValue("osv")))
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		b, rerr := io.ReadAll(io.LimitReader(f, 4<<20))
		f.Close()
		if rerr != nil {
			return rerr
		}
		if len(strings.TrimSpace(string(b))) > 0 {
			data = b
		}
	}
	var adv *advisory.Advisory
	if len(data) == 0 {
		err = validate.Field("osv", "choose an OSV JSON file or paste the record")
	} else {
		adv, err = h.app.Advisories.Import(r.Context(), a, data)
	}
	if err != nil {
		var fe validate.Errors
		var ve *format.ValidationError
		switch {
		case errors.As(err, &ve):
			for _, pr := range ve.Problems {
				fe.Add("osv", "%s", pr.String())
			}
		case errors.Is(err, db.ErrConflict):
			fe.Add("osv", "%v", err)
		default:
			var ok bool
			if fe, ok = validate.As(err); !ok {
				if errors.Is(err, authz.ErrForbidden) || errors.Is(err, authz.ErrUnauthenticated) {
					return err
				}
				fe = validate.Errors{{Field: "osv", Message: err.Error()}}
			}
		}
		p, lerr := h.advisoriesData(r, a)
		if lerr != nil {
			return lerr
		}
		p.Errors, p.ImportText = fe, string(data)
		return h.render(w, r, http.StatusUnprocessableEntity, "advisories", p)
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), "Imported as a draft.")
	return nil
}

type exportLink struct {
	Format advisory.Format
	Label  string
	Href   string
	Error  string // why the export is not offered
}

type advisoryPage struct {
	BasePage
	A          *advisory.Advisory
	Form       map[string]string
	Revisions  []advisory.Revision
	Exports    []exportLink
	CanEdit    bool
	CanApprove bool
	ApproveWhy string
	PublicURL  string
	Schedule   string // the schedule field's value
	Details    template.HTML
	CaseRef    string // the source case's public id, when the viewer may know it
	Ecosystems []string
}

// AffectedRows are the affected packages as form rows (and one empty row to add one).
func (p advisoryPage) AffectedRows() []affRow {
	rows, _ := affectedRows(p.Form["affected"])
	return append(rows, affRow{})
}

// AffectedAdvanced is the OSV JSON of the entries a row cannot hold.
func (p advisoryPage) AffectedAdvanced() string {
	_, adv := affectedRows(p.Form["affected"])
	return adv
}

func (h *Handlers) advisoryData(r *http.Request, a authz.Actor, ref string) (advisoryPage, error) {
	ctx := r.Context()
	svc := h.app.Advisories
	adv, err := svc.Get(ctx, a, ref)
	if err != nil {
		return advisoryPage{}, err
	}
	p := advisoryPage{BasePage: h.base(r, adv.PublicID+": "+adv.Title()), A: adv, Form: advisory.FormValues(adv.Doc),
		Details: Markdown(adv.Doc.Details), Ecosystems: osvEcosystems}
	if adv.Pending != nil {
		p.Form = advisory.FormValues(adv.Pending.Doc) // edits continue the pending revision
	}
	if p.Revisions, err = svc.Revisions(ctx, a, ref); err != nil {
		return p, err
	}
	if adv.CaseID != nil {
		p.CaseRef, _ = h.app.Cases.PublicIDOf(ctx, a, *adv.CaseID)
	}
	p.CanEdit = authz.Can(a, authz.EditAdvisory, authz.Advisory{Published: adv.Published(), AuthorID: adv.AuthorID}) == nil
	if err := authz.Can(a, authz.ApproveAdvisory, authz.Advisory{Published: adv.Published(), AuthorID: adv.AuthorID}); err == nil {
		p.CanApprove = true
	} else {
		p.ApproveWhy = "A responder other than the author approves."
	}
	if p.CanApprove && ((adv.EditedBy == a.UserID && !adv.Published()) || (adv.Pending != nil && adv.Pending.EditedBy == a.UserID)) {
		p.CanApprove, p.ApproveWhy = false, "You made the last change: a responder other than you approves it (four eyes)."
	}
	for _, f := range advisory.Formats {
		l := exportLink{Format: f, Label: exportLabels[f], Href: "/staff/advisories/" + url.PathEscape(adv.PublicID) + "/export/" + string(f)}
		if _, err := svc.Export(ctx, a, ref, f); err != nil {
			l.Error = err.Error()
		}
		p.Exports = append(p.Exports, l)
	}
	if adv.Published() {
		p.PublicURL = "/advisories/" + url.PathEscape(adv.PublicID)
	}
	if adv.PublicDate != nil {
		p.Schedule = adv.PublicDate.UTC().Format("2006-01-02T15:04")
	}
	return p, nil
}

var exportLabels = map[advisory.Format]string{
	advisory.FormatOSV:  "OSV JSON",
	advisory.FormatCSAF: "CSAF 2.0 advisory",
	advisory.FormatVEX:  "CSAF 2.0 VEX",
	advisory.FormatCVE:  "CVE JSON 5 record",
}

func (h *Handlers) advisoryPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.advisoryData(r, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "advisory", p)
}

// advisoryFail shows the advisory again with what went wrong: field errors beside their
// fields (with the values as submitted), refusals of the workflow as a message.
func (h *Handlers) advisoryFail(w http.ResponseWriter, r *http.Request, a authz.Actor, err error, form map[string]string) error {
	fe, isField := validate.As(err)
	var status int
	var embargo *advisory.EmbargoError
	switch {
	case errors.As(err, &embargo):
		status, isField, fe = http.StatusConflict, true, validate.Errors{{Field: "public_date", Message: err.Error()}}
	case isField:
		status = http.StatusUnprocessableEntity
	case errors.Is(err, advisory.ErrState), errors.Is(err, db.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, authz.ErrForbidden) && strings.Contains(err.Error(), ":"):
		status = http.StatusForbidden
	default:
		return err
	}
	p, lerr := h.advisoryData(r, a, r.PathValue("id"))
	if lerr != nil {
		return lerr
	}
	if isField {
		p.Errors = fe
	} else {
		p.Errors = validate.Errors{{Field: "state", Message: err.Error()}}
	}
	for k, v := range form {
		p.Form[k] = v
	}
	return h.render(w, r, status, "advisory", p)
}

func (h *Handlers) advisorySave(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	ref := r.PathValue("id")
	cur, err := h.app.Advisories.Get(r.Context(), a, ref)
	if err != nil {
		return err
	}
	form := map[string]string{}
	for _, k := range formFields {
		form[k] = r.PostFormValue(k)
	}
	get := r.PostFormValue
	if aff, ok := affectedFromForm(r); ok {
		form["affected"] = aff
		get = func(k string) string {
			if k == "affected" {
				return aff
			}
			return r.PostFormValue(k)
		}
	}
	d, err := advisory.FormDraft(get, cur.Doc)
	if err == nil {
		rev, _ := strconv.Atoi(r.PostFormValue("revision"))
		_, err = h.app.Advisories.Update(r.Context(), a, ref, d, rev)
	}
	if err != nil {
		return h.advisoryFail(w, r, a, err, form)
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(cur.PublicID), "Saved.")
	return nil
}

func (h *Handlers) advisoryStep(done string, step func(ctx context.Context, a authz.Actor, ref string) (*advisory.Advisory, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := requireUser(r)
		if err != nil {
			return err
		}
		adv, err := step(r.Context(), a, r.PathValue("id"))
		if err != nil {
			return h.advisoryFail(w, r, a, err, nil)
		}
		h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), done)
		return nil
	}
}

var localMinute = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$`)

func (h *Handlers) advisorySchedule(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	// The form's datetime-local field has no zone: its value is UTC, as the label says.
	v := strings.TrimSpace(r.PostFormValue("public_date"))
	if localMinute.MatchString(v) {
		if len(v) == 16 {
			v += ":00"
		}
		v += "Z"
	}
	var pd time.Time
	if v != "" { // empty: the case's agreed public date
		pd, err = advisory.ParseInstant("public_date", v)
	}
	var adv *advisory.Advisory
	if err == nil {
		adv, err = h.app.Advisories.Schedule(r.Context(), a, r.PathValue("id"), pd)
	}
	if err != nil {
		return h.advisoryFail(w, r, a, err, nil)
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), "Scheduled for "+adv.PublicDate.Format(time.RFC3339)+".")
	return nil
}

func (h *Handlers) advisoryWithdraw(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	adv, err := h.app.Advisories.Withdraw(r.Context(), a, r.PathValue("id"), r.PostFormValue("reason"))
	if err != nil {
		return h.advisoryFail(w, r, a, err, nil)
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), "Withdrawn.")
	return nil
}

func (h *Handlers) advisoryCVE(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id := r.PostFormValue("cve_id")
	adv, err := h.app.Advisories.RecordCVE(r.Context(), a, r.PathValue("id"), id)
	if err != nil {
		return h.advisoryFail(w, r, a, err, map[string]string{"cve_id": id})
	}
	h.redirectFlash(w, r, "/staff/advisories/"+url.PathEscape(adv.PublicID), "CVE id recorded.")
	return nil
}

func (h *Handlers) advisoryDownload(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	f, err := advisory.ParseFormat(r.PathValue("format"))
	if err != nil {
		return db.ErrNotFound
	}
	adv, err := h.app.Advisories.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	data, err := h.app.Advisories.Export(r.Context(), a, r.PathValue("id"), f)
	if advisory.IsFormatError(err) {
		return validate.Field(string(f), "%v", err)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+advisory.FileName(adv, f)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}

// --- public pages ---

type publicAdvisoriesPage struct {
	BasePage
	Advisories []*advisory.Advisory
}

func (h *Handlers) publicAdvisories(w http.ResponseWriter, r *http.Request) error {
	as, err := h.app.Advisories.Public().List(r.Context(), 0)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "advisory_index", publicAdvisoriesPage{BasePage: h.base(r, "Security advisories"), Advisories: as})
}

type publicAdvisoryPage struct {
	BasePage
	A       *advisory.Advisory
	Details template.HTML
	OSVURL  string
	CSAFURL string
}

func (h *Handlers) publicAdvisory(w http.ResponseWriter, r *http.Request) error {
	pub := h.app.Advisories.Public()
	adv, err := pub.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p := publicAdvisoryPage{BasePage: h.base(r, adv.PublicID+": "+adv.Title()), A: adv, Details: Markdown(adv.Doc.Details),
		OSVURL: "/osv/" + url.PathEscape(adv.OSVID) + ".json"}
	docs, err := pub.CSAF(r.Context())
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Advisory.ID == adv.ID {
			p.CSAFURL = "/.well-known/csaf/white/" + d.Path
		}
	}
	return h.render(w, r, http.StatusOK, "advisory_public", p)
}

// The Atom feed (RFC 4287) of the published advisories.
type (
	atomFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string      `xml:"title"`
		ID      string      `xml:"id"`
		Updated string      `xml:"updated"`
		Links   []atomLink  `xml:"link"`
		Author  atomPerson  `xml:"author"`
		Entries []atomEntry `xml:"entry"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr,omitempty"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomPerson struct {
		Name string `xml:"name"`
		URI  string `xml:"uri,omitempty"`
	}
	atomText struct {
		Type string `xml:"type,attr,omitempty"`
		Body string `xml:",chardata"`
	}
	atomEntry struct {
		Title     string     `xml:"title"`
		ID        string     `xml:"id"`
		Updated   string     `xml:"updated"`
		Published string     `xml:"published,omitempty"`
		Links     []atomLink `xml:"link"`
		Summary   *atomText  `xml:"summary,omitempty"`
		Content   *atomText  `xml:"content,omitempty"`
	}
)

func (h *Handlers) advisoriesAtom(w http.ResponseWriter, r *http.Request) error {
	as, err := h.app.Advisories.Public().List(r.Context(), 100)
	if err != nil {
		return err
	}
	base := h.app.Cfg.BaseURL
	feed := atomFeed{Title: h.app.Cfg.Team + " security advisories", ID: base + "/advisories",
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/advisories.atom"}, {Rel: "alternate", Type: "text/html", Href: base + "/advisories"}},
		Author: atomPerson{Name: h.app.Cfg.Team, URI: base}}
	var updated time.Time
	for _, a := range as {
		mod := a.Doc.Modified
		if mod.IsZero() || mod.Before(*a.PublishedAt) {
			mod = *a.PublishedAt
		}
		if mod.After(updated) {
			updated = mod
		}
		title := a.PublicID + ": " + a.Title()
		if a.State == advisory.StateWithdrawn {
			title += " (withdrawn)"
		}
		href := base + "/advisories/" + url.PathEscape(a.PublicID)
		e := atomEntry{Title: title, ID: href, Updated: mod.UTC().Format(time.RFC3339), Published: a.PublishedAt.UTC().Format(time.RFC3339),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: href},
				{Rel: "alternate", Type: "application/json", Href: base + "/osv/" + url.PathEscape(a.OSVID) + ".json"}}}
		if s := strings.TrimSpace(a.Doc.Summary); s != "" {
			e.Summary = &atomText{Type: "text", Body: s}
		}
		if d := strings.TrimSpace(a.Doc.Details); d != "" {
			e.Content = &atomText{Type: "html", Body: string(Markdown(d))}
		}
		feed.Entries = append(feed.Entries, e)
	}
	if updated.IsZero() {
		updated = h.app.Started.UTC()
	}
	feed.Updated = updated.UTC().Format(time.RFC3339)
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(append([]byte(xml.Header), out...))
	return err
}

func (h *Handlers) osvRecord(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	id, ok := strings.CutSuffix(file, ".json")
	if !ok || id == "" {
		return db.ErrNotFound
	}
	data, err := h.app.Advisories.Public().OSV(r.Context(), id)
	if err != nil {
		if advisory.IsFormatError(err) {
			return db.ErrNotFound // never offered invalid
		}
		return err
	}
	return writePublicJSON(w, data)
}

func writePublicJSON(w http.ResponseWriter, data []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, err := w.Write(data)
	return err
}

func (h *Handlers) osvZip(w http.ResponseWriter, r *http.Request) error {
	data, err := h.app.Advisories.Public().Zip(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="all.zip"`)
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(data)
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (h *Handlers) csafIndex(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.app.Advisories.Public().CSAF(r.Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, d := range docs {
		b.WriteString(d.Path + "\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = io.WriteString(w, b.String())
	return err
}

func (h *Handlers) csafChanges(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.app.Advisories.Public().CSAF(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	for _, d := range docs {
		if err := cw.Write([]string{d.Path, d.Current.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
