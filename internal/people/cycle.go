package people

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The team's yearly cycle: openings for roles, accounts for onboarded candidates,
// members re-accepting agreements when a new version is published, and the end of a
// member's term (they become alumni and leave the on-call rotations). Reminders go
// through the job queue and are recorded in people_reminders, so each is sent once.

// Inviter creates account invitations in the caller's transaction (account.Service).
// It returns "" when the address has an account already.
type Inviter interface {
	InviteTx(ctx context.Context, q db.Querier, actor authz.Actor, email string, role authz.Role) (string, error)
}

// Training is what the yearly cycle needs of the training records (knowledge.Service):
// the renewable courses a member must take again by a date.
type Training interface {
	RenewalsDue(ctx context.Context, q db.Querier, userID int64, until string) ([]knowledge.CourseDue, error)
}

// SetTraining wires in the training records, so re-education due dates are reminded.
func (s *Service) SetTraining(t Training) { s.training = t }

// SetInviter wires in the accounts, so an onboarded candidate gets a sign-up link.
func (s *Service) SetInviter(i Inviter) { s.inviter = i }

// onboard invites an onboarded candidate to create their account (as a responder) and
// mails them the link, in the move's transaction.
func (s *Service) onboard(ctx context.Context, q db.Querier, actor authz.Actor, c *Candidate) error {
	if s.inviter == nil {
		return nil
	}
	token, err := s.inviter.InviteTx(ctx, q, actor, c.Email, authz.RoleResponder)
	if err != nil || token == "" {
		return err
	}
	if err := s.append(ctx, q, actor, ActionCandidateInvited, candidateRef(c.ID), CandidateEvent{Role: c.Role}); err != nil {
		return err
	}
	return s.mail(ctx, q, notify.Message{To: c.Email, Purpose: "candidate.onboarded", Subject: s.cfg.Team + ": welcome — create your account",
		Body: fmt.Sprintf("Hello %s,\n\nWelcome to the team. Create your account with this personal link (it expires):\n\n%s/invite/%s\n\nYour onboarding checklist and trainings are waiting on the training page once you are in.\n\n%s\n",
			c.Name, s.cfg.BaseURL, token, s.cfg.Team)})
}

// Opening is a role the team is recruiting for, shown on the public application form.
type Opening struct {
	ID          int64     `json:"id"`
	Role        string    `json:"role"`
	Title       string    `json:"title"`
	Description string    `json:"description" doc:"Markdown."`
	Positions   int       `json:"positions"`
	ClosesOn    string    `json:"closes_on,omitempty" doc:"YYYY-MM-DD; the opening is listed until the end of that day (UTC)."`
	Closed      bool      `json:"closed"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewOpening is the input to CreateOpening.
type NewOpening struct {
	Role        string `json:"role" doc:"responder, security-buddy, coordinator or programme-manager"`
	Title       string `json:"title" maxLength:"200"`
	Description string `json:"description,omitempty" maxLength:"20000"`
	Positions   int    `json:"positions,omitempty" minimum:"0" maximum:"1000" doc:"Default 1."`
	ClosesOn    string `json:"closes_on,omitempty" doc:"YYYY-MM-DD"`
}

// CreateOpening publishes an opening (programme manager, admins).
func (s *Service) CreateOpening(ctx context.Context, actor authz.Actor, in NewOpening) (*Opening, error) {
	if err := authz.Can(actor, authz.ManageRecruitment, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	o := &Opening{Role: strings.TrimSpace(in.Role), Title: e.Text("title", in.Title, true, 200), Description: e.Text("description", in.Description, false, 20000),
		Positions: in.Positions, ClosesOn: strings.TrimSpace(in.ClosesOn)}
	if !slices.Contains(Roles, o.Role) {
		e.Add("role", "must be one of %s", strings.Join(Roles, ", "))
	}
	if o.Positions == 0 {
		o.Positions = 1
	}
	if o.Positions < 0 || o.Positions > 1000 {
		e.Add("positions", "must be 1 to 1000")
	}
	if o.ClosesOn != "" {
		d, err := time.Parse(time.DateOnly, o.ClosesOn)
		if err != nil {
			e.Add("closes_on", "%q is not a date YYYY-MM-DD", o.ClosesOn)
		} else if d.Add(24 * time.Hour).Before(s.clock.Now()) {
			e.Add("closes_on", "is in the past")
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		o.CreatedAt = s.clock.Now()
		if err := q.QueryRow(ctx, `INSERT INTO openings (role, title, description, positions, closes_on, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, o.Role, o.Title, o.Description, o.Positions, o.ClosesOn, actor.Label(), o.CreatedAt).Scan(&o.ID); err != nil {
			return err
		}
		return s.append(ctx, q, actor, ActionOpeningCreated, events.Ref{Type: "opening", ID: fmt.Sprint(o.ID)}, OpeningEvent{Role: o.Role, Title: o.Title})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// CloseOpening closes an opening (programme manager, admins); closing it twice is a no-op.
func (s *Service) CloseOpening(ctx context.Context, actor authz.Actor, id int64) error {
	if err := authz.Can(actor, authz.ManageRecruitment, nil); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		res, err := q.Exec(ctx, "UPDATE openings SET closed = 1 WHERE id = ? AND closed = 0", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var c int
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM openings WHERE id = ?", id).Scan(&c); err != nil {
				return err
			}
			if c == 0 {
				return db.ErrNotFound
			}
			return nil
		}
		return s.append(ctx, q, actor, ActionOpeningClosed, events.Ref{Type: "opening", ID: fmt.Sprint(id)}, OpeningEvent{})
	})
}

// Openings lists the openings: the open ones (not closed, closing date not passed) for
// everyone; with all set, every opening (programme manager, admins).
func (s *Service) Openings(ctx context.Context, actor authz.Actor, all bool) ([]Opening, error) {
	where := " WHERE closed = 0 AND (closes_on = '' OR closes_on >= ?)"
	args := []any{s.clock.Now().UTC().Format(time.DateOnly)}
	if all {
		if err := authz.Can(actor, authz.ManageRecruitment, nil); err != nil {
			return nil, err
		}
		where, args = "", nil
	}
	rows, err := s.db.Read().Query(ctx, "SELECT id, role, title, description, positions, closes_on, closed, created_at FROM openings"+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Opening{}
	for rows.Next() {
		var o Opening
		var closed int
		if err := rows.Scan(&o.ID, &o.Role, &o.Title, &o.Description, &o.Positions, &o.ClosesOn, &closed, &o.CreatedAt); err != nil {
			return nil, err
		}
		o.Closed, o.CreatedAt = closed != 0, o.CreatedAt.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// MyAgreements is the current version of each agreement and whether the signed-in team
// member has accepted it.
type MyAgreements struct {
	Agreements []Agreement `json:"agreements"`
	Accepted   []Accepted  `json:"accepted" doc:"The versions you accepted (any version)."`
	Missing    []string    `json:"missing" doc:"Kinds whose current version you have not accepted."`
}

// AgreementsOf returns the signed-in staff member's agreements.
func (s *Service) AgreementsOf(ctx context.Context, actor authz.Actor) (*MyAgreements, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		return nil, err
	}
	return s.myAgreements(ctx, s.db.Read(), actor.UserID)
}

func (s *Service) myAgreements(ctx context.Context, q db.Querier, userID int64) (*MyAgreements, error) {
	cur, err := s.currentAgreements(ctx, q)
	if err != nil {
		return nil, err
	}
	acc, err := s.accepted(ctx, q, "user_id", userID)
	if err != nil {
		return nil, err
	}
	m := &MyAgreements{Agreements: cur, Accepted: acc, Missing: []string{}}
	for _, a := range cur {
		if !slices.ContainsFunc(acc, func(x Accepted) bool { return x.Kind == a.Kind && x.Version == a.Version }) {
			m.Missing = append(m.Missing, a.Kind)
		}
	}
	return m, nil
}

// AcceptMine records that the signed-in team member accepts the current version of
// each agreement in kinds; accepting twice changes nothing.
func (s *Service) AcceptMine(ctx context.Context, actor authz.Actor, kinds []string) (*MyAgreements, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		return nil, err
	}
	if len(kinds) == 0 {
		return nil, validate.Field("kinds", "name each agreement you accept")
	}
	var out *MyAgreements
	err := s.db.InTx(ctx, func(q db.Querier) error {
		cur, err := s.currentAgreements(ctx, q)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for i, k := range kinds {
			j := slices.IndexFunc(cur, func(a Agreement) bool { return a.Kind == k })
			if j < 0 {
				return validate.Field(fmt.Sprintf("kinds[%d]", i), "%q is not a current agreement", k)
			}
			var n int
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM agreement_acceptances WHERE agreement_id = ? AND user_id = ?", cur[j].ID, actor.UserID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := q.Exec(ctx, "INSERT INTO agreement_acceptances (agreement_id, user_id, accepted_at) VALUES (?, ?, ?)", cur[j].ID, actor.UserID, now); err != nil {
				return err
			}
			if err := s.append(ctx, q, actor, ActionAgreementAccepted, events.Ref{Type: "user", ID: fmt.Sprint(actor.UserID)},
				AgreementEvent{Kind: k, Version: cur[j].Version, UserID: actor.UserID}); err != nil {
				return err
			}
		}
		out, err = s.myAgreements(ctx, q, actor.UserID)
		return err
	})
	return out, err
}

// Renewal is what one active team member owes in the yearly cycle.
type Renewal struct {
	User     Staff    `json:"user"`
	Status   string   `json:"status"`
	TermEnds string   `json:"term_ends,omitempty"`
	Missing  []string `json:"agreements_missing" doc:"Agreements whose current version they have not accepted."`
}

// Renewals lists, for every team member on the roster who is not alumni, the
// agreements they still have to re-accept and when their term ends (programme manager,
// admins).
func (s *Service) Renewals(ctx context.Context, actor authz.Actor) ([]Renewal, error) {
	if err := authz.Can(actor, authz.ManageRoster, nil); err != nil {
		return nil, err
	}
	q := s.db.Read()
	profiles, err := s.cycleProfiles(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []Renewal{}
	for _, p := range profiles {
		m, err := s.myAgreements(ctx, q, p.userID)
		if err != nil {
			return nil, err
		}
		u, err := staff(ctx, q, p.userID)
		if err != nil {
			return nil, err
		}
		out = append(out, Renewal{User: u, Status: p.status, TermEnds: p.termEnds, Missing: m.Missing})
	}
	return out, nil
}

type cycleProfile struct {
	userID           int64
	status, termEnds string
}

func (s *Service) cycleProfiles(ctx context.Context, q db.Querier) ([]cycleProfile, error) {
	rows, err := q.Query(ctx, "SELECT user_id, status, term_ends FROM responder_profiles WHERE status <> 'alumni' ORDER BY user_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cycleProfile
	for rows.Next() {
		var p cycleProfile
		if err := rows.Scan(&p.userID, &p.status, &p.termEnds); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// JobCycle runs the yearly cycle once a day: terms that ended make alumni, and members
// who have not accepted an agreement's current version are reminded (once per version).
const JobCycle = "people.cycle"

func (s *Service) registerCycle(q *jobs.Queue) {
	q.Register(JobCycle, jobs.Handler{Run: func(ctx context.Context, _ jobs.Job) error { return s.RunCycle(ctx) }})
	q.Every(JobCycle, 24*time.Hour, struct{}{})
}

// RunCycle is one pass of the yearly cycle (the daily job; also callable from tests and
// the CLI). It is idempotent: a second run the same day changes and sends nothing.
func (s *Service) RunCycle(ctx context.Context) error {
	sys := authz.System(JobCycle)
	today := s.clock.Now().UTC().Format(time.DateOnly)
	return s.db.InTx(ctx, func(q db.Querier) error {
		profiles, err := s.cycleProfiles(ctx, q)
		if err != nil {
			return err
		}
		for _, p := range profiles {
			if p.termEnds != "" && p.termEnds < today {
				if _, err := q.Exec(ctx, "UPDATE responder_profiles SET status = 'alumni', updated_at = ? WHERE user_id = ?", s.clock.Now(), p.userID); err != nil {
					return err
				}
				if err := s.append(ctx, q, sys, ActionProfileAlumni, events.Ref{Type: "user", ID: fmt.Sprint(p.userID)},
					ProfileEvent{UserID: p.userID, Status: "alumni"}); err != nil {
					return err
				}
				continue
			}
			if err := s.remindTraining(ctx, q, p.userID); err != nil {
				return err
			}
			m, err := s.myAgreements(ctx, q, p.userID)
			if err != nil {
				return err
			}
			for _, a := range m.Agreements {
				if !slices.Contains(m.Missing, a.Kind) {
					continue
				}
				sent, err := s.remindOnce(ctx, q, "agreement", p.userID, fmt.Sprintf("%s:%d", a.Kind, a.Version))
				if err != nil {
					return err
				}
				if !sent {
					continue
				}
				u, err := staff(ctx, q, p.userID)
				if err != nil {
					return err
				}
				if err := s.mail(ctx, q, notify.Message{To: u.Email, Purpose: "people.agreement", Subject: fmt.Sprintf("%s: please accept the new %s (version %d)", s.cfg.Team, agreementName(a.Kind), a.Version),
					Body: fmt.Sprintf("Hello %s,\n\nThe team published version %d of the %s. Please read it and accept it:\n\n%s/me/agreements\n\n%s\n",
						displayName(u), a.Version, agreementName(a.Kind), s.cfg.BaseURL, s.cfg.Team)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// remindTraining reminds a member, once per due date, of renewable courses due within
// 30 days or lapsed.
func (s *Service) remindTraining(ctx context.Context, q db.Querier, userID int64) error {
	if s.training == nil {
		return nil
	}
	due, err := s.training.RenewalsDue(ctx, q, userID, s.clock.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly))
	if err != nil {
		return err
	}
	for _, d := range due {
		sent, err := s.remindOnce(ctx, q, "course", userID, fmt.Sprintf("%d:%s", d.Course.ID, d.DueOn))
		if err != nil || !sent {
			if err != nil {
				return err
			}
			continue
		}
		u, err := staff(ctx, q, userID)
		if err != nil {
			return err
		}
		if err := s.mail(ctx, q, notify.Message{To: u.Email, Purpose: "people.training", Subject: fmt.Sprintf("%s: %q is due again by %s", s.cfg.Team, d.Course.Title, d.DueOn),
			Body: fmt.Sprintf("Hello %s,\n\nYou completed %q on %s; it counts for %d months, so please take it again by %s and record it:\n\n%s/training\n\n%s\n",
				displayName(u), d.Course.Title, d.CompletedOn, d.Course.RenewMonths, d.DueOn, s.cfg.BaseURL, s.cfg.Team)}); err != nil {
			return err
		}
	}
	return nil
}

// remindOnce records a reminder and reports whether it is new (false: sent before).
func (s *Service) remindOnce(ctx context.Context, q db.Querier, kind string, userID int64, key string) (bool, error) {
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM people_reminders WHERE kind = ? AND user_id = ? AND subject_key = ?", kind, userID, key).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	_, err := q.Exec(ctx, "INSERT INTO people_reminders (kind, user_id, subject_key, sent_at) VALUES (?, ?, ?, ?)", kind, userID, key, s.clock.Now())
	return err == nil, err
}

func agreementName(kind string) string {
	switch kind {
	case "code_of_conduct":
		return "code of conduct"
	case "ethics":
		return "ethics agreement"
	case "confidentiality":
		return "confidentiality agreement"
	}
	return strings.ReplaceAll(kind, "_", " ")
}
