package deps

import (
	"context"
	"fmt"
	"sort"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/validate"
)

// MaxAffected is how many dependents the "who is affected" view groups at most (the
// API pages through any number).
const MaxAffected = 50_000

// AffectedOrg is an organisation maintaining some of the dependents.
type AffectedOrg struct {
	ID         int64
	Name       string
	Dependents []DepsDependent
}

// Affected is who depends on a package, grouped by the organisations that maintain the
// dependents; those without one are not reachable through the directory.
type Affected struct {
	Package     string
	Known       bool // the graph has the package
	Total       int
	ByDepth     []int
	Orgs        []AffectedOrg
	Unreachable []DepsDependent
	Truncated   bool // more than MaxAffected dependents: only the first were grouped
}

// Affected answers "who is affected" for the staff page: every dependent up to
// q.MaxDepth (q.Version filtering as in Dependents), grouped by maintaining organisation,
// organisations with the most dependents first.
func (s *Service) Affected(ctx context.Context, actor authz.Actor, q DependentsQuery) (*Affected, error) {
	if err := authz.Can(actor, authz.ViewDeps, nil); err != nil {
		return nil, err
	}
	q.Limit = 1
	key, err := q.check()
	if err != nil {
		return nil, err
	}
	w, err := s.walk(ctx, key, q.MaxDepth, q.Version)
	if err != nil {
		return nil, err
	}
	out := &Affected{Package: key, ByDepth: []int{}}
	if w == nil {
		return out, nil
	}
	out.Known, out.Total = true, len(w.order)
	order := w.order
	if len(order) > MaxAffected {
		order, out.Truncated = order[:MaxAffected], true
	}
	items := make([]DepsDependent, len(order))
	for i, v := range order {
		d := int(w.depth[v])
		for len(out.ByDepth) < d {
			out.ByDepth = append(out.ByDepth, 0)
		}
		out.ByDepth[d-1]++
		items[i] = DepsDependent{Purl: w.ix.purls[v], Depth: d, Path: w.path(v), Orgs: []int64{}}
	}
	if err := s.addOrgs(ctx, items); err != nil {
		return nil, err
	}
	byOrg := map[int64]*AffectedOrg{}
	for _, it := range items {
		if !it.Reachable {
			out.Unreachable = append(out.Unreachable, it)
			continue
		}
		for _, o := range it.Orgs {
			g := byOrg[o]
			if g == nil {
				g = &AffectedOrg{ID: o, Name: fmt.Sprintf("Organisation %d", o)}
				byOrg[o] = g
			}
			g.Dependents = append(g.Dependents, it)
		}
	}
	ids := make([]int64, 0, len(byOrg))
	for id := range byOrg {
		ids = append(ids, id)
	}
	if namer, ok := s.maintainers().(OrgNamer); ok && len(ids) > 0 {
		names, err := namer.OrgNames(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("deps: organisation names: %w", err)
		}
		for id, n := range names {
			if g := byOrg[id]; g != nil && n != "" {
				g.Name = n
			}
		}
	}
	for _, g := range byOrg {
		out.Orgs = append(out.Orgs, *g)
	}
	sort.Slice(out.Orgs, func(i, j int) bool {
		a, b := out.Orgs[i], out.Orgs[j]
		if len(a.Dependents) != len(b.Dependents) {
			return len(a.Dependents) > len(b.Dependents)
		}
		return a.Name < b.Name
	})
	return out, nil
}

// PackageEdge is a direct dependent of a package, with the edge's constraint and source.
type PackageEdge struct {
	Purl       string
	Constraint string
	Source     string
}

// SBOMRef names an imported SBOM that lists a package.
type SBOMRef struct {
	ID          int64
	Format      string
	SpecVersion string
	Name        string
	Version     string // the package's version in it
}

// PackageInfo is what the graph knows of one package.
type PackageInfo struct {
	Purl             string
	Type             string
	Known            bool
	Direct           int // direct dependents
	Transitive       int // dependents up to the default depth
	DirectDependents []PackageEdge
	SBOMs            []SBOMRef
}

// MaxPackageRows bounds the lists of the package page.
const MaxPackageRows = 200

// Package describes one package of the graph; an unknown (but well-formed) package is
// not Known.
func (s *Service) Package(ctx context.Context, actor authz.Actor, p string) (*PackageInfo, error) {
	if err := authz.Can(actor, authz.ViewDeps, nil); err != nil {
		return nil, err
	}
	pu, err := purl.Parse(p)
	if err != nil {
		return nil, validate.Field("purl", "%s", err.Error())
	}
	info := &PackageInfo{Purl: purl.Key(pu), Type: pu.Type}
	var id int64
	q := s.db.Read()
	switch err := q.QueryRow(ctx, "SELECT id FROM dep_packages WHERE purl = ?", info.Purl).Scan(&id); {
	case db.NotFound(err):
		return info, nil
	case err != nil:
		return nil, err
	}
	info.Known = true
	w, err := s.walk(ctx, info.Purl, DefaultMaxDepth, "")
	if err != nil {
		return nil, err
	}
	if w != nil {
		info.Transitive = len(w.order)
		for _, v := range w.order {
			if w.depth[v] == 1 {
				info.Direct++
			}
		}
	}
	info.DirectDependents, err = db.All(ctx, q, func(sc db.Scanner) (e PackageEdge, err error) {
		return e, sc.Scan(&e.Purl, &e.Constraint, &e.Source)
	}, "SELECT p.purl, e.version_constraint, e.source FROM dep_edges e JOIN dep_packages p ON p.id = e.dependent_id WHERE e.dependency_id = ? ORDER BY p.purl, e.source LIMIT ?",
		id, MaxPackageRows)
	if err != nil {
		return nil, err
	}
	info.SBOMs, err = db.All(ctx, q, func(sc db.Scanner) (r SBOMRef, err error) {
		return r, sc.Scan(&r.ID, &r.Format, &r.SpecVersion, &r.Name, &r.Version)
	}, "SELECT s.id, s.format, s.spec_version, s.name, e.version FROM dep_sbom_entries e JOIN dep_sboms s ON s.id = e.sbom_id WHERE e.package_id = ? ORDER BY s.id DESC LIMIT ?",
		id, MaxPackageRows)
	if err != nil {
		return nil, err
	}
	return info, nil
}
