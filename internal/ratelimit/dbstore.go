package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// DBStore keeps buckets in the rate_limits table, so every process on one database
// shares them. Each take is one conditional upsert: the row is locked by the INSERT … ON
// CONFLICT DO UPDATE, and the WHERE is evaluated on its latest version, so two replicas
// taking at once cannot both spend the last token.
type DBStore struct{ d *db.DB }

// NewDBStore returns a store on d (either dialect; StoreFor picks it for PostgreSQL).
func NewDBStore(d *db.DB) *DBStore { return &DBStore{d: d} }

func micros(t time.Time) int64 { return t.UnixMicro() }

// cur is the row's tat, or now when that is in the past (a full bucket).
const cur = "(CASE WHEN rate_limits.tat > ? THEN rate_limits.tat ELSE ? END)"

// Take implements Store.
func (s *DBStore) Take(ctx context.Context, key string, now time.Time, every time.Duration, burst int) (bool, time.Duration, error) {
	n, e, limit := micros(now), every.Microseconds(), (time.Duration(burst) * every).Microseconds()
	if e > limit {
		return false, every, nil // a burst of 0 allows nothing
	}
	var tat int64
	err := s.d.InTx(ctx, func(q db.Querier) error {
		return q.QueryRow(ctx, `INSERT INTO rate_limits (key, tat, failures) VALUES (?, ?, 0)
			ON CONFLICT (key) DO UPDATE SET tat = `+cur+` + ?
			WHERE `+cur+` + ? - ? <= ?
			RETURNING tat`, key, n+e, n, n, e, n, n, e, n, limit).Scan(&tat)
	})
	if err == nil {
		return true, 0, nil
	}
	if !db.NotFound(err) && !errors.Is(err, db.ErrNotFound) {
		return false, 0, fmt.Errorf("ratelimit: take: %w", err)
	}
	// Refused: the wait is how far the next take would be over the limit.
	if err := s.d.Read().QueryRow(ctx, "SELECT tat FROM rate_limits WHERE key = ?", key).Scan(&tat); err != nil {
		return false, every, nil
	}
	if tat < n {
		tat = n
	}
	return false, time.Duration(tat+e-n-limit) * time.Microsecond, nil
}

// NotBefore implements Store.
func (s *DBStore) NotBefore(ctx context.Context, key string) (time.Time, error) {
	var tat int64
	err := s.d.Read().QueryRow(ctx, "SELECT tat FROM rate_limits WHERE key = ?", key).Scan(&tat)
	if db.NotFound(err) || errors.Is(err, db.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("ratelimit: read: %w", err)
	}
	return time.UnixMicro(tat).UTC(), nil
}

// Fail implements Store: the count goes up atomically, then the hold is set from it
// (never shortened).
func (s *DBStore) Fail(ctx context.Context, key string, now time.Time, delay func(int) time.Duration) (int, error) {
	var n int
	err := s.d.InTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, `INSERT INTO rate_limits (key, tat, failures) VALUES (?, 0, 1)
			ON CONFLICT (key) DO UPDATE SET failures = rate_limits.failures + 1
			RETURNING failures`, key).Scan(&n); err != nil {
			return err
		}
		nb := micros(now.Add(delay(n)))
		_, err := q.Exec(ctx, "UPDATE rate_limits SET tat = ? WHERE key = ? AND tat < ?", nb, key, nb)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ratelimit: fail: %w", err)
	}
	return n, nil
}

// Reset implements Store.
func (s *DBStore) Reset(ctx context.Context, key string) error {
	return s.d.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "DELETE FROM rate_limits WHERE key = ?", key)
		return err
	})
}

// Prune implements Store (a periodic job calls it).
func (s *DBStore) Prune(ctx context.Context, now time.Time) error {
	n, old := micros(now), micros(now.Add(-keepFailures))
	return s.d.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "DELETE FROM rate_limits WHERE tat < ? OR (failures = 0 AND tat < ?)", old, n)
		return err
	})
}
