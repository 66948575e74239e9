package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
)

// The publishing settings (admins) and the CVE id of an advisory (responders).

type publishingOut struct {
	Body struct {
		app.Publishing
		Warnings []string `json:"warnings,omitempty" doc:"What to fix in security.txt (expiry, unroutable Contact)."`
	}
}

func (x *API) registerPublishing() {
	h := x.huma
	get := func(ctx context.Context) (*publishingOut, error) {
		p, err := x.app.Publishing(ctx)
		if err != nil {
			return nil, Problem(err)
		}
		out := &publishingOut{}
		out.Body.Publishing, out.Body.Warnings = p, x.app.SecurityTxtWarnings(ctx)
		return out, nil
	}
	huma.Register(h, huma.Operation{OperationID: "get-publishing-settings", Method: http.MethodGet, Path: Prefix + "/settings/publishing",
		Summary: "The publishing settings: CNA org id and short name, CVE Services, security.txt Expires (admins)", Tags: []string{"settings"}, Security: bearer},
		func(ctx context.Context, _ *struct{}) (*publishingOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
				return nil, Problem(err)
			}
			return get(ctx)
		})
	type putIn struct {
		Body app.Publishing
	}
	huma.Register(h, huma.Operation{OperationID: "set-publishing-settings", Method: http.MethodPut, Path: Prefix + "/settings/publishing",
		Summary: "Change the publishing settings (admins)", Tags: []string{"settings"}, Security: bearer},
		func(ctx context.Context, in *putIn) (*publishingOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			if err := x.app.SetPublishing(ctx, a, in.Body); err != nil {
				return nil, Problem(err)
			}
			return get(ctx)
		})

	type cveIn struct {
		ID   string `path:"id"`
		Body struct {
			CVEID string `json:"cve_id" doc:"The CVE id reserved with the CNA, e.g. CVE-2026-12345."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "record-advisory-cve", Method: http.MethodPost, Path: Prefix + "/advisories/{id}/cve-id",
		Summary: "Record the CVE id reserved for the advisory (its CVE alias)", Tags: []string{"advisories"}, Security: bearer},
		func(ctx context.Context, in *cveIn) (*advisoryOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			adv, err := x.app.Advisories.RecordCVE(ctx, a, in.ID, in.Body.CVEID)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return advOut(adv), nil
		})
	type reserveIn struct {
		ID string `path:"id"`
	}
	huma.Register(h, huma.Operation{OperationID: "reserve-advisory-cve", Method: http.MethodPost, Path: Prefix + "/advisories/{id}/cve-id/reserve",
		Summary: "Reserve a CVE id through CVE Services and record it (409 when CVE Services is not set up)", Tags: []string{"advisories"}, Security: bearer},
		func(ctx context.Context, in *reserveIn) (*advisoryOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			adv, err := x.app.Advisories.ReserveCVE(ctx, a, in.ID)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return advOut(adv), nil
		})
}
