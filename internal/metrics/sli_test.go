package metrics_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/metrics"
)

// history appends events at chosen times (the fake clock moves to each).
type history struct {
	t   *testing.T
	d   *db.DB
	clk *clock.Fake
	log *events.Log
}

var (
	person = authz.User(7, "resp@example.org", authz.RoleResponder)
	system = authz.System("intake")
)

func (h history) add(at string, actor authz.Actor, action, typ, id string, caseID int64, after any) {
	h.t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		h.t.Fatal(err)
	}
	h.clk.Set(ts)
	err = h.d.InTx(context.Background(), func(q db.Querier) error {
		_, err := h.log.Append(context.Background(), q, actor, events.Entry{Action: action, Subject: events.Ref{Type: typ, ID: id}, CaseID: caseID, After: after})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func berlin(t *testing.T) calendar.Calendar {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	return calendar.Calendar{Location: loc, Workdays: calendar.MondayToFriday, Holidays: map[calendar.Date]string{
		{Year: 2026, Month: 4, Day: 3}: "Good Friday", {Year: 2026, Month: 4, Day: 6}: "Easter Monday"}}
}

// fixture is a month of history computed by hand in a Berlin calendar with the Easter
// holidays (see the comments for each number).
func fixture(t *testing.T, d *db.DB) (*metrics.Service, *clock.Fake) {
	clk := clock.NewFake(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	h := history{t: t, d: d, clk: clk, log: events.New(clk)}
	// Report A: received Thu 2 Apr 10:00 Berlin; the automatic receipt does not count;
	// a person writes on Tue 7 Apr 10:00 after Good Friday, the weekend and Easter
	// Monday: 14/24 + 10/24 = 1 business day (5 calendar days). Triaged Thu 16 Apr 10:00:
	// 14/24 + 7 days + 10/24 = 8 business days.
	h.add("2026-04-02T08:00:00Z", system, "report.received", "report", "R-A", 0, nil)
	h.add("2026-04-02T08:00:01Z", system, "report.acknowledged", "report", "R-A", 0, nil)
	h.add("2026-04-07T08:00:00Z", person, "report.message.staff", "report", "R-A", 0, nil)
	h.add("2026-04-16T08:00:00Z", person, "report.triaged", "report", "R-A", 0, map[string]any{"outcome": "coordinate"})
	// Report B: received Fri 17 Apr 23:00 UTC, Saturday 01:00 in Berlin; triaged Wed 22 Apr
	// 12:00 Berlin: Mon + Tue + 12/24 = 2.5 business days (in UTC it would be 2.458).
	h.add("2026-04-17T23:00:00Z", system, "report.received", "report", "R-B", 0, nil)
	h.add("2026-04-22T10:00:00Z", person, "report.triaged", "report", "R-B", 0, map[string]any{"outcome": "decline"})
	// Report C: received Mon 20 Apr 10:00 Berlin, nothing since: open and, at Mon 4 May
	// 12:00 Berlin, past both targets (triage: 14/24 + 9 days + 12/24 = 10.08).
	h.add("2026-04-20T08:00:00Z", system, "report.received", "report", "R-C", 0, nil)
	// Case X (id 1): opened Wed 8 Apr; owner added Thu 9 Apr (1 business day); embargo
	// agreed 10 Apr; public aware 14 Apr before the fix was ready 15 Apr (7 calendar
	// days; undesirable); public date reached 20 Apr (12 calendar days; embargo 10).
	h.add("2026-04-08T08:00:00Z", person, "case.opened", "case", "C-X", 1, nil)
	h.add("2026-04-09T08:00:00Z", person, "case.participant.added", "case", "C-X", 1, map[string]any{"role": "owner"})
	h.add("2026-04-10T08:00:00Z", person, "case.embargo.agreed", "case", "C-X", 1, nil)
	h.add("2026-04-14T08:00:00Z", person, "case.facts", "case", "C-X", 1, map[string]any{"facts": []string{"public_aware"}})
	h.add("2026-04-15T08:00:00Z", person, "case.facts", "case", "C-X", 1, map[string]any{"facts": []string{"fix_ready"}})
	h.add("2026-04-20T08:00:00Z", system, "case.pd_reached", "case", "C-X", 1, nil)
	// Case Y (id 2): opened Thu 9 Apr; vendor aware and fix ready Fri 10 Apr (1 business
	// day; 1 calendar day); fix deployed 11 Apr; public aware and the embargo broken 12
	// Apr (3 calendar days): a desirable history.
	h.add("2026-04-09T08:00:00Z", person, "case.opened", "case", "C-Y", 2, nil)
	h.add("2026-04-10T08:00:00Z", person, "case.facts", "case", "C-Y", 2, map[string]any{"facts": []string{"vendor_aware", "fix_ready"}})
	h.add("2026-04-11T08:00:00Z", person, "case.facts", "case", "C-Y", 2, map[string]any{"facts": []string{"fix_deployed"}})
	h.add("2026-04-12T08:00:00Z", person, "case.facts", "case", "C-Y", 2, map[string]any{"facts": []string{"public_aware"}})
	h.add("2026-04-12T08:00:01Z", person, "case.embargo.broken", "case", "C-Y", 2, nil)
	// Received after the period: not counted.
	h.add("2026-05-01T08:00:00Z", system, "report.received", "report", "R-D", 0, nil)
	clk.Set(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
	svc := metrics.New(metrics.Deps{DB: d, Clock: clk, Events: events.New(clk)},
		metrics.Config{Team: "Test", Calendar: berlin(t), Policy: calendar.DefaultPolicy()})
	return svc, clk
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.006 }

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func TestSLIsAgainstHandComputedFixture(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		svc, _ := fixture(t, d)
		p, err := metrics.ParseRange("2026-04-01", "2026-04-30")
		if err != nil {
			t.Fatal(err)
		}
		slis, err := svc.SLIs(context.Background(), authz.User(1, "pgm@example.org", authz.RolePgM), p)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]metrics.SLI{}
		for _, s := range slis {
			by[s.Key] = s
		}
		type want struct {
			n, open     int
			p50, p90    float64
			compliance  float64 // NaN: no SLO
			breaches    []string
			calendarP50 float64 // NaN: not checked
		}
		nan := math.NaN()
		cases := map[string]want{
			"time_to_acknowledge":         {n: 2, open: 1, p50: 1, p90: 2.5, compliance: 1.0 / 3, breaches: []string{"R-B", "R-C"}, calendarP50: 4.46}, // B: 4 days 11 h,
			"time_to_triage":              {n: 2, open: 1, p50: 2.5, p90: 8, compliance: 2.0 / 3, breaches: []string{"R-C"}, calendarP50: nan},
			"time_to_first_owner_contact": {n: 2, open: 0, p50: 1, p90: 1, compliance: nan, calendarP50: 1},
			"time_to_fix_ready":           {n: 2, open: 0, p50: 1, p90: 7, compliance: nan, calendarP50: nan},
			"time_to_disclosure":          {n: 2, open: 0, p50: 3, p90: 12, compliance: nan, calendarP50: nan},
			"embargo_length":              {n: 1, open: 0, p50: 10, p90: 10, compliance: nan, calendarP50: nan},
		}
		for key, w := range cases {
			s, ok := by[key]
			if !ok {
				t.Errorf("no SLI %s", key)
				continue
			}
			if s.N != w.n || s.Open != w.open || !near(val(s.P50), w.p50) || !near(val(s.P90), w.p90) {
				t.Errorf("%s: n=%d open=%d p50=%v p90=%v, want %d %d %v %v", key, s.N, s.Open, val(s.P50), val(s.P90), w.n, w.open, w.p50, w.p90)
			}
			if !math.IsNaN(w.calendarP50) && !near(val(s.CalendarP50), w.calendarP50) {
				t.Errorf("%s: calendar p50 %v, want %v", key, val(s.CalendarP50), w.calendarP50)
			}
			if math.IsNaN(w.compliance) {
				if s.SLO != nil {
					t.Errorf("%s: SLO %+v, want none", key, s.SLO)
				}
				continue
			}
			if s.SLO == nil || !near(s.SLO.Compliance, w.compliance) {
				t.Errorf("%s: SLO %+v, want compliance %v", key, s.SLO, w.compliance)
			}
			if !slices.Equal(s.Breaches, w.breaches) {
				t.Errorf("%s: breaches %v, want %v", key, s.Breaches, w.breaches)
			}
		}
		h := by["desirable_cvd_history"]
		if h.N != 2 || !near(val(h.Value), 0.5) || !slices.Equal(h.Breaches, []string{"C-X"}) {
			t.Errorf("desirable history: n=%d value=%v breaches=%v, want 2 0.5 [C-X]", h.N, val(h.Value), h.Breaches)
		}
		// Error budget: 5 % of 3 evaluated may miss (0.15); 2 missed.
		if a := by["time_to_acknowledge"].SLO; a == nil || !near(a.ErrorBudget, 1-2/0.15) {
			t.Errorf("ack error budget %+v", a)
		}
		// Folding the whole log again (the cursor reset, as two readers racing would) changes nothing.
		if _, err := d.SQL().Exec("UPDATE metrics_cursor SET seq = 0"); err != nil {
			t.Fatal(err)
		}
		again, err := svc.SLIs(context.Background(), authz.User(1, "pgm@example.org", authz.RolePgM), p)
		if err != nil {
			t.Fatal(err)
		}
		a1, _ := json.Marshal(slis)
		a2, _ := json.Marshal(again)
		if string(a1) != string(a2) {
			t.Errorf("folding the log twice changed the SLIs:\n%s\n%s", a1, a2)
		}
		// The JSON has the contract's fields.
		b, _ := json.Marshal(by["time_to_acknowledge"])
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		for _, f := range []string{"key", "unit", "n", "p50", "p90", "slo", "breaches"} {
			if _, ok := m[f]; !ok {
				t.Errorf("JSON has no %q: %s", f, b)
			}
		}
	})
}

func TestSLOTargetsAreEditableByProgrammeManager(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		svc, _ := fixture(t, d)
		ctx := context.Background()
		pgm := authz.User(1, "pgm@example.org", authz.RolePgM)
		if _, err := svc.SetSLO(ctx, authz.User(2, "r@example.org", authz.RoleResponder), "time_to_triage", metrics.SLO{TargetDays: 3, Objective: 0.9}); err != authz.ErrNotFound {
			t.Errorf("responder setting an SLO: %v, want not found", err)
		}
		if _, err := svc.SetSLO(ctx, pgm, "time_to_triage", metrics.SLO{TargetDays: 3, Objective: 1.5}); err == nil {
			t.Error("objective 1.5 accepted")
		}
		if _, err := svc.SetSLO(ctx, pgm, "time_to_triage", metrics.SLO{TargetDays: 3, Objective: 0.5}); err != nil {
			t.Fatal(err)
		}
		p, _ := metrics.ParseRange("2026-04-01", "2026-04-30")
		slis, err := svc.SLIs(ctx, pgm, p)
		if err != nil {
			t.Fatal(err)
		}
		// Triage within 3 business days: only B (2.5) of A (8), B, C (open, 10.08).
		if s := slis[1]; s.SLO == nil || !near(s.SLO.Compliance, 1.0/3) || !slices.Equal(s.Breaches, []string{"R-A", "R-C"}) {
			t.Errorf("after the change: %+v %v", s.SLO, s.Breaches)
		}
		checkCatalogue(t, d)
	})
}

// checkCatalogue: every metrics.* event is in the catalogue and decodes into its type.
func checkCatalogue(t *testing.T, d *db.DB) {
	t.Helper()
	rows, err := d.Read().Query(context.Background(), "SELECT action, after_json FROM events WHERE action LIKE 'metrics.%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var action string
		var after []byte
		if err := rows.Scan(&action, &after); err != nil {
			t.Fatal(err)
		}
		n++
		if _, ok := metrics.Catalogue[action]; !ok {
			t.Errorf("event %s is not in the catalogue", action)
		}
	}
	if n == 0 {
		t.Error("no metrics events")
	}
}
