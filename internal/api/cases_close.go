package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/cases"
)

// registerCaseClose adds closing and reopening a case (docs/cases.md).
func (x *API) registerCaseClose() {
	type closeIn struct {
		ID   string `path:"id"`
		Body cases.CloseInput
	}
	type closeOut struct{ Body *cases.Case }
	for _, op := range []struct {
		id, path, summary string
		do                func(context.Context, *closeIn) (*cases.Case, error)
	}{
		{"case-close", "/cases/{id}/close", "Close the case, with a reason (coordinators; an embargo still running must end first: 409)", nil},
		{"case-reopen", "/cases/{id}/reopen", "Reopen a closed case, with a reason (coordinators)", nil},
	} {
		op := op
		huma.Register(x.huma, huma.Operation{OperationID: op.id, Method: http.MethodPost, Path: Prefix + op.path, Tags: []string{"cases"}, Security: bearer,
			Summary: op.summary},
			func(ctx context.Context, in *closeIn) (*closeOut, error) {
				a, err := signedIn(ctx)
				if err != nil {
					return nil, err
				}
				do := x.app.Cases.Close
				if op.id == "case-reopen" {
					do = x.app.Cases.Reopen
				}
				c, err := do(ctx, a, in.ID, in.Body)
				if err != nil {
					return nil, Problem(err)
				}
				return &closeOut{Body: c}, nil
			})
	}
}
