package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/db"
)

type advisoryOut struct {
	ETag string `header:"ETag"`
	Body *advisory.Advisory
}

type advisoriesOut struct{ Body Page[*advisory.Advisory] }

type advisoryCreated struct {
	Location string `header:"Location"`
	Body     struct {
		ID    string            `json:"id" doc:"Public id of the new advisory."`
		OSVID string            `json:"osv_id"`
		State advisory.State    `json:"state"`
		Links map[string]string `json:"links,omitempty"`
	}
}

type advisoryRef struct {
	ID string `path:"id" doc:"Public id (OSS-SIRT-2026-0042, GO-2020-0001), OSV id or number."`
}

type exportOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

type revisionsOut struct {
	Body struct {
		Items []advisory.Revision `json:"items"`
	}
}

// advisoryProblem maps the advisory service's errors: format refusals are 422 naming
// the JSON path of each problem; the rest as everywhere.
func advisoryProblem(err error) error {
	var ve *format.ValidationError
	if errors.As(err, &ve) {
		details := make([]error, 0, len(ve.Problems))
		for _, p := range ve.Problems {
			details = append(details, &huma.ErrorDetail{Location: p.Path, Message: p.Message + " (rule " + p.Rule + ")"})
		}
		return huma.Error422UnprocessableEntity(err.Error(), details...)
	}
	if advisory.IsFormatError(err) {
		return huma.Error422UnprocessableEntity(err.Error())
	}
	return Problem(err)
}

func (x *API) registerAdvisories() {
	h := x.huma
	registerOSVSchemas(h.OpenAPI().Components.Schemas)
	svc := x.app.Advisories
	tags := []string{"advisories"}

	type createIn struct {
		Body struct {
			advisory.Draft
			CaseID        any    `json:"case_id,omitempty" doc:"Draft from this case (its public id or number) instead of the fields."`
			Vulnerability string `json:"vulnerability,omitempty" doc:"With case_id: which vulnerability of the case."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "create-advisory", Method: http.MethodPost, Path: Prefix + "/advisories",
		Summary: "Draft an advisory", Tags: tags, Security: bearer, DefaultStatus: http.StatusCreated, MaxBodyBytes: 1 << 20,
		Description: "Either from a case (`case_id` and `vulnerability`: the draft is prefilled from the case; an unknown case is 404) " +
			"or standalone from the fields (OSV names; `summary` required). The draft gets the team's next public id and is TLP:RED until published."},
		func(ctx context.Context, in *createIn) (*advisoryCreated, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			var adv *advisory.Advisory
			if in.Body.CaseID != nil && fmt.Sprint(in.Body.CaseID) != "" {
				adv, err = svc.CreateFromCase(ctx, a, caseRef(in.Body.CaseID), in.Body.Vulnerability)
			} else {
				adv, err = svc.Create(ctx, a, in.Body.Draft)
			}
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return created(adv), nil
		})

	type importIn struct {
		RawBody []byte `contentType:"application/json" doc:"An OSV record, any schema version."`
	}
	huma.Register(h, huma.Operation{OperationID: "import-advisory", Method: http.MethodPost, Path: Prefix + "/advisories/import",
		Summary: "Import an OSV record as a draft", Tags: tags, Security: bearer, DefaultStatus: http.StatusCreated, MaxBodyBytes: 4 << 20,
		SkipValidateBody: true, // the OSV schema checks it, naming the JSON path
		Description: "The record must pass the OSV schema; a 422 names each JSON path that does not (e.g. `$.affected[0].ranges[0].events`). " +
			"The draft keeps the record's id and aliases and is unpublished."},
		func(ctx context.Context, in *importIn) (*advisoryCreated, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			adv, err := svc.Import(ctx, a, in.RawBody)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return created(adv), nil
		})

	type listIn struct {
		ListParams
		State string `query:"state" doc:"Only advisories in these states (comma-separated: draft, review, approved, scheduled, published, withdrawn)."`
	}
	huma.Register(h, huma.Operation{OperationID: "list-advisories", Method: http.MethodGet, Path: Prefix + "/advisories",
		Summary: "List advisories (staff), newest first", Tags: tags, Security: bearer},
		func(ctx context.Context, in *listIn) (*advisoriesOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			before, err := DecodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			o := advisory.ListOptions{Before: before, Limit: in.Limit + 1}
			for _, s := range strings.Split(in.State, ",") {
				if s = strings.TrimSpace(s); s != "" {
					o.States = append(o.States, advisory.State(s))
				}
			}
			as, err := svc.List(ctx, a, o)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return &advisoriesOut{Body: paginate(as, in.Limit, func(a *advisory.Advisory) int64 { return a.ID })}, nil
		})

	huma.Register(h, huma.Operation{OperationID: "get-advisory", Method: http.MethodGet, Path: Prefix + "/advisories/{id}",
		Summary: "Get an advisory", Tags: tags, Security: bearer},
		func(ctx context.Context, in *advisoryRef) (*advisoryOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			adv, err := svc.Get(ctx, a, in.ID)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return advOut(adv), nil
		})

	huma.Register(h, huma.Operation{OperationID: "list-advisory-revisions", Method: http.MethodGet, Path: Prefix + "/advisories/{id}/revisions",
		Summary: "Revision history of an advisory", Tags: tags, Security: bearer},
		func(ctx context.Context, in *advisoryRef) (*revisionsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			rs, err := svc.Revisions(ctx, a, in.ID)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			out := &revisionsOut{}
			out.Body.Items = rs
			if out.Body.Items == nil {
				out.Body.Items = []advisory.Revision{}
			}
			return out, nil
		})

	type updateIn struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match" doc:"The ETag (revision) the change was made to; a stale one is 412."`
		Body    advisory.Draft
	}
	huma.Register(h, huma.Operation{OperationID: "update-advisory", Method: http.MethodPatch, Path: Prefix + "/advisories/{id}",
		Summary: "Change an advisory", Tags: tags, Security: bearer, MaxBodyBytes: 1 << 20,
		Description: "Fields left out are kept; an empty list clears. A change to an approved or scheduled advisory sends it back to draft " +
			"(the approval was for other text); a change to a published one is a new public revision."},
		func(ctx context.Context, in *updateIn) (*advisoryOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			rev := 0
			if in.IfMatch != "" {
				if rev, err = strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(in.IfMatch), "W/"), `"`)); err != nil {
					return nil, huma.Error412PreconditionFailed("If-Match is not an ETag this API gave out")
				}
			}
			adv, err := svc.Update(ctx, a, in.ID, in.Body, rev)
			if err != nil {
				if rev != 0 && errors.Is(err, db.ErrConflict) {
					return nil, huma.Error412PreconditionFailed(err.Error())
				}
				return nil, advisoryProblem(err)
			}
			return advOut(adv), nil
		})

	for _, f := range advisory.Formats {
		huma.Register(h, huma.Operation{OperationID: "export-advisory-" + string(f), Method: http.MethodGet, Path: Prefix + "/advisories/{id}/" + string(f),
			Summary: "Export an advisory as " + exportName[f], Tags: tags, Security: bearer,
			Description: "Validated against the official schema before it is returned; a document that would not validate, or an advisory " +
				"that lacks what the format requires, is a 422 naming the JSON path or the missing data."},
			func(ctx context.Context, in *advisoryRef) (*exportOut, error) {
				a, err := signedIn(ctx)
				if err != nil {
					return nil, err
				}
				adv, err := svc.Get(ctx, a, in.ID)
				if err != nil {
					return nil, advisoryProblem(err)
				}
				data, err := svc.Export(ctx, a, in.ID, f)
				if err != nil {
					return nil, advisoryProblem(err)
				}
				return &exportOut{ContentType: "application/json", Body: data,
					ContentDisposition: `inline; filename="` + advisory.FileName(adv, f) + `"`}, nil
			})
	}

	step := func(id, path, summary, desc string, fn func(ctx context.Context, in *advisoryRef) (*advisory.Advisory, error)) {
		huma.Register(h, huma.Operation{OperationID: id, Method: http.MethodPost, Path: Prefix + "/advisories/{id}/" + path,
			Summary: summary, Description: desc, Tags: tags, Security: bearer},
			func(ctx context.Context, in *advisoryRef) (*advisoryOut, error) {
				adv, err := fn(ctx, in)
				if err != nil {
					return nil, advisoryProblem(err)
				}
				return advOut(adv), nil
			})
	}
	step("submit-advisory", "submit", "Submit a draft for review", "A second responder approves it.",
		func(ctx context.Context, in *advisoryRef) (*advisory.Advisory, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			return svc.Submit(ctx, a, in.ID)
		})
	step("approve-advisory", "approve", "Approve an advisory (a responder other than its author)",
		"The author cannot approve their own advisory (403). A draft or an advisory in review may be approved.",
		func(ctx context.Context, in *advisoryRef) (*advisory.Advisory, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			return svc.Approve(ctx, a, in.ID)
		})
	step("publish-advisory", "publish", "Publish an approved advisory now",
		"An advisory of a case under embargo is not published before the case's agreed public date (409, rule advisory.embargo). "+
			"On a published advisory it publishes the approved pending revision.",
		func(ctx context.Context, in *advisoryRef) (*advisory.Advisory, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			return svc.Publish(ctx, a, in.ID)
		})

	type scheduleIn struct {
		ID   string `path:"id"`
		Body struct {
			PublicDate string `json:"public_date,omitempty" doc:"RFC 3339 instant of publication, e.g. 2026-03-04T14:00:00Z. Empty: the agreed public date of the advisory's case."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "schedule-advisory", Method: http.MethodPost, Path: Prefix + "/advisories/{id}/schedule",
		Summary: "Schedule an approved advisory for its public date", Tags: tags, Security: bearer,
		Description: "The job queue publishes it at that instant. Scheduling again moves the date. An advisory of a case under embargo " +
			"is not scheduled before the case's agreed public date: 409 naming the rule (advisory.embargo) and the date, unless a coordinator " +
			"records an early release or an embargo break on the case. Moving the case's public date moves the publication."},
		func(ctx context.Context, in *scheduleIn) (*advisoryOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			var pd time.Time
			if strings.TrimSpace(in.Body.PublicDate) != "" {
				if pd, err = advisory.ParseInstant("public_date", in.Body.PublicDate); err != nil {
					return nil, advisoryProblem(err)
				}
			}
			adv, err := svc.Schedule(ctx, a, in.ID, pd)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return advOut(adv), nil
		})

	type withdrawIn struct {
		ID   string `path:"id"`
		Body *struct {
			Reason string `json:"reason,omitempty" maxLength:"2000" doc:"Why, for the revision history."`
		} `required:"false"`
	}
	huma.Register(h, huma.Operation{OperationID: "withdraw-advisory", Method: http.MethodPost, Path: Prefix + "/advisories/{id}/withdraw",
		Summary: "Withdraw a published advisory", Tags: tags, Security: bearer,
		Description: "It stays public, marked withdrawn (OSV `withdrawn`)."},
		func(ctx context.Context, in *withdrawIn) (*advisoryOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			reason := ""
			if in.Body != nil {
				reason = in.Body.Reason
			}
			adv, err := svc.Withdraw(ctx, a, in.ID, reason)
			if err != nil {
				return nil, advisoryProblem(err)
			}
			return advOut(adv), nil
		})
}

var exportName = map[advisory.Format]string{
	advisory.FormatOSV:  "OSV JSON",
	advisory.FormatCSAF: "CSAF 2.0 (csaf_security_advisory)",
	advisory.FormatVEX:  "CSAF 2.0 VEX (csaf_vex)",
	advisory.FormatCVE:  "CVE JSON 5 record",
}

func advOut(a *advisory.Advisory) *advisoryOut {
	return &advisoryOut{Body: a, ETag: `"` + strconv.Itoa(a.Revision) + `"`}
}

func created(a *advisory.Advisory) *advisoryCreated {
	out := &advisoryCreated{Location: Prefix + "/advisories/" + a.PublicID}
	out.Body.ID, out.Body.OSVID, out.Body.State = a.PublicID, a.OSVID, a.State
	base := Prefix + "/advisories/" + a.PublicID
	out.Body.Links = map[string]string{"self": base, "osv": base + "/osv", "csaf": base + "/csaf", "vex": base + "/vex", "cve": base + "/cve"}
	return out
}

// caseRef renders a case id given as a JSON string or number.
func caseRef(v any) string {
	switch c := v.(type) {
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64)
	case json.Number:
		return c.String()
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// The OpenAPI document names schemas after Go types, and the advisory model's types
// (format.Affected, format.Event, format.Package…) share their short names with other
// packages' types. These mirrors, identical on the wire, give them OSV-prefixed schema
// names; they are only ever used to describe, never to decode.
type (
	osvDocument struct {
		ID               string          `json:"id,omitempty" doc:"The team's advisory id."`
		OSVID            string          `json:"osv_id,omitempty"`
		Title            string          `json:"title,omitempty"`
		Summary          string          `json:"summary,omitempty"`
		Details          string          `json:"details,omitempty" doc:"Markdown."`
		Aliases          []string        `json:"aliases,omitempty"`
		Related          []string        `json:"related,omitempty"`
		Upstream         []string        `json:"upstream,omitempty"`
		Published        *time.Time      `json:"published,omitempty"`
		Modified         time.Time       `json:"modified"`
		Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
		Affected         []osvAffected   `json:"affected,omitempty"`
		Severity         []osvSeverity   `json:"severity,omitempty"`
		CWEs             []string        `json:"cwe_ids,omitempty"`
		Credits          []osvCredit     `json:"credits,omitempty"`
		References       []osvReference  `json:"references,omitempty"`
		Revisions        []osvRevision   `json:"revisions,omitempty"`
		TLP              string          `json:"tlp,omitempty" enum:"CLEAR,GREEN,AMBER,AMBER+STRICT,RED"`
		Publisher        *osvPublisher   `json:"publisher,omitempty"`
		DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
	}
	osvAffected struct {
		Package           *osvPackage     `json:"package,omitempty" doc:"Absent for a GIT-only entry."`
		Severity          []osvSeverity   `json:"severity,omitempty"`
		Ranges            []osvRange      `json:"ranges,omitempty"`
		Versions          []string        `json:"versions,omitempty"`
		EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
		DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
	}
	osvPackage struct {
		Ecosystem string `json:"ecosystem" doc:"An OSV ecosystem: Go, npm, PyPI, Maven, crates.io, Debian:12…"`
		Name      string `json:"name"`
		PURL      string `json:"purl,omitempty"`
	}
	osvRange struct {
		Type             string          `json:"type" enum:"SEMVER,ECOSYSTEM,GIT"`
		Repo             string          `json:"repo,omitempty" doc:"Required for GIT."`
		Events           []osvEvent      `json:"events"`
		DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
	}
	osvEvent struct {
		Introduced   string `json:"introduced,omitempty"`
		Fixed        string `json:"fixed,omitempty"`
		LastAffected string `json:"last_affected,omitempty"`
		Limit        string `json:"limit,omitempty"`
	}
	osvSeverity struct {
		Type  string `json:"type" enum:"CVSS_V2,CVSS_V3,CVSS_V4,Ubuntu"`
		Score string `json:"score" doc:"The CVSS vector."`
	}
	osvCredit struct {
		Name    string   `json:"name"`
		Contact []string `json:"contact,omitempty"`
		Type    string   `json:"type,omitempty"`
	}
	osvReference struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	osvRevision struct {
		Number  string    `json:"number"`
		Date    time.Time `json:"date"`
		Summary string    `json:"summary"`
	}
	osvPublisher struct {
		Name           string `json:"name,omitempty"`
		Namespace      string `json:"namespace,omitempty"`
		ContactDetails string `json:"contact_details,omitempty"`
		Category       string `json:"category,omitempty"`
	}
)

func registerOSVSchemas(r huma.Registry) {
	for real, mirror := range map[reflect.Type]reflect.Type{
		reflect.TypeFor[format.Advisory]():  reflect.TypeFor[osvDocument](),
		reflect.TypeFor[format.Affected]():  reflect.TypeFor[osvAffected](),
		reflect.TypeFor[format.Package]():   reflect.TypeFor[osvPackage](),
		reflect.TypeFor[format.Range]():     reflect.TypeFor[osvRange](),
		reflect.TypeFor[format.Event]():     reflect.TypeFor[osvEvent](),
		reflect.TypeFor[format.Severity]():  reflect.TypeFor[osvSeverity](),
		reflect.TypeFor[format.Credit]():    reflect.TypeFor[osvCredit](),
		reflect.TypeFor[format.Reference](): reflect.TypeFor[osvReference](),
		reflect.TypeFor[format.Revision]():  reflect.TypeFor[osvRevision](),
		reflect.TypeFor[format.Publisher](): reflect.TypeFor[osvPublisher](),
	} {
		r.RegisterTypeAlias(real, mirror)
	}
}
