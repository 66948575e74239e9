package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/jobs"
)

// The kill -9 test re-executes this test binary as a worker process (TestMain
// dispatches on envChild), kills it with SIGKILL while it works through N jobs, then
// drains the rest and checks that no job was lost and no effect was doubled.

const (
	envChild = "SIRT_JOBS_KILL_CHILD" // "sqlite:PATH" or "postgres:DSN"
	killJobs = 400
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(envChild); spec != "" {
		os.Exit(runKillChild(spec))
	}
	os.Exit(m.Run())
}

func openSpec(ctx context.Context, spec string) (*db.DB, error) {
	if len(spec) > 7 && spec[:7] == "sqlite:" {
		return db.Open(ctx, db.Options{Path: spec[7:]})
	}
	return db.Open(ctx, db.Options{DSN: spec[len("postgres:"):], MaxConns: 8})
}

// registerWork registers the idempotent job: its effect is a row keyed by the job id
// (a second run changes nothing), and every committed run is recorded so the test can
// count how often work was repeated.
func registerWork(q *jobs.Queue, d *db.DB) {
	pid := os.Getpid()
	q.Register("work", jobs.Handler{Timeout: 10 * time.Second, Run: func(ctx context.Context, j jobs.Job) error {
		return d.InTx(ctx, func(tx db.Querier) error {
			if _, err := tx.Exec(ctx, "INSERT INTO killtest_runs (job_id, pid) VALUES (?, ?)", j.ID, pid); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO killtest_effects (job_id) VALUES (?) ON CONFLICT (job_id) DO NOTHING", j.ID)
			return err
		})
	}})
}

func runKillChild(spec string) int {
	ctx := context.Background()
	d, err := openSpec(ctx, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	q := jobs.New(d, clock.System{}, quiet())
	registerWork(q, d)
	q.Start(ctx, 4, 10*time.Millisecond) // until SIGKILL
	return 0
}

func TestKill9LosesNoJob(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped with -short")
	}
	t.Run("sqlite", func(t *testing.T) {
		d := dbtest.NewSQLite(t)
		killAndRecover(t, d, "sqlite:"+d.Path())
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := dbtest.PostgresDSN(t)
		full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
		d, err := db.Open(context.Background(), db.Options{DSN: full, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		killAndRecover(t, d, "postgres:"+full)
	})
}

func killAndRecover(t *testing.T, d *db.DB, spec string) {
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE killtest_effects (job_id BIGINT PRIMARY KEY)",
		"CREATE TABLE killtest_runs (job_id BIGINT NOT NULL, pid BIGINT NOT NULL)",
	} {
		if err := d.InTx(ctx, func(tx db.Querier) error { _, err := tx.Exec(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	q := jobs.New(d, clock.System{}, quiet())
	registerWork(q, d)
	err := d.InTx(ctx, func(tx db.Querier) error {
		for i := 0; i < killJobs; i++ {
			if _, err := q.Enqueue(ctx, tx, "work", i, jobs.Options{UniqueKey: "work-" + strconv.Itoa(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+spec)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it is well into the work (bounded poll on the condition).
	deadline := time.Now().Add(60 * time.Second)
	effects := 0
	for effects < killJobs/4 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("child made no progress: %d effects after 60s", effects)
		}
		effects = countOf(t, d, "SELECT COUNT(*) FROM killtest_effects")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	atKill := countOf(t, d, "SELECT COUNT(*) FROM killtest_effects")
	killedAt := time.Now()
	running := countOf(t, d, "SELECT COUNT(*) FROM jobs WHERE state = 'running'")
	wait := leaseWait(t, d, killedAt)
	t.Logf("killed the worker after %d of %d effects; %d jobs were held by it; a restarted worker could take them over after %v (their lease)",
		atKill, killJobs, running, wait.Round(time.Second))
	if atKill >= killJobs {
		t.Logf("the worker finished before the kill; the test proved less than it could")
	}

	// Restart: a new worker whose clock is past every lease the dead one held.
	later := clock.NewFake(time.Now().Add(10 * time.Minute))
	q2 := jobs.New(d, later, quiet())
	registerWork(q2, d)
	if _, err := q2.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	if n := countOf(t, d, "SELECT COUNT(*) FROM jobs WHERE state <> 'done'"); n != 0 {
		t.Fatalf("%d jobs not done after the restart", n)
	}
	if n := countOf(t, d, "SELECT COUNT(*) FROM jobs"); n != killJobs {
		t.Fatalf("%d jobs, want %d", n, killJobs)
	}
	if n := countOf(t, d, "SELECT COUNT(*) FROM killtest_effects e JOIN jobs j ON j.id = e.job_id"); n != killJobs {
		t.Fatalf("%d effects, want one per job (%d): a job was lost", n, killJobs)
	}
	runs := countOf(t, d, "SELECT COUNT(*) FROM killtest_runs")
	repeated := runs - killJobs
	t.Logf("executions %d for %d jobs: %d repeated (crash between effect and completion), 0 effects doubled past the key", runs, killJobs, repeated)
	if repeated < 0 || repeated > running {
		t.Fatalf("%d repeated executions, but only %d jobs were in flight at the kill", repeated, running)
	}
}

// leaseWait is how long after now the last lease held by a dead worker runs out: how
// long its jobs wait before another worker may take them over.
func leaseWait(t *testing.T, d *db.DB, now time.Time) time.Duration {
	t.Helper()
	rows, err := d.Read().Query(context.Background(), "SELECT locked_until FROM jobs WHERE state = 'running'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var longest time.Duration
	for rows.Next() {
		var until time.Time
		if err := rows.Scan(&until); err != nil {
			t.Fatal(err)
		}
		if w := until.Sub(now); w > longest {
			longest = w
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return longest
}

func countOf(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
