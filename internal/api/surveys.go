package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/survey"
)

// Surveys (internal/survey): staff read surveys and results; the programme manager and
// admins build and send them. Members get 404: the area does not exist for them.
// Answering is the public form at /s/{token} (internal/web), not the API.

func (x *API) registerSurveys() {
	h := x.huma
	tags := []string{"surveys"}
	svc := x.app.Surveys
	op := func(o huma.Operation) huma.Operation {
		o.Tags, o.Security = tags, bearer
		return o
	}
	huma.Register(h, op(huma.Operation{OperationID: "list-surveys", Method: http.MethodGet, Path: Prefix + "/surveys", Summary: "Surveys, newest first"}),
		func(ctx context.Context, _ *struct{}) (*struct{ Body Page[survey.Survey] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ss, err := svc.List(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[survey.Survey] }{Body: Page[survey.Survey]{Items: ss}}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "create-survey", Method: http.MethodPost, Path: Prefix + "/surveys", Summary: "Build a survey",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 1 << 20,
		Description: "Programme managers and admins. Questions (likert, single, multi, number, text) may test a problem statement (statement: its key; " +
			"polarity affirms|disputes says whether agreeing affirms it) and show only if an earlier answer matches (show_if {question, equals|in}). " +
			"The answer's link is the public form."}),
		func(ctx context.Context, in *struct{ Body survey.SurveyInput }) (*struct{ Body survey.Created }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			sv, err := svc.Create(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body survey.Created }{Body: survey.Created{ID: sv.ID, Link: sv.Link}}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "get-survey", Method: http.MethodGet, Path: Prefix + "/surveys/{id}", Summary: "One survey"}),
		func(ctx context.Context, in *idPath) (*struct{ Body *survey.Survey }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			sv, err := svc.Get(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *survey.Survey }{Body: sv}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "update-survey", Method: http.MethodPut, Path: Prefix + "/surveys/{id}", Summary: "Edit a survey",
		MaxBodyBytes: 1 << 20, Description: "Programme managers and admins. Once it has responses, its statements and questions may not change (409)."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body survey.SurveyInput
		}) (*struct{ Body *survey.Survey }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			sv, err := svc.Update(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *survey.Survey }{Body: sv}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "invite-survey", Method: http.MethodPost, Path: Prefix + "/surveys/{id}/recipients", Summary: "Invite recipients",
		Description: "Programme managers and admins; identified surveys only (409 for anonymous ones). Each address gets its own link by e-mail; " +
			"those who have not answered are reminded."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body survey.SurveyInvite
		}) (*struct{ Body *survey.Invited }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			res, err := svc.Invite(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *survey.Invited }{Body: res}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "survey-results", Method: http.MethodGet, Path: Prefix + "/surveys/{id}/results", Summary: "Results per statement, audience and question",
		Description: "affirm, dispute, neutral, n and mean per problem statement (and per audience); distributions per question. Groups with fewer respondents than min_n are hidden (null)."}),
		func(ctx context.Context, in *idPath) (*struct{ Body *survey.SurveyResults }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			res, err := svc.Results(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *survey.SurveyResults }{Body: res}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "survey-responses-csv", Method: http.MethodGet, Path: Prefix + "/surveys/{id}/responses.csv", Summary: "Responses as CSV",
		Description: "One row per response (header: response, submitted_on, audience, then the question keys). 409 while there are fewer responses than min_n."}),
		func(ctx context.Context, in *idPath) (*fileOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			b, err := svc.CSV(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="survey-` + in.ID + `-responses.csv"`, Body: b}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "survey-report", Method: http.MethodGet, Path: Prefix + "/surveys/{id}/report.md", Summary: "Summary report (Markdown)"}),
		func(ctx context.Context, in *idPath) (*fileOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			md, err := svc.Markdown(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: "text/markdown; charset=utf-8", ContentDisposition: `inline; filename="survey-` + in.ID + `.md"`, Body: []byte(md)}, nil
		})
}
