package db

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapError turns driver errors into ErrNotFound / ErrConflict (wrapped, so the driver's
// message is kept for logs) and leaves everything else alone.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if IsUniqueViolation(err) {
		return &wrapped{kind: ErrConflict, err: err}
	}
	return err
}

type wrapped struct {
	kind error
	err  error
}

func (w *wrapped) Error() string        { return w.kind.Error() + ": " + w.err.Error() }
func (w *wrapped) Unwrap() []error      { return []error{w.kind, w.err} }
func (w *wrapped) Is(target error) bool { return target == w.kind }

// IsUniqueViolation reports whether err is a unique or primary-key constraint failure.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// isRetryable reports whether a transaction failed only because of contention.
func isRetryable(err error) bool {
	if errors.Is(err, errBatchAborted) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// NotFound reports whether err means "no such row".
func NotFound(err error) bool { return errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows) }
