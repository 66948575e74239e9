package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
)

func appendN(t *testing.T, d *db.DB, l *events.Log, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		err := d.InTx(ctx, func(q db.Querier) error {
			_, err := l.Append(ctx, q, authz.System("test"), events.Entry{
				Action: "thing.changed", Subject: events.Ref{Type: "thing", ID: "1"},
				Before: map[string]int{"n": i}, After: map[string]int{"n": i + 1},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifiesAndNamesTampering(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := events.New(clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)))
		appendN(t, d, l, 5)
		n, err := events.Verify(ctx, d.Read())
		if err != nil || n != 5 {
			t.Fatalf("untouched chain: n=%d err=%v", n, err)
		}
		evs, err := l.List(ctx, d.Read(), authz.System("t"), events.Query{Subject: &events.Ref{Type: "thing", ID: "1"}})
		if err != nil || len(evs) != 5 || string(evs[2].After) != `{"n":3}` {
			t.Fatalf("list: %v %+v", err, evs)
		}
		if !evs[0].At.Equal(time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)) {
			t.Fatalf("time round trip: %v", evs[0].At)
		}

		// Edit an entry's content.
		exec(t, d, "UPDATE events SET after_json = '{\"n\":99}' WHERE seq = 3")
		_, err = events.Verify(ctx, d.Read())
		assertChainErr(t, err, 3)
		exec(t, d, "UPDATE events SET after_json = '{\"n\":3}' WHERE seq = 3")
		if _, err := events.Verify(ctx, d.Read()); err != nil {
			t.Fatalf("restored: %v", err)
		}
		// Delete an entry in the middle.
		exec(t, d, "DELETE FROM events WHERE seq = 2")
		_, err = events.Verify(ctx, d.Read())
		assertChainErr(t, err, 2)
	})
}

func TestChainDetectsTruncatedEnd(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		l := events.New(clock.System{})
		appendN(t, d, l, 3)
		exec(t, d, "DELETE FROM events WHERE seq = 3")
		_, err := events.Verify(context.Background(), d.Read())
		assertChainErr(t, err, 3)
	})
}

func exec(t *testing.T, d *db.DB, q string) {
	t.Helper()
	if err := d.InTx(context.Background(), func(tx db.Querier) error { _, err := tx.Exec(context.Background(), q); return err }); err != nil {
		t.Fatal(err)
	}
}

func assertChainErr(t *testing.T, err error, seq int64) {
	t.Helper()
	ce, ok := err.(*events.ChainError)
	if !ok || ce.Seq != seq {
		t.Fatalf("want chain error at %d, got %v", seq, err)
	}
}
