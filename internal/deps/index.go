package deps

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/oss-sirt/sirt/internal/db"
)

// index is the reverse adjacency of the whole graph in memory, as compressed sparse rows
// of int32: the dependents of package i are deps[off[i]:off[i+1]]. Packages are
// numbered in the byte order of their purls, so a list sorted by number is sorted by
// purl. It is built from the store and replaced, never changed: a query holds the
// *index it started with.
//
// Freshness: every import bumps dep_graph.version in its transaction. Each query reads
// that one row (a primary-key lookup) and rebuilds the index when the version differs
// from the one it was built from, so every process — and every replica sharing a
// PostgreSQL database — answers from the graph as committed, at the cost of one rebuild
// after each import.
type index struct {
	version int64
	purls   []string         // dense number → purl
	byPurl  map[string]int32 // purl → dense number
	dbID    []int64          // dense number → dep_packages.id
	dense   []int32          // dep_packages.id → dense number (-1: none)
	off     []int32          // len(purls)+1
	deps    []int32          // dependents, sorted per package
}

// indexCache keeps the current index of a Service.
type indexCache struct {
	mu  sync.Mutex
	cur atomic.Pointer[index]
}

func graphVersion(ctx context.Context, q db.Querier) (int64, error) {
	var v int64
	err := q.QueryRow(ctx, "SELECT version FROM dep_graph WHERE id = 1").Scan(&v)
	return v, err
}

// get returns an index built from the graph's current version.
func (c *indexCache) get(ctx context.Context, d *db.DB) (*index, error) {
	v, err := graphVersion(ctx, d.Read())
	if err != nil {
		return nil, fmt.Errorf("deps: graph version: %w", err)
	}
	if ix := c.cur.Load(); ix != nil && ix.version == v {
		return ix, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ix := c.cur.Load(); ix != nil && ix.version >= v {
		return ix, nil
	}
	ix, err := buildIndex(ctx, d.Read(), v)
	if err != nil {
		return nil, err
	}
	c.cur.Store(ix)
	return ix, nil
}

// buildIndex reads every package and edge. v is the version read before: an import that
// commits meanwhile makes the index newer than v, and the next query rebuilds it again.
func buildIndex(ctx context.Context, q db.Querier, v int64) (*index, error) {
	type pkg struct {
		id   int64
		purl string
	}
	var pkgs []pkg
	var maxID int64
	rows, err := q.Query(ctx, "SELECT id, purl FROM dep_packages")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p pkg
		if err := rows.Scan(&p.id, &p.purl); err != nil {
			rows.Close()
			return nil, err
		}
		maxID = max(maxID, p.id)
		pkgs = append(pkgs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(pkgs, func(a, b pkg) int {
		if a.purl < b.purl {
			return -1
		}
		if a.purl > b.purl {
			return 1
		}
		return 0
	})
	n := len(pkgs)
	ix := &index{version: v, purls: make([]string, n), byPurl: make(map[string]int32, n), dbID: make([]int64, n), dense: make([]int32, maxID+1)}
	for i := range ix.dense {
		ix.dense[i] = -1
	}
	for i, p := range pkgs {
		ix.purls[i], ix.dbID[i], ix.dense[p.id] = p.purl, p.id, int32(i)
		ix.byPurl[p.purl] = int32(i)
	}
	// Edges: dependency → dependent, in pairs.
	var pairs []int32
	rows, err = q.Query(ctx, "SELECT dependency_id, dependent_id FROM dep_edges")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return nil, err
		}
		if a <= maxID && b <= maxID && ix.dense[a] >= 0 && ix.dense[b] >= 0 {
			pairs = append(pairs, ix.dense[a], ix.dense[b])
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ix.off = make([]int32, n+1)
	for i := 0; i < len(pairs); i += 2 {
		ix.off[pairs[i]+1]++
	}
	for i := 1; i <= n; i++ {
		ix.off[i] += ix.off[i-1]
	}
	ix.deps = make([]int32, len(pairs)/2)
	fill := make([]int32, n)
	for i := 0; i < len(pairs); i += 2 {
		a := pairs[i]
		ix.deps[ix.off[a]+fill[a]] = pairs[i+1]
		fill[a]++
	}
	pairs = nil
	// Sort each list and drop duplicates (the same edge from several sources), moving
	// the lists left as they shrink.
	w := int32(0)
	for i := 0; i < n; i++ {
		lo, hi := ix.off[i], ix.off[i+1]
		l := ix.deps[lo:hi]
		slices.Sort(l)
		l = slices.Compact(l)
		ix.off[i] = w
		w += int32(copy(ix.deps[w:], l))
	}
	ix.off[n] = w
	ix.deps = slices.Clip(ix.deps[:w])
	return ix, nil
}

func (ix *index) dependents(i int32) []int32 { return ix.deps[ix.off[i]:ix.off[i+1]] }

// walk is the result of a breadth-first search up the reverse edges.
type walk struct {
	ix     *index
	root   int32
	order  []int32 // dependents by depth, then purl
	depth  []uint8 // per package; unseen: 255
	parent []int32
}

const unseen = 255

// bfs finds every dependent of root up to maxDepth, each once at its least depth; the
// parent of each is its first (by purl) dependency one level closer to root. keep, when
// not nil, filters the edges into root itself (the affected-version filter).
func (ix *index) bfs(root int32, maxDepth int, keep func(dependent int32) bool) *walk {
	w := &walk{ix: ix, root: root, depth: make([]uint8, len(ix.purls)), parent: make([]int32, len(ix.purls))}
	for i := range w.depth {
		w.depth[i] = unseen
	}
	w.depth[root] = 0
	frontier := []int32{root}
	for d := 1; d <= maxDepth && len(frontier) > 0; d++ {
		var next []int32
		for _, u := range frontier {
			for _, v := range ix.dependents(u) {
				if w.depth[v] != unseen {
					continue
				}
				if u == root && keep != nil && !keep(v) {
					continue
				}
				w.depth[v], w.parent[v] = uint8(d), u
				next = append(next, v)
			}
		}
		slices.Sort(next)
		w.order = append(w.order, next...)
		frontier = next
	}
	return w
}

// path is root … v, as purls.
func (w *walk) path(v int32) []string {
	n := int(w.depth[v]) + 1
	out := make([]string, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = w.ix.purls[v]
		v = w.parent[v]
	}
	return out
}

// after is the position in w.order of the first dependent after (depth, purl).
func (w *walk) after(depth int, purl string) int {
	return sort.Search(len(w.order), func(i int) bool {
		v := w.order[i]
		d := int(w.depth[v])
		return d > depth || (d == depth && w.ix.purls[v] > purl)
	})
}
