package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/metrics"
)

// Metrics (internal/metrics): the SLIs of a period and the SLO targets. Staff read;
// the programme manager and admins set targets; members get 404.

// MetricsSLOInput is a new SLO target for one SLI.
type MetricsSLOInput struct {
	Target    float64 `json:"target" doc:"The target in the SLI's unit (business or calendar days; for a share, 0 to 1)."`
	Objective float64 `json:"objective" doc:"The share of items that should meet it, more than 0 and at most 1 (0.95 is 95 %)."`
}

func (x *API) registerMetrics() {
	h := x.huma
	tags := []string{"metrics"}
	svc := x.app.Metrics
	type slisIn struct {
		From string `query:"from" doc:"First day (YYYY-MM-DD, UTC); default: the start of the current quarter."`
		To   string `query:"to" doc:"Last day, inclusive (YYYY-MM-DD); default: today."`
	}
	huma.Register(h, huma.Operation{OperationID: "metrics-slis", Method: http.MethodGet, Path: Prefix + "/metrics/slis", Tags: tags, Security: bearer,
		Summary: "Service level indicators of a period",
		Description: "Staff. Each SLI is computed from the event log for the reports received (or cases opened) between from and to: " +
			"n finished measurements, p50/p90 in its unit, the SLO target and compliance, and the public ids of the items that breached it. " +
			"Definitions: docs/metrics.md and /staff/metrics/slis/{key}."},
		func(ctx context.Context, in *slisIn) (*struct{ Body []metrics.SLI }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			now := x.app.Clock.Now().UTC()
			from, to := in.From, in.To
			if from == "" {
				from = metrics.QuarterOf(now).From.Format("2006-01-02")
			}
			if to == "" {
				to = now.Format("2006-01-02")
			}
			p, err := metrics.ParseRange(from, to)
			if err != nil {
				return nil, Problem(err)
			}
			out, err := svc.SLIs(ctx, a, p)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body []metrics.SLI }{Body: out}, nil
		})
	huma.Register(h, huma.Operation{OperationID: "metrics-set-slo", Method: http.MethodPut, Path: Prefix + "/metrics/slos/{key}", Tags: tags, Security: bearer,
		Summary: "Set the SLO target of an SLI", Description: "Programme managers and admins."},
		func(ctx context.Context, in *struct {
			Key  string `path:"key"`
			Body MetricsSLOInput
		}) (*struct{ Body metrics.SLO }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			slo, err := svc.SetSLO(ctx, a, in.Key, metrics.SLO{TargetDays: in.Body.Target, Objective: in.Body.Objective})
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body metrics.SLO }{Body: slo}, nil
		})
}
