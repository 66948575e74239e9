// Package jobs is sirt's durable job queue: mail out, reminders, publication at the
// public date, imports. A job is a row inserted in the same transaction as the change
// that causes it, so a job exists exactly when its cause was committed. Workers in any
// number of processes claim ready jobs with a lease; a job whose worker dies is claimed
// again when its lease runs out. Failures are retried with backoff, then parked as dead
// for an admin to see and retry.
//
// Why not River: see docs/architecture.md. In short, one table and ~300 lines give the
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
	Timeout     time.Duration // default 2 minutes; the lease is Timeout + 1 minute
}

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

func (q *Queue) claim(ctx context.Context) (*Job, Handler, error) {
	now := q.clock.Now()
	var j Job
	var key *string
	lease := q.lease()
	err := q.db.InTx(ctx, func(tx db.Querier) error {
		row := tx.QueryRow(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?
			WHERE id = (SELECT id FROM jobs WHERE (state = 'pending' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
			            ORDER BY priority DESC, run_at, id LIMIT 1)
			  AND (state = 'pending' OR (state = 'running' AND locked_until < ?))
			RETURNING id, kind, args, attempts, unique_key`,
			q.worker, now.Add(lease), now, now, now)
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
	q.mu.RLock()
	h, ok := q.handlers[j.Kind]
	q.mu.RUnlock()
	if !ok {
		h = Handler{MaxAttempts: 1, Run: func(context.Context, Job) error {
			return Cancel(fmt.Errorf("no handler registered for %q in this version of sirt", j.Kind))
		}}
	}
	return &j, h, nil
}

// lease is how long a claimed job is held before another worker may take it over: the
// longest handler timeout plus a minute, so no running job is ever taken twice.
func (q *Queue) lease() time.Duration {
	q.mu.RLock()
	defer q.mu.RUnlock()
	l := 2 * time.Minute
	for _, h := range q.handlers {
		if h.Timeout > l {
			l = h.Timeout
		}
	}
	return l + time.Minute
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
			_, dbErr = q.exec(ctx, "UPDATE jobs SET state = 'dead', finished_at = ?, locked_by = NULL, locked_until = NULL, last_error = ? WHERE id = ? AND locked_by = ?",
				now, msg, j.ID, q.worker)
		} else {
			outcome = "retry"
			_, dbErr = q.exec(ctx, "UPDATE jobs SET state = 'pending', run_at = ?, locked_by = NULL, locked_until = NULL, last_error = ? WHERE id = ? AND locked_by = ?",
				now.Add(Backoff(j.Attempt)), msg, j.ID, q.worker)
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

// Backoff is the wait before retry n+1: n⁴ seconds plus a few, capped at 6 hours — about
// a day and a half over the default ten attempts.
func Backoff(attempt int) time.Duration {
	s := math.Pow(float64(attempt), 4) + 5
	d := time.Duration(s) * time.Second
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	return d
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
	rows, err := q.db.Read().Query(ctx, fmt.Sprintf(`SELECT id, kind, args, state, run_at, attempts, max_attempts, last_error, created_at, finished_at
		FROM jobs WHERE %s ORDER BY id DESC LIMIT %d`, where, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.ID, &r.Kind, &r.Args, &r.State, &r.RunAt, &r.Attempts, &r.MaxAttempts, &r.LastError, &r.CreatedAt, &r.FinishedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Counts returns the number of jobs per state.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := q.db.Read().Query(ctx, "SELECT state, COUNT(*) FROM jobs GROUP BY state")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Retry puts a dead job back in the queue for one more attempt, inside tx.
func (q *Queue) Retry(ctx context.Context, tx db.Querier, id int64) error {
	res, err := tx.Exec(ctx, "UPDATE jobs SET state = 'pending', run_at = ?, max_attempts = attempts + 1, finished_at = NULL WHERE id = ? AND state = 'dead'",
		q.clock.Now(), id)
	if err != nil {
		return fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("jobs: job %d is not dead: %w", id, db.ErrNotFound)
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
