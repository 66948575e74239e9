package intake

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

// JobSLA is the periodic job that warns the team before an assessment deadline passes.
const JobSLA = "intake.sla_reminders"

// slaSQL selects the reports to warn about (args: soon, soon).
const slaSQL = `SELECT id FROM reports WHERE due_at <= ? AND state IN ('new', 'acknowledged') AND triaged_at IS NULL
		AND sla_warned_at IS NULL AND assess_due_at <= ? ORDER BY assess_due_at LIMIT 500`

// slaReminders finds untriaged reports whose initial-assessment deadline is less than
// one business day away (or already past) and warns their assignee — or, when nobody
// has taken them, every responder — once per report.
func (s *Service) slaReminders(ctx context.Context, _ jobs.Job) error {
	now := s.clock.Now()
	soon := s.cfg.Calendar.AddBusinessDays(now, 1)
	// due_at <= assess_due_at while untriaged and open: the range on its index narrows
	// the search to reports with a deadline before soon.
	ids, err := db.Int64s(ctx, s.db.Read(), slaSQL, soon, soon)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.db.InTx(ctx, func(q db.Querier) error { return s.warnSLA(ctx, q, id, now) }); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) warnSLA(ctx context.Context, q db.Querier, id int64, now time.Time) error {
	r, err := s.loadByID(ctx, q, id)
	if err != nil {
		return err
	}
	res, err := q.Exec(ctx, "UPDATE reports SET sla_warned_at = ? WHERE id = ? AND sla_warned_at IS NULL", now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // another process warned first
	}
	var to []string
	if r.Assignee != 0 {
		var email string
		if err := q.QueryRow(ctx, "SELECT email FROM users WHERE id = ? AND disabled_at IS NULL", r.Assignee).Scan(&email); err == nil {
			to = append(to, email)
		}
	}
	if len(to) == 0 {
		rs, err := q.Query(ctx, "SELECT email FROM users WHERE role IN ('responder', 'admin') AND disabled_at IS NULL ORDER BY id")
		if err != nil {
			return err
		}
		for rs.Next() {
			var e string
			if err := rs.Scan(&e); err != nil {
				rs.Close()
				return err
			}
			to = append(to, e)
		}
		rs.Close()
	}
	overdue := !r.AssessDue.After(now)
	verb := "is due"
	if overdue {
		verb = "was due"
	}
	subject := fmt.Sprintf("[%s] %s: initial assessment %s %s", s.cfg.Team, r.PublicID, verb, r.AssessDue.Format("Mon 2 Jan 15:04 MST"))
	body := fmt.Sprintf("Report %s (%q) has not been triaged. Its initial assessment %s %s.\n\n%s/reports/%s\n",
		r.PublicID, r.Summary, verb, r.AssessDue.Format(time.RFC1123), s.cfg.BaseURL, r.PublicID)
	if s.msg.Outbox != nil {
		for _, addr := range to {
			if _, err := s.msg.Outbox.Queue(ctx, q, notify.Message{To: addr, Subject: subject, Body: body, ReportID: r.ID, Purpose: "sla.reminder"}); err != nil {
				return err
			}
		}
	}
	_, err = s.events.Append(ctx, q, authz.System("intake"), events.Entry{Action: "report.sla.warning", Subject: r.Ref(),
		After: map[string]any{"assess_by": r.AssessDue, "overdue": overdue, "notified": len(to)}})
	return err
}
