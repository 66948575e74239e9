package bench_test

// The intake benchmark (issue "Intake and triage"): in one run, (a) the raw single-row
// commit rate of the same database — the limit — and (b) POST /api/v1/reports throughput
// and latency at 1 and 8 concurrent clients over loopback, with the ratio (b)/(a); then
// full-text search over a large queue (p50/p99 of GET /api/v1/reports?q=…).
//
//	go test -run XXX -bench Intake -benchtime 3s ./bench/
//	SIRT_TEST_POSTGRES=postgres://… go test -run XXX -bench Intake ./bench/     (PostgreSQL too)
//	SIRT_BENCH_REPORTS=100000 (default) sets the size of the searched queue.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/server"
)

type intakeEnv struct {
	app   *app.App
	url   string
	token string
	stop  func()
}

func startIntake(b *testing.B, d *db.DB, dir string) *intakeEnv {
	b.Helper()
	cfg := config.Defaults()
	cfg.Data = dir
	cfg.IntakeBurst, cfg.IntakeEvery = 1<<30, time.Nanosecond // the benchmark measures intake, not the abuse limit
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Addr = l.Addr().String()
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	a := app.New(cfg, d, app.Options{Argon: account.ArgonParams{Memory: 64, Time: 1, Threads: 1}})
	srv, err := server.New(context.Background(), a)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Run(ctx, l); close(done) }() // with the job workers, as `sirt serve` runs
	u, err := a.Accounts.CreateUser(ctx, authz.System("bench"), account.NewUser{Email: "bench@example.org", Role: authz.RoleResponder, Password: "bench-password-1"})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.Accounts.CreateToken(ctx, authz.System("bench"), u.ID, account.NewToken{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return &intakeEnv{app: a, url: "http://" + cfg.Addr, token: tok, stop: func() { cancel(); <-done }}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

func post(url string, body []byte) (time.Duration, error) {
	start := time.Now()
	res, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		return 0, fmt.Errorf("status %d", res.StatusCode)
	}
	return time.Since(start), nil
}

var words = []string{"overflow", "traversal", "injection", "bypass", "deserialization", "race", "leak", "redirect", "forgery", "escalation",
	"parser", "decoder", "template", "router", "archive", "token", "session", "upload", "cache", "header"}

func reportBody(i int) []byte {
	b, _ := json.Marshal(map[string]any{"summary": fmt.Sprintf("%s in %s number %d", words[i%len(words)], words[(i/7)%len(words)], i),
		"details":  "A crafted request triggers the bug; steps and a proof of concept follow.",
		"affected": []any{map[string]any{"package": map[string]any{"ecosystem": "npm", "name": fmt.Sprintf("pkg-%d", i%500)}, "versions": []string{"1.0.0"}}}})
	return b
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[int(float64(len(ds)-1)*p)]
}

func BenchmarkIntake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		dir := b.TempDir()
		d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(dir, "sirt.db")})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		if err := d.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		benchIntake(b, d, dir)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(dbtest.EnvPostgres) == "" {
			b.Skip("SIRT_TEST_POSTGRES not set")
		}
		benchIntake(b, dbtest.NewPostgres(b), b.TempDir())
	})
}

func benchIntake(b *testing.B, d *db.DB, dir string) {
	ctx := context.Background()
	if _, err := d.SQL().ExecContext(ctx, "CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	var raw, rate1, rate8 float64
	var n atomic.Int64
	b.Run("raw-commit", func(b *testing.B) {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			id := n.Add(1)
			if err := d.InTx(ctx, func(q db.Querier) error {
				_, err := q.Exec(ctx, "INSERT INTO bench_rows (id, v) VALUES (?, ?)", id, "x")
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		raw = float64(b.N) / time.Since(start).Seconds()
		b.ReportMetric(raw, "commits/s")
	})
	// The same transaction's statements issued raw — a report's shape (id counter, a
	// 2.4 KB row, its search row, three events, a message, two updates, the idempotency
	// row: 14 statements) — from 8 clients straight through db.InTx, without HTTP,
	// validation, templates or hashing: the database's own cost of a report.
	if _, err := d.SQL().ExecContext(ctx, "CREATE TABLE bench_docs (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, n BIGINT NOT NULL DEFAULT 0)"); err != nil {
		b.Fatal(err)
	}
	var rawTx float64
	body := strings.Repeat("x", 2400)
	b.Run("raw-report-tx/clients=8", func(b *testing.B) {
		var wg sync.WaitGroup
		per := (b.N + 7) / 8
		start := time.Now()
		for c := 0; c < 8; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					base := n.Add(16) * 16
					err := d.InTx(ctx, func(q db.Querier) error {
						if _, err := q.Exec(ctx, "INSERT INTO bench_rows (id, v) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v", -1, "counter"); err != nil {
							return err
						}
						if _, err := q.Exec(ctx, "INSERT INTO bench_docs (id, kind, body) VALUES (?, 'report', ?)", base, body); err != nil {
							return err
						}
						if _, err := q.Exec(ctx, "INSERT INTO bench_docs (id, kind, body) VALUES (?, 'search', ?)", base+1, body); err != nil {
							return err
						}
						for k := int64(2); k < 12; k++ {
							if _, err := q.Exec(ctx, "INSERT INTO bench_docs (id, kind, body) VALUES (?, 'event', ?)", base+k, body[:200]); err != nil {
								return err
							}
						}
						_, err := q.Exec(ctx, "UPDATE bench_docs SET n = n + 1 WHERE id = ?", base)
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		rawTx = float64(per*8) / time.Since(start).Seconds()
		b.ReportMetric(rawTx, "tx/s")
		b.ReportMetric(rawTx/raw, "ratio")
	})
	env := startIntake(b, d, dir)
	defer env.stop()
	var seq atomic.Int64
	for _, clients := range []int{1, 8} {
		b.Run("post-report/clients="+strconv.Itoa(clients), func(b *testing.B) {
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			per := (b.N + clients - 1) / clients
			start := time.Now()
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mine := make([]time.Duration, 0, per)
					for i := 0; i < per; i++ {
						dur, err := post(env.url+"/api/v1/reports", reportBody(int(seq.Add(1))))
						if err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, dur)
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			rate := float64(len(lat)) / time.Since(start).Seconds()
			b.ReportMetric(rate, "reports/s")
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(rate/raw, "ratio")
			if clients == 1 {
				rate1 = rate
			} else {
				rate8 = rate
			}
		})
	}
	b.Logf("%s: raw commits %.0f/s; the report's statements raw at 8 clients %.0f/s (ratio %.2f); POST /api/v1/reports %.0f/s at 1 client (ratio %.2f), %.0f/s at 8 clients (ratio %.2f; target ≥ 0.25 on SQLite)",
		d.Dialect(), raw, rawTx, rawTx/raw, rate1, rate1/raw, rate8, rate8/raw)

	// Search over a large queue.
	want := 100_000
	if v, err := strconv.Atoi(os.Getenv("SIRT_BENCH_REPORTS")); err == nil && v > 0 {
		want = v
	}
	have := int(seq.Load())
	fill := want - have
	if fill > 0 {
		var wg sync.WaitGroup
		var next atomic.Int64
		next.Store(int64(have))
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1))
					if i > want {
						return
					}
					var in intake.Submission
					_ = json.Unmarshal(reportBody(i), &in)
					if _, _, err := env.app.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, in); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	b.Run(fmt.Sprintf("search/reports=%d", want), func(b *testing.B) {
		rng := rand.New(rand.NewSource(1))
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			q := words[rng.Intn(len(words))]
			if i%3 == 0 {
				q += " " + words[rng.Intn(len(words))]
			}
			req, _ := http.NewRequest("GET", env.url+"/api/v1/reports?limit=50&q="+urlQuery(q), nil)
			req.Header.Set("Authorization", "Bearer "+env.token)
			start := time.Now()
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("search: %d", res.StatusCode)
			}
			lat = append(lat, time.Since(start))
		}
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	})
}

func urlQuery(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			out = append(out, '+')
		} else {
			out = append(out, s[i])
		}
	}
	return string(out)
}
