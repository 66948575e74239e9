package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/jobs"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type fixture struct {
	d     *db.DB
	clock *clock.Fake
	q     *jobs.Queue
	ctx   context.Context
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	c := clock.NewFake(t0)
	return &fixture{d: d, clock: c, q: jobs.New(d, c, quiet()), ctx: context.Background()}
}

func (f *fixture) enqueue(t *testing.T, kind string, args any, o jobs.Options) bool {
	t.Helper()
	var ok bool
	err := f.d.InTx(f.ctx, func(tx db.Querier) error {
		var err error
		ok, err = f.q.Enqueue(f.ctx, tx, kind, args, o)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func (f *fixture) drain(t *testing.T, q *jobs.Queue) int {
	t.Helper()
	n, err := q.Drain(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) state(t *testing.T, id int64) (state string, attempts int) {
	t.Helper()
	if err := f.d.Read().QueryRow(f.ctx, "SELECT state, attempts FROM jobs WHERE id = ?", id).Scan(&state, &attempts); err != nil {
		t.Fatal(err)
	}
	return
}

func (f *fixture) onlyJobID(t *testing.T) int64 {
	t.Helper()
	var id int64
	var n int
	if err := f.d.Read().QueryRow(f.ctx, "SELECT MAX(id), COUNT(*) FROM jobs").Scan(&id, &n); err != nil || n != 1 {
		t.Fatalf("want exactly one job: n=%d err=%v", n, err)
	}
	return id
}

func countJobs(t *testing.T, d *db.DB) int {
	var n int
	if err := d.Read().QueryRow(context.Background(), "SELECT COUNT(*) FROM jobs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueueIsTransactional(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var runs atomic.Int32
		f.q.Register("k", jobs.Handler{Run: func(context.Context, jobs.Job) error { runs.Add(1); return nil }})
		boom := errors.New("the change failed")
		err := d.InTx(f.ctx, func(tx db.Querier) error {
			if _, err := f.q.Enqueue(f.ctx, tx, "k", map[string]int{"a": 1}, jobs.Options{}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := countJobs(t, d); n != 0 {
			t.Fatalf("%d jobs after a rolled-back enqueue", n)
		}
		if f.drain(t, f.q) != 0 || runs.Load() != 0 {
			t.Fatal("a job from a rolled-back transaction ran")
		}
		f.enqueue(t, "k", map[string]int{"a": 2}, jobs.Options{})
		if f.drain(t, f.q) != 1 || runs.Load() != 1 {
			t.Fatal("committed job did not run once")
		}
		// An unknown kind is refused at enqueue, not discovered by a worker later.
		err = d.InTx(f.ctx, func(tx db.Querier) error {
			_, err := f.q.Enqueue(f.ctx, tx, "nobody-handles-this", nil, jobs.Options{})
			return err
		})
		if err == nil {
			t.Fatal("enqueued a kind with no handler")
		}
	})
}

func TestUniqueKeyIsIdempotent(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var got []string
		f.q.Register("mail", jobs.Handler{Run: func(_ context.Context, j jobs.Job) error {
			var a struct{ To string }
			if err := j.Decode(&a); err != nil {
				return err
			}
			got = append(got, a.To+"/"+j.UniqueKey)
			return nil
		}})
		if !f.enqueue(t, "mail", map[string]string{"To": "a"}, jobs.Options{UniqueKey: "msg-1"}) {
			t.Fatal("first enqueue refused")
		}
		if f.enqueue(t, "mail", map[string]string{"To": "b"}, jobs.Options{UniqueKey: "msg-1"}) {
			t.Fatal("second enqueue with the same key accepted")
		}
		f.drain(t, f.q)
		// Still unique after the first has run.
		if f.enqueue(t, "mail", map[string]string{"To": "c"}, jobs.Options{UniqueKey: "msg-1"}) {
			t.Fatal("enqueue with a finished job's key accepted")
		}
		f.drain(t, f.q)
		if len(got) != 1 || got[0] != "a/msg-1" {
			t.Fatalf("ran %v, want [a/msg-1]", got)
		}
	})
}

func TestRetriesWithBackoffThenDead(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var attempts []int
		f.q.Register("flaky", jobs.Handler{MaxAttempts: 3, Run: func(_ context.Context, j jobs.Job) error {
			attempts = append(attempts, j.Attempt)
			return errors.New("remote said no")
		}})
		f.enqueue(t, "flaky", nil, jobs.Options{})
		id := f.onlyJobID(t)

		if n := f.drain(t, f.q); n != 1 {
			t.Fatalf("first run: %d", n)
		}
		if st, a := f.state(t, id); st != "pending" || a != 1 {
			t.Fatalf("after one failure: %s/%d, want pending/1", st, a)
		}
		// Not before its backoff (jittered down by at most a fifth), at the latest after it.
		f.clock.Advance(jobs.Backoff(1)*4/5 - time.Second)
		if n := f.drain(t, f.q); n != 0 {
			t.Fatal("retried before the backoff elapsed")
		}
		f.clock.Advance(jobs.Backoff(1)/5 + time.Second)
		if n := f.drain(t, f.q); n != 1 {
			t.Fatal("not retried once the backoff elapsed")
		}
		f.clock.Advance(jobs.Backoff(2)*4/5 - time.Second)
		if n := f.drain(t, f.q); n != 0 {
			t.Fatal("second retry came early")
		}
		f.clock.Advance(jobs.Backoff(2)/5 + time.Second)
		f.drain(t, f.q)
		if st, a := f.state(t, id); st != "dead" || a != 3 {
			t.Fatalf("after MaxAttempts: %s/%d, want dead/3", st, a)
		}
		f.clock.Advance(24 * time.Hour)
		if n := f.drain(t, f.q); n != 0 {
			t.Fatal("a dead job ran again")
		}
		if len(attempts) != 3 || attempts[0] != 1 || attempts[2] != 3 {
			t.Fatalf("attempts %v", attempts)
		}
		rows, err := f.q.List(f.ctx, "dead", 10)
		if err != nil || len(rows) != 1 || rows[0].LastError != "remote said no" {
			t.Fatalf("dead-letter list: %+v %v", rows, err)
		}
		failing, _ := f.q.List(f.ctx, "", 10)
		if len(failing) != 1 {
			t.Fatalf("failing list: %+v", failing)
		}
	})
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for i := 1; i <= 30; i++ {
		b := jobs.Backoff(i)
		if b < prev || b > 6*time.Hour {
			t.Fatalf("Backoff(%d) = %v after %v", i, b, prev)
		}
		prev = b
	}
	if jobs.Backoff(30) != 6*time.Hour {
		t.Fatal("backoff not capped at 6h")
	}
}

func TestCancelIsDeadAtOnce(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.q.Register("c", jobs.Handler{Run: func(context.Context, jobs.Job) error {
			return jobs.Cancel(errors.New("the case was deleted; nothing to send"))
		}})
		f.enqueue(t, "c", nil, jobs.Options{})
		f.drain(t, f.q)
		if st, a := f.state(t, f.onlyJobID(t)); st != "dead" || a != 1 {
			t.Fatalf("cancelled job: %s/%d, want dead/1", st, a)
		}
	})
}

func TestPanicIsAFailure(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.q.Register("p", jobs.Handler{MaxAttempts: 1, Run: func(context.Context, jobs.Job) error { panic("bug") }})
		f.enqueue(t, "p", nil, jobs.Options{})
		f.drain(t, f.q)
		rows, _ := f.q.List(f.ctx, "dead", 10)
		if len(rows) != 1 || rows[0].LastError != "panic: bug" {
			t.Fatalf("panicking job: %+v", rows)
		}
	})
}

func TestScheduledJobWaitsForItsTime(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var ran atomic.Int32
		f.q.Register("remind", jobs.Handler{Run: func(context.Context, jobs.Job) error { ran.Add(1); return nil }})
		f.enqueue(t, "remind", nil, jobs.Options{RunAt: t0.Add(time.Hour)})
		f.clock.Advance(59 * time.Minute)
		if f.drain(t, f.q) != 0 || ran.Load() != 0 {
			t.Fatal("scheduled job ran early")
		}
		f.clock.Advance(time.Minute)
		if f.drain(t, f.q) != 1 || ran.Load() != 1 {
			t.Fatal("scheduled job did not run at its time")
		}
	})
}

func TestPriorityOrder(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var order []int
		f.q.Register("o", jobs.Handler{Run: func(_ context.Context, j jobs.Job) error {
			var n int
			_ = j.Decode(&n)
			order = append(order, n)
			return nil
		}})
		f.enqueue(t, "o", 1, jobs.Options{})
		f.enqueue(t, "o", 2, jobs.Options{Priority: 5})
		f.enqueue(t, "o", 3, jobs.Options{})
		f.drain(t, f.q)
		if len(order) != 3 || order[0] != 2 || order[1] != 1 || order[2] != 3 {
			t.Fatalf("order %v, want [2 1 3]", order)
		}
	})
}

// Two queues on one database stand for two `sirt serve` processes: a periodic job runs
// once per slot however many processes schedule it.
func TestPeriodicOncePerSlotAcrossProcesses(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var ran atomic.Int32
		h := jobs.Handler{Run: func(context.Context, jobs.Job) error { ran.Add(1); return nil }}
		q2 := jobs.New(d, f.clock, quiet())
		for _, q := range []*jobs.Queue{f.q, q2} {
			q.Register("tick", h)
			q.Every("tick", time.Hour, struct{}{})
		}
		f.drain(t, f.q)
		f.drain(t, q2)
		f.clock.Advance(30 * time.Minute)
		f.drain(t, q2)
		f.drain(t, f.q)
		if n := ran.Load(); n != 1 {
			t.Fatalf("first slot ran %d times, want 1", n)
		}
		f.clock.Advance(30 * time.Minute)
		f.drain(t, q2)
		f.drain(t, f.q)
		if n := ran.Load(); n != 2 {
			t.Fatalf("after two slots: %d runs, want 2", n)
		}
	})
}

// A worker that dies holding a job (its lease never released) does not lose the job:
// once the lease runs out another worker claims it.
func TestExpiredLeaseIsReclaimed(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var attempts []int
		f.q.Register("l", jobs.Handler{Timeout: time.Minute, Run: func(_ context.Context, j jobs.Job) error {
			attempts = append(attempts, j.Attempt)
			return nil
		}})
		f.enqueue(t, "l", nil, jobs.Options{})
		id := f.onlyJobID(t)
		// What a claim by a worker that then died leaves behind.
		err := d.InTx(f.ctx, func(tx db.Querier) error {
			_, err := tx.Exec(f.ctx, "UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'dead-worker', locked_until = ? WHERE id = ?", t0.Add(2*time.Minute), id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if f.drain(t, f.q) != 0 {
			t.Fatal("claimed a job whose lease is still held")
		}
		f.clock.Advance(2*time.Minute + time.Second)
		if f.drain(t, f.q) != 1 {
			t.Fatal("job with an expired lease was not reclaimed")
		}
		if st, a := f.state(t, id); st != "done" || a != 2 || len(attempts) != 1 || attempts[0] != 2 {
			t.Fatalf("reclaimed job: %s attempts=%d runs=%v", st, a, attempts)
		}
	})
}

func TestAdminRetryOfDeadJob(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		fail := true
		f.q.Register("r", jobs.Handler{MaxAttempts: 1, Run: func(context.Context, jobs.Job) error {
			if fail {
				return errors.New("down")
			}
			return nil
		}})
		f.enqueue(t, "r", nil, jobs.Options{})
		id := f.onlyJobID(t)
		f.drain(t, f.q)
		if st, _ := f.state(t, id); st != "dead" {
			t.Fatalf("state %s, want dead", st)
		}
		fail = false
		if err := d.InTx(f.ctx, func(tx db.Querier) error { return f.q.Retry(f.ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
		if f.drain(t, f.q) != 1 {
			t.Fatal("retried job did not run")
		}
		if st, a := f.state(t, id); st != "done" || a != 2 {
			t.Fatalf("after retry: %s/%d, want done/2", st, a)
		}
		// Only dead jobs can be retried.
		err := d.InTx(f.ctx, func(tx db.Querier) error { return f.q.Retry(f.ctx, tx, id) })
		if !db.NotFound(err) {
			t.Fatalf("retry of a done job: %v, want not found", err)
		}
		counts, err := f.q.Counts(f.ctx)
		if err != nil || counts["done"] != 1 {
			t.Fatalf("counts %v %v", counts, err)
		}
	})
}

func TestPruneKeepsDeadJobs(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.q.Register("ok", jobs.Handler{Run: func(context.Context, jobs.Job) error { return nil }})
		f.q.Register("bad", jobs.Handler{MaxAttempts: 1, Run: func(context.Context, jobs.Job) error { return errors.New("x") }})
		f.enqueue(t, "ok", nil, jobs.Options{})
		f.enqueue(t, "bad", nil, jobs.Options{})
		f.drain(t, f.q)
		f.clock.Advance(8 * 24 * time.Hour)
		n, err := f.q.Prune(f.ctx, 7*24*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d %v, want 1", n, err)
		}
		if c := countJobs(t, d); c != 1 {
			t.Fatalf("%d jobs left, want the dead one", c)
		}
	})
}

// Workers started with Start pick up a job enqueued after they went idle (woken by
// the commit, not by the poll interval).
func TestStartedWorkersRunCommittedJobs(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		q := jobs.New(d, clock.System{}, quiet())
		done := make(chan int64, 10)
		q.Register("w", jobs.Handler{Run: func(_ context.Context, j jobs.Job) error { done <- j.ID; return nil }})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { q.Start(ctx, 2, time.Hour); close(stopped) }()
		defer func() { cancel(); <-stopped }()
		err := d.InTx(ctx, func(tx db.Querier) error {
			_, err := q.Enqueue(ctx, tx, "w", nil, jobs.Options{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("started workers did not run a committed job")
		}
	})
}

// Jobs that fail together (a relay down for all of them) come back spread over the last
// fifth of their backoff, not all in the same second.
func TestRetryBackoffIsJittered(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.q.Register("herd", jobs.Handler{Run: func(context.Context, jobs.Job) error { return errors.New("relay down") }})
		const n = 20
		for i := 0; i < n; i++ {
			f.enqueue(t, "herd", i, jobs.Options{})
		}
		if got := f.drain(t, f.q); got != n {
			t.Fatalf("ran %d, want %d", got, n)
		}
		rows, err := f.q.List(f.ctx, "pending", 100)
		if err != nil || len(rows) != n {
			t.Fatalf("pending retries: %d %v", len(rows), err)
		}
		lo, hi := t0.Add(jobs.Backoff(1)*4/5), t0.Add(jobs.Backoff(1))
		distinct := map[time.Time]bool{}
		for _, r := range rows {
			if r.RunAt.Before(lo) || r.RunAt.After(hi) {
				t.Errorf("job %d retries at %v, outside [%v, %v]", r.ID, r.RunAt, lo, hi)
			}
			distinct[r.RunAt] = true
		}
		if len(distinct) < n/2 {
			t.Fatalf("%d jobs that failed together retry at only %d distinct times", n, len(distinct))
		}
	})
}

// leaseOf reads the lease a job's worker holds, from inside its run.
func leaseOf(t *testing.T, d *db.DB, id int64) time.Time {
	var until time.Time
	if err := d.Read().QueryRow(context.Background(), "SELECT locked_until FROM jobs WHERE id = ?", id).Scan(&until); err != nil {
		t.Error(err)
	}
	return until.UTC()
}

// Each kind holds its jobs for its own timeout plus a grace, not for the longest timeout
// of any kind: a one-minute mail job of a worker killed mid-run is taken over after a
// minute and a half, even when an import job may run for half an hour.
func TestLeaseIsPerKind(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		leases := map[string]time.Time{}
		for kind, h := range map[string]jobs.Handler{
			"quick":    {Timeout: time.Minute},
			"slow":     {Timeout: 30 * time.Minute},
			"explicit": {Timeout: time.Minute, Lease: 5 * time.Minute},
			"default":  {},
		} {
			h.Run = func(_ context.Context, j jobs.Job) error { leases[j.Kind] = leaseOf(t, d, j.ID); return nil }
			f.q.Register(kind, h)
			f.enqueue(t, kind, nil, jobs.Options{})
		}
		f.drain(t, f.q)
		for kind, want := range map[string]time.Duration{
			"quick":    time.Minute + jobs.LeaseGrace,
			"slow":     30*time.Minute + jobs.LeaseGrace,
			"explicit": 5 * time.Minute,
			"default":  2*time.Minute + jobs.LeaseGrace,
		} {
			if got := leases[kind].Sub(t0); got != want {
				t.Errorf("%s: lease %v, want %v", kind, got, want)
			}
		}

		// A quick job held by a dead worker is reclaimed once its own lease is over.
		f.enqueue(t, "quick", "crashed", jobs.Options{})
		var id int64
		if err := d.Read().QueryRow(f.ctx, "SELECT MAX(id) FROM jobs").Scan(&id); err != nil {
			t.Fatal(err)
		}
		err := d.InTx(f.ctx, func(tx db.Querier) error {
			_, err := tx.Exec(f.ctx, "UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'dead-worker', locked_until = ? WHERE id = ?",
				t0.Add(time.Minute+jobs.LeaseGrace), id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute + jobs.LeaseGrace + time.Second)
		if n := f.drain(t, f.q); n != 1 {
			t.Fatalf("the dead worker's quick job was not reclaimed after its lease: %d ran", n)
		}
	})
}

// OnDead runs in the transaction that kills a job, OnRetry in the one that revives it:
// a domain row mirroring the job (here a setting) always agrees with it.
func TestDeadAndRetryHooksRunWithTheJobsState(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		mirror := func(ctx context.Context, tx db.Querier, j jobs.Job, state string) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fmt.Sprintf("mirror.%d", j.ID), state, t0)
			return err
		}
		fail, hookFails := true, false
		var deadErrs []string
		f.q.Register("m", jobs.Handler{MaxAttempts: 2,
			Run: func(context.Context, jobs.Job) error {
				if fail {
					return errors.New("relay refused")
				}
				return nil
			},
			OnDead: func(ctx context.Context, tx db.Querier, j jobs.Job, lastErr string) error {
				deadErrs = append(deadErrs, lastErr)
				if hookFails {
					return errors.New("hook broke")
				}
				return mirror(ctx, tx, j, "failed")
			},
			OnRetry: func(ctx context.Context, tx db.Querier, j jobs.Job) error { return mirror(ctx, tx, j, "pending") },
		})
		mirrored := func(id int64) string {
			var v string
			err := d.Read().QueryRow(f.ctx, "SELECT value FROM settings WHERE key = ?", fmt.Sprintf("mirror.%d", id)).Scan(&v)
			if err != nil && !db.NotFound(err) {
				t.Fatal(err)
			}
			return v
		}
		f.enqueue(t, "m", nil, jobs.Options{})
		id := f.onlyJobID(t)
		f.drain(t, f.q)
		if m := mirrored(id); m != "" || len(deadErrs) != 0 {
			t.Fatalf("after a retryable failure: mirror %q, OnDead called %v", m, deadErrs)
		}
		f.clock.Advance(jobs.Backoff(1))
		f.drain(t, f.q)
		if st, _ := f.state(t, id); st != "dead" || mirrored(id) != "failed" || len(deadErrs) != 1 || deadErrs[0] != "relay refused" {
			t.Fatalf("after the last attempt: job %s, mirror %q, OnDead %v", st, mirrored(id), deadErrs)
		}
		fail = false
		if err := d.InTx(f.ctx, func(tx db.Querier) error { return f.q.Retry(f.ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
		if mirrored(id) != "pending" {
			t.Fatalf("after the admin's retry: mirror %q, want pending", mirrored(id))
		}
		f.drain(t, f.q)
		if st, _ := f.state(t, id); st != "done" {
			t.Fatalf("retried job %s", st)
		}

		// A failing OnDead leaves the job as it was (not dead while its mirror says
		// otherwise); it is taken over after its lease.
		fail, hookFails = true, true
		f.enqueue(t, "m", "second", jobs.Options{UniqueKey: "second"})
		var id2 int64
		if err := d.Read().QueryRow(f.ctx, "SELECT id FROM jobs WHERE unique_key = 'second'").Scan(&id2); err != nil {
			t.Fatal(err)
		}
		f.drain(t, f.q)
		f.clock.Advance(jobs.Backoff(1))
		f.drain(t, f.q)
		if st, _ := f.state(t, id2); st != "running" || mirrored(id2) != "" {
			t.Fatalf("OnDead failed: job %s, mirror %q; want still running (lease), no mirror", st, mirrored(id2))
		}
	})
}

func TestStatsPerKind(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, k := range []string{"mail", "import", "idle"} {
			f.q.Register(k, jobs.Handler{MaxAttempts: 1, Run: func(context.Context, jobs.Job) error { return jobs.Cancel(errors.New("no")) }})
		}
		f.enqueue(t, "import", nil, jobs.Options{})
		f.drain(t, f.q) // one dead import
		f.enqueue(t, "mail", 1, jobs.Options{})
		f.clock.Advance(10 * time.Minute)
		f.enqueue(t, "mail", 2, jobs.Options{})
		f.enqueue(t, "mail", 3, jobs.Options{RunAt: t0.Add(time.Hour)})
		f.clock.Advance(time.Minute)
		stats, err := f.q.Stats(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]jobs.KindStats{}
		for _, s := range stats {
			by[s.Kind] = s
		}
		if m := by["mail"]; m.Ready != 2 || m.Scheduled != 1 || m.Running != 0 || m.Dead != 0 || m.OldestAge != 11*time.Minute {
			t.Errorf("mail: %+v, want 2 ready (oldest 11m), 1 scheduled", m)
		}
		if i := by["import"]; i.Dead != 1 || i.Ready != 0 || i.OldestAge != 0 {
			t.Errorf("import: %+v, want 1 dead", i)
		}
		if z, ok := by["idle"]; !ok || z != (jobs.KindStats{Kind: "idle"}) {
			t.Errorf("idle: %+v %v, want listed with zeros", z, ok)
		}
	})
}

// On PostgreSQL a worker skips a job another worker has locked and claims the next one,
// instead of waiting on the lock (and then finding the head row gone).
func TestClaimSkipsLockedRowsOnPostgres(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		if d.Dialect() != db.Postgres {
			t.Skip("SQLite has one writer: claims are serialized, there is nothing to skip")
		}
		f := newFixture(t, d)
		ran := make(chan int, 2)
		f.q.Register("s", jobs.Handler{Run: func(_ context.Context, j jobs.Job) error {
			var n int
			_ = j.Decode(&n)
			ran <- n
			return nil
		}})
		f.enqueue(t, "s", 1, jobs.Options{})
		f.enqueue(t, "s", 2, jobs.Options{})
		// Another worker's claim in progress: the head row locked by an open transaction.
		tx, err := d.SQL().BeginTx(f.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(f.ctx, "SELECT id FROM jobs WHERE id = (SELECT MIN(id) FROM jobs) FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
		defer cancel()
		ok, err := f.q.RunOnce(ctx)
		if err != nil || !ok {
			t.Fatalf("claim next to a locked row: ok=%v err=%v", ok, err)
		}
		if n := <-ran; n != 2 {
			t.Fatalf("ran job %d, want 2 (1 is locked)", n)
		}
	})
}
