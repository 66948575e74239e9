package bench_test

// The metrics benchmark (issue "Metrics, SLOs and reports to the TAC"): a generator
// inserts reports, cases and their event history directly in batches (three years,
// 2024–2026), then the benchmarks time the quarterly report of the running quarter
// (computed live every time: the worst case; a closed quarter is a stored snapshot
// after its first generation) and the staff dashboard page over HTTP.
//
//	go test -run XXX -bench Metrics -benchtime 10x ./bench/                          (2 % of the full size)
//	SIRT_BENCH_METRICS_SCALE=1 go test -run XXX -bench Metrics -benchtime 10x -timeout 60m ./bench/
//	    full size: 100 000 reports, 30 000 cases, 2 000 000 events
//	SIRT_TEST_POSTGRES=postgres://… adds PostgreSQL.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/metrics"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// metricsScale is the share of the full size to generate.
func metricsScale(b *testing.B) float64 {
	s := os.Getenv("SIRT_BENCH_METRICS_SCALE")
	if s == "" {
		return 0.02
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 10 {
		b.Fatalf("SIRT_BENCH_METRICS_SCALE=%q: want a number in (0, 10]", s)
	}
	return f
}

// batcher collects rows of one table and inserts them 400 at a time.
type batcher struct {
	b     *testing.B
	d     *db.DB
	head  string
	cols  int
	args  []any
	rows  int
	total int
}

func (bt *batcher) add(vals ...any) {
	bt.args = append(bt.args, vals...)
	bt.rows++
	if bt.rows == 400 {
		bt.flush()
	}
}

func (bt *batcher) flush() {
	if bt.rows == 0 {
		return
	}
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", bt.cols), ", ") + ")"
	q := bt.head + " VALUES " + strings.TrimSuffix(strings.Repeat(ph+", ", bt.rows), ", ")
	err := bt.d.InTx(context.Background(), func(tx db.Querier) error {
		_, err := tx.Exec(context.Background(), q, bt.args...)
		return err
	})
	if err != nil {
		bt.b.Fatal(err)
	}
	bt.total += bt.rows
	bt.args, bt.rows = bt.args[:0], 0
}

// generate fills d with scale × (100 000 reports, 30 000 cases, 2 000 000 events).
func generate(b *testing.B, d *db.DB, scale float64) (reports, cases, evs int) {
	rng := rand.New(rand.NewSource(1))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC).Sub(start)
	nReports := int(100000 * scale)
	nCases := int(30000 * scale)
	rep := &batcher{b: b, d: d, cols: 15, head: `INSERT INTO reports (id, public_id, kind, source, state, summary, severity, outcome, affected_json,
		tracking_hash, reply_token, ack_due_at, assess_due_at, received_at, updated_at)`}
	cs := &batcher{b: b, d: d, cols: 12, head: `INSERT INTO cases (id, public_id, report_id, title, phase, terms, em_state, public_date,
		reply_token, created_at, updated_at, closed_at)`}
	ev := &batcher{b: b, d: d, cols: 12, head: `INSERT INTO events (seq, at, actor_id, actor, action, subject_type, subject_id, case_id,
		before_json, after_json, prev_hash, hash)`}
	seq := int64(1 << 20) // above anything the app appended
	event := func(at time.Time, actor int64, action, typ, ref string, caseID int64, after string) {
		seq++
		var a, c, aj any
		if actor != 0 {
			a = actor
		}
		if caseID != 0 {
			c = caseID
		}
		if after != "" {
			aj = after
		}
		ev.add(seq, at, a, "bench", action, typ, ref, c, nil, aj, "x", "x")
	}
	outcomes := []string{"decline", "track", "coordinate", ""}
	ecos := []string{"npm", "PyPI", "Go", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist"}
	sevs := []string{"low", "medium", "high", "critical", ""}
	srcs := []string{"web", "api", "email"}
	hour := func() time.Duration { return time.Duration(rng.Intn(72)+1) * time.Hour }
	for i := 1; i <= nReports; i++ {
		at := start.Add(time.Duration(rng.Int63n(int64(span)))).Truncate(time.Second)
		ref := fmt.Sprintf("OSS-SIRT-B-%d", i)
		oc := outcomes[rng.Intn(len(outcomes))]
		aff := fmt.Sprintf(`[{"package": {"ecosystem": %q, "name": "p%d"}}]`, ecos[rng.Intn(len(ecos))], i)
		rep.add(int64(1<<20+i), ref, "vulnerability", srcs[rng.Intn(3)], "tracking", "Generated report", sevs[rng.Intn(len(sevs))], oc, aff,
			"th"+ref, "rt"+ref, at.Add(48*time.Hour), at.Add(240*time.Hour), at, at)
		event(at, 0, "report.received", "report", ref, 0, "")
		event(at.Add(time.Second), 0, "report.acknowledged", "report", ref, 0, `{"state": "acknowledged"}`)
		t := at.Add(hour())
		for _, a := range []string{"report.read", "report.assigned", "report.message.staff", "report.note", "report.read", "report.read"} {
			event(t, 2, a, "report", ref, 0, "")
			t = t.Add(hour())
		}
		if oc != "" {
			event(t, 2, "report.triaged", "report", ref, 0, `{"outcome": "`+oc+`"}`)
		}
		for range 5 {
			t = t.Add(hour())
			event(t, 2, "report.read", "report", ref, 0, "")
		}
	}
	rep.flush()
	for i := 1; i <= nCases; i++ {
		id := int64(1<<20 + i)
		at := start.Add(time.Duration(rng.Int63n(int64(span)))).Truncate(time.Second)
		ref := fmt.Sprintf("CASE-B-%d", i)
		pd := at.Add(time.Duration(rng.Intn(90)+5) * 24 * time.Hour)
		var closed any
		if pd.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			closed = pd.Add(7 * 24 * time.Hour)
		}
		cs.add(id, ref, nil, "Generated case", "coordination", "standard", "exited", pd, "crt"+ref, at, at, closed)
		event(at, 2, "case.opened", "case", ref, id, `{"phase": "coordination"}`)
		t := at.Add(hour())
		event(t, 2, "case.participant.added", "case", ref, id, `{"role": "owner"}`)
		event(t.Add(time.Hour), 2, "case.embargo.agreed", "case", ref, id, "")
		facts := []string{"vendor_aware", "fix_ready", "fix_deployed", "public_aware"}
		rng.Shuffle(len(facts)-1, func(i, j int) { facts[i], facts[j] = facts[j], facts[i] })
		for _, f := range facts {
			t = t.Add(time.Duration(rng.Intn(240)+1) * time.Hour)
			event(t, 2, "case.facts", "case", ref, id, `{"facts": ["`+f+`"]}`)
		}
		for range 12 {
			t = t.Add(hour())
			event(t, 2, "case.read", "case", ref, id, "")
		}
		event(pd, 0, "case.pd_reached", "case", ref, id, "")
		if closed != nil {
			event(closed.(time.Time), 2, "case.closed", "case", ref, id, "")
		}
	}
	cs.flush()
	ev.flush()
	return rep.total, cs.total, ev.total
}

func BenchmarkMetrics(b *testing.B) {
	dbs := []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.NewSQLite}}
	if os.Getenv(dbtest.EnvPostgres) != "" {
		dbs = append(dbs, struct {
			name string
			open func(testing.TB) *db.DB
		}{"postgres", dbtest.NewPostgres})
	}
	scale := metricsScale(b)
	for _, dd := range dbs {
		b.Run(dd.name, func(b *testing.B) {
			d := dd.open(b)
			ta := testapp.NewWith(b, d, testapp.Options{Log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))})
			t0 := time.Now()
			nr, nc, ne := generate(b, d, scale)
			b.Logf("%s: generated %d reports, %d cases, %d events in %s", dd.name, nr, nc, ne, time.Since(t0).Round(time.Second))
			if d.Dialect() == db.Postgres {
				if _, err := d.SQL().Exec("ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			ta.Clock.Set(time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC))
			pgm := ta.User(authz.RolePgM)
			ctx := context.Background()
			q := metrics.QuarterOf(ta.Clock.Now())
			t0 = time.Now()
			if _, err := ta.App.Metrics.SLIs(ctx, pgm.Actor(), q); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: first read folded the %d events into metrics_items in %s", dd.name, ne, time.Since(t0).Round(time.Millisecond))
			b.Run("quarterly-report", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r, err := ta.App.Metrics.TACReport(ctx, pgm.Actor(), q)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := r.HTML(); err != nil {
						b.Fatal(err)
					}
				}
				reportHeap(b)
			})
			b.Run("closed-quarter-first-generation", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					if _, err := d.SQL().Exec("DELETE FROM report_snapshots"); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := ta.App.Metrics.TACReport(ctx, pgm.Actor(), q.Previous()); err != nil {
						b.Fatal(err)
					}
				}
			})
			br := ta.Browser()
			br.SignIn(pgm)
			b.Run("dashboard-page", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if r := br.Get("/staff/metrics"); r.StatusCode != 200 {
						b.Fatalf("dashboard: %d", r.StatusCode)
					}
				}
				reportHeap(b)
			})
		})
	}
}

func reportHeap(b *testing.B) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(m.Sys)/(1<<20), "sys-MiB")
}
