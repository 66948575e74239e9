package db_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// Concurrent write transactions are committed together on SQLite (group commit); a
// caller that fails or panics is rolled back alone, and every caller hears about its
// own transaction only after it has committed.
func TestConcurrentWritersFailAlone(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.SQL().ExecContext(ctx, "CREATE TABLE gc (id BIGINT PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		const n = 200
		var wg sync.WaitGroup
		var hooks atomic.Int64
		errs := make([]error, n)
		panics := make([]any, n)
		boom := errors.New("boom")
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { panics[i] = recover() }()
				errs[i] = d.InTx(ctx, func(q db.Querier) error {
					if _, err := q.Exec(ctx, "INSERT INTO gc (id, v) VALUES (?, ?)", i, "a"); err != nil {
						return err
					}
					q.AfterCommit(func() { hooks.Add(1) })
					switch i % 10 {
					case 3: // fails after writing: its row must go
						return boom
					case 5: // a constraint error inside the transaction
						_, err := q.Exec(ctx, "INSERT INTO gc (id, v) VALUES (?, ?)", i, "dup")
						return err
					case 7:
						panic("caller panics")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		want := 0
		for i := 0; i < n; i++ {
			switch i % 10 {
			case 3:
				if !errors.Is(errs[i], boom) {
					t.Errorf("caller %d: %v, want its own error", i, errs[i])
				}
			case 5:
				if !errors.Is(errs[i], db.ErrConflict) && !db.IsUniqueViolation(errs[i]) {
					t.Errorf("caller %d: %v, want a conflict", i, errs[i])
				}
			case 7:
				if panics[i] != "caller panics" {
					t.Errorf("caller %d: panic %v not re-raised in the caller", i, panics[i])
				}
			default:
				want++
				if errs[i] != nil || panics[i] != nil {
					t.Errorf("caller %d: %v %v", i, errs[i], panics[i])
				}
			}
		}
		var got int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM gc").Scan(&got); err != nil || got != want {
			t.Fatalf("rows %d (%v), want %d: failed callers' writes must be rolled back, the others' kept", got, err, want)
		}
		if hooks.Load() != int64(want) {
			t.Fatalf("after-commit hooks ran %d times, want %d", hooks.Load(), want)
		}
		var bad int
		_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM gc WHERE id % 10 IN (3, 5, 7)").Scan(&bad)
		if bad != 0 {
			t.Fatalf("%d rows of failed callers were committed", bad)
		}
	})
}
