package people

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Stage is where a candidate is in the vetting pipeline.
type Stage string

// The pipeline, in order; rejected and withdrawn end it from any stage before active.
const (
	StageApplied          Stage = "applied"
	StageScreened         Stage = "screened"
	StageInterviewed      Stage = "interviewed"
	StageVetted           Stage = "vetted"
	StageAgreementsSigned Stage = "agreements_signed"
	StageSelected         Stage = "selected"
	StageOnboarded        Stage = "onboarded"
	StageActive           Stage = "active"
	StageRejected         Stage = "rejected"
	StageWithdrawn        Stage = "withdrawn"
)

// Pipeline lists the stages in order.
var Pipeline = []Stage{StageApplied, StageScreened, StageInterviewed, StageVetted, StageAgreementsSigned, StageSelected, StageOnboarded, StageActive}

// Next lists the stages a candidate at st may move to.
func Next(st Stage) []Stage {
	i := slices.Index(Pipeline, st)
	if i < 0 || st == StageActive {
		return nil
	}
	return []Stage{Pipeline[i+1], StageRejected, StageWithdrawn}
}

// Roles are the roles one can apply for.
var Roles = []string{"responder", "security-buddy", "coordinator", "programme-manager"}

// RuleError is a move the pipeline forbids (409).
type RuleError struct {
	Code string
	Msg  string
}

func (e *RuleError) Error() string { return e.Msg }

// Rule names the rule (the HTTP edges answer 409).
func (e *RuleError) Rule() string { return e.Code }

// Candidate is someone who applied to join the team. Only the programme manager and
// admins see candidates.
type Candidate struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	Email           string     `json:"email"`
	Role            string     `json:"role"`
	Motivation      string     `json:"motivation"`
	Stage           Stage      `json:"stage"`
	Next            []Stage    `json:"next_stages" doc:"Where the candidate may move from here."`
	RejectionReason string     `json:"rejection_reason,omitempty"`
	CohortID        int64      `json:"cohort_id,omitempty"`
	Notes           []Note     `json:"notes"`
	Accepted        []Accepted `json:"agreements_accepted"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// AcceptURL is the candidate's private link to accept the agreements, given once,
	// when they become vetted.
	AcceptURL string `json:"accept_url,omitempty"`
}

// Note is an interview note, scorecard, reference, check or remark on a candidate.
type Note struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind" enum:"interview,scorecard,reference,check,note"`
	Body      string    `json:"body"`
	Score     *int      `json:"score,omitempty"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// NoteKinds are the kinds of candidate notes.
var NoteKinds = []string{"interview", "scorecard", "reference", "check", "note"}

// Accepted is an agreement version a candidate or user accepted.
type Accepted struct {
	Kind       string    `json:"kind"`
	Version    int       `json:"version"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// Application is the public application form.
type Application struct {
	Name       string `json:"name" maxLength:"200"`
	Email      string `json:"email" maxLength:"254"`
	Role       string `json:"role" doc:"responder, security-buddy, coordinator or programme-manager"`
	Motivation string `json:"motivation,omitempty" maxLength:"5000"`
}

// Validate checks an application and names each bad field.
func (in *Application) Validate() error {
	var e validate.Errors
	in.Name = e.Text("name", in.Name, true, 200)
	in.Email = e.Email("email", in.Email, true)
	in.Role = strings.TrimSpace(in.Role)
	if !slices.Contains(Roles, in.Role) {
		e.Add("role", "must be one of %s", strings.Join(Roles, ", "))
	}
	in.Motivation = e.Text("motivation", in.Motivation, false, 5000)
	return e.Err()
}

// Apply records an application (anyone, no account). The applicant gets an
// acknowledgement by mail through the outbox.
func (s *Service) Apply(ctx context.Context, actor authz.Actor, in Application) (*Candidate, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c := &Candidate{Name: in.Name, Email: in.Email, Role: in.Role, Motivation: in.Motivation, Stage: StageApplied}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		now := s.clock.Now()
		c.CreatedAt, c.UpdatedAt = now, now
		if err := q.QueryRow(ctx, `INSERT INTO candidates (name, email, role, motivation, stage, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Name, c.Email, c.Role, c.Motivation, string(c.Stage), now, now).Scan(&c.ID); err != nil {
			return fmt.Errorf("people: apply: %w", err)
		}
		if err := s.append(ctx, q, actor, ActionCandidateApplied, candidateRef(c.ID), CandidateEvent{Role: c.Role, To: string(StageApplied)}); err != nil {
			return err
		}
		return s.mail(ctx, q, notify.Message{To: c.Email, Purpose: "candidate.applied", Subject: s.cfg.Team + ": we received your application",
			Body: fmt.Sprintf("Hello %s,\n\nThank you for applying to join %s as %s. The programme manager reads every application and will write to you about the next step.\n\n%s\n",
				c.Name, s.cfg.Team, c.Role, s.cfg.Team)})
	})
	if err != nil {
		return nil, err
	}
	c.Next, c.Notes, c.Accepted = Next(c.Stage), []Note{}, []Accepted{}
	return c, nil
}

func (s *Service) mail(ctx context.Context, q db.Querier, m notify.Message) error {
	if s.outbox == nil {
		return nil
	}
	_, err := s.outbox.Queue(ctx, q, m)
	return err
}

func candidateRef(id int64) events.Ref { return events.Ref{Type: "candidate", ID: fmt.Sprint(id)} }

// CandidateQuery filters the candidate list.
type CandidateQuery struct {
	Stage   Stage
	AfterID int64
	Limit   int
}

// Candidates lists candidates (programme manager, admins), oldest first.
func (s *Service) Candidates(ctx context.Context, actor authz.Actor, cq CandidateQuery) ([]*Candidate, error) {
	if err := authz.Can(actor, authz.ManageRecruitment, nil); err != nil {
		return nil, err
	}
	if cq.Limit <= 0 || cq.Limit > 501 {
		cq.Limit = 100
	}
	f := authz.Scope(actor, authz.KindCandidate)
	where, args := "id > ?"+f.Where(), append([]any{cq.AfterID}, f.Args...)
	if cq.Stage != "" {
		where += " AND stage = ?"
		args = append(args, string(cq.Stage))
	}
	rows, err := s.db.Read().Query(ctx, "SELECT "+candidateColumns+" FROM candidates WHERE "+where+fmt.Sprintf(" ORDER BY id LIMIT %d", cq.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Candidate{}
	for rows.Next() {
		c, err := scanCandidate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const candidateColumns = "id, name, email, role, motivation, stage, rejection_reason, cohort_id, created_at, updated_at"

func scanCandidate(r interface{ Scan(...any) error }) (*Candidate, error) {
	var c Candidate
	var stage string
	var cohort *int64
	if err := r.Scan(&c.ID, &c.Name, &c.Email, &c.Role, &c.Motivation, &stage, &c.RejectionReason, &cohort, &c.CreatedAt, &c.UpdatedAt); err != nil {
		if db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	c.Stage = Stage(stage)
	c.Next = Next(c.Stage)
	if c.Next == nil {
		c.Next = []Stage{}
	}
	if cohort != nil {
		c.CohortID = *cohort
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// Candidate returns one candidate with notes and accepted agreements (programme
// manager, admins; anyone else gets ErrNotFound).
func (s *Service) Candidate(ctx context.Context, actor authz.Actor, id int64) (*Candidate, error) {
	if err := authz.Can(actor, authz.ReadCandidate, authz.Candidate{}); err != nil {
		return nil, err
	}
	return s.loadCandidate(ctx, s.db.Read(), id)
}

func (s *Service) loadCandidate(ctx context.Context, q db.Querier, id int64) (*Candidate, error) {
	c, err := scanCandidate(q.QueryRow(ctx, "SELECT "+candidateColumns+" FROM candidates WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT id, kind, body, score, author, created_at FROM candidate_notes WHERE candidate_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	c.Notes = []Note{}
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.Kind, &n.Body, &n.Score, &n.Author, &n.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		c.Notes = append(c.Notes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.Accepted, err = s.accepted(ctx, q, "candidate_id", id)
	return c, err
}

func (s *Service) accepted(ctx context.Context, q db.Querier, col string, id int64) ([]Accepted, error) {
	rows, err := q.Query(ctx, `SELECT a.kind, a.version, x.accepted_at FROM agreement_acceptances x JOIN agreements a ON a.id = x.agreement_id
		WHERE x.`+col+` = ? ORDER BY x.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Accepted{}
	for rows.Next() {
		var a Accepted
		if err := rows.Scan(&a.Kind, &a.Version, &a.AcceptedAt); err != nil {
			return nil, err
		}
		a.AcceptedAt = a.AcceptedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Move is a stage change.
type Move struct {
	To       Stage  `json:"to" doc:"The stage to move to: the next one in the pipeline, rejected or withdrawn."`
	Reason   string `json:"reason,omitempty" maxLength:"2000" doc:"Required when rejecting."`
	CohortID int64  `json:"cohort_id,omitempty" doc:"Required when moving to selected."`
}

// MoveCandidate moves a candidate along the pipeline (programme manager, admins). A
// jump the pipeline forbids is a *RuleError naming the allowed next stages; each stage
// also needs its evidence: an interview note to become interviewed, a reference or
// check to become vetted, every current agreement accepted to become
// agreements_signed, a cohort to be selected.
func (s *Service) MoveCandidate(ctx context.Context, actor authz.Actor, id int64, m Move) (*Candidate, error) {
	if err := authz.Can(actor, authz.EditCandidate, authz.Candidate{}); err != nil {
		return nil, err
	}
	var e validate.Errors
	m.Reason = e.Text("reason", m.Reason, false, 2000)
	if !slices.Contains(Pipeline, m.To) && m.To != StageRejected && m.To != StageWithdrawn {
		e.Add("to", "%q is not a stage (%s, rejected, withdrawn)", m.To, joinStages(Pipeline))
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	var c *Candidate
	var token string
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if c, err = s.loadCandidate(ctx, q, id); err != nil {
			return err
		}
		allowed := Next(c.Stage)
		if !slices.Contains(allowed, m.To) {
			if len(allowed) == 0 {
				return &RuleError{Code: "candidate.stage", Msg: fmt.Sprintf("the candidate is %s: the pipeline has ended for them", c.Stage)}
			}
			return &RuleError{Code: "candidate.stage", Msg: fmt.Sprintf("a candidate who is %s cannot move to %s; allowed next stages: %s", c.Stage, m.To, joinStages(allowed))}
		}
		// The order is checked first, then what the move needs.
		var ee validate.Errors
		if m.To == StageRejected && m.Reason == "" {
			ee.Add("reason", "say why the candidate is rejected (the reason is kept with the candidate)")
		}
		if m.To == StageSelected && m.CohortID <= 0 {
			ee.Add("cohort_id", "choose the cohort the candidate is selected into")
		}
		if err := ee.Err(); err != nil {
			return err
		}
		if err := s.evidence(ctx, q, c, m); err != nil {
			return err
		}
		now := s.clock.Now()
		from := c.Stage
		c.Stage, c.UpdatedAt, c.Next = m.To, now, Next(m.To)
		if c.Next == nil {
			c.Next = []Stage{}
		}
		if m.To == StageRejected || m.To == StageWithdrawn {
			c.RejectionReason = m.Reason
		}
		var cohort any
		if m.CohortID > 0 {
			c.CohortID, cohort = m.CohortID, m.CohortID
		} else if c.CohortID > 0 {
			cohort = c.CohortID
		}
		tokenHash := ""
		if m.To == StageVetted {
			token = randomToken()
			tokenHash = hashToken(token)
		}
		if _, err := q.Exec(ctx, `UPDATE candidates SET stage = ?, rejection_reason = ?, cohort_id = ?, accept_token_hash = CASE WHEN ? <> '' THEN ? ELSE accept_token_hash END, updated_at = ? WHERE id = ?`,
			string(c.Stage), c.RejectionReason, cohort, tokenHash, tokenHash, now, c.ID); err != nil {
			return err
		}
		if err := s.append(ctx, q, actor, ActionCandidateMoved, candidateRef(c.ID), CandidateEvent{From: string(from), To: string(m.To), Reason: m.Reason, Cohort: m.CohortID}); err != nil {
			return err
		}
		if m.To == StageOnboarded {
			if err := s.onboard(ctx, q, actor, c); err != nil {
				return err
			}
		}
		if token != "" {
			c.AcceptURL = s.cfg.BaseURL + "/apply/agreements/" + token
			return s.mail(ctx, q, notify.Message{To: c.Email, Purpose: "candidate.agreements", Subject: s.cfg.Team + ": agreements to read and accept",
				Body: fmt.Sprintf("Hello %s,\n\nThank you for your time so far. Before we can select you, please read and accept the team's agreements (code of conduct, ethics, confidentiality):\n\n%s\n\nThe link is personal; do not share it.\n\n%s\n",
					c.Name, c.AcceptURL, s.cfg.Team)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) evidence(ctx context.Context, q db.Querier, c *Candidate, m Move) error {
	has := func(kinds ...string) bool {
		for _, n := range c.Notes {
			if slices.Contains(kinds, n.Kind) {
				return true
			}
		}
		return false
	}
	switch m.To {
	case StageInterviewed:
		if !has("interview", "scorecard") {
			return &RuleError{Code: "candidate.evidence", Msg: "record the interview notes or scorecard (a note of kind interview or scorecard) before moving to interviewed"}
		}
	case StageVetted:
		if !has("reference", "check") {
			return &RuleError{Code: "candidate.evidence", Msg: "record the references or checks (a note of kind reference or check) before moving to vetted"}
		}
	case StageAgreementsSigned:
		missing, err := s.missingAgreements(ctx, q, c.ID)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return &RuleError{Code: "candidate.agreements", Msg: "the candidate has not accepted the current version of: " + strings.Join(missing, ", ")}
		}
	case StageSelected:
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM cohorts WHERE id = ?", m.CohortID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return validate.Field("cohort_id", "no cohort %d", m.CohortID)
		}
	}
	return nil
}

func joinStages(st []Stage) string {
	s := make([]string, len(st))
	for i, x := range st {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// NewNote is the input to AddNote.
type NewNote struct {
	Kind  string `json:"kind" enum:"interview,scorecard,reference,check,note"`
	Body  string `json:"body" maxLength:"20000"`
	Score *int   `json:"score,omitempty" minimum:"1" maximum:"5" doc:"Scorecards: 1 (no) to 5 (strong yes)."`
}

// AddNote adds an interview note, scorecard, reference or check (programme manager, admins).
func (s *Service) AddNote(ctx context.Context, actor authz.Actor, id int64, in NewNote) (*Note, error) {
	if err := authz.Can(actor, authz.EditCandidate, authz.Candidate{}); err != nil {
		return nil, err
	}
	var e validate.Errors
	e.OneOf("kind", in.Kind, NoteKinds...)
	in.Body = e.Text("body", in.Body, true, 20000)
	if in.Score != nil && (*in.Score < 1 || *in.Score > 5) {
		e.Add("score", "must be 1 to 5")
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	n := &Note{Kind: in.Kind, Body: in.Body, Score: in.Score, Author: actor.Label()}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if _, err := s.loadCandidate(ctx, q, id); err != nil {
			return err
		}
		n.CreatedAt = s.clock.Now()
		if err := q.QueryRow(ctx, "INSERT INTO candidate_notes (candidate_id, kind, body, score, author, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			id, n.Kind, n.Body, n.Score, n.Author, n.CreatedAt).Scan(&n.ID); err != nil {
			return err
		}
		return s.append(ctx, q, actor, ActionCandidateNote, candidateRef(id), NoteEvent{Kind: n.Kind})
	})
	return n, err
}

// Agreement kinds every team member accepts.
var AgreementKinds = []string{"code_of_conduct", "ethics", "confidentiality"}

// Agreement is one version of an agreement.
type Agreement struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Version   int       `json:"version"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// NewAgreement publishes a new version of an agreement.
type NewAgreement struct {
	Kind string `json:"kind" enum:"code_of_conduct,ethics,confidentiality"`
	Body string `json:"body" maxLength:"100000" doc:"Markdown."`
}

// PublishAgreement adds a new version of an agreement (programme manager, admins).
// Candidates and members must accept the new version (re-acceptance).
func (s *Service) PublishAgreement(ctx context.Context, actor authz.Actor, in NewAgreement) (*Agreement, error) {
	if err := authz.Can(actor, authz.ManageRecruitment, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	e.OneOf("kind", in.Kind, AgreementKinds...)
	in.Body = e.Text("body", in.Body, true, 100000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	a := &Agreement{Kind: in.Kind, Body: in.Body}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM agreements WHERE kind = ?", a.Kind).Scan(&a.Version); err != nil {
			return err
		}
		a.CreatedAt = s.clock.Now()
		if err := q.QueryRow(ctx, "INSERT INTO agreements (kind, version, body, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			a.Kind, a.Version, a.Body, actor.Label(), a.CreatedAt).Scan(&a.ID); err != nil {
			return err
		}
		return s.append(ctx, q, actor, ActionAgreementVersion, events.Ref{Type: "agreement", ID: fmt.Sprint(a.ID)}, AgreementEvent{Kind: a.Kind, Version: a.Version})
	})
	return a, err
}

// CurrentAgreements lists the newest version of each agreement (anyone: they are the
// team's public terms).
func (s *Service) CurrentAgreements(ctx context.Context) ([]Agreement, error) {
	return s.currentAgreements(ctx, s.db.Read())
}

func (s *Service) currentAgreements(ctx context.Context, q db.Querier) ([]Agreement, error) {
	rows, err := q.Query(ctx, `SELECT id, kind, version, body, created_at FROM agreements a
		WHERE version = (SELECT MAX(version) FROM agreements b WHERE b.kind = a.kind) ORDER BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Agreement{}
	for rows.Next() {
		var a Agreement
		if err := rows.Scan(&a.ID, &a.Kind, &a.Version, &a.Body, &a.CreatedAt); err != nil {
			return nil, err
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Service) missingAgreements(ctx context.Context, q db.Querier, candidateID int64) ([]string, error) {
	cur, err := s.currentAgreements(ctx, q)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, a := range cur {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM agreement_acceptances WHERE agreement_id = ? AND candidate_id = ?", a.ID, candidateID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			missing = append(missing, fmt.Sprintf("%s v%d", a.Kind, a.Version))
		}
	}
	return missing, nil
}

// AgreementsForToken is what a candidate's private link shows: their name and the
// current agreements with whether they accepted each. A bad token is ErrNotFound.
func (s *Service) AgreementsForToken(ctx context.Context, token string) (string, []Agreement, []Accepted, error) {
	q := s.db.Read()
	c, err := s.candidateByToken(ctx, q, token)
	if err != nil {
		return "", nil, nil, err
	}
	cur, err := s.currentAgreements(ctx, q)
	if err != nil {
		return "", nil, nil, err
	}
	acc, err := s.accepted(ctx, q, "candidate_id", c.ID)
	return c.Name, cur, acc, err
}

func (s *Service) candidateByToken(ctx context.Context, q db.Querier, token string) (*Candidate, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, db.ErrNotFound
	}
	c, err := scanCandidate(q.QueryRow(ctx, "SELECT "+candidateColumns+" FROM candidates WHERE accept_token_hash = ?", hashToken(token)))
	if err != nil {
		return nil, err
	}
	if c.Stage != StageVetted {
		return nil, db.ErrNotFound // the link works while the candidate is vetted
	}
	return c, nil
}

// AcceptAgreements records that the candidate with the private token accepts the
// current version of each agreement in kinds (e-acceptance with timestamp).
func (s *Service) AcceptAgreements(ctx context.Context, token string, kinds []string) error {
	return s.db.InTx(ctx, func(q db.Querier) error {
		c, err := s.candidateByToken(ctx, q, token)
		if err != nil {
			return err
		}
		if len(kinds) == 0 {
			return validate.Field("accept", "tick each agreement you accept")
		}
		cur, err := s.currentAgreements(ctx, q)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, k := range kinds {
			i := slices.IndexFunc(cur, func(a Agreement) bool { return a.Kind == k })
			if i < 0 {
				return validate.Field("accept", "%q is not a current agreement", k)
			}
			var n int
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM agreement_acceptances WHERE agreement_id = ? AND candidate_id = ?", cur[i].ID, c.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue // accepting twice changes nothing
			}
			if _, err := q.Exec(ctx, "INSERT INTO agreement_acceptances (agreement_id, candidate_id, accepted_at) VALUES (?, ?, ?)", cur[i].ID, c.ID, now); err != nil {
				return err
			}
			if err := s.append(ctx, q, authz.Anonymous(), ActionAgreementAccepted, candidateRef(c.ID),
				AgreementEvent{Kind: k, Version: cur[i].Version, CandidateID: c.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Cohort is a group of new members who start together.
type Cohort struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	StartsOn string    `json:"starts_on"`
	Created  time.Time `json:"created_at"`
}

// NewCohort is the input to CreateCohort.
type NewCohort struct {
	Name     string `json:"name" maxLength:"200"`
	StartsOn string `json:"starts_on" doc:"YYYY-MM-DD"`
}

// CreateCohort adds a cohort (programme manager, admins).
func (s *Service) CreateCohort(ctx context.Context, actor authz.Actor, in NewCohort) (*Cohort, error) {
	if err := authz.Can(actor, authz.ManageRoster, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Name = e.Text("name", in.Name, true, 200)
	if _, err := time.Parse(time.DateOnly, strings.TrimSpace(in.StartsOn)); err != nil {
		e.Add("starts_on", "%q is not a date YYYY-MM-DD", in.StartsOn)
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	c := &Cohort{Name: in.Name, StartsOn: strings.TrimSpace(in.StartsOn), Created: s.clock.Now()}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "INSERT INTO cohorts (name, starts_on, created_at) VALUES (?, ?, ?) RETURNING id", c.Name, c.StartsOn, c.Created).Scan(&c.ID); err != nil {
			if db.IsUniqueViolation(err) {
				return validate.Field("name", "a cohort %q exists", c.Name)
			}
			return err
		}
		return s.append(ctx, q, actor, ActionCohortCreated, events.Ref{Type: "cohort", ID: fmt.Sprint(c.ID)}, CohortEvent{Name: c.Name, StartsOn: c.StartsOn})
	})
	return c, err
}

// Cohorts lists the cohorts (staff).
func (s *Service) Cohorts(ctx context.Context, actor authz.Actor) ([]Cohort, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().Query(ctx, "SELECT id, name, starts_on, created_at FROM cohorts ORDER BY starts_on, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Cohort{}
	for rows.Next() {
		var c Cohort
		if err := rows.Scan(&c.ID, &c.Name, &c.StartsOn, &c.Created); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
