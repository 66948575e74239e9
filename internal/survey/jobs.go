package survey

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
)

// The periodic jobs: reminders to recipients who have not answered an open survey, and
// the participant-feedback survey of each case closed recently. Both run in one
// transaction with the injected clock and are idempotent through the state they check
// (a recipient's reminder count and time; one survey per case, by a unique column).

var jobActor = authz.System("surveys")

// FeedbackWindow is how recently a case must have closed to get a feedback survey (older
// closed cases, such as those closed before surveys existed, get none).
const FeedbackWindow = 30 * 24 * time.Hour

// FeedbackOpen is how long a feedback survey takes answers.
const FeedbackOpen = 30 * 24 * time.Hour

func (s *Service) runRemind(ctx context.Context, _ jobs.Job) error {
	now := s.Clock.Now().UTC()
	return s.DB.InTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT p.id, p.survey_id, p.email, p.token, p.invited_at, p.reminded_at FROM survey_recipients p
			JOIN surveys s ON s.id = p.survey_id
			WHERE p.responded_at IS NULL AND p.reminders < ? AND (s.closes_at IS NULL OR s.closes_at > ?) ORDER BY p.id LIMIT 500`, s.cfg.MaxReminders, now)
		if err != nil {
			return err
		}
		type due struct {
			id, survey   int64
			email, token string
		}
		var dues []due
		for rows.Next() {
			var d due
			var invited time.Time
			var reminded *time.Time
			if err := rows.Scan(&d.id, &d.survey, &d.email, &d.token, &invited, &reminded); err != nil {
				rows.Close()
				return err
			}
			last := invited
			if reminded != nil {
				last = *reminded
			}
			if !now.Before(last.Add(s.cfg.RemindAfter)) {
				dues = append(dues, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		per := map[int64]int{}
		surveys := map[int64]*Survey{}
		for _, d := range dues {
			sv := surveys[d.survey]
			if sv == nil {
				if sv, err = s.get(ctx, q, d.survey); err != nil {
					return err
				}
				surveys[d.survey] = sv
			}
			if _, err := q.Exec(ctx, "UPDATE survey_recipients SET reminders = reminders + 1, reminded_at = ? WHERE id = ?", now, d.id); err != nil {
				return err
			}
			if _, err := s.Outbox.Queue(ctx, q, notify.Message{To: d.email, Subject: fmt.Sprintf("[%s] Reminder: %s", s.cfg.Team, sv.Title),
				Body: s.mailBody(sv, d.token, true), Purpose: "survey.reminder", CaseID: sv.CaseID}); err != nil {
				return err
			}
			per[d.survey]++
		}
		for id, n := range per {
			if _, err := s.Events.Append(ctx, q, jobActor, events.Entry{Action: EvReminded, Subject: ref(id), After: InviteEvent{Recipients: n}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// FeedbackSurvey is the participant-feedback survey a closed case gets.
func FeedbackSurvey(casePublicID, title string) SurveyInput {
	return SurveyInput{
		Title:    fmt.Sprintf("Feedback on %s: %s", casePublicID, title),
		Intro:    "The case is closed. Tell us how the coordination went for you: it helps us do better next time. Every question is optional.",
		Audience: "case_participants",
		MinN:     1,
		Statements: []SurveyStatement{
			{Key: "coordination", Text: "The team's coordination served the case's participants well."},
			{Key: "communication", Text: "Participants were kept informed at the right times."},
		},
		Questions: []SurveyQuestion{
			{Key: "coordination", Kind: KindLikert, Text: "Overall, the coordination of this case worked well for me.", Statement: "coordination", Polarity: Affirms},
			{Key: "informed", Kind: KindLikert, Text: "I was kept informed at the right times.", Statement: "communication", Polarity: Affirms},
			{Key: "timeline", Kind: KindSingle, Text: "The embargo and disclosure timeline was…", Options: []string{"too short", "about right", "too long"}},
			{Key: "went_well", Kind: KindText, Text: "What went well?", Statement: "coordination"},
			{Key: "improve", Kind: KindText, Text: "What should we do differently next time?", Statement: "coordination"},
		},
	}
}

func (s *Service) runCaseFeedback(ctx context.Context, _ jobs.Job) error {
	now := s.Clock.Now().UTC()
	type closed struct {
		id              int64
		publicID, title string
	}
	var cs []closed
	rows, err := s.DB.Read().Query(ctx, `SELECT c.id, c.public_id, c.title FROM cases c
		WHERE c.closed_at IS NOT NULL AND c.closed_at > ? AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.case_id = c.id) ORDER BY c.id LIMIT 100`,
		now.Add(-FeedbackWindow))
	if err != nil {
		return err
	}
	for rows.Next() {
		var c closed
		if err := rows.Scan(&c.id, &c.publicID, &c.title); err != nil {
			rows.Close()
			return err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cs {
		if err := s.caseFeedback(ctx, c.id, c.publicID, c.title); err != nil {
			return err
		}
	}
	return nil
}

// caseFeedback creates case caseID's feedback survey and invites its participants
// (finder, owner, collaborators); nothing when the case has one already.
func (s *Service) caseFeedback(ctx context.Context, caseID int64, publicID, title string) error {
	in := FeedbackSurvey(publicID, title)
	closes := s.Clock.Now().UTC().Add(FeedbackOpen)
	in.ClosesAt = &closes
	if err := in.check(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(q db.Querier) error {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM surveys WHERE case_id = ?", caseID).Scan(&n); err != nil || n > 0 {
			return err
		}
		id, err := s.insert(ctx, q, jobActor, in, caseID)
		if err != nil {
			return err
		}
		sv, err := s.get(ctx, q, id)
		if err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT COALESCE(NULLIF(m.email, ''), u.email, '') FROM case_members m LEFT JOIN users u ON u.id = m.user_id
			WHERE m.case_id = ? AND m.case_role IN ('finder', 'owner', 'collaborator') ORDER BY m.id`, caseID)
		if err != nil {
			return err
		}
		var emails []string
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return err
			}
			if e != "" {
				emails = append(emails, e)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		invited := 0
		for _, e := range emails {
			ok, err := s.invite(ctx, q, sv, e, "case_participants")
			if err != nil {
				return err
			}
			if ok {
				invited++
			}
		}
		_, err = s.Events.Append(ctx, q, jobActor, events.Entry{Action: EvCaseFeedback, Subject: events.Ref{Type: "case", ID: publicID}, CaseID: caseID,
			After: CaseFeedbackEvent{SurveyID: id, Recipients: invited}})
		return err
	})
}

// CaseFeedback is the Markdown summary of the participant feedback of the case with
// internal id caseID, and its number of responses; "" and 0 when the case has no
// feedback survey (yet). Its top heading is level 2 ("## Participant feedback"). The
// caller (the post-mortem) has checked that its actor may see the case.
func (s *Service) CaseFeedback(ctx context.Context, caseID int64) (markdown string, n int, err error) {
	q := s.DB.Read()
	var id int64
	if err := q.QueryRow(ctx, "SELECT id FROM surveys WHERE case_id = ?", caseID).Scan(&id); err != nil {
		if isNoRows(err) {
			return "", 0, nil
		}
		return "", 0, err
	}
	sv, err := s.get(ctx, q, id)
	if err != nil {
		return "", 0, err
	}
	rs, err := s.responses(ctx, q, id)
	if err != nil {
		return "", 0, err
	}
	res := Compute(sv, rs)
	res.Title = "Participant feedback"
	return Report(res, 2), len(rs), nil
}

// RunCaseFeedback runs the case-feedback job once now (tests, the CLI).
func (s *Service) RunCaseFeedback(ctx context.Context) error {
	return s.runCaseFeedback(ctx, jobs.Job{})
}

// RunReminders runs the reminder job once now (tests, the CLI).
func (s *Service) RunReminders(ctx context.Context) error { return s.runRemind(ctx, jobs.Job{}) }
