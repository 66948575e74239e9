package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The milestones of reports and cases, read from the event log for one period: the
// reports received and the cases opened in it, and what happened to them until the
// horizon (the period's end plus Horizon, or now when that is earlier). Something that
// happened after the horizon is not seen, so a closed period's numbers do not change.

// Horizon is how long after a period's end its items' later milestones are looked for.
const Horizon = 180 * 24 * time.Hour

// Actions a person of the team takes that count as acknowledging a report (the
// automatic receipt, report.acknowledged, is the system's and does not count).
var ackActions = []string{"report.message.staff", "report.triaged", "report.assigned", "report.parked",
	"report.missing_requested", "report.merged", "report.closed"}

// disclosureActions make a case public.
var disclosureActions = []string{"case.pd_reached", "case.embargo.broken", "case.embargo.released", "advisory.published"}

type reportItem struct {
	ref      string
	received time.Time
	ack      *time.Time
	triage   *time.Time
}

// caseItem holds the first time of each milestone of one case.
type caseItem struct {
	id       int64
	ref      string
	opened   time.Time
	owner    *time.Time // first owner contact
	agreed   *time.Time // embargo agreed
	disclose *time.Time // public
	broken   bool
	facts    map[string]time.Time // vendor_aware, fix_ready, fix_deployed, public_aware, exploit_public, attacks_observed
}

type dataset struct {
	period  Period
	horizon time.Time
	reports []*reportItem
	cases   []*caseItem
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func first(p **time.Time, t time.Time) {
	if *p == nil || t.Before(**p) {
		t := t
		*p = &t
	}
}

// load reads the period's items from the event log.
func (s *Service) load(ctx context.Context, p Period, now time.Time) (*dataset, error) {
	d := &dataset{period: p, horizon: p.To.Add(Horizon)}
	if now.Before(d.horizon) {
		d.horizon = now.Add(time.Microsecond)
	}
	q := s.DB.Read()
	end := p.To
	if end.After(d.horizon) {
		end = d.horizon
	}
	// Reports received in the period, then the milestones of those reports.
	byRef := map[string]*reportItem{}
	rows, err := q.Query(ctx, `SELECT subject_id, at FROM events WHERE action = 'report.received' AND at >= ? AND at < ? ORDER BY seq`, p.From, end)
	if err != nil {
		return nil, fmt.Errorf("metrics: reports: %w", err)
	}
	for rows.Next() {
		var ref string
		var at time.Time
		if err := rows.Scan(&ref, &at); err != nil {
			rows.Close()
			return nil, err
		}
		if _, dup := byRef[ref]; !dup {
			it := &reportItem{ref: ref, received: at.UTC()}
			byRef[ref] = it
			d.reports = append(d.reports, it)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(d.reports) > 0 {
		args := []any{p.From, d.horizon}
		for _, a := range ackActions {
			args = append(args, a)
		}
		rows, err = q.Query(ctx, `SELECT subject_id, action, at, actor_id FROM events WHERE at >= ? AND at < ? AND subject_type = 'report' AND action IN (`+
			placeholders(len(ackActions))+`) ORDER BY seq`, args...)
		if err != nil {
			return nil, fmt.Errorf("metrics: report milestones: %w", err)
		}
		for rows.Next() {
			var ref, action string
			var at time.Time
			var actor sql.NullInt64
			if err := rows.Scan(&ref, &action, &at, &actor); err != nil {
				rows.Close()
				return nil, err
			}
			it := byRef[ref]
			if it == nil {
				continue
			}
			at = at.UTC()
			if actor.Valid && actor.Int64 > 0 {
				first(&it.ack, at)
			}
			if action == "report.triaged" {
				first(&it.triage, at)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Cases opened in the period, then their milestones.
	byID := map[int64]*caseItem{}
	rows, err = q.Query(ctx, `SELECT case_id, subject_id, at FROM events WHERE action = 'case.opened' AND at >= ? AND at < ? AND case_id IS NOT NULL ORDER BY seq`, p.From, end)
	if err != nil {
		return nil, fmt.Errorf("metrics: cases: %w", err)
	}
	for rows.Next() {
		var id int64
		var ref string
		var at time.Time
		if err := rows.Scan(&id, &ref, &at); err != nil {
			rows.Close()
			return nil, err
		}
		if _, dup := byID[id]; !dup {
			it := &caseItem{id: id, ref: ref, opened: at.UTC(), facts: map[string]time.Time{}}
			byID[id] = it
			d.cases = append(d.cases, it)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(d.cases) == 0 {
		return d, nil
	}
	acts := append([]string{"case.facts", "case.participant.added", "case.embargo.agreed"}, disclosureActions...)
	args := []any{p.From, d.horizon}
	for _, a := range acts {
		args = append(args, a)
	}
	rows, err = q.Query(ctx, `SELECT case_id, action, at, after_json FROM events WHERE at >= ? AND at < ? AND case_id IS NOT NULL AND action IN (`+
		placeholders(len(acts))+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("metrics: case milestones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var action string
		var at time.Time
		var after sql.NullString
		if err := rows.Scan(&id, &action, &at, &after); err != nil {
			return nil, err
		}
		it := byID[id]
		if it == nil {
			continue
		}
		at = at.UTC()
		switch action {
		case "case.facts":
			var v struct {
				Facts []string `json:"facts"`
			}
			_ = json.Unmarshal([]byte(after.String), &v) // a payload that does not parse names no facts
			for _, f := range v.Facts {
				if _, ok := it.facts[f]; !ok {
					it.facts[f] = at
				}
				if f == "vendor_aware" {
					first(&it.owner, at)
				}
			}
		case "case.participant.added":
			var v struct {
				Role string `json:"role"`
			}
			_ = json.Unmarshal([]byte(after.String), &v)
			if v.Role == "owner" {
				first(&it.owner, at)
			}
		case "case.embargo.agreed":
			first(&it.agreed, at)
		default: // disclosure
			if action == "case.embargo.broken" {
				it.broken = true
			}
			first(&it.disclose, at)
		}
	}
	return d, rows.Err()
}
