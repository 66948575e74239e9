package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"SELECT '?' FROM t WHERE a = ?", "SELECT '?' FROM t WHERE a = $1"},
		{"SELECT 'it''s ?' , ? FROM t", "SELECT 'it''s ?' , $1 FROM t"},
		{strings.Repeat("?,", 11) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
		// Comments are text, not placeholders (a ? in one used to shift every $n after it).
		{"SELECT a -- is it set?\nFROM t WHERE b = ?", "SELECT a -- is it set?\nFROM t WHERE b = $1"},
		{"SELECT a /* why? */ FROM t WHERE b = ? AND c = ?", "SELECT a /* why? */ FROM t WHERE b = $1 AND c = $2"},
		{"SELECT /* outer /* nested? */ still? */ ?", "SELECT /* outer /* nested? */ still? */ $1"},
		{"SELECT a - ? FROM t", "SELECT a - $1 FROM t"},
		{"SELECT a / ? FROM t", "SELECT a / $1 FROM t"},
		{`SELECT "odd?name" FROM t WHERE a = ?`, `SELECT "odd?name" FROM t WHERE a = $1`},
		{"SELECT ? -- trailing comment without newline?", "SELECT $1 -- trailing comment without newline?"},
		{"SELECT ? /* unterminated?", "SELECT $1 /* unterminated?"},
		{"SELECT 'unterminated?", "SELECT 'unterminated?"},
	} {
		if got := db.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := db.Placeholders(3); got != "?, ?, ?" {
		t.Errorf("Placeholders(3) = %q", got)
	}
	if got := db.Placeholders(0); got != "" {
		t.Errorf("Placeholders(0) = %q", got)
	}
	if got := (db.Filter{}).Where(); got != "" {
		t.Errorf("zero filter: %q", got)
	}
	if got := (db.Filter{SQL: "a = ?"}).Where(); got != " AND (a = ?)" {
		t.Errorf("filter: %q", got)
	}
}

var versionRE = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

func versions(t *testing.T, d db.Dialect) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(db.MigrationFS(d), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		m := versionRE.FindStringSubmatch(filepath.Base(p))
		if m == nil {
			t.Errorf("%s migration %s is not named NNNNN_name.sql", d, p)
			return nil
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestMigrationsPaired: the two folders hold the same versions with the same names, so
// a change to one database's schema cannot be forgotten in the other.
func TestMigrationsPaired(t *testing.T) {
	s, p := versions(t, db.SQLite), versions(t, db.Postgres)
	if strings.Join(s, " ") != strings.Join(p, " ") {
		t.Fatalf("migration folders differ:\n sqlite:   %v\n postgres: %v", s, p)
	}
	if len(s) == 0 {
		t.Fatal("no migrations")
	}
}

// TestSchemasMatch: a fresh database of each dialect has the same tables and columns.
func TestSchemasMatch(t *testing.T) {
	lite := sqliteColumns(t, dbtest.NewSQLite(t))
	pg := dbtest.NewPostgres(t)
	if pg == nil {
		return
	}
	pgc := postgresColumns(t, pg)
	var diff []string
	for tbl, cols := range lite {
		if pgc[tbl] == nil {
			diff = append(diff, "table "+tbl+" only on SQLite")
			continue
		}
		if a, b := strings.Join(cols, ","), strings.Join(pgc[tbl], ","); a != b {
			diff = append(diff, fmt.Sprintf("table %s columns differ:\n   sqlite:   %s\n   postgres: %s", tbl, a, b))
		}
	}
	for tbl := range pgc {
		if lite[tbl] == nil {
			diff = append(diff, "table "+tbl+" only on PostgreSQL")
		}
	}
	if len(diff) > 0 {
		sort.Strings(diff)
		t.Fatalf("schemas differ:\n %s", strings.Join(diff, "\n "))
	}
}

func sqliteColumns(t *testing.T, d *db.DB) map[string][]string {
	ctx := context.Background()
	// Virtual (FTS5) tables and their shadow tables are SQLite's search index, the one
	// documented difference from PostgreSQL (a tsvector column there); see below.
	rows, err := d.Read().Query(ctx, "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, tbl := range tables {
		r, err := d.Read().Query(ctx, "SELECT name FROM pragma_table_info(?)", tbl)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var c string
			if err := r.Scan(&c); err != nil {
				t.Fatal(err)
			}
			out[tbl] = append(out[tbl], c)
		}
		r.Close()
		sort.Strings(out[tbl])
	}
	return out
}

func postgresColumns(t *testing.T, d *db.DB) map[string][]string {
	rows, err := d.Read().Query(context.Background(), `SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> 'goose_db_version'
		  AND c.udt_name <> 'tsvector'`) // full-text search columns: FTS5 tables on SQLite
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tbl, c string
		if err := rows.Scan(&tbl, &c); err != nil {
			t.Fatal(err)
		}
		out[tbl] = append(out[tbl], c)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if err := d.InTx(context.Background(), func(tx db.Querier) error { _, err := tx.Exec(context.Background(), q, args...); return err }); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestErrorMapping(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		exec(t, d, "INSERT INTO counters (name, value) VALUES (?, ?)", "x", 1)
		err := d.InTx(ctx, func(q db.Querier) error {
			_, err := q.Exec(ctx, "INSERT INTO counters (name, value) VALUES (?, ?)", "x", 2)
			return err
		})
		if !errors.Is(err, db.ErrConflict) || !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate key: %v, want ErrConflict", err)
		}
		if errors.Is(err, db.ErrNotFound) {
			t.Fatal("a conflict is also reported as not found")
		}
		var v int
		err = d.Read().QueryRow(ctx, "SELECT value FROM counters WHERE name = ?", "nope").Scan(&v)
		if !db.NotFound(err) {
			t.Fatalf("missing row: %v, want NotFound", err)
		}
		// A CHECK violation is neither.
		err = d.InTx(ctx, func(q db.Querier) error {
			_, err := q.Exec(ctx, "INSERT INTO event_chain (id, seq, hash) VALUES (2, 0, '')")
			return err
		})
		if err == nil || errors.Is(err, db.ErrConflict) || errors.Is(err, db.ErrNotFound) {
			t.Fatalf("check violation: %v", err)
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		ran := false
		err := d.InTx(ctx, func(q db.Querier) error {
			if _, err := q.Exec(ctx, "INSERT INTO counters (name, value) VALUES ('a', 1)"); err != nil {
				return err
			}
			q.AfterCommit(func() { ran = true })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx returned %v, want the callback's error", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM counters WHERE name = 'a'"); n != 0 {
			t.Fatalf("row written by a failed transaction survived (%d)", n)
		}
		if ran {
			t.Fatal("AfterCommit ran for a rolled-back transaction")
		}
		// A panic rolls back too and is re-raised.
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic was swallowed")
				}
			}()
			_ = d.InTx(ctx, func(q db.Querier) error {
				_, _ = q.Exec(ctx, "INSERT INTO counters (name, value) VALUES ('p', 1)")
				panic("in transaction")
			})
		}()
		if n := count(t, d, "SELECT COUNT(*) FROM counters WHERE name = 'p'"); n != 0 {
			t.Fatal("row written before a panic survived")
		}
		// The connection is usable afterwards (SQLite has exactly one writer).
		exec(t, d, "INSERT INTO counters (name, value) VALUES ('ok', 1)")
	})
}

func TestAfterCommitRunsAfterCommit(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var seen []int
		err := d.InTx(ctx, func(q db.Querier) error {
			if _, err := q.Exec(ctx, "INSERT INTO counters (name, value) VALUES ('c', 7)"); err != nil {
				return err
			}
			q.AfterCommit(func() {
				// By now the row is visible to other connections.
				seen = append(seen, count(t, d, "SELECT COUNT(*) FROM counters WHERE name = 'c'"))
			})
			q.AfterCommit(func() { seen = append(seen, -1) })
			if len(seen) != 0 {
				t.Error("AfterCommit ran inside the transaction")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || seen[0] != 1 || seen[1] != -1 {
			t.Fatalf("hooks saw %v, want [1 -1] (committed row visible, in order)", seen)
		}
		// Outside a transaction the hook runs at once.
		now := false
		d.Read().AfterCommit(func() { now = true })
		if !now {
			t.Fatal("AfterCommit outside a transaction did not run")
		}
	})
}

func TestConcurrentTransactions(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		exec(t, d, "INSERT INTO counters (name, value) VALUES ('n', 0)")
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					errs <- d.InTx(ctx, func(q db.Querier) error {
						_, err := q.Exec(ctx, "UPDATE counters SET value = value + 1 WHERE name = 'n'")
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, d, "SELECT value FROM counters WHERE name = 'n'"); n != 200 {
			t.Fatalf("counter %d after 200 increments", n)
		}
	})
}

func TestReaderPoolIsReadOnly(t *testing.T) {
	d := dbtest.NewSQLite(t)
	_, err := d.Read().Exec(context.Background(), "INSERT INTO counters (name, value) VALUES ('r', 1)")
	if err == nil {
		t.Fatal("the SQLite reader pool accepted a write")
	}
}

func TestOpenErrorsAreClear(t *testing.T) {
	ctx := context.Background()
	_, err := db.Open(ctx, db.Options{DSN: "postgres://sirt:hunter2secret@127.0.0.1:1/sirt?connect_timeout=2"})
	if err == nil {
		t.Fatal("opened a PostgreSQL that is not there")
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Fatalf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error does not name the server: %v", err)
	}
	if _, err := db.Open(ctx, db.Options{DSN: "mysql://x"}); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("non-postgres DSN: %v", err)
	}
	if _, err := db.Open(ctx, db.Options{}); err == nil {
		t.Fatal("opened nothing")
	}
}

func TestMigrateIsIdempotentAndStatusComplete(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		st, err := d.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != len(versions(t, d.Dialect())) {
			t.Fatalf("status lists %d migrations, folder has %d", len(st), len(versions(t, d.Dialect())))
		}
		for _, m := range st {
			if !m.Applied {
				t.Errorf("migration %d not applied", m.Version)
			}
		}
		if p, err := d.HasPending(ctx); err != nil || p {
			t.Fatalf("pending after migrate: %v %v", p, err)
		}
	})
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	d := dbtest.NewSQLite(t)
	ctx := context.Background()
	exec(t, d, "INSERT INTO counters (name, value) VALUES ('b', 42)")
	file := filepath.Join(t.TempDir(), "b.db")
	if err := d.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, file); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	c, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var v int
	if err := c.QueryRow("SELECT value FROM counters WHERE name = 'b'").Scan(&v); err != nil || v != 42 {
		t.Fatalf("backup content: %d %v", v, err)
	}
}

// TestBackupAndDatabaseFilesArePrivate: a backup holds the team's private key and the
// server secrets; it used to be written 0644. The live files are owner-only too.
func TestBackupAndDatabaseFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which files came out 0644
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "sirt.db")
	d, err := db.Open(ctx, db.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	exec(t, d, "INSERT INTO counters (name, value) VALUES ('b', 42)")
	for _, p := range []string{filepath.Dir(path), path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %04o, want no access for group and others", filepath.Base(p), fi.Mode().Perm())
		}
	}
	file := filepath.Join(dir, "backup.db")
	if err := d.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %04o, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".sirt-backup-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// An existing database file others could read is tightened when opened.
	d.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	d2, err := db.Open(ctx, db.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("existing 0644 database now %04o, want 0600", fi.Mode().Perm())
	}
}

// A ? in a comment inside a real query on PostgreSQL: before the fix the placeholder after
// it became $2 and the query failed with "could not determine data type of parameter $1".
func TestRebindCommentOnBothDatabases(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		var got int64
		err := d.Read().QueryRow(context.Background(), "SELECT /* is this a placeholder? no */ CAST(? AS BIGINT) -- nor this?\n", 41).Scan(&got)
		if err != nil || got != 41 {
			t.Fatalf("got %d, %v", got, err)
		}
	})
}

func TestCollectAndAll(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		type kv struct {
			K string
			V int64
		}
		scan := func(s db.Scanner) (r kv, err error) { return r, s.Scan(&r.K, &r.V) }
		err := d.InTx(ctx, func(q db.Querier) error {
			for i, k := range []string{"collect.a", "collect.b", "collect.c"} {
				if _, err := q.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", k, fmt.Sprint(i), time.Now().UTC()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.All(ctx, d.Read(), scan, "SELECT key, CAST(value AS BIGINT) FROM settings WHERE key LIKE ? ORDER BY key", "collect.%")
		if err != nil || len(got) != 3 || got[0] != (kv{"collect.a", 0}) || got[2] != (kv{"collect.c", 2}) {
			t.Fatalf("All: %v %v", got, err)
		}
		none, err := db.All(ctx, d.Read(), scan, "SELECT key, 0 FROM settings WHERE key = ?", "nothing")
		if err != nil || none != nil {
			t.Fatalf("no rows: %v %v", none, err)
		}
		// A scan error stops the collection and is returned (the rows are closed).
		_, err = db.All(ctx, d.Read(), func(s db.Scanner) (kv, error) { return kv{}, errors.New("bad row") }, "SELECT key, 0 FROM settings WHERE key LIKE ?", "collect.%")
		if err == nil || err.Error() != "bad row" {
			t.Fatalf("scan error: %v", err)
		}
		// A query error is returned as it is.
		if _, err := db.All(ctx, d.Read(), scan, "SELECT nope FROM nowhere"); err == nil {
			t.Fatal("a bad query collected nothing without an error")
		}
	})
}
