// Package jobs is sirt's durable job queue: mail out, reminders, publication at the
// public date, imports. A job is a row inserted in the same transaction as the change
// that causes it, so a job exists exactly when its cause was committed. Workers in any
// number of processes claim ready jobs (FOR UPDATE SKIP LOCKED on PostgreSQL) with a lease
// of the job kind's own length; a job whose worker dies is claimed
// again when its lease runs out. Failures are retried with backoff, then parked as dead
// for an admin to see and retry.
//
// Why not River: see docs/architecture.md. In short, one table and ~550 lines give the
// same guarantees on both databases through our own transactions and clock.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
)

// Job is one claimed job handed to a handler.
type Job struct {
	ID        int64
	Kind      string
	Args      json.RawMessage
	Attempt   int // 1 for the first run
	UniqueKey string
}

// Decode unmarshals the job's arguments into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Args, v); err != nil {
		return fmt.Errorf("jobs: %s #%d: bad arguments: %w", j.Kind, j.ID, err)
	}
	return nil
}

// Handler runs one kind of job. Handlers must be idempotent: a job may run again after a
// crash between its effect and its completion.
type Handler struct {
	Run         func(ctx context.Context, j Job) error
	MaxAttempts int           // default 10
	Timeout     time.Duration // default 2 minutes: the run's context ends then
	// Lease is how long a claimed job of this kind is held before another worker may
	// take it over (its worker presumably died). Default (and when set below Timeout):
	// Timeout + LeaseGrace. Each kind
	// has its own, so a crash delays a one-minute mail job by about a minute and a half,
	// not by the longest timeout of any kind.
	Lease time.Duration

	// OnDead, when set, runs inside the transaction that marks a job of this kind dead
	// (attempts exhausted or Cancel), with the last error; OnRetry inside the one that
	// puts a dead job back in the queue (Retry). A domain whose rows mirror a job's
	// state (the outbox's "failed" and "pending") keeps them in step here, atomically
	// with the job.
	OnDead  func(ctx context.Context, tx db.Querier, j Job, lastError string) error
	OnRetry func(ctx context.Context, tx db.Querier, j Job) error
}

// LeaseGrace is what a kind's default lease adds to its timeout: time for a run that
// ended at its timeout to record its outcome before another worker may take the job.
const LeaseGrace = 30 * time.Second

// Cancel marks an error as final: the job is not retried.
func Cancel(err error) error { return &cancelError{err} }

type cancelError struct{ err error }

func (c *cancelError) Error() string { return c.err.Error() }
func (c *cancelError) Unwrap() error { return c.err }

// Queue enqueues and runs jobs.
type Queue struct {
	db       *db.DB
	clock    clock.Clock
	log      *slog.Logger
	worker   string
	mu       sync.RWMutex
	handlers map[string]Handler
	periodic []periodic
	wake     chan struct{}
	// OnDone, when set, is told the outcome of every run ("done", "retry", "dead").
	OnDone func(kind, outcome string, d time.Duration)
}

type periodic struct {
	kind  string
	every time.Duration
	args  any
}

// New returns a queue on d.
func New(d *db.DB, c clock.Clock, log *slog.Logger) *Queue {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Queue{db: d, clock: c, log: log, worker: hex.EncodeToString(b), handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
}

// Register sets the handler for kind. Domain packages register their own kinds.
func (q *Queue) Register(kind string, h Handler) {
	if h.MaxAttempts <= 0 {
		h.MaxAttempts = 10
	}
	if h.Timeout <= 0 {
		h.Timeout = 2 * time.Minute
	}
	if h.Lease < h.Timeout {
		h.Lease = h.Timeout + LeaseGrace
	}
	q.mu.Lock()
	q.handlers[kind] = h
	q.mu.Unlock()
}

// Every makes kind run once per interval (aligned to the interval since the Unix epoch),
// across all processes: each slot's job has a unique key, so only one is ever inserted.
func (q *Queue) Every(kind string, every time.Duration, args any) {
	q.mu.Lock()
	q.periodic = append(q.periodic, periodic{kind: kind, every: every, args: args})
	q.mu.Unlock()
}

// Options adjust one enqueue.
type Options struct {
	RunAt     time.Time // zero: now
	UniqueKey string    // a second job with the same key is not inserted (idempotency)
	Priority  int       // higher runs first
}

// Enqueue inserts a job inside the caller's transaction tx. It returns false (and no
// error) when a job with the same unique key already exists.
func (q *Queue) Enqueue(ctx context.Context, tx db.Querier, kind string, args any, o Options) (bool, error) {
	q.mu.RLock()
	h, ok := q.handlers[kind]
	q.mu.RUnlock()
	if !ok {
		return false, fmt.Errorf("jobs: no handler registered for %q", kind)
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return false, fmt.Errorf("jobs: %s arguments: %w", kind, err)
	}
	now := q.clock.Now()
	runAt := o.RunAt
	if runAt.IsZero() || runAt.Before(now) {
		runAt = now
	}
	var key any
	if o.UniqueKey != "" {
		key = o.UniqueKey
	}
	res, err := tx.Exec(ctx, `INSERT INTO jobs (kind, args, unique_key, state, priority, run_at, max_attempts, created_at)
		VALUES (?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`,
		kind, string(raw), key, o.Priority, runAt.UTC(), h.MaxAttempts, now)
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	if n > 0 && !runAt.After(now) {
		tx.AfterCommit(q.Wake)
	}
	return n > 0, nil
}

// Wake tells idle workers in this process to look for work now.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// RunOnce claims one ready job and runs it. It reports whether there was one.
func (q *Queue) RunOnce(ctx context.Context) (bool, error) {
	j, h, err := q.claim(ctx)
	if err != nil || j == nil {
		return false, err
	}
	q.run(ctx, *j, h)
	return true, nil
}

// Drain runs ready jobs until none is left; it returns how many ran. Tests use it with a
// fake clock instead of waiting for workers.
func (q *Queue) Drain(ctx context.Context) (int, error) {
	if err := q.schedulePeriodic(ctx); err != nil {
		return 0, err
	}
	n := 0
	for {
		ok, err := q.RunOnce(ctx)
		if err != nil || !ok {
			return n, err
		}
		n++
	}
}

// Start runs workers until ctx is done; poll is how often idle workers look for
// scheduled jobs that came due. It returns when every worker has stopped.
func (q *Queue) Start(ctx context.Context, workers int, poll time.Duration) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			if err := q.schedulePeriodic(ctx); err != nil && ctx.Err() == nil {
				q.log.Error("jobs: periodic schedule", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				q.Wake()
			}
		}
	}()
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				ok, err := q.RunOnce(ctx)
				if err != nil && ctx.Err() == nil {
					q.log.Error("jobs: claim", "err", err)
				}
				if ok {
					continue
				}
				select {
				case <-ctx.Done():
				case <-q.wake:
				}
			}
		}()
	}
	wg.Wait()
}

func (q *Queue) schedulePeriodic(ctx context.Context) error {
	q.mu.RLock()
	ps := append([]periodic(nil), q.periodic...)
	q.mu.RUnlock()
	if len(ps) == 0 {
		return nil
	}
	now := q.clock.Now()
	return q.db.InTx(ctx, func(tx db.Querier) error {
		for _, p := range ps {
			slot := now.Truncate(p.every)
			key := fmt.Sprintf("periodic:%s:%d", p.kind, slot.Unix())
			if _, err := q.Enqueue(ctx, tx, p.kind, p.args, Options{RunAt: slot, UniqueKey: key}); err != nil {
				return err
			}
		}
		return nil
	})
}

// claim takes the next ready job, or one whose lease ran out, and holds it for its
// kind's lease. On PostgreSQL the head row is chosen FOR UPDATE SKIP LOCKED, so
// concurrent workers (in any number of processes) each take a different job rather than
// all racing for one and most coming back empty; on SQLite the single writer
// serializes claims anyway.
func (q *Queue) claim(ctx context.Context) (*Job, Handler, error) {
	now := q.clock.Now()
	var j Job
	var h Handler
	var key *string
	err := q.db.InTx(ctx, func(tx db.Querier) error {
		var id int64
		var kind string
		err := tx.QueryRow(ctx, `SELECT id, kind FROM jobs
			WHERE (state = 'pending' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
			ORDER BY priority DESC, run_at, id LIMIT 1`+tx.Dialect().SkipLocked(), now, now).Scan(&id, &kind)
		if err != nil {
			return err
		}
		h = q.handler(kind)
		row := tx.QueryRow(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?
			WHERE id = ? AND (state = 'pending' OR (state = 'running' AND locked_until < ?))
			RETURNING id, kind, args, attempts, unique_key`,
			q.worker, now.Add(h.Lease), id, now)
		var args string
		if err := row.Scan(&j.ID, &j.Kind, &args, &j.Attempt, &key); err != nil {
			return err
		}
		j.Args = json.RawMessage(args)
		return nil
	})
	if db.NotFound(err) {
		return nil, Handler{}, nil
	}
	if err != nil {
		return nil, Handler{}, fmt.Errorf("jobs: claim: %w", err)
	}
	if key != nil {
		j.UniqueKey = *key
	}
	return &j, h, nil
}

// handler returns kind's handler, or one that cancels a job no handler in this version
// of sirt knows (its lease is the default one).
func (q *Queue) handler(kind string) Handler {
	q.mu.RLock()
	h, ok := q.handlers[kind]
	q.mu.RUnlock()
	if ok {
		return h
	}
	return Handler{MaxAttempts: 1, Timeout: 2 * time.Minute, Lease: 2*time.Minute + LeaseGrace, Run: func(context.Context, Job) error {
		return Cancel(fmt.Errorf("no handler registered for %q in this version of sirt", kind))
	}}
}

func (q *Queue) run(ctx context.Context, j Job, h Handler) {
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, h.Timeout)
	err := safeRun(rctx, h, j)
	cancel()
	now := q.clock.Now()
	outcome := "done"
	var dbErr error
	if err == nil {
		_, dbErr = q.exec(ctx, "UPDATE jobs SET state = 'done', finished_at = ?, locked_by = NULL, locked_until = NULL, last_error = '' WHERE id = ? AND locked_by = ?",
			now, j.ID, q.worker)
	} else {
		var ce *cancelError
		final := errors.As(err, &ce) || j.Attempt >= h.MaxAttempts
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		if final {
			outcome = "dead"
			dbErr = q.db.InTx(context.WithoutCancel(ctx), func(tx db.Querier) error {
				res, err := tx.Exec(ctx, "UPDATE jobs SET state = 'dead', finished_at = ?, locked_by = NULL, locked_until = NULL, last_error = ? WHERE id = ? AND locked_by = ?",
					now, msg, j.ID, q.worker)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 || h.OnDead == nil {
					return nil // another worker holds it now; its outcome counts
				}
				return h.OnDead(context.WithoutCancel(ctx), tx, j, msg)
			})
		} else {
			outcome = "retry"
			_, dbErr = q.exec(ctx, "UPDATE jobs SET state = 'pending', run_at = ?, locked_by = NULL, locked_until = NULL, last_error = ? WHERE id = ? AND locked_by = ?",
				now.Add(jitter(Backoff(j.Attempt))), msg, j.ID, q.worker)
		}
		q.log.Warn("job failed", "kind", j.Kind, "id", j.ID, "attempt", j.Attempt, "outcome", outcome, "err", msg)
	}
	if dbErr != nil && ctx.Err() == nil {
		q.log.Error("jobs: record outcome", "kind", j.Kind, "id", j.ID, "err", dbErr)
	}
	if q.OnDone != nil {
		q.OnDone(j.Kind, outcome, time.Since(start))
	}
}

func (q *Queue) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := q.db.InTx(context.WithoutCancel(ctx), func(tx db.Querier) error {
		res, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

func safeRun(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h.Run(ctx, j)
}

// Backoff is the longest wait before retry n+1: n⁴ seconds plus a few, capped at 6
// hours — about a day and a half over the default ten attempts. The wait actually used
// is jittered down by up to a fifth, so jobs that failed together (a relay that was down
// for everyone) do not all come back in the same second.
func Backoff(attempt int) time.Duration {
	s := math.Pow(float64(attempt), 4) + 5
	d := time.Duration(s) * time.Second
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	return d
}

// jitter returns a wait drawn uniformly from [0.8·d, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - time.Duration(mrand.Int64N(int64(d)/5+1))
}

// Row is a job as the admin pages show it.
type Row struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Args        string     `json:"args"`
	State       string     `json:"state"`
	RunAt       time.Time  `json:"run_at"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// List returns jobs in state ("dead", "pending", "running", "done"; "" for failing:
// dead plus pending retries), newest first.
func (q *Queue) List(ctx context.Context, state string, limit int) ([]Row, error) {
	where := "state = ?"
	args := []any{state}
	if state == "" {
		where = "state = 'dead' OR (state = 'pending' AND attempts > 0)"
		args = nil
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out, err := db.All(ctx, q.db.Read(), scanRow, fmt.Sprintf(`SELECT id, kind, args, state, run_at, attempts, max_attempts, last_error, created_at, finished_at
		FROM jobs WHERE %s ORDER BY id DESC LIMIT %d`, where, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	return out, nil
}

func scanRow(s db.Scanner) (r Row, err error) {
	err = s.Scan(&r.ID, &r.Kind, &r.Args, &r.State, &r.RunAt, &r.Attempts, &r.MaxAttempts, &r.LastError, &r.CreatedAt, &r.FinishedAt)
	return r, err
}

// Counts returns the number of jobs per state.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	type count struct {
		state string
		n     int
	}
	counts, err := db.All(ctx, q.db.Read(), func(s db.Scanner) (c count, err error) { return c, s.Scan(&c.state, &c.n) },
		"SELECT state, COUNT(*) FROM jobs GROUP BY state")
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, c := range counts {
		out[c.state] = c.n
	}
	return out, nil
}

// KindStats is the queue of one kind right now, for /metrics.
type KindStats struct {
	Kind      string
	Ready     int           // pending and due: waiting for a worker
	Scheduled int           // pending, due later (scheduled, or a retry's backoff)
	Running   int           // claimed (including leases of dead workers not yet run out)
	Dead      int           // given up, waiting for an admin
	OldestAge time.Duration // how long the oldest ready job has been due; 0 when none
}

// Stats returns the queue depth and age of every kind that has ready, scheduled, running
// or dead jobs, and of every registered kind (with zeros), sorted by kind.
func (q *Queue) Stats(ctx context.Context) ([]KindStats, error) {
	now := q.clock.Now()
	type group struct {
		kind, state string
		due         bool
		n           int
	}
	groups, err := db.All(ctx, q.db.Read(), func(s db.Scanner) (g group, err error) { return g, s.Scan(&g.kind, &g.state, &g.due, &g.n) },
		`SELECT kind, state, run_at <= ?, COUNT(*) FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY 1, 2, 3`, now)
	if err != nil {
		return nil, fmt.Errorf("jobs: stats: %w", err)
	}
	by := map[string]*KindStats{}
	for _, k := range q.Kinds() {
		by[k] = &KindStats{Kind: k}
	}
	for _, g := range groups {
		ks := by[g.kind]
		if ks == nil {
			ks = &KindStats{Kind: g.kind}
			by[g.kind] = ks
		}
		switch {
		case g.state == "running":
			ks.Running += g.n
		case g.state == "dead":
			ks.Dead += g.n
		case g.due:
			ks.Ready += g.n
		default:
			ks.Scheduled += g.n
		}
	}
	out := make([]KindStats, 0, len(by))
	for _, ks := range by {
		if ks.Ready > 0 {
			var oldest time.Time
			err := q.db.Read().QueryRow(ctx, "SELECT run_at FROM jobs WHERE state = 'pending' AND kind = ? AND run_at <= ? ORDER BY run_at LIMIT 1", ks.Kind, now).Scan(&oldest)
			if err != nil && !db.NotFound(err) {
				return nil, fmt.Errorf("jobs: stats: %w", err)
			}
			if err == nil {
				ks.OldestAge = now.Sub(oldest)
			}
		}
		out = append(out, *ks)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

// Retry puts a dead job back in the queue for one more attempt, inside tx. The kind's
// OnRetry runs in the same transaction.
func (q *Queue) Retry(ctx context.Context, tx db.Querier, id int64) error {
	var j Job
	var args string
	var key *string
	err := tx.QueryRow(ctx, `UPDATE jobs SET state = 'pending', run_at = ?, max_attempts = attempts + 1, finished_at = NULL
		WHERE id = ? AND state = 'dead' RETURNING id, kind, args, attempts, unique_key`,
		q.clock.Now(), id).Scan(&j.ID, &j.Kind, &args, &j.Attempt, &key)
	if db.NotFound(err) {
		return fmt.Errorf("jobs: job %d is not dead: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	j.Args = json.RawMessage(args)
	if key != nil {
		j.UniqueKey = *key
	}
	if h := q.handler(j.Kind); h.OnRetry != nil {
		if err := h.OnRetry(ctx, tx, j); err != nil {
			return fmt.Errorf("jobs: retry %d (%s): %w", id, j.Kind, err)
		}
	}
	tx.AfterCommit(q.Wake)
	return nil
}

// Kinds lists registered kinds (for docs and the admin page).
func (q *Queue) Kinds() []string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]string, 0, len(q.handlers))
	for k := range q.handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Prune deletes finished jobs older than keep (dead ones are kept for the admin).
func (q *Queue) Prune(ctx context.Context, keep time.Duration) (int64, error) {
	return q.exec(ctx, "DELETE FROM jobs WHERE state = 'done' AND finished_at < ?", q.clock.Now().Add(-keep))
}
