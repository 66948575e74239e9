package server_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestTwoServersOnOnePostgres is scale-out as docs/operations.md describes it: two
// `sirt serve` processes (here two servers in one test, each with its own connection
// pool, queue and worker id) on one PostgreSQL database.
func TestTwoServersOnOnePostgres(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
	open := func() *db.DB {
		d, err := db.Open(context.Background(), db.Options{DSN: full, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a, b := testapp.New(t, open()), testapp.New(t, open())

	// Both answer, and share tokens and sessions.
	u := a.User(authz.RoleAdmin)
	tok := a.Token(u)
	b.API("GET", "/api/v1/me", tok, nil).Want(t, 200)
	var created struct {
		Token string `json:"token"`
	}
	b.API("POST", "/api/v1/tokens", tok, map[string]string{"name": "made on b"}).Want(t, 201).JSON(t, &created)
	a.API("GET", "/api/v1/me", created.Token, nil).Want(t, 200)

	ba := a.Browser()
	ba.SignInForm(u, "").Want(t, 303)
	bb := b.Browser()
	bb.SetSession(ba.Session())
	bb.Get("/dashboard").Want(t, 200)
	// A form rendered by one process is accepted by the other (CSRF secret in the db).
	bb.Submit("/account/profile", map[string][]string{"name": {"Moved"}, "time_zone": {"UTC"}}).Want(t, 303)

	// Jobs enqueued by one run once across both processes' workers.
	n := 60
	if v, err := strconv.Atoi(os.Getenv("SIRT_SCALEOUT_JOBS")); err == nil && v > 0 {
		n = v // a bigger run for docs/benchmarks.md
	}
	var mu sync.Mutex
	ran := map[int64]int{}
	by := map[string]int{}
	all := make(chan struct{})
	for name, ta := range map[string]*testapp.TestApp{"a": a, "b": b} {
		ta.App.Jobs.Register("test.scaleout", jobs.Handler{Run: func(_ context.Context, j jobs.Job) error {
			mu.Lock()
			ran[j.ID]++
			by[name]++
			if len(ran) == n && ran[j.ID] == 1 {
				close(all)
			}
			mu.Unlock()
			return nil
		}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, ta := range []*testapp.TestApp{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); ta.App.Jobs.Start(ctx, 3, 5*time.Millisecond) }()
	}
	start := time.Now()
	err := a.App.DB.InTx(ctx, func(q db.Querier) error {
		for i := 0; i < n; i++ {
			if _, err := a.App.Jobs.Enqueue(ctx, q, "test.scaleout", i, jobs.Options{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		t.Fatal("jobs not all run after 60s")
	}
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(ran) != n {
		t.Fatalf("%d distinct jobs ran, want %d", len(ran), n)
	}
	for id, c := range ran {
		if c != 1 {
			t.Errorf("job %d ran %d times", id, c)
		}
	}
	t.Logf("%d jobs on 2 processes × 3 workers in %v (%.0f jobs/s); runs by process: %v", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), by)
}
