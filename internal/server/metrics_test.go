package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/jobs"
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

// /metrics shows the job queue per kind: how many are waiting and how long the oldest
// has waited, so an alert can fire on a stuck kind rather than on the total.
func TestMetricsShowQueueDepthAndAgePerKind(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		ta.App.Jobs.Register("test.metrics", jobs.Handler{Run: func(context.Context, jobs.Job) error { return nil }})
		err := d.InTx(ctx, func(q db.Querier) error {
			for i := 0; i < 3; i++ {
				if _, err := ta.App.Jobs.Enqueue(ctx, q, "test.metrics", i, jobs.Options{}); err != nil {
					return err
				}
			}
			_, err := ta.App.Jobs.Enqueue(ctx, q, "test.metrics", "later", jobs.Options{RunAt: ta.Clock.Now().Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ta.Clock.Advance(90 * time.Second)
		body := string(ta.Browser().Get("/metrics").Body)
		for _, want := range []string{
			`sirt_jobs_queue_depth{kind="test.metrics",state="ready"} 3`,
			`sirt_jobs_queue_depth{kind="test.metrics",state="scheduled"} 1`,
			`sirt_jobs_queue_depth{kind="test.metrics",state="dead"} 0`,
			`sirt_jobs_oldest_ready_age_seconds{kind="test.metrics"} 90`,
			`sirt_jobs_queue_depth{kind="notify.send",state="ready"}`, // registered kinds are listed with zeros
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if _, err := ta.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		body = string(ta.Browser().Get("/metrics").Body)
		if !strings.Contains(body, `sirt_jobs_queue_depth{kind="test.metrics",state="ready"} 0`) ||
			!strings.Contains(body, `sirt_jobs_oldest_ready_age_seconds{kind="test.metrics"} 0`) {
			t.Error("after draining, the kind still shows ready jobs")
		}
	})
}
