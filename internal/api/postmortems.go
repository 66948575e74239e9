package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/postmortem"
)

// Post-mortems (internal/postmortem). Members and the public get 404: the area does
// not exist for them; a post-mortem of an embargoed case is as secret as the case.

type postmortemOut struct {
	Status int
	ETag   string `header:"ETag"`
	Body   *postmortem.Postmortem
}

func pmOut(p *postmortem.Postmortem, status int) *postmortemOut {
	return &postmortemOut{Status: status, ETag: p.ETag(), Body: p}
}

func (x *API) registerPostmortems() {
	h := x.huma
	tags := []string{"postmortems"}
	svc := x.app.Postmortems
	op := func(o huma.Operation) huma.Operation {
		o.Tags, o.Security = tags, bearer
		return o
	}

	huma.Register(h, op(huma.Operation{OperationID: "list-postmortems", Method: http.MethodGet, Path: Prefix + "/postmortems", Summary: "Post-mortems, newest first",
		Description: "Staff. Each without its timeline and action items (GET one for those)."}),
		func(ctx context.Context, _ *struct{}) (*struct{ Body Page[postmortem.Postmortem] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ps, err := svc.List(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[postmortem.Postmortem] }{Body: Page[postmortem.Postmortem]{Items: ps}}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "start-postmortem", Method: http.MethodPost, Path: Prefix + "/postmortems", Summary: "Start a post-mortem",
		DefaultStatus: http.StatusCreated, Description: "Responders, programme managers and admins, of a case they may read (the programme manager: " +
			"a case past its public date) or of an engagement. An exercise case makes an exercise post-mortem."}),
		func(ctx context.Context, in *struct{ Body postmortem.NewPostmortem }) (*postmortemOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.Start(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return pmOut(p, http.StatusCreated), nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "postmortem-lessons", Method: http.MethodGet, Path: Prefix + "/postmortems/lessons",
		Summary: "Lessons for other working groups (Markdown)", Description: "The lessons, contributing factors and changes of every published post-mortem the caller may see.",
		Responses: map[string]*huma.Response{"200": {Description: "Markdown", Content: map[string]*huma.MediaType{"text/markdown": {Schema: &huma.Schema{Type: "string"}}}}}}),
		func(ctx context.Context, _ *struct{}) (*fileOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			md, err := svc.Lessons(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: "text/markdown; charset=utf-8", ContentDisposition: `inline; filename="lessons.md"`, Body: []byte(md)}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "get-postmortem", Method: http.MethodGet, Path: Prefix + "/postmortems/{id}",
		Summary: "One post-mortem with its timeline, annotations, action items and feedback", Description: "The ETag names the version (send it as If-Match to PATCH)."}),
		func(ctx context.Context, in *idPath) (*postmortemOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			p, err := svc.Get(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return pmOut(p, http.StatusOK), nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "update-postmortem", Method: http.MethodPatch, Path: Prefix + "/postmortems/{id}", Summary: "Edit a post-mortem's sections",
		MaxBodyBytes: 1 << 20, Description: "Fields left out are kept. Send the ETag as If-Match (or the version in the body): a stale one is 412 (409 for a stale body version). " +
			"A published post-mortem is not edited (409)."}),
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			IfMatch string `header:"If-Match" doc:"The ETag the change was made to."`
			Body    postmortem.PostmortemUpdate
		}) (*postmortemOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if in.IfMatch != "" {
				v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(in.IfMatch), "W/"), `"`))
				if err != nil {
					return nil, huma.Error412PreconditionFailed("If-Match is not an ETag this API gave out")
				}
				in.Body.Version = v
			}
			p, err := svc.Update(ctx, a, id, in.Body)
			if err != nil {
				if in.IfMatch != "" && errors.Is(err, db.ErrConflict) {
					return nil, huma.Error412PreconditionFailed(err.Error())
				}
				return nil, Problem(err)
			}
			return pmOut(p, http.StatusOK), nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "annotate-postmortem", Method: http.MethodPost, Path: Prefix + "/postmortems/{id}/annotations",
		Summary: "Annotate a timeline entry", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body postmortem.NewPostmortemAnnotation
		}) (*struct {
			Body *postmortem.PostmortemAnnotation
		}, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			n, err := svc.Annotate(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body *postmortem.PostmortemAnnotation
			}{Body: n}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "add-postmortem-action", Method: http.MethodPost, Path: Prefix + "/postmortems/{id}/actions",
		Summary: "Add an action item", DefaultStatus: http.StatusCreated,
		Description: "owner: a team member's email; due: YYYY-MM-DD; kind: mitigate, prevent or process; link: plan:<task id> or playbook:<document id>. " +
			"The owner is reminded by email " + strconv.Itoa(postmortem.RemindDays) + " days before the due date and on it."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body postmortem.NewPostmortemAction
		}) (*struct{ Body *postmortem.PostmortemAction }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			act, err := svc.AddAction(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *postmortem.PostmortemAction }{Body: act}, nil
		})
	huma.Register(h, op(huma.Operation{OperationID: "update-postmortem-action", Method: http.MethodPatch, Path: Prefix + "/postmortems/{id}/actions/{action}",
		Summary: "Change an action item's status (open, done, dropped), due date or link"}),
		func(ctx context.Context, in *struct {
			ID     string `path:"id"`
			Action string `path:"action"`
			Body   postmortem.PostmortemActionUpdate
		}) (*struct{ Body *postmortem.PostmortemAction }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			aid, err := parseID(in.Action, "action")
			if err != nil {
				return nil, err
			}
			act, err := svc.UpdateAction(ctx, a, id, aid, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *postmortem.PostmortemAction }{Body: act}, nil
		})
	for _, m := range []struct {
		path, summary string
		run           func(context.Context, authz.Actor, int64) (*postmortem.Postmortem, error)
	}{
		{"submit", "Send a draft for review", svc.Submit},
		{"return", "Send a post-mortem in review back to draft", svc.Return},
		{"approve", "Approve and publish internally (not by its author: four eyes)", svc.Approve},
	} {
		huma.Register(h, op(huma.Operation{OperationID: m.path + "-postmortem", Method: http.MethodPost, Path: Prefix + "/postmortems/{id}/" + m.path, Summary: m.summary}),
			func(ctx context.Context, in *idPath) (*postmortemOut, error) {
				a, id, err := idActor(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				p, err := m.run(ctx, a, id)
				if err != nil {
					return nil, Problem(err)
				}
				return pmOut(p, http.StatusOK), nil
			})
	}
	huma.Register(h, op(huma.Operation{OperationID: "postmortem-summary", Method: http.MethodGet, Path: Prefix + "/postmortems/{id}/summary",
		Summary: "The one-page executive summary", Description: "format md (default), html or pdf.",
		Responses: map[string]*huma.Response{"200": {Description: "The summary", Content: map[string]*huma.MediaType{
			"text/markdown": {Schema: &huma.Schema{Type: "string"}}, "text/html": {Schema: &huma.Schema{Type: "string"}},
			"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}}),
		func(ctx context.Context, in *struct {
			ID     string `path:"id"`
			Format string `query:"format" enum:"md,html,pdf" default:"md"`
		}) (*fileOut, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			b, ct, err := svc.Summary(ctx, a, id, in.Format)
			if err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: ct, ContentDisposition: `inline; filename="postmortem-` + in.ID + `-summary.` + in.Format + `"`, Body: b}, nil
		})
}
