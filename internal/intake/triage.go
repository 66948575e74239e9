package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/ssvc"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Triage operations on reports. Decisions follow CERT/CC's SSVC Coordinator Triage
// table (package ssvc, loaded as data); the outcome moves the report on.

// TriageInput is a responder's SSVC decision.
type TriageInput struct {
	DecisionPoints map[string]string `json:"decision_points"`
	Rationale      string            `json:"rationale,omitempty"`
}

// Decision is the recorded triage decision.
type Decision struct {
	Outcome   string            `json:"outcome" enum:"decline,track,coordinate"`
	Values    map[string]string `json:"decision_points"`
	Rationale string            `json:"rationale"`
	Table     string            `json:"table"`
	Report    string            `json:"report"`
	State     string            `json:"state"`
	Case      string            `json:"case,omitempty" doc:"The case opened for a Coordinate decision (in the same transaction as the decision)."`
}

// OpenCase opens the case for a report triaged to Coordinate (package cases) inside
// the triage's transaction q, and returns the case id. When it fails, the decision is
// not recorded either.
type OpenCase func(ctx context.Context, q db.Querier, actor authz.Actor, reportID string) (string, error)

// OnMerged is told, in MarkDuplicate's transaction, that report dup was merged into
// orig (the cases capability adds dup's finder to orig's case).
type OnMerged func(ctx context.Context, q db.Querier, actor authz.Actor, dup, orig *Report) error

// SetOnMerged wires what happens to a case when a duplicate is merged into its report.
func (s *Service) SetOnMerged(f OnMerged) { s.onMerged = f }

// SetOpenCase wires case opening into triage.
func (s *Service) SetOpenCase(f OpenCase) { s.openCase = f }

// Triage records an SSVC Coordinator Triage decision for a report: the outcome comes
// from the table, never from the caller. Decline tells the finder why (template
// triage_declined); Track and Coordinate send the initial assessment.
func (s *Service) Triage(ctx context.Context, actor authz.Actor, ref string, in TriageInput) (*Decision, error) {
	table, err := ssvc.CoordinatorTriage()
	if err != nil {
		return nil, err
	}
	var out *Decision
	err = s.db.InTx(ctx, func(q db.Querier) error {
		// Access first: someone who may not triage learns nothing, not even which values are wrong.
		r, err := s.ForUpdate(ctx, q, actor, ref, authz.TriageReport)
		if err != nil {
			return err
		}
		var e validate.Errors
		in.Rationale = e.Text("rationale", in.Rationale, false, 20_000)
		if len(in.DecisionPoints) == 0 {
			e.Add("decision_points", "give a value for each decision point: %s", pointList(table))
		}
		if err := e.Err(); err != nil {
			return err
		}
		d, err := table.Decide(in.DecisionPoints)
		if err != nil {
			var fe validate.Errors
			for _, p := range ssvc.Problems(err) {
				fe = append(fe, validate.FieldError{Field: p.Field, Message: p.Error()})
			}
			if len(fe) == 0 {
				fe.Add("decision_points", "%s", err.Error())
			}
			return fe
		}
		out = &Decision{Outcome: d.Outcome, Values: d.Values, Rationale: in.Rationale, Table: table.ID}
		if r.State == StateDuplicate {
			return ruleErr("report %s is a duplicate of %s: triage that one", r.PublicID, r.DuplicateOf)
		}
		raw, _ := json.Marshal(out)
		now := s.clock.Now()
		state := map[string]string{"decline": StateDeclined, "track": StateTracking, "coordinate": StateCoordinating}[d.Outcome]
		if state == "" {
			return fmt.Errorf("intake: unknown SSVC outcome %q", d.Outcome)
		}
		if _, err := q.Exec(ctx, "UPDATE reports SET ssvc_json = ?, outcome = ?, rationale = ?, triaged_by = ?, triaged_at = ?, parked_until = NULL, updated_at = ? WHERE id = ?",
			string(raw), d.Outcome, in.Rationale, nullUser(actor), now, now, r.ID); err != nil {
			return err
		}
		if err := s.setState(ctx, q, actor, r, state, "report.triaged", map[string]any{"outcome": d.Outcome, "decision_points": d.Values}); err != nil {
			return err
		}
		r.Outcome = d.Outcome
		out.Report, out.State = r.PublicID, state
		tmpl := templates.Assessment
		if d.Outcome == "decline" {
			tmpl = templates.Declined
		}
		if err := s.tellFinder(ctx, q, r, tmpl, "assessment", in.Rationale); err != nil {
			return err
		}
		// Coordinate means a case, opened in this transaction: a triaged report
		// without its case cannot be left behind by a crash or a failure.
		if d.Outcome == "coordinate" && s.openCase != nil {
			id, err := s.openCase(ctx, q, actor, r.PublicID)
			if err != nil {
				return fmt.Errorf("intake: open the case of %s: %w", r.PublicID, err)
			}
			out.Case = id
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func pointList(t *ssvc.Table) string {
	var ps []string
	for _, p := range t.DecisionPoints {
		ps = append(ps, p.Key+" ("+p.Name+")")
	}
	return strings.Join(ps, ", ")
}

func nullUser(a authz.Actor) any {
	if a.UserID == 0 {
		return nil
	}
	return a.UserID
}

// tellFinder renders a template for the finder, adds it to the tracking page and mails it.
func (s *Service) tellFinder(ctx context.Context, q db.Querier, r *Report, tmpl, purpose, text string) error {
	if s.msg.Templates == nil {
		return nil
	}
	until := ""
	if r.ParkedUntil != nil {
		until = r.ParkedUntil.Format("Monday 2 January 2006")
	}
	data := map[string]any{"Team": s.cfg.Team, "TrackingID": r.PublicID, "TrackingURL": "(the private link in our first message)",
		"Body": text, "Rationale": text, "Outcome": r.Outcome, "Missing": r.missingLabels(), "Until": until}
	subject, body, err := s.msg.Templates.RenderTx(ctx, q, tmpl, data)
	if err != nil {
		return err
	}
	if _, err := s.addMessage(ctx, q, authz.System("intake"), r, "system", "finder", "system", body); err != nil {
		return err
	}
	if r.Reporter.Email == "" || s.msg.Outbox == nil {
		return nil
	}
	_, err = s.msg.Outbox.Queue(ctx, q, notifyMessage(r, subject, body, purpose))
	return err
}

// Assign gives a report to a responder (0 unassigns).
func (s *Service) Assign(ctx context.Context, actor authz.Actor, ref string, userID int64) (*Report, error) {
	var r *Report
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if r, err = s.ForUpdate(ctx, q, actor, ref, authz.TriageReport); err != nil {
			return err
		}
		var assignee any
		if userID != 0 {
			var role string
			if err := q.QueryRow(ctx, "SELECT role FROM users WHERE id = ? AND disabled_at IS NULL", userID).Scan(&role); err != nil {
				return validate.Field("assignee_id", "no active user with id %d", userID)
			}
			if role != string(authz.RoleResponder) && role != string(authz.RoleAdmin) {
				return validate.Field("assignee_id", "user %d is a %s; reports go to responders", userID, role)
			}
			assignee = userID
		}
		if _, err := q.Exec(ctx, "UPDATE reports SET assignee_id = ?, updated_at = ? WHERE id = ?", assignee, s.clock.Now(), r.ID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "report.assigned", Subject: r.Ref(),
			Before: map[string]any{"assignee_id": r.Assignee}, After: map[string]any{"assignee_id": userID}})
		r.Assignee = userID
		return err
	})
	return r, err
}

// RequestMissing sends the finder the list of SIRT-ready elements the report lacks.
func (s *Service) RequestMissing(ctx context.Context, actor authz.Actor, ref string) (*Report, error) {
	var r *Report
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if r, err = s.ForUpdate(ctx, q, actor, ref, authz.TriageReport); err != nil {
			return err
		}
		if len(r.Missing) == 0 {
			return ruleErr("report %s has all six SIRT-ready elements; nothing to ask for", r.PublicID)
		}
		if _, err := s.events.Append(ctx, q, actor, events.Entry{Action: "report.missing_requested", Subject: r.Ref(), After: map[string]any{"missing": r.Missing}}); err != nil {
			return err
		}
		return s.tellFinder(ctx, q, r, templates.Missing, "missing", "")
	})
	return r, err
}

// ParkForReproduction parks a report until the finder sends a working reproduction:
// a reminder goes out halfway, and the report closes itself at the end unless the
// finder answers (which puts it back in the queue).
func (s *Service) ParkForReproduction(ctx context.Context, actor authz.Actor, ref string) (*Report, error) {
	var r *Report
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if r, err = s.ForUpdate(ctx, q, actor, ref, authz.TriageReport); err != nil {
			return err
		}
		if r.State != StateNew && r.State != StateAcknowledged {
			return ruleErr("only a report waiting for triage can be parked; %s is %s", r.PublicID, r.State)
		}
		until := s.clock.Now().Add(time.Duration(s.cfg.ParkDays) * 24 * time.Hour)
		if _, err := q.Exec(ctx, "UPDATE reports SET parked_until = ? WHERE id = ?", until, r.ID); err != nil {
			return err
		}
		r.ParkedUntil = &until
		if err := s.setState(ctx, q, actor, r, StateNeedsRepro, "report.parked", map[string]any{"until": until}); err != nil {
			return err
		}
		half := s.clock.Now().Add(time.Duration(s.cfg.ParkDays) * 12 * time.Hour)
		key := fmt.Sprintf("park:%s:%d", r.PublicID, until.Unix())
		if _, err := s.jobs.Enqueue(ctx, q, JobParkExpiry, parkArgs{Report: r.ID, Until: until, Remind: true}, jobs.Options{RunAt: half, UniqueKey: key + ":remind"}); err != nil {
			return err
		}
		if _, err := s.jobs.Enqueue(ctx, q, JobParkExpiry, parkArgs{Report: r.ID, Until: until}, jobs.Options{RunAt: until, UniqueKey: key + ":close"}); err != nil {
			return err
		}
		return s.tellFinder(ctx, q, r, templates.NeedsReproduction, "needs_reproduction", "")
	})
	return r, err
}

type parkArgs struct {
	Report int64     `json:"report"`
	Until  time.Time `json:"until"`
	Remind bool      `json:"remind,omitempty"`
}

// parkExpiry reminds or closes a parked report; it does nothing if the report was
// un-parked (or re-parked with another date) meanwhile.
func (s *Service) parkExpiry(ctx context.Context, j jobs.Job) error {
	var a parkArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Cancel(err)
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		r, err := s.loadByID(ctx, q, a.Report)
		if err != nil {
			return jobs.Cancel(err)
		}
		if r.State != StateNeedsRepro || r.ParkedUntil == nil || !r.ParkedUntil.Equal(a.Until) {
			return nil
		}
		if a.Remind {
			return s.tellFinder(ctx, q, r, templates.NeedsReproduction, "needs_reproduction.reminder", "")
		}
		return s.setState(ctx, q, authz.System("intake"), r, StateClosed, "report.closed", map[string]any{"reason": "no reproduction received in time"})
	})
}

// unpark returns a parked report to the queue when the finder answers.
func (s *Service) unpark(ctx context.Context, q db.Querier, r *Report) error {
	if r.State != StateNeedsRepro && r.State != StateClosed {
		return nil
	}
	if r.State == StateClosed && r.Outcome != "" {
		return nil // closed after triage: a reply does not reopen it
	}
	if _, err := q.Exec(ctx, "UPDATE reports SET parked_until = NULL WHERE id = ?", r.ID); err != nil {
		return err
	}
	return s.setState(ctx, q, authz.System("intake"), r, StateAcknowledged, "report.unparked", map[string]any{"reason": "the finder answered"})
}

// MarkDuplicate merges a report into an earlier one: it leaves the queue, its finder is
// told, and the original lists it.
func (s *Service) MarkDuplicate(ctx context.Context, actor authz.Actor, ref, of string) (*Report, error) {
	var r *Report
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if r, err = s.ForUpdate(ctx, q, actor, ref, authz.TriageReport); err != nil {
			return err
		}
		orig, err := s.load(ctx, q, of)
		if err != nil {
			return validate.Field("duplicate_of", "no report %q", of)
		}
		if orig.ID == r.ID {
			return validate.Field("duplicate_of", "a report cannot duplicate itself")
		}
		if orig.duplicateOfID != nil {
			return validate.Field("duplicate_of", "%s is itself a duplicate of another report; merge into that one", orig.PublicID)
		}
		if _, err := q.Exec(ctx, "UPDATE reports SET duplicate_of = ? WHERE id = ?", orig.ID, r.ID); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE reports SET duplicate_of = ? WHERE duplicate_of = ?", orig.ID, r.ID); err != nil {
			return err
		}
		r.DuplicateOf = orig.PublicID
		if err := s.setState(ctx, q, actor, r, StateDuplicate, "report.merged", map[string]any{"duplicate_of": orig.PublicID}); err != nil {
			return err
		}
		_, err = s.addMessage(ctx, q, actor, orig, "system", "internal", "system", fmt.Sprintf("%s (%s) was merged into this report as a duplicate.", r.PublicID, r.Summary))
		if err != nil {
			return err
		}
		if s.onMerged != nil {
			if err := s.onMerged(ctx, q, actor, r, orig); err != nil {
				return err
			}
		}
		return s.tellFinder(ctx, q, r, templates.ReportMessage, "duplicate",
			"Thank you. Another report already covers this issue, so we have merged yours into it. You will be credited according to your preference if your report adds to the original.")
	})
	return r, err
}

// BulkResult is the outcome for one report of a bulk action.
type BulkResult struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// BulkDecline declines many reports with one rationale (each its own transaction, so
// one refusal does not undo the rest): how one responder clears a flood of junk.
// Reports already triaged are left alone and say so.
func (s *Service) BulkDecline(ctx context.Context, actor authz.Actor, refs []string, rationale string) ([]BulkResult, error) {
	if err := authz.Can(actor, authz.ListReports, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	rationale = e.Text("rationale", rationale, true, 20_000)
	if len(refs) == 0 {
		e.Add("ids", "give at least one report id")
	}
	if len(refs) > 1000 {
		e.Add("ids", "%d reports; at most 1000 at a time", len(refs))
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	out := make([]BulkResult, 0, len(refs))
	for _, ref := range refs {
		res := BulkResult{ID: ref}
		err := s.db.InTx(ctx, func(q db.Querier) error {
			r, err := s.ForUpdate(ctx, q, actor, ref, authz.TriageReport)
			if err != nil {
				return err
			}
			if r.Outcome != "" || (r.State != StateNew && r.State != StateAcknowledged && r.State != StateNeedsRepro) {
				return ruleErr("%s is %s already", r.PublicID, r.State)
			}
			now := s.clock.Now()
			if _, err := q.Exec(ctx, "UPDATE reports SET outcome = 'decline', rationale = ?, triaged_by = ?, triaged_at = ?, updated_at = ? WHERE id = ?",
				rationale, nullUser(actor), now, now, r.ID); err != nil {
				return err
			}
			r.Outcome = "decline"
			if err := s.setState(ctx, q, actor, r, StateDeclined, "report.triaged", map[string]any{"outcome": "decline", "bulk": true}); err != nil {
				return err
			}
			return s.tellFinder(ctx, q, r, templates.Declined, "assessment", rationale)
		})
		res.OK = err == nil
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				res.Error = "no such report"
			} else {
				res.Error = err.Error()
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// ReporterHistory counts a reporter's earlier reports by outcome, to weigh a new one.
type ReporterHistory struct {
	Total     int `json:"total"`
	Accepted  int `json:"accepted" doc:"Tracked or coordinated."`
	Declined  int `json:"declined"`
	Duplicate int `json:"duplicate"`
}

// historySQL counts a reporter's other reports by state (args: email, report id).
const historySQL = "SELECT state, COUNT(*) FROM reports WHERE reporter_email = ? AND id <> ? GROUP BY state"

// History returns the history of the reporter of r (by email; anonymous reports have none).
func (s *Service) History(ctx context.Context, r *Report) (ReporterHistory, error) {
	var h ReporterHistory
	if r.Reporter.Email == "" {
		return h, nil
	}
	rows, err := s.db.Read().Query(ctx, historySQL, r.Reporter.Email, r.ID)
	if err != nil {
		return h, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return h, err
		}
		h.Total += n
		switch st {
		case StateTracking, StateCoordinating:
			h.Accepted += n
		case StateDeclined:
			h.Declined += n
		case StateDuplicate:
			h.Duplicate += n
		}
	}
	return h, rows.Err()
}

// Similar returns likely duplicates of r: the same cluster, or the same package with
// a similar summary, newest first (at most 20).
func (s *Service) Similar(ctx context.Context, actor authz.Actor, r *Report) ([]*Report, error) {
	var pkgName string
	if len(r.Affected) > 0 {
		pkgName = r.Affected[0].Package.Name
	}
	cands, err := s.List(ctx, actor, Query{Text: pkgName, Limit: 200, Brief: true})
	if err != nil {
		return nil, err
	}
	var out []*Report
	for _, c := range cands {
		if c.ID == r.ID {
			continue
		}
		if c.ClusterKey == r.ClusterKey || Similarity(c.Summary, r.Summary) >= 0.5 {
			out = append(out, c)
			if len(out) == 20 {
				break
			}
		}
	}
	return out, nil
}

// DuplicatesOf returns the reports merged into report id (MarkDuplicate), oldest first:
// their finders are owed the credit their acknowledgement promised.
func (s *Service) DuplicatesOf(ctx context.Context, q db.Querier, id int64) ([]*Report, error) {
	rows, err := q.Query(ctx, "SELECT "+reportColumns+" FROM reports WHERE duplicate_of = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
