package jobs_test

import (
	"context"
	"errors"
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
		// Not before its backoff.
		f.clock.Advance(jobs.Backoff(1) - time.Second)
		if n := f.drain(t, f.q); n != 0 {
			t.Fatal("retried before the backoff elapsed")
		}
		f.clock.Advance(time.Second)
		if n := f.drain(t, f.q); n != 1 {
			t.Fatal("not retried once the backoff elapsed")
		}
		f.clock.Advance(jobs.Backoff(2) - time.Second)
		if n := f.drain(t, f.q); n != 0 {
			t.Fatal("second retry came early")
		}
		f.clock.Advance(time.Second)
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
