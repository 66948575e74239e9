// Package dbtest runs store tests on every database sirt supports: a fresh temporary
// SQLite file always, and a fresh PostgreSQL database when SIRT_TEST_POSTGRES holds a DSN
// (created from a migrated template, which takes milliseconds).
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// EnvPostgres names the variable holding the PostgreSQL DSN for tests.
const EnvPostgres = "SIRT_TEST_POSTGRES"

// ForEachDialect runs fn as a subtest per database, each with a freshly migrated DB.
func ForEachDialect(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		d := NewPostgres(t)
		if d == nil {
			return
		}
		fn(t, d)
	})
}

// NewSQLite returns a migrated database in a temporary file, closed at test end.
func NewSQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{Path: filepath.Join(t.TempDir(), "sirt.db")})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

var skipOnce sync.Once

// PostgresDSN returns the test DSN, or "" (with one line saying so) when none is set.
func PostgresDSN(t testing.TB) string {
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		skipOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "dbtest: %s is not set; PostgreSQL tests are skipped in this run\n", EnvPostgres)
		})
		t.Skipf("%s not set", EnvPostgres)
	}
	return dsn
}

// NewPostgres returns a fresh migrated PostgreSQL database dropped at test end, or skips
// when SIRT_TEST_POSTGRES is unset.
func NewPostgres(t testing.TB) *db.DB {
	t.Helper()
	dsn := PostgresDSN(t)
	name := NewPostgresDatabase(t, dsn)
	d, err := db.Open(context.Background(), db.Options{DSN: WithDatabase(dsn, name), MaxConns: 8})
	if err != nil {
		t.Fatalf("open postgres %s: %v", name, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// NewPostgresDatabase creates a fresh migrated database on the server named by dsn and
// returns its name; it is dropped when the test ends.
func NewPostgresDatabase(t testing.TB, dsn string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	tmpl, err := template(ctx, admin, dsn)
	if err != nil {
		t.Fatalf("postgres template: %v", err)
	}
	name := "sirt_test_" + randomHex(6)
	var lastErr error
	for i := 0; i < 20; i++ {
		// Two test processes may copy the template at the same instant; PostgreSQL then
		// refuses one of them ("being accessed by other users"), so try again.
		if _, lastErr = admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); lastErr == nil {
			break
		}
		time.Sleep(time.Duration(i+1) * 20 * time.Millisecond)
	}
	if lastErr != nil {
		t.Fatalf("create database %s: %v", name, lastErr)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return name
}

// template returns the name of a migrated template database for the current migrations,
// creating it once (named by a hash of the migration files, so a schema change gets a new one).
func template(ctx context.Context, admin *sql.DB, dsn string) (string, error) {
	name := "sirt_tmpl_" + migrationsHash()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Serialize template creation across test processes.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(74120)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(74120)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, db.Options{DSN: WithDatabase(dsn, building), MaxConns: 2})
	if err != nil {
		return "", err
	}
	err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	for _, d := range []db.Dialect{db.Postgres} {
		fsys := db.MigrationFS(d)
		var names []string
		_ = fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		sort.Strings(names)
		for _, n := range names {
			b, _ := fs.ReadFile(fsys, n)
			h.Write([]byte(n))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// WithDatabase returns dsn pointing at database name.
func WithDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + strings.TrimPrefix(name, "/")
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
