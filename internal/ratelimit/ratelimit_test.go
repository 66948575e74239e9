package ratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/ratelimit"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

func TestBurstThenRefusedWithAWait(t *testing.T) {
	l := ratelimit.New(time.Hour, 3)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("10.0.0.1")
	if ok || wait < time.Minute {
		t.Fatalf("fourth attempt: ok=%v wait=%v, want refused with a long wait", ok, wait)
	}
	// A refused attempt does not use up a token, and other keys have their own bucket.
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Fatal("another address was refused")
	}
}

// stores runs fn on the memory store and on the database store of each dialect.
func stores(t *testing.T, fn func(t *testing.T, s ratelimit.Store)) {
	t.Run("memory", func(t *testing.T) { fn(t, ratelimit.NewMemoryStore()) })
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) { fn(t, ratelimit.NewDBStore(d)) })
}

func TestBucketFollowsTheInjectedClock(t *testing.T) {
	stores(t, func(t *testing.T, s ratelimit.Store) {
		c := clock.NewFake(t0)
		l := ratelimit.NewShared(s, c, "test", 10*time.Second, 2)
		for i := 0; i < 2; i++ {
			if ok, _ := l.AllowContext(ctx, "k"); !ok {
				t.Fatalf("burst attempt %d refused", i+1)
			}
		}
		ok, wait := l.AllowContext(ctx, "k")
		if ok || wait != 10*time.Second {
			t.Fatalf("third: ok=%v wait=%v, want refused for 10s", ok, wait)
		}
		c.Advance(4 * time.Second)
		if ok, wait := l.AllowContext(ctx, "k"); ok || wait != 6*time.Second {
			t.Fatalf("4s later: ok=%v wait=%v, want refused for 6s", ok, wait)
		}
		c.Advance(6 * time.Second)
		if ok, _ := l.AllowContext(ctx, "k"); !ok {
			t.Fatal("refused after the wait")
		}
		if ok, _ := l.AllowContext(ctx, "k"); ok {
			t.Fatal("a second token appeared from nowhere")
		}
		// Another limiter on the same store has its own keys.
		if ok, _ := ratelimit.NewShared(s, c, "other", time.Hour, 1).AllowContext(ctx, "k"); !ok {
			t.Fatal("limiters with different names share keys")
		}
		// After a long quiet time the bucket is full again, not fuller.
		c.Advance(24 * time.Hour)
		if err := s.Prune(ctx, c.Now()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for ; n < 5; n++ {
			if ok, _ := l.AllowContext(ctx, "k"); !ok {
				break
			}
		}
		if n != 2 {
			t.Fatalf("after a day %d allowed, want the burst of 2", n)
		}
	})
}

func TestBackoffGrows(t *testing.T) {
	stores(t, func(t *testing.T, s ratelimit.Store) {
		c := clock.NewFake(t0)
		b := ratelimit.NewBackoff(s, c, "signin", 3, 10*time.Second, time.Minute)
		for i := 0; i < 3; i++ {
			if ok, _, err := b.Check(ctx, "k"); !ok || err != nil {
				t.Fatalf("free failure %d: held back (%v)", i+1, err)
			}
			if err := b.Fail(ctx, "k"); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _, _ := b.Check(ctx, "k"); !ok {
			t.Fatal("held back after only the free failures")
		}
		var waits []time.Duration
		for i := 0; i < 4; i++ {
			if err := b.Fail(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			ok, wait, _ := b.Check(ctx, "k")
			if ok {
				t.Fatalf("failure %d did not hold the key back", i+4)
			}
			waits = append(waits, wait)
			c.Advance(wait)
		}
		want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute}
		for i := range want {
			if waits[i] != want[i] {
				t.Fatalf("waits %v, want %v", waits, want)
			}
		}
		if ok, _, _ := b.Check(ctx, "other"); !ok {
			t.Fatal("another key is held back")
		}
		if err := b.Reset(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if err := b.Fail(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := b.Check(ctx, "k"); !ok {
			t.Fatal("the count did not start again after a reset")
		}
	})
}

// TestTwoProcessesShareOneBudget is two replicas on one PostgreSQL database (two
// connection pools), taking concurrently: together they get the burst once.
func TestTwoProcessesShareOneBudget(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
	var ls []*ratelimit.Limiter
	c := clock.NewFake(t0)
	for i := 0; i < 2; i++ {
		d, err := db.Open(ctx, db.Options{DSN: full, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		ls = append(ls, ratelimit.NewShared(ratelimit.StoreFor(d), c, "intake", time.Minute, 10))
	}
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := ls[i%2].AllowContext(ctx, "198.51.100.7"); ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Fatalf("two replicas allowed %d of 40, want the shared burst of 10", allowed)
	}
}
