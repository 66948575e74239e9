// Package deps is the dependency graph: packages (package URLs without version,
// qualifiers and subpath), the edges between them from bulk edge lists and imported
// SBOMs (CycloneDX 1.2–1.6 and SPDX 2.2/2.3 JSON), and the question the team asks in an
// incident — who depends, directly or transitively, on this package — answered from an
// in-memory reverse index kept in step with the store (index.go).
package deps

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Depth limits of the dependents query.
const (
	DefaultMaxDepth = 9
	MaxMaxDepth     = 20
	DefaultLimit    = 100
	MaxLimit        = 1000
)

// Maintainers tells which organisations maintain packages (the directory implements it).
type Maintainers interface {
	OrgsOf(ctx context.Context, packages []string) (map[string][]int64, error)
}

// OrgNamer is what a Maintainers may also do: name organisations for the pages.
type OrgNamer interface {
	OrgNames(ctx context.Context, ids []int64) (map[int64]string, error)
}

// Service is the dependency graph.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	events *events.Log
	idx    indexCache
	maint  atomic.Pointer[Maintainers]
}

// New returns the service.
func New(d *db.DB, c clock.Clock, ev *events.Log) *Service {
	return &Service{db: d, clock: c, events: ev}
}

// SetMaintainers wires who maintains packages; nil leaves every dependent without
// organisations.
func (s *Service) SetMaintainers(m Maintainers) {
	if m == nil {
		s.maint.Store(nil)
		return
	}
	s.maint.Store(&m)
}

func (s *Service) maintainers() Maintainers {
	if p := s.maint.Load(); p != nil {
		return *p
	}
	return nil
}

// ---- imports ----

// ImportOptions adjust an import.
type ImportOptions struct {
	Name     string         // the file name, for the audit trail
	Progress func(Progress) // called as the import advances (the CLI prints it)
}

// EdgeImport is the outcome of an edge-list import.
type EdgeImport struct {
	Rows        int `json:"rows" doc:"Rows read (the header excluded)."`
	Edges       int `json:"edges" doc:"Distinct edges in the file."`
	Packages    int `json:"packages" doc:"Distinct packages in the file."`
	NewPackages int `json:"new_packages" doc:"Packages the graph did not have."`
}

// SourceEdges is the source of edges from bulk edge lists.
const SourceEdges = "edges"

// ImportEdges reads a CSV edge list (see csv.go) and adds it to the graph in one
// transaction: a bad row refuses the whole file (*ImportError naming line and column).
// Importing an edge again changes nothing but its constraint.
func (s *Service) ImportEdges(ctx context.Context, actor authz.Actor, r io.Reader, o ImportOptions) (*EdgeImport, error) {
	if err := authz.Can(actor, authz.ImportDeps, nil); err != nil {
		return nil, err
	}
	start := time.Now()
	report := func(stage string, done, total int) {
		if o.Progress != nil {
			o.Progress(Progress{Stage: stage, Done: done, Total: total, Elapsed: time.Since(start)})
		}
	}
	g, err := parseEdges(r, func(rows int) { report("read", rows, 0) })
	if err != nil {
		return nil, err
	}
	report("read", g.rows, g.rows)
	g.raw, g.byKey, g.byCons = nil, nil, nil // lookups of the parse only
	out := &EdgeImport{Rows: g.rows, Packages: len(g.keys)}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		restore, err := bigCache(ctx, q)
		if err != nil {
			return err
		}
		defer restore()
		now := s.clock.Now().UTC()
		ids, fresh, err := resolve(ctx, q, g, now, func(done int) {
			if done == len(g.keys) || done%(100*pkgBatch) == 0 {
				report("packages", done, len(g.keys))
			}
		})
		if err != nil {
			return err
		}
		n, err := writeEdges(ctx, q, g, ids, SourceEdges, func(done, total int) { report("edges", done, total) })
		if err != nil {
			return err
		}
		out.Edges, out.NewPackages = n, fresh
		if err := bumpVersion(ctx, q, now); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: EvEdgesImported, Subject: events.Ref{Type: "dep_graph", ID: "edges"},
			After: EdgesImportedEvent{Name: o.Name, Rows: g.rows, Edges: n, Packages: len(g.keys), NewPackages: fresh}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- queries ----

// DependentsQuery asks who depends on a package.
type DependentsQuery struct {
	Package  string // a purl; a version, qualifiers or subpath are ignored
	MaxDepth int    // 1…20, default 9
	Limit    int    // 1…1000, default 100
	Cursor   string // from the previous page
	// Version, when set, is the affected version of Package: a direct dependent whose
	// every edge has a constraint that excludes it is left out (unless it depends on
	// Package through another dependent).
	Version string
}

// DepsDependent is one dependent of the asked package.
type DepsDependent struct {
	Purl      string   `json:"purl"`
	Depth     int      `json:"depth" doc:"1 for a direct dependent."`
	Path      []string `json:"path" doc:"From the asked package to this one, both included."`
	Orgs      []int64  `json:"orgs" doc:"Ids of the organisations maintaining it (the directory)."`
	Reachable bool     `json:"reachable" doc:"Whether the directory knows an organisation to notify for it."`
}

// DepsDependents is a page of dependents.
type DepsDependents struct {
	Package    string          `json:"package"`
	Total      int             `json:"total" doc:"Dependents up to max_depth, each counted once."`
	ByDepth    []int           `json:"by_depth" doc:"How many dependents at depth 1, 2, …"`
	Items      []DepsDependent `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty" doc:"Pass as ?cursor= for the next page; absent on the last page."`
}

func (q *DependentsQuery) check() (string, error) {
	var e validate.Errors
	key, err := purl.Package(q.Package)
	if err != nil {
		e.Add("purl", "%s", err.Error())
	}
	switch {
	case q.MaxDepth == 0:
		q.MaxDepth = DefaultMaxDepth
	case q.MaxDepth < 1 || q.MaxDepth > MaxMaxDepth:
		e.Add("max_depth", "must be between 1 and %d", MaxMaxDepth)
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 1 || q.Limit > MaxLimit:
		e.Add("limit", "must be between 1 and %d", MaxLimit)
	}
	q.Version = strings.TrimSpace(q.Version)
	if len(q.Version) > 200 {
		e.Add("version", "at most 200 characters")
	}
	return key, e.Err()
}

// walk runs the search for q on the current index; w is nil for a package the graph
// does not know.
func (s *Service) walk(ctx context.Context, key string, maxDepth int, version string) (*walk, error) {
	ix, err := s.idx.get(ctx, s.db)
	if err != nil {
		return nil, err
	}
	root, ok := ix.byPurl[key]
	if !ok {
		return nil, nil
	}
	var keep func(int32) bool
	if version != "" {
		// The constraints of the edges into root, by dependent: dropped when every
		// edge's constraint can be shown to exclude version.
		type verdict struct{ in, out bool }
		v := map[int32]*verdict{}
		rows, err := s.db.Read().Query(ctx, "SELECT dependent_id, version_constraint FROM dep_edges WHERE dependency_id = ?", ix.dbID[root])
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var c string
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return nil, err
			}
			if id >= int64(len(ix.dense)) || ix.dense[id] < 0 {
				continue
			}
			d := ix.dense[id]
			if v[d] == nil {
				v[d] = &verdict{}
			}
			if ok, known := admits(c, version); ok || !known {
				v[d].in = true
			} else {
				v[d].out = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		keep = func(d int32) bool { x := v[d]; return x == nil || x.in }
	}
	return ix.bfs(root, maxDepth, keep), nil
}

// Dependents answers who depends on a package, directly or through others, each
// dependent once at its least depth, ordered by depth then purl, a page at a time.
func (s *Service) Dependents(ctx context.Context, actor authz.Actor, q DependentsQuery) (*DepsDependents, error) {
	if err := authz.Can(actor, authz.ViewDeps, nil); err != nil {
		return nil, err
	}
	key, err := q.check()
	if err != nil {
		return nil, err
	}
	startDepth, startPurl := 0, ""
	if q.Cursor != "" {
		if startDepth, startPurl, err = decodeCursor(q.Cursor); err != nil {
			return nil, err
		}
	}
	w, err := s.walk(ctx, key, q.MaxDepth, q.Version)
	if err != nil {
		return nil, err
	}
	out := &DepsDependents{Package: key, Items: []DepsDependent{}, ByDepth: []int{}}
	if w == nil {
		return out, nil
	}
	out.Total = len(w.order)
	for _, v := range w.order {
		d := int(w.depth[v])
		for len(out.ByDepth) < d {
			out.ByDepth = append(out.ByDepth, 0)
		}
		out.ByDepth[d-1]++
	}
	from := 0
	if q.Cursor != "" {
		from = w.after(startDepth, startPurl)
	}
	to := min(from+q.Limit, len(w.order))
	for _, v := range w.order[from:to] {
		out.Items = append(out.Items, DepsDependent{Purl: w.ix.purls[v], Depth: int(w.depth[v]), Path: w.path(v), Orgs: []int64{}})
	}
	if err := s.addOrgs(ctx, out.Items); err != nil {
		return nil, err
	}
	if to < len(w.order) {
		last := out.Items[len(out.Items)-1]
		out.NextCursor = encodeCursor(last.Depth, last.Purl)
	}
	return out, nil
}

// orgChunk is how many packages one OrgsOf call is asked about.
const orgChunk = 500

func (s *Service) addOrgs(ctx context.Context, items []DepsDependent) error {
	m := s.maintainers()
	if m == nil || len(items) == 0 {
		return nil
	}
	for lo := 0; lo < len(items); lo += orgChunk {
		hi := min(lo+orgChunk, len(items))
		names := make([]string, hi-lo)
		for i := range names {
			names[i] = items[lo+i].Purl
		}
		orgs, err := m.OrgsOf(ctx, names)
		if err != nil {
			return fmt.Errorf("deps: maintainers: %w", err)
		}
		for i := lo; i < hi; i++ {
			if o := orgs[items[i].Purl]; len(o) > 0 {
				items[i].Orgs, items[i].Reachable = o, true
			}
		}
	}
	return nil
}

// DependentPackages lists the purls of every dependent of pkg up to maxDepth (1…20;
// 0 means 9), by depth then purl: for the directory's fan-out, which decides itself who
// may ask. An unknown package has none.
func (s *Service) DependentPackages(ctx context.Context, pkg string, maxDepth int) ([]string, error) {
	key, err := purl.Package(pkg)
	if err != nil {
		return nil, validate.Field("dependents_of", "%s", err.Error())
	}
	if maxDepth == 0 {
		maxDepth = DefaultMaxDepth
	}
	if maxDepth < 1 || maxDepth > MaxMaxDepth {
		return nil, validate.Field("max_depth", "must be between 1 and %d", MaxMaxDepth)
	}
	w, err := s.walk(ctx, key, maxDepth, "")
	if err != nil || w == nil {
		return nil, err
	}
	out := make([]string, len(w.order))
	for i, v := range w.order {
		out[i] = w.ix.purls[v]
	}
	return out, nil
}

func encodeCursor(depth int, p string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(depth) + " " + p))
}

func decodeCursor(c string) (int, string, error) {
	bad := validate.Field("cursor", "not a cursor this service gave out")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", bad
	}
	d, p, ok := strings.Cut(string(b), " ")
	n, err := strconv.Atoi(d)
	if !ok || err != nil || n < 1 || n > MaxMaxDepth {
		return 0, "", bad
	}
	return n, p, nil
}

// RankedDependent is a dependent of a package with how many packages depend on it
// directly: the "most depended-on" of a package's dependents, whose maintainers are
// worth inviting to a case first.
type RankedDependent struct {
	Purl       string   `json:"purl"`
	Depth      int      `json:"depth"`
	Path       []string `json:"path"`
	Dependents int      `json:"dependents" doc:"Packages depending on this one directly."`
}

// MostDependedOn lists the n dependents of pkg (up to maxDepth; 0 means 9) that most
// packages depend on directly, most first (then by depth and purl), each with its path
// from pkg — the reason to suggest its maintainers. Like DependentPackages it is for
// other areas, which decide themselves who may ask.
func (s *Service) MostDependedOn(ctx context.Context, pkg string, maxDepth, n int) ([]RankedDependent, error) {
	key, err := purl.Package(pkg)
	if err != nil {
		return nil, validate.Field("purl", "%s", err.Error())
	}
	if maxDepth == 0 {
		maxDepth = DefaultMaxDepth
	}
	if maxDepth < 1 || maxDepth > MaxMaxDepth {
		return nil, validate.Field("max_depth", "must be between 1 and %d", MaxMaxDepth)
	}
	w, err := s.walk(ctx, key, maxDepth, "")
	if err != nil || w == nil || n <= 0 {
		return nil, err
	}
	order := append([]int32(nil), w.order...)
	fan := func(v int32) int { return int(w.ix.off[v+1] - w.ix.off[v]) }
	slices.SortStableFunc(order, func(a, b int32) int { return fan(b) - fan(a) }) // w.order is by depth, then purl
	order = order[:min(n, len(order))]
	out := make([]RankedDependent, len(order))
	for i, v := range order {
		out[i] = RankedDependent{Purl: w.ix.purls[v], Depth: int(w.depth[v]), Path: w.path(v), Dependents: fan(v)}
	}
	return out, nil
}
