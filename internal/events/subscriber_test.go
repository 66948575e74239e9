package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
)

func appendAction(t *testing.T, d *db.DB, l *events.Log, action string, n int) {
	t.Helper()
	for i := range n {
		if err := d.InTx(context.Background(), func(q db.Querier) error {
			_, err := l.Append(context.Background(), q, authz.System("test"), events.Entry{Action: action, Subject: events.Ref{Type: "thing", ID: fmt.Sprint(i)}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// A subscriber handles each matching event once, in order, across batches; a failing
// handler rolls its batch back (its effects and the cursor) and the next delivery
// handles the same events again; history before the first delivery is skipped unless
// FromStart.
func TestSubscriberDeliversOnceInOrder(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := events.New(clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
		appendAction(t, d, l, "a.old", 2)
		var seen []int64
		var failAt int64
		sub := events.Subscriber{Name: "test.sub", Actions: []string{"a.", "b.done"}, Batch: 3,
			Handle: func(ctx context.Context, q db.Querier, e events.Event) error {
				if e.Seq == failAt {
					return errors.New("boom")
				}
				if _, err := q.Exec(ctx, "INSERT INTO event_cursors (name, seq) VALUES (?, ?)", fmt.Sprintf("effect-%d", e.Seq), e.Seq); err != nil {
					return err
				}
				seen = append(seen, e.Seq)
				return nil
			}}
		if n, err := l.Deliver(ctx, d, sub); err != nil || n != 0 {
			t.Fatalf("first delivery: %d, %v (history is skipped)", n, err)
		}
		appendAction(t, d, l, "a.new", 4)
		appendAction(t, d, l, "c.other", 2)
		appendAction(t, d, l, "b.done", 1)
		var all []int64
		for {
			seen = nil
			n, err := l.Deliver(ctx, d, sub)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if n > 3 {
				t.Fatalf("a batch of %d, want at most 3", n)
			}
			all = append(all, seen...)
		}
		if len(all) != 5 {
			t.Fatalf("handled %v, want the 4 a.new and the b.done events", all)
		}
		for i := 1; i < len(all); i++ {
			if all[i] <= all[i-1] {
				t.Fatalf("out of order: %v", all)
			}
		}
		appendAction(t, d, l, "a.more", 2)
		var next int64
		if err := d.Read().QueryRow(ctx, "SELECT MAX(seq) FROM events").Scan(&next); err != nil {
			t.Fatal(err)
		}
		failAt = next
		seen = nil
		if _, err := l.Deliver(ctx, d, sub); err == nil {
			t.Fatal("a failing handler's delivery succeeded")
		}
		var effects int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM event_cursors WHERE name LIKE 'effect-%'").Scan(&effects); err != nil {
			t.Fatal(err)
		}
		if effects != 5 {
			t.Fatalf("%d effects after the failed batch, want the 5 committed before it (the batch rolled back)", effects)
		}
		failAt, seen = 0, nil
		if n, err := l.Deliver(ctx, d, sub); err != nil || n != 2 {
			t.Fatalf("after the failure: %d, %v; want both events again", n, err)
		}
		fromStart := events.Subscriber{Name: "test.history", Actions: []string{"a.old"}, FromStart: true,
			Handle: func(context.Context, db.Querier, events.Event) error { return nil }}
		if n, err := l.Deliver(ctx, d, fromStart); err != nil || n != 2 {
			t.Fatalf("FromStart: %d, %v; want the 2 old events", n, err)
		}
	})
}

// Two replicas delivering at once never handle the same event twice.
func TestSubscriberConcurrentDeliveries(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := events.New(clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
		sub := events.Subscriber{Name: "test.race", FromStart: true, Batch: 5,
			Handle: func(ctx context.Context, q db.Querier, e events.Event) error {
				_, err := q.Exec(ctx, "INSERT INTO event_cursors (name, seq) VALUES (?, ?)", fmt.Sprintf("handled-%d", e.Seq), e.Seq)
				return err // a second handling of the same event fails on the primary key
			}}
		appendAction(t, d, l, "x.y", 40)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := l.Deliver(ctx, d, sub)
					if err != nil {
						errs <- err
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var n int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM event_cursors WHERE name LIKE 'handled-%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 40 {
			t.Fatalf("%d events handled, want 40", n)
		}
	})
}
