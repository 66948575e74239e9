package bench

// BenchmarkPages prints the table of issue 21: p50/p99 of every page and API list a
// responder uses, on SQLite and (with SIRT_TEST_POSTGRES) PostgreSQL, over data made by
// internal/devseed, one client and then 4 clients mixing list views.
//
//	go test -run '^$' -bench Pages ./bench/                      (small: 2,000 reports)
//	SIRT_BENCH_SIZE=100000 go test -run '^$' -bench Pages -timeout 60m ./bench/
//	    (100k reports, 30k cases, 2M events: seeding takes minutes per database)
//	SIRT_BENCH_SQLITE=/path/sirt.db SIRT_BENCH_PG=postgres://…/db go test …
//	    (reuse databases seeded with `sirt dev seed`)
//
// SIRT_BENCH_ITER sets the requests per row (default 40).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/devseed"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type pageRow struct {
	name     string
	p50, p99 map[string]time.Duration
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

func BenchmarkPages(b *testing.B) {
	size := envInt("SIRT_BENCH_SIZE", 2000)
	iter := envInt("SIRT_BENCH_ITER", 40)
	type target struct {
		name string
		open func(testing.TB) *db.DB
		seed bool
	}
	targets := []target{{"SQLite", dbtest.NewSQLite, true}}
	if p := os.Getenv("SIRT_BENCH_SQLITE"); p != "" {
		targets[0] = target{"SQLite", func(tb testing.TB) *db.DB {
			d, err := db.Open(context.Background(), db.Options{Path: p})
			if err != nil {
				tb.Fatal(err)
			}
			if err := d.Migrate(context.Background()); err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { d.Close() })
			return d
		}, false}
	}
	if dsn := os.Getenv("SIRT_BENCH_PG"); dsn != "" {
		targets = append(targets, target{"PostgreSQL", func(tb testing.TB) *db.DB {
			d, err := db.Open(context.Background(), db.Options{DSN: dsn})
			if err != nil {
				tb.Fatal(err)
			}
			if err := d.Migrate(context.Background()); err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { d.Close() })
			return d
		}, false})
	} else if os.Getenv(dbtest.EnvPostgres) != "" {
		targets = append(targets, target{"PostgreSQL", dbtest.NewPostgres, true})
	}
	var rows []*pageRow
	row := func(name string) *pageRow {
		for _, r := range rows {
			if r.name == name {
				return r
			}
		}
		r := &pageRow{name: name, p50: map[string]time.Duration{}, p99: map[string]time.Duration{}}
		rows = append(rows, r)
		return r
	}
	for _, tg := range targets {
		d := tg.open(b)
		if tg.seed {
			t0 := time.Now()
			if _, err := devseed.Seed(context.Background(), d, devseed.Options{Reports: size, Cases: size * 3 / 10, Events: size * 20}); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d reports, %d cases, %d events in %s", tg.name, size, size*3/10, size*20, time.Since(t0).Round(time.Second))
		}
		ta := testapp.NewWith(b, d, testapp.Options{Clock: clock.System{},
			Log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))})
		u := ta.User(authz.RoleResponder)
		tok := ta.Token(u, authz.ScopeRead)
		br := ta.Browser()
		br.SignIn(u)
		var report, kase string
		_ = d.Read().QueryRow(context.Background(), "SELECT public_id FROM reports WHERE state = 'new' ORDER BY id DESC LIMIT 1").Scan(&report)
		_ = d.Read().QueryRow(context.Background(), "SELECT public_id FROM cases ORDER BY id DESC LIMIT 1").Scan(&kase)
		type req struct{ name, path string }
		web := func(p string) string { return "web " + p }
		api := func(p string) string { return "api " + p }
		reqs := []req{
			{"triage queue page (web)", web("/reports")},
			{"API list filtered to open reports", api("/api/v1/reports?state=open&limit=50")},
			{"overdue reports (API)", api("/api/v1/reports?overdue=true&limit=50")},
			{"overdue reports (page)", web("/reports?filter=overdue")},
			{"one report's page (web)", web("/reports/" + report)},
			{"full-text search, rare word", api("/api/v1/reports?limit=50&q=" + devseed.RareWord)},
			{"full-text search, no hit", api("/api/v1/reports?limit=50&q=" + devseed.NoHitWord)},
			{"full-text search, common word", api("/api/v1/reports?limit=50&q=overflow")},
			{"full-text search, prefix (tra*)", api("/api/v1/reports?limit=50&q=tra*")},
			{"case list (API)", api("/api/v1/cases?limit=50")},
			{"case list (page)", web("/cases")},
			{"one case's page", web("/cases/" + kase)},
			{"dashboard", web("/dashboard")},
			{"advisories", web("/advisories")},
			{"plan", web("/plan")},
			{"GET /api/v1/me", api("/api/v1/me")},
		}
		do := func(path string) (time.Duration, int) {
			var r *http.Request
			var c *http.Client
			if p, ok := strings.CutPrefix(path, "api "); ok {
				r, _ = http.NewRequest("GET", ta.URL+p, nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				c = http.DefaultClient
			} else {
				r, _ = http.NewRequest("GET", ta.URL+strings.TrimPrefix(path, "web "), nil)
				c = br.Client
			}
			t0 := time.Now()
			res, err := c.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return time.Since(t0), res.StatusCode
		}
		for _, rq := range reqs {
			var lat []time.Duration
			status := 0
			for i := 0; i < iter+3; i++ {
				dur, st := do(rq.path)
				status = st
				if i >= 3 {
					lat = append(lat, dur)
				}
			}
			r := row(rq.name)
			if status != http.StatusOK {
				b.Logf("%s %s: status %d", tg.name, rq.path, status)
				continue
			}
			r.p50[tg.name], r.p99[tg.name] = pct(lat, 0.5), pct(lat, 0.99)
		}
		// 4 clients mixing the list views.
		mix := []string{reqs[0].path, reqs[1].path, reqs[2].path, reqs[4].path, reqs[5].path, reqs[9].path, reqs[12].path}
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < iter; i++ {
					dur, _ := do(mix[(c+i)%len(mix)])
					mu.Lock()
					lat = append(lat, dur)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		rate := float64(len(lat)) / time.Since(t0).Seconds()
		r := row("4 clients mixing list views")
		r.p50[tg.name], r.p99[tg.name] = pct(lat, 0.5), pct(lat, 0.99)
		b.Logf("%s: 4 clients mixing list views: %.0f req/s", tg.name, rate)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "\nreports=%d cases=%d events=%d (or the databases given), %d requests per row\n\n", size, size*3/10, size*20, iter)
	out.WriteString("| request |")
	for _, tg := range targets {
		fmt.Fprintf(&out, " %s p50 | %s p99 |", tg.name, tg.name)
	}
	out.WriteString("\n|---|" + strings.Repeat("---|---|", len(targets)) + "\n")
	ms := func(d time.Duration) string {
		if d == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	for _, r := range rows {
		fmt.Fprintf(&out, "| %s |", r.name)
		for _, tg := range targets {
			fmt.Fprintf(&out, " %s | %s |", ms(r.p50[tg.name]), ms(r.p99[tg.name]))
		}
		out.WriteString("\n")
	}
	fmt.Print(out.String())
	for i := 0; i < b.N; i++ {
	}
}
