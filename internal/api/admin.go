package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
)

type auditOutput struct{ Body Page[events.Event] }

type verifyOutput struct {
	Body struct {
		OK      bool   `json:"ok"`
		Entries int64  `json:"entries"`
		BadSeq  int64  `json:"bad_seq,omitempty" doc:"The first entry at which the chain is broken."`
		Problem string `json:"problem,omitempty"`
	}
}

type jobsOutput struct{ Body Page[jobs.Row] }

func (x *API) registerAdmin() {
	h := x.huma
	type auditInput struct {
		ListParams
		Action string `query:"action" doc:"Only events with this action, or a prefix ending in '.'."`
	}
	huma.Register(h, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: Prefix + "/audit", Summary: "The audit trail, newest first",
		Tags: []string{"audit"}, Security: bearer}, func(ctx context.Context, in *auditInput) (*auditOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.Can(a, authz.ViewAudit, nil); err != nil {
			return nil, Problem(err)
		}
		before, err := DecodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		evs, err := x.app.Events.List(ctx, x.app.DB.Read(), a, events.Query{Action: in.Action, BeforeSeq: before, Newest: true, Limit: in.Limit + 1})
		if err != nil {
			return nil, Problem(err)
		}
		return &auditOutput{Body: paginate(evs, in.Limit, func(e events.Event) int64 { return e.Seq })}, nil
	})
	huma.Register(h, huma.Operation{OperationID: "verify-audit", Method: http.MethodGet, Path: Prefix + "/audit/verify", Summary: "Verify the audit trail's hash chain",
		Tags: []string{"audit"}, Security: bearer}, func(ctx context.Context, _ *struct{}) (*verifyOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.Can(a, authz.ViewAudit, nil); err != nil {
			return nil, Problem(err)
		}
		n, err := events.Verify(ctx, x.app.DB.Read())
		out := &verifyOutput{}
		out.Body.Entries = n
		out.Body.OK = err == nil
		if ce, ok := err.(*events.ChainError); ok {
			out.Body.BadSeq, out.Body.Problem = ce.Seq, ce.Error()
		} else if err != nil {
			return nil, err
		}
		return out, nil
	})
	type jobsInput struct {
		ListParams
		State string `query:"state" enum:"failing,dead,pending,running,done" default:"failing" doc:"failing = dead plus pending retries."`
	}
	huma.Register(h, huma.Operation{OperationID: "list-jobs", Method: http.MethodGet, Path: Prefix + "/jobs", Summary: "Jobs by state; the dead-letter list (admins)",
		Tags: []string{"jobs"}, Security: bearer}, func(ctx context.Context, in *jobsInput) (*jobsOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.Can(a, authz.ViewJobs, nil); err != nil {
			return nil, Problem(err)
		}
		st := in.State
		if st == "failing" {
			st = ""
		}
		rows, err := x.app.Jobs.List(ctx, st, in.Limit)
		if err != nil {
			return nil, err
		}
		return &jobsOutput{Body: paginate(rows, in.Limit, func(r jobs.Row) int64 { return r.ID })}, nil
	})
	type jobIDInput struct {
		ID string `path:"id"`
	}
	huma.Register(h, huma.Operation{OperationID: "retry-job", Method: http.MethodPost, Path: Prefix + "/jobs/{id}/retry", Summary: "Retry a dead job (admins)",
		Tags: []string{"jobs"}, Security: bearer, DefaultStatus: http.StatusNoContent}, func(ctx context.Context, in *jobIDInput) (*struct{}, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.Can(a, authz.ManageJobs, nil); err != nil {
			return nil, Problem(err)
		}
		id, err := parseID(in.ID, "job")
		if err != nil {
			return nil, err
		}
		return nil, Problem(x.app.DB.InTx(ctx, func(q db.Querier) error { return x.app.Jobs.Retry(ctx, q, id) }))
	})
}
