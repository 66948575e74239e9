package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/people"
)

// registerPeopleCycle adds the yearly cycle's routes: openings, a member's agreements,
// and what each member owes (docs/people.md).
func (x *API) registerPeopleCycle() {
	h := x.huma
	svc := x.app.People
	reg := func(tag string, op huma.Operation) huma.Operation {
		op.Tags, op.Security = []string{tag}, bearer
		return op
	}

	type openingsIn struct {
		All bool `query:"all" doc:"Every opening, closed ones too (programme manager, admins)."`
	}
	type openingsOut struct {
		Body struct {
			Items []people.Opening `json:"items"`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "list-openings", Method: http.MethodGet, Path: Prefix + "/openings", Tags: []string{"recruitment"},
		Summary: "Open roles (public); all=true lists closed ones too (programme manager, admins)"},
		func(ctx context.Context, in *openingsIn) (*openingsOut, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			os, err := svc.Openings(ctx, a, in.All)
			if err != nil {
				return nil, Problem(err)
			}
			out := &openingsOut{}
			out.Body.Items = os
			return out, nil
		})
	type openingIn struct{ Body people.NewOpening }
	type openingOut struct{ Body *people.Opening }
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "create-opening", Method: http.MethodPost, Path: Prefix + "/openings",
		Summary: "Publish an opening (programme manager, admins)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *openingIn) (*openingOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			o, err := svc.CreateOpening(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &openingOut{Body: o}, nil
		})
	type idIn struct {
		ID int64 `path:"id"`
	}
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "close-opening", Method: http.MethodPost, Path: Prefix + "/openings/{id}/close",
		Summary: "Close an opening (programme manager, admins)", DefaultStatus: http.StatusNoContent}),
		func(ctx context.Context, in *idIn) (*struct{}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			if err := svc.CloseOpening(ctx, a, in.ID); err != nil {
				return nil, Problem(err)
			}
			return nil, nil
		})

	type myAgreementsOut struct{ Body *people.MyAgreements }
	huma.Register(h, reg("people", huma.Operation{OperationID: "my-agreements", Method: http.MethodGet, Path: Prefix + "/me/agreements",
		Summary: "The current agreements and which of them you have accepted (staff)"}),
		func(ctx context.Context, _ *struct{}) (*myAgreementsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			m, err := svc.AgreementsOf(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &myAgreementsOut{Body: m}, nil
		})
	type acceptIn struct {
		Body struct {
			Kinds []string `json:"kinds" maxItems:"10" doc:"Agreement kinds whose current version you accept: code_of_conduct, ethics, confidentiality."`
		}
	}
	huma.Register(h, reg("people", huma.Operation{OperationID: "accept-my-agreements", Method: http.MethodPost, Path: Prefix + "/me/agreements",
		Summary: "Accept the current version of agreements (staff); accepting twice changes nothing"}),
		func(ctx context.Context, in *acceptIn) (*myAgreementsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			m, err := svc.AcceptMine(ctx, a, in.Body.Kinds)
			if err != nil {
				return nil, Problem(err)
			}
			return &myAgreementsOut{Body: m}, nil
		})

	type renewalsOut struct {
		Body struct {
			Items []people.Renewal `json:"items"`
		}
	}
	huma.Register(h, reg("people", huma.Operation{OperationID: "list-renewals", Method: http.MethodGet, Path: Prefix + "/people/renewals",
		Summary: "The yearly cycle: agreements each member still has to accept, and when terms end (programme manager, admins)"}),
		func(ctx context.Context, _ *struct{}) (*renewalsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			rs, err := svc.Renewals(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			out := &renewalsOut{}
			out.Body.Items = rs
			return out, nil
		})

	// Onboarding checklists (package knowledge: documents of kind onboarding).
	type onboardingIn struct {
		UserID int64  `query:"user_id" doc:"Default: yourself."`
		Role   string `query:"role" default:"responder" doc:"responder, security-buddy, coordinator or programme-manager"`
	}
	type onboardingOut struct {
		Body struct {
			Items []knowledge.OnboardingList `json:"items"`
		}
	}
	huma.Register(h, reg("training", huma.Operation{OperationID: "training-onboarding", Method: http.MethodGet, Path: Prefix + "/training/onboarding",
		Summary: "Your onboarding checklists for a role, with what is done (staff; anyone's for the programme manager)"}),
		func(ctx context.Context, in *onboardingIn) (*onboardingOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ls, err := x.app.Knowledge.Onboarding(ctx, a, in.UserID, in.Role)
			if err != nil {
				return nil, Problem(err)
			}
			out := &onboardingOut{}
			out.Body.Items = ls
			return out, nil
		})
	type tickIn struct {
		Doc  int64 `path:"id"`
		Body struct {
			Item   string `json:"item" maxLength:"2000" doc:"The checklist item's text, as listed."`
			Done   bool   `json:"done"`
			UserID int64  `json:"user_id,omitempty" doc:"Default: yourself."`
		}
	}
	huma.Register(h, reg("training", huma.Operation{OperationID: "training-onboarding-tick", Method: http.MethodPost, Path: Prefix + "/training/onboarding/{id}/ticks",
		Summary: "Tick an onboarding checklist item (or untick it with done=false)", DefaultStatus: http.StatusNoContent}),
		func(ctx context.Context, in *tickIn) (*struct{}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			if err := x.app.Knowledge.Tick(ctx, a, in.Body.UserID, in.Doc, in.Body.Item, in.Body.Done); err != nil {
				return nil, Problem(err)
			}
			return nil, nil
		})
}
