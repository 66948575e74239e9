// Package bench measures sirt against the limits it is compared with, in one run:
//
//	go test -run '^$' -bench . -benchtime 2s ./bench/
//
// BenchmarkAPI first measures an empty net/http handler over loopback (the limit of
// the machine and of net/http), then sirt's authenticated GET /api/v1/me with a Bearer
// token (token lookup, authz, JSON) at 1 and 4 concurrent clients, on SQLite and — when
// SIRT_TEST_POSTGRES is set — PostgreSQL, and reports req/s and the ratio to the empty
// handler with the same number of clients. BenchmarkBinary builds cmd/sirt and measures
// start-up to ready, idle RSS and binary size. Results: docs/benchmarks.md.
//
// There are no tests here, so `go test ./...` stays fast.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/server"
	"github.com/oss-sirt/sirt/internal/testapp"
)

var clients = []int{1, 4}

// limit holds the empty handler's req/s per client count, measured earlier in the run.
var limit = map[int]float64{}

// hammer sends b.N requests from c goroutines over keep-alive connections and reports
// req/s.
func hammer(b *testing.B, c int, newReq func() *http.Request) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// Warm the connections and caches.
	for i := 0; i < 20*c; i++ {
		do(b, client, newReq())
	}
	var wg sync.WaitGroup
	per := b.N / c
	if per == 0 {
		per = 1
	}
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				do(b, client, newReq())
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	rate := float64(per*c) / el.Seconds()
	b.ReportMetric(rate, "req/s")
	return rate
}

func do(b *testing.B, c *http.Client, req *http.Request) {
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", req.URL.Path, res.StatusCode)
	}
}

func BenchmarkAPI(b *testing.B) {
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer empty.Close()
	for _, c := range clients {
		b.Run(fmt.Sprintf("empty-handler/clients=%d", c), func(b *testing.B) {
			limit[c] = hammer(b, c, func() *http.Request { r, _ := http.NewRequest("GET", empty.URL+"/", nil); return r })
		})
	}
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
	for _, d := range dbs {
		b.Run("me-"+d.name, func(b *testing.B) {
			// Production-like: real clock, access log formatted at info level.
			ta := testapp.NewWith(b, d.open(b), testapp.Options{Clock: clock.System{},
				Log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))})
			tok := ta.Token(ta.User(authz.RoleResponder), authz.ScopeRead)
			for _, c := range clients {
				b.Run(fmt.Sprintf("clients=%d", c), func(b *testing.B) {
					rate := hammer(b, c, func() *http.Request {
						r, _ := http.NewRequest("GET", ta.URL+"/api/v1/me", nil)
						r.Header.Set("Authorization", "Bearer "+tok)
						return r
					})
					if l := limit[c]; l > 0 {
						b.ReportMetric(rate/l, "x-empty")
					}
				})
			}
		})
	}
}

// BenchmarkStartupInProcess is open + migrate + build the server on an empty SQLite
// data directory: what `sirt serve` does before it listens.
func BenchmarkStartupInProcess(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := config.Defaults()
		cfg.Data = b.TempDir()
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		a, err := app.Open(ctx, cfg, app.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := server.New(ctx, a); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		a.Close()
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(b *testing.B) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sirt-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sirt")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/sirt").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs `sirt serve` on a fresh data directory and returns once /healthz
// answers, with the time that took.
func start(b *testing.B) (*exec.Cmd, string, time.Duration) {
	addr := freeAddr(b)
	cmd := exec.Command(binary(b), "serve", "--addr", addr, "--data", b.TempDir(), "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	url := "http://" + addr + "/healthz"
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd, "http://" + addr, time.Since(t0)
			}
		}
		if time.Since(t0) > 30*time.Second {
			_ = cmd.Process.Kill()
			b.Fatal("sirt serve not ready after 30s")
		}
		time.Sleep(2 * time.Millisecond) // polling a child process for readiness
	}
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// BenchmarkBinary measures the built binary: start-up to ready (/healthz answering)
// on an empty SQLite directory, idle RSS after start-up and a few page views, and size.
func BenchmarkBinary(b *testing.B) {
	b.Run("startup", func(b *testing.B) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			cmd, _, d := start(b)
			total += d
			stop(cmd)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/ready")
	})
	b.Run("idle-rss", func(b *testing.B) {
		var total float64
		for i := 0; i < b.N; i++ {
			cmd, url, _ := start(b)
			for _, p := range []string{"/", "/login", "/api/v1/openapi.json", "/metrics", "/readyz"} {
				if res, err := http.Get(url + p); err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}
			total += rssMB(b, cmd.Process.Pid)
			stop(cmd)
		}
		b.ReportMetric(total/float64(b.N), "MB-rss")
	})
	b.Run("size", func(b *testing.B) {
		st, err := os.Stat(binary(b))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
		}
		b.ReportMetric(float64(st.Size())/(1<<20), "MB-binary")
	})
}

func rssMB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
