package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// The milestones of reports and cases come from the event log. metrics_items keeps, per
// report and per case, the first time each milestone happened; catchUp folds the events
// appended since metrics_cursor into it before every read (the events table is append
// only and its seq follows commit order, as appends serialize on the chain head). The
// fold keeps the earliest time, so two readers folding the same events concurrently, or
// an event folded twice, change nothing: the table is always what a full scan of the
// log would give. A period's items are those received (reports) or opened (cases) in
// it; milestones after the horizon (the period's end plus Horizon, or now) are ignored,
// so a closed period's numbers do not change.

// Horizon is how long after a period's end its items' later milestones are looked for.
const Horizon = 180 * 24 * time.Hour

// Actions a person of the team takes that count as acknowledging a report (the
// automatic receipt, report.acknowledged, is the system's and does not count).
var ackActions = []string{"report.message.staff", "report.triaged", "report.assigned", "report.parked",
	"report.missing_requested", "report.merged", "report.closed"}

// disclosureActions make a case public.
var disclosureActions = []string{"case.pd_reached", "case.embargo.broken", "case.embargo.released", "advisory.published"}

// factColumns are the CVD model's facts with their metrics_items columns.
var factColumns = []string{"vendor_aware", "fix_ready", "fix_deployed", "public_aware", "exploit_public", "attacks_observed"}

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

// milestones is what a batch of events says about one item.
type milestones struct {
	kind, key, public string
	cols              map[string]time.Time
	broken            bool
}

func (m *milestones) set(col string, t time.Time) {
	if old, ok := m.cols[col]; !ok || t.Before(old) {
		m.cols[col] = t
	}
}

var folded = func() map[string]bool {
	out := map[string]bool{}
	for _, a := range append(append([]string{"report.received", "case.opened", "case.facts", "case.participant.added", "case.embargo.agreed"},
		ackActions...), disclosureActions...) {
		out[a] = true
	}
	return out
}()

const catchUpBatch = 5000

// catchUp folds the events appended since the cursor into metrics_items.
func (s *Service) catchUp(ctx context.Context) error {
	var cursor, head int64
	q := s.DB.Read()
	if err := q.QueryRow(ctx, "SELECT seq FROM metrics_cursor WHERE id = 1").Scan(&cursor); err != nil {
		return fmt.Errorf("metrics: cursor: %w", err)
	}
	if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM events").Scan(&head); err != nil {
		return err
	}
	for cursor < head {
		upto := min(cursor+catchUpBatch, head)
		if err := s.fold(ctx, cursor, upto); err != nil {
			return err
		}
		cursor = upto
	}
	return nil
}

// fold applies the events with cursor < seq <= upto and moves the cursor, in one transaction.
func (s *Service) fold(ctx context.Context, cursor, upto int64) error {
	return s.DB.InTx(ctx, func(q db.Querier) error {
		// A range of the primary key, filtered here: a condition on action would lead
		// SQLite to the (action, at) index and a scan of the whole log.
		rows, err := q.Query(ctx, `SELECT subject_type, subject_id, case_id, action, at, actor_id, after_json FROM events
			WHERE seq > ? AND seq <= ?`, cursor, upto)
		if err != nil {
			return err
		}
		items := map[string]*milestones{}
		var order []string
		item := func(kind, key string) *milestones {
			m := items[kind+"\x00"+key]
			if m == nil {
				m = &milestones{kind: kind, key: key, cols: map[string]time.Time{}}
				items[kind+"\x00"+key] = m
				order = append(order, kind+"\x00"+key)
			}
			return m
		}
		for rows.Next() {
			var typ, subject, action string
			var caseID, actor sql.NullInt64
			var at time.Time
			var after sql.NullString
			if err := rows.Scan(&typ, &subject, &caseID, &action, &at, &actor, &after); err != nil {
				rows.Close()
				return err
			}
			if !folded[action] {
				continue
			}
			at = at.UTC()
			if strings.HasPrefix(action, "report.") {
				if typ != "report" {
					continue
				}
				m := item("report", subject)
				m.public = subject
				if action == "report.received" {
					m.set("start_at", at)
					continue
				}
				if action == "report.triaged" {
					m.set("triage_at", at)
				}
				if actor.Valid && actor.Int64 > 0 {
					m.set("ack_at", at)
				}
				continue
			}
			if !caseID.Valid {
				continue
			}
			m := item("case", strconv.FormatInt(caseID.Int64, 10))
			switch action {
			case "case.opened":
				m.set("start_at", at)
				m.public = subject
			case "case.facts":
				var v struct {
					Facts []string `json:"facts"`
				}
				_ = json.Unmarshal([]byte(after.String), &v) // a payload that does not parse names no facts
				for _, f := range v.Facts {
					for _, c := range factColumns {
						if f == c {
							m.set(c+"_at", at)
						}
					}
					if f == "vendor_aware" {
						m.set("owner_at", at)
					}
				}
			case "case.participant.added":
				var v struct {
					Role string `json:"role"`
				}
				_ = json.Unmarshal([]byte(after.String), &v)
				if v.Role == "owner" {
					m.set("owner_at", at)
				}
			case "case.embargo.agreed":
				m.set("agreed_at", at)
			default: // disclosure
				m.set("disclosed_at", at)
				if action == "case.embargo.broken" {
					m.broken = true
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range order {
			if err := upsert(ctx, q, items[k]); err != nil {
				return err
			}
		}
		_, err = q.Exec(ctx, "UPDATE metrics_cursor SET seq = ? WHERE id = 1 AND seq < ?", upto, upto)
		return err
	})
}

// upsert merges m into its row, keeping the earliest time of each milestone.
func upsert(ctx context.Context, q db.Querier, m *milestones) error {
	cols := []string{"kind", "item_key", "public_id", "broken"}
	args := []any{m.kind, m.key, m.public, 0}
	if m.broken {
		args[3] = 1
	}
	sets := []string{"public_id = CASE WHEN excluded.public_id <> '' THEN excluded.public_id ELSE metrics_items.public_id END",
		"broken = CASE WHEN excluded.broken = 1 THEN 1 ELSE metrics_items.broken END"}
	for c, t := range m.cols {
		cols = append(cols, c)
		args = append(args, t)
		sets = append(sets, fmt.Sprintf("%[1]s = CASE WHEN metrics_items.%[1]s IS NULL OR excluded.%[1]s < metrics_items.%[1]s THEN excluded.%[1]s ELSE metrics_items.%[1]s END", c))
	}
	_, err := q.Exec(ctx, "INSERT INTO metrics_items ("+strings.Join(cols, ", ")+") VALUES ("+placeholders(len(cols))+
		") ON CONFLICT (kind, item_key) DO UPDATE SET "+strings.Join(sets, ", "), args...)
	return err
}

// load reads the period's items.
func (s *Service) load(ctx context.Context, p Period, now time.Time) (*dataset, error) {
	if err := s.catchUp(ctx); err != nil {
		return nil, fmt.Errorf("metrics: catch up with the event log: %w", err)
	}
	d := &dataset{period: p, horizon: p.To.Add(Horizon)}
	if now.Before(d.horizon) {
		d.horizon = now.Add(time.Microsecond)
	}
	end := p.To
	if end.After(d.horizon) {
		end = d.horizon
	}
	within := func(t sql.NullTime) *time.Time {
		if !t.Valid || !t.Time.Before(d.horizon) {
			return nil
		}
		u := t.Time.UTC()
		return &u
	}
	q := s.DB.Read()
	rows, err := q.Query(ctx, `SELECT public_id, start_at, ack_at, triage_at FROM metrics_items
		WHERE kind = 'report' AND start_at >= ? AND start_at < ? ORDER BY start_at, item_key`, p.From, end)
	if err != nil {
		return nil, fmt.Errorf("metrics: reports: %w", err)
	}
	for rows.Next() {
		var it reportItem
		var ack, triage sql.NullTime
		if err := rows.Scan(&it.ref, &it.received, &ack, &triage); err != nil {
			rows.Close()
			return nil, err
		}
		it.received = it.received.UTC()
		it.ack, it.triage = within(ack), within(triage)
		d.reports = append(d.reports, &it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	factCols := make([]string, len(factColumns))
	for i, f := range factColumns {
		factCols[i] = f + "_at"
	}
	rows, err = q.Query(ctx, `SELECT item_key, public_id, start_at, owner_at, agreed_at, disclosed_at, broken, `+strings.Join(factCols, ", ")+`
		FROM metrics_items WHERE kind = 'case' AND start_at >= ? AND start_at < ? ORDER BY start_at, item_key`, p.From, end)
	if err != nil {
		return nil, fmt.Errorf("metrics: cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it caseItem
		var key string
		var owner, agreed, disclosed sql.NullTime
		var broken int
		facts := make([]sql.NullTime, len(factColumns))
		dest := []any{&key, &it.ref, &it.opened, &owner, &agreed, &disclosed, &broken}
		for i := range facts {
			dest = append(dest, &facts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		it.id, _ = strconv.ParseInt(key, 10, 64)
		it.opened = it.opened.UTC()
		it.owner, it.agreed, it.disclose = within(owner), within(agreed), within(disclosed)
		it.broken = broken == 1 && it.disclose != nil
		it.facts = map[string]time.Time{}
		for i, f := range factColumns {
			if t := within(facts[i]); t != nil {
				it.facts[f] = *t
			}
		}
		d.cases = append(d.cases, &it)
	}
	return d, rows.Err()
}
