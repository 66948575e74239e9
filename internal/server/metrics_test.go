package server_test

import (
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// Metrics and access logs name the route pattern, not "unmatched" (the mux sets the
// pattern on its own copy of the request).
func TestMetricsAndLogsNameTheRoute(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	ta.Browser().Get("/healthz").Want(t, 200)
	ta.API("GET", "/api/v1/ssvc/coordinator-triage", "", nil).Want(t, 200)
	body := string(ta.Browser().Get("/metrics").Body)
	for _, want := range []string{`route="GET /healthz"`, `route="GET /api/v1/ssvc/coordinator-triage"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(ta.Logs.String(), `route="GET /healthz"`) {
		t.Errorf("the access log does not name the route:\n%s", ta.Logs.String())
	}
}
