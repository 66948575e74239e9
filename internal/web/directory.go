package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The directory's pages: organisations (search, add, edit, merge, CSV), a case's reach
// (suggested participants, adding organisations, notifications with a progress meter
// that refreshes itself without JavaScript, retry-failed) and the SIREN lists.

func (h *Handlers) registerDirectory(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Directory", Href: "/directory", Action: authz.ViewDirectory})
	handle("GET /directory", h.directoryPage)
	handle("POST /directory/orgs", h.orgCreate)
	handle("POST /directory/import", h.orgsImport)
	handle("GET /directory/export.csv", h.orgsExport)
	handle("GET /directory/orgs/{id}", h.orgPage)
	handle("POST /directory/orgs/{id}", h.orgUpdate)
	handle("POST /directory/orgs/{id}/merge", h.orgMerge)
	handle("GET /cases/{id}/reach", h.reachPage)
	handle("POST /cases/{id}/orgs", h.caseOrgsAdd)
	handle("POST /cases/{id}/notifications", h.caseNotify)
	handle("GET /cases/{id}/notifications/{nid}", h.notificationPage)
	handle("POST /cases/{id}/notifications/{nid}/retry", h.notificationRetry)
	handle("GET /siren", h.sirenPage)
	handle("POST /siren/lists", h.sirenCreate)
	handle("GET /siren/lists/{id}", h.sirenListPage)
	handle("POST /siren/lists/{id}/apply", h.sirenApply)
	handle("POST /siren/lists/{id}/subscribers/{sub}", h.sirenDecide)
}

// ---- organisations ----

type directoryPage struct {
	BasePage
	Orgs  []*directory.Org
	Kinds []string
	Q     string
	Kind  string
	Form  url.Values
}

func (h *Handlers) directoryData(r *http.Request) (directoryPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return directoryPage{}, err
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind != "" && !contains(directory.Kinds, kind) {
		kind = ""
	}
	os, err := h.app.Directory.Orgs(r.Context(), a, directory.OrgQuery{Q: q.Get("q"), Kind: kind, Limit: 200})
	if err != nil {
		return directoryPage{}, err
	}
	return directoryPage{BasePage: h.base(r, "Directory"), Orgs: os, Kinds: directory.Kinds, Q: q.Get("q"), Kind: kind, Form: url.Values{}}, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func (h *Handlers) directoryPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.directoryData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "directory", p)
}

// orgForm reads the add/edit form: one contact per line of "emails" (the key field
// belongs to the first), packages one a line.
func orgForm(f url.Values) directory.OrgInput {
	in := directory.OrgInput{Name: f.Get("name"), Kind: f.Get("kind"), Website: f.Get("website"), Notes: f.Get("notes")}
	for i, line := range strings.Split(f.Get("emails"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		c := directory.OrgContact{Email: line}
		if i == 0 {
			c.OpenPGPKey, c.TimeZone, c.Languages = f.Get("openpgp_key"), f.Get("time_zone"), f.Get("preferred_languages")
		}
		in.Contacts = append(in.Contacts, c)
	}
	in.Packages = append(in.Packages, strings.Fields(f.Get("packages"))...)
	return in
}

func (h *Handlers) orgCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	o, err := h.app.Directory.CreateOrg(r.Context(), a, orgForm(r.PostForm), "web")
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.directoryData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "directory", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/directory/orgs/%d", o.ID), "Organisation added.")
	return nil
}

func (h *Handlers) orgsImport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.EditDirectory, nil); err != nil {
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
	res, err := h.app.Directory.ImportOrgs(r.Context(), a, src)
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.directoryData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "directory", p)
		}
		return err
	}
	h.redirectFlash(w, r, "/directory", fmt.Sprintf("%d organisations added, %d updated.", res.Created, res.Updated))
	return nil
}

func (h *Handlers) orgsExport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := h.app.Directory.ExportOrgs(r.Context(), a, &b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="organisations.csv"`)
	_, err = w.Write(b.Bytes())
	return err
}

type orgPage struct {
	BasePage
	O     *directory.Org
	Kinds []string
	Form  url.Values
}

func (h *Handlers) orgData(r *http.Request) (orgPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return orgPage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return orgPage{}, err
	}
	o, err := h.app.Directory.Org(r.Context(), a, id)
	if err != nil {
		return orgPage{}, err
	}
	f := url.Values{"name": {o.Name}, "kind": {o.Kind}, "website": {o.Website}, "notes": {o.Notes}, "packages": {strings.Join(o.Packages, "\n")}}
	var emails []string
	for _, c := range o.Contacts {
		if c.Email != "" {
			emails = append(emails, c.Email)
		}
	}
	f.Set("emails", strings.Join(emails, "\n"))
	return orgPage{BasePage: h.base(r, o.Name), O: o, Kinds: directory.Kinds, Form: f}, nil
}

func (h *Handlers) orgPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.orgData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "org", p)
}

func (h *Handlers) orgUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := h.orgData(r)
	if err != nil {
		return err
	}
	a, _ := requireUser(r)
	f := r.PostForm
	in := orgForm(f)
	// Contacts from the form keep the existing contacts' keys and details by address.
	old := map[string]directory.OrgContact{}
	for _, c := range p.O.Contacts {
		old[strings.ToLower(c.Email)] = c
	}
	for i, c := range in.Contacts {
		if o, ok := old[strings.ToLower(c.Email)]; ok {
			in.Contacts[i] = o
		}
	}
	for _, c := range p.O.Contacts {
		if c.Email == "" {
			in.Contacts = append(in.Contacts, c)
		}
	}
	patch := directory.OrgPatch{Name: &in.Name, Kind: &in.Kind, Website: &in.Website, Notes: &in.Notes, Contacts: in.Contacts, Packages: in.Packages}
	if patch.Contacts == nil {
		patch.Contacts = []directory.OrgContact{}
	}
	if patch.Packages == nil {
		patch.Packages = []string{}
	}
	if _, err := h.app.Directory.UpdateOrg(r.Context(), a, p.O.ID, patch); err != nil {
		if fe, ok := validate.As(err); ok {
			p.Errors, p.Form = fe, f
			return h.render(w, r, http.StatusUnprocessableEntity, "org", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/directory/orgs/%d", p.O.ID), "Saved.")
	return nil
}

func (h *Handlers) orgMerge(w http.ResponseWriter, r *http.Request) error {
	p, err := h.orgData(r)
	if err != nil {
		return err
	}
	a, _ := requireUser(r)
	from, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("from")), 10, 64)
	if _, err := h.app.Directory.Merge(r.Context(), a, p.O.ID, from); err != nil {
		if fe, ok := validate.As(err); ok {
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "org", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/directory/orgs/%d", p.O.ID), fmt.Sprintf("Organisation %d merged into this one.", from))
	return nil
}

// ---- a case's reach ----

type reachPage struct {
	BasePage
	CaseID        string
	Suggestions   []directory.Suggestion
	Notifications []*directory.NotificationProgress
	Lists         []directory.SirenList
	Form          url.Values
}

func (h *Handlers) reachData(r *http.Request) (reachPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return reachPage{}, err
	}
	ref := r.PathValue("id")
	ctx := r.Context()
	ns, err := h.app.Directory.CaseNotifications(ctx, a, ref)
	if err != nil {
		return reachPage{}, err
	}
	ss, err := h.app.Directory.Suggestions(ctx, a, ref)
	if err != nil {
		return reachPage{}, err
	}
	ls, err := h.app.Directory.SirenLists(ctx, a)
	if err != nil {
		return reachPage{}, err
	}
	return reachPage{BasePage: h.base(r, "Reach · "+strings.ToUpper(ref)), CaseID: strings.ToUpper(ref), Suggestions: ss, Notifications: ns, Lists: ls,
		Form: url.Values{"max_depth": {"9"}}}, nil
}

func (h *Handlers) reachPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.reachData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reach", p)
}

func formIDs(vs []string) []int64 {
	var out []int64
	for _, v := range vs {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
			if n, err := strconv.ParseInt(f, 10, 64); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func (h *Handlers) caseOrgsAdd(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	ref := r.PathValue("id")
	res, err := h.app.Directory.InviteOrgs(r.Context(), a, ref, formIDs(r.PostForm["org"]))
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.reachData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "reach", p)
		}
		return err
	}
	msg := fmt.Sprintf("%d contacts added as downstream participants.", res.Added)
	if len(res.Skipped) > 0 {
		msg += fmt.Sprintf(" %d were already on the case.", len(res.Skipped))
	}
	h.redirectFlash(w, r, "/cases/"+url.PathEscape(strings.ToUpper(ref))+"/reach", msg)
	return nil
}

func (h *Handlers) caseNotify(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	ref := r.PathValue("id")
	f := r.PostForm
	in := directory.NotifyInput{Subject: f.Get("subject"), Body: f.Get("body"), Template: f.Get("template")}
	switch f.Get("target") {
	case "dependents":
		in.To.DependentsOf = f.Get("dependents_of")
		in.To.MaxDepth, _ = strconv.Atoi(f.Get("max_depth"))
	case "list":
		in.To.List, _ = strconv.ParseInt(f.Get("list"), 10, 64)
	default:
		in.To.Orgs = formIDs(f["org"])
	}
	n, err := h.app.Directory.Notify(r.Context(), a, ref, in)
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.reachData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, f
			return h.render(w, r, http.StatusUnprocessableEntity, "reach", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/cases/%s/notifications/%d", url.PathEscape(strings.ToUpper(ref)), n.ID), fmt.Sprintf("Notification queued for %d recipients.", n.Total))
	return nil
}

type notificationPage struct {
	BasePage
	CaseID string
	N      *directory.NotificationProgress
	Reload string
}

func (h *Handlers) notificationData(r *http.Request) (*directory.NotificationProgress, authz.Actor, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, a, err
	}
	id, err := strconv.ParseInt(r.PathValue("nid"), 10, 64)
	if err != nil {
		return nil, a, authz.ErrNotFound
	}
	n, err := h.app.Directory.Notification(r.Context(), a, id)
	if err != nil {
		return nil, a, err
	}
	if !strings.EqualFold(n.CaseID, r.PathValue("id")) {
		return nil, a, authz.ErrNotFound
	}
	return n, a, nil
}

func (h *Handlers) notificationPage(w http.ResponseWriter, r *http.Request) error {
	n, _, err := h.notificationData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "notification", notificationPage{BasePage: h.base(r, "Notification "+strconv.FormatInt(n.ID, 10)),
		CaseID: n.CaseID, N: n, Reload: r.URL.Path})
}

func (h *Handlers) notificationRetry(w http.ResponseWriter, r *http.Request) error {
	n, a, err := h.notificationData(r)
	if err != nil {
		return err
	}
	k, err := h.app.Directory.RetryFailed(r.Context(), a, n.ID)
	if err != nil {
		return err
	}
	h.redirectFlash(w, r, r.URL.Path[:len(r.URL.Path)-len("/retry")], fmt.Sprintf("%d failed messages queued again.", k))
	return nil
}

// ---- SIREN lists ----

type sirenPage struct {
	BasePage
	Lists []directory.SirenList
	Staff bool
	Form  url.Values
}

func (h *Handlers) sirenData(r *http.Request) (sirenPage, error) {
	a := reqctx.Actor(r.Context())
	ls, err := h.app.Directory.SirenLists(r.Context(), a)
	if err != nil {
		return sirenPage{}, err
	}
	return sirenPage{BasePage: h.base(r, "SIREN lists"), Lists: ls, Staff: authz.Can(a, authz.EditDirectory, nil) == nil, Form: url.Values{}}, nil
}

func (h *Handlers) sirenPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sirenData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "siren", p)
}

func (h *Handlers) sirenCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	l, err := h.app.Directory.CreateSirenList(r.Context(), a, directory.SirenListInput{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description")})
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.sirenData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "siren", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/siren/lists/%d", l.ID), "List created.")
	return nil
}

type sirenListPage struct {
	BasePage
	L           *directory.SirenList
	Messages    []directory.SirenMessage
	Subscribers []*directory.SirenSubscriber
	Staff       bool
	SignedIn    bool
	Form        url.Values
}

func (h *Handlers) sirenListData(r *http.Request) (sirenListPage, error) {
	a := reqctx.Actor(r.Context())
	id, err := pathID(r)
	if err != nil {
		return sirenListPage{}, err
	}
	l, ms, err := h.app.Directory.SirenArchive(r.Context(), a, id)
	if err != nil {
		return sirenListPage{}, err
	}
	p := sirenListPage{BasePage: h.base(r, l.Name), L: l, Messages: ms, SignedIn: !a.IsAnonymous(), Form: url.Values{}}
	if authz.Can(a, authz.ViewDirectory, nil) == nil {
		p.Staff = true
		if p.Subscribers, err = h.app.Directory.SirenSubscribers(r.Context(), a, id); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (h *Handlers) sirenListPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sirenListData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "siren_list", p)
}

func (h *Handlers) sirenApply(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	if _, err := h.app.Directory.ApplySiren(r.Context(), a, id, directory.SirenApplication{Name: f.Get("name"), Organisation: f.Get("organisation"),
		Reason: f.Get("reason"), OpenPGPKey: f.Get("openpgp_key")}); err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.sirenListData(r)
			if perr != nil {
				return perr
			}
			p.Errors, p.Form = fe, f
			return h.render(w, r, http.StatusUnprocessableEntity, "siren_list", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/siren/lists/%d", id), "Application received: the team vets it before you receive notices.")
	return nil
}

func (h *Handlers) sirenDecide(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sub, err := strconv.ParseInt(r.PathValue("sub"), 10, 64)
	if err != nil {
		return authz.ErrNotFound
	}
	if _, err := h.app.Directory.DecideSiren(r.Context(), a, id, sub, r.PostForm.Get("decision")); err != nil {
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/siren/lists/%d", id), "Decision recorded.")
	return nil
}
