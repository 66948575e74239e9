package survey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/ratelimit"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Job kinds this package registers.
const (
	JobRemind       = "survey.remind"        // daily: reminders to recipients who have not answered
	JobCaseFeedback = "survey.case_feedback" // hourly: a feedback survey for each newly closed case
)

// Config is what the surveys area needs to know of the team.
type Config struct {
	Team    string
	BaseURL string
	// RemindAfter is how long after the invitation (or the last reminder) a recipient who
	// has not answered is reminded; at most MaxReminders times.
	RemindAfter  time.Duration
	MaxReminders int
}

// Deps are the shared services the surveys area uses.
type Deps struct {
	DB     *db.DB
	Clock  clock.Clock
	Events *events.Log
	Jobs   *jobs.Queue
	Outbox *notify.Service
	Limits ratelimit.Store // the public link's rate limit (nil: in memory)
	Log    *slog.Logger
}

// Service is the surveys area.
type Service struct {
	Deps
	cfg     Config
	limiter *ratelimit.Limiter
}

// New returns the service and registers its job kinds (and their schedules).
func New(d Deps, cfg Config) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RemindAfter <= 0 {
		cfg.RemindAfter = 7 * 24 * time.Hour
	}
	if cfg.MaxReminders <= 0 {
		cfg.MaxReminders = 2
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Service{Deps: d, cfg: cfg}
	// Ten answers at once from one address, then one every three minutes.
	s.limiter = ratelimit.NewShared(d.Limits, d.Clock, "survey", 3*time.Minute, 10)
	d.Jobs.Register(JobRemind, jobs.Handler{Run: s.runRemind, Timeout: 2 * time.Minute})
	d.Jobs.Register(JobCaseFeedback, jobs.Handler{Run: s.runCaseFeedback, Timeout: 2 * time.Minute})
	d.Jobs.Every(JobRemind, 24*time.Hour, struct{}{})
	d.Jobs.Every(JobCaseFeedback, time.Hour, struct{}{})
	return s
}

// Errors of the public form.
var (
	// ErrClosed: the survey's close date has passed.
	ErrClosed = errors.New("this survey is closed")
	// ErrAnswered: this link (an identified recipient's) has been used.
	ErrAnswered = errors.New("this link has already been used to answer")
	// ErrRateLimited: too many answers from one address.
	ErrRateLimited = errors.New("too many answers from your network; please try again later")
)

type ruleError string

func (e ruleError) Error() string { return string(e) }
func (e ruleError) Rule() string  { return "survey" }

func ref(id int64) events.Ref { return events.Ref{Type: "survey", ID: fmt.Sprint(id)} }

func isNoRows(err error) bool { return errors.Is(err, db.ErrNotFound) || db.NotFound(err) }

func newToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Link is the public address of a token.
func (s *Service) Link(token string) string { return s.cfg.BaseURL + "/s/" + token }

// ---- building ----

// Created is the answer to a create: the survey's id and public link.
type Created struct {
	ID   int64  `json:"id"`
	Link string `json:"link" doc:"The public link: /s/<token> on this server."`
}

// Create builds a survey (programme manager, admins).
func (s *Service) Create(ctx context.Context, actor authz.Actor, in SurveyInput) (*Survey, error) {
	if err := authz.Can(actor, authz.ManageSurveys, nil); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		var err error
		id, err = s.insert(ctx, q, actor, in, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB.Read(), id)
}

func (s *Service) insert(ctx context.Context, q db.Querier, actor authz.Actor, in SurveyInput, caseID int64) (int64, error) {
	def, err := json.Marshal(Definition{Statements: in.Statements, Questions: in.Questions})
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now().UTC()
	var createdBy, cid any
	if actor.UserID != 0 {
		createdBy = actor.UserID
	}
	if caseID != 0 {
		cid = caseID
	}
	var id int64
	if err := q.QueryRow(ctx, `INSERT INTO surveys (title, intro, audience, anonymous, min_n, definition, public_token, case_id, closes_at, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Title, in.Intro, in.Audience, in.Anonymous, in.MinN, string(def), newToken(), cid,
		utcPtr(in.ClosesAt), createdBy, now, now).Scan(&id); err != nil {
		return 0, fmt.Errorf("survey: create: %w", err)
	}
	_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvCreated, Subject: ref(id), After: eventOf(in, caseID)})
	return id, err
}

func eventOf(in SurveyInput, caseID int64) SurveyEvent {
	return SurveyEvent{Title: in.Title, Audience: in.Audience, Anonymous: in.Anonymous, MinN: in.MinN, Questions: len(in.Questions),
		Statements: len(in.Statements), CaseID: caseID}
}

func utcPtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC()
}

// Update replaces a survey's settings and questions (programme manager, admins). Once
// it has responses its statements and questions may not change (409): the answers
// would no longer fit them; title, intro, minimum n and close date may.
func (s *Service) Update(ctx context.Context, actor authz.Actor, id int64, in SurveyInput) (*Survey, error) {
	if err := authz.Can(actor, authz.ManageSurveys, nil); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		cur, err := s.get(ctx, q, id)
		if err != nil {
			return err
		}
		def, err := json.Marshal(Definition{Statements: in.Statements, Questions: in.Questions})
		if err != nil {
			return err
		}
		old, _ := json.Marshal(cur.Definition())
		if cur.Responses > 0 && string(old) != string(def) {
			return ruleError("the survey has responses: its statements and questions can no longer change")
		}
		if cur.Responses > 0 && cur.Anonymous != in.Anonymous {
			return ruleError("the survey has responses: it can no longer change between anonymous and identified")
		}
		if in.Anonymous && cur.Recipients > 0 {
			return ruleError("the survey has invited recipients: it cannot become anonymous")
		}
		if _, err := q.Exec(ctx, `UPDATE surveys SET title = ?, intro = ?, audience = ?, anonymous = ?, min_n = ?, definition = ?, closes_at = ?, updated_at = ? WHERE id = ?`,
			in.Title, in.Intro, in.Audience, in.Anonymous, in.MinN, string(def), utcPtr(in.ClosesAt), s.Clock.Now().UTC(), id); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvUpdated, Subject: ref(id), After: eventOf(in, cur.CaseID)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB.Read(), id)
}

// ---- reading ----

const surveyColumns = `id, title, intro, audience, anonymous, min_n, definition, public_token, case_id, closes_at, created_at, updated_at,
	(SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = surveys.id), (SELECT COUNT(*) FROM survey_recipients p WHERE p.survey_id = surveys.id)`

func (s *Service) scan(row interface{ Scan(...any) error }) (*Survey, error) {
	var sv Survey
	var def string
	var caseID *int64
	var closes *time.Time
	if err := row.Scan(&sv.ID, &sv.Title, &sv.Intro, &sv.Audience, &sv.Anonymous, &sv.MinN, &def, &sv.token, &caseID, &closes, &sv.CreatedAt, &sv.UpdatedAt,
		&sv.Responses, &sv.Recipients); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	var d Definition
	if err := json.Unmarshal([]byte(def), &d); err != nil {
		return nil, fmt.Errorf("survey %d: definition: %w", sv.ID, err)
	}
	sv.Statements, sv.Questions = d.Statements, d.Questions
	if sv.Statements == nil {
		sv.Statements = []SurveyStatement{}
	}
	if caseID != nil {
		sv.CaseID = *caseID
	}
	if closes != nil {
		c := closes.UTC()
		sv.ClosesAt = &c
		sv.Closed = !s.Clock.Now().Before(c)
	}
	sv.CreatedAt, sv.UpdatedAt = sv.CreatedAt.UTC(), sv.UpdatedAt.UTC()
	sv.Link = s.Link(sv.token)
	return &sv, nil
}

func (s *Service) get(ctx context.Context, q db.Querier, id int64) (*Survey, error) {
	return s.scan(q.QueryRow(ctx, "SELECT "+surveyColumns+" FROM surveys WHERE id = ?", id))
}

// Get returns one survey (staff).
func (s *Service) Get(ctx context.Context, actor authz.Actor, id int64) (*Survey, error) {
	if err := authz.Can(actor, authz.ViewSurveys, nil); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB.Read(), id)
}

// List returns the surveys, newest first (staff).
func (s *Service) List(ctx context.Context, actor authz.Actor) ([]Survey, error) {
	if err := authz.Can(actor, authz.ViewSurveys, nil); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read().Query(ctx, "SELECT "+surveyColumns+" FROM surveys ORDER BY id DESC LIMIT 1000")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Survey{}
	for rows.Next() {
		sv, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sv)
	}
	return out, rows.Err()
}

// ---- distribution ----

// SurveyInvite invites recipients by e-mail, each with their own link.
type SurveyInvite struct {
	Emails   []string `json:"emails" maxItems:"500" doc:"Addresses; one already invited is skipped."`
	Audience string   `json:"audience,omitempty" doc:"The recipients' audience (default: the survey's)."`
}

// Invited says how many invitations were queued.
type Invited struct {
	Invited int `json:"invited"`
	Skipped int `json:"skipped" doc:"Addresses invited before."`
}

// Invite gives each new address a unique link and queues the invitation (programme
// manager, admins). Anonymous surveys have only their public link (409).
func (s *Service) Invite(ctx context.Context, actor authz.Actor, id int64, in SurveyInvite) (*Invited, error) {
	if err := authz.Can(actor, authz.ManageSurveys, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	var emails []string
	if len(in.Emails) == 0 {
		e.Add("emails", "give at least one address")
	}
	for i, m := range in.Emails {
		if v := e.Email(fmt.Sprintf("emails[%d]", i), m, true); v != "" {
			emails = append(emails, v)
		}
	}
	if in.Audience != "" && !containsStr(Audiences, in.Audience) {
		e.Add("audience", "%q is not an audience (want one of %s)", in.Audience, strings.Join(Audiences, ", "))
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	res := &Invited{}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		sv, err := s.get(ctx, q, id)
		if err != nil {
			return err
		}
		if sv.Anonymous {
			return ruleError("an anonymous survey is answered through its public link only: unique links would identify respondents")
		}
		if sv.Closed {
			return ruleError("the survey is closed")
		}
		aud := in.Audience
		if aud == "" {
			aud = sv.Audience
		}
		*res = Invited{}
		for _, m := range emails {
			ok, err := s.invite(ctx, q, sv, m, aud)
			if err != nil {
				return err
			}
			if ok {
				res.Invited++
			} else {
				res.Skipped++
			}
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvInvited, Subject: ref(id), After: InviteEvent{Recipients: res.Invited}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func containsStr(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// invite adds one recipient and queues their invitation; false when already invited.
func (s *Service) invite(ctx context.Context, q db.Querier, sv *Survey, email, audience string) (bool, error) {
	tok := newToken()
	res, err := q.Exec(ctx, `INSERT INTO survey_recipients (survey_id, email, audience, token, invited_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (survey_id, email) DO NOTHING`, sv.ID, email, audience, tok, s.Clock.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("survey: invite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = s.Outbox.Queue(ctx, q, notify.Message{To: email, Subject: fmt.Sprintf("[%s] %s", s.cfg.Team, sv.Title),
		Body: s.mailBody(sv, tok, false), Purpose: "survey.invitation", CaseID: sv.CaseID})
	return err == nil, err
}

func (s *Service) mailBody(sv *Survey, tok string, reminder bool) string {
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	if reminder {
		b.WriteString("a reminder: we would still like to hear from you.\n\n")
	}
	fmt.Fprintf(&b, "%s asks for a few minutes of your time: %q (%d questions).\n\nYour personal link (please do not share it):\n%s\n",
		s.cfg.Team, sv.Title, len(sv.Questions), s.Link(tok))
	if sv.ClosesAt != nil {
		fmt.Fprintf(&b, "\nThe survey closes on %s.\n", sv.ClosesAt.Format("2 January 2006, 15:04 UTC"))
	}
	fmt.Fprintf(&b, "\nThank you,\n%s\n", s.cfg.Team)
	return b.String()
}

// ---- answering ----

// Form is what the public form needs: the survey and, for a recipient's link, whether
// it has been used.
type Form struct {
	Survey      *Survey
	RecipientID int64
	Answered    bool // the recipient has answered
}

// Open finds the survey of a link token (public or a recipient's); db.ErrNotFound for
// none. It does not check the close date (the form says the survey is closed).
func (s *Service) Open(ctx context.Context, token string) (*Form, error) {
	if token == "" || len(token) > 64 {
		return nil, db.ErrNotFound
	}
	q := s.DB.Read()
	sv, err := s.scan(q.QueryRow(ctx, "SELECT "+surveyColumns+" FROM surveys WHERE public_token = ?", token))
	if err == nil {
		return &Form{Survey: sv}, nil
	}
	if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	var sid, rid int64
	var responded *time.Time
	if err := q.QueryRow(ctx, "SELECT survey_id, id, responded_at FROM survey_recipients WHERE token = ?", token).Scan(&sid, &rid, &responded); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	sv, err = s.get(ctx, q, sid)
	if err != nil {
		return nil, err
	}
	return &Form{Survey: sv, RecipientID: rid, Answered: responded != nil}, nil
}

// Respond stores one response given through a link. client is the respondent's address,
// used only for the rate limit of the public link (as a keyed hash, never stored with
// the answers). The answers of an anonymous survey are stored with no recipient, no
// address, no browser and only the day they came.
func (s *Service) Respond(ctx context.Context, token, client string, raw map[string][]string) (*Form, error) {
	f, err := s.Open(ctx, token)
	if err != nil {
		return nil, err
	}
	sv := f.Survey
	if sv.Closed {
		return f, ErrClosed
	}
	if f.Answered {
		return f, ErrAnswered
	}
	answers, err := sv.Definition().Clean(raw)
	if err != nil {
		return f, err
	}
	if f.RecipientID == 0 {
		if ok, _ := s.limiter.AllowContext(ctx, limitKey(sv.ID, client)); !ok {
			return f, ErrRateLimited
		}
	}
	enc, err := json.Marshal(answers)
	if err != nil {
		return f, err
	}
	now := s.Clock.Now().UTC()
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		audience := sv.Audience
		var rid any
		if f.RecipientID != 0 {
			// Claim the link: a second submission through it finds it used.
			res, err := q.Exec(ctx, "UPDATE survey_recipients SET responded_at = ? WHERE id = ? AND responded_at IS NULL", now, f.RecipientID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrAnswered
			}
			if err := q.QueryRow(ctx, "SELECT audience FROM survey_recipients WHERE id = ?", f.RecipientID).Scan(&audience); err != nil {
				return err
			}
			if !sv.Anonymous {
				rid = f.RecipientID
			}
		}
		if _, err := q.Exec(ctx, "INSERT INTO survey_responses (survey_id, recipient_id, audience, answers, submitted_on) VALUES (?, ?, ?, ?, ?)",
			sv.ID, rid, audience, string(enc), now.Format("2006-01-02")); err != nil {
			return fmt.Errorf("survey: respond: %w", err)
		}
		if sv.Anonymous {
			return nil // no event: its exact time could be matched with a request log
		}
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", sv.ID).Scan(&n); err != nil {
			return err
		}
		_, err := s.Events.Append(ctx, q, authz.Anonymous(), events.Entry{Action: EvResponse, Subject: ref(sv.ID), CaseID: sv.CaseID,
			After: ResponseEvent{Responses: n}})
		return err
	})
	if err != nil {
		return f, err
	}
	return f, nil
}

// limitKey is the public link's rate-limit key: a hash of the survey and the client's
// network (an IPv4 address, an IPv6 /64), so the rate-limit store never holds an
// address.
func limitKey(surveyID int64, client string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("survey:%d:%s", surveyID, ratelimit.Source(client))))
	return hex.EncodeToString(h[:12])
}
