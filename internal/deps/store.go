package deps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// Writes of an import, all inside the caller's transaction. Rows go in as multi-row
// INSERTs of a fixed size (one statement text per table, so the database parses it
// once per connection) in the order of the edge index, which keeps the B-tree appends
// sequential.

const (
	pkgBatch  = 500
	edgeBatch = 1000
	// pgBatch is the rows of one PostgreSQL statement: columns go as arrays (unnest), so
	// the statement is the same text, parsed and planned once, for any count.
	pgBatch = 20_000
)

// Progress reports an import's advance: Stage is "read", "packages" or "edges".
type Progress struct {
	Stage       string
	Done, Total int
	Elapsed     time.Duration
}

// resolve gives every package of g its dep_packages id, adding the new ones; it
// returns the ids by g's numbering and how many were new.
func resolve(ctx context.Context, q db.Querier, g *graph, now time.Time, progress func(done int)) ([]int64, int, error) {
	ids := make([]int64, len(g.keys))
	pg := q.Dialect() == db.Postgres
	lookup := func(keys []string, nums []int32) error {
		args := make([]any, len(keys))
		pos := make(map[string]int32, len(keys))
		for i, k := range keys {
			args[i] = k
			pos[k] = nums[i]
		}
		query := "SELECT id, purl FROM dep_packages WHERE purl IN (" + db.Placeholders(len(keys)) + ")"
		if pg {
			// One array parameter: a statement PostgreSQL plans once, whatever the count.
			query, args = "SELECT id, purl FROM dep_packages WHERE purl = ANY(?::text[])", []any{keys}
		}
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var p string
			if err := rows.Scan(&id, &p); err != nil {
				return err
			}
			ids[pos[p]] = id
		}
		return rows.Err()
	}
	insert := func(keys []string, nums []int32) error {
		if pg {
			types := make([]string, len(keys))
			for i := range keys {
				types[i] = g.types[nums[i]]
			}
			_, err := q.Exec(ctx, "INSERT INTO dep_packages (purl, type, created_at) SELECT u.purl, u.type, ? FROM unnest(?::text[], ?::text[]) AS u (purl, type)"+
				" ON CONFLICT (purl) DO NOTHING", now, keys, types)
			return err
		}
		var b strings.Builder
		b.WriteString("INSERT INTO dep_packages (purl, type, created_at) VALUES ")
		args := make([]any, 0, 3*len(keys))
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, k, g.types[nums[i]], now)
		}
		b.WriteString(" ON CONFLICT (purl) DO NOTHING")
		_, err := q.Exec(ctx, b.String(), args...)
		return err
	}
	fresh := 0
	batch := pkgBatch
	if pg {
		batch = pgBatch
	}
	for lo := 0; lo < len(g.keys); lo += batch {
		hi := min(lo+batch, len(g.keys))
		nums := make([]int32, 0, hi-lo)
		for n := lo; n < hi; n++ {
			nums = append(nums, int32(n))
		}
		if err := lookup(g.keys[lo:hi], nums); err != nil {
			return nil, 0, fmt.Errorf("deps: look up packages: %w", err)
		}
		var missK []string
		var missN []int32
		for _, n := range nums {
			if ids[n] == 0 {
				missK, missN = append(missK, g.keys[n]), append(missN, n)
			}
		}
		if len(missK) > 0 {
			fresh += len(missK)
			if err := insert(missK, missN); err != nil {
				return nil, 0, fmt.Errorf("deps: add packages: %w", err)
			}
			if err := lookup(missK, missN); err != nil {
				return nil, 0, fmt.Errorf("deps: look up packages: %w", err)
			}
		}
		if progress != nil {
			progress(hi)
		}
	}
	return ids, fresh, nil
}

type dbEdge struct {
	dependency, dependent int64
	constraint            int32
}

// writeEdges adds g's edges with their source; an edge already there (same packages,
// same source) keeps one row, with the constraint of this import. It returns how many
// distinct edges the import holds.
func writeEdges(ctx context.Context, q db.Querier, g *graph, ids []int64, source string, progress func(done, total int)) (int, error) {
	es := make([]dbEdge, len(g.edges))
	for i, e := range g.edges {
		es[i] = dbEdge{dependency: ids[e.dependency], dependent: ids[e.dependent], constraint: e.constraint}
	}
	g.edges = nil // half the memory of a large import: let it go
	slices.SortStableFunc(es, func(a, b dbEdge) int {
		if a.dependency != b.dependency {
			return cmpInt(a.dependency, b.dependency)
		}
		return cmpInt(a.dependent, b.dependent)
	})
	// One row per pair: the last constraint given wins (the same statement may not
	// update a row twice on PostgreSQL).
	w := 0
	for i := range es {
		if w > 0 && es[w-1].dependency == es[i].dependency && es[w-1].dependent == es[i].dependent {
			es[w-1] = es[i]
			continue
		}
		es[w] = es[i]
		w++
	}
	es = es[:w]
	if q.Dialect() == db.Postgres {
		return len(es), writeEdgesPG(ctx, q, g, es, source, progress)
	}
	full := edgeInsert(edgeBatch)
	for lo := 0; lo < len(es); lo += edgeBatch {
		hi := min(lo+edgeBatch, len(es))
		query := full
		if hi-lo < edgeBatch {
			query = edgeInsert(hi - lo)
		}
		args := make([]any, 0, 4*(hi-lo))
		for _, e := range es[lo:hi] {
			args = append(args, e.dependency, e.dependent, g.constraints[e.constraint], source)
		}
		if _, err := q.Exec(ctx, query, args...); err != nil {
			return 0, fmt.Errorf("deps: add edges: %w", err)
		}
		if progress != nil && (hi == len(es) || (hi/edgeBatch)%250 == 0) {
			progress(hi, len(es))
		}
	}
	return len(es), nil
}

func writeEdgesPG(ctx context.Context, q db.Querier, g *graph, es []dbEdge, source string, progress func(done, total int)) error {
	for lo := 0; lo < len(es); lo += pgBatch {
		hi := min(lo+pgBatch, len(es))
		a, b, c := make([]int64, 0, hi-lo), make([]int64, 0, hi-lo), make([]string, 0, hi-lo)
		for _, e := range es[lo:hi] {
			a, b, c = append(a, e.dependency), append(b, e.dependent), append(c, g.constraints[e.constraint])
		}
		if _, err := q.Exec(ctx, "INSERT INTO dep_edges (dependency_id, dependent_id, version_constraint, source)"+
			" SELECT u.a, u.b, u.c, ? FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS u (a, b, c)"+
			" ON CONFLICT (dependency_id, dependent_id, source) DO UPDATE SET version_constraint = excluded.version_constraint"+
			" WHERE dep_edges.version_constraint <> excluded.version_constraint", source, a, b, c); err != nil {
			return fmt.Errorf("deps: add edges: %w", err)
		}
		if progress != nil && (hi == len(es) || (hi/pgBatch)%10 == 0) {
			progress(hi, len(es))
		}
	}
	return nil
}

// bigCache gives SQLite's writer connection a page cache large enough for a bulk import
// (the default 2 MiB re-reads B-tree pages from the WAL for every batch) and returns
// the function that puts the default back.
func bigCache(ctx context.Context, q db.Querier) (func(), error) {
	if q.Dialect() != db.SQLite {
		return func() {}, nil
	}
	if _, err := q.Exec(ctx, "PRAGMA cache_size = -65536"); err != nil { // 64 MiB
		return nil, err
	}
	return func() { _, _ = q.Exec(ctx, "PRAGMA cache_size = -2000") }, nil
}

func edgeInsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO dep_edges (dependency_id, dependent_id, version_constraint, source) VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT (dependency_id, dependent_id, source) DO UPDATE SET version_constraint = excluded.version_constraint" +
		" WHERE dep_edges.version_constraint <> excluded.version_constraint")
	return b.String()
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bumpVersion marks the graph changed, in the importing transaction.
func bumpVersion(ctx context.Context, q db.Querier, now time.Time) error {
	_, err := q.Exec(ctx, "UPDATE dep_graph SET version = version + 1, updated_at = ? WHERE id = 1", now)
	return err
}
