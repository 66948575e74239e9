package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The team pages: the roster and each member's profile, training (courses, completions,
// readiness), a member's agreements, and the openings the programme manager publishes
// (docs/people.md).

func (h *Handlers) registerPeopleCycle(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	handle("GET /people/roster", h.rosterPage)
	handle("GET /people/roster/{id}", h.profilePage)
	handle("POST /people/roster/{id}", h.profilePost)
	handle("GET /training", h.trainingPage)
	handle("POST /training/courses", h.coursePost)
	handle("POST /training/courses/{id}/complete", h.completePost)
	handle("POST /training/onboarding/{id}", h.onboardingTick)
	handle("GET /me/agreements", h.myAgreementsPage)
	handle("POST /me/agreements", h.myAgreementsPost)
	handle("POST /oncall/schedules", h.schedulePost)
	handle("POST /oncall/schedules/{id}/overrides", h.overridePost)
	handle("GET /people/openings", h.openingsPage)
	handle("POST /people/openings", h.openingPost)
	handle("POST /people/openings/{id}/close", h.openingClose)
}

type rosterPage struct {
	BasePage
	Query    people.RosterQuery
	Statuses []string
	Profiles []*people.Profile
	Renewals map[int64][]string // user id → agreements to re-accept (programme manager)
	Manage   bool
}

func (h *Handlers) rosterPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	q := people.RosterQuery{Status: r.URL.Query().Get("status"), Skill: strings.TrimSpace(r.URL.Query().Get("skill")), Ecosystem: strings.TrimSpace(r.URL.Query().Get("ecosystem"))}
	ps, err := h.app.People.Roster(r.Context(), a, q)
	if err != nil {
		return err
	}
	p := rosterPage{BasePage: h.base(r, "Team roster"), Query: q, Statuses: people.Statuses, Profiles: ps, Renewals: map[int64][]string{}}
	if authz.Can(a, authz.ManageRoster, nil) == nil {
		p.Manage = true
		rs, err := h.app.People.Renewals(r.Context(), a)
		if err != nil {
			return err
		}
		for _, x := range rs {
			p.Renewals[x.User.ID] = x.Missing
		}
	}
	return h.render(w, r, http.StatusOK, "roster", p)
}

type profilePage struct {
	BasePage
	UserID   int64
	Profile  *people.Profile
	Form     people.ProfileInput
	Statuses []string
	CanEdit  bool
}

func (h *Handlers) profileData(r *http.Request) (profilePage, error) {
	a, err := requireUser(r)
	if err != nil {
		return profilePage{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return profilePage{}, err
	}
	ps, err := h.app.People.Roster(r.Context(), a, people.RosterQuery{})
	if err != nil {
		return profilePage{}, err
	}
	p := profilePage{BasePage: h.base(r, "Profile"), UserID: id, Statuses: people.Statuses,
		CanEdit: a.UserID == id || authz.Can(a, authz.ManageRoster, nil) == nil}
	for _, x := range ps {
		if x.User.ID == id {
			p.Profile = x
		}
	}
	if p.Profile == nil {
		// No profile yet: only the member themself or the programme manager start one.
		if !p.CanEdit {
			return profilePage{}, errNotFound
		}
		p.Form = people.ProfileInput{TimeZone: "UTC", Status: "active"}
		return p, nil
	}
	pr := p.Profile
	p.Title = "Profile of " + displayStaff(pr.User)
	p.Form = people.ProfileInput{Skills: pr.Skills, Ecosystems: pr.Ecosystems, Languages: pr.Languages, TimeZone: pr.TimeZone, Availability: pr.Availability,
		Status: pr.Status, Organisation: pr.Organisation, NDAVersion: pr.NDAVersion, NDASignedOn: pr.NDASignedOn, TermEnds: pr.TermEnds}
	return p, nil
}

func displayStaff(s people.Staff) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Email
}

func (h *Handlers) profilePage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.profileData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "profile", p)
}

func commaList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (h *Handlers) profilePost(w http.ResponseWriter, r *http.Request) error {
	p, err := h.profileData(r)
	if err != nil {
		return err
	}
	in := people.ProfileInput{Skills: commaList(r.PostFormValue("skills")), Ecosystems: commaList(r.PostFormValue("ecosystems")), Languages: commaList(r.PostFormValue("languages")),
		TimeZone: r.PostFormValue("time_zone"), Availability: r.PostFormValue("availability"), Status: r.PostFormValue("status"), Organisation: r.PostFormValue("organisation"),
		NDAVersion: r.PostFormValue("nda_version"), NDASignedOn: r.PostFormValue("nda_signed_on"), TermEnds: r.PostFormValue("term_ends")}
	if _, err := h.app.People.SetProfile(r.Context(), reqctx.Actor(r.Context()), p.UserID, in); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p.Form, p.Errors = in, fe
		return h.render(w, r, http.StatusUnprocessableEntity, "profile", p)
	}
	h.redirectFlash(w, r, fmt.Sprintf("/people/roster/%d", p.UserID), "Profile saved.")
	return nil
}

type trainingPage struct {
	BasePage
	Courses    []knowledge.Course
	Role       string
	Roles      []string
	Readiness  *knowledge.Readiness
	Onboarding []knowledge.OnboardingList
	Done       map[int64]string // course id → completed on
	Manage     bool
	Course     knowledge.NewCourse
	Today      string
}

func (h *Handlers) trainingData(r *http.Request) (trainingPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return trainingPage{}, err
	}
	cs, err := h.app.Knowledge.Courses(r.Context(), a)
	if err != nil {
		return trainingPage{}, err
	}
	role := r.URL.Query().Get("role")
	if role == "" {
		role = "responder"
	}
	p := trainingPage{BasePage: h.base(r, "Training"), Courses: cs, Role: role, Roles: knowledge.TrainingRoles, Done: map[int64]string{},
		Manage: authz.Can(a, authz.ManageTraining, nil) == nil, Today: h.app.Clock.Now().UTC().Format("2006-01-02")}
	rd, err := h.app.Knowledge.Readiness(r.Context(), a, 0, role)
	if err != nil {
		if _, ok := validate.As(err); !ok {
			return trainingPage{}, err
		}
		p.Role = "responder"
		if rd, err = h.app.Knowledge.Readiness(r.Context(), a, 0, p.Role); err != nil {
			return trainingPage{}, err
		}
	}
	p.Readiness = rd
	if p.Onboarding, err = h.app.Knowledge.Onboarding(r.Context(), a, 0, p.Role); err != nil {
		return trainingPage{}, err
	}
	for _, c := range rd.Completed {
		p.Done[c.CourseID] = c.CompletedOn
	}
	return p, nil
}

func (h *Handlers) trainingPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.trainingData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "training", p)
}

func (h *Handlers) coursePost(w http.ResponseWriter, r *http.Request) error {
	p, err := h.trainingData(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return validate.Field("title", "the form could not be read")
	}
	in := knowledge.NewCourse{Title: r.PostFormValue("title"), Kind: r.PostFormValue("kind"), URL: r.PostFormValue("url"), Roles: r.PostForm["roles"]}
	var e validate.Errors
	in.Hours = formNumber(r, &e, "hours", parseFloat, "a number of hours")
	in.RenewMonths = formNumber(r, &e, "renew_months", strconv.Atoi, "a whole number of months")
	err = e.Err()
	if err == nil {
		_, err = h.app.Knowledge.CreateCourse(r.Context(), reqctx.Actor(r.Context()), in)
	}
	if err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p.Course, p.Errors = in, fe
		return h.render(w, r, http.StatusUnprocessableEntity, "training", p)
	}
	h.redirectFlash(w, r, "/training", "Course added.")
	return nil
}

func (h *Handlers) completePost(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in := knowledge.CompletionInput{CompletedOn: r.PostFormValue("completed_on")}
	if v := strings.TrimSpace(r.PostFormValue("hours")); v != "" {
		in.Hours, _ = strconv.ParseFloat(v, 64)
	}
	if _, err := h.app.Knowledge.Complete(r.Context(), a, id, in); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p, perr := h.trainingData(r)
		if perr != nil {
			return perr
		}
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "training", p)
	}
	h.redirectFlash(w, r, "/training", "Completion recorded.")
	return nil
}

func (h *Handlers) onboardingTick(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	done := r.PostFormValue("done") == "true"
	if err := h.app.Knowledge.Tick(r.Context(), a, 0, id, r.PostFormValue("item"), done); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p, perr := h.trainingData(r)
		if perr != nil {
			return perr
		}
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "training", p)
	}
	msg := "Marked done."
	if !done {
		msg = "Marked not done."
	}
	h.redirectFlash(w, r, "/training?role="+url.QueryEscape(r.PostFormValue("role")), msg)
	return nil
}

type myAgreementsPage struct {
	BasePage
	Mine     *people.MyAgreements
	Accepted map[string]bool
}

func (h *Handlers) myAgreementsData(r *http.Request) (myAgreementsPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return myAgreementsPage{}, err
	}
	m, err := h.app.People.AgreementsOf(r.Context(), a)
	if err != nil {
		return myAgreementsPage{}, err
	}
	p := myAgreementsPage{BasePage: h.base(r, "Your agreements"), Mine: m, Accepted: map[string]bool{}}
	for _, ag := range m.Agreements {
		p.Accepted[ag.Kind] = true
	}
	for _, k := range m.Missing {
		p.Accepted[k] = false
	}
	return p, nil
}

func (h *Handlers) myAgreementsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.myAgreementsData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "my_agreements", p)
}

func (h *Handlers) myAgreementsPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return validate.Field("kinds", "the form could not be read")
	}
	if _, err := h.app.People.AcceptMine(r.Context(), reqctx.Actor(r.Context()), r.PostForm["accept"]); err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p, perr := h.myAgreementsData(r)
		if perr != nil {
			return perr
		}
		p.Errors = fe
		return h.render(w, r, http.StatusUnprocessableEntity, "my_agreements", p)
	}
	h.redirectFlash(w, r, "/me/agreements", "Thank you. Your acceptance is recorded.")
	return nil
}

type openingsPage struct {
	BasePage
	Openings []people.Opening
	Roles    []string
	Form     people.NewOpening
}

func (h *Handlers) openingsData(r *http.Request) (openingsPage, error) {
	a, err := requireUser(r)
	if err != nil {
		return openingsPage{}, err
	}
	os, err := h.app.People.Openings(r.Context(), a, true)
	if err != nil {
		return openingsPage{}, err
	}
	return openingsPage{BasePage: h.base(r, "Openings"), Openings: os, Roles: people.Roles, Form: people.NewOpening{Positions: 1}}, nil
}

func (h *Handlers) openingsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.openingsData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "openings", p)
}

func (h *Handlers) openingPost(w http.ResponseWriter, r *http.Request) error {
	p, err := h.openingsData(r)
	if err != nil {
		return err
	}
	in := people.NewOpening{Role: r.PostFormValue("role"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), ClosesOn: r.PostFormValue("closes_on")}
	var e validate.Errors
	in.Positions = formNumber(r, &e, "positions", strconv.Atoi, "a whole number")
	err = e.Err()
	if err == nil {
		_, err = h.app.People.CreateOpening(r.Context(), reqctx.Actor(r.Context()), in)
	}
	if err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p.Form, p.Errors = in, fe
		return h.render(w, r, http.StatusUnprocessableEntity, "openings", p)
	}
	h.redirectFlash(w, r, "/people/openings", "Opening published: it is listed on the application form.")
	return nil
}

func (h *Handlers) openingClose(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.People.CloseOpening(r.Context(), reqctx.Actor(r.Context()), id); err != nil {
		return err
	}
	h.redirectFlash(w, r, "/people/openings", "Opening closed.")
	return nil
}

func init() {
	// wordsOf shows a stored key in words ("on_leave" → "on leave").
	funcs["wordsOf"] = func(s string) string { return strings.ReplaceAll(s, "_", " ") }
}

// feedKey is a calendar app's credential for one user's view of one on-call schedule:
// calendar apps subscribe by URL and cannot send a session or a bearer token. It is an
// HMAC under the server's ticket key, so it needs no table; it stops working when the
// user is disabled or leaves the team (checked on every request).
func (h *Handlers) feedKey(userID, scheduleID int64) string {
	mac := hmac.New(sha256.New, h.ticketKey)
	fmt.Fprintf(mac, "oncall-feed|%d|%d", userID, scheduleID)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// FeedURL is the subscribable address of schedule id's calendar for the signed-in user.
func (h *Handlers) feedURL(userID, scheduleID int64) string {
	return fmt.Sprintf("%s/oncall/%d.ics?u=%d&k=%s", strings.TrimRight(h.app.Cfg.BaseURL, "/"), scheduleID, userID, h.feedKey(userID, scheduleID))
}

// feedActor authenticates a calendar subscription (?u=…&k=…) for schedule id.
func (h *Handlers) feedActor(r *http.Request, scheduleID int64) (authz.Actor, bool) {
	uid, err := strconv.ParseInt(r.URL.Query().Get("u"), 10, 64)
	if err != nil || uid <= 0 {
		return authz.Actor{}, false
	}
	if !hmac.Equal([]byte(r.URL.Query().Get("k")), []byte(h.feedKey(uid, scheduleID))) {
		return authz.Actor{}, false
	}
	u, err := h.app.Accounts.GetUser(r.Context(), uid)
	if err != nil || u.Disabled || !u.Actor().IsStaff() {
		return authz.Actor{}, false
	}
	return u.Actor(), true
}

// schedulePost creates an on-call schedule from the form on /oncall (programme manager).
func (h *Handlers) schedulePost(w http.ResponseWriter, r *http.Request) error {
	in := people.NewSchedule{Name: r.PostFormValue("name"), TimeZone: r.PostFormValue("time_zone"), Handoff: people.Handoff(r.PostFormValue("handoff")),
		HandoffTime: r.PostFormValue("handoff_time"), Start: r.PostFormValue("start")}
	for _, line := range strings.FieldsFunc(r.PostFormValue("members"), func(c rune) bool { return c == '\n' || c == ',' || c == '\r' }) {
		if line = strings.TrimSpace(line); line != "" {
			in.Members = append(in.Members, line)
		}
	}
	sc, err := h.app.People.CreateSchedule(r.Context(), reqctx.Actor(r.Context()), in)
	if err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p, perr := h.oncallData(r)
		if perr != nil {
			return perr
		}
		p.Form, p.MembersText, p.Errors = in, r.PostFormValue("members"), fe
		return h.render(w, r, http.StatusUnprocessableEntity, "oncall", p)
	}
	h.redirectFlash(w, r, "/oncall", fmt.Sprintf("Schedule %q created.", sc.Name))
	return nil
}

// overridePost puts someone on duty for a while (programme manager). The form's times
// are in the schedule's time zone.
func (h *Handlers) overridePost(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sc, err := h.app.People.Schedule(r.Context(), a, id)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	in := people.NewOverride{Email: r.PostFormValue("email"), Reason: r.PostFormValue("reason")}
	var e validate.Errors
	parse := func(field string) time.Time {
		v := strings.TrimSpace(r.PostFormValue(field))
		t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
		if err != nil {
			e.Add(field, "%q is not a date and time (YYYY-MM-DD HH:MM)", v)
		}
		return t
	}
	in.Start, in.End = parse("start"), parse("end")
	err = e.Err()
	if err == nil {
		_, err = h.app.People.AddOverride(r.Context(), a, id, in)
	}
	if err != nil {
		fe, ok := validate.As(err)
		if !ok {
			return err
		}
		p, perr := h.oncallData(r)
		if perr != nil {
			return perr
		}
		p.Errors, p.OverrideFor = fe, id
		p.Override = overrideForm{Email: in.Email, Start: r.PostFormValue("start"), End: r.PostFormValue("end"), Reason: in.Reason}
		return h.render(w, r, http.StatusUnprocessableEntity, "oncall", p)
	}
	h.redirectFlash(w, r, "/oncall", "Override added.")
	return nil
}

// overrideForm is what the override form sent, kept when it is refused.
type overrideForm struct{ Email, Start, End, Reason string }

// formNumber parses an optional number field of a form with parse; an unreadable value
// adds an error naming the field and saying what it should be (what).
func formNumber[N int | float64](r *http.Request, e *validate.Errors, field string, parse func(string) (N, error), what string) N {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0
	}
	n, err := parse(v)
	if err != nil {
		e.Add(field, "%q is not %s", v, what)
	}
	return n
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
