package engagements

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
)

// The scheduled jobs: a reminder to the buddy before each spot-check, the overdue flag
// after it, and a reminder when a contact attempt is due. Each runs in one transaction
// with the injected clock, does nothing when the engagement moved on (a check done,
// the engagement closed), and is idempotent through the state it checks.

var jobActor = authz.System("engagements")

type contactArgs struct {
	EngagementID int64 `json:"engagement_id"`
	After        int   `json:"after"` // the number of contact attempts when it was enqueued
}

type slotState struct {
	engagementID int64
	seq          int
	due          string
	done         bool
	overdue      bool
}

func loadSlot(ctx context.Context, q db.Querier, id int64) (*slotState, error) {
	var st slotState
	var due, done *string
	var overdueAt *time.Time
	if err := q.QueryRow(ctx, "SELECT engagement_id, seq, due_on, done_on, overdue_at FROM eng_spot_checks WHERE id = ?", id).Scan(&st.engagementID, &st.seq, &due, &done, &overdueAt); err != nil {
		return nil, err
	}
	if due != nil {
		st.due = *due
	}
	st.done = done != nil
	st.overdue = overdueAt != nil
	return &st, nil
}

func (s *Service) runRemind(ctx context.Context, j jobs.Job) error {
	var a slotArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.DB.InTx(ctx, func(q db.Querier) error {
		st, err := loadSlot(ctx, q, a.SpotCheckID)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		eng, err := s.load(ctx, q, jobActor, authz.ReadEngagement, st.engagementID)
		if err != nil {
			return err
		}
		if st.done || (eng.Status != Active && eng.Status != WindingDown) {
			return nil
		}
		buddy, err := account.UserByIDTx(ctx, q, eng.BuddyID)
		if err != nil {
			return err
		}
		body := fmt.Sprintf(`Hello,

spot-check %d of the engagement with %s is due on %s.

About an hour: look at what changed since the last check (releases, reports, branch protection, dependencies), note risks found and actions agreed, and record it:
%s/engagements/%d

%s`, st.seq, eng.Project, st.due, s.cfg.BaseURL, eng.ID, s.cfg.Team)
		oid, err := s.Outbox.Queue(ctx, q, notify.Message{To: buddy.Email, Subject: fmt.Sprintf("[%s] Spot-check due %s: %s", s.cfg.Team, st.due, eng.Project),
			Body: body, Purpose: "engagement.reminder"})
		if err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, jobActor, events.Entry{Action: EvSpotCheckReminded, Subject: ref(eng.ID),
			After: ReminderEvent{SpotCheckID: a.SpotCheckID, Due: st.due, To: buddy.Email, OutboxID: oid}})
		return err
	})
}

func (s *Service) runOverdue(ctx context.Context, j jobs.Job) error {
	var a slotArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.DB.InTx(ctx, func(q db.Querier) error {
		st, err := loadSlot(ctx, q, a.SpotCheckID)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		eng, err := s.load(ctx, q, jobActor, authz.ReadEngagement, st.engagementID)
		if err != nil {
			return err
		}
		if st.done || st.overdue || (eng.Status != Active && eng.Status != WindingDown) {
			return nil
		}
		if _, err := q.Exec(ctx, "UPDATE eng_spot_checks SET overdue_at = ? WHERE id = ?", s.Clock.Now(), a.SpotCheckID); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, jobActor, events.Entry{Action: EvSpotCheckOverdue, Subject: ref(eng.ID),
			After: ReminderEvent{SpotCheckID: a.SpotCheckID, Due: st.due}})
		return err
	})
}

func (s *Service) runContactDue(ctx context.Context, j jobs.Job) error {
	var a contactArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.DB.InTx(ctx, func(q db.Querier) error {
		eng, err := s.load(ctx, q, jobActor, authz.ReadEngagement, a.EngagementID)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var count int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM eng_contacts WHERE engagement_id = ?", eng.ID).Scan(&count); err != nil {
			return err
		}
		// Moved on, or an attempt was recorded since: the next reminder is that attempt's.
		if eng.Status != Contacting || count != a.After {
			return nil
		}
		buddy, err := account.UserByIDTx(ctx, q, eng.BuddyID)
		if err != nil {
			return err
		}
		due := s.today().String()
		oid, err := s.Outbox.Queue(ctx, q, notify.Message{To: buddy.Email, Subject: fmt.Sprintf("[%s] Contact attempt due: %s", s.cfg.Team, eng.Project),
			Body: fmt.Sprintf("Hello,\n\nit is time for the next contact attempt with %s's maintainers (every %d days). Record it, answered or not:\n%s/engagements/%d\n\n%s",
				eng.Project, eng.ContactEveryDays, s.cfg.BaseURL, eng.ID, s.cfg.Team), Purpose: "engagement.reminder"})
		if err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, jobActor, events.Entry{Action: EvContactReminded, Subject: ref(eng.ID), After: ReminderEvent{Due: due, To: buddy.Email, OutboxID: oid}})
		return err
	})
}
