package intake

// Plan assertions (issue 21): each query a list page or report page runs is EXPLAINed on
// both databases over a seeded data set, and the test fails when one falls back to a
// full scan of a big table or sorts every matching row for a newest-first page. Set
// SIRT_PLAN_DB to a seeded SQLite file (sirt dev seed) to check the plans at full size
// and print them with -v.

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/devseed"
)

var planNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestQueryPlans(t *testing.T) {
	if p := os.Getenv("SIRT_PLAN_DB"); p != "" {
		d, err := db.Open(context.Background(), db.Options{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		checkPlans(t, d, true)
		return
	}
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		if _, err := devseed.Seed(context.Background(), d, devseed.Options{Reports: 1500, Cases: 300, Events: 3000, Now: planNow, NoAnalyze: true}); err != nil {
			t.Fatal(err)
		}
		// Without statistics (a bulk load the server's autovacuum has not seen yet): no
		// full scans (PostgreSQL then guesses a handful of rows per state and may sort
		// them, fine at this size). With statistics: no sorts either.
		t.Run("no-statistics", func(t *testing.T) { checkPlans(t, d, false) })
		if err := devseed.Analyze(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		t.Run("analyzed", func(t *testing.T) { checkPlans(t, d, true) })
	})
}

func checkPlans(t *testing.T, d *db.DB, sorts bool) {
	s := &Service{db: d, clock: clock.NewFake(planNow), search: newSearcher(d.Dialect())}
	responder := authz.User(1, "r@example.org", authz.RoleResponder)
	member := authz.User(2, "m@example.org", authz.RoleMember)
	type plan struct {
		name string
		q    Query
		// sorted allows sorting the selected rows (full-text search: matches come from
		// the text index, then the few are ordered).
		sorted bool
		// scan allows walking the primary key newest first: no filter, LIMIT stops it.
		scan  bool
		actor authz.Actor
	}
	lists := []plan{
		{name: "triage queue (new, acknowledged)", q: Query{States: []string{StateNew, StateAcknowledged}, Limit: 100, Brief: true}},
		{name: "API open reports", q: Query{States: OpenStates, Limit: 51}},
		{name: "API open reports, next page", q: Query{States: OpenStates, Limit: 51, AfterID: 700}},
		{name: "one state", q: Query{States: []string{StateNeedsRepro}, Limit: 51}},
		{name: "mine", q: Query{States: OpenStates, AssignedTo: 1, Limit: 100, Brief: true}},
		{name: "overdue", q: Query{Overdue: true, Limit: 100, Brief: true}, sorted: true},
		{name: "all", q: Query{Limit: 51}, scan: true},
		{name: "search, rare word", q: Query{Text: devseed.RareWord, Limit: 51}, sorted: true},
		{name: "search, no hit", q: Query{Text: devseed.NoHitWord, Limit: 51}, sorted: true},
		{name: "search, prefix", q: Query{Text: "overfl*", Limit: 51}, sorted: true},
		{name: "similar reports", q: Query{Text: "lodeka", Limit: 200, Brief: true}, sorted: true},
		{name: "cluster", q: Query{Cluster: "npm/x|parser", Limit: 51}, sorted: true},
		{name: "member's own reports", q: Query{Limit: 51}, actor: member, sorted: true},
	}
	big := []string{"reports", "r", "events", "cases"}
	for _, p := range lists {
		a := p.actor
		if a.UserID == 0 {
			a = responder
		}
		sqlq, args := s.listSQL(a, p.q)
		b := big
		if p.scan {
			b = big[2:]
		}
		check(t, d, p.name, sqlq, args, p.sorted || !sorts, b)
		if wq, wargs, ok := s.windowSQL(a, p.q); ok {
			check(t, d, p.name+" (newest window)", wq, wargs, true, b)
		}
	}
	others := []struct {
		name string
		sql  string
		args []any
	}{
		{"report page: load", "SELECT " + reportColumns + " FROM reports WHERE public_id = ?", []any{"SEED-2026-000001"}},
		{"report page: reporter history", historySQL, []any{"finder1@example.net", 1}},
		{"SLA reminders", slaSQL, []any{planNow, planNow}},
	}
	for _, o := range others {
		check(t, d, o.name, o.sql, o.args, true, big)
	}
}

func check(t *testing.T, d *db.DB, name, sqlq string, args []any, sorted bool, big []string) {
	t.Helper()
	plan, err := d.Explain(context.Background(), true, sqlq, args...)
	if err != nil {
		t.Fatalf("%s: explain: %v\n%s", name, err, sqlq)
	}
	t.Logf("%s:\n%s", name, plan)
	if scans := db.FullScans(plan, big...); len(scans) > 0 {
		t.Errorf("%s: full scan of %s:\n%s\n%s", name, strings.Join(scans, ", "), sqlq, plan)
	}
	if !sorted && db.SortsAll(plan) && !strings.Contains(sqlq, "UNION ALL") {
		t.Errorf("%s: sorts every matching row instead of reading an index in order:\n%s\n%s", name, sqlq, plan)
	}
}
