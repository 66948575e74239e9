package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/ratelimit"
	"github.com/oss-sirt/sirt/internal/reqctx"
	"github.com/oss-sirt/sirt/internal/ssvc"
)

type reportOut struct{ Body *intake.Report }

type reportsOut struct{ Body Page[*intake.Report] }

type receiptOut struct{ Body *intake.Receipt }

type decisionOut struct{ Body *intake.Decision }

type messagesOut struct{ Body []intake.Message }

type messageOut struct{ Body *intake.Message }

type bulkOut struct {
	Body struct {
		Results []intake.BulkResult `json:"results"`
	}
}

type reportRef struct {
	ID string `path:"id" doc:"Tracking id, e.g. OSS-SIRT-2026-0042."`
}

// peerIP is the client address used for rate limits.
func peerIP(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

type ipKey struct{}

// RememberIP stores the peer address in the context for handlers that rate-limit.
// The server's middleware runs before it and stores the client address it worked out
// (behind trusted proxies, the address the proxy saw), which ipFrom prefers.
func RememberIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ipKey{}, peerIP(r))))
	})
}

func ipFrom(ctx context.Context) string {
	if ip := reqctx.ClientIP(ctx); ip != "" {
		return ip
	}
	s, _ := ctx.Value(ipKey{}).(string)
	return s
}

// ClientIP is the client address RememberIP stored (for rate limits and the scope of
// anonymous Idempotency-Keys).
func ClientIP(ctx context.Context) string { return ipFrom(ctx) }

func (x *API) registerReports() {
	h := x.huma
	// Reports per IP address: a burst (default 50), then one per interval (default 2 s).
	// The web form shares the limiter.
	limiter := ratelimit.NewShared(x.app.RateLimits, x.app.Clock, "intake", x.app.Cfg.IntakeEvery, x.app.Cfg.IntakeBurst)
	x.ReportLimiter = limiter

	type submitIn struct {
		Body intake.Submission
	}
	huma.Register(h, huma.Operation{OperationID: "submit-report", Method: http.MethodPost, Path: Prefix + "/reports",
		Summary: "Report a vulnerability or ask for help (no account needed)", Tags: []string{"reports"}, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: 1 << 20, Description: "Returns the tracking id and a private tracking URL for the finder. " +
			"Rate-limited per IP address (429 with Retry-After). Field names follow OSV where OSV has one."},
		func(ctx context.Context, in *submitIn) (*receiptOut, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			if ok, wait := limiter.AllowContext(ctx, ratelimit.Source(ipFrom(ctx))); !ok {
				return nil, huma.ErrorWithHeaders(huma.Error429TooManyRequests(fmt.Sprintf("too many reports from your address; try again in %d s", int(wait.Seconds()))),
					http.Header{"Retry-After": {fmt.Sprint(int(wait.Seconds()))}})
			}
			_, rc, err := x.app.Intake.Submit(ctx, a, intake.SourceAPI, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &receiptOut{Body: rc}, nil
		})

	type listIn struct {
		ListParams
		Q        string `query:"q" maxLength:"200" doc:"Full-text search over summary, details, packages: whole words, all required; end with * to match the last word as a prefix."`
		State    string `query:"state" doc:"Comma-separated states: new, acknowledged, needs_reproduction, tracking, coordinating, declined, duplicate, closed; or 'open'."`
		Assigned string `query:"assigned" enum:"me,none,any" default:"any"`
		Overdue  bool   `query:"overdue" doc:"Only reports past an acknowledgement or assessment deadline."`
		Kind     string `query:"kind" enum:"vulnerability,help_request,"`
		Cluster  string `query:"cluster" doc:"Only reports of this near-duplicate cluster."`
	}
	huma.Register(h, huma.Operation{OperationID: "list-reports", Method: http.MethodGet, Path: Prefix + "/reports", Summary: "The triage queue: search and filter reports",
		Tags: []string{"reports"}, Security: bearer}, func(ctx context.Context, in *listIn) (*reportsOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		after, err := DecodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		q := intake.Query{Text: in.Q, AfterID: after, Limit: in.Limit + 1, Overdue: in.Overdue, Kind: in.Kind, Cluster: in.Cluster}
		for _, st := range strings.Split(in.State, ",") {
			switch st = strings.TrimSpace(st); st {
			case "":
			case "open":
				q.States = append(q.States, intake.OpenStates...)
			default:
				q.States = append(q.States, st)
			}
		}
		switch in.Assigned {
		case "me":
			q.AssignedTo = a.UserID
		case "none":
			q.Unassigned = true
		}
		rs, err := x.app.Intake.List(ctx, a, q)
		if err != nil {
			return nil, Problem(err)
		}
		return &reportsOut{Body: paginate(rs, in.Limit, func(r *intake.Report) int64 { return r.ID })}, nil
	})

	huma.Register(h, huma.Operation{OperationID: "get-report", Method: http.MethodGet, Path: Prefix + "/reports/{id}", Summary: "A report",
		Tags: []string{"reports"}, Security: bearer}, func(ctx context.Context, in *reportRef) (*reportOut, error) {
		a, err := actor(ctx)
		if err != nil {
			return nil, err
		}
		r, err := x.app.Intake.Get(ctx, a, in.ID)
		if err != nil {
			return nil, Problem(err)
		}
		return &reportOut{Body: r}, nil
	})

	type triageIn struct {
		ID   string `path:"id"`
		Body intake.TriageInput
	}
	huma.Register(h, huma.Operation{OperationID: "triage-report", Method: http.MethodPost, Path: Prefix + "/reports/{id}/triage",
		Summary: "Record the SSVC Coordinator Triage decision", Tags: []string{"triage"}, Security: bearer,
		Description: "decision_points maps each decision point of CERT/CC's Coordinator Triage table (key, name or snake_case name) to a value (key or name). " +
			"The outcome (decline, track, coordinate) comes from the table; see GET /api/v1/ssvc/coordinator-triage."},
		func(ctx context.Context, in *triageIn) (*decisionOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			d, err := x.app.Intake.Triage(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &decisionOut{Body: d}, nil
		})

	type assignIn struct {
		ID   string `path:"id"`
		Body struct {
			AssigneeID int64 `json:"assignee_id" doc:"A responder's user id; 0 unassigns."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "assign-report", Method: http.MethodPost, Path: Prefix + "/reports/{id}/assign", Summary: "Assign a report to a responder",
		Tags: []string{"triage"}, Security: bearer}, func(ctx context.Context, in *assignIn) (*reportOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		r, err := x.app.Intake.Assign(ctx, a, in.ID, in.Body.AssigneeID)
		if err != nil {
			return nil, Problem(err)
		}
		return &reportOut{Body: r}, nil
	})

	huma.Register(h, huma.Operation{OperationID: "list-report-messages", Method: http.MethodGet, Path: Prefix + "/reports/{id}/messages", Summary: "A report's conversation (internal notes for the team)",
		Tags: []string{"reports"}, Security: bearer}, func(ctx context.Context, in *reportRef) (*messagesOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		r, err := x.app.Intake.Get(ctx, a, in.ID)
		if err != nil {
			return nil, Problem(err)
		}
		ms, err := x.app.Intake.Messages(ctx, a, r)
		if err != nil {
			return nil, err
		}
		if ms == nil {
			ms = []intake.Message{}
		}
		return &messagesOut{Body: ms}, nil
	})

	type msgIn struct {
		ID   string `path:"id"`
		Body struct {
			Body     string `json:"body" minLength:"1" maxLength:"100000"`
			Internal bool   `json:"internal,omitempty" doc:"An internal note, seen only by the team."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "post-report-message", Method: http.MethodPost, Path: Prefix + "/reports/{id}/messages", Summary: "Write to the finder, or add an internal note",
		Tags: []string{"reports"}, Security: bearer, DefaultStatus: http.StatusCreated}, func(ctx context.Context, in *msgIn) (*messageOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		m, err := x.app.Intake.Reply(ctx, a, in.ID, in.Body.Body, in.Body.Internal)
		if err != nil {
			return nil, Problem(err)
		}
		return &messageOut{Body: m}, nil
	})

	simple := func(id, path, summary string, f func(ctx context.Context, a authz.Actor, ref string) (*intake.Report, error)) {
		huma.Register(h, huma.Operation{OperationID: id, Method: http.MethodPost, Path: Prefix + "/reports/{id}/" + path, Summary: summary,
			Tags: []string{"triage"}, Security: bearer}, func(ctx context.Context, in *reportRef) (*reportOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			r, err := f(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &reportOut{Body: r}, nil
		})
	}
	simple("request-missing", "request-missing", "Send the finder the SIRT-ready elements still missing", x.app.Intake.RequestMissing)
	simple("park-report", "park", "Park until the finder sends a working reproduction (reminder, then auto-close)", x.app.Intake.ParkForReproduction)

	type releaseIn struct {
		ID     string `path:"id"`
		Outbox int64  `path:"oid" doc:"The outbox message id (report page, or GET …/outbox)."`
	}
	huma.Register(h, huma.Operation{OperationID: "release-report-message", Method: http.MethodPost, Path: Prefix + "/reports/{id}/outbox/{oid}/release",
		Summary: "Send a message held for a responder (an acknowledgement to an unauthenticated mail sender)", Tags: []string{"triage"}, Security: bearer,
		DefaultStatus: http.StatusNoContent}, func(ctx context.Context, in *releaseIn) (*struct{}, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		return nil, Problem(x.app.Intake.ReleaseMessage(ctx, a, in.ID, in.Outbox))
	})

	type dupIn struct {
		ID   string `path:"id"`
		Body struct {
			DuplicateOf string `json:"duplicate_of" doc:"The tracking id of the original report."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "merge-duplicate", Method: http.MethodPost, Path: Prefix + "/reports/{id}/duplicate", Summary: "Merge a report into an earlier one",
		Tags: []string{"triage"}, Security: bearer}, func(ctx context.Context, in *dupIn) (*reportOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		r, err := x.app.Intake.MarkDuplicate(ctx, a, in.ID, in.Body.DuplicateOf)
		if err != nil {
			return nil, Problem(err)
		}
		return &reportOut{Body: r}, nil
	})

	huma.Register(h, huma.Operation{OperationID: "similar-reports", Method: http.MethodGet, Path: Prefix + "/reports/{id}/similar", Summary: "Likely duplicates of a report",
		Tags: []string{"triage"}, Security: bearer}, func(ctx context.Context, in *reportRef) (*reportsOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.Can(a, authz.ListReports, nil); err != nil {
			return nil, Problem(err)
		}
		r, err := x.app.Intake.Get(ctx, a, in.ID)
		if err != nil {
			return nil, Problem(err)
		}
		rs, err := x.app.Intake.Similar(ctx, a, r)
		if err != nil {
			return nil, err
		}
		return &reportsOut{Body: paginate(rs, len(rs)+1, func(r *intake.Report) int64 { return r.ID })}, nil
	})

	type bulkIn struct {
		Body struct {
			IDs       []string `json:"ids" minItems:"1" maxItems:"1000"`
			Rationale string   `json:"rationale" minLength:"1"`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "bulk-decline", Method: http.MethodPost, Path: Prefix + "/reports/bulk-decline", Summary: "Decline many reports with one rationale",
		Tags: []string{"triage"}, Security: bearer}, func(ctx context.Context, in *bulkIn) (*bulkOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		res, err := x.app.Intake.BulkDecline(ctx, a, in.Body.IDs, in.Body.Rationale)
		if err != nil {
			return nil, Problem(err)
		}
		out := &bulkOut{}
		out.Body.Results = res
		return out, nil
	})

	x.registerReportFiles()

	type criteriaOut struct{ Body ssvc.Criteria }
	huma.Register(h, huma.Operation{OperationID: "triage-criteria", Method: http.MethodGet, Path: Prefix + "/ssvc/coordinator-triage", Summary: "The published triage criteria (CERT/CC SSVC Coordinator Triage)",
		Tags: []string{"triage"}}, func(ctx context.Context, _ *struct{}) (*criteriaOut, error) {
		t, err := ssvc.CoordinatorTriage()
		if err != nil {
			return nil, err
		}
		return &criteriaOut{Body: t.Criteria()}, nil
	})
}

type attachmentsOut struct {
	Body struct {
		Items []*intake.Attachment `json:"items"`
	}
}

// registerReportFiles adds file uploads and the list of a report's files. Uploads are
// multipart/form-data with one or more "attachments" parts (10 MiB in all); the content
// type is sniffed, never trusted, and downloads are always attachments.
func (x *API) registerReportFiles() {
	h := x.huma
	type uploadIn struct {
		ID      string `path:"id"`
		RawBody huma.MultipartFormFiles[struct {
			Attachments []huma.FormFile `form:"attachments" required:"true"`
		}]
	}
	huma.Register(h, huma.Operation{OperationID: "upload-report-files", Method: http.MethodPost, Path: Prefix + "/reports/{id}/attachments",
		Summary: "Attach files to a report (the team, or the finder with an account)", Tags: []string{"reports"}, Security: bearer,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 11 << 20}, func(ctx context.Context, in *uploadIn) (*attachmentsOut, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		var ups []intake.Upload
		for _, f := range in.RawBody.Data().Attachments {
			b, err := io.ReadAll(io.LimitReader(f, 10<<20+1))
			f.Close()
			if err != nil {
				return nil, huma.Error400BadRequest("an attachment could not be read")
			}
			ups = append(ups, intake.Upload{Filename: f.Filename, Data: b})
		}
		as, err := x.app.Intake.Attach(ctx, a, in.ID, ups)
		if err != nil {
			return nil, Problem(err)
		}
		out := &attachmentsOut{}
		out.Body.Items = as
		return out, nil
	})
	huma.Register(h, huma.Operation{OperationID: "list-report-files", Method: http.MethodGet, Path: Prefix + "/reports/{id}/attachments",
		Summary: "A report's files (download them from the report page)", Tags: []string{"reports"}, Security: bearer},
		func(ctx context.Context, in *reportRef) (*attachmentsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			r, err := x.app.Intake.Get(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			as, err := x.app.Intake.Attachments(ctx, r)
			if err != nil {
				return nil, err
			}
			out := &attachmentsOut{}
			out.Body.Items = as
			if out.Body.Items == nil {
				out.Body.Items = []*intake.Attachment{}
			}
			return out, nil
		})
}
