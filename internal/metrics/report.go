package metrics

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// Count is one cell of a breakdown.
type Count struct {
	Label string  `json:"label"`
	N     float64 `json:"n"`
}

// Volumes are the period's counts.
type Volumes struct {
	Received      int     `json:"received"`
	ByOutcome     []Count `json:"by_outcome"`
	ByEcosystem   []Count `json:"by_ecosystem"`
	BySeverity    []Count `json:"by_severity"`
	ByChannel     []Count `json:"by_channel"`
	CasesOpened   int     `json:"cases_opened"`
	CasesClosed   int     `json:"cases_closed"`
	CasesOpenEnd  int     `json:"cases_open_at_end"`
	EmbargoBreaks int     `json:"embargo_breaks"`
}

// ReportSLI is an SLI as a report shows it: no item ids (a report leaves the team).
type ReportSLI struct {
	Key      string     `json:"key"`
	Name     string     `json:"name"`
	Unit     string     `json:"unit"`
	N        int        `json:"n"`
	P50      *float64   `json:"p50"`
	P90      *float64   `json:"p90"`
	Value    *float64   `json:"value,omitempty"`
	Open     int        `json:"open"`
	SLO      *SLOResult `json:"slo"`
	Breaches int        `json:"breaches"`
}

// NotableCase is a case that became public in the period (only public cases are named).
type NotableCase struct {
	Ref    string    `json:"ref"`
	Title  string    `json:"title"`
	Public time.Time `json:"public"`
}

// Report is a quarterly or annual report to the TAC. A closed period's report is stored
// as this JSON the first time it is generated and rendered from it after.
type Report struct {
	Period        Period        `json:"period"`
	Team          string        `json:"team"`
	Generated     time.Time     `json:"generated"`
	Closed        bool          `json:"closed"`
	SLIs          []ReportSLI   `json:"slis"`
	Volumes       Volumes       `json:"volumes"`
	Notable       []NotableCase `json:"notable"`
	Engagements   []Count       `json:"engagements"`
	SpotDue       int           `json:"spot_checks_due"`
	SpotDone      int           `json:"spot_checks_done"`
	Hours         []Count       `json:"volunteer_hours"`
	Notifications []Count       `json:"notifications"`
	Charts        []Chart       `json:"charts"`
}

// ErrNoReport is a period that has not started.
var ErrNoReport = errors.New("metrics: the period has not started")

// TACReport returns the report for p: from its snapshot when p is closed (stored on first
// generation), computed live otherwise.
func (s *Service) TACReport(ctx context.Context, actor authz.Actor, p Period) (*Report, error) {
	if err := authz.Can(actor, authz.ViewTACReport, nil); err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	if !now.After(p.From) {
		return nil, fmt.Errorf("%w: %s", db.ErrNotFound, p.Name)
	}
	if !p.Closed(now) {
		return s.build(ctx, p, now)
	}
	var raw string
	err := s.DB.Read().QueryRow(ctx, "SELECT data_json FROM report_snapshots WHERE period = ?", p.Name).Scan(&raw)
	if err == nil {
		var r Report
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return nil, fmt.Errorf("metrics: snapshot %s: %w", p.Name, err)
		}
		return &r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	r, err := s.build(ctx, p, now)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		res, err := q.Exec(ctx, "INSERT INTO report_snapshots (period, data_json, created_at) VALUES (?, ?, ?) ON CONFLICT (period) DO NOTHING", p.Name, string(b), now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another request stored it first
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvReportSnapshot, Subject: events.Ref{Type: "report_snapshot", ID: p.Name},
			After: SnapshotEvent{Period: p.Name, SHA256: hex.EncodeToString(sum[:])}})
		return err
	})
	if err != nil {
		return nil, err
	}
	// Serve what is stored (another process may have stored first).
	if err := s.DB.Read().QueryRow(ctx, "SELECT data_json FROM report_snapshots WHERE period = ?", p.Name).Scan(&raw); err != nil {
		return nil, err
	}
	var out Report
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// build computes a report at now.
func (s *Service) build(ctx context.Context, p Period, now time.Time) (*Report, error) {
	d, err := s.load(ctx, p, now)
	if err != nil {
		return nil, err
	}
	slos, err := s.SLOs(ctx)
	if err != nil {
		return nil, err
	}
	slis := s.compute(d, slos, now)
	if err := s.delivery(ctx, slis, p, d.horizon, slos); err != nil {
		return nil, err
	}
	r := &Report{Period: p, Team: s.cfg.Team, Generated: now.Truncate(time.Second), Closed: p.Closed(now)}
	for _, x := range slis {
		r.SLIs = append(r.SLIs, ReportSLI{Key: x.Key, Name: x.Name, Unit: x.Unit, N: x.N, P50: x.P50, P90: x.P90, Value: x.Value, Open: x.Open, SLO: x.SLO, Breaches: len(x.Breaches)})
	}
	end := p.To
	if now.Before(end) {
		end = now
	}
	if r.Volumes, err = s.volumes(ctx, p.From, end, len(d.cases)); err != nil {
		return nil, err
	}
	r.Volumes.Received = len(d.reports) // the event log's count (the breakdowns read the reports' fields)
	if r.Notable, err = s.notable(ctx, p.From, end); err != nil {
		return nil, err
	}
	if err := s.programme(ctx, r, p.From, end); err != nil {
		return nil, err
	}
	r.Charts = monthlyCharts(p, d, slis)
	return r, nil
}

func counts(ctx context.Context, q db.Querier, query string, args ...any) ([]Count, error) {
	return db.All(ctx, q, func(sc db.Scanner) (Count, error) {
		var c Count
		var n sql.NullFloat64
		err := sc.Scan(&c.Label, &n)
		c.N = n.Float64
		return c, err
	}, query, args...)
}

func labelled(cs []Count, empty string) []Count {
	for i := range cs {
		if cs[i].Label == "" {
			cs[i].Label = empty
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Label < cs[j].Label })
	return cs
}

func (s *Service) volumes(ctx context.Context, from, end time.Time, opened int) (Volumes, error) {
	q := s.DB.Read()
	v := Volumes{CasesOpened: opened}
	var err error
	where := " FROM reports WHERE received_at >= ? AND received_at < ?"
	if err = q.QueryRow(ctx, "SELECT COUNT(*)"+where, from, end).Scan(&v.Received); err != nil {
		return v, err
	}
	if v.ByOutcome, err = counts(ctx, q, "SELECT outcome, COUNT(*)"+where+" GROUP BY outcome", from, end); err != nil {
		return v, err
	}
	v.ByOutcome = labelled(v.ByOutcome, "not triaged")
	if v.BySeverity, err = counts(ctx, q, "SELECT severity, COUNT(*)"+where+" GROUP BY severity", from, end); err != nil {
		return v, err
	}
	v.BySeverity = labelled(v.BySeverity, "not rated")
	if v.ByChannel, err = counts(ctx, q, "SELECT source, COUNT(*)"+where+" GROUP BY source", from, end); err != nil {
		return v, err
	}
	v.ByChannel = labelled(v.ByChannel, "unknown")
	affected, err := db.All(ctx, q, func(sc db.Scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	}, "SELECT affected_json"+where, from, end)
	if err != nil {
		return v, err
	}
	eco := map[string]float64{}
	for _, a := range affected {
		var pk []struct {
			Package struct {
				Ecosystem string `json:"ecosystem"`
			} `json:"package"`
		}
		_ = json.Unmarshal([]byte(a), &pk) // an unreadable list counts as no ecosystem
		seen := map[string]bool{}
		for _, p := range pk {
			if e := p.Package.Ecosystem; e != "" && !seen[e] {
				seen[e] = true
				eco[e]++
			}
		}
		if len(seen) == 0 {
			eco["unknown"]++
		}
	}
	for k, n := range eco {
		v.ByEcosystem = append(v.ByEcosystem, Count{Label: k, N: n})
	}
	sort.Slice(v.ByEcosystem, func(i, j int) bool { return v.ByEcosystem[i].Label < v.ByEcosystem[j].Label })
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM events WHERE action = 'case.closed' AND at >= ? AND at < ?", from, end).Scan(&v.CasesClosed); err != nil {
		return v, err
	}
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM events WHERE action = 'case.embargo.broken' AND at >= ? AND at < ?", from, end).Scan(&v.EmbargoBreaks); err != nil {
		return v, err
	}
	err = q.QueryRow(ctx, "SELECT COUNT(*) FROM cases WHERE created_at < ? AND (closed_at IS NULL OR closed_at >= ?)", end, end).Scan(&v.CasesOpenEnd)
	return v, err
}

// notable lists the cases that became public in the period. Only a case whose public
// date has passed (a disclosure event) is named; embargoed cases never are.
func (s *Service) notable(ctx context.Context, from, end time.Time) ([]NotableCase, error) {
	all, err := db.All(ctx, s.DB.Read(), func(sc db.Scanner) (NotableCase, error) {
		var n NotableCase
		err := sc.Scan(&n.Ref, &n.Title, &n.Public)
		n.Public = n.Public.UTC()
		return n, err
	}, `SELECT c.public_id, c.title, e.at FROM events e JOIN cases c ON c.id = e.case_id
		WHERE e.action IN ('case.pd_reached', 'case.embargo.broken', 'case.embargo.released') AND e.at >= ? AND e.at < ?
		AND c.em_state IN ('none', 'exited') AND c.public_date IS NOT NULL AND c.public_date <= ?
		ORDER BY e.at, c.public_id`, from, end, end)
	if err != nil {
		return nil, err
	}
	var out []NotableCase
	seen := map[string]bool{}
	for _, n := range all {
		if !seen[n.Ref] && len(out) < 25 {
			seen[n.Ref] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// programme fills the engagements, spot-checks, volunteer hours and notifications.
func (s *Service) programme(ctx context.Context, r *Report, from, end time.Time) error {
	q := s.DB.Read()
	var err error
	if r.Engagements, err = counts(ctx, q, "SELECT status, COUNT(*) FROM engagements WHERE created_at < ? GROUP BY status ORDER BY status", end); err != nil {
		return err
	}
	df, de := from.Format(time.DateOnly), end.Format(time.DateOnly)
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM eng_spot_checks WHERE due_on >= ? AND due_on < ?", df, de).Scan(&r.SpotDue); err != nil {
		return err
	}
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM eng_spot_checks WHERE due_on >= ? AND due_on < ? AND done_on IS NOT NULL", df, de).Scan(&r.SpotDone); err != nil {
		return err
	}
	if r.Hours, err = counts(ctx, q, "SELECT kind, SUM(hours) FROM eng_hours WHERE worked_on >= ? AND worked_on < ? GROUP BY kind ORDER BY kind", df, de); err != nil {
		return err
	}
	r.Notifications, err = counts(ctx, q, "SELECT state, COUNT(*) FROM outbox WHERE created_at >= ? AND created_at < ? GROUP BY state ORDER BY state", from, end)
	return err
}

// monthlyCharts are the report's charts: reports per month, the median times to
// acknowledge and to triage per month, and SLO compliance.
func monthlyCharts(p Period, d *dataset, slis []SLI) []Chart {
	var months []time.Time
	for m := p.From; m.Before(p.To); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
	}
	labels := make([]string, len(months))
	idx := func(t time.Time) int {
		for i := len(months) - 1; i >= 0; i-- {
			if !t.Before(months[i]) {
				return i
			}
		}
		return 0
	}
	for i, m := range months {
		labels[i] = m.Format("Jan 2006")
	}
	received := make([]*float64, len(months))
	for i := range received {
		z := 0.0
		received[i] = &z
	}
	for _, r := range d.reports {
		*received[idx(r.received)]++
	}
	median := func(key string) []*float64 {
		per := make([][]float64, len(months))
		for _, x := range slis {
			if x.Key != key {
				continue
			}
			for _, it := range x.Items {
				if it.End != nil {
					i := idx(it.Start)
					per[i] = append(per[i], *it.Value)
				}
			}
		}
		out := make([]*float64, len(months))
		for i, vs := range per {
			out[i] = percentile(vs, 50)
		}
		return out
	}
	charts := []Chart{
		{Title: "Reports received per month", Desc: "Reports received in each month of " + p.Name + ".", Unit: "reports", Labels: labels, Values: received},
		{Title: "Median time to acknowledge", Desc: "Median business days from receipt to a person's first action, by month of receipt.", Unit: "business days", Labels: labels, Values: median("time_to_acknowledge")},
		{Title: "Median time to triage", Desc: "Median business days from receipt to the triage decision, by month of receipt.", Unit: "business days", Labels: labels, Values: median("time_to_triage")},
	}
	slo := Chart{Title: "SLO compliance", Desc: "Share of items within their SLO target in " + p.Name + ".", Unit: "%"}
	for _, x := range slis {
		if x.SLO != nil {
			v := round2(x.SLO.Compliance * 100)
			slo.Labels = append(slo.Labels, x.Key)
			slo.Values = append(slo.Values, &v)
		}
	}
	return append(charts, slo)
}
