package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/cli"
)

const envChild = "SIRT_CLI_CHILD" // set: this test binary runs `sirt` with the args in it

// TestMain lets a test re-execute this binary as the sirt command itself, so the crash
// test kills a real `sirt serve` without building anything.
func TestMain(m *testing.M) {
	if args := os.Getenv(envChild); args != "" {
		env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, AppOptions: app.Options{Argon: cheap}}
		os.Exit(cli.Main(context.Background(), strings.Split(args, "\x1f"), env))
	}
	os.Exit(m.Run())
}

var cheap = account.ArgonParams{Memory: 64, Time: 1, Threads: 1}

type result struct {
	code           int
	stdout, stderr string
}

// run runs sirt in-process with no SIRT_* variables from the environment.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, AppOptions: app.Options{Argon: cheap}}
	code := cli.Main(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

func addAdmin(t *testing.T, data string) string {
	t.Helper()
	run(t, "a-long-passphrase-1\n", "user", "add", "--data", data, "--email", "admin@example.org", "--role", "admin", "--password-stdin").want(t, 0)
	return strings.TrimSpace(run(t, "", "token", "create", "--data", data, "--email", "admin@example.org", "--name", "ci").want(t, 0).stdout)
}

func TestUsageErrors(t *testing.T) {
	r := run(t, "", "frobnicate").want(t, 2)
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "frobnicate") {
		t.Fatalf("unknown command: want one line naming it, got %q", r.stderr)
	}
	r = run(t, "", "user", "list", "--nope").want(t, 2)
	if first := strings.SplitN(r.stderr, "\n", 2)[0]; !strings.Contains(first, "-nope") {
		t.Fatalf("unknown flag: first line %q does not name it", first)
	}
	run(t, "").want(t, 2) // no command: usage, exit 2
	data := t.TempDir()
	r = run(t, "", "user", "add", "--data", data, "--email", "a@example.org", "--role", "root", "--password-stdin").want(t, 2)
	if !strings.Contains(r.stderr, "role") {
		t.Fatalf("bad role: %q", r.stderr)
	}
	run(t, "", "user", "add", "--data", data, "--email", "a@example.org", "--role", "admin").want(t, 2)                     // password only from stdin
	run(t, "", "user", "add", "--data", data, "--email", "a@example.org", "--role", "admin", "--password-stdin").want(t, 2) // empty stdin
	run(t, "", "backup", "--data", data).want(t, 2)
	run(t, "", "migrate", "sideways", "--data", data).want(t, 2)
	run(t, "", "serve", "--addr", "nonsense", "--data", data).want(t, 2)
}

func TestHelpForEveryCommand(t *testing.T) {
	r := run(t, "", "help").want(t, 0)
	var names []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "  ") {
			// "  user add               Add a user…": the name is the words before the double space.
			name := strings.TrimSpace(strings.SplitN(strings.TrimSpace(line), "  ", 2)[0])
			names = append(names, name)
		}
	}
	if len(names) < 10 {
		t.Fatalf("help lists %d commands: %q", len(names), r.stdout)
	}
	for _, n := range names {
		args := append(strings.Fields(n), "--help")
		r := run(t, "", args...)
		if r.code != 0 || !strings.Contains(r.stderr+r.stdout, "usage: sirt "+n) {
			t.Errorf("sirt %s --help: exit %d, output %q", n, r.code, r.stderr+r.stdout)
		}
	}
}

func TestBadDatabaseSettings(t *testing.T) {
	r := run(t, "", "migrate", "status", "--db", "mysql://root@localhost/sirt").want(t, 2)
	if !strings.Contains(r.stderr, "--db") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("non-PostgreSQL DSN: want one line naming --db, got %q", r.stderr)
	}
	r = run(t, "", "migrate", "status", "--db", "postgres://sirt:s3cretpass@127.0.0.1:1/sirt?connect_timeout=2").want(t, 1)
	if strings.Contains(r.stderr, "s3cretpass") || !strings.Contains(r.stderr, "127.0.0.1:1") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("unreachable PostgreSQL: %q", r.stderr)
	}
	// A data directory that cannot be created (its parent is a file).
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"user", "list"}, {"migrate"}, {"audit", "verify"}} {
		r = run(t, "", append(args, "--data", filepath.Join(file, "data"))...)
		if r.code == 0 || r.code > 2 || strings.Contains(r.stderr, "panic") || !strings.Contains(r.stderr, file) {
			t.Errorf("sirt %v with an unusable --data: exit %d, %q", args, r.code, r.stderr)
		}
	}
	// A read-only data directory (skipped as root, who can write anywhere).
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(ro, 0o700)
		r = run(t, "", "user", "list", "--data", ro)
		if r.code == 0 || !strings.Contains(r.stderr, "not writable") {
			t.Errorf("read-only --data: exit %d, %q", r.code, r.stderr)
		}
	}
}

func TestUserTokenAndMigrate(t *testing.T) {
	data := t.TempDir()
	tok := addAdmin(t, data)
	if !regexp.MustCompile(`^sirt_[A-Za-z0-9_-]{20,}$`).MatchString(tok) {
		t.Fatalf("token create printed %q, want the token alone", tok)
	}
	r := run(t, "", "token", "create", "--data", data, "--email", "admin@example.org", "--name", "x").want(t, 0)
	if strings.Count(r.stdout, "\n") != 1 || r.stderr != "" {
		t.Fatalf("token create output: stdout %q stderr %q", r.stdout, r.stderr)
	}
	run(t, "", "token", "create", "--data", data, "--email", "nobody@example.org", "--name", "x").want(t, 1)
	run(t, "a-long-passphrase-1\n", "user", "add", "--data", data, "--email", "admin@example.org", "--role", "admin", "--password-stdin").want(t, 1)

	r = run(t, "", "user", "list", "--data", data).want(t, 0)
	if !strings.Contains(r.stdout, "admin@example.org") || !strings.Contains(r.stdout, "active") {
		t.Fatalf("user list: %q", r.stdout)
	}
	run(t, "", "user", "disable", "--data", data, "--email", "admin@example.org").want(t, 0)
	if r := run(t, "", "user", "list", "--data", data).want(t, 0); !strings.Contains(r.stdout, "disabled") {
		t.Fatalf("after disable: %q", r.stdout)
	}

	r = run(t, "", "migrate", "status", "--data", data).want(t, 0)
	if !regexp.MustCompile(`00001\s+\S*foundation\S*\s+applied`).MatchString(r.stdout) || strings.Contains(r.stdout, "pending") {
		t.Fatalf("migrate status: %q", r.stdout)
	}
	run(t, "", "migrate", "--data", data).want(t, 0)
	if r := run(t, "", "version").want(t, 0); !strings.HasPrefix(r.stdout, "sirt ") {
		t.Fatalf("version: %q", r.stdout)
	}
}

func TestAuditVerifyNamesTamperedEntry(t *testing.T) {
	data := t.TempDir()
	addAdmin(t, data)
	run(t, "", "token", "create", "--data", data, "--email", "admin@example.org", "--name", "second").want(t, 0)
	if r := run(t, "", "audit", "verify", "--data", data).want(t, 0); !strings.Contains(r.stdout, "intact") {
		t.Fatalf("untouched: %q", r.stdout)
	}
	c, err := sql.Open("sqlite", filepath.Join(data, "sirt.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(`UPDATE events SET actor = 'someone else' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	c.Close()
	r := run(t, "", "audit", "verify", "--data", data)
	if r.code == 0 || !strings.Contains(r.stderr, "event 2") {
		t.Fatalf("after editing entry 2: exit %d, %q", r.code, r.stderr)
	}
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	data := t.TempDir()
	addAdmin(t, data)
	file := filepath.Join(t.TempDir(), "backup.db")
	run(t, "", "backup", "--data", data, file).want(t, 0)
	run(t, "", "backup", "--data", data, file).want(t, 1) // never overwrites
	b, err := os.ReadFile(file)
	if err != nil || !bytes.HasPrefix(b, []byte("SQLite format 3")) {
		t.Fatalf("backup file: %v", err)
	}
	// Restore into a fresh directory, and over an existing one only with --force.
	fresh := t.TempDir()
	r := run(t, "", "restore", "--data", fresh, file).want(t, 0)
	if !strings.Contains(r.stdout, "audit entries verified") {
		t.Fatalf("restore: %q", r.stdout)
	}
	if r := run(t, "", "user", "list", "--data", fresh).want(t, 0); !strings.Contains(r.stdout, "admin@example.org") {
		t.Fatalf("restored users: %q", r.stdout)
	}
	run(t, "", "restore", "--data", data, file).want(t, 1)
	run(t, "", "restore", "--force", "--data", data, file).want(t, 0)
	run(t, "", "audit", "verify", "--data", fresh).want(t, 0)
	// Garbage is refused before anything is replaced.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all, not even close................................................................................"), 0o600)
	if r := run(t, "", "restore", "--force", "--data", fresh, junk); r.code == 0 {
		t.Fatal("restored from garbage")
	}
	if r := run(t, "", "user", "list", "--data", fresh).want(t, 0); !strings.Contains(r.stdout, "admin@example.org") {
		t.Fatal("a failed restore damaged the database")
	}
	// PostgreSQL is pg_dump's job, said plainly.
	if r := run(t, "", "backup", "--db", "postgres://x@127.0.0.1:1/x", file+"2"); r.code == 0 || !strings.Contains(r.stderr, "pg_dump") {
		t.Fatalf("backup --db: %d %q", r.code, r.stderr)
	}
}
