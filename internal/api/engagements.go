package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/engagements"
)

// The security-buddy programme and outreach (internal/engagements). Members and the
// public get 404: the area does not exist for them.

type engagementOut struct{ Body *engagements.Engagement }

type engagementCreatedOut struct {
	Status int
	Body   *engagements.Engagement
}

type fileOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

type idPath struct {
	ID string `path:"id"`
}

func (x *API) registerEngagements() {
	h := x.huma
	tags := []string{"engagements"}
	svc := x.app.Engagements
	// op registers one operation that needs a signed-in actor.
	op := func(o huma.Operation) huma.Operation {
		o.Tags, o.Security = tags, bearer
		return o
	}

	huma.Register(h, op(huma.Operation{OperationID: "list-projects", Method: http.MethodGet, Path: Prefix + "/projects", Summary: "Candidate projects for outreach"}),
		func(ctx context.Context, _ *struct{}) (*struct{ Body Page[engagements.Project] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ps, err := svc.Projects(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[engagements.Project] }{Body: Page[engagements.Project]{Items: ps}}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "create-project", Method: http.MethodPost, Path: Prefix + "/projects", Summary: "Add a candidate project",
		DefaultStatus: http.StatusCreated, Description: "Programme managers and admins. name is unique; repo_url must be an http(s) address."}),
		func(ctx context.Context, in *struct{ Body engagements.ProjectInput }) (*struct{ Body *engagements.Project }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.CreateProject(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.Project }{Body: p}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "import-projects", Method: http.MethodPost, Path: Prefix + "/projects/import", Summary: "Import projects from CSV",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: engagements.MaxCSV,
		Description: "The body is a CSV file (text/csv) with a header row: name (required), repo_url, ecosystem, criticality, contacts, notes. " +
			"Projects whose name exists are updated. All or nothing: errors name the line."}),
		func(ctx context.Context, in *struct{ RawBody []byte }) (*struct {
			Body *engagements.ProjectImportResult
		}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			res, err := svc.ImportProjects(ctx, a, bytes.NewReader(in.RawBody))
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body *engagements.ProjectImportResult
			}{Body: res}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "get-project", Method: http.MethodGet, Path: Prefix + "/projects/{id}", Summary: "One candidate project"}),
		func(ctx context.Context, in *idPath) (*struct{ Body *engagements.Project }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			p, err := svc.Project(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.Project }{Body: p}, nil
		})

	type listIn struct {
		Status string `query:"status" enum:"proposed,contacting,active,winding_down,closed,declined,unresponsive" doc:"Only engagements in this status."`
	}
	huma.Register(h, op(huma.Operation{OperationID: "list-engagements", Method: http.MethodGet, Path: Prefix + "/engagements", Summary: "Engagements, newest first"}),
		func(ctx context.Context, in *listIn) (*struct{ Body Page[engagements.Engagement] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			es, err := svc.List(ctx, a, engagements.Query{Status: engagements.Status(in.Status)})
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[engagements.Engagement] }{Body: Page[engagements.Engagement]{Items: es}}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "create-engagement", Method: http.MethodPost, Path: Prefix + "/engagements", Summary: "Start an engagement (proposed)",
		DefaultStatus: http.StatusCreated, Description: "Programme managers and admins. The buddy (and backup) must be active team members."}),
		func(ctx context.Context, in *struct{ Body engagements.NewEngagement }) (*engagementCreatedOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			e, err := svc.Create(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &engagementCreatedOut{Status: http.StatusCreated, Body: e}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "get-engagement", Method: http.MethodGet, Path: Prefix + "/engagements/{id}", Summary: "One engagement with its hours against the plan"}),
		func(ctx context.Context, in *idPath) (*engagementOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			e, err := svc.Get(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &engagementOut{Body: e}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "stage-engagement", Method: http.MethodPost, Path: Prefix + "/engagements/{id}/stage", Summary: "Move an engagement to another status",
		Description: "proposed → contacting → active → winding_down → closed, or declined / unresponsive. Becoming active lays out the spot-checks " +
			"(every check_every_days days for active_months from start) with a reminder to the buddy before each. A move the status does not allow is 409."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body engagements.StageInput
		}) (*engagementOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			e, err := svc.Stage(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &engagementOut{Body: e}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "engagement-schedule", Method: http.MethodGet, Path: Prefix + "/engagements/{id}/schedule", Summary: "The spot-check schedule with overdue flags"}),
		func(ctx context.Context, in *idPath) (*struct {
			Body *engagements.SpotCheckSchedule
		}, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			sc, err := svc.Schedule(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body *engagements.SpotCheckSchedule
			}{Body: sc}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "log-spot-check", Method: http.MethodPost, Path: Prefix + "/engagements/{id}/spot-checks", Summary: "Record a spot-check",
		DefaultStatus: http.StatusCreated, Description: "While active or winding down (else 409). The check fills the open scheduled slot its date belongs to."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body engagements.SpotCheckInput
		}) (*struct{ Body *engagements.SpotCheck }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			c, err := svc.LogSpotCheck(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.SpotCheck }{Body: c}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "list-engagement-contacts", Method: http.MethodGet, Path: Prefix + "/engagements/{id}/contacts", Summary: "ContactAttempt attempts"}),
		func(ctx context.Context, in *idPath) (*struct {
			Body Page[engagements.ContactAttempt]
		}, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			cs, err := svc.Contacts(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body Page[engagements.ContactAttempt]
			}{Body: Page[engagements.ContactAttempt]{Items: cs}}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "log-engagement-contact", Method: http.MethodPost, Path: Prefix + "/engagements/{id}/contacts", Summary: "Record a contact attempt",
		DefaultStatus: http.StatusCreated, Description: "While contacting (else 409). After max_unanswered no_answer attempts in a row the engagement becomes unresponsive; declined makes it declined. Returns the engagement."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body engagements.ContactInput
		}) (*engagementOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			e, err := svc.LogContact(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &engagementOut{Body: e}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "log-engagement-hours", Method: http.MethodPost, Path: Prefix + "/engagements/{id}/hours", Summary: "Log high-visibility engagement hours",
		DefaultStatus: http.StatusCreated, Description: "Spot-check hours come with each spot-check. The engagement's hours object compares both with the plan (8 h + 1 h per spot-check)."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body engagements.EngagementHoursInput
		}) (*struct {
			Body *engagements.EngagementHourLog
		}, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			hl, err := svc.LogHours(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body *engagements.EngagementHourLog
			}{Body: hl}, nil
		})

	fileResponses := map[string]*huma.Response{"200": {Description: "The retrospective", Content: map[string]*huma.MediaType{
		"application/json": {Schema: &huma.Schema{Type: "object"}}, "text/markdown": {Schema: &huma.Schema{Type: "string"}},
		"text/html": {Schema: &huma.Schema{Type: "string"}}, "application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	huma.Register(h, op(huma.Operation{OperationID: "get-retrospective", Method: http.MethodGet, Path: Prefix + "/engagements/{id}/retrospective", Summary: "The engagement's retrospective",
		Description: "The saved text, or a draft generated from the engagement's records (timeline, hours against the plan, spot-checks, contact attempts, outcome). " +
			"format=json (default) answers {markdown, draft}; md, html and pdf answer the document.", Responses: fileResponses}),
		func(ctx context.Context, in *struct {
			ID     string `path:"id"`
			Format string `query:"format" enum:"json,md,html,pdf" default:"json"`
		}) (*fileOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if in.Format == "json" {
				r, err := svc.Retrospective(ctx, a, id)
				if err != nil {
					return nil, Problem(err)
				}
				return jsonFile(r)
			}
			b, ct, err := svc.Export(ctx, a, id, in.Format)
			if err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: ct, ContentDisposition: `inline; filename="retrospective-` + in.ID + `.` + in.Format + `"`, Body: b}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "save-retrospective", Method: http.MethodPut, Path: Prefix + "/engagements/{id}/retrospective", Summary: "Save the edited retrospective",
		Description: "An empty markdown goes back to the generated draft."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Markdown string `json:"markdown"`
			}
		}) (*struct{ Body *engagements.Retrospective }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := svc.SaveRetrospective(ctx, a, id, in.Body.Markdown)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.Retrospective }{Body: r}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "send-engagement-welcome", Method: http.MethodPost, Path: Prefix + "/engagements/{id}/welcome", Summary: "Send the welcome email to the project",
		DefaultStatus: http.StatusCreated, Description: "Renders the editable engagement_welcome template (admin → Templates) and queues it in the outbox."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body engagements.WelcomeInput
		}) (*struct{ Body *engagements.WelcomeResult }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := svc.SendWelcome(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.WelcomeResult }{Body: r}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "year-retrospective", Method: http.MethodGet, Path: Prefix + "/retrospectives/{year}", Summary: "The year's engagements aggregated",
		Description: "Counts by status, hours against the plan and each engagement's outcome, for the year-one retrospective report.",
		Responses:   map[string]*huma.Response{"200": fileResponses["200"]}}),
		func(ctx context.Context, in *struct {
			Year   string `path:"year" doc:"The year, e.g. 2026."`
			Format string `query:"format" enum:"md,html,pdf" default:"md"`
		}) (*fileOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			year, _ := strconv.Atoi(in.Year)
			b, ct, err := svc.YearReport(ctx, a, year, in.Format)
			if err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: ct, Body: b}, nil
		})

	otags := []string{"outreach"}
	huma.Register(h, huma.Operation{OperationID: "list-channels", Method: http.MethodGet, Path: Prefix + "/outreach/channels", Summary: "Outreach channels", Tags: otags, Security: bearer},
		func(ctx context.Context, _ *struct{}) (*struct{ Body Page[engagements.Channel] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			cs, err := svc.Channels(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[engagements.Channel] }{Body: Page[engagements.Channel]{Items: cs}}, nil
		})
	huma.Register(h, huma.Operation{OperationID: "create-channel", Method: http.MethodPost, Path: Prefix + "/outreach/channels", Summary: "Add an outreach channel",
		Tags: otags, Security: bearer, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body engagements.ChannelInput }) (*struct{ Body *engagements.Channel }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.CreateChannel(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.Channel }{Body: c}, nil
		})
	huma.Register(h, huma.Operation{OperationID: "list-campaigns", Method: http.MethodGet, Path: Prefix + "/outreach/campaigns", Summary: "Outreach campaigns and their results", Tags: otags, Security: bearer},
		func(ctx context.Context, _ *struct{}) (*struct{ Body Page[engagements.Campaign] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			cs, err := svc.Campaigns(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[engagements.Campaign] }{Body: Page[engagements.Campaign]{Items: cs}}, nil
		})
	huma.Register(h, huma.Operation{OperationID: "create-campaign", Method: http.MethodPost, Path: Prefix + "/outreach/campaigns", Summary: "Add an outreach campaign",
		Tags: otags, Security: bearer, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body engagements.CampaignInput }) (*struct{ Body *engagements.Campaign }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.CreateCampaign(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.Campaign }{Body: c}, nil
		})
	huma.Register(h, huma.Operation{OperationID: "update-campaign", Method: http.MethodPatch, Path: Prefix + "/outreach/campaigns/{id}", Summary: "Record a campaign's results",
		Tags: otags, Security: bearer, Description: "Only the fields given change: contacts_reached, requests_received, results, dates, materials."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body engagements.CampaignInput
		}) (*struct{ Body *engagements.Campaign }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			c, err := svc.UpdateCampaign(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *engagements.Campaign }{Body: c}, nil
		})
}

// idActor is the signed-in actor and the path's numeric id.
func idActor(ctx context.Context, s string) (authz.Actor, int64, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return a, 0, err
	}
	id, err := parseID(s, "id")
	return a, id, err
}

func jsonFile(v any) (*fileOut, error) {
	var b bytes.Buffer
	if err := jsonEncode(&b, v); err != nil {
		return nil, err
	}
	return &fileOut{ContentType: "application/json", Body: b.Bytes()}, nil
}

func jsonEncode(w *bytes.Buffer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}
