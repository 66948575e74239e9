package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/deps"
)

// The dependency graph (internal/deps): who depends on a package, and imports of edge
// lists and SBOMs. Staff only; members get 404, anonymous callers 401.

// MaxEdgeCSV is the largest edge list the API takes in one request (the CLI has no limit).
const MaxEdgeCSV = 256 << 20

func (x *API) registerDeps() {
	h := x.huma
	svc := x.app.Deps
	op := func(o huma.Operation) huma.Operation {
		o.Tags, o.Security = []string{"dependencies"}, bearer
		return o
	}
	type dependentsIn struct {
		Purl     string `path:"purl" doc:"A package URL, URL-escaped (pkg%3Amaven%2Forg.apache.logging.log4j%2Flog4j-core). A version, qualifiers and subpath are ignored."`
		MaxDepth int    `query:"max_depth" minimum:"1" maximum:"20" default:"9" doc:"How many levels of dependents to follow."`
		Limit    int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Items per page."`
		Cursor   string `query:"cursor" doc:"Opaque cursor from the previous page's next_cursor."`
		Version  string `query:"version" maxLength:"200" doc:"The affected version: direct dependents whose version constraints (where sirt can read them) exclude it are left out."`
	}
	huma.Register(h, op(huma.Operation{OperationID: "package-dependents", Method: http.MethodGet, Path: Prefix + "/packages/{purl}/dependents",
		Summary: "Who depends on a package, directly and transitively",
		Description: "Breadth-first over the dependency graph: each dependent once, at its least depth, with one path from the package to it; " +
			"ordered by depth then purl. orgs are the organisations the directory says maintain the dependent; reachable whether there is one. " +
			"A package the graph does not know has no dependents (total 0)."}),
		func(ctx context.Context, in *dependentsIn) (*struct{ Body *deps.DepsDependents }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			page, err := svc.Dependents(ctx, a, deps.DependentsQuery{Package: in.Purl, MaxDepth: in.MaxDepth, Limit: in.Limit, Cursor: in.Cursor, Version: in.Version})
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *deps.DepsDependents }{Body: page}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "import-dependency-edges", Method: http.MethodPost, Path: Prefix + "/dependencies/edges",
		Summary: "Import a dependency edge list (CSV)", DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxEdgeCSV,
		Description: "The body is CSV (text/csv) with the header dependent,dependency,version_constraint: purls, the constraint may be empty. " +
			"All or nothing: a bad row is a 422 naming its line and column. Importing an edge again changes only its constraint. " +
			"Whole ecosystems are better imported with `sirt deps import-edges`."}),
		func(ctx context.Context, in *struct{ RawBody []byte }) (*struct{ Body *deps.EdgeImport }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			res, err := svc.ImportEdges(ctx, a, bytes.NewReader(in.RawBody), deps.ImportOptions{Name: "api"})
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *deps.EdgeImport }{Body: res}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "import-sbom", Method: http.MethodPost, Path: Prefix + "/sboms",
		Summary: "Import an SBOM (CycloneDX 1.2–1.6 or SPDX 2.2/2.3 JSON)", DefaultStatus: http.StatusCreated, MaxBodyBytes: deps.MaxSBOM,
		Description: "The body is the SBOM document. Its packages (by purl) and dependencies join the graph; the same document twice is imported once " +
			"(duplicate: true). A bad document is a 422 naming the JSON path (components[3].purl)."}),
		func(ctx context.Context, in *struct{ RawBody []byte }) (*struct{ Body *deps.SBOMImport }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			res, err := svc.ImportSBOM(ctx, a, in.RawBody, deps.ImportOptions{Name: "api"})
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *deps.SBOMImport }{Body: res}, nil
		})
}
