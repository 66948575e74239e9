package api

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/plan"
	"github.com/oss-sirt/sirt/internal/validate"
)

type planOut struct{ Body *plan.Overview }

type planImportOut struct {
	Status int
	Body   any
}

type planUpdateOut struct{ Body *plan.UpdateResult }

type hourOut struct{ Body *plan.HourLog }

type hoursOut struct {
	Body struct {
		Items []plan.HourLog `json:"items"`
	}
}

type planExportOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// planImportBody is the JSON form of an import; a text/markdown body is the file itself.
type planImportBody struct {
	Markdown string `json:"markdown"`
	Name     string `json:"name,omitempty"`
	Filename string `json:"filename,omitempty"`
}

func (x *API) registerPlan() {
	h := x.huma
	tags := []string{"plan"}

	huma.Register(h, huma.Operation{OperationID: "get-plan", Method: http.MethodGet, Path: Prefix + "/plan", Summary: "Every imported plan with its tracking, and the dashboard",
		Tags: tags, Security: bearer, Description: "Sections nest; each milestone and task carries its status, owner, due date, links and logged hours. " +
			"The dashboard has progress per section (sub-sections rolled up) and per stage, estimated hours (min–max) against logged, " +
			"volunteers needed against assigned, blocked and overdue items and the burn-up series."},
		func(ctx context.Context, _ *struct{}) (*planOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			o, err := x.app.Plan.Overview(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &planOut{Body: o}, nil
		})

	type importIn struct {
		DryRun      bool   `query:"dry_run" doc:"Parse only and return the parsed plan (the shape of sirt plan import --dry-run --json)."`
		Name        string `query:"name" maxLength:"100" doc:"The plan's name; default the number of the file's top-level section."`
		ContentType string `header:"Content-Type"`
		RawBody     []byte
	}
	huma.Register(h, huma.Operation{OperationID: "import-plan", Method: http.MethodPost, Path: Prefix + "/plan/import", Summary: "Import a plan file (or parse it with dry_run)",
		Tags: tags, Security: bearer, MaxBodyBytes: plan.MaxSource + 64<<10, DefaultStatus: http.StatusCreated,
		Description: "Send the Markdown as the body (Content-Type text/markdown or text/plain), or JSON {\"markdown\": \"…\", \"name\": \"…\"}. " +
			"Re-importing an edited file keeps the status, owners, due dates, links and hours of items that still match; removed items are archived. " +
			"Warnings name the line they are about."},
		func(ctx context.Context, in *importIn) (*planImportOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			body := planImportBody{Markdown: string(in.RawBody), Name: in.Name}
			if mt, _, _ := mime.ParseMediaType(in.ContentType); mt == "application/json" || strings.HasSuffix(mt, "+json") {
				body = planImportBody{}
				if err := json.Unmarshal(in.RawBody, &body); err != nil {
					return nil, Problem(validate.Field("markdown", "the body is not JSON of the form {\"markdown\": \"…\"}: %v", err))
				}
				if body.Name == "" {
					body.Name = in.Name
				}
			}
			if in.DryRun {
				doc, err := x.app.Plan.Preview(ctx, a, []byte(body.Markdown))
				if err != nil {
					return nil, Problem(err)
				}
				return &planImportOut{Status: http.StatusOK, Body: doc}, nil
			}
			res, err := x.app.Plan.Import(ctx, a, plan.ImportInput{Name: body.Name, Filename: body.Filename, Source: []byte(body.Markdown)})
			if err != nil {
				return nil, Problem(err)
			}
			status := http.StatusCreated
			if res.Unchanged {
				status = http.StatusOK
			}
			return &planImportOut{Status: status, Body: res}, nil
		})

	type updateIn struct {
		ID   string `path:"id"`
		Body plan.ItemUpdate
	}
	update := func(id, path, summary string, f func(ctx context.Context, a authz.Actor, id int64, u plan.ItemUpdate) (*plan.UpdateResult, error)) {
		huma.Register(h, huma.Operation{OperationID: id, Method: http.MethodPatch, Path: Prefix + path, Summary: summary, Tags: tags, Security: bearer,
			Description: "Programme managers and admins change anything; a responder who owns the item may change its status or tick it. " +
				"Starting work on an item whose dependency section is not done succeeds with a warning in `warnings`."},
			func(ctx context.Context, in *updateIn) (*planUpdateOut, error) {
				a, err := signedIn(ctx)
				if err != nil {
					return nil, err
				}
				n, err := parseID(in.ID, "id")
				if err != nil {
					return nil, err
				}
				res, err := f(ctx, a, n, in.Body)
				if err != nil {
					return nil, Problem(err)
				}
				return &planUpdateOut{Body: res}, nil
			})
	}
	update("update-plan-milestone", "/plan/milestones/{id}", "Set a milestone's status, owner, due date or links", x.app.Plan.UpdateMilestone)
	update("update-plan-task", "/plan/tasks/{id}", "Tick a task, or set its status, owner, due date or links", x.app.Plan.UpdateTask)

	type hoursIn struct{ Body plan.HoursInput }
	huma.Register(h, huma.Operation{OperationID: "log-hours", Method: http.MethodPost, Path: Prefix + "/plan/hours", Summary: "Log volunteer hours",
		Tags: tags, Security: bearer, DefaultStatus: http.StatusCreated,
		Description: "Against one milestone_id, task_id, or ref_type (case, engagement) with ref_id. The date defaults to today."},
		func(ctx context.Context, in *hoursIn) (*hourOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			hl, err := x.app.Plan.LogHours(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &hourOut{Body: hl}, nil
		})

	type listHoursIn struct {
		UserID      int64 `query:"user_id" doc:"Only this person's hours."`
		MilestoneID int64 `query:"milestone_id" doc:"Only hours on this milestone and its tasks."`
		Limit       int   `query:"limit" minimum:"1" maximum:"1000" default:"200"`
	}
	huma.Register(h, huma.Operation{OperationID: "list-hours", Method: http.MethodGet, Path: Prefix + "/plan/hours", Summary: "Logged hours, newest first",
		Tags: tags, Security: bearer}, func(ctx context.Context, in *listHoursIn) (*hoursOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		hs, err := x.app.Plan.ListHours(ctx, a, plan.HoursQuery{UserID: in.UserID, MilestoneID: in.MilestoneID, Limit: in.Limit})
		if err != nil {
			return nil, Problem(err)
		}
		out := &hoursOut{}
		out.Body.Items = hs
		return out, nil
	})

	type exportIn struct {
		Format string `query:"format" enum:"md,csv" default:"md" doc:"md (a status report) or csv (one row per milestone and task)"`
	}
	huma.Register(h, huma.Operation{OperationID: "export-plan", Method: http.MethodGet, Path: Prefix + "/plan/export", Summary: "The plan status as Markdown or CSV",
		Tags: tags, Security: bearer, Responses: map[string]*huma.Response{"200": {Description: "The export", Content: map[string]*huma.MediaType{
			"text/markdown": {Schema: &huma.Schema{Type: "string"}}, "text/csv": {Schema: &huma.Schema{Type: "string"}}}}}},
		func(ctx context.Context, in *exportIn) (*planExportOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			b, ct, err := x.app.Plan.Export(ctx, a, in.Format)
			if err != nil {
				return nil, Problem(err)
			}
			return &planExportOut{ContentType: ct, ContentDisposition: `attachment; filename="plan-status.` + in.Format + `"`, Body: b}, nil
		})
}
