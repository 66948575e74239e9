package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/ratelimit"
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
	handle("GET /report/received/{token}", h.reportReceived)
	handle("GET /help", h.helpForm)
	handle("POST /help", h.reportPost)
	handle("GET /track/{token}", h.trackPage)
	handle("POST /track/{token}", h.trackReply)
	handle("POST /track/{token}/embargo", h.trackEmbargo)
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
	handle("POST /reports/{id}/outbox/{oid}/release", h.reportRelease)
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

// maxReportBody is how much of a report form is read at most: the files' limit and
// room to read past a file that is too large, so that the fields after it are kept
// and the form can be shown again with everything the finder typed.
const maxReportBody = 4*maxUpload + (1 << 20)

// maxFieldBytes caps one text field of the form.
const maxFieldBytes = 1 << 20

// decodeReportForm reads the report form (multipart with attachments, or urlencoded).
// A file over the limit is not an error here: it is returned with its bytes cut at the
// limit + 1 so that the intake refuses it by name with the rest of the form intact.
func decodeReportForm(r *http.Request) (intake.Submission, string, []intake.Upload, error) {
	var in intake.Submission
	vals := url.Values{}
	var ups []intake.Upload
	var formErr error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		ups, formErr = readMultipart(r, vals)
		r.PostForm = vals
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
	return in, versions, ups, formErr
}

// readMultipart streams a multipart form into vals and uploads, reading at most
// maxUpload + 1 bytes of each file (the rest is read and dropped).
func readMultipart(r *http.Request, vals url.Values) ([]intake.Upload, error) {
	if r.MultipartForm != nil { // parsed already, for the CSRF check of a signed-in browser
		for k, vs := range r.MultipartForm.Value {
			vals[k] = vs
		}
		var ups []intake.Upload
		for _, fh := range r.MultipartForm.File["attachments"] {
			u, err := readUpload(fh)
			if err != nil {
				return ups, err
			}
			if len(u.Data) > 0 {
				ups = append(ups, u)
			}
		}
		return ups, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, validate.Field("form", "the form could not be read: %v", err)
	}
	var ups []intake.Upload
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return ups, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return ups, &intake.TooLargeError{Fields: validate.Errors{{Field: "attachments",
					Message: fmt.Sprintf("the form with its files is larger than %d MiB; send the files in a reply on your tracking page, or as a link", maxReportBody>>20)}}}
			}
			return ups, validate.Field("form", "the form could not be read: %v", err)
		}
		name := p.FormName()
		if p.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
			if err == nil && len(b) > maxFieldBytes {
				err = validate.Field(name, "is longer than %d bytes", maxFieldBytes)
			}
			if err != nil {
				return ups, readErr(err)
			}
			vals.Add(name, string(b))
			continue
		}
		if name != "attachments" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, maxUpload+1))
		if err == nil {
			_, err = io.Copy(io.Discard, p)
		}
		if err != nil {
			return ups, readErr(err)
		}
		if len(b) > 0 {
			ups = append(ups, intake.Upload{Filename: p.FileName(), Data: b})
		}
	}
}

func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &intake.TooLargeError{Fields: validate.Errors{{Field: "attachments",
			Message: fmt.Sprintf("the form with its files is larger than %d MiB; send the files in a reply on your tracking page, or as a link", maxReportBody>>20)}}}
	}
	if _, ok := validate.As(err); ok {
		return err
	}
	return validate.Field("form", "the form could not be read: %v", err)
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

// reportPost files a report from the public form (and the help form). Its answer is a
// redirect to the thank-you page (POST/redirect/GET), so reloading that page shows it
// again instead of filing the report twice. A report and its files are one
// transaction: a file that cannot be taken shows the form again with everything the
// finder typed and the error beside the file field; nothing is stored.
func (h *Handlers) reportPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	help := r.URL.Path == "/help"
	if ok, wait := h.ReportLimiter.AllowContext(r.Context(), ratelimit.Source(clientIP(r))); !ok {
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
		status := http.StatusUnprocessableEntity
		var tl *intake.TooLargeError
		if errors.As(err, &tl) {
			status = http.StatusRequestEntityTooLarge
		}
		// Per-file messages (attachments[0]) are shown at the file field, the one input
		// for every file (and linked to it from the error summary).
		var msgs []string
		for _, f := range fe {
			if f.Field == "attachments" || strings.HasPrefix(f.Field, "attachments[") {
				msgs = append(msgs, f.Message)
			}
		}
		if len(msgs) > 0 {
			kept := validate.Errors{{Field: "attachments", Message: strings.Join(msgs, "; ") + ". Choose the files again (a browser does not keep them); the rest of the form is as you typed it."}}
			for _, f := range fe {
				if f.Field != "attachments" && !strings.HasPrefix(f.Field, "attachments[") {
					kept = append(kept, f)
				}
			}
			fe = kept
		}
		p := reportFormPage{BasePage: h.base(r, "Report a vulnerability"), Help: help, Form: in, Versions: versions, Exploit: intake.Exploitation}
		if help {
			p.Title, p.Pathways = "Ask for help", intake.Pathways
		}
		p.Errors = fe
		return h.render(w, r, status, "report_form", p)
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
	_, rc, err := h.app.Intake.SubmitWithFiles(r.Context(), reqctx.Actor(r.Context()), intake.SourceWeb, in, ups)
	if err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/report/received/"+trackToken(rc.TrackingURL), http.StatusSeeOther)
	return nil
}

// reportReceived is the thank-you page a report form redirects to: the tracking id and
// the private tracking link (the token in this page's address is that link's).
func (h *Handlers) reportReceived(w http.ResponseWriter, r *http.Request) error {
	t, err := h.app.Intake.Track(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	rc := &intake.Receipt{ID: t.Report.PublicID, TrackingURL: h.app.Intake.TrackingURL(r.PathValue("token"))}
	return h.render(w, r, http.StatusOK, "report_thanks", thanksPage{BasePage: h.base(r, "Report received"), Receipt: rc})
}

func trackToken(u string) string { return u[strings.LastIndex(u, "/")+1:] }

type trackPage struct {
	BasePage
	zoned
	T           *intake.TrackedReport
	Attachments []*intake.Attachment
	// Case is the finder's view of the case made from the report (nil: none yet).
	Case *cases.FinderView
	Now  time.Time
}

// StateWords says where the report is, in plain words for the finder.
func (p trackPage) StateWords() string {
	switch p.T.Report.State {
	case intake.StateNew:
		return "Received. We will confirm that a person has read it, and then assess it."
	case intake.StateAcknowledged:
		return "Your report is acknowledged: a person of the team has read it and is assessing it."
	case intake.StateNeedsRepro:
		return "We are trying to reproduce the problem; we may ask you for more details here."
	case intake.StateTracking:
		return "We assessed it and are tracking it; no coordinated disclosure is planned for now."
	case intake.StateCoordinating:
		if p.Case != nil && p.Case.Public {
			return "The vulnerability is public now. Thank you for reporting it."
		}
		return "We are coordinating a fix and a public date with the affected project's maintainers."
	case intake.StateDeclined:
		return "We assessed it and decided not to act on it; the conversation below says why."
	case intake.StateDuplicate:
		return "Someone reported the same problem before you; we handle it under that report."
	case intake.StateClosed:
		return "Closed."
	}
	return words(p.T.Report.State)
}

// Conversation is the messages between the finder and the team (the automatic
// acknowledgement mail is not repeated here: the page says the same in its place).
func (p trackPage) Conversation() []intake.Message {
	var out []intake.Message
	for _, m := range p.T.Messages {
		if m.Author != "system" {
			out = append(out, m)
		}
	}
	return out
}

func (h *Handlers) trackData(r *http.Request) (trackPage, error) {
	t, err := h.app.Intake.Track(r.Context(), r.PathValue("token"))
	if err != nil {
		return trackPage{}, err
	}
	p := trackPage{BasePage: h.base(r, "Report "+t.Report.PublicID), zoned: zoned{Zone: time.UTC, ZoneName: "UTC"}, T: t, Now: h.app.Clock.Now()}
	if p.Attachments, err = h.app.Intake.Attachments(r.Context(), t.Report); err != nil {
		return p, err
	}
	if p.Case, err = h.app.Cases.ForFinder(r.Context(), t.Report.ID); err != nil && !errors.Is(err, db.ErrNotFound) {
		return p, err
	}
	return p, nil
}

func (h *Handlers) trackPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.trackData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "track", p)
}

// trackEmbargo is the finder's answer to the proposed public date: accept, counter
// with a date of their own, or reject; with a comment for the team.
func (h *Handlers) trackEmbargo(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	t, err := h.app.Intake.Track(r.Context(), token)
	if err != nil {
		return err
	}
	pd, err := formInstant(r, "public_date")
	act := r.PostFormValue("action")
	if err == nil && act == "counter" && pd == "" {
		err = validate.Field("public_date", "enter the date and time you propose")
	}
	if err == nil {
		_, err = h.app.Cases.FinderEmbargo(r.Context(), t.Report.ID, cases.EmbargoInput{Action: act, PublicDate: pd, Reason: r.PostFormValue("comment")})
	}
	if err != nil {
		p, perr := h.trackData(r)
		if perr != nil {
			return perr
		}
		status, ok := formRefused(&p.BasePage, r, err, "action")
		if !ok {
			return err
		}
		for i, fe := range p.Errors {
			if fe.Field == "reason" {
				p.Errors[i].Field = "comment"
			}
		}
		return h.render(w, r, status, "track", p)
	}
	msg := map[string]string{"accept": "Thank you: you accepted the proposed public date.", "counter": "Thank you: your date is proposed to the other parties.",
		"reject": "Your answer is recorded: you rejected the proposed date."}[act]
	h.redirectFlash(w, r, "/track/"+token, msg)
	return nil
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
	h.redirectFlash(w, r, "/track/"+token, "Sent. Thank you.")
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
	q := intake.Query{Text: p.Q, Limit: 100, Brief: true}
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
	h.redirectFlash(w, r, "/reports", fmt.Sprintf("Declined %d of %d reports.", ok, len(res)))
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
	// HeldForResponder marks outbox rows a responder may release (unauthenticated mail).
	HeldForResponder map[int64]bool
	Criteria         ssvc.Criteria
	Responders       []*account.User
	Staff            bool
	Triage           *triageRecord // the decision, once triaged
}

func (h *Handlers) reportPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.reportData(r, a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "report", p)
}

// triageRecord is the decision shown on a triaged report: each decision point's value
// in words, the outcome, the rationale, who decided and when.
type triageRecord struct {
	Outcome   string
	Values    []triageValue
	Rationale string
	By        string
	At        *time.Time
}

type triageValue struct{ Point, Value string }

func (h *Handlers) triageRecordOf(r *http.Request, a authz.Actor, rep *intake.Report) *triageRecord {
	if rep.TriagedAt == nil || rep.Outcome == "" {
		return nil
	}
	tr := &triageRecord{Outcome: rep.Outcome, Rationale: rep.Rationale, At: rep.TriagedAt}
	var d intake.Decision
	if len(rep.SSVC) > 0 && json.Unmarshal(rep.SSVC, &d) == nil {
		if t, err := ssvc.CoordinatorTriage(); err == nil {
			for _, dp := range t.DecisionPoints {
				v, ok := d.Values[dp.Key]
				if !ok {
					continue
				}
				name := v
				if val, ok := dp.Value(v); ok {
					name = val.Name
				}
				tr.Values = append(tr.Values, triageValue{Point: dp.Name, Value: name})
			}
		}
	}
	ref := rep.Ref()
	if evs, err := h.app.Events.List(r.Context(), h.app.DB.Read(), a, events.Query{Subject: &ref, Action: "report.triaged", Newest: true, Limit: 1}); err == nil && len(evs) > 0 {
		tr.By = evs[0].Actor
	}
	return tr
}

func (h *Handlers) reportData(r *http.Request, a authz.Actor) (reportPage, error) {
	rep, err := h.app.Intake.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return reportPage{}, err
	}
	p := reportPage{BasePage: h.base(r, rep.PublicID+": "+rep.Summary), R: rep, Staff: authz.Can(a, authz.TriageReport, rep.AuthzObject()) == nil}
	if p.Messages, err = h.app.Intake.Messages(r.Context(), a, rep); err != nil {
		return p, err
	}
	if p.Attachments, err = h.app.Intake.Attachments(r.Context(), rep); err != nil {
		return p, err
	}
	if p.Staff {
		if p.Similar, err = h.app.Intake.Similar(r.Context(), a, rep); err != nil {
			return p, err
		}
		if p.History, err = h.app.Intake.History(r.Context(), rep); err != nil {
			return p, err
		}
		if p.Outbox, err = h.app.Outbox.ForReport(r.Context(), rep.ID); err != nil {
			return p, err
		}
		p.HeldForResponder = map[int64]bool{}
		for _, o := range p.Outbox {
			p.HeldForResponder[o.ID] = o.State == "held" && strings.HasPrefix(o.LastError, notify.HeldPrefix)
		}
		t, err := ssvc.CoordinatorTriage()
		if err != nil {
			return p, err
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
	p.Triage = h.triageRecordOf(r, a, rep)
	return p, nil
}

func (h *Handlers) reportDone(w http.ResponseWriter, r *http.Request, msg string) error {
	h.redirectFlash(w, r, "/reports/"+r.PathValue("id"), msg)
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
		p, perr := h.reportData(r, a)
		if perr != nil {
			return perr
		}
		status, ok := formRefused(&p.BasePage, r, err, "decision_points")
		if !ok {
			return err
		}
		// The decision points' messages in words: which values to choose from.
		for i, fe := range p.Errors {
			key, isPoint := strings.CutPrefix(fe.Field, ssvc.FieldPrefix+".")
			if !isPoint {
				continue
			}
			for _, dp := range t.DecisionPoints {
				if dp.Key == key {
					var names []string
					for _, v := range dp.Values {
						names = append(names, v.Name)
					}
					verb := "choose"
					if in.DecisionPoints[dp.Key] != "" {
						verb = fmt.Sprintf("%q is not a value of it; choose", in.DecisionPoints[dp.Key])
					}
					p.Errors[i].Message = verb + " one of: " + strings.Join(names, ", ")
				}
			}
		}
		return h.render(w, r, status, "report", p)
	}
	msg := "Triaged: " + d.Outcome + "."
	if d.Case != "" {
		msg += " Case " + d.Case + " is open."
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

// reportRelease sends a message held for a responder (an acknowledgement to a mail
// sender nobody authenticated), once a responder judged the sender genuine.
func (h *Handlers) reportRelease(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("oid"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := h.app.Intake.ReleaseMessage(r.Context(), a, r.PathValue("id"), id); err != nil {
		return err
	}
	return h.reportDone(w, r, "Released: the message is on its way.")
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
