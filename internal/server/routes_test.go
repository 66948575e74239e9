package server_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// The authorization matrix: every route × every kind of caller, with the status each
// must get. A route that is registered but missing here fails TestRouteMatrix, so every
// new route must come with its row — that is the point: someone has to decide who may
// call it.
//
// Columns: anonymous, member, responder, pgm, admin. Requests are sent with a body that
// would succeed for an allowed caller (apiBodies), so a refusal is authorization, not
// validation. {id} is replaced by the id of an existing member user for user routes
// and by an id that does not exist elsewhere; {token} by an invalid link token.

type who int

const (
	anon who = iota
	member
	responder
	pgm
	admin
)

var whoNames = []string{"anonymous", "member", "responder", "pgm", "admin"}

type statuses [5]int

// apiMatrix is keyed by "METHOD /path" as in the OpenAPI document.
var apiMatrix = map[string]statuses{
	"GET /api/v1/me":                     {401, 200, 200, 200, 200},
	"GET /api/v1/tokens":                 {401, 200, 200, 200, 200},
	"POST /api/v1/tokens":                {401, 201, 201, 201, 201},
	"DELETE /api/v1/tokens/{id}":         {401, 404, 404, 404, 404},
	"GET /api/v1/users":                  {401, 403, 403, 403, 200},
	"POST /api/v1/users":                 {401, 403, 403, 403, 201},
	"PATCH /api/v1/users/{id}":           {401, 403, 403, 403, 200},
	"POST /api/v1/users/{id}/reset-link": {401, 403, 403, 403, 201},
	"POST /api/v1/invitations":           {401, 403, 403, 403, 201},
	"GET /api/v1/audit":                  {401, 403, 403, 200, 200},
	"GET /api/v1/audit/verify":           {401, 403, 403, 200, 200},
	"GET /api/v1/jobs":                   {401, 403, 403, 403, 200},
	"POST /api/v1/jobs/{id}/retry":       {401, 403, 403, 403, 404},
}

// apiBodies are valid request bodies per "METHOD /path"; %d is replaced by a counter so
// each call creates something new.
var apiBodies = map[string]string{
	"POST /api/v1/tokens":      `{"name": "matrix %d"}`,
	"POST /api/v1/users":       `{"email": "new-%d@example.org", "role": "member", "password": "a-long-passphrase-%d"}`,
	"PATCH /api/v1/users/{id}": `{"name": "Renamed %d"}`,
	"POST /api/v1/invitations": `{"email": "invitee-%d@example.org", "role": "responder"}`,
}

// htmlMatrix is keyed by the ServeMux pattern. POSTs are sent as form submissions with
// the session's CSRF token and the fields in htmlForms.
var htmlMatrix = map[string]statuses{
	"GET /{$}":                          {200, 200, 200, 200, 200},
	"GET /static/":                      {200, 200, 200, 200, 200},
	"GET /healthz":                      {200, 200, 200, 200, 200},
	"GET /readyz":                       {200, 200, 200, 200, 200},
	"GET /metrics":                      {200, 200, 200, 200, 200},
	"/api/":                             {404, 404, 404, 404, 404},
	"GET /login":                        {200, 303, 303, 303, 303},
	"POST /login":                       {401, 401, 401, 401, 401},
	"POST /login/code":                  {401, 401, 401, 401, 401},
	"POST /logout":                      {303, 303, 303, 303, 303},
	"GET /setup/{token}":                {404, 404, 404, 404, 404},
	"POST /setup/{token}":               {404, 404, 404, 404, 404},
	"GET /invite/{token}":               {404, 404, 404, 404, 404},
	"POST /invite/{token}":              {404, 404, 404, 404, 404},
	"GET /reset/{token}":                {404, 404, 404, 404, 404},
	"POST /reset/{token}":               {404, 404, 404, 404, 404},
	"GET /dashboard":                    {303, 403, 200, 200, 200},
	"GET /account":                      {303, 200, 200, 200, 200},
	"POST /account/profile":             {303, 303, 303, 303, 303},
	"POST /account/password":            {303, 422, 422, 422, 422},
	"POST /account/totp/begin":          {303, 200, 200, 200, 200},
	"POST /account/totp/confirm":        {303, 422, 422, 422, 422},
	"POST /account/totp/disable":        {303, 422, 422, 422, 422},
	"POST /account/tokens":              {303, 200, 200, 200, 200},
	"POST /account/tokens/{id}/revoke":  {303, 404, 404, 404, 404},
	"GET /admin/users":                  {303, 403, 403, 403, 200},
	"POST /admin/users":                 {303, 403, 403, 403, 303},
	"POST /admin/users/invite":          {303, 403, 403, 403, 200},
	"POST /admin/users/{id}":            {303, 403, 403, 403, 303},
	"POST /admin/users/{id}/reset-link": {303, 403, 403, 403, 200},
	"GET /admin/jobs":                   {303, 403, 403, 403, 200},
	"POST /admin/jobs/{id}/retry":       {303, 403, 403, 403, 404},
	"GET /admin/audit":                  {303, 403, 403, 200, 200},
}

// htmlForms are the fields sent with each POST.
var htmlForms = map[string]url.Values{
	"POST /account/profile":    {"name": {"Someone"}, "time_zone": {"UTC"}},
	"POST /account/tokens":     {"name": {"matrix"}, "scope": {"read"}},
	"POST /admin/users":        {"email": {"form-%d@example.org"}, "role": {"member"}, "password": {"a-long-passphrase"}},
	"POST /admin/users/invite": {"email": {"inv-%d@example.org"}, "role": {"member"}},
	"POST /admin/users/{id}":   {"role": {"member"}},
	"POST /account/password":   {"current_password": {"wrong one entirely"}, "password": {"a-new-long-passphrase"}, "password2": {"a-new-long-passphrase"}},
}

type matrixFixture struct {
	ta     *testapp.TestApp
	users  [5]testapp.User
	tokens [5]string
	target testapp.User // the {id} of user routes
	n      int
}

func newMatrixFixture(t *testing.T, d *db.DB) *matrixFixture {
	f := &matrixFixture{ta: testapp.New(t, d)}
	f.users[member] = f.ta.User(authz.RoleMember)
	f.users[responder] = f.ta.User(authz.RoleResponder)
	f.users[pgm] = f.ta.User(authz.RolePgM)
	f.users[admin] = f.ta.User(authz.RoleAdmin)
	for w := member; w <= admin; w++ {
		f.tokens[w] = f.ta.Token(f.users[w])
	}
	f.target = f.ta.User(authz.RoleMember)
	return f
}

func (f *matrixFixture) fill(path string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{token}", "not-a-valid-link-token")
	if strings.Contains(path, "/users/{id}") {
		return strings.ReplaceAll(path, "{id}", strconv.FormatInt(f.target.ID, 10))
	}
	return strings.ReplaceAll(path, "{id}", "999999")
}

func (f *matrixFixture) counter(s string) string {
	f.n++
	return strings.ReplaceAll(s, "%d", strconv.Itoa(f.n))
}

// apiRoutes lists "METHOD /path" for every operation in the OpenAPI document.
func apiRoutes(ta *testapp.TestApp) []string {
	var out []string
	for p, item := range ta.Server.API.OpenAPI().Paths {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
			if operation(item, m) != nil {
				out = append(out, m+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func operation(item *huma.PathItem, method string) *huma.Operation {
	if item == nil {
		return nil
	}
	switch method {
	case "GET":
		return item.Get
	case "POST":
		return item.Post
	case "PUT":
		return item.Put
	case "PATCH":
		return item.Patch
	case "DELETE":
		return item.Delete
	case "HEAD":
		return item.Head
	}
	return nil
}

func TestRouteMatrix(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newMatrixFixture(t, d)
		var bad []string
		observed := map[string]statuses{}

		for _, route := range apiRoutes(f.ta) {
			want, ok := apiMatrix[route]
			if !ok {
				bad = append(bad, "API route "+route+" has no row in apiMatrix")
			}
			method, path, _ := strings.Cut(route, " ")
			var got statuses
			for w := anon; w <= admin; w++ {
				var body any
				if b, ok := apiBodies[route]; ok {
					body = f.counter(b)
				} else if w == anon && (method == "POST" || method == "PATCH" || method == "PUT") {
					if op := operation(f.ta.Server.API.OpenAPI().Paths[path], method); op != nil && op.RequestBody != nil {
						bad = append(bad, "API route "+route+" takes a body but has none in apiBodies")
					}
				}
				res := f.ta.API(method, f.fill(path), f.tokens[w], body)
				got[w] = res.StatusCode
				if res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
					bad = append(bad, fmt.Sprintf("%s as %s: %d with content type %q, want problem+json", route, whoNames[w], res.StatusCode, res.Header.Get("Content-Type")))
				}
			}
			observed[route] = got
			if ok && got != want {
				bad = append(bad, fmt.Sprintf("%s: got %v, want %v (%v)", route, got, want, whoNames))
			}
		}
		for route := range apiMatrix {
			if _, ok := observed[route]; !ok {
				bad = append(bad, "apiMatrix row "+route+" is not in the OpenAPI document (stale row)")
			}
		}

		htmlRoutes := registeredPatterns(t)
		for _, route := range htmlRoutes {
			want, ok := htmlMatrix[route]
			if !ok {
				bad = append(bad, "HTML route "+route+" has no row in htmlMatrix")
			}
			method, path, found := strings.Cut(route, " ")
			if !found {
				method, path = "GET", route+"nope"
			}
			if path == "/static/" {
				path = "/static/sirt.css"
			}
			var got statuses
			for w := anon; w <= admin; w++ {
				b := f.ta.Browser()
				if w != anon {
					b.SignIn(f.users[w])
				}
				var res *testapp.Response
				if method == "POST" {
					form := url.Values{}
					for k, v := range htmlForms[route] {
						form[k] = []string{f.counter(v[0])}
					}
					if w != anon {
						form.Set("csrf", b.CSRF())
					}
					res = b.Post(f.fill(path), form)
				} else {
					res = b.Get(f.fill(path))
				}
				got[w] = res.StatusCode
				if res.StatusCode >= 500 {
					bad = append(bad, fmt.Sprintf("%s as %s: %d: %.300s", route, whoNames[w], res.StatusCode, res.Body))
				}
			}
			observed[route] = got
			if ok && got != want {
				bad = append(bad, fmt.Sprintf("%s: got %v, want %v (%v)", route, got, want, whoNames))
			}
		}
		for route := range htmlMatrix {
			if _, ok := observed[route]; !ok {
				bad = append(bad, "htmlMatrix row "+route+" is not registered by any handler (stale row)")
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			var obs []string
			for r, s := range observed {
				obs = append(obs, fmt.Sprintf("%q: {%d, %d, %d, %d, %d},", r, s[0], s[1], s[2], s[3], s[4]))
			}
			sort.Strings(obs)
			t.Fatalf("authorization matrix:\n  %s\n\nobserved (anonymous, member, responder, pgm, admin):\n%s", strings.Join(bad, "\n  "), strings.Join(obs, "\n"))
		}
	})
}

// registeredPatterns finds every ServeMux pattern registered with a string literal in
// the module's non-test code: calls named handle, Handle or HandleFunc whose first
// argument is a pattern. (ServeMux cannot list its patterns, and reading the source is
// what a reviewer would do.)
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
			return nil
		}
		file, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if name != "handle" && name != "Handle" && name != "HandleFunc" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !looksLikePattern(s) {
				return true
			}
			seen[s] = true
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func looksLikePattern(s string) bool {
	if strings.HasPrefix(s, "/") {
		return true
	}
	m, p, ok := strings.Cut(s, " ")
	return ok && strings.HasPrefix(p, "/") && m == strings.ToUpper(m) && m != "" && !strings.ContainsAny(m, "/")
}
