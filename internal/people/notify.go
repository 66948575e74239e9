package people

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/notify"
)

// JobNotifyOnCall tells whoever is on intake duty about new reports. It is a durable
// event subscriber (events.Subscriber): the mail is queued in the transaction that
// advances its cursor, so a report is announced once, even when the job runs again after
// a crash or on two replicas at once.
const JobNotifyOnCall = "oncall.notify"

// RegisterJobs registers the on-call notifier (every minute) and the yearly cycle (daily).
func (s *Service) RegisterJobs(q *jobs.Queue) {
	s.events.Run(q, s.db, s.onCallSubscriber(), time.Minute)
	s.registerCycle(q)
}

// NotifyOnCall delivers the reports received since the last run to whoever is on duty
// (the job does this every minute). The first run starts at the end of the log: history
// is not announced.
func (s *Service) NotifyOnCall(ctx context.Context) error {
	for {
		n, err := s.events.Deliver(ctx, s.db, s.onCallSubscriber())
		if err != nil || n == 0 {
			return err
		}
	}
}

// onCallSubscriber queues one mail to the person on duty for each report received (the
// mail names the report and links to it; no report content).
func (s *Service) onCallSubscriber() events.Subscriber {
	return events.Subscriber{Name: JobNotifyOnCall, Actions: []string{"report.received"},
		Handle: func(ctx context.Context, q db.Querier, ev events.Event) error {
			duty, err := s.onDuty(ctx, q)
			if err != nil || duty == nil {
				return err
			}
			return s.mail(ctx, q, notify.Message{To: duty.User.Email, Purpose: "oncall.report",
				Subject: fmt.Sprintf("%s: new report %s (you are on intake duty)", s.cfg.Team, ev.Subject.ID),
				Body: fmt.Sprintf("Hello %s,\n\nA new report arrived while you are on intake duty (%s, until %s):\n\n  %s/reports/%s\n\n%s\n",
					displayName(duty.User), duty.ScheduleName, duty.Until.Format("2006-01-02 15:04 MST"), s.cfg.BaseURL, ev.Subject.ID, s.cfg.Team)})
		}}
}
