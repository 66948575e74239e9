package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/ssvc"
	"github.com/oss-sirt/sirt/internal/validate"
)

var errNotFound = db.ErrNotFound

// maxUpload is the limit of a report form with attachments.
const maxUpload = 10 << 20

func (h *Handlers) registerIntake(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	handle("GET /report", h.reportForm)
	handle("POST /report", h.reportPost)
	handle("GET /help", h.helpForm)
	handle("POST /help", h.reportPost)
	handle("GET /track/{token}", h.trackPage)
	handle("POST /track/{token}", h.trackReply)
	handle("GET /track/{token}/files/{id}", h.trackFile)
	handle("GET /reports", h.queuePage)
	handle("POST /reports/bulk-decline", h.bulkDecline)
	handle("GET /reports/{id}", h.reportPage)
	handle("POST /reports/{id}/triage", h.reportTriage)
	handle("POST /reports/{id}/assign", h.reportAssign)
	handle("POST /reports/{id}/messages", h.reportMessage)
	handle("POST /reports/{id}/park", h.reportPark)
	handle("POST /reports/{id}/request-missing", h.reportMissing)
	handle("POST /reports/{id}/duplicate", h.reportDuplicate)
	handle("GET /reports/{id}/files/{file}", h.reportFile)
}

type reportFormPage struct {
	BasePage
	Help     bool
	Form     intake.Submission
	Versions string
	Pathways []struct{ Key, Label string }
	Exploit  []string
}

func (h *Handlers) reportForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "report_form", reportFormPage{BasePage: h.base(r, "Report a vulnerability"), Exploit: intake.Exploitation})
}

func (h *Handlers) helpForm(w http.ResponseWriter, r *http.Request) error {
	p := reportFormPage{BasePage: h.base(r, "Ask for help"), Help: true, Pathways: intake.Pathways, Exploit: intake.Exploitation}
	p.Form.Pathway = r.URL.Query().Get("pathway")
	return h.render(w, r, http.StatusOK, "report_form", p)
}

// decodeReportForm reads the report form (multipart with attachments, or urlencoded).
func decodeReportForm(r *http.Request) (intake.Submission, string, []intake.Upload, error) {
	var in intake.Submission
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return in, "", nil, validate.Field("attachments", "the form with its files is larger than %d MiB", maxUpload>>20)
			}
			return in, "", nil, validate.Field("form", "the form could not be read: %v", err)
		}
	} else if err := r.ParseForm(); err != nil {
		return in, "", nil, validate.Field("form", "the form could not be read: %v", err)
	}
	f := r.PostFormValue
	in.Kind = f("kind")
	in.Pathway = f("pathway")
	in.Summary, in.Details, in.Project = f("summary"), f("details"), f("project")
	in.Reproduction, in.PoC, in.Impact = f("reproduction"), f("poc"), f("impact")
	in.Severity, in.CVSSVector, in.CWE = f("severity"), f("cvss_vector"), f("cwe")
	in.Exploitation, in.Publicity, in.SharedWith = f("exploitation"), f("publicity"), f("shared_with")
	in.ProposedPatch, in.Tests, in.Workaround, in.Disclosure = f("proposed_patch"), f("tests"), f("workaround"), f("disclosure")
	in.Reporter = intake.Reporter{Name: f("reporter_name"), Email: f("reporter_email"), Credit: f("reporter_credit")}
	versions := f("versions")
	if name := strings.TrimSpace(f("package_name")); name != "" {
		a := intake.Affected{Package: intake.Package{Ecosystem: strings.TrimSpace(f("ecosystem")), Name: name}}
		for _, v := range strings.FieldsFunc(versions, func(r rune) bool { return r == ',' || r == '\n' }) {
			if v = strings.TrimSpace(v); v != "" {
				a.Versions = append(a.Versions, v)
			}
		}
		in.Affected = []intake.Affected{a}
	}
	var ups []intake.Upload
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			u, err := readUpload(fh)
			if err != nil {
				return in, versions, nil, err
			}
			if len(u.Data) > 0 {
				ups = append(ups, u)
			}
		}
	}
	return in, versions, ups, nil
}

func readUpload(fh *multipart.FileHeader) (intake.Upload, error) {
	f, err := fh.Open()
	if err != nil {
		return intake.Upload{}, validate.Field("attachments", "%s could not be read", fh.Filename)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil {
		return intake.Upload{}, validate.Field("attachments", "%s could not be read", fh.Filename)
	}
	return intake.Upload{Filename: fh.Filename, Data: b}, nil
}

type thanksPage struct {
	BasePage
	Receipt *intake.Receipt
}

func (h *Handlers) reportPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+(1<<20))
	help := r.URL.Path == "/help"
	if ok, wait := h.ReportLimiter.Allow(clientIP(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		return h.render(w, r, http.StatusTooManyRequests, "error", errorPage{BasePage: h.base(r, "Too many reports"), Status: 429,
			Message: fmt.Sprintf("Too many reports from your address. Please try again in %d seconds.", int(wait.Seconds()))})
	}
	in, versions, ups, err := decodeReportForm(r)
	fail := func(err error) error {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p := reportFormPage{BasePage: h.base(r, "Report a vulnerability"), Help: help, Form: in, Versions: versions, Exploit: intake.Exploitation}
		if help {
			p.Title, p.Pathways = "Ask for help", intake.Pathways
		}
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "report_form", p)
	}
	if err != nil {
		return fail(err)
	}
	// The honeypot: a field people never see (hidden by CSS and aria-hidden); bots fill it.
	if r.PostFormValue("website") != "" {
		return h.render(w, r, http.StatusOK, "error", errorPage{BasePage: h.base(r, "Thank you"), Status: 200, Message: "Thank you."})
	}
	if help {
		in.Kind = intake.KindHelpRequest
	}
	rep, rc, err := h.app.Intake.Submit(r.Context(), reqctx.Actor(r.Context()), intake.SourceWeb, in)
	if err != nil {
		return fail(err)
	}
	if len(ups) > 0 {
		if _, err := h.app.Intake.FinderReply(r.Context(), trackToken(rc.TrackingURL), "Files sent with the report.", ups); err != nil {
			// The report itself is safe; tell the finder the files did not make it.
			h.log.Warn("web: attachments with report", "report", rep.PublicID, "err", err)
		}
	}
	return h.render(w, r, http.StatusCreated, "report_thanks", thanksPage{BasePage: h.base(r, "Report received"), Receipt: rc})
}

func trackToken(u string) string { return u[strings.LastIndex(u, "/")+1:] }

type trackPage struct {
	BasePage
	T           *intake.TrackedReport
	Attachments []*intake.Attachment
}

func (h *Handlers) trackPage(w http.ResponseWriter, r *http.Request) error {
	t, err := h.app.Intake.Track(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	as, err := h.app.Intake.Attachments(r.Context(), t.Report)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "track", trackPage{BasePage: h.base(r, "Report "+t.Report.PublicID), T: t, Attachments: as})
}

func (h *Handlers) trackReply(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+(1<<20))
	token := r.PathValue("token")
	var ups []intake.Upload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			return validate.Field("attachments", "the files are larger than %d MiB together", maxUpload>>20)
		}
		for _, fh := range r.MultipartForm.File["attachments"] {
			u, err := readUpload(fh)
			if err != nil {
				return err
			}
			ups = append(ups, u)
		}
	}
	if _, err := h.app.Intake.FinderReply(r.Context(), token, r.PostFormValue("body"), ups); err != nil {
		return err
	}
	http.Redirect(w, r, "/track/"+token+"?flash=Sent.+Thank+you.", http.StatusSeeOther)
	return nil
}

func (h *Handlers) trackFile(w http.ResponseWriter, r *http.Request) error {
	t, err := h.app.Intake.Track(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return h.serveAttachment(w, r, t.Report, r.PathValue("id"))
}

func (h *Handlers) serveAttachment(w http.ResponseWriter, r *http.Request, rep *intake.Report, idStr string) error {
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		return errNotFound
	}
	as, err := h.app.Intake.Attachments(r.Context(), rep)
	if err != nil {
		return err
	}
	return h.sendAttachment(w, as, id)
}

// sendAttachment sends the file with id among as (report or case files), always as a
// download: whatever the bytes are, the browser saves them and never renders them.
func (h *Handlers) sendAttachment(w http.ResponseWriter, as []*intake.Attachment, id int64) error {
	for _, a := range as {
		if a.ID != id {
			continue
		}
		f, err := h.app.Intake.Files().Open(a.SHA256)
		if err != nil {
			return errNotFound
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", a.Filename))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
		w.Header().Set("Cache-Control", "private, no-store")
		_, err = io.Copy(w, f)
		return err
	}
	return errNotFound
}

type queuePage struct {
	BasePage
	Reports []*intake.Report
	Filter  string
	Q       string
	Next    int64
	OnCall  *people.OnDuty // who is on intake duty now (internal/people)
}

func (h *Handlers) queuePage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ListReports, nil); err != nil {
		return err
	}
	p := queuePage{BasePage: h.base(r, "Reports"), Filter: r.URL.Query().Get("filter"), Q: r.URL.Query().Get("q")}
	if p.OnCall, err = h.app.People.OnDutyNow(r.Context(), a); err != nil {
		return err
	}
	q := intake.Query{Text: p.Q, Limit: 100}
	switch p.Filter {
	case "mine":
		q.AssignedTo = a.UserID
		q.States = intake.OpenStates
	case "overdue":
		q.Overdue = true
	case "all":
	case "parked":
		q.States = []string{intake.StateNeedsRepro}
	default:
		p.Filter = "new"
		q.States = []string{intake.StateNew, intake.StateAcknowledged}
	}
	if c := r.URL.Query().Get("before"); c != "" {
		q.AfterID, _ = strconv.ParseInt(c, 10, 64)
	}
	if p.Reports, err = h.app.Intake.List(r.Context(), a, q); err != nil {
		return err
	}
	if len(p.Reports) == 100 {
		p.Next = p.Reports[99].ID
	}
	return h.render(w, r, http.StatusOK, "queue", p)
}

func (h *Handlers) bulkDecline(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	res, err := h.app.Intake.BulkDecline(r.Context(), a, r.PostForm["id"], r.PostFormValue("rationale"))
	if err != nil {
		return err
	}
	ok := 0
	for _, x := range res {
		if x.OK {
			ok++
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/reports?flash=Declined+%d+of+%d+reports.", ok, len(res)), http.StatusSeeOther)
	return nil
}

type reportPage struct {
	BasePage
	R           *intake.Report
	Messages    []intake.Message
	Attachments []*intake.Attachment
	Similar     []*intake.Report
	History     intake.ReporterHistory
	Outbox      []notify.Row
	Criteria    ssvc.Criteria
	Responders  []*account.User
	Staff       bool
}

func (h *Handlers) reportPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	rep, err := h.app.Intake.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := reportPage{BasePage: h.base(r, rep.PublicID+": "+rep.Summary), R: rep, Staff: authz.Can(a, authz.TriageReport, rep.AuthzObject()) == nil}
	if p.Messages, err = h.app.Intake.Messages(r.Context(), a, rep); err != nil {
		return err
	}
	if p.Attachments, err = h.app.Intake.Attachments(r.Context(), rep); err != nil {
		return err
	}
	if p.Staff {
		if p.Similar, err = h.app.Intake.Similar(r.Context(), a, rep); err != nil {
			return err
		}
		if p.History, err = h.app.Intake.History(r.Context(), rep); err != nil {
			return err
		}
		if p.Outbox, err = h.app.Outbox.ForReport(r.Context(), rep.ID); err != nil {
			return err
		}
		t, err := ssvc.CoordinatorTriage()
		if err != nil {
			return err
		}
		p.Criteria = t.Criteria()
		if us, err := h.app.Accounts.ListUsers(r.Context(), authz.System("web"), 0, 500); err == nil {
			for _, u := range us {
				if !u.Disabled && (u.Role == authz.RoleResponder || u.Role == authz.RoleAdmin) {
					p.Responders = append(p.Responders, u)
				}
			}
		}
	}
	return h.render(w, r, http.StatusOK, "report", p)
}

func (h *Handlers) reportDone(w http.ResponseWriter, r *http.Request, msg string) error {
	http.Redirect(w, r, "/reports/"+r.PathValue("id")+"?flash="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

func (h *Handlers) reportTriage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	t, err := ssvc.CoordinatorTriage()
	if err != nil {
		return err
	}
	in := intake.TriageInput{DecisionPoints: map[string]string{}, Rationale: r.PostFormValue("rationale")}
	for _, dp := range t.DecisionPoints {
		if v := r.PostFormValue("dp_" + dp.Key); v != "" {
			in.DecisionPoints[dp.Key] = v
		}
	}
	d, err := h.app.Intake.Triage(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	msg := "Triaged: " + d.Outcome + "."
	if d.Case != "" {
		msg += " Case " + d.Case + " is open."
	} else if d.CaseError != "" {
		msg += " No case was opened: " + d.CaseError
	}
	return h.reportDone(w, r, msg)
}

func (h *Handlers) reportAssign(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PostFormValue("assignee_id"), 10, 64)
	if r.PostFormValue("assignee_id") == "me" {
		id = a.UserID
	}
	if _, err := h.app.Intake.Assign(r.Context(), a, r.PathValue("id"), id); err != nil {
		return err
	}
	return h.reportDone(w, r, "Assignment saved.")
}

func (h *Handlers) reportMessage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Intake.Reply(r.Context(), a, r.PathValue("id"), r.PostFormValue("body"), r.PostFormValue("internal") == "on"); err != nil {
		return err
	}
	return h.reportDone(w, r, "Message saved.")
}

func (h *Handlers) reportPark(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Intake.ParkForReproduction(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return h.reportDone(w, r, "Parked until the finder sends a reproduction.")
}

func (h *Handlers) reportMissing(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Intake.RequestMissing(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return h.reportDone(w, r, "The finder was sent the list of what is missing.")
}

func (h *Handlers) reportDuplicate(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Intake.MarkDuplicate(r.Context(), a, r.PathValue("id"), r.PostFormValue("duplicate_of")); err != nil {
		return err
	}
	return h.reportDone(w, r, "Merged as a duplicate.")
}

func (h *Handlers) reportFile(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	rep, err := h.app.Intake.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.serveAttachment(w, r, rep, r.PathValue("file"))
}
