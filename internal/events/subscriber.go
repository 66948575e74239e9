package events

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/jobs"
)

// A Subscriber is one domain's durable reaction to other domains' events: instead of a
// direct call from the service where something happened, the reacting domain reads the
// log. Each delivery runs in one transaction that handles a batch of events in seq order
// and advances the subscriber's cursor (table event_cursors), so every event is handled
// once — after a crash the batch is handled again from the old cursor, its effects
// having rolled back with it — and two replicas never handle the same event: the
// cursor row is locked first.
type Subscriber struct {
	// Name identifies the cursor and is the kind of its job (Run); renaming it starts over.
	Name string
	// Actions are the actions (exact, or prefixes ending in ".") the subscriber reads.
	Actions []string
	// Handle reacts to one event inside the delivery's transaction q. An error rolls the
	// batch back; the job retries it.
	Handle func(ctx context.Context, q db.Querier, e Event) error
	// FromStart handles the whole history on the first delivery; otherwise the cursor
	// starts at the end of the log and only later events are handled.
	FromStart bool
	// Batch is the most events handled per delivery (default 200).
	Batch int
}

// Deliver hands the subscriber the events after its cursor, at most one batch, and
// returns how many it handled. Events are read as the system, unfiltered: the
// subscriber decides what its reaction may reveal.
func (l *Log) Deliver(ctx context.Context, d *db.DB, s Subscriber) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 200
	}
	sys := authz.System("events:" + s.Name)
	n := 0
	err := d.InTx(ctx, func(q db.Querier) error {
		n = 0
		// Create the cursor if it is new, then lock its row: a second replica waits on
		// the lock (or on the first one's insert) and then reads the cursor this delivery
		// leaves.
		var start int64
		if !s.FromStart {
			if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM events").Scan(&start); err != nil {
				return err
			}
		}
		res, err := q.Exec(ctx, "INSERT INTO event_cursors (name, seq) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", s.Name, start)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 1 && !s.FromStart {
			return nil // a new subscriber starts at the end of the log
		}
		if _, err := q.Exec(ctx, "UPDATE event_cursors SET seq = seq WHERE name = ?", s.Name); err != nil {
			return err
		}
		var cursor int64
		if err := q.QueryRow(ctx, "SELECT seq FROM event_cursors WHERE name = ?", s.Name).Scan(&cursor); err != nil {
			return err
		}
		evs, err := l.matching(ctx, q, sys, s.Actions, cursor, batch)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := s.Handle(ctx, q, e); err != nil {
				return fmt.Errorf("events: subscriber %s, event %d (%s): %w", s.Name, e.Seq, e.Action, err)
			}
			cursor, n = e.Seq, n+1
		}
		if len(evs) == 0 {
			return nil
		}
		_, err = q.Exec(ctx, "UPDATE event_cursors SET seq = ? WHERE name = ?", cursor, s.Name)
		return err
	})
	return n, err
}

// matching lists up to limit events after cursor whose action is one of actions, in
// seq order (all events when actions is empty).
func (l *Log) matching(ctx context.Context, q db.Querier, actor authz.Actor, actions []string, cursor int64, limit int) ([]Event, error) {
	if len(actions) <= 1 {
		qu := Query{AfterSeq: cursor, Limit: limit}
		if len(actions) == 1 {
			qu.Action = actions[0]
		}
		return l.List(ctx, q, actor, qu)
	}
	// Several actions: merge the per-action lists (each in seq order) and keep the first
	// limit — no event after the cut can be older than one before it.
	var all []Event
	for _, a := range actions {
		evs, err := l.List(ctx, q, actor, Query{Action: a, AfterSeq: cursor, Limit: limit})
		if err != nil {
			return nil, err
		}
		all = append(all, evs...)
	}
	sortBySeq(all)
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

func sortBySeq(evs []Event) {
	slices.SortFunc(evs, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) })
}

// Run registers the subscriber as a periodic job on q, its kind the subscriber's name:
// each run delivers batches until the subscriber is caught up.
func (l *Log) Run(q *jobs.Queue, d *db.DB, s Subscriber, every time.Duration) {
	kind := s.Name
	q.Register(kind, jobs.Handler{Run: func(ctx context.Context, _ jobs.Job) error {
		for {
			n, err := l.Deliver(ctx, d, s)
			if err != nil || n == 0 {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}})
	q.Every(kind, every, struct{}{})
}
