package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/ratelimit"
)

// registerPeople adds the roster, on-call, recruitment and cohort routes (package
// people; docs/people.md).
func (x *API) registerPeople() {
	h := x.huma
	svc := x.app.People
	reg := func(tag string, op huma.Operation) huma.Operation {
		op.Tags, op.Security = []string{tag}, bearer
		return op
	}
	x.registerPeopleCycle()
	// Applications per IP address: the same budget as reports (the /apply form shares it).
	x.ApplyLimiter = ratelimit.New(x.app.Cfg.IntakeEvery, x.app.Cfg.IntakeBurst)

	type candidateOut struct{ Body *people.Candidate }
	type applyIn struct{ Body people.Application }
	huma.Register(h, huma.Operation{OperationID: "apply", Method: http.MethodPost, Path: Prefix + "/candidates", Tags: []string{"recruitment"},
		Summary: "Apply to join the team (no account needed)", DefaultStatus: http.StatusCreated, MaxBodyBytes: 64 << 10,
		Description: "The public application form's API. Rate-limited per IP address (429 with Retry-After). The answer carries only the application's id: " +
			"candidates' data is visible to the programme manager and admins only."},
		func(ctx context.Context, in *applyIn) (*struct {
			Body struct {
				ID    int64        `json:"id"`
				Stage people.Stage `json:"stage"`
			}
		}, error) {
			a, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			if ok, wait := x.ApplyLimiter.Allow(ipFrom(ctx)); !ok {
				return nil, huma.Error429TooManyRequests("too many applications from your address; try again in " + strconv.Itoa(int(wait.Seconds())) + " seconds")
			}
			c, err := svc.Apply(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			out := &struct {
				Body struct {
					ID    int64        `json:"id"`
					Stage people.Stage `json:"stage"`
				}
			}{}
			out.Body.ID, out.Body.Stage = c.ID, c.Stage
			return out, nil
		})

	type listIn struct {
		ListParams
		Stage string `query:"stage" doc:"Only candidates at this stage."`
	}
	type listOut struct{ Body Page[*people.Candidate] }
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "list-candidates", Method: http.MethodGet, Path: Prefix + "/candidates",
		Summary: "Candidates (programme manager, admins)"}),
		func(ctx context.Context, in *listIn) (*listOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			after, err := DecodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			cs, err := svc.Candidates(ctx, a, people.CandidateQuery{Stage: people.Stage(in.Stage), AfterID: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, Problem(err)
			}
			return &listOut{Body: paginate(cs, in.Limit, func(c *people.Candidate) int64 { return c.ID })}, nil
		})

	type idIn struct {
		ID string `path:"id"`
	}
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "get-candidate", Method: http.MethodGet, Path: Prefix + "/candidates/{id}",
		Summary: "A candidate with notes and accepted agreements", Description: "Programme manager and admins; anyone else gets 404."}),
		func(ctx context.Context, in *idIn) (*candidateOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			c, err := svc.Candidate(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &candidateOut{Body: c}, nil
		})

	type moveIn struct {
		ID   string `path:"id"`
		Body people.Move
	}
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "move-candidate", Method: http.MethodPost, Path: Prefix + "/candidates/{id}/stage",
		Summary: "Move a candidate along the pipeline (programme manager, admins)",
		Description: "applied → screened → interviewed → vetted → agreements_signed → selected → onboarded → active; rejected (with a reason) or withdrawn from any stage before active. " +
			"A jump the pipeline forbids is 409 naming the allowed next stages; a stage without its evidence (interview note, reference or check, accepted agreements) is 409 naming it. " +
			"Moving to vetted gives the candidate's private link to accept the agreements (`accept_url`, also mailed to them)."}),
		func(ctx context.Context, in *moveIn) (*candidateOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			c, err := svc.MoveCandidate(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &candidateOut{Body: c}, nil
		})

	type noteIn struct {
		ID   string `path:"id"`
		Body people.NewNote
	}
	type noteOut struct{ Body *people.Note }
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "add-candidate-note", Method: http.MethodPost, Path: Prefix + "/candidates/{id}/notes",
		Summary: "Add an interview note, scorecard, reference or check (programme manager, admins)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *noteIn) (*noteOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			n, err := svc.AddNote(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &noteOut{Body: n}, nil
		})

	type agreementsOut struct {
		Body struct {
			Items []people.Agreement `json:"items"`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "list-agreements", Method: http.MethodGet, Path: Prefix + "/agreements", Tags: []string{"recruitment"},
		Summary: "The current version of each agreement (public)"},
		func(ctx context.Context, _ *struct{}) (*agreementsOut, error) {
			as, err := svc.CurrentAgreements(ctx)
			if err != nil {
				return nil, Problem(err)
			}
			out := &agreementsOut{}
			out.Body.Items = as
			return out, nil
		})
	type agreementIn struct{ Body people.NewAgreement }
	type agreementOut struct{ Body *people.Agreement }
	huma.Register(h, reg("recruitment", huma.Operation{OperationID: "publish-agreement", Method: http.MethodPost, Path: Prefix + "/agreements",
		Summary: "Publish a new version of an agreement (programme manager, admins)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *agreementIn) (*agreementOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ag, err := svc.PublishAgreement(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &agreementOut{Body: ag}, nil
		})

	type cohortsOut struct {
		Body struct {
			Items []people.Cohort `json:"items"`
		}
	}
	huma.Register(h, reg("people", huma.Operation{OperationID: "list-cohorts", Method: http.MethodGet, Path: Prefix + "/cohorts", Summary: "Cohorts (staff)"}),
		func(ctx context.Context, _ *struct{}) (*cohortsOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			cs, err := svc.Cohorts(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			out := &cohortsOut{}
			out.Body.Items = cs
			return out, nil
		})
	type cohortIn struct{ Body people.NewCohort }
	type cohortOut struct{ Body *people.Cohort }
	huma.Register(h, reg("people", huma.Operation{OperationID: "create-cohort", Method: http.MethodPost, Path: Prefix + "/cohorts",
		Summary: "Create a cohort (programme manager, admins)", DefaultStatus: http.StatusCreated}),
		func(ctx context.Context, in *cohortIn) (*cohortOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			c, err := svc.CreateCohort(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &cohortOut{Body: c}, nil
		})

	// On call.
	type scheduleOut struct{ Body *people.Schedule }
	type schedulesOut struct {
		Body struct {
			Items []*people.Schedule `json:"items"`
		}
	}
	huma.Register(h, reg("oncall", huma.Operation{OperationID: "list-oncall-schedules", Method: http.MethodGet, Path: Prefix + "/oncall/schedules",
		Summary: "On-call schedules (staff)"}),
		func(ctx context.Context, _ *struct{}) (*schedulesOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ss, err := svc.Schedules(ctx, a)
			if err != nil {
				return nil, Problem(err)
			}
			out := &schedulesOut{}
			out.Body.Items = ss
			return out, nil
		})
	type scheduleIn struct{ Body people.NewSchedule }
	huma.Register(h, reg("oncall", huma.Operation{OperationID: "create-oncall-schedule", Method: http.MethodPost, Path: Prefix + "/oncall/schedules",
		Summary: "Create an on-call schedule for intake duty (programme manager, admins)", DefaultStatus: http.StatusCreated,
		Description: "Members (staff email addresses) take turns: `weekly` or `daily` handoff at `handoff_time` in `time_zone`, or `follow_the_sun` (each local day split evenly among the members, in order). " +
			"The calendar is at /oncall/{id}.ics."}),
		func(ctx context.Context, in *scheduleIn) (*scheduleOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			sc, err := svc.CreateSchedule(ctx, a, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &scheduleOut{Body: sc}, nil
		})
	huma.Register(h, reg("oncall", huma.Operation{OperationID: "get-oncall-schedule", Method: http.MethodGet, Path: Prefix + "/oncall/schedules/{id}",
		Summary: "An on-call schedule with its overrides (staff)"}),
		func(ctx context.Context, in *idIn) (*scheduleOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			sc, err := svc.Schedule(ctx, a, id)
			if err != nil {
				return nil, Problem(err)
			}
			return &scheduleOut{Body: sc}, nil
		})
	type overrideIn struct {
		ID   string `path:"id"`
		Body people.NewOverride
	}
	type overrideOut struct{ Body *people.Override }
	huma.Register(h, reg("oncall", huma.Operation{OperationID: "add-oncall-override", Method: http.MethodPost, Path: Prefix + "/oncall/schedules/{id}/overrides",
		Summary: "Put someone else on duty for a while (programme manager, admins)", DefaultStatus: http.StatusCreated,
		Description: "Where overrides overlap, the one added last wins."}),
		func(ctx context.Context, in *overrideIn) (*overrideOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			o, err := svc.AddOverride(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &overrideOut{Body: o}, nil
		})
	type nowIn struct {
		Schedule int64 `query:"schedule" doc:"A schedule's id; default the first schedule with someone on duty."`
	}
	type nowOut struct{ Body *people.OnDuty }
	huma.Register(h, reg("oncall", huma.Operation{OperationID: "oncall-now", Method: http.MethodGet, Path: Prefix + "/oncall/now",
		Summary: "Who is on intake duty now, and until when (staff)", Description: "404 when nobody is (no schedule, or none has started)."}),
		func(ctx context.Context, in *nowIn) (*nowOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			d, err := svc.Now(ctx, a, in.Schedule)
			if err != nil {
				return nil, Problem(err)
			}
			return &nowOut{Body: d}, nil
		})

	// The roster.
	type rosterIn struct {
		Status    string `query:"status" enum:"active,on_leave,alumni," doc:"Only profiles with this status."`
		Skill     string `query:"skill" doc:"Only profiles listing this skill."`
		Ecosystem string `query:"ecosystem" doc:"Only profiles listing this ecosystem."`
	}
	type rosterOut struct {
		Body struct {
			Items []*people.Profile `json:"items"`
		}
	}
	huma.Register(h, reg("people", huma.Operation{OperationID: "roster", Method: http.MethodGet, Path: Prefix + "/roster",
		Summary: "The team's responder profiles (staff)"}),
		func(ctx context.Context, in *rosterIn) (*rosterOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			ps, err := svc.Roster(ctx, a, people.RosterQuery{Status: in.Status, Skill: in.Skill, Ecosystem: in.Ecosystem})
			if err != nil {
				return nil, Problem(err)
			}
			out := &rosterOut{}
			out.Body.Items = ps
			return out, nil
		})
	type profileIn struct {
		ID   string `path:"id" doc:"The user's id."`
		Body people.ProfileInput
	}
	type profileOut struct{ Body *people.Profile }
	huma.Register(h, reg("people", huma.Operation{OperationID: "set-profile", Method: http.MethodPut, Path: Prefix + "/roster/{id}",
		Summary: "Replace a responder profile (yourself; anyone for the programme manager and admins)"}),
		func(ctx context.Context, in *profileIn) (*profileOut, error) {
			a, err := signedIn(ctx)
			if err != nil {
				return nil, err
			}
			id, err := parseID(in.ID, "id")
			if err != nil {
				return nil, err
			}
			p, err := svc.SetProfile(ctx, a, id, in.Body)
			if err != nil {
				return nil, Problem(err)
			}
			return &profileOut{Body: p}, nil
		})
}
