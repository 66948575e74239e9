package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/survey"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Surveys: the staff pages (list, a builder that works without JavaScript, results with
// server-drawn SVG charts, CSV and Markdown downloads, invitations) and the public form
// at /s/{token}. The public form keeps nothing of the respondent: the one-response-per-
// browser marker is a cookie scoped to the link's path whose value is the same for
// everyone ("1"), and the server stores no trace of it.

func (h *Handlers) registerSurveys(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Surveys", Href: "/surveys", Action: authz.ViewSurveys})
	handle("GET /surveys", h.surveysPage)
	handle("GET /surveys/new", h.surveyNew)
	handle("POST /surveys", h.surveyCreate)
	handle("GET /surveys/{id}", h.surveyPage)
	handle("GET /surveys/{id}/edit", h.surveyEdit)
	handle("POST /surveys/{id}", h.surveyUpdate)
	handle("POST /surveys/{id}/recipients", h.surveyInvite)
	handle("GET /surveys/{id}/responses.csv", h.surveyCSV)
	handle("GET /surveys/{id}/report.md", h.surveyReport)
	handle("GET /s/{token}", h.surveyForm)
	handle("POST /s/{token}", h.surveyAnswer)
}

// ---- list ----

type surveysPage struct {
	BasePage
	Surveys   []survey.Survey
	CanManage bool
}

func (h *Handlers) surveysPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	ss, err := h.app.Surveys.List(r.Context(), a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "surveys", surveysPage{BasePage: h.base(r, "Surveys"), Surveys: ss,
		CanManage: authz.Can(a, authz.ManageSurveys, nil) == nil})
}

// ---- the builder ----

type surveyBuilderPage struct {
	BasePage
	Form      url.Values
	Rows      []int
	Kinds     []string
	Audiences []string
	Action    string
	ID        int64
}

const builderRows = 3 // blank question rows the builder adds at a time

func (h *Handlers) builder(r *http.Request, f url.Values, id int64) surveyBuilderPage {
	n, _ := strconv.Atoi(f.Get("rows"))
	for i := 0; i < 200; i++ { // rows with content count even when "rows" is wrong
		if f.Get(fmt.Sprintf("q%d_key", i)) != "" || f.Get(fmt.Sprintf("q%d_text", i)) != "" {
			n = max(n, i+1)
		}
	}
	if n < builderRows {
		n = builderRows
	}
	n = min(n, survey.MaxQuestions)
	p := surveyBuilderPage{BasePage: h.base(r, "New survey"), Form: f, Kinds: survey.Kinds, Audiences: survey.Audiences, Action: "/surveys", ID: id}
	if id != 0 {
		p.Title, p.Action = "Edit survey", fmt.Sprintf("/surveys/%d", id)
	}
	for i := range n {
		p.Rows = append(p.Rows, i)
	}
	return p
}

func (h *Handlers) surveyNew(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSurveys, nil); err != nil {
		return err
	}
	f := url.Values{"audience": {"maintainers"}, "min_n": {"5"}, "anonymous": {"on"}}
	return h.render(w, r, http.StatusOK, "survey_builder", h.builder(r, f, 0))
}

var showIfRE = regexp.MustCompile(`^\s*([a-z][a-z0-9_]*)\s*(=|in)\s*(.+?)\s*$`)

// parseBuilder turns the builder's fields into a survey, and rowOf maps each question
// to its form row (empty rows are skipped).
func parseBuilder(f url.Values) (survey.SurveyInput, []int, validate.Errors) {
	var e validate.Errors
	in := survey.SurveyInput{Title: f.Get("title"), Intro: f.Get("intro"), Audience: f.Get("audience"), Anonymous: f.Get("anonymous") != ""}
	if v := strings.TrimSpace(f.Get("min_n")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.Add("min_n", "%q is not a whole number", v)
		}
		in.MinN = n
	}
	if v := strings.TrimSpace(f.Get("closes_at")); v != "" {
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			t, err = time.Parse("2006-01-02", v)
		}
		if err != nil {
			e.Add("closes_at", "%q is not a date and time (YYYY-MM-DDTHH:MM, UTC)", v)
		} else {
			in.ClosesAt = &t
		}
	}
	for _, line := range strings.Split(f.Get("statements"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, t, ok := strings.Cut(line, ":")
		if !ok {
			e.Add("statements", "%q: write each statement as key: text", line)
			continue
		}
		in.Statements = append(in.Statements, survey.SurveyStatement{Key: strings.TrimSpace(k), Text: strings.TrimSpace(t)})
	}
	var rowOf []int
	for i := 0; i < survey.MaxQuestions; i++ {
		g := func(k string) string { return strings.TrimSpace(f.Get(fmt.Sprintf("q%d_%s", i, k))) }
		if g("key") == "" && g("text") == "" {
			continue
		}
		q := survey.SurveyQuestion{Key: g("key"), Kind: g("kind"), Text: g("text"), Section: g("section"), Statement: g("statement"),
			Polarity: g("polarity"), Required: g("required") != ""}
		if q.Kind != survey.KindLikert {
			q.Polarity = ""
		}
		for _, o := range strings.Split(g("options"), ";") {
			if o = strings.TrimSpace(o); o != "" {
				q.Options = append(q.Options, o)
			}
		}
		if si := g("show_if"); si != "" {
			m := showIfRE.FindStringSubmatch(si)
			if m == nil {
				e.Add(fmt.Sprintf("q%d_show_if", i), "%q: write question = answer, or question in answer; answer", si)
			} else if m[2] == "=" {
				q.ShowIf = &survey.SurveyShowIf{Question: m[1], Equals: m[3]}
			} else {
				q.ShowIf = &survey.SurveyShowIf{Question: m[1]}
				for _, v := range strings.Split(m[3], ";") {
					if v = strings.TrimSpace(v); v != "" {
						q.ShowIf.In = append(q.ShowIf.In, v)
					}
				}
			}
		}
		in.Questions = append(in.Questions, q)
		rowOf = append(rowOf, i)
	}
	return in, rowOf, e
}

var questionFieldRE = regexp.MustCompile(`^questions\[(\d+)\]\.?([a-z_]*)`)

// builderErrors names the service's errors by the builder's fields.
func builderErrors(fe validate.Errors, rowOf []int) validate.Errors {
	out := make(validate.Errors, 0, len(fe))
	for _, x := range fe {
		if m := questionFieldRE.FindStringSubmatch(x.Field); m != nil {
			k, _ := strconv.Atoi(m[1])
			field := m[2]
			if field == "" || strings.HasPrefix(x.Field[len(m[0]):], "[") {
				field = "options"
			}
			if field == "show" {
				field = "show_if"
			}
			if k < len(rowOf) {
				x.Field = fmt.Sprintf("q%d_%s", rowOf[k], field)
			}
		} else if strings.HasPrefix(x.Field, "statements[") {
			x.Message = x.Field + ": " + x.Message
			x.Field = "statements"
		}
		out = append(out, x)
	}
	return out
}

func (h *Handlers) surveySave(w http.ResponseWriter, r *http.Request, id int64) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSurveys, nil); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return validate.Field("form", "the form could not be read: %v", err)
	}
	f := r.PostForm
	if f.Get("more") != "" { // "Add question rows": the same form with more blank rows
		n, _ := strconv.Atoi(f.Get("rows"))
		f.Set("rows", strconv.Itoa(n+builderRows))
		return h.render(w, r, http.StatusOK, "survey_builder", h.builder(r, f, id))
	}
	in, rowOf, perr := parseBuilder(f)
	if len(perr) == 0 {
		var sv *survey.Survey
		if id == 0 {
			sv, err = h.app.Surveys.Create(r.Context(), a, in)
		} else {
			sv, err = h.app.Surveys.Update(r.Context(), a, id, in)
		}
		if err == nil {
			msg := "Survey saved."
			if id == 0 {
				msg = "Survey created. Share its link: " + sv.Link
			}
			h.redirectFlash(w, r, fmt.Sprintf("/surveys/%d", sv.ID), msg)
			return nil
		}
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		perr = builderErrors(fe, rowOf)
	}
	p := h.builder(r, f, id)
	p.Errors = perr
	return h.render(w, r, http.StatusUnprocessableEntity, "survey_builder", p)
}

func (h *Handlers) surveyCreate(w http.ResponseWriter, r *http.Request) error {
	return h.surveySave(w, r, 0)
}

func (h *Handlers) surveyUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.surveySave(w, r, id)
}

// builderForm is a survey as the builder's fields.
func builderForm(sv *survey.Survey) url.Values {
	f := url.Values{"title": {sv.Title}, "intro": {sv.Intro}, "audience": {sv.Audience}, "min_n": {strconv.Itoa(sv.MinN)}}
	if sv.Anonymous {
		f.Set("anonymous", "on")
	}
	if sv.ClosesAt != nil {
		f.Set("closes_at", sv.ClosesAt.UTC().Format("2006-01-02T15:04"))
	}
	var st []string
	for _, s := range sv.Statements {
		st = append(st, s.Key+": "+s.Text)
	}
	f.Set("statements", strings.Join(st, "\n"))
	for i, q := range sv.Questions {
		set := func(k, v string) { f.Set(fmt.Sprintf("q%d_%s", i, k), v) }
		set("key", q.Key)
		set("kind", q.Kind)
		set("text", q.Text)
		set("section", q.Section)
		set("statement", q.Statement)
		set("polarity", q.Polarity)
		set("options", strings.Join(q.Options, "; "))
		if q.Required {
			set("required", "on")
		}
		if si := q.ShowIf; si != nil {
			if len(si.In) > 0 {
				var vs []string
				for _, v := range si.In {
					vs = append(vs, fmt.Sprint(v))
				}
				set("show_if", si.Question+" in "+strings.Join(vs, "; "))
			} else {
				set("show_if", fmt.Sprintf("%s = %v", si.Question, si.Equals))
			}
		}
	}
	f.Set("rows", strconv.Itoa(len(sv.Questions)+builderRows))
	return f
}

func (h *Handlers) surveyEdit(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sv, err := h.app.Surveys.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSurveys, nil); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "survey_builder", h.builder(r, builderForm(sv), id))
}

// ---- results ----

type surveyResultsPage struct {
	BasePage
	S         *survey.Survey
	R         *survey.SurveyResults
	CanManage bool
	Form      url.Values
}

func (h *Handlers) surveyResults(r *http.Request) (surveyResultsPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return surveyResultsPage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return surveyResultsPage{}, err
	}
	sv, err := h.app.Surveys.Get(r.Context(), a, id)
	if err != nil {
		return surveyResultsPage{}, err
	}
	res, err := h.app.Surveys.Results(r.Context(), a, id)
	if err != nil {
		return surveyResultsPage{}, err
	}
	return surveyResultsPage{BasePage: h.base(r, sv.Title), S: sv, R: res, CanManage: authz.Can(a, authz.ManageSurveys, nil) == nil, Form: url.Values{}}, nil
}

func (h *Handlers) surveyPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.surveyResults(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "survey", p)
}

func (h *Handlers) surveyInvite(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	emails := strings.FieldsFunc(r.PostFormValue("emails"), func(c rune) bool { return c == ',' || c == ';' || c == '\n' || c == '\r' || c == ' ' })
	res, err := h.app.Surveys.Invite(r.Context(), a, id, survey.SurveyInvite{Emails: emails, Audience: r.PostFormValue("audience")})
	if err != nil {
		if fe, ok := validate.As(err); ok {
			p, perr := h.surveyResults(r)
			if perr != nil {
				return perr
			}
			for i := range fe {
				if strings.HasPrefix(fe[i].Field, "emails") {
					fe[i].Message, fe[i].Field = fe[i].Field+": "+fe[i].Message, "emails"
				}
			}
			p.Errors, p.Form = fe, r.PostForm
			return h.render(w, r, http.StatusUnprocessableEntity, "survey", p)
		}
		return err
	}
	h.redirectFlash(w, r, fmt.Sprintf("/surveys/%d", id), fmt.Sprintf("%d invited, %d invited before.", res.Invited, res.Skipped))
	return nil
}

func (h *Handlers) surveyCSV(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := h.app.Surveys.CSV(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="survey-%d-responses.csv"`, id))
	_, err = w.Write(b)
	return err
}

func (h *Handlers) surveyReport(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	md, err := h.app.Surveys.Markdown(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="survey-%d.md"`, id))
	_, err = w.Write([]byte(md))
	return err
}

// ---- charts ----

// statementChart is a stacked bar of dispute / neutral / affirm.
func statementChart(id string, st survey.SurveyStatementResult) template.HTML {
	if st.Affirm == nil || st.N == 0 {
		return ""
	}
	d, nu, af := *st.Dispute, *st.Neutral, *st.Affirm
	total := float64(d + nu + af)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 300 44" width="100%%" preserveAspectRatio="xMinYMin meet">`, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%d dispute, %d neutral, %d affirm of %d answers.</desc>`,
		id, template.HTMLEscapeString(st.Key), id, d, nu, af, st.N)
	x := 0.0
	for _, part := range []struct {
		n     int
		color string
		label string
	}{{d, "#c2410c", "dispute"}, {nu, "#8b949e", "neutral"}, {af, "#1f6feb", "affirm"}} {
		wd := 300 * float64(part.n) / total
		if wd > 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="22" fill="%s"><title>%s: %d</title></rect>`, x, wd, part.color, part.label, part.n)
		}
		x += wd
	}
	fmt.Fprintf(&b, `<text x="0" y="38" font-size="12" fill="currentColor">dispute %d · neutral %d · affirm %d</text></svg>`, d, nu, af)
	return template.HTML(b.String())
}

// distributionChart is a bar per value of a question.
func distributionChart(id string, q survey.SurveyQuestionResult) template.HTML {
	if len(q.Counts) == 0 {
		return ""
	}
	most := 1
	for _, c := range q.Counts {
		most = max(most, c.Count)
	}
	row := 22
	hgt := row * len(q.Counts)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 300 %d" width="100%%" preserveAspectRatio="xMinYMin meet">`, id, id, hgt)
	var desc []string
	for _, c := range q.Counts {
		desc = append(desc, fmt.Sprintf("%s: %d", c.Value, c.Count))
	}
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s.</desc>`, id, template.HTMLEscapeString(q.Text), id, template.HTMLEscapeString(strings.Join(desc, "; ")))
	for i, c := range q.Counts {
		y := i * row
		label := c.Value
		if len([]rune(label)) > 18 {
			label = string([]rune(label)[:17]) + "…"
		}
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12" fill="currentColor">%s</text>`, y+15, template.HTMLEscapeString(label))
		wd := 150 * float64(c.Count) / float64(most)
		fmt.Fprintf(&b, `<rect x="120" y="%d" width="%.1f" height="16" fill="#1f6feb"></rect>`, y+3, wd)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" fill="currentColor">%d</text>`, 124+wd, y+15, c.Count)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func init() {
	funcs["statementChart"] = statementChart
	funcs["distributionChart"] = distributionChart
	funcs["likertLabel"] = func(v string) string {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 5 {
			return survey.LikertLabels[n-1]
		}
		return v
	}
	funcs["qfield"] = func(i int, k string) string { return fmt.Sprintf("q%d_%s", i, k) }
	funcs["f2"] = func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', 2, 64)
	}
	funcs["inc"] = func(i int) int { return i + 1 }
	funcs["first"] = func(vals []string) string {
		if len(vals) == 0 {
			return ""
		}
		return vals[0]
	}
	funcs["hasValue"] = func(vals []string, v string) bool {
		for _, x := range vals {
			if x == v {
				return true
			}
		}
		return false
	}
}

// ---- the public form ----

type surveyFormPage struct {
	BasePage
	S        *survey.Survey
	Sections []survey.Section
	Token    string
	Intro    template.HTML
	Answers  url.Values
	State    string // "" (the form), "done", "closed", "limited"
	Message  string
	Labels   map[string]string // question key → text, for show-if hints
}

const answeredCookie = "survey_answered"

func (h *Handlers) formPage(r *http.Request, f *survey.Form, token string) surveyFormPage {
	sv := f.Survey
	p := surveyFormPage{BasePage: h.base(r, sv.Title), S: sv, Sections: sv.Definition().Sections(), Token: token, Answers: url.Values{},
		Intro: Markdown(sv.Intro), Labels: map[string]string{}}
	for _, q := range sv.Questions {
		p.Labels[q.Key] = q.Text
	}
	return p
}

// answered reports whether this browser (or this recipient's link) has answered.
func answered(r *http.Request, f *survey.Form) bool {
	if f.Answered {
		return true
	}
	c, err := r.Cookie(answeredCookie)
	return err == nil && c.Value == "1" && f.RecipientID == 0
}

func (h *Handlers) surveyForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	f, err := h.app.Surveys.Open(r.Context(), token)
	if err != nil {
		return err
	}
	p := h.formPage(r, f, token)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case answered(r, f):
		p.State = "done"
	case f.Survey.Closed:
		p.State = "closed"
		return h.render(w, r, http.StatusGone, "survey_form", p)
	}
	return h.render(w, r, http.StatusOK, "survey_form", p)
}

func (h *Handlers) surveyAnswer(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	f, err := h.app.Surveys.Open(r.Context(), token)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if answered(r, f) {
		p := h.formPage(r, f, token)
		p.State = "done"
		return h.render(w, r, http.StatusConflict, "survey_form", p)
	}
	if err := r.ParseForm(); err != nil {
		return validate.Field("form", "the form could not be read: %v", err)
	}
	raw := map[string][]string{}
	for k, v := range r.PostForm {
		if k != "csrf" {
			raw[k] = v
		}
	}
	_, err = h.app.Surveys.Respond(r.Context(), token, clientIP(r), raw)
	if err != nil {
		p := h.formPage(r, f, token)
		p.Answers = r.PostForm
		switch {
		case errors.Is(err, survey.ErrClosed):
			p.State = "closed"
			return h.render(w, r, http.StatusGone, "survey_form", p)
		case errors.Is(err, survey.ErrAnswered):
			p.State = "done"
			return h.render(w, r, http.StatusConflict, "survey_form", p)
		case errors.Is(err, survey.ErrRateLimited):
			p.Message = err.Error()
			w.Header().Set("Retry-After", "180")
			return h.render(w, r, http.StatusTooManyRequests, "survey_form", p)
		}
		if fe, ok := validate.As(err); ok {
			p.Errors = fe
			return h.render(w, r, http.StatusUnprocessableEntity, "survey_form", p)
		}
		return err
	}
	if f.RecipientID == 0 {
		http.SetCookie(w, &http.Cookie{Name: answeredCookie, Value: "1", Path: "/s/" + token, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, "/s/"+token, http.StatusSeeOther)
	return nil
}
