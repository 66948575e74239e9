// Package people is the team's people side: responder profiles (the roster), on-call
// schedules for intake duty, recruitment and vetting of candidates (a pipeline of
// stages, rejections with reasons, versioned agreements accepted electronically) and
// cohorts. Candidates' data is for the programme manager and admins only (authz).
//
// Every change appends an event in its transaction; reminders go through the job queue.
package people

import (
	"context"
	"time"
	_ "time/tzdata" // schedules name IANA zones; the binary must not depend on the host's zoneinfo

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/notify"
)

// Event actions of this package.
const (
	ActionProfileUpdated    = "people.profile.updated"
	ActionScheduleCreated   = "oncall.schedule.created"
	ActionOverrideAdded     = "oncall.override.added"
	ActionCandidateApplied  = "candidate.applied"
	ActionCandidateMoved    = "candidate.stage.changed"
	ActionCandidateNote     = "candidate.note.added"
	ActionAgreementVersion  = "agreement.version.published"
	ActionAgreementAccepted = "agreement.accepted"
	ActionCohortCreated     = "cohort.created"
	ActionCandidateInvited  = "candidate.invited"
	ActionOpeningCreated    = "opening.created"
	ActionOpeningClosed     = "opening.closed"
	ActionProfileAlumni     = "people.profile.alumni"
)

// Payloads of the events (the "after" of each).
type (
	ProfileEvent struct {
		UserID int64  `json:"user_id"`
		Status string `json:"status"`
	}
	ScheduleEvent struct {
		Name     string  `json:"name"`
		TimeZone string  `json:"time_zone"`
		Handoff  string  `json:"handoff"`
		Start    string  `json:"start"`
		Members  []int64 `json:"members"`
	}
	OverrideEvent struct {
		ScheduleID int64     `json:"schedule_id"`
		UserID     int64     `json:"user_id"`
		Start      time.Time `json:"start"`
		End        time.Time `json:"end"`
	}
	// CandidateEvent names no personal data: the audit log is wider than candidates' data.
	CandidateEvent struct {
		Role   string `json:"role,omitempty"`
		From   string `json:"from,omitempty"`
		To     string `json:"to,omitempty"`
		Reason string `json:"reason,omitempty"`
		Cohort int64  `json:"cohort_id,omitempty"`
	}
	NoteEvent struct {
		Kind string `json:"kind"`
	}
	AgreementEvent struct {
		Kind        string `json:"kind"`
		Version     int    `json:"version"`
		CandidateID int64  `json:"candidate_id,omitempty"`
		UserID      int64  `json:"user_id,omitempty"`
	}
	OpeningEvent struct {
		Role  string `json:"role,omitempty"`
		Title string `json:"title,omitempty"`
	}
	CohortEvent struct {
		Name     string `json:"name"`
		StartsOn string `json:"starts_on"`
	}
)

// Outbox queues mail in the caller's transaction (internal/notify).
type Outbox interface {
	Queue(ctx context.Context, q db.Querier, m notify.Message) (int64, error)
}

// Config is what the service needs of the team's configuration.
type Config struct {
	Team    string
	BaseURL string
}

// Service is the people domain.
type Service struct {
	db      *db.DB
	clock   clock.Clock
	events  *events.Log
	outbox  Outbox
	cfg     Config
	inviter Inviter
	// training: the yearly cycle's re-education reminders (nil: none)
	training Training
}

// New builds the service; outbox may be nil (no mail).
func New(d *db.DB, c clock.Clock, ev *events.Log, outbox Outbox, cfg Config) *Service {
	return &Service{db: d, clock: c, events: ev, outbox: outbox, cfg: cfg}
}

func (s *Service) append(ctx context.Context, q db.Querier, actor authz.Actor, action string, subject events.Ref, after any) error {
	_, err := s.events.Append(ctx, q, actor, events.Entry{Action: action, Subject: subject, After: after})
	return err
}

// Staff is a team member as schedules list them.
type Staff struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

func staffOf(u *account.User) Staff { return Staff{ID: u.ID, Email: u.Email, Name: u.Name} }

func staff(ctx context.Context, q db.Querier, id int64) (Staff, error) {
	u, err := account.UserByIDTx(ctx, q, id)
	if err != nil {
		return Staff{}, err
	}
	return staffOf(u), nil
}
