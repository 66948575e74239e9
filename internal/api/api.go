// Package api is sirt's JSON API under /api/v1, built with huma on the standard
// ServeMux: the OpenAPI 3.1 document at /api/v1/openapi.json is generated from the Go
// types here, input is validated at the edge, and every error is an RFC 9457
// application/problem+json body naming the offending field. Handlers parse, call a
// domain service with the request's actor, and shape the answer; they never write SQL.
package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/httperr"
	"github.com/oss-sirt/sirt/internal/ratelimit"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// API holds the handlers' dependencies.
type API struct {
	app  *app.App
	huma huma.API
	// ReportLimiter limits report submissions per IP (the web form shares it).
	ReportLimiter *ratelimit.Limiter
	// ApplyLimiter limits applications per IP (the /apply form shares it).
	ApplyLimiter *ratelimit.Limiter
}

// New registers every API route on mux and returns the API (its OpenAPI document is
// used by tests to check that every route is covered by the authorization matrix).
func New(a *app.App, mux *http.ServeMux) *API {
	cfg := huma.DefaultConfig("sirt API", app.Version)
	cfg.OpenAPIPath = Prefix + "/openapi"
	cfg.DocsPath = "" // the built-in docs page loads scripts from the internet; docs/api.md instead
	cfg.SchemasPath = Prefix + "/schemas"
	cfg.Info.Description = "The JSON API of sirt, the platform an open-source security incident response team runs on. " +
		"Authenticate with `Authorization: Bearer <token>` (create one with `sirt token create` or on the account page). " +
		"Errors are RFC 9457 problem details; lists use cursor pagination (`cursor`, `limit`; the answer's `next_cursor`)."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token (sirt_…)."},
	}
	cfg.Servers = []*huma.Server{{URL: a.Cfg.BaseURL}}
	h := humago.New(textMux{mux}, cfg)
	x := &API{app: a, huma: h}
	x.registerAccount()
	x.registerAdmin()
	x.registerAdvisories()
	x.registerPublishing()
	x.registerReports()
	x.registerPlan()
	x.registerCases()
	x.registerEngagements()
	x.registerMetrics()
	x.registerPeople()
	x.registerSurveys()
	x.registerKnowledge()
	x.registerPostmortems()
	x.registerDirectory()
	x.registerDeps()
	return x
}

// textMux registers the API's handlers so that JSON bodies reach them with bytes that
// are not UTF-8 marked (validate.JSONTextReader): the field is then refused by name
// instead of encoding/json turning the bytes into U+FFFD.
type textMux struct{ *http.ServeMux }

func (m textMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && (r.Header.Get("Content-Type") == "" || strings.Contains(r.Header.Get("Content-Type"), "json")) {
			r.Body = struct {
				io.Reader
				io.Closer
			}{validate.JSONTextReader(r.Body), r.Body}
		}
		h(w, r)
	})
}

// OpenAPI returns the generated document.
func (x *API) OpenAPI() *huma.OpenAPI { return x.huma.OpenAPI() }

// Huma exposes the huma API so domain areas can register their routes.
func (x *API) Huma() huma.API { return x.huma }

var bearer = []map[string][]string{{"bearer": {}}}

// actor returns the request's actor. A request that sent a token that was not accepted
// is refused here, so a mistyped token is a 401, not a silently anonymous call.
func actor(ctx context.Context) (authz.Actor, error) {
	if reqctx.BadToken(ctx) {
		return authz.Anonymous(), huma.Error401Unauthorized("the bearer token is not valid: it is unknown, revoked or expired")
	}
	return reqctx.Actor(ctx), nil
}

// signedIn returns the actor, or a 401 when nobody is signed in.
func signedIn(ctx context.Context) (authz.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return a, err
	}
	if a.IsAnonymous() {
		return a, huma.Error401Unauthorized("sign-in required: send Authorization: Bearer <token>")
	}
	return a, nil
}

// Problem maps a domain error to an RFC 9457 answer, through httperr.Map (the mapping
// the HTML pages use too).
func Problem(err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	p := httperr.Map(err)
	switch p.Status {
	case http.StatusInternalServerError:
		return err // huma answers 500 and the server logs it
	case http.StatusUnprocessableEntity:
		details := make([]error, len(p.Fields))
		for i, f := range p.Fields {
			details[i] = &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message}
		}
		return huma.Error422UnprocessableEntity("the request has invalid fields: "+p.Detail, details...)
	case http.StatusRequestEntityTooLarge:
		details := make([]error, len(p.Fields))
		for i, f := range p.Fields {
			details[i] = &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message}
		}
		return huma.NewError(p.Status, p.Detail, details...)
	case http.StatusUnauthorized:
		return huma.Error401Unauthorized("sign-in required: send Authorization: Bearer <token>")
	case http.StatusTooManyRequests:
		secs := int((p.RetryAfter + time.Second - 1) / time.Second)
		return huma.ErrorWithHeaders(huma.Error429TooManyRequests(p.Detail), http.Header{"Retry-After": {strconv.Itoa(secs)}})
	}
	return huma.NewError(p.Status, p.Detail)
}

// Page is a list answer with cursor pagination.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as ?cursor= to get the next page; absent on the last page."`
}

// ListParams are the cursor pagination parameters.
type ListParams struct {
	Cursor string `query:"cursor" doc:"Opaque cursor from the previous page's next_cursor."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Items per page."`
}

// EncodeCursor makes an opaque cursor from the last id of a page.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor; "" is the start.
func DecodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, badCursor()
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return 0, badCursor()
	}
	return n, nil
}

func badCursor() error {
	return huma.Error400BadRequest("cursor is not one this API gave out", &huma.ErrorDetail{Location: "query.cursor", Message: "not a valid cursor"})
}

// paginate cuts items to limit and sets the next cursor from the last item's id.
func paginate[T any](items []T, limit int, id func(T) int64) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > limit {
		p.Items = items[:limit]
		p.NextCursor = EncodeCursor(id(p.Items[limit-1]))
	}
	return p
}

func parseID(s, field string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, huma.Error404NotFound(fmt.Sprintf("%s %q is not an id", field, s))
	}
	return n, nil
}

// WriteProblem writes an RFC 9457 problem outside huma (unknown API routes, body limits).
func WriteProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail})
}
