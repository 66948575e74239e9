package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Group commit (SQLite). SQLite has one writer; every write transaction used to pay
// its own BEGIN and COMMIT (WAL append, lock, checkpoint accounting: a third of the
// writer's CPU under intake load). Instead, one goroutine owns the writer connection
// and runs the write transactions waiting for it together: BEGIN, then each caller's
// function inside its own SAVEPOINT, then one COMMIT, and only then answers each
// caller. A caller whose function fails (or panics) is rolled back to its savepoint
// and told so; the others in the batch are not affected. Nothing waits to fill a
// batch: callers that arrive while a batch commits form the next one.

// maxBatch bounds the callers in one transaction (and so the latency a caller can be
// queued behind).
const maxBatch = 32

type writeReq struct {
	ctx  context.Context
	fn   func(Querier) error
	done chan writeResult
}

type writeResult struct {
	err      error
	hooks    []func()
	panicked bool
	panicVal any
}

// errBatchAborted is returned to callers whose work was fine but whose batch could not
// commit for another caller's reason; InTx runs them again.
var errBatchAborted = errors.New("db: write batch aborted")

func (d *DB) startWriter() {
	d.batch = make(chan *writeReq)
	d.quit = make(chan struct{})
	d.writerDone = make(chan struct{})
	go d.writer()
}

func (d *DB) stopWriter() {
	if d.batch == nil {
		return
	}
	d.stopOnce.Do(func() { close(d.quit) })
	<-d.writerDone
}

func (d *DB) writer() {
	defer close(d.writerDone)
	for {
		var first *writeReq
		select {
		case first = <-d.batch:
		case <-d.quit:
			return
		}
		reqs := []*writeReq{first}
	more:
		for len(reqs) < maxBatch {
			select {
			case r := <-d.batch:
				reqs = append(reqs, r)
			default:
				break more
			}
		}
		d.runBatch(reqs)
	}
}

// groupTx hands fn to the writer goroutine and waits for its result.
func (d *DB) groupTx(ctx context.Context, fn func(Querier) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case d.batch <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.quit:
		return errors.New("db: closed")
	}
	res := <-req.done // fn may be running: wait for it whatever ctx says
	if res.panicked {
		panic(res.panicVal)
	}
	if res.err != nil {
		return res.err
	}
	for _, h := range res.hooks {
		h()
	}
	return nil
}

func (d *DB) runBatch(reqs []*writeReq) {
	bg := context.Background()
	results := make([]writeResult, len(reqs))
	ok := make([]bool, len(reqs))
	answer := func() {
		for i, r := range reqs {
			r.done <- results[i]
		}
	}
	tx, err := d.write.BeginTx(bg, nil)
	if err != nil {
		for i := range results {
			results[i].err = mapError(err)
		}
		answer()
		return
	}
	var unprepared []string
	runner := noCancel{cachedTx{d: d, tx: tx, pending: &unprepared}}
	broken := error(nil)
	for i, r := range reqs {
		if broken != nil {
			results[i].err = errBatchAborted
			continue
		}
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if _, err := tx.ExecContext(bg, "SAVEPOINT sirt_caller"); err != nil {
			broken = err
			results[i].err = errBatchAborted
			continue
		}
		st := &txState{}
		pv, panicked, ferr := callFn(func(q Querier) error {
			if err := r.fn(q); err != nil {
				return err
			}
			return st.beforeCommit()
		}, querier{db: d, r: runner, st: st})
		if ferr != nil || panicked {
			results[i] = writeResult{err: ferr, panicked: panicked, panicVal: pv}
			if _, err := tx.ExecContext(bg, "ROLLBACK TO sirt_caller"); err != nil {
				broken = err
			} else if _, err := tx.ExecContext(bg, "RELEASE sirt_caller"); err != nil {
				broken = err
			}
			continue
		}
		if _, err := tx.ExecContext(bg, "RELEASE sirt_caller"); err != nil {
			broken = err
			results[i].err = errBatchAborted
			continue
		}
		results[i].hooks = st.hooks
		ok[i] = true
	}
	if broken != nil {
		_ = tx.Rollback()
		for i := range results {
			if ok[i] {
				results[i] = writeResult{err: errBatchAborted}
			}
		}
		answer()
		return
	}
	if err := tx.Commit(); err != nil {
		for i := range results {
			if ok[i] {
				results[i] = writeResult{err: fmt.Errorf("db: commit: %w", mapError(err))}
			}
		}
		answer()
		return
	}
	answer()
	if len(unprepared) > 0 {
		d.prepareWrites(bg, unprepared)
	}
}

// callFn runs fn, turning a panic into a value to re-raise in the caller's goroutine.
func callFn(fn func(Querier) error, q Querier) (pv any, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			pv, panicked = p, true
		}
	}()
	return nil, false, fn(q)
}

// noCancel runs a batched caller's statements without its context's cancellation: on
// SQLite an interrupted write statement rolls back the whole transaction, which holds
// the other callers' work too. (The caller's deadline still ends its wait in groupTx
// before its function starts.)
type noCancel struct{ r sqlRunner }

func (n noCancel) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return n.r.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (n noCancel) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return n.r.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (n noCancel) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return n.r.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
