package postmortem

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/validate"
)

// NewPostmortemAction adds an action item.
type NewPostmortemAction struct {
	Title string `json:"title" maxLength:"300"`
	Owner string `json:"owner" maxLength:"254" doc:"The owner's email address (an active team member)."`
	Due   string `json:"due" maxLength:"10" doc:"YYYY-MM-DD."`
	Kind  string `json:"kind" doc:"mitigate, prevent or process."`
	Link  string `json:"link,omitempty" maxLength:"100" doc:"The plan task (plan:<id>) or playbook (playbook:<knowledge document id>) the action changes."`
}

// PostmortemActionUpdate changes an action item's status (and optionally its due date or link).
type PostmortemActionUpdate struct {
	Status string  `json:"status,omitempty" doc:"open, done or dropped."`
	Due    *string `json:"due,omitempty" maxLength:"10"`
	Link   *string `json:"link,omitempty" maxLength:"100"`
}

func checkDue(e *validate.Errors, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		e.Add("due", "is required (YYYY-MM-DD)")
		return v
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		e.Add("due", "%q is not a date (want YYYY-MM-DD)", v)
		return v
	}
	return d.String()
}

// checkLink validates a link to a plan task or a knowledge document inside q.
func checkLink(ctx context.Context, q db.Querier, link string) error {
	if link == "" {
		return nil
	}
	kind, idText, ok := strings.Cut(link, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 {
		return validate.Field("link", "%q is not plan:<task id> or playbook:<document id>", link)
	}
	var table string
	switch kind {
	case "plan":
		table = "plan_tasks"
	case "playbook", "knowledge":
		table = "docs"
	default:
		return validate.Field("link", "%q is not plan:<task id> or playbook:<document id>", link)
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return validate.Field("link", "there is no %s %d", kind, id)
	}
	return nil
}

// AddAction adds an action item.
func (s *Service) AddAction(ctx context.Context, actor authz.Actor, id int64, in NewPostmortemAction) (*PostmortemAction, error) {
	var e validate.Errors
	in.Title = e.Text("title", strings.ReplaceAll(in.Title, "\n", " "), true, 300)
	in.Owner = e.Email("owner", in.Owner, true)
	in.Due = checkDue(&e, in.Due)
	e.OneOf("kind", in.Kind, ActionKinds...)
	in.Link = strings.TrimSpace(in.Link)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var aid int64
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		if _, err := s.load(ctx, q, actor, authz.EditPostmortem, id); err != nil {
			return err
		}
		owner, err := account.UserByEmailTx(ctx, q, in.Owner)
		if isNoRows(err) {
			return validate.Field("owner", "there is no user %s", in.Owner)
		}
		if err != nil {
			return err
		}
		if owner.Disabled || owner.Role == authz.RoleMember {
			return validate.Field("owner", "%s is not an active member of the team (admin, pgm or responder)", in.Owner)
		}
		if err := checkLink(ctx, q, in.Link); err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := q.QueryRow(ctx, `INSERT INTO pm_actions (postmortem_id, title, owner_id, due_on, kind, status, link, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id`, id, in.Title, owner.ID, in.Due, in.Kind, in.Link, now, now).Scan(&aid); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvActionAdded, Subject: ref(id),
			After: ActionEvent{ActionID: aid, Owner: owner.Email, Due: in.Due, Kind: in.Kind, Status: "open"}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.action(ctx, s.DB.Read(), id, aid)
}

// UpdateAction changes an action item's status, due date or link.
func (s *Service) UpdateAction(ctx context.Context, actor authz.Actor, id, actionID int64, up PostmortemActionUpdate) (*PostmortemAction, error) {
	var e validate.Errors
	if up.Status != "" {
		e.OneOf("status", up.Status, ActionStatuses...)
	}
	if up.Due != nil {
		*up.Due = checkDue(&e, *up.Due)
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		if _, err := s.load(ctx, q, actor, authz.EditPostmortem, id); err != nil {
			return err
		}
		a, err := s.action(ctx, q, id, actionID)
		if err != nil {
			return err
		}
		if up.Status != "" {
			a.Status = up.Status
		}
		if up.Due != nil && *up.Due != a.Due {
			a.Due, a.RemindedOn = *up.Due, "" // a new date: remind again
		}
		if up.Link != nil {
			a.Link = strings.TrimSpace(*up.Link)
			if err := checkLink(ctx, q, a.Link); err != nil {
				return err
			}
		}
		var reminded any
		if a.RemindedOn != "" {
			reminded = a.RemindedOn
		}
		if _, err := q.Exec(ctx, "UPDATE pm_actions SET status = ?, due_on = ?, link = ?, reminded_on = ?, updated_at = ? WHERE id = ?",
			a.Status, a.Due, a.Link, reminded, s.Clock.Now(), actionID); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvActionStatus, Subject: ref(id), After: ActionEvent{ActionID: actionID, Due: a.Due, Status: a.Status}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.action(ctx, s.DB.Read(), id, actionID)
}

const actionColumns = "a.id, a.title, u.email, a.due_on, a.kind, a.status, a.link, COALESCE(a.reminded_on, ''), a.created_at, a.updated_at"

func scanAction(sc db.Scanner) (PostmortemAction, error) {
	var a PostmortemAction
	err := sc.Scan(&a.ID, &a.Title, &a.Owner, &a.Due, &a.Kind, &a.Status, &a.Link, &a.RemindedOn, &a.CreatedAt, &a.UpdatedAt)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

func (s *Service) action(ctx context.Context, q db.Querier, id, actionID int64) (*PostmortemAction, error) {
	as, err := db.All(ctx, q, scanAction, "SELECT "+actionColumns+" FROM pm_actions a JOIN users u ON u.id = a.owner_id WHERE a.postmortem_id = ? AND a.id = ?", id, actionID)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, db.ErrNotFound
	}
	return &as[0], nil
}

func actionsOf(ctx context.Context, q db.Querier, id int64) ([]PostmortemAction, error) {
	return db.All(ctx, q, scanAction, "SELECT "+actionColumns+" FROM pm_actions a JOIN users u ON u.id = a.owner_id WHERE a.postmortem_id = ? ORDER BY a.due_on, a.id", id)
}

// RemindOwners e-mails the owner of every open action item due within RemindDays (once)
// and on or after its due date (once more), through the outbox. It is idempotent: each
// item records the day it was last reminded. It returns the number of reminders sent.
func (s *Service) RemindOwners(ctx context.Context) (int, error) {
	today := s.today()
	soon := today.AddDays(RemindDays).String()
	type due struct {
		id, pm           int64
		title, due, to   string
		reminded, pmName string
	}
	sent := 0
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		rows, err := db.All(ctx, q, func(sc db.Scanner) (due, error) {
			var d due
			return d, sc.Scan(&d.id, &d.pm, &d.title, &d.due, &d.to, &d.reminded, &d.pmName)
		}, `SELECT a.id, a.postmortem_id, a.title, a.due_on, u.email, COALESCE(a.reminded_on, ''), p.title FROM pm_actions a
			JOIN users u ON u.id = a.owner_id JOIN postmortems p ON p.id = a.postmortem_id
			WHERE a.status = 'open' AND a.due_on <= ? ORDER BY a.id`, soon)
		if err != nil {
			return err
		}
		for _, d := range rows {
			// Once in the days before the due date, once more from the due date on.
			if d.reminded != "" && (d.reminded >= d.due || d.due > today.String()) {
				continue
			}
			when := "is due on " + d.due
			if d.due <= today.String() {
				when = "was due on " + d.due
				if d.due == today.String() {
					when = "is due today (" + d.due + ")"
				}
			}
			oid, err := s.Outbox.Queue(ctx, q, notify.Message{To: d.to, Purpose: "postmortem.action_reminder",
				Subject: fmt.Sprintf("[%s] Post-mortem action due %s: %s", s.cfg.Team, d.due, d.title),
				Body: fmt.Sprintf("Hello,\n\nthe action item \"%s\" from the post-mortem \"%s\" %s.\n\nMark it done (or dropped, with a note) here:\n%s/postmortems/%d\n\n%s",
					d.title, d.pmName, when, s.cfg.BaseURL, d.pm, s.cfg.Team)})
			if err != nil {
				return err
			}
			if _, err := q.Exec(ctx, "UPDATE pm_actions SET reminded_on = ? WHERE id = ?", today.String(), d.id); err != nil {
				return err
			}
			if _, err := s.Events.Append(ctx, q, authz.System("postmortem"), events.Entry{Action: EvActionReminded, Subject: ref(d.pm),
				After: ReminderEvent{ActionID: d.id, Due: d.due, To: d.to, OutboxID: oid}}); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}
