package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/validate"
)

type ruleErr struct{}

func (ruleErr) Error() string { return "the case is closed" }
func (ruleErr) Rule() string  { return "case.closed" }

// serveError answers with httperr.Map's status — including 409 for db.ErrConflict,
// which the web's own map lacked (a lost update was a 500 here and a 409 in the API).
func TestServeErrorUsesTheSharedMapping(t *testing.T) {
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.BaseURL = "http://127.0.0.1:1"
	cfg.Workers = 0
	a := app.New(cfg, dbtest.NewSQLite(t), app.Options{Clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h, err := New(a, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		err    error
		status int
		text   string
	}{
		{fmt.Errorf("advisory changed by someone else; reload: %w", db.ErrConflict), 409, "reload"},
		{fmt.Errorf("close: %w", ruleErr{}), 409, "the case is closed"},
		{validate.Field("title", "is required"), 422, "title: is required"},
		{fmt.Errorf("x: %w", db.ErrNotFound), 404, "There is nothing here"},
		{authz.ErrForbidden, 403, "Your role does not allow this."},
		{authz.ErrReadInRequired, 403, "read-in"},
		{errCSRF, 403, ""},
		{&http.MaxBytesError{Limit: 2048}, 413, "2048 bytes"},
		{account.ErrRateLimited, 429, "too many attempts"},
		{errors.New("disk on fire"), 500, "request id"},
		{authz.ErrUnauthenticated, 303, ""},
		{account.ErrNoSession, 303, ""},
	} {
		rec := httptest.NewRecorder()
		h.serveError(rec, httptest.NewRequest("GET", "/cases/7", nil), c.err)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.text) {
			t.Errorf("%v: %d, want %d with %q in\n%.300s", c.err, rec.Code, c.status, c.text, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), "disk on fire") {
			t.Error("an internal error's text reached the page")
		}
	}
}
