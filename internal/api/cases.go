package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/notify"
)

type casePath struct {
	ID string `path:"id" doc:"Case id, e.g. OSS-SIRT-2026-0042."`
}

type caseOut struct{ Body *cases.Case }

// registerCases adds the case routes (package cases; docs/cases.md).
func (x *API) registerCases() {
	x.registerCaseClose()
	h := x.huma
	svc := x.app.Cases
	tags := []string{"cases"}
	reg := func(op huma.Operation) huma.Operation {
		op.Tags, op.Security = tags, bearer
		return op
	}

	type listIn struct {
		ListParams
		UpdatedSince time.Time `query:"updated_since" doc:"Only cases changed at or after this instant (RFC 3339), for participants' own tools."`
	}
	type listOut struct{ Body Page[*cases.Case] }
	huma.Register(h, reg(huma.Operation{OperationID: "list-cases", Method: http.MethodGet, Path: Prefix + "/cases", Summary: "Cases you may know of",
		Description: "The team sees every case; a participant sees the cases they are on, and only the id and terms of those they have not read into yet."}),
		func(ctx context.Context, in *listIn) (*listOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			after, err := DecodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			cs, err := svc.List(ctx, a, cases.Query{UpdatedSince: in.UpdatedSince, AfterID: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, Problem(err)
			}
			return &listOut{Body: paginate(cs, in.Limit, func(c *cases.Case) int64 { return c.ID })}, nil
		})

	type openIn struct{ Body cases.NewCase }
	huma.Register(h, reg(huma.Operation{OperationID: "open-case", Method: http.MethodPost, Path: Prefix + "/cases", Summary: "Open a case",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 1 << 20,
		Description: "From a report (`report_id`, the team): the case keeps the report's tracking id. Directly (`title`): a responder becomes its coordinator; a maintainer (member) becomes its owner and asks the team to coordinate."}),
		func(ctx context.Context, in *openIn) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.Open(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	huma.Register(h, reg(huma.Operation{OperationID: "get-case", Method: http.MethodGet, Path: Prefix + "/cases/{id}", Summary: "A case",
		Description: "A participant who has not read in gets only the id, the terms and `read_in_required: true`. Someone who may not know the case exists gets 404."}),
		func(ctx context.Context, in *casePath) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.Get(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	type updateIn struct {
		ID   string `path:"id"`
		Body cases.CaseUpdate
	}
	huma.Register(h, reg(huma.Operation{OperationID: "update-case", Method: http.MethodPatch, Path: Prefix + "/cases/{id}", Summary: "Change a case's description or phase (coordinators)"}),
		func(ctx context.Context, in *updateIn) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.UpdateCase(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	type participantIn struct {
		ID   string `path:"id"`
		Body cases.NewParticipant
	}
	type participantOut struct{ Body *cases.Participant }
	huma.Register(h, reg(huma.Operation{OperationID: "add-case-participant", Method: http.MethodPost, Path: Prefix + "/cases/{id}/participants",
		Summary: "Add a participant (coordinators)", DefaultStatus: http.StatusCreated,
		Description: "An address of an existing user links their account; any other address becomes an email contact, notified by mail, whose answers the team records (or who answers by replying)."}),
		func(ctx context.Context, in *participantIn) (*participantOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.AddParticipant(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &participantOut{Body: p}, nil
		})

	type participantUpdateIn struct {
		ID          string `path:"id"`
		Participant string `path:"participant" doc:"The participant's id."`
		Body        cases.ParticipantUpdate
	}
	huma.Register(h, reg(huma.Operation{OperationID: "update-case-participant", Method: http.MethodPatch, Path: Prefix + "/cases/{id}/participants/{participant}",
		Summary: "Record a participant's own tracking id or Report Management state", Description: "A participant changes their own row; coordinators any."}),
		func(ctx context.Context, in *participantUpdateIn) (*participantOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			pid, err := parseID(in.Participant, "participant")
			if err != nil {
				return nil, err
			}
			p, err := svc.UpdateParticipant(ctx, a, in.ID, pid, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &participantOut{Body: p}, nil
		})

	huma.Register(h, reg(huma.Operation{OperationID: "read-in-case", Method: http.MethodPost, Path: Prefix + "/cases/{id}/read-in",
		Summary: "Accept the case's confidentiality terms (read-in)", Description: "Recorded in the audit trail. Returns the case, now readable."}),
		func(ctx context.Context, in *casePath) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.ReadIn(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	type embargoIn struct {
		ID   string `path:"id"`
		Body cases.EmbargoInput
	}
	type embargoOut struct{ Body *cases.EmbargoResult }
	huma.Register(h, reg(huma.Operation{OperationID: "case-embargo", Method: http.MethodPost, Path: Prefix + "/cases/{id}/embargo",
		Summary: "Propose, accept, reject, counter, revise or exit the embargo",
		Description: "Vultron Embargo Management. The embargo becomes active when every required party accepted the current proposal; `holding_up` names who has not. " +
			"A transition the model forbids (accept with no proposal, propose once public) is 409 whose detail names the rule. A date more than the policy's limit (90 days) away is 422."}),
		func(ctx context.Context, in *embargoIn) (*embargoOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			r, err := svc.Embargo(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &embargoOut{Body: r}, nil
		})

	type breakIn struct {
		ID   string `path:"id"`
		Body cases.BreakInput
	}
	huma.Register(h, reg(huma.Operation{OperationID: "case-embargo-break", Method: http.MethodPost, Path: Prefix + "/cases/{id}/embargo-break",
		Summary: "The embargo broke: mark public, notify every read-in party, move the public date (coordinators)"}),
		func(ctx context.Context, in *breakIn) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.BreakEmbargo(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	type releaseIn struct {
		ID   string `path:"id"`
		Body cases.ReleaseInput
	}
	huma.Register(h, reg(huma.Operation{OperationID: "case-early-release", Method: http.MethodPost, Path: Prefix + "/cases/{id}/early-release",
		Summary: "Release the case before its agreed public date, with a reason (coordinators)",
		Description: "Audited. In one transaction the case goes public (TLP:CLEAR, Disclose, public_aware, embargo exited), every read-in " +
			"party is mailed and every read-in organisation's webhook told, and the case's approved advisories publish."}),
		func(ctx context.Context, in *releaseIn) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.ReleaseEarly(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	type factsIn struct {
		ID   string `path:"id"`
		Body cases.FactsInput
	}
	huma.Register(h, reg(huma.Operation{OperationID: "case-facts", Method: http.MethodPost, Path: Prefix + "/cases/{id}/facts",
		Summary: "Mark case-state facts true", Description: "vendor_aware, fix_ready, fix_deployed, public_aware, exploit_public, attacks_observed. Facts only become true. " +
			"Ordering rules (fix_deployed needs fix_ready, fix_ready needs vendor_aware) are 409 naming the rule. Public awareness ends an active embargo."}),
		func(ctx context.Context, in *factsIn) (*caseOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.SetFacts(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &caseOut{Body: c}, nil
		})

	type vulnIn struct {
		ID   string `path:"id"`
		Body cases.NewVulnerability
	}
	type vulnOut struct{ Body *cases.Vulnerability }
	huma.Register(h, reg(huma.Operation{OperationID: "add-case-vulnerability", Method: http.MethodPost, Path: Prefix + "/cases/{id}/vulnerabilities",
		Summary: "Add a vulnerability (coordinators)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *vulnIn) (*vulnOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			v, err := svc.AddVulnerability(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &vulnOut{Body: v}, nil
		})

	type statusIn struct {
		ID   string `path:"id"`
		Vuln string `path:"vuln" doc:"The vulnerability's label (V1, CVE-…) or id."`
		Body cases.StatusInput
	}
	type statusOut struct{ Body *cases.PartyStatus }
	huma.Register(h, reg(huma.Operation{OperationID: "set-case-status", Method: http.MethodPost, Path: Prefix + "/cases/{id}/vulnerabilities/{vuln}/status",
		Summary: "State your status for a vulnerability", Description: "unknown, under_investigation, affected, fixed, not_affected (with a VEX justification) or disputed (with the reason as statement)."}),
		func(ctx context.Context, in *statusIn) (*statusOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			st, err := svc.SetStatus(ctx, a, in.ID, in.Vuln, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &statusOut{Body: st}, nil
		})

	type pkgIn struct {
		ID   string `path:"id"`
		Body cases.NewAffectedPackage
	}
	type pkgOut struct{ Body *cases.AffectedPackage }
	huma.Register(h, reg(huma.Operation{OperationID: "add-case-package", Method: http.MethodPost, Path: Prefix + "/cases/{id}/packages",
		Summary: "Add an affected package (coordinators)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *pkgIn) (*pkgOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.AddPackage(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &pkgOut{Body: p}, nil
		})

	type pkgPath struct {
		ID      string `path:"id"`
		Package string `path:"package" doc:"The package's id."`
	}
	type pkgUpdateIn struct {
		ID      string `path:"id"`
		Package string `path:"package" doc:"The package's id."`
		Body    cases.NewAffectedPackage
	}
	huma.Register(h, reg(huma.Operation{OperationID: "update-case-package", Method: http.MethodPut, Path: Prefix + "/cases/{id}/packages/{package}",
		Summary: "Replace an affected package (coordinators)", Description: "Audited: the event keeps the package before and after."}),
		func(ctx context.Context, in *pkgUpdateIn) (*pkgOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.Package, "package")
			if err != nil {
				return nil, err
			}
			p, err := svc.UpdatePackage(ctx, a, in.ID, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &pkgOut{Body: p}, nil
		})
	huma.Register(h, reg(huma.Operation{OperationID: "remove-case-package", Method: http.MethodDelete, Path: Prefix + "/cases/{id}/packages/{package}",
		Summary: "Remove an affected package (coordinators)", DefaultStatus: http.StatusNoContent, Description: "Audited: the event keeps the removed package."}),
		func(ctx context.Context, in *pkgPath) (*struct{}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.Package, "package")
			if err != nil {
				return nil, err
			}
			if err := svc.RemovePackage(ctx, a, in.ID, id); err != nil {
				return nil, Problem(err)
			}
			return nil, nil
		})

	type removeIn struct {
		ID          string `path:"id"`
		Participant string `path:"participant" doc:"The participant's id."`
		Reason      string `query:"reason" maxLength:"2000" doc:"Why, for the audit trail."`
	}
	huma.Register(h, reg(huma.Operation{OperationID: "remove-case-participant", Method: http.MethodDelete, Path: Prefix + "/cases/{id}/participants/{participant}",
		Summary: "Remove a participant (coordinators)", DefaultStatus: http.StatusNoContent,
		Description: "Their access ends in the same transaction: their next read of the case is a 404, their mail and their organisation's webhooks stop. Audited with the reason; their posts and answers stay on record."}),
		func(ctx context.Context, in *removeIn) (*struct{}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			pid, err := parseID(in.Participant, "participant")
			if err != nil {
				return nil, err
			}
			if err := svc.RemoveParticipant(ctx, a, in.ID, pid, in.Reason); err != nil {
				return nil, Problem(err)
			}
			return nil, nil
		})

	type postsOut struct{ Body []cases.CasePost }
	huma.Register(h, reg(huma.Operation{OperationID: "list-case-posts", Method: http.MethodGet, Path: Prefix + "/cases/{id}/posts",
		Summary: "The discussion you may read: shared, your private thread, internal notes for the team"}),
		func(ctx context.Context, in *casePath) (*postsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ps, err := svc.Posts(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &postsOut{Body: ps}, nil
		})

	type postIn struct {
		ID   string `path:"id"`
		Body cases.NewCasePost
	}
	type postOut struct{ Body *cases.CasePost }
	huma.Register(h, reg(huma.Operation{OperationID: "add-case-post", Method: http.MethodPost, Path: Prefix + "/cases/{id}/posts",
		Summary: "Post to a thread; readers are notified by email", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *postIn) (*postOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.AddPost(ctx, a, in.ID, "api", in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &postOut{Body: p}, nil
		})

	type taskIn struct {
		ID   string `path:"id"`
		Body cases.NewCaseTask
	}
	type taskOut struct{ Body *cases.CaseTask }
	huma.Register(h, reg(huma.Operation{OperationID: "add-case-task", Method: http.MethodPost, Path: Prefix + "/cases/{id}/tasks",
		Summary: "Add a task (coordinators)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *taskIn) (*taskOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			t, err := svc.AddTask(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &taskOut{Body: t}, nil
		})

	type taskUpdateIn struct {
		ID   string `path:"id"`
		Task string `path:"task" doc:"The task's id."`
		Body cases.CaseTaskUpdate
	}
	huma.Register(h, reg(huma.Operation{OperationID: "update-case-task", Method: http.MethodPatch, Path: Prefix + "/cases/{id}/tasks/{task}",
		Summary: "Mark a task done or open (coordinators)"}),
		func(ctx context.Context, in *taskUpdateIn) (*taskOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.Task, "task")
			if err != nil {
				return nil, err
			}
			t, err := svc.UpdateTask(ctx, a, in.ID, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &taskOut{Body: t}, nil
		})

	type timelineIn struct {
		ID    string `path:"id"`
		After int64  `query:"after" doc:"Events after this seq."`
		Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"500"`
	}
	type timelineOut struct{ Body []events.Event }
	huma.Register(h, reg(huma.Operation{OperationID: "case-timeline", Method: http.MethodGet, Path: Prefix + "/cases/{id}/timeline",
		Summary: "The case's events from the audit log, as you may see them"}),
		func(ctx context.Context, in *timelineIn) (*timelineOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			evs, err := svc.Timeline(ctx, a, in.ID, in.After, in.Limit)
			if err != nil {
				return nil, Problem(err)
			}
			return &timelineOut{Body: evs}, nil
		})

	type deliveriesOut struct{ Body []cases.Delivery }
	huma.Register(h, reg(huma.Operation{OperationID: "case-deliveries", Method: http.MethodGet, Path: Prefix + "/cases/{id}/deliveries",
		Summary: "Delivery status of every message and webhook of the case (coordinators)"}),
		func(ctx context.Context, in *casePath) (*deliveriesOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			rows, err := svc.Deliveries(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &deliveriesOut{Body: rows}, nil
		})

	type exportIn struct {
		ID     string `path:"id"`
		Format string `path:"format" doc:"osv or vex."`
	}
	huma.Register(h, reg(huma.Operation{OperationID: "export-case", Method: http.MethodGet, Path: Prefix + "/cases/{id}/export/{format}",
		Summary: "A draft OSV record or CSAF VEX document of the case (read-in participants and the team)",
		Description: "OSV: one record per vulnerability — the record for a case with one vulnerability, a JSON array of records for a case with several " +
			"(or GET …/vulnerabilities/{vuln}/export/osv). VEX: one CSAF VEX document, one vulnerability entry per vulnerability, each party's status " +
			"about its own product per version range. An export that cannot be made is a 422 naming what is missing."}),
		func(ctx context.Context, in *exportIn) (*exportOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			data, err := svc.Export(ctx, a, in.ID, in.Format)
			if err != nil {
				return nil, Problem(err)
			}
			return &exportOut{ContentType: "application/json", Body: data,
				ContentDisposition: `attachment; filename="` + in.ID + "." + in.Format + `.json"`}, nil
		})

	type vulnExportIn struct {
		ID     string `path:"id"`
		Vuln   string `path:"vuln" doc:"The vulnerability's label (V1, CVE-…) or id."`
		Format string `path:"format" doc:"osv or vex."`
	}
	huma.Register(h, reg(huma.Operation{OperationID: "export-case-vulnerability", Method: http.MethodGet, Path: Prefix + "/cases/{id}/vulnerabilities/{vuln}/export/{format}",
		Summary:     "The draft OSV record or CSAF VEX document of one vulnerability of the case (read-in participants and the team)",
		Description: "Only that vulnerability's aliases, severity, CWE and affected packages. An export that cannot be made is a 422 naming what is missing."}),
		func(ctx context.Context, in *vulnExportIn) (*exportOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			data, err := svc.ExportVulnerability(ctx, a, in.ID, in.Vuln, in.Format)
			if err != nil {
				return nil, Problem(err)
			}
			return &exportOut{ContentType: "application/json", Body: data,
				ContentDisposition: `attachment; filename="` + in.ID + "-" + in.Vuln + "." + in.Format + `.json"`}, nil
		})

	type hookIn struct {
		Body struct {
			Organisation string `json:"organisation" maxLength:"200"`
			URL          string `json:"url" maxLength:"2000"`
		}
	}
	type hookOut struct{ Body *notify.Webhook }
	huma.Register(h, huma.Operation{OperationID: "add-webhook", Method: http.MethodPost, Path: Prefix + "/webhooks", Tags: tags, Security: bearer,
		Summary: "Register an organisation's webhook for case events (admins)", DefaultStatus: http.StatusCreated,
		Description: "Deliveries are POSTed JSON signed with `X-Sirt-Signature: sha256=<HMAC-SHA256 of the body with the secret>`; the secret is shown once."},
		func(ctx context.Context, in *hookIn) (*hookOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			w, err := x.app.Outbox.AddWebhook(ctx, a, in.Body.Organisation, in.Body.URL)
			if err != nil {
				return nil, Problem(err)
			}
			return &hookOut{Body: w}, nil
		})
	type hooksOut struct{ Body []notify.Webhook }
	huma.Register(h, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: Prefix + "/webhooks", Tags: tags, Security: bearer,
		Summary: "Registered webhooks (admins)"},
		func(ctx context.Context, _ *struct{}) (*hooksOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ws, err := x.app.Outbox.Webhooks(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &hooksOut{Body: ws}, nil
		})
	// {id} is a string so that a malformed id is 404, like a missing one.
	type hookRef struct {
		ID string `path:"id"`
	}
	hookChange := func(f func(context.Context, authz.Actor, int64) error) func(context.Context, *hookRef) (*struct{}, error) {
		return func(ctx context.Context, in *hookRef) (*struct{}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
				return nil, Problem(err)
			}
			id, err := strconv.ParseInt(in.ID, 10, 64)
			if err != nil {
				return nil, Problem(db.ErrNotFound)
			}
			if err := f(ctx, a, id); err != nil {
				return nil, Problem(err)
			}
			return nil, nil
		}
	}
	huma.Register(h, huma.Operation{OperationID: "disable-webhook", Method: http.MethodPost, Path: Prefix + "/webhooks/{id}/disable", Tags: tags, Security: bearer,
		Summary: "Stop deliveries to a webhook (admins); queued deliveries fail", DefaultStatus: http.StatusNoContent}, hookChange(x.app.Outbox.DisableWebhook))
	huma.Register(h, huma.Operation{OperationID: "delete-webhook", Method: http.MethodDelete, Path: Prefix + "/webhooks/{id}", Tags: tags, Security: bearer,
		Summary: "Delete a webhook and its secret (admins)", DefaultStatus: http.StatusNoContent}, hookChange(x.app.Outbox.DeleteWebhook))
}
