// Package ids allocates the public identifiers people see and quote: tracking ids like
// OSS-SIRT-2026-0042. Numbers come from a counter row updated inside the caller's
// transaction, so they are sequential per year with no gaps and no duplicates: a
// rolled-back transaction gives its number back, and concurrent writers queue on the row.
package ids

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// Next returns the next id PREFIX-YYYY-NNNN of series (e.g. "OSS-SIRT") for the year of
// at (UTC), inside transaction q. Numbers have at least four digits.
func Next(ctx context.Context, q db.Querier, prefix string, at time.Time) (string, error) {
	year := at.UTC().Year()
	n, err := NextNumber(ctx, q, fmt.Sprintf("%s-%d", prefix, year))
	if err != nil {
		return "", err
	}
	return Format(prefix, year, n), nil
}

// Format renders an id.
func Format(prefix string, year int, n int64) string {
	return fmt.Sprintf("%s-%d-%04d", prefix, year, n)
}

// NextNumber increments counter name and returns its new value (1 for a new counter).
func NextNumber(ctx context.Context, q db.Querier, name string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ids: next %s: %w", name, err)
	}
	return n, nil
}
