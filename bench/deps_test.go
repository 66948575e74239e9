package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/deps"
	"github.com/oss-sirt/sirt/internal/events"
)

// BenchmarkDeps measures the dependency graph at Log4Shell's scale: a generated
// Maven-shaped graph (packages depending on older, power-law popular packages) with a
// root that has ~7 000 direct and ≥ 35 000 transitive dependents up to depth 9. It
// imports the CSV with the built binary (`sirt deps import-edges`: wall time and peak
// RSS of the process), then asks for the root's dependents in-process (first query:
// the index is built; then per query). SQLite always, PostgreSQL with
// SIRT_TEST_POSTGRES.
//
// The default size is a tenth of the target (50 000 packages, 500 000 edges), so a plain
// `go test -bench Deps ./bench/` stays short. The full size:
//
//	SIRT_BENCH_DEPS_PACKAGES=500000 SIRT_BENCH_DEPS_EDGES=5000000 go test -run '^$' -bench Deps -benchtime 20x -timeout 60m ./bench/
func BenchmarkDeps(b *testing.B) {
	nPkgs, nEdges := envInt("SIRT_BENCH_DEPS_PACKAGES", 50_000), envInt("SIRT_BENCH_DEPS_EDGES", 500_000)
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "edges.csv")
	direct, transitive := generateGraph(b, csvPath, nPkgs, nEdges)
	report("graph: %d packages, %d edges; root has %d direct and %d transitive dependents (depth ≤ 9)", nPkgs, nEdges, direct, transitive)
	// Each database is imported into once (the sub-benchmarks run more than once).
	// SIRT_BENCH_DEPS_SQLITE=0 measures PostgreSQL only.
	if os.Getenv("SIRT_BENCH_DEPS_SQLITE") != "0" {
		benchSQLite(b, csvPath, transitive)
	}
	if os.Getenv(dbtest.EnvPostgres) == "" {
		return
	}
	dsn := dbtest.PostgresDSN(b)
	dsn = dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(b, dsn))
	importEdges(b, "postgres", csvPath, "--db", dsn)
	pd, err := db.Open(context.Background(), db.Options{DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer pd.Close()
	ps := newDepsService(b, pd, transitive)
	b.Run("postgres", func(b *testing.B) { queryDeps(b, ps) })
}

// report prints a figure on standard error: b.Logf of a benchmark with sub-benchmarks
// is not shown.
func report(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "BenchmarkDeps: "+format+"\n", args...)
}

func benchSQLite(b *testing.B, csvPath string, transitive int) {
	data := filepath.Join(b.TempDir(), "data")
	importEdges(b, "sqlite", csvPath, "--data", data)
	d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(data, "sirt.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	sq := newDepsService(b, d, transitive)
	b.Run("sqlite", func(b *testing.B) { queryDeps(b, sq) })
}

const depsRoot = "pkg:maven/org.apache.logging.log4j/log4j-core"

func pkgName(i int) string {
	if i == 0 {
		return depsRoot
	}
	return fmt.Sprintf("pkg:maven/com.example.g%d/artifact-%d", i%5000, i)
}

// generateGraph writes the edge list and returns the root's direct and transitive
// dependent counts by construction. Packages 1…A are the affected ones, in levels of
// the Log4Shell shape scaled to the graph (7 000 direct, 35 000+ in all at 500 000
// packages); every other package depends only on unaffected, older packages.
func generateGraph(b *testing.B, path string, nPkgs, nEdges int) (int, int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "dependent,dependency,version_constraint")
	rng := rand.New(rand.NewPCG(1, 2))
	scale := float64(nPkgs) / 500_000
	levels := []int{7000, 12000, 9000, 4500, 1900, 700, 250, 80, 20}
	var bounds [][2]int // [lo, hi) of each level
	next := 1
	total := 0
	for _, n := range levels {
		n = max(1, int(float64(n)*scale))
		bounds = append(bounds, [2]int{next, next + n})
		next += n
		total += n
	}
	firstFree := next // unaffected packages: firstFree … nPkgs-1
	free := nPkgs - firstFree
	if free < 100 {
		b.Fatalf("too few packages (%d) for the affected levels (%d)", nPkgs, total)
	}
	// popular picks an unaffected package, skewed to the oldest (most depended on).
	popular := func(below int) int {
		span := min(below, nPkgs) - firstFree
		if span <= 0 {
			span = free
		}
		u := rng.Float64()
		return firstFree + int(float64(span)*u*u*u)
	}
	edges := 0
	version := func() string { return fmt.Sprintf("%d.%d.%d", rng.IntN(5), rng.IntN(20), rng.IntN(10)) }
	// Affected levels: each package depends on 1–3 of the level above (the first level
	// on the root), plus a few unaffected libraries.
	for li, bd := range bounds {
		for p := bd[0]; p < bd[1]; p++ {
			if li == 0 {
				fmt.Fprintf(w, "%s,%s,\"[2.0,2.%d)\"\n", pkgName(p), depsRoot, 10+rng.IntN(8))
				edges++
			} else {
				up := bounds[li-1]
				for k := 0; k < 1+rng.IntN(3); k++ {
					fmt.Fprintf(w, "%s,%s,%s\n", pkgName(p), pkgName(up[0]+rng.IntN(up[1]-up[0])), version())
					edges++
				}
			}
			for k := 0; k < 3; k++ {
				fmt.Fprintf(w, "%s,%s,%s\n", pkgName(p), pkgName(popular(nPkgs)), version())
				edges++
			}
		}
	}
	// Everyone else: older unaffected packages, until the edge count is reached.
	per := float64(nEdges-edges) / float64(free)
	for p := firstFree + 1; p < nPkgs && edges < nEdges; p++ {
		n := int(per)
		if rng.Float64() < per-float64(n) {
			n++
		}
		for k := 0; k < n && edges < nEdges; k++ {
			d := popular(p)
			if d == p {
				continue
			}
			fmt.Fprintf(w, "%s,%s,%s\n", pkgName(p), pkgName(d), version())
			edges++
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return bounds[0][1] - bounds[0][0], total
}

// importEdges runs `sirt deps import-edges` and logs its wall time, CPU time (user +
// system: the machine is shared, so wall time depends on the neighbours) and peak RSS.
func importEdges(b *testing.B, name, csvPath string, dbArgs ...string) {
	cmd := exec.Command(binary(b), append([]string{"deps", "import-edges", csvPath}, dbArgs...)...)
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	out, err := cmd.Output()
	el := time.Since(t0)
	if err != nil {
		b.Fatalf("import-edges: %v", err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	rss := float64(ru.Maxrss) / 1024
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	load, _ := os.ReadFile("/proc/loadavg")
	report("%s import: %s in %.1f s wall, %.1f s CPU, peak RSS %.0f MB (load average %s)", name, bytesTrim(out), el.Seconds(), cpu.Seconds(), rss, bytesTrim(load))
}

func bytesTrim(b []byte) string { return string(bytes.TrimSpace(b)) }

// newDepsService asks for the root's dependents once: the first query builds the index.
func newDepsService(b *testing.B, d *db.DB, transitive int) *deps.Service {
	ctx := context.Background()
	c := clock.System{}
	s := deps.New(d, c, events.New(c))
	actor := authz.System("bench")
	t0 := time.Now()
	page, err := s.Dependents(ctx, actor, deps.DependentsQuery{Package: depsRoot, MaxDepth: 9, Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	first := time.Since(t0)
	if page.Total < transitive {
		b.Fatalf("total %d, want at least %d", page.Total, transitive)
	}
	report("%s: first query (builds the index): %d ms; total %d, by depth %v", d.Dialect(), first.Milliseconds(), page.Total, page.ByDepth)
	return s
}

// queryDeps measures b.N dependents queries, pages of 100 with paths (the API's work
// without HTTP), each checking the graph version.
func queryDeps(b *testing.B, s *deps.Service) {
	ctx := context.Background()
	actor := authz.System("bench")
	var page *deps.DepsDependents
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		var err error
		if page, err = s.Dependents(ctx, actor, deps.DependentsQuery{Package: depsRoot, MaxDepth: 9, Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(time.Since(t0).Microseconds())/1000/float64(b.N), "ms/query")
	b.ReportMetric(float64(page.Total), "dependents")
}
