package httperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/api"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/httperr"
	"github.com/oss-sirt/sirt/internal/validate"
)

type ruleErr struct{}

func (ruleErr) Error() string { return "the case is closed" }
func (ruleErr) Rule() string  { return "case.closed" }

// Cases is every kind of domain error the edges answer, wrapped as domain code wraps it.
var Cases = []struct {
	name   string
	err    error
	status int
	detail string
}{
	{"field", fmt.Errorf("intake: %w", validate.Field("title", "is required")), 422, "title: is required"},
	{"signed out", authz.ErrUnauthenticated, 401, "sign-in required"},
	{"expired session", fmt.Errorf("account: %w", account.ErrNoSession), 401, "sign-in required"},
	{"role", fmt.Errorf("cases: close: %w", authz.ErrForbidden), 403, "cases: close: not allowed"},
	{"read-in", authz.ErrReadInRequired, 403, authz.ErrReadInRequired.Error()},
	{"secret or missing", fmt.Errorf("cases: 7: %w", db.ErrNotFound), 404, "not found"},
	{"lost update", fmt.Errorf("advisory changed by someone else: %w", db.ErrConflict), 409, "advisory changed by someone else: conflict"},
	{"state rule", fmt.Errorf("close: %w", ruleErr{}), 409, "close: the case is closed"},
	{"body too big", &http.MaxBytesError{Limit: 1024}, 413, "the request body is larger than the limit of 1024 bytes"},
	{"rate limited", account.ErrRateLimited, 429, account.ErrRateLimited.Error()},
	{"bug", errors.New("sql: connection refused"), 500, ""},
}

func TestMap(t *testing.T) {
	for _, c := range Cases {
		p := httperr.Map(c.err)
		if p.Status != c.status || p.Detail != c.detail {
			t.Errorf("%s: Map = %d %q, want %d %q", c.name, p.Status, p.Detail, c.status, c.detail)
		}
	}
	if p := httperr.Map(validate.Field("title", "is required")); len(p.Fields) != 1 || p.Fields[0].Field != "title" {
		t.Errorf("fields not kept: %+v", p.Fields)
	}
	if p := httperr.Map(nil); p.Status != 200 {
		t.Errorf("nil: %d", p.Status)
	}
}

// The API answers every case with the status Map gives (the web's test is in
// internal/web): one mapping, two renderings.
func TestAPIUsesTheMapping(t *testing.T) {
	for _, c := range Cases {
		err := api.Problem(c.err)
		got := http.StatusInternalServerError
		var se huma.StatusError
		if errors.As(err, &se) {
			got = se.GetStatus()
		}
		if got != c.status {
			t.Errorf("%s: api.Problem answers %d, want %d", c.name, got, c.status)
		}
	}
}
