package people

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

// JobNotifyOnCall tells whoever is on intake duty about new reports. It reads the
// event log from a cursor kept in the same transaction as the mail it queues, so a
// report is announced once, even when the job runs again after a crash.
const JobNotifyOnCall = "oncall.notify"

const cursorOnCall = "oncall.notify"

// RegisterJobs registers the on-call notifier (every minute) and the yearly cycle (daily).
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Register(JobNotifyOnCall, jobs.Handler{Run: func(ctx context.Context, _ jobs.Job) error { return s.NotifyOnCall(ctx) }})
	q.Every(JobNotifyOnCall, time.Minute, struct{}{})
	s.registerCycle(q)
}

// NotifyOnCall queues one mail to the person on duty for each report received since
// the last run (the mail names the report and links to it; no report content). The
// first run starts at the end of the log: history is not announced.
func (s *Service) NotifyOnCall(ctx context.Context) error {
	sys := authz.System(JobNotifyOnCall)
	return s.db.InTx(ctx, func(q db.Querier) error {
		var cursor int64
		err := q.QueryRow(ctx, "SELECT seq FROM people_cursors WHERE name = ?", cursorOnCall).Scan(&cursor)
		if db.NotFound(err) {
			head, err := s.events.List(ctx, q, sys, events.Query{Newest: true, Limit: 1})
			if err != nil {
				return err
			}
			if len(head) > 0 {
				cursor = head[0].Seq
			}
			_, err = q.Exec(ctx, "INSERT INTO people_cursors (name, seq) VALUES (?, ?)", cursorOnCall, cursor)
			return err
		}
		if err != nil {
			return err
		}
		evs, err := s.events.List(ctx, q, sys, events.Query{Action: "report.received", AfterSeq: cursor, Limit: 200})
		if err != nil || len(evs) == 0 {
			return err
		}
		duty, err := s.onDuty(ctx, q)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			cursor = max(cursor, ev.Seq)
			if duty == nil {
				continue
			}
			if err := s.mail(ctx, q, notify.Message{To: duty.User.Email, Purpose: "oncall.report",
				Subject: fmt.Sprintf("%s: new report %s (you are on intake duty)", s.cfg.Team, ev.Subject.ID),
				Body: fmt.Sprintf("Hello %s,\n\nA new report arrived while you are on intake duty (%s, until %s):\n\n  %s/reports/%s\n\n%s\n",
					displayName(duty.User), duty.ScheduleName, duty.Until.Format("2006-01-02 15:04 MST"), s.cfg.BaseURL, ev.Subject.ID, s.cfg.Team)}); err != nil {
				return err
			}
		}
		_, err = q.Exec(ctx, "UPDATE people_cursors SET seq = ? WHERE name = ?", cursor, cursorOnCall)
		return err
	})
}
