package cases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Job kinds of the cases.
const (
	JobPDReached        = "cases.pd_reached"
	JobPDReminder       = "cases.pd_reminder"
	JobDownstreamNotice = "cases.downstream_notice"
	// JobDownstreamNoticeOne sends the embargoed notice to one downstream party; the
	// notice job plans one per party, staggered (see runNotice).
	JobDownstreamNoticeOne = "cases.downstream_notice_one"
)

func (s *Service) registerJobs() {
	s.jobs.Register(JobPDReached, jobs.Handler{Run: s.runPDReached, MaxAttempts: 20, Timeout: time.Minute})
	s.jobs.Register(JobPDReminder, jobs.Handler{Run: s.runReminder, MaxAttempts: 10, Timeout: time.Minute})
	s.jobs.Register(JobDownstreamNotice, jobs.Handler{Run: s.runNotice, MaxAttempts: 10, Timeout: 5 * time.Minute})
	s.jobs.Register(JobDownstreamNoticeOne, jobs.Handler{Run: s.runNoticeOne, MaxAttempts: 10, Timeout: time.Minute})
}

// EmbargoInput is one embargo action.
type EmbargoInput struct {
	Action     string `json:"action" enum:"propose,accept,reject,counter,revise,exit"`
	PublicDate string `json:"public_date,omitempty" doc:"For propose, counter, revise: an instant in RFC 3339 with its time zone, e.g. 2026-05-12T15:00:00+02:00. Stored in UTC."`
	// ParticipantID lets a coordinator record the answer of a participant who answered
	// by mail or phone (an email contact without an account).
	ParticipantID int64  `json:"participant_id,omitempty" doc:"Coordinators: record this participant's answer on their behalf."`
	Reason        string `json:"reason,omitempty" maxLength:"2000"`
}

// EmbargoResult is the embargo after an action, with advice about the date.
type EmbargoResult struct {
	CaseID  string   `json:"case_id"`
	Embargo *Embargo `json:"embargo"`
}

// parseInstant reads an RFC 3339 instant that names its zone.
func parseInstant(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, validate.Field(field, "is required for this action: an instant with its time zone, e.g. 2026-05-12T15:00:00+02:00")
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, validate.Field(field, "%q is not an instant with a time zone (want RFC 3339, e.g. 2026-05-12T15:00:00+02:00 or …Z)", v)
	}
	return t.UTC(), nil
}

// checkDate applies the policy to a proposed public date: in the future, and no more
// than EmbargoMaxDays away.
func (s *Service) checkDate(field string, pd time.Time) error {
	now := s.clock.Now()
	if !pd.After(now) {
		return validate.Field(field, "%s is in the past; propose a future instant", pd.Format(time.RFC3339))
	}
	limit := now.AddDate(0, 0, s.cfg.Policy.EmbargoMaxDays)
	if pd.After(limit) {
		return validate.Field(field, "%s is %d days away; the team's embargo limit is %d days (latest %s). Propose an earlier date, or revise it later if the fix needs more time",
			pd.Format(time.RFC3339), int(pd.Sub(now).Hours()/24), s.cfg.Policy.EmbargoMaxDays, limit.Format("2006-01-02"))
	}
	return nil
}

// Embargo applies an embargo action: propose, accept, reject, counter, revise, exit.
// A party answers for itself (a read-in participant) or for the team (a coordinator);
// a coordinator may record an answer for a participant with ParticipantID. The
// embargo becomes active when every required party accepted the current proposal. A
// transition the model forbids is a *RuleError naming the rule.
func (s *Service) Embargo(ctx context.Context, actor authz.Actor, ref string, in EmbargoInput) (*EmbargoResult, error) {
	act, date, e := s.embargoInput(&in)
	var res *EmbargoResult
	err := s.db.InTx(ctx, func(q db.Querier) error {
		need := authz.PostShared
		if act == ActExit {
			need = authz.CoordinateCase
		}
		a, err := s.open(ctx, q, actor, ref, need)
		if err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		c := a.c
		ps, err := s.participants(ctx, q, c.ID)
		if err != nil {
			return err
		}
		party := Team
		coord := a.can(actor, authz.CoordinateCase) == nil
		switch {
		case in.ParticipantID != 0:
			if !coord {
				return authz.ErrForbidden
			}
			if participantByID(ps, in.ParticipantID) == nil {
				return validate.Field("participant_id", "%d is not a participant of %s", in.ParticipantID, c.PublicID)
			}
			party = in.ParticipantID
		case coord:
			party = Team
		case a.me != nil:
			party = a.me.ID
		}
		res, err = s.embargoStep(ctx, q, actor, c, ps, party, act, date, in.Reason)
		return err
	})
	return res, err
}

// embargoInput checks an embargo action's input: the action, its date, the reason.
func (s *Service) embargoInput(in *EmbargoInput) (EmbargoAction, time.Time, validate.Errors) {
	act := EmbargoAction(strings.ToLower(strings.TrimSpace(in.Action)))
	var e validate.Errors
	valid := false
	for _, x := range EmbargoActions {
		valid = valid || x == act
	}
	if !valid {
		e.Add("action", "%q is not an embargo action (want propose, accept, reject, counter, revise or exit)", in.Action)
	}
	in.Reason = e.Text("reason", in.Reason, false, 2000)
	var date time.Time
	if act == ActPropose || act == ActCounter || act == ActRevise {
		var err error
		if date, err = parseInstant("public_date", in.PublicDate); err == nil {
			err = s.checkDate("public_date", date)
		}
		if fe, ok := validate.As(err); ok {
			e = append(e, fe...)
		}
	}
	return act, date, e
}

// embargoStep applies party's action to case c inside q: the model's step, the stored
// state and answer, the event.
func (s *Service) embargoStep(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, ps []*Participant, party int64, act EmbargoAction, date time.Time, reason string) (*EmbargoResult, error) {
	st, _, err := s.modelState(ctx, q, c, ps)
	if err != nil {
		return nil, err
	}
	next, err := Step(st, Event{Party: party, Action: act, Date: date})
	if err != nil {
		return nil, err
	}
	if err := s.store(ctx, q, actor, c, st, next, party, act); err != nil {
		return nil, err
	}
	details := map[string]any{"action": act, "party": partyName(ps, party, s.cfg.Team), "state": next.EM, "round": next.Round}
	if !date.IsZero() {
		details["public_date"] = date
	}
	if reason != "" {
		details["reason"] = reason
	}
	action := "case.embargo." + string(act)
	if next.EM == EMActive && st.EM != EMActive {
		action = "case.embargo.agreed"
	}
	if err := s.appendEvent(ctx, q, actor, c, action, map[string]any{"state": st.EM, "round": st.Round}, details); err != nil {
		return nil, err
	}
	fresh, err := s.loadByID(ctx, q, c.ID)
	if err != nil {
		return nil, err
	}
	fresh.Participants = ps
	if err := s.fillEmbargo(ctx, q, fresh); err != nil {
		return nil, err
	}
	res := &EmbargoResult{CaseID: c.PublicID, Embargo: fresh.Embargo}
	if !date.IsZero() && len(fresh.Embargo.Warnings) == 0 {
		for _, w := range s.cfg.Policy.CheckPublicDate(s.cfg.Calendar, date) {
			res.Embargo.Warnings = append(res.Embargo.Warnings, w.Message)
		}
		if w := s.leadTimeWarning(date); w != "" {
			res.Embargo.Warnings = append(res.Embargo.Warnings, w)
		}
	}
	return res, nil
}

func partyName(ps []*Participant, party int64, team string) string {
	if party == Team {
		return team
	}
	if p := participantByID(ps, party); p != nil {
		return p.Label()
	}
	return fmt.Sprint(party)
}

// store writes the model's next state of case c, the party's answer, and schedules
// what an agreed public date sets off.
func (s *Service) store(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, prev, next State, party int64, act EmbargoAction) error {
	now := s.clock.Now()
	proposedBy := c.Embargo.ProposedBy
	if next.Round != prev.Round {
		proposedBy = actor.Label()
	}
	if _, err := q.Exec(ctx, `UPDATE cases SET em_state = ?, em_round = ?, proposed_date = ?, proposed_by = ?, proposed_at = ?, public_date = ?, updated_at = ? WHERE id = ?`,
		string(next.EM), next.Round, nullTime(next.Proposed), proposedBy, now, nullTime(next.PD), now, c.ID); err != nil {
		return fmt.Errorf("cases: store embargo: %w", err)
	}
	if act != "" && next.Round > 0 {
		ans, ok := next.Answers[party]
		if ok {
			var date any
			if act == ActCounter || act == ActPropose || act == ActRevise {
				date = nullTime(next.Proposed)
				if next.Proposed.IsZero() {
					date = nullTime(next.PD)
				}
			}
			round := next.Round
			if act == ActReject {
				round = prev.Round
			}
			if act == ActCounter && ans == AnswerAccepted {
				// The counter-proposer's answer to the previous round was "countered".
				if _, err := q.Exec(ctx, `INSERT INTO case_consents (case_id, round, member_id, answer, public_date, actor, at) VALUES (?, ?, ?, 'countered', ?, ?, ?)
					ON CONFLICT (case_id, round, member_id) DO UPDATE SET answer = 'countered', public_date = excluded.public_date, actor = excluded.actor, at = excluded.at`,
					c.ID, prev.Round, party, date, actor.Label(), now); err != nil {
					return err
				}
			}
			if _, err := q.Exec(ctx, `INSERT INTO case_consents (case_id, round, member_id, answer, public_date, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (case_id, round, member_id) DO UPDATE SET answer = excluded.answer, public_date = excluded.public_date, actor = excluded.actor, at = excluded.at`,
				c.ID, round, party, string(ans), date, actor.Label(), now); err != nil {
				return fmt.Errorf("cases: record consent: %w", err)
			}
		}
	}
	if (next.EM == EMActive && !next.PD.Equal(prev.PD)) || (next.EM == EMActive && prev.EM != EMActive) {
		if err := s.schedule(ctx, q, c, next.PD); err != nil {
			return err
		}
		if s.advisories != nil && !prev.PD.IsZero() && !next.PD.Equal(prev.PD) {
			if _, err := s.advisories.CaseDateMoved(ctx, q, c.ID, prev.PD, next.PD); err != nil {
				return err
			}
		}
		if c.Phase == "triage" || c.Phase == "validate" {
			if _, err := q.Exec(ctx, "UPDATE cases SET phase = 'coordination' WHERE id = ?", c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

type pdArgs struct {
	Case int64     `json:"case"`
	PD   time.Time `json:"pd"`
}

// schedule enqueues the jobs of an agreed public date: the reminder, the downstream
// notice and the PD transition. Each is keyed by the date, so a moved date gets new
// jobs and the old ones find a different date and do nothing.
func (s *Service) schedule(ctx context.Context, q db.Querier, c *Case, pd time.Time) error {
	args := pdArgs{Case: c.ID, PD: pd.UTC()}
	key := fmt.Sprintf("case:%d:%d", c.ID, pd.Unix())
	if _, err := s.jobs.Enqueue(ctx, q, JobPDReached, args, jobs.Options{RunAt: pd, UniqueKey: key + ":pd"}); err != nil {
		return err
	}
	remind := s.cfg.Calendar.AddBusinessDays(pd, -s.cfg.ReminderDays)
	if _, err := s.jobs.Enqueue(ctx, q, JobPDReminder, args, jobs.Options{RunAt: remind, UniqueKey: key + ":reminder"}); err != nil {
		return err
	}
	_, err := s.jobs.Enqueue(ctx, q, JobDownstreamNotice, args, jobs.Options{RunAt: s.noticeAt(pd), UniqueKey: key + ":notice"})
	return err
}

// noticeAt is when the embargoed downstream notice of a PD at pd starts going out:
// NoticeDays working days before pd, or — when that moment has passed (the PD is too
// close, which the proposal warned of) — the earliest allowed moment: now, if now is
// within working hours, else the start of the next working day (never after pd).
func (s *Service) noticeAt(pd time.Time) time.Time {
	at := s.cfg.Calendar.AddBusinessDays(pd, -s.cfg.NoticeDays)
	now := s.clock.Now()
	if at.After(now) {
		return at
	}
	at = s.earliestWorkingMoment(now)
	if at.After(pd) {
		at = now
	}
	return at
}

// earliestWorkingMoment is t if it falls within the team's working hours on a working
// day, else the start of the next working hours.
func (s *Service) earliestWorkingMoment(t time.Time) time.Time {
	cal := s.cfg.Calendar
	start, end := cal.WorkdayStart, cal.WorkdayEnd
	if start == 0 && end == 0 {
		start, end = 9*time.Hour, 17*time.Hour
	}
	l := cal.In(t)
	midnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, l.Location())
	since := l.Sub(midnight)
	if cal.IsBusinessDay(l) {
		if since >= start && since < end {
			return t
		}
		if since < start {
			return midnight.Add(start)
		}
	}
	return cal.NextBusinessDay(l).Add(start)
}

// leadTimeWarning warns when pd leaves less than the downstream notice period
// (NoticeDays working days) from now.
func (s *Service) leadTimeWarning(pd time.Time) string {
	now := s.clock.Now()
	if !s.cfg.Calendar.AddBusinessDays(pd, -s.cfg.NoticeDays).Before(now) {
		return ""
	}
	days := s.cfg.Calendar.BusinessDaysBetween(now, pd)
	return fmt.Sprintf("The public date %s is only %.1f working days away: downstream parties should get the embargoed notice %d working days before it. "+
		"If the date stands, the notices go out at the earliest allowed moment, one party at a time; consider a later date.",
		pd.UTC().Format(time.RFC3339), days, s.cfg.NoticeDays)
}

// current loads the case of a scheduled job and reports whether the job's date is still
// the agreed one of an active embargo.
func (s *Service) current(ctx context.Context, q db.Querier, a pdArgs) (*Case, bool, error) {
	c, err := s.loadByID(ctx, q, a.Case)
	if err != nil {
		return nil, false, jobs.Cancel(err)
	}
	ok := (c.Embargo.State == EMActive || c.Embargo.State == EMRevise) && c.Embargo.PublicDate != nil && c.Embargo.PublicDate.Equal(a.PD)
	return c, ok, nil
}

// runPDReached is the public date: the embargo exits, TLP goes from RED to CLEAR, the
// public is aware, and the case moves to Disclose.
func (s *Service) runPDReached(ctx context.Context, j jobs.Job) error {
	var a pdArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		c, ok, err := s.current(ctx, q, a)
		if err != nil || !ok {
			return err
		}
		return s.reachPD(ctx, q, authz.System("cases"), c)
	})
}

func (s *Service) reachPD(ctx context.Context, q db.Querier, actor authz.Actor, c *Case) error {
	ps, err := s.participants(ctx, q, c.ID)
	if err != nil {
		return err
	}
	st, _, err := s.modelState(ctx, q, c, ps)
	if err != nil {
		return err
	}
	next, err := Step(st, Event{PDReached: true})
	if err != nil {
		return err
	}
	if err := s.store(ctx, q, actor, c, st, next, Team, ""); err != nil {
		return err
	}
	n, err := s.makePublic(ctx, q, c, false)
	if err != nil {
		return err
	}
	return s.appendEvent(ctx, q, actor, c, "case.pd_reached", map[string]any{"tlp": c.TLP, "embargo": st.EM},
		map[string]any{"tlp": "CLEAR", "embargo": next.EM, "public_date": next.PD, "advisories": n})
}

// makePublic is the public state every end of an embargo reaches — the public date,
// an early release or a break: TLP:CLEAR, the Disclose phase, the public aware; and the
// case's advisories follow (early: every approved one now; at PD: the scheduled ones).
// It returns how many advisories will publish.
func (s *Service) makePublic(ctx context.Context, q db.Querier, c *Case, early bool) (int, error) {
	now := s.clock.Now()
	if _, err := q.Exec(ctx, "UPDATE cases SET tlp = 'CLEAR', phase = 'disclose', public_aware_at = COALESCE(public_aware_at, ?), updated_at = ? WHERE id = ?", now, now, c.ID); err != nil {
		return 0, err
	}
	if s.advisories == nil {
		return 0, nil
	}
	return s.advisories.CasePublic(ctx, q, c.ID, early)
}

// CaseEmbargo implements advisory.EmbargoGuard: the agreed public date of case caseID
// and whether the case is public. It is the only way the advisory service learns of a
// case's embargo.
func (s *Service) CaseEmbargo(ctx context.Context, q db.Querier, caseID int64) (advisory.CaseEmbargo, error) {
	c, err := s.loadByID(ctx, q, caseID)
	if err != nil {
		return advisory.CaseEmbargo{}, err
	}
	// Public only once the case is (TLP:CLEAR): the public date was reached, or a
	// coordinator recorded an early release or a break. A party marking "public aware"
	// ends the embargo but does not publish the team's advisories by itself.
	ce := advisory.CaseEmbargo{CaseID: c.PublicID, Public: c.TLP == "CLEAR"}
	if c.Embargo.State == EMActive || c.Embargo.State == EMRevise {
		ce.PublicDate = c.Embargo.PublicDate
	}
	return ce, nil
}

// AdvisoryFollower is the advisory service as the cases see it: the case's advisories
// follow its public date and its going public (app wires it with SetAdvisories). Both
// run in the caller's transaction.
type AdvisoryFollower interface {
	CaseDateMoved(ctx context.Context, q db.Querier, caseID int64, from, to time.Time) (int, error)
	CasePublic(ctx context.Context, q db.Querier, caseID int64, early bool) (int, error)
}

// SetAdvisories wires in the advisories that follow a case (see AdvisoryFollower).
func (s *Service) SetAdvisories(a AdvisoryFollower) { s.advisories = a }

// runReminder reminds the read-in participants and coordinators of the coming PD.
func (s *Service) runReminder(ctx context.Context, j jobs.Job) error {
	var a pdArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		c, ok, err := s.current(ctx, q, a)
		if err != nil || !ok {
			return err
		}
		ps, err := s.participants(ctx, q, c.ID)
		if err != nil {
			return err
		}
		subject := fmt.Sprintf("[%s] %s: public disclosure %s", s.cfg.Team, c.PublicID, a.PD.Format("Mon 2 Jan 2006 15:04 UTC"))
		body := fmt.Sprintf("Reminder: the embargo on case %s (%s) ends at %s. Please have fixes and advisories ready.\n\nCase: %s\n",
			c.PublicID, c.Title, a.PD.Format(time.RFC3339), s.URL(c))
		for _, p := range ps {
			if !p.SeesContent() || p.Email == "" {
				continue
			}
			if _, err := s.queueMail(ctx, q, c, p, subject, body, fmt.Sprintf("case.pd_reminder:%d", a.PD.Unix()), false); err != nil {
				return err
			}
		}
		return s.appendEvent(ctx, q, authz.System("cases"), c, "case.pd_reminder", nil, map[string]any{"public_date": a.PD})
	})
}

// runNotice plans the embargoed notification (template EmbargoedNotification) to the
// downstream participants: not all at once, but one job per party, NoticeStagger apart
// (squeezed when the public date is near so that the last goes out well before it).
func (s *Service) runNotice(ctx context.Context, j jobs.Job) error {
	var a pdArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		c, ok, err := s.current(ctx, q, a)
		if err != nil || !ok {
			return err
		}
		ps, err := s.participants(ctx, q, c.ID)
		if err != nil {
			return err
		}
		var to []*Participant
		for _, p := range ps {
			if p.Role == string(authz.CaseDownstream) && p.SeesContent() && p.Email != "" {
				to = append(to, p)
			}
		}
		now := s.clock.Now()
		gap := s.cfg.NoticeStagger
		if left := a.PD.Sub(now) / 2; len(to) > 0 && gap*time.Duration(len(to)) > left {
			gap = left / time.Duration(len(to))
		}
		for i, p := range to {
			at := now.Add(gap * time.Duration(i))
			args := noticeArgs{Case: c.ID, PD: a.PD, Participant: p.ID}
			if _, err := s.jobs.Enqueue(ctx, q, JobDownstreamNoticeOne, args, jobs.Options{RunAt: at,
				UniqueKey: fmt.Sprintf("case:%d:%d:notice:%d", c.ID, a.PD.Unix(), p.ID)}); err != nil {
				return err
			}
		}
		return s.appendEvent(ctx, q, authz.System("cases"), c, "case.downstream_notice_planned", nil,
			map[string]any{"public_date": a.PD, "recipients": len(to), "stagger_seconds": int(gap.Seconds())})
	})
}

type noticeArgs struct {
	Case        int64     `json:"case"`
	PD          time.Time `json:"pd"`
	Participant int64     `json:"participant"`
}

// runNoticeOne sends the embargoed notice to one downstream party, if the embargo still
// has that date and the party is still read in.
func (s *Service) runNoticeOne(ctx context.Context, j jobs.Job) error {
	var a noticeArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		c, ok, err := s.current(ctx, q, pdArgs{Case: a.Case, PD: a.PD})
		if err != nil || !ok {
			return err
		}
		ps, err := s.participants(ctx, q, c.ID)
		if err != nil {
			return err
		}
		p := participantByID(ps, a.Participant)
		if p == nil {
			return nil
		}
		n, err := s.sendTemplate(ctx, q, c, []*Participant{p}, templates.EmbargoedNotification, fmt.Sprintf("case.downstream_notice:%d", a.PD.Unix()),
			func(p *Participant) bool { return p.Role == string(authz.CaseDownstream) && p.SeesContent() },
			map[string]any{"PublicDate": a.PD.Format("Mon 2 Jan 2006 15:04 UTC")})
		if err != nil || n == 0 {
			return err
		}
		return s.appendEvent(ctx, q, authz.System("cases"), c, "case.downstream_notified", nil, map[string]any{"public_date": a.PD, "recipients": n})
	})
}

// sendTemplate renders a team template for every participant who passes want and
// queues it; it returns how many were queued. Purpose keys the message per recipient.
func (s *Service) sendTemplate(ctx context.Context, q db.Querier, c *Case, ps []*Participant, tmpl, purpose string, want func(*Participant) bool, extra map[string]any) (int, error) {
	if s.templates == nil || s.outbox == nil {
		return 0, nil
	}
	data := map[string]any{"Team": s.cfg.Team, "CaseID": c.PublicID, "Title": c.Title, "Summary": c.Summary, "CaseURL": s.URL(c)}
	for k, v := range extra {
		data[k] = v
	}
	subject, body, err := s.templates.RenderTx(ctx, q, tmpl, data)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range ps {
		if p.Email == "" || !want(p) {
			continue
		}
		if _, err := s.queueMail(ctx, q, c, p, subject, body, purpose, false); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// FactsInput marks case-state facts true. Facts only ever become true; false or absent
// leaves a fact as it is.
type FactsInput struct {
	VendorAware     bool `json:"vendor_aware,omitempty"`
	FixReady        bool `json:"fix_ready,omitempty"`
	FixDeployed     bool `json:"fix_deployed,omitempty"`
	PublicAware     bool `json:"public_aware,omitempty"`
	ExploitPublic   bool `json:"exploit_public,omitempty"`
	AttacksObserved bool `json:"attacks_observed,omitempty"`
}

func (in FactsInput) list() []Fact {
	var out []Fact
	for _, x := range []struct {
		on bool
		f  Fact
	}{{in.VendorAware, FactVendorAware}, {in.FixReady, FactFixReady}, {in.FixDeployed, FactFixDeployed},
		{in.PublicAware, FactPublicAware}, {in.ExploitPublic, FactExploitPublic}, {in.AttacksObserved, FactAttacksObserved}} {
		if x.on {
			out = append(out, x.f)
		}
	}
	return out
}

// SetFacts marks facts of a case true, in the model's order, enforcing its ordering
// constraints (a fix is deployed only once ready, ready only once the owner is aware).
// Public awareness, a public exploit or observed attacks end an active embargo and
// drop a pending proposal.
func (s *Service) SetFacts(ctx context.Context, actor authz.Actor, ref string, in FactsInput) (*Case, error) {
	fs := in.list()
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.PostShared)
		if err != nil {
			return err
		}
		if len(fs) == 0 {
			return validate.Field("facts", "name at least one fact to mark true: vendor_aware, fix_ready, fix_deployed, public_aware, exploit_public, attacks_observed")
		}
		party := Team
		if a.me != nil && a.can(actor, authz.CoordinateCase) != nil {
			party = a.me.ID
		}
		return s.applyFacts(ctx, q, actor, a.c, party, fs)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, ref)
}

// applyFacts steps the model through fs and stores the result with one event.
func (s *Service) applyFacts(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, party int64, fs []Fact) error {
	ps, err := s.participants(ctx, q, c.ID)
	if err != nil {
		return err
	}
	st, _, err := s.modelState(ctx, q, c, ps)
	if err != nil {
		return err
	}
	next := st
	for _, f := range fs {
		if next, err = Step(next, Event{Party: party, Fact: f}); err != nil {
			return err
		}
	}
	now := s.clock.Now()
	var changed []Fact
	for _, f := range Facts {
		if next.Facts[f] && !st.Facts[f] {
			changed = append(changed, f)
			if _, err := q.Exec(ctx, "UPDATE cases SET "+string(f)+"_at = ? WHERE id = ? AND "+string(f)+"_at IS NULL", now, c.ID); err != nil {
				return err
			}
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := s.store(ctx, q, actor, c, st, next, party, ""); err != nil {
		return err
	}
	c.state = next
	for _, f := range changed {
		*c.Facts.ptr(f) = &now
	}
	after := map[string]any{"facts": changed, "embargo": next.EM}
	if next.EM != st.EM {
		after["embargo_before"] = st.EM
	}
	return s.appendEvent(ctx, q, actor, c, "case.facts", nil, after)
}

// BreakInput is an embargo break: what became known and the new public date.
type BreakInput struct {
	Reason          string `json:"reason" maxLength:"2000" doc:"What happened (leak, exploitation in the wild…); sent to every read-in party."`
	ExploitPublic   bool   `json:"exploit_public,omitempty"`
	AttacksObserved bool   `json:"attacks_observed,omitempty"`
	PublicDate      string `json:"public_date,omitempty" doc:"When it became public (RFC 3339 with zone), recorded as the public date; default now. Not in the future: a break makes the case public at once."`
}

// BreakEmbargo is the one action for a broken embargo: it marks the vulnerability
// public (and the exploit public or attacks observed, as given), ends the embargo, and
// in the same transaction makes the case public (TLP:CLEAR, Disclose), notifies every
// read-in party with the team's embargo-break template through the outbox and every
// read-in organisation's webhook, and lets the case's approved advisories publish.
func (s *Service) BreakEmbargo(ctx context.Context, actor authz.Actor, ref string, in BreakInput) (*Case, error) {
	fs := []Fact{FactPublicAware}
	if in.ExploitPublic {
		fs = append(fs, FactExploitPublic)
	}
	if in.AttacksObserved {
		fs = append(fs, FactAttacksObserved)
	}
	return s.endEmbargo(ctx, actor, ref, "broken", in.Reason, in.PublicDate, fs)
}

// ReleaseInput is an early release: the coordinators publish before the agreed public
// date, for a reason.
type ReleaseInput struct {
	Reason string `json:"reason" maxLength:"2000" doc:"Why the case is released before its public date; audited and sent to every read-in party."`
}

// ReleaseEarly ends the embargo before the agreed public date, by the coordinators'
// decision (a fix shipped early, the parties agreed…): the same public state as an
// embargo break, with the same notices, and the case's approved advisories publish now.
func (s *Service) ReleaseEarly(ctx context.Context, actor authz.Actor, ref string, in ReleaseInput) (*Case, error) {
	return s.endEmbargo(ctx, actor, ref, "released", in.Reason, "", []Fact{FactPublicAware})
}

// endEmbargo is an embargo break (how "broken") or an early release ("released").
func (s *Service) endEmbargo(ctx context.Context, actor authz.Actor, ref, how, reason, when string, fs []Fact) (*Case, error) {
	var e validate.Errors
	reason = e.Text("reason", reason, true, 2000)
	pd := s.clock.Now()
	if strings.TrimSpace(when) != "" {
		t, err := parseInstant("public_date", when)
		switch {
		case err != nil:
			fe, _ := validate.As(err)
			e = append(e, fe...)
		case t.After(pd):
			e.Add("public_date", "%s is in the future; a break makes the case public now (record when it became public, or leave it empty for now)", t.Format(time.RFC3339))
		default:
			pd = t
		}
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		c := a.c
		if c.TLP == "CLEAR" {
			code := "em.break_after_disclosure"
			if how == "released" {
				code = "em.release_after_disclosure"
			}
			return &RuleError{Code: code, Msg: "embargo rule " + code + ": the case is already public (TLP:CLEAR); there is no embargo to end"}
		}
		agreed := c.Embargo.PublicDate
		if err := s.applyFacts(ctx, q, actor, c, Team, fs); err != nil {
			return err
		}
		now := s.clock.Now()
		if _, err := q.Exec(ctx, "UPDATE cases SET public_date = ?, updated_at = ? WHERE id = ?", pd, now, c.ID); err != nil {
			return err
		}
		advisories, err := s.makePublic(ctx, q, c, true)
		if err != nil {
			return err
		}
		ps, err := s.participants(ctx, q, c.ID)
		if err != nil {
			return err
		}
		msg := reason
		if how == "released" {
			msg = "the coordinators released it before the agreed public date: " + reason
		}
		purpose := "case.embargo_break"
		if how == "released" {
			purpose = "case.embargo_release"
		}
		n, err := s.sendTemplate(ctx, q, c, ps, templates.EmbargoBreak, fmt.Sprintf("%s:%d", purpose, now.UnixNano()),
			func(p *Participant) bool { return p.SeesContent() },
			map[string]any{"Reason": msg, "NewPublicDate": pd.Format("Mon 2 Jan 2006 15:04 UTC")})
		if err != nil {
			return err
		}
		after := map[string]any{"reason": reason, "public_date": pd, "notified": n, "tlp": "CLEAR", "advisories": advisories}
		if agreed != nil {
			after["agreed_public_date"] = *agreed
		}
		action := "case.embargo.broken"
		if how == "released" {
			action = "case.embargo.released"
		}
		return s.appendEvent(ctx, q, actor, c, action, map[string]any{"tlp": c.TLP, "embargo": c.Embargo.State}, after)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, ref)
}

func eventEntry(c *Case, action string, after any) events.Entry {
	return events.Entry{Action: action, Subject: c.Ref(), CaseID: c.ID, After: after}
}

func asRule(err error, target *interface{ Rule() string }) bool {
	return errors.As(err, target)
}
