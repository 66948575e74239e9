package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/directory"
)

// The directory (internal/directory): organisations, their contacts and packages
// (staff; members get 404), case notifications fanned out to them (coordinators of the
// case), adding them to a case, and SIREN lists.

type orgIDOut struct {
	Status int
	Body   *directory.Org
}

type notificationOut struct {
	Status int
	Body   *directory.NotificationProgress
}

func (x *API) registerDirectory() {
	h := x.huma
	svc := x.app.Directory
	op := func(tag string, o huma.Operation) huma.Operation {
		o.Tags, o.Security = []string{tag}, bearer
		return o
	}
	dir := func(o huma.Operation) huma.Operation { return op("directory", o) }

	type orgList struct {
		ListParams
		Q       string `query:"q" maxLength:"200" doc:"Name, contact address or package contains this."`
		Kind    string `query:"kind" enum:"project,vendor,distro,ecosystem_team,registry,coordinator,foundation,hosting"`
		Package string `query:"package" maxLength:"500" doc:"Maintains this package (a purl)."`
	}
	huma.Register(h, dir(huma.Operation{OperationID: "list-orgs", Method: http.MethodGet, Path: Prefix + "/orgs", Summary: "Search organisations"}),
		func(ctx context.Context, in *orgList) (*struct{ Body Page[*directory.Org] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			after, err := DecodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			os, err := svc.Orgs(ctx, a, directory.OrgQuery{Q: in.Q, Kind: in.Kind, Package: in.Package, After: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[*directory.Org] }{Body: paginate(os, in.Limit, func(o *directory.Org) int64 { return o.ID })}, nil
		})
	huma.Register(h, dir(huma.Operation{OperationID: "create-org", Method: http.MethodPost, Path: Prefix + "/orgs", Summary: "Add an organisation",
		DefaultStatus: http.StatusCreated, Description: "Staff. Contacts need an email or a web address; an OpenPGP key must be a usable public key; packages are purls (versions are dropped)."}),
		func(ctx context.Context, in *struct{ Body directory.OrgInput }) (*orgIDOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			o, err := svc.CreateOrg(ctx, a, in.Body, "api")
			if err != nil {
				return nil, Problem(err)
			}
			return &orgIDOut{Status: http.StatusCreated, Body: o}, nil
		})
	huma.Register(h, dir(huma.Operation{OperationID: "export-orgs", Method: http.MethodGet, Path: Prefix + "/orgs/export", Summary: "Organisations as CSV"}),
		func(ctx context.Context, _ *struct{}) (*fileOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			if err := svc.ExportOrgs(ctx, a, &b); err != nil {
				return nil, Problem(err)
			}
			return &fileOut{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="organisations.csv"`, Body: b.Bytes()}, nil
		})
	huma.Register(h, dir(huma.Operation{OperationID: "import-orgs", Method: http.MethodPost, Path: Prefix + "/orgs/import", Summary: "Import organisations from CSV",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: directory.MaxCSV,
		Description: "The body is CSV (text/csv) with a header row: name (required), kind, website, emails, packages, notes; emails and packages are separated by spaces or semicolons. " +
			"A row naming an existing organisation adds its missing contacts and packages. All or nothing: errors name the line."}),
		func(ctx context.Context, in *struct{ RawBody []byte }) (*struct{ Body *directory.OrgImportResult }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			res, err := svc.ImportOrgs(ctx, a, bytes.NewReader(in.RawBody))
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.OrgImportResult }{Body: res}, nil
		})
	huma.Register(h, dir(huma.Operation{OperationID: "get-org", Method: http.MethodGet, Path: Prefix + "/orgs/{id}", Summary: "One organisation"}),
		func(ctx context.Context, in *idPath) (*struct{ Body *directory.Org }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			o, err := svc.Org(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.Org }{Body: o}, nil
		})
	huma.Register(h, dir(huma.Operation{OperationID: "update-org", Method: http.MethodPatch, Path: Prefix + "/orgs/{id}", Summary: "Change an organisation",
		Description: "Absent fields stay; contacts and packages, when given, replace the lists."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body directory.OrgPatch
		}) (*struct{ Body *directory.Org }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			o, err := svc.UpdateOrg(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.Org }{Body: o}, nil
		})
	type mergeBody struct {
		From int64 `json:"from" doc:"The organisation merged into this one (it stays, marked merged)."`
	}
	huma.Register(h, dir(huma.Operation{OperationID: "merge-org", Method: http.MethodPost, Path: Prefix + "/orgs/{id}/merge", Summary: "Merge another organisation into this one"}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body mergeBody
		}) (*struct{ Body *directory.Org }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			o, err := svc.Merge(ctx, a, id, in.Body.From)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.Org }{Body: o}, nil
		})

	// Case notifications and participants.
	cs := func(o huma.Operation) huma.Operation { return op("cases", o) }
	huma.Register(h, cs(huma.Operation{OperationID: "notify-case-orgs", Method: http.MethodPost, Path: Prefix + "/cases/{id}/notifications", Summary: "Send a case notification to many parties",
		DefaultStatus: http.StatusAccepted, Description: "Coordinators of the case. to is one of {\"orgs\": [ids]}, {\"dependents_of\": purl, \"max_depth\": 9} or {\"list\": id}. " +
			"Every distinct contact address gets one message through the outbox, TLP-labelled and encrypted where the contact has a key. Follow it with GET /notifications/{id}."}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body directory.NotifyInput
		}) (*notificationOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			p, err := svc.Notify(ctx, a, in.ID, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &notificationOut{Status: http.StatusAccepted, Body: p}, nil
		})
	huma.Register(h, cs(huma.Operation{OperationID: "list-case-notifications", Method: http.MethodGet, Path: Prefix + "/cases/{id}/notifications", Summary: "A case's notifications with their progress"}),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct {
			Body Page[*directory.NotificationProgress]
		}, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ps, err := svc.CaseNotifications(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body Page[*directory.NotificationProgress]
			}{Body: Page[*directory.NotificationProgress]{Items: ps}}, nil
		})
	huma.Register(h, cs(huma.Operation{OperationID: "get-notification", Method: http.MethodGet, Path: Prefix + "/notifications/{id}", Summary: "A notification's progress",
		Description: "total = delivered + failed + pending; sent counts messages tried at least once."}),
		func(ctx context.Context, in *idPath) (*struct {
			Body *directory.NotificationProgress
		}, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			p, err := svc.Notification(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body *directory.NotificationProgress
			}{Body: p}, nil
		})
	type retryOut struct {
		Retried int `json:"retried"`
	}
	huma.Register(h, cs(huma.Operation{OperationID: "retry-notification", Method: http.MethodPost, Path: Prefix + "/notifications/{id}/retry", Summary: "Send a notification's failed messages again"}),
		func(ctx context.Context, in *idPath) (*struct{ Body retryOut }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			n, err := svc.RetryFailed(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body retryOut }{Body: retryOut{Retried: n}}, nil
		})
	type inviteBody struct {
		Orgs []int64 `json:"orgs" maxItems:"1000" doc:"Organisation ids: each one's email contacts become downstream participants."`
	}
	huma.Register(h, cs(huma.Operation{OperationID: "add-case-orgs", Method: http.MethodPost, Path: Prefix + "/cases/{id}/orgs", Summary: "Add organisations to a case as downstream participants"}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body inviteBody
		}) (*struct{ Body *directory.InviteResult }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			res, err := svc.InviteOrgs(ctx, a, in.ID, in.Body.Orgs)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.InviteResult }{Body: res}, nil
		})
	huma.Register(h, cs(huma.Operation{OperationID: "suggest-case-orgs", Method: http.MethodGet, Path: Prefix + "/cases/{id}/suggested-orgs", Summary: "Organisations to invite, from the case's affected packages"}),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{ Body Page[directory.Suggestion] }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ss, err := svc.Suggestions(ctx, a, in.ID)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[directory.Suggestion] }{Body: Page[directory.Suggestion]{Items: ss}}, nil
		})

	// SIREN lists.
	sr := func(o huma.Operation) huma.Operation { return op("siren", o) }
	huma.Register(h, huma.Operation{OperationID: "list-siren-lists", Method: http.MethodGet, Path: Prefix + "/siren/lists", Summary: "SIREN early-notification lists", Tags: []string{"siren"}},
		func(ctx context.Context, _ *struct{}) (*struct{ Body Page[directory.SirenList] }, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			ls, err := svc.SirenLists(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body Page[directory.SirenList] }{Body: Page[directory.SirenList]{Items: ls}}, nil
		})
	huma.Register(h, sr(huma.Operation{OperationID: "create-siren-list", Method: http.MethodPost, Path: Prefix + "/siren/lists", Summary: "Add a SIREN list", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *struct{ Body directory.SirenListInput }) (*struct{ Body *directory.SirenList }, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			l, err := svc.CreateSirenList(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.SirenList }{Body: l}, nil
		})
	huma.Register(h, sr(huma.Operation{OperationID: "apply-siren-list", Method: http.MethodPost, Path: Prefix + "/siren/lists/{id}/apply", Summary: "Apply to subscribe (your account's address)",
		DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body directory.SirenApplication
		}) (*struct{ Body *directory.SirenSubscriber }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			sub, err := svc.ApplySiren(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.SirenSubscriber }{Body: sub}, nil
		})
	huma.Register(h, sr(huma.Operation{OperationID: "list-siren-subscribers", Method: http.MethodGet, Path: Prefix + "/siren/lists/{id}/subscribers", Summary: "Subscribers and applicants (staff)"}),
		func(ctx context.Context, in *idPath) (*struct {
			Body Page[*directory.SirenSubscriber]
		}, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			subs, err := svc.SirenSubscribers(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct {
				Body Page[*directory.SirenSubscriber]
			}{Body: Page[*directory.SirenSubscriber]{Items: subs}}, nil
		})
	type decideBody struct {
		Decision string `json:"decision" enum:"vetted,rejected"`
	}
	huma.Register(h, sr(huma.Operation{OperationID: "decide-siren-subscriber", Method: http.MethodPost, Path: Prefix + "/siren/lists/{id}/subscribers/{sub}/decision", Summary: "Vet or reject a subscriber (staff)"}),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Sub  string `path:"sub"`
			Body decideBody
		}) (*struct{ Body *directory.SirenSubscriber }, error) {
			a, id, err := idActor(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			sub, err := parseID(in.Sub, "sub")
			if err != nil {
				return nil, err
			}
			res, err := svc.DecideSiren(ctx, a, id, sub, in.Body.Decision)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body *directory.SirenSubscriber }{Body: res}, nil
		})
	type archiveOut struct {
		List     *directory.SirenList     `json:"list"`
		Messages []directory.SirenMessage `json:"messages"`
	}
	huma.Register(h, huma.Operation{OperationID: "siren-archive", Method: http.MethodGet, Path: Prefix + "/siren/lists/{id}/archive", Summary: "A list's archive",
		Tags: []string{"siren"}, Description: "Everyone sees the messages of public cases; staff see embargoed ones too."},
		func(ctx context.Context, in *idPath) (*struct{ Body archiveOut }, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			l, ms, err := svc.SirenArchive(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &struct{ Body archiveOut }{Body: archiveOut{List: l, Messages: ms}}, nil
		})
}
