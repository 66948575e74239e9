// Package db is sirt's one store code path over two databases: an embedded SQLite file
// (the default, pure Go, no set-up) and PostgreSQL (for teams running several replicas).
//
// Queries are written once with ? placeholders and portable SQL; Querier rebinds them to
// $n for PostgreSQL. Every write happens in InTx, which retries on busy/serialization
// errors, so domain code never calls Begin or Commit. The few real differences between
// the databases (full-text search, backup) live in dialect_*.go files.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors mapped from both drivers so domain code can test for them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Options configure Open.
type Options struct {
	// DSN is a postgres:// URL. When empty, Path is used.
	DSN string
	// Path is the SQLite database file.
	Path string
	// SyncFull makes SQLite fsync on every commit (synchronous=FULL), durable across
	// power loss. The default (NORMAL in WAL mode) is durable across a process crash.
	SyncFull bool
	// MaxConns bounds the PostgreSQL pool (default 16).
	MaxConns int
}

// DB is an open database: on SQLite one writer connection plus a reader pool, on
// PostgreSQL one pool for both.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	path    string
	rebinds sync.Map // query → rebound query (PostgreSQL)
	// stmts caches prepared statements on the SQLite reader pool: the pure-Go driver
	// otherwise parses every query anew, which was a third of the CPU of an API read.
	stmts  sync.Map // query → *sql.Stmt
	nstmts atomic.Int32
	// wstmts caches prepared statements on the single SQLite writer connection.
	wstmts  sync.Map
	nwstmts atomic.Int32
	// SQLite's group commit (group.go): write transactions queue here for the writer
	// goroutine.
	batch      chan *writeReq
	quit       chan struct{}
	writerDone chan struct{}
	stopOnce   sync.Once
}

// maxStmts bounds the statement cache (queries with a formatted LIMIT vary a little).
const maxStmts = 2000

// IsPostgresDSN reports whether s names a PostgreSQL database.
func IsPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens and pings the database named by opts. It does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.DSN != "" {
		return openPostgres(ctx, opts)
	}
	return openSQLite(ctx, opts)
}

func openSQLite(ctx context.Context, opts Options) (*DB, error) {
	if opts.Path == "" {
		return nil, errors.New("db: no database given (want --data DIR or --db postgres://…)")
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("db: cannot create the data directory %s: %w", filepath.Dir(opts.Path), err)
	}
	privateFiles(opts.Path)
	sync := "NORMAL"
	if opts.SyncFull {
		sync = "FULL"
	}
	base := "file:" + opts.Path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(" + sync + ")&_time_format=sqlite"
	// temp_store(MEMORY): group commit gives each caller a savepoint, whose sub-journal
	// would otherwise be a temporary file written with every page a caller changes.
	w, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", opts.Path, err)
	}
	// One writer: SQLite allows one writing transaction at a time anyway; queueing in
	// database/sql is cheaper and fairer than busy-waiting on the file lock.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := pingWritable(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: cannot use %s: %w", opts.Path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open %s for reading: %w", opts.Path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	d := &DB{dialect: SQLite, write: w, read: r, path: opts.Path}
	d.startWriter()
	return d, nil
}

// pingWritable proves the file can be written (an unwritable directory otherwise only
// shows up at the first insert).
func pingWritable(ctx context.Context, w *sql.DB) error {
	_, err := w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS sirt_probe (x INTEGER); DROP TABLE sirt_probe")
	return err
}

func openPostgres(ctx context.Context, opts Options) (*DB, error) {
	if !IsPostgresDSN(opts.DSN) {
		return nil, fmt.Errorf("db: %q is not a postgres:// URL", redactDSN(opts.DSN))
	}
	p, err := sql.Open("pgx", opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", redactDSN(opts.DSN), err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 16
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("db: cannot reach PostgreSQL at %s: %w", redactDSN(opts.DSN), err)
	}
	return &DB{dialect: Postgres, write: p, read: p}, nil
}

// redactDSN hides a password in a DSN so it can go into errors and logs.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	creds := dsn[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return dsn[:scheme+3] + creds[:i] + ":***" + dsn[at:]
	}
	return dsn
}

// SkipLocked is the locking clause that ends a SELECT of queue rows to claim: on
// PostgreSQL "FOR UPDATE SKIP LOCKED", so concurrent workers each take a different row
// instead of queueing behind the one they all chose; on SQLite nothing, as the single
// writer (BEGIN IMMEDIATE) already serializes claims.
func (d Dialect) SkipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Dialect returns which database this is.
func (d *DB) Dialect() Dialect { return d.dialect }

// Path returns the SQLite file ("" on PostgreSQL).
func (d *DB) Path() string { return d.path }

// SQL returns the pool that writes (for migrations and the job worker's claims).
func (d *DB) SQL() *sql.DB { return d.write }

// Close closes both pools.
func (d *DB) Close() error {
	d.stopWriter()
	d.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	d.wstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Ping checks that the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

// Querier runs queries written with ? placeholders on a connection or transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
	// AfterCommit registers f to run once the transaction has committed (no-op outside a
	// transaction: f runs at once). Used to wake workers, never to write.
	AfterCommit(f func())
	// BeforeCommit registers f to run last in the transaction, just before it commits;
	// an error rolls the transaction back. Outside a transaction f runs at once.
	BeforeCommit(f func() error) error
	// TxValue and SetTxValue keep a value for the rest of the transaction (nil outside
	// one), e.g. the audit chain's head once read.
	TxValue(key any) any
	SetTxValue(key, v any)
}

// txState is what a transaction's Querier remembers beside its statements.
type txState struct {
	hooks []func()
	pre   []func() error
	vals  map[any]any
}

// beforeCommit runs the BeforeCommit functions in order.
func (t *txState) beforeCommit() error {
	for i := 0; i < len(t.pre); i++ { // a function may register another
		if err := t.pre[i](); err != nil {
			return err
		}
	}
	return nil
}

type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type querier struct {
	db *DB
	r  sqlRunner
	st *txState // nil outside a transaction
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.r.ExecContext(ctx, q.db.rebind(query), args...)
	return res, mapError(err)
}

func (q querier) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.r.QueryContext(ctx, q.db.rebind(query), args...)
	return rows, mapError(err)
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.r.QueryRowContext(ctx, q.db.rebind(query), args...)
}

func (q querier) Dialect() Dialect { return q.db.dialect }

func (q querier) AfterCommit(f func()) {
	if q.st == nil {
		f()
		return
	}
	q.st.hooks = append(q.st.hooks, f)
}

func (q querier) BeforeCommit(f func() error) error {
	if q.st == nil {
		return f()
	}
	q.st.pre = append(q.st.pre, f)
	return nil
}

func (q querier) TxValue(key any) any {
	if q.st == nil {
		return nil
	}
	return q.st.vals[key]
}

func (q querier) SetTxValue(key, v any) {
	if q.st == nil {
		return
	}
	if q.st.vals == nil {
		q.st.vals = map[any]any{}
	}
	q.st.vals[key] = v
}

// Read returns a Querier on the reader pool, for queries outside a write transaction.
func (d *DB) Read() Querier {
	if d.dialect == SQLite {
		return querier{db: d, r: cachedReader{d}}
	}
	return querier{db: d, r: d.read}
}

// cachedReader runs queries on the reader pool through prepared statements kept for
// the life of the DB (database/sql re-prepares them on each pool connection as needed).
type cachedReader struct{ d *DB }

func (c cachedReader) stmt(ctx context.Context, query string) *sql.Stmt {
	if v, ok := c.d.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if c.d.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := c.d.read.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared call below reports the error
	}
	if v, loaded := c.d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	c.d.nstmts.Add(1)
	return st
}

func (c cachedReader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.d.read.ExecContext(ctx, query, args...) // the reader pool is query_only
}

func (c cachedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.d.read.QueryContext(ctx, query, args...)
}

func (c cachedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.d.read.QueryRowContext(ctx, query, args...)
}

// cachedTx runs a write transaction's statements through statements prepared once on
// the single SQLite writer connection (tx.StmtContext reuses them there), sparing the
// parser on every write.
type cachedTx struct {
	d       *DB
	tx      *sql.Tx
	pending *[]string
}

func (c cachedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if v, ok := c.d.wstmts.Load(query); ok {
		return c.tx.StmtContext(ctx, v.(*sql.Stmt))
	}
	// The writer's only connection is this transaction's: preparing on the pool now
	// would wait for ourselves. Note the query; it is prepared after the commit.
	if c.d.nwstmts.Load() < maxStmts {
		*c.pending = append(*c.pending, query)
	}
	return nil
}

// prepareWrites prepares queries noted during a transaction, once the writer is free.
func (d *DB) prepareWrites(ctx context.Context, queries []string) {
	for _, q := range queries {
		if _, ok := d.wstmts.Load(q); ok || d.nwstmts.Load() >= maxStmts {
			continue
		}
		st, err := d.write.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			continue
		}
		if _, loaded := d.wstmts.LoadOrStore(q, st); loaded {
			st.Close()
			continue
		}
		d.nwstmts.Add(1)
	}
}

func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}

// InTx runs fn in one write transaction and commits it, retrying the whole of fn when the
// database reports a busy or serialization failure. fn must not have effects outside the
// transaction other than through AfterCommit.
func (d *DB) InTx(ctx context.Context, fn func(q Querier) error) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		err = d.inTxOnce(ctx, fn)
		if err == nil || !isRetryable(err) {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
		// Back off a little; contention here is short-lived by construction.
		t := time.NewTimer(time.Duration(attempt+1) * 5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

func (d *DB) inTxOnce(ctx context.Context, fn func(q Querier) error) (err error) {
	if d.batch != nil {
		return d.groupTx(ctx, fn)
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	st := &txState{}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	var r sqlRunner = tx
	var unprepared []string
	if d.dialect == SQLite {
		r = cachedTx{d: d, tx: tx, pending: &unprepared}
	}
	if err = fn(querier{db: d, r: r, st: st}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err = st.beforeCommit(); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err = tx.Commit(); err != nil {
		return mapError(err)
	}
	if len(unprepared) > 0 {
		d.prepareWrites(ctx, unprepared)
	}
	for _, h := range st.hooks {
		h()
	}
	return nil
}

// rebind turns ? placeholders into $1, $2… for PostgreSQL (see Rebind).
func (d *DB) rebind(query string) string {
	if d.dialect != Postgres {
		return query
	}
	if v, ok := d.rebinds.Load(query); ok {
		return v.(string)
	}
	out := Rebind(query)
	d.rebinds.Store(query, out)
	return out
}

// Rebind rewrites ? placeholders as $n. A question mark inside a single-quoted string,
// a double-quoted identifier, a -- comment or a /* */ comment (PostgreSQL's nest) is
// text, not a placeholder, and is left alone. Queries use bare ? only: SQLite's numbered
// ?NNN is not supported ("?1" would become "$11").
func Rebind(query string) string {
	if strings.IndexByte(query, '?') < 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			// A quoted string or identifier; a doubled quote inside is an escaped one and
			// simply closes and reopens it.
			j := strings.IndexByte(query[i+1:], c)
			end := len(query)
			if j >= 0 {
				end = i + 1 + j + 1
			}
			b.WriteString(query[i:end])
			i = end
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := len(query)
			if j := strings.IndexByte(query[i:], '\n'); j >= 0 {
				end = i + j + 1
			}
			b.WriteString(query[i:end])
			i = end
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			end := blockCommentEnd(query, i)
			b.WriteString(query[i:end])
			i = end
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// blockCommentEnd returns the index just past the /* */ comment that starts at i,
// counting nested comments as PostgreSQL does (len(query) when it is unterminated).
func blockCommentEnd(query string, i int) int {
	depth := 0
	for i < len(query) {
		switch {
		case strings.HasPrefix(query[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(query[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(query)
}

// Placeholders returns "?, ?, …" with n marks, for IN lists.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Filter is a SQL condition with its arguments, ANDed into a WHERE clause. The zero
// Filter matches everything.
type Filter struct {
	SQL  string
	Args []any
}

// Where returns " AND (cond)" or "" for the zero filter.
func (f Filter) Where() string {
	if f.SQL == "" {
		return ""
	}
	return " AND (" + f.SQL + ")"
}

// None is a filter that matches nothing.
var None = Filter{SQL: "1 = 0"}

// Scanner is what a row collector's scan function reads from: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Collect reads every row of rows with scan, closes rows and returns the values (nil
// when there are none). It replaces the hand-written rows.Next loop:
//
//	rows, err := q.Query(ctx, "SELECT id, name FROM things WHERE …", args...)
//	if err != nil { … }
//	return db.Collect(rows, scanThing)
func Collect[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

// All runs query on q and collects its rows with scan (Query followed by Collect).
func All[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, scan)
}

// Int64s runs a query whose one column is an integer (usually ids) and returns the values.
func Int64s(ctx context.Context, q Querier, query string, args ...any) ([]int64, error) {
	return All(ctx, q, func(s Scanner) (v int64, err error) { return v, s.Scan(&v) }, query, args...)
}
