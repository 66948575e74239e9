package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/knowledge"
)

// registerKnowledge adds the document, playbook and training routes (package
// knowledge; docs/people.md).
func (x *API) registerKnowledge() {
	h := x.huma
	svc := x.app.Knowledge
	reg := func(tag string, op huma.Operation) huma.Operation {
		op.Tags, op.Security = []string{tag}, bearer
		return op
	}
	type docOut struct {
		ETag string `header:"ETag"`
		Body *knowledge.Doc
	}
	type idIn struct {
		ID string `path:"id"`
	}

	type listIn struct {
		ListParams
		Kind string `query:"kind" doc:"Only documents of this kind."`
	}
	type listOut struct{ Body Page[*knowledge.Doc] }
	huma.Register(h, reg("docs", huma.Operation{OperationID: "list-docs", Method: http.MethodGet, Path: Prefix + "/docs",
		Summary: "Documents (staff; role descriptions are public)"}),
		func(ctx context.Context, in *listIn) (*listOut, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			after, err := DecodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			ds, err := svc.List(ctx, a, knowledge.DocQuery{Kind: in.Kind, AfterID: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, Problem(err)
			}
			return &listOut{Body: paginate(ds, in.Limit, func(d *knowledge.Doc) int64 { return d.ID })}, nil
		})

	type createIn struct{ Body knowledge.DocInput }
	huma.Register(h, reg("docs", huma.Operation{OperationID: "create-doc", Method: http.MethodPost, Path: Prefix + "/docs",
		Summary: "Create a document (staff)", DefaultStatus: http.StatusCreated, MaxBodyBytes: 512 << 10,
		Description: "Markdown, rendered sanitised. The answer's ETag names the version: send it as If-Match to PUT."}),
		func(ctx context.Context, in *createIn) (*docOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			d, err := svc.Create(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &docOut{ETag: d.ETag(), Body: d}, nil
		})

	type getIn struct {
		ID      string `path:"id"`
		Version int    `query:"version" minimum:"0" doc:"A past version; default the current one."`
	}
	huma.Register(h, reg("docs", huma.Operation{OperationID: "get-doc", Method: http.MethodGet, Path: Prefix + "/docs/{id}",
		Summary: "A document (its ETag names the current version)"}),
		func(ctx context.Context, in *getIn) (*docOut, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			d, err := svc.Get(ctx, a, id, in.Version)
			if err != nil {
				return nil, Problem(err)
			}
			return &docOut{ETag: d.ETag(), Body: d}, nil
		})

	type putIn struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match" doc:"The ETag of the version you edited (required)."`
		Body    knowledge.DocInput
	}
	huma.Register(h, reg("docs", huma.Operation{OperationID: "update-doc", Method: http.MethodPut, Path: Prefix + "/docs/{id}",
		Summary: "Store a new version of a document (staff)", MaxBodyBytes: 512 << 10,
		Description: "Requires If-Match with the ETag of the current version (428 without it); a stale one is 412 and nothing is stored."}),
		func(ctx context.Context, in *putIn) (*docOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			if in.IfMatch == "" {
				if _, err := svc.Get(ctx, a, id, 0); err != nil {
					return nil, Problem(err)
				}
				return nil, huma.NewError(http.StatusPreconditionRequired, "send If-Match with the ETag of the version you edited (GET the document for it)")
			}
			version, ok := knowledge.ParseETag(id, in.IfMatch)
			if !ok {
				version = -1 // never current: a 412 once the document is known to exist
			}
			d, err := svc.Update(ctx, a, id, version, in.Body)
			if errors.Is(err, knowledge.ErrStale) {
				return nil, huma.NewError(http.StatusPreconditionFailed, err.Error())
			}
			if err != nil {
				return nil, Problem(err)
			}
			return &docOut{ETag: d.ETag(), Body: d}, nil
		})

	type versionsOut struct {
		Body struct {
			Items []knowledge.Version `json:"items"`
		}
	}
	huma.Register(h, reg("docs", huma.Operation{OperationID: "list-doc-versions", Method: http.MethodGet, Path: Prefix + "/docs/{id}/versions",
		Summary: "Every version of a document, oldest first"}),
		func(ctx context.Context, in *idIn) (*versionsOut, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			vs, err := svc.Versions(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			out := &versionsOut{}
			out.Body.Items = vs
			return out, nil
		})

	type diffIn struct {
		ID   string `path:"id"`
		From int    `query:"from" doc:"Version to compare from (required)."`
		To   int    `query:"to" doc:"Version to compare to (required)."`
	}
	type diffOut struct{ Body *knowledge.Diff }
	huma.Register(h, reg("docs", huma.Operation{OperationID: "diff-doc", Method: http.MethodGet, Path: Prefix + "/docs/{id}/diff",
		Summary: "The difference between two versions (unified diff)"}),
		func(ctx context.Context, in *diffIn) (*diffOut, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			d, err := svc.Diff(ctx, a, id, in.From, in.To)
			if err != nil {

				return nil, queryProblem(Problem(err))
			}
			return &diffOut{Body: d}, nil
		})

	type feedbackIn struct {
		ID   string `path:"id"`
		Body struct {
			Body string `json:"body" maxLength:"10000"`
		}
	}
	type feedbackOut struct{ Body *knowledge.Feedback }
	huma.Register(h, reg("docs", huma.Operation{OperationID: "add-doc-feedback", Method: http.MethodPost, Path: Prefix + "/docs/{id}/feedback",
		Summary: "Give feedback on a document (readers)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *feedbackIn) (*feedbackOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			f, err := svc.AddFeedback(ctx, a, id, in.Body.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &feedbackOut{Body: f}, nil
		})
	type feedbackListOut struct {
		Body struct {
			Items []knowledge.Feedback `json:"items"`
		}
	}
	huma.Register(h, reg("docs", huma.Operation{OperationID: "list-doc-feedback", Method: http.MethodGet, Path: Prefix + "/docs/{id}/feedback",
		Summary: "Feedback on a document (staff)"}),
		func(ctx context.Context, in *idIn) (*feedbackListOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			fs, err := svc.FeedbackList(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			out := &feedbackListOut{}
			out.Body.Items = fs
			return out, nil
		})
	type triageIn struct {
		ID       string `path:"id"`
		Feedback string `path:"feedback"`
		Body     struct {
			Status string `json:"status" enum:"open,accepted,done,declined"`
		}
	}
	huma.Register(h, reg("docs", huma.Operation{OperationID: "triage-doc-feedback", Method: http.MethodPatch, Path: Prefix + "/docs/{id}/feedback/{feedback}",
		Summary: "Set the status of feedback (programme manager, admins)"}),
		func(ctx context.Context, in *triageIn) (*feedbackOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			fid, _ := strconv.ParseInt(in.Feedback, 10, 64) // 0: not found, after the role check
			f, err := svc.TriageFeedback(ctx, a, id, fid, in.Body.Status)
			if err != nil {
				return nil, Problem(err)
			}
			return &feedbackOut{Body: f}, nil
		})

	// Playbooks on cases.
	type applyIn struct {
		ID   string `path:"id" doc:"Case id."`
		Body knowledge.ApplyInput
	}
	type appliedOut struct{ Body *knowledge.Applied }
	huma.Register(h, reg("cases", huma.Operation{OperationID: "apply-case-playbook", Method: http.MethodPost, Path: Prefix + "/cases/{id}/playbooks",
		Summary: "Apply a playbook to a case: its checklist becomes case tasks (coordinators)", DefaultStatus: http.StatusCreated,
		Description: "The tasks are copies of the playbook's checklist items at the version applied; later edits of the playbook do not change them."}),
		func(ctx context.Context, in *applyIn) (*appliedOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ap, err := svc.ApplyPlaybook(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &appliedOut{Body: ap}, nil
		})
	type appliedListOut struct {
		Body struct {
			Items []knowledge.Applied `json:"items"`
		}
	}
	type caseIn struct {
		ID string `path:"id" doc:"Case id."`
	}
	huma.Register(h, reg("cases", huma.Operation{OperationID: "list-case-playbooks", Method: http.MethodGet, Path: Prefix + "/cases/{id}/playbooks",
		Summary: "The playbooks applied to a case, with the version each used"}),
		func(ctx context.Context, in *caseIn) (*appliedListOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			as, err := svc.AppliedPlaybooks(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			out := &appliedListOut{}
			out.Body.Items = as
			return out, nil
		})
	type tasksOut struct {
		Body struct {
			Items []*cases.CaseTask `json:"items"`
		}
	}
	huma.Register(h, reg("cases", huma.Operation{OperationID: "list-case-tasks", Method: http.MethodGet, Path: Prefix + "/cases/{id}/tasks",
		Summary: "A case's tasks (those who may read the case)"}),
		func(ctx context.Context, in *caseIn) (*tasksOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ts, err := x.app.Cases.Tasks(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			out := &tasksOut{}
			out.Body.Items = ts
			return out, nil
		})

	// Training.
	type coursesOut struct {
		Body struct {
			Items []knowledge.Course `json:"items"`
		}
	}
	huma.Register(h, reg("training", huma.Operation{OperationID: "list-courses", Method: http.MethodGet, Path: Prefix + "/courses", Summary: "Courses (staff)"}),
		func(ctx context.Context, _ *struct{}) (*coursesOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			cs, err := svc.Courses(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			out := &coursesOut{}
			out.Body.Items = cs
			return out, nil
		})
	type courseIn struct{ Body knowledge.NewCourse }
	type courseOut struct{ Body *knowledge.Course }
	huma.Register(h, reg("training", huma.Operation{OperationID: "create-course", Method: http.MethodPost, Path: Prefix + "/courses",
		Summary: "Add a course (programme manager, admins)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *courseIn) (*courseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.CreateCourse(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &courseOut{Body: c}, nil
		})
	type completeIn struct {
		ID   string `path:"id" doc:"The course's id."`
		Body knowledge.CompletionInput
	}
	type completeOut struct{ Body *knowledge.Completion }
	huma.Register(h, reg("training", huma.Operation{OperationID: "complete-course", Method: http.MethodPost, Path: Prefix + "/courses/{id}/completions",
		Summary: "Record a completed course (yourself; anyone for the programme manager and admins)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *completeIn) (*completeOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			c, err := svc.Complete(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &completeOut{Body: c}, nil
		})
	type readinessIn struct {
		UserID int64  `query:"user_id" doc:"Default: yourself."`
		Role   string `query:"role" default:"responder" doc:"responder, security-buddy, coordinator or programme-manager"`
	}
	type readinessOut struct{ Body *knowledge.Readiness }
	huma.Register(h, reg("training", huma.Operation{OperationID: "training-readiness", Method: http.MethodGet, Path: Prefix + "/training/readiness",
		Summary: "Which courses someone is missing for a role"}),
		func(ctx context.Context, in *readinessIn) (*readinessOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			r, err := svc.Readiness(ctx, a, in.UserID, in.Role)
			if err != nil {
				return nil, queryProblem(Problem(err))
			}
			return &readinessOut{Body: r}, nil
		})
}

// queryProblem rewrites a 422 about body fields into one about query parameters.
func queryProblem(err error) error {
	var m *huma.ErrorModel
	if errors.As(err, &m) {
		for _, d := range m.Errors {
			if len(d.Location) > 5 && d.Location[:5] == "body." {
				d.Location = "query." + d.Location[5:]
			}
		}
	}
	return err
}
