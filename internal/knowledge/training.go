package knowledge

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Course is a training: internal (SIRT process, security-buddy training) or external
// (a course elsewhere, by URL), with the hours it takes and the roles that need it.
type Course struct {
	ID    int64    `json:"id"`
	Title string   `json:"title"`
	Kind  string   `json:"kind" enum:"internal,external"`
	URL   string   `json:"url,omitempty"`
	Hours float64  `json:"hours"`
	Roles []string `json:"roles" doc:"Roles that must complete it (responder, security-buddy, coordinator, programme-manager)."`
	// RenewMonths > 0: a completion counts for that many months, then the course is due
	// again (yearly re-education: 12).
	RenewMonths int `json:"renew_months,omitempty" doc:"Months a completion counts for (12: yearly re-education); 0: once is enough."`
}

// NewCourse is the input to CreateCourse.
type NewCourse struct {
	Title       string   `json:"title" maxLength:"300"`
	Kind        string   `json:"kind" enum:"internal,external"`
	URL         string   `json:"url,omitempty" maxLength:"2000"`
	Hours       float64  `json:"hours" minimum:"0" maximum:"1000"`
	Roles       []string `json:"roles,omitempty" maxItems:"10"`
	RenewMonths int      `json:"renew_months,omitempty" minimum:"0" maximum:"120" doc:"Months a completion counts for (12: yearly); 0: once is enough."`
}

// TrainingRoles are the roles courses are required for.
var TrainingRoles = []string{"responder", "security-buddy", "coordinator", "programme-manager"}

// CreateCourse adds a course (programme manager, admins).
func (s *Service) CreateCourse(ctx context.Context, actor authz.Actor, in NewCourse) (*Course, error) {
	if err := authz.Can(actor, authz.ManageTraining, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	c := &Course{Title: e.Text("title", in.Title, true, 300), Kind: in.Kind, URL: strings.TrimSpace(in.URL), Hours: in.Hours, Roles: []string{}, RenewMonths: in.RenewMonths}
	if c.RenewMonths < 0 || c.RenewMonths > 120 {
		e.Add("renew_months", "must be 0 to 120")
	}
	e.OneOf("kind", c.Kind, "internal", "external")
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			e.Add("url", "%q is not an http(s) URL", c.URL)
		}
	} else if c.Kind == "external" {
		e.Add("url", "an external course needs its URL")
	}
	if c.Hours < 0 || c.Hours > 1000 {
		e.Add("hours", "must be 0 to 1000")
	}
	for i, r := range in.Roles {
		if !slices.Contains(TrainingRoles, r) {
			e.Add(fmt.Sprintf("roles[%d]", i), "must be one of %s", strings.Join(TrainingRoles, ", "))
		} else if !slices.Contains(c.Roles, r) {
			c.Roles = append(c.Roles, r)
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "INSERT INTO courses (title, kind, url, hours, roles, renew_months, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			c.Title, c.Kind, c.URL, c.Hours, strings.Join(c.Roles, ","), c.RenewMonths, s.clock.Now()).Scan(&c.ID); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: ActionCourseCreated, Subject: events.Ref{Type: "course", ID: fmt.Sprint(c.ID)}, After: CourseEvent{Title: c.Title}})
		return err
	})
	return c, err
}

// Courses lists the courses (staff).
func (s *Service) Courses(ctx context.Context, actor authz.Actor) ([]Course, error) {
	if err := authz.Can(actor, authz.ViewTraining, nil); err != nil {
		return nil, err
	}
	return s.courses(ctx, s.db.Read())
}

func (s *Service) courses(ctx context.Context, q db.Querier) ([]Course, error) {
	rows, err := q.Query(ctx, "SELECT id, title, kind, url, hours, roles, renew_months FROM courses ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Course{}
	for rows.Next() {
		var c Course
		var roles string
		if err := rows.Scan(&c.ID, &c.Title, &c.Kind, &c.URL, &c.Hours, &roles, &c.RenewMonths); err != nil {
			return nil, err
		}
		c.Roles = []string{}
		if roles != "" {
			c.Roles = strings.Split(roles, ",")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Completion records that a user completed a course.
type Completion struct {
	CourseID    int64   `json:"course_id"`
	UserID      int64   `json:"user_id"`
	CompletedOn string  `json:"completed_on"`
	Hours       float64 `json:"hours"`
}

// CompletionInput is the input to Complete.
type CompletionInput struct {
	UserID      int64   `json:"user_id,omitempty" doc:"Default: yourself. Recording for someone else needs the programme manager or an admin."`
	CompletedOn string  `json:"completed_on" doc:"YYYY-MM-DD"`
	Hours       float64 `json:"hours,omitempty" minimum:"0" maximum:"1000" doc:"Hours spent; default the course's hours."`
}

// Complete records a completion (yourself, or anyone for the programme manager and
// admins). Recording it again replaces the date and hours.
func (s *Service) Complete(ctx context.Context, actor authz.Actor, courseID int64, in CompletionInput) (*Completion, error) {
	if in.UserID == 0 {
		in.UserID = actor.UserID
	}
	if in.UserID != actor.UserID || actor.UserID == 0 {
		if err := authz.Can(actor, authz.ManageTraining, nil); err != nil {
			return nil, err
		}
	} else if err := authz.Can(actor, authz.ViewTraining, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.CompletedOn))
	if err != nil {
		e.Add("completed_on", "%q is not a date YYYY-MM-DD", in.CompletedOn)
	} else if d.After(s.clock.Now()) {
		e.Add("completed_on", "is in the future")
	}
	if in.Hours < 0 || in.Hours > 1000 {
		e.Add("hours", "must be 0 to 1000")
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	c := &Completion{CourseID: courseID, UserID: in.UserID, CompletedOn: d.Format(time.DateOnly), Hours: in.Hours}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		var hours float64
		if err := q.QueryRow(ctx, "SELECT hours FROM courses WHERE id = ?", courseID).Scan(&hours); err != nil {
			if db.NotFound(err) {
				return db.ErrNotFound
			}
			return err
		}
		if c.Hours == 0 {
			c.Hours = hours
		}
		u, err := account.UserByIDTx(ctx, q, c.UserID)
		if err != nil || !u.Actor().IsStaff() {
			return validate.Field("user_id", "no team member %d", c.UserID)
		}
		now := s.clock.Now()
		res, err := q.Exec(ctx, "UPDATE course_completions SET completed_on = ?, hours = ?, recorded_at = ? WHERE course_id = ? AND user_id = ?", c.CompletedOn, c.Hours, now, courseID, c.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := q.Exec(ctx, "INSERT INTO course_completions (course_id, user_id, completed_on, hours, recorded_at) VALUES (?, ?, ?, ?, ?)", courseID, c.UserID, c.CompletedOn, c.Hours, now); err != nil {
				return err
			}
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: ActionCourseCompletion, Subject: events.Ref{Type: "course", ID: fmt.Sprint(courseID)},
			After: CourseEvent{UserID: c.UserID, Hours: c.Hours}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Readiness is what a user still has to complete for a role.
type Readiness struct {
	UserID    int64        `json:"user_id"`
	Role      string       `json:"role"`
	Ready     bool         `json:"ready"`
	Missing   []Course     `json:"missing" doc:"Courses the role needs that were never completed, or whose completion has lapsed (renew_months)."`
	Due       []CourseDue  `json:"due" doc:"Renewable courses with their next due date."`
	Completed []Completion `json:"completed"`
	Hours     float64      `json:"hours" doc:"Hours of training completed in total."`
	// OnboardingOpen counts the role's onboarding checklist items not done yet.
	OnboardingOpen int `json:"onboarding_open" doc:"Onboarding checklist items for the role not done yet (see GET /api/v1/training/onboarding)."`
}

// Readiness says which courses userID is missing for role (yourself, or anyone for the
// programme manager and admins).
func (s *Service) Readiness(ctx context.Context, actor authz.Actor, userID int64, role string) (*Readiness, error) {
	if userID == 0 {
		userID = actor.UserID
	}
	if userID != actor.UserID || actor.UserID == 0 {
		if err := authz.Can(actor, authz.ManageTraining, nil); err != nil {
			return nil, err
		}
	} else if err := authz.Can(actor, authz.ViewTraining, nil); err != nil {
		return nil, err
	}
	if !slices.Contains(TrainingRoles, role) {
		return nil, validate.Field("role", "must be one of %s", strings.Join(TrainingRoles, ", "))
	}
	q := s.db.Read()
	cs, err := s.courses(ctx, q)
	if err != nil {
		return nil, err
	}
	r := &Readiness{UserID: userID, Role: role, Missing: []Course{}, Completed: []Completion{}, Due: []CourseDue{}}
	rows, err := q.Query(ctx, "SELECT course_id, completed_on, hours FROM course_completions WHERE user_id = ? ORDER BY course_id", userID)
	if err != nil {
		return nil, err
	}
	done := map[int64]string{}
	for rows.Next() {
		c := Completion{UserID: userID}
		if err := rows.Scan(&c.CourseID, &c.CompletedOn, &c.Hours); err != nil {
			rows.Close()
			return nil, err
		}
		done[c.CourseID] = c.CompletedOn
		r.Hours += c.Hours
		r.Completed = append(r.Completed, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	today := s.clock.Now().UTC().Format(time.DateOnly)
	for _, c := range cs {
		if !slices.Contains(c.Roles, role) {
			continue
		}
		on, ok := done[c.ID]
		if !ok {
			r.Missing = append(r.Missing, c)
			continue
		}
		if due := dueDate(on, c.RenewMonths); due != "" {
			r.Due = append(r.Due, CourseDue{Course: c, CompletedOn: on, DueOn: due})
			if due <= today {
				r.Missing = append(r.Missing, c)
			}
		}
	}
	lists, err := s.onboarding(ctx, q, userID, role)
	if err != nil {
		return nil, err
	}
	for _, l := range lists {
		r.OnboardingOpen += l.Open
	}
	r.Ready = len(r.Missing) == 0 && r.OnboardingOpen == 0
	return r, nil
}

// CourseDue is a renewable course a team member completed and must take again by DueOn.
type CourseDue struct {
	Course      Course `json:"course"`
	CompletedOn string `json:"completed_on"`
	DueOn       string `json:"due_on" doc:"YYYY-MM-DD"`
}

// dueDate is when a completion on day on (YYYY-MM-DD) lapses, "" when it never does.
func dueDate(on string, months int) string {
	if months <= 0 {
		return ""
	}
	d, err := time.Parse(time.DateOnly, on)
	if err != nil {
		return ""
	}
	return d.AddDate(0, months, 0).Format(time.DateOnly)
}

// RenewalsDue lists userID's renewable courses due on or before until (YYYY-MM-DD), in
// the caller's transaction: the people service's yearly cycle reminds them.
func (s *Service) RenewalsDue(ctx context.Context, q db.Querier, userID int64, until string) ([]CourseDue, error) {
	cs, err := s.courses(ctx, q)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Course{}
	for _, c := range cs {
		if c.RenewMonths > 0 {
			byID[c.ID] = c
		}
	}
	rows, err := q.Query(ctx, "SELECT course_id, completed_on FROM course_completions WHERE user_id = ? ORDER BY course_id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CourseDue{}
	for rows.Next() {
		var id int64
		var on string
		if err := rows.Scan(&id, &on); err != nil {
			return nil, err
		}
		c, ok := byID[id]
		if !ok {
			continue
		}
		if due := dueDate(on, c.RenewMonths); due != "" && due <= until {
			out = append(out, CourseDue{Course: c, CompletedOn: on, DueOn: due})
		}
	}
	return out, rows.Err()
}
