package cases_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestCoordinationFlow: a case from a report; the owner is invited and reads in; the
// team proposes a PD, the case page shows who holds it up, the owner accepts and the
// embargo is active; fix ready; the PD job moves TLP to CLEAR and exits the embargo.
// Statuses keep "unknown" apart from "not affected"; an organisation's webhook gets
// signed deliveries once its participant is read in.
func TestCoordinationFlow(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		// The webhook receiver is on 127.0.0.1: allowed explicitly, as on premises.
		ta := testapp.NewWith(t, d, testapp.Options{Config: func(c *config.Config) { c.OutboundAllow = []string{"127.0.0.1"} }})
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		admin := ta.User(authz.RoleAdmin)
		owner := ta.User(authz.RoleMember)
		rtok, otok := ta.Token(resp), ta.Token(owner)

		var mu sync.Mutex
		var hooks []string
		var bad string
		hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			hooks = append(hooks, r.Header.Get("X-Sirt-Event"))
			if !notify.VerifySignature(secret, b, r.Header.Get("X-Sirt-Signature")) {
				bad = "bad signature on " + r.Header.Get("X-Sirt-Event")
			}
		}))
		defer hookSrv.Close()
		w, err := ta.App.Outbox.AddWebhook(ctx, admin.Actor(), "Wsock Maintainers", hookSrv.URL)
		if err != nil {
			t.Fatal(err)
		}
		secret = w.Secret

		rep, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Use-after-free in frame parser",
			Details: "Steps: send a crafted frame.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Reporter: intake.Reporter{Email: "ada@example.org", Name: "Ada"},
			Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
		if err != nil {
			t.Fatal(err)
		}
		res := ta.API("POST", "/api/v1/cases", rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201)
		var c cases.Case
		res.JSON(t, &c)
		if c.PublicID != rep.PublicID || len(c.Vulnerabilities) != 1 || c.Vulnerabilities[0].Scores[0].Score != 9.8 {
			t.Fatalf("case from report: %+v", c)
		}
		if r, _ := ta.App.Intake.Get(ctx, resp.Actor(), rep.PublicID); r.State != intake.StateCoordinating {
			t.Fatalf("report state %s, want coordinating", r.State)
		}
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/participants", rtok, map[string]any{"email": owner.Email, "role": "owner", "organisation": "Wsock Maintainers"}).Want(t, 201)
		// Not read in: metadata only, no webhook deliveries for the organisation yet.
		res = ta.API("GET", "/api/v1/cases/"+c.PublicID, otok, nil).Want(t, 200)
		if strings.Contains(string(res.Body), "crafted") || !strings.Contains(string(res.Body), `"read_in_required":true`) {
			t.Fatalf("before read-in: %s", res.Body)
		}
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/read-in", otok, map[string]any{}).Want(t, 200)

		pd := testapp.Start.AddDate(0, 0, 42).Add(6 * time.Hour) // a Monday 15:00 UTC, six weeks on
		res = ta.API("POST", "/api/v1/cases/"+c.PublicID+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.In(time.FixedZone("CET", 3600)).Format(time.RFC3339)}).Want(t, 200)
		var er cases.EmbargoResult
		res.JSON(t, &er)
		if er.Embargo.State != cases.EMProposed || len(er.Embargo.HoldingUp) != 2 {
			t.Fatalf("after propose: %+v (want proposed, held up by the owner and the finder)", er.Embargo)
		}
		// A 91-day embargo is refused with a clear error.
		res = ta.API("POST", "/api/v1/cases/"+c.PublicID+"/embargo", rtok, map[string]any{"action": "counter", "public_date": testapp.Start.AddDate(0, 0, 91).Format(time.RFC3339)}).Want(t, 422)
		if !strings.Contains(string(res.Body), "90 days") {
			t.Fatalf("long embargo: %s", res.Body)
		}
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/embargo", otok, map[string]any{"action": "accept"}).Want(t, 200)
		got, _ := ta.App.Cases.Get(ctx, resp.Actor(), c.PublicID)
		finder := int64(0)
		for _, p := range got.Participants {
			if p.Role == "finder" {
				finder = p.ID
			}
		}
		// The finder is an email contact: the team records the answer they sent by mail.
		res = ta.API("POST", "/api/v1/cases/"+c.PublicID+"/embargo", rtok, map[string]any{"action": "accept", "participant_id": finder}).Want(t, 200)
		res.JSON(t, &er)
		if er.Embargo.State != cases.EMActive || !er.Embargo.PublicDate.Equal(pd) {
			t.Fatalf("after every consent: %+v", er.Embargo)
		}
		// Facts: deployed before ready is a 409 naming the rule; public awareness forbids a new proposal later.
		res = ta.API("POST", "/api/v1/cases/"+c.PublicID+"/facts", rtok, map[string]any{"fix_deployed": true}).Want(t, 409)
		if p := res.Problem(t); !strings.Contains(p.Text(), "fix_deployed_needs_fix_ready") {
			t.Fatalf("409 does not name the rule: %s", p.Text())
		}
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/facts", otok, map[string]any{"fix_ready": true}).Want(t, 200)
		// Statuses: no answer is unknown, not "not affected"; not_affected needs a justification.
		got, _ = ta.App.Cases.Get(ctx, resp.Actor(), c.PublicID)
		for _, st := range got.Vulnerabilities[0].Statuses {
			if st.Status != "unknown" {
				t.Fatalf("a party that never answered has status %q", st.Status)
			}
		}
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/vulnerabilities/V1/status", otok, map[string]any{"status": "not_affected"}).Want(t, 422)
		ta.API("POST", "/api/v1/cases/"+c.PublicID+"/vulnerabilities/V1/status", otok, map[string]any{"status": "fixed", "statement": "Fixed in 1.4.1"}).Want(t, 200)
		ta.API("GET", "/api/v1/cases/"+c.PublicID+"/export/vex", otok, nil).Want(t, 200)
		ta.API("GET", "/api/v1/cases/"+c.PublicID+"/export/osv", otok, nil).Want(t, 200)

		// PD: the scheduled job exits the embargo and clears TLP.
		ta.Clock.Set(pd.Add(time.Minute))
		if _, err := ta.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = ta.App.Cases.Get(ctx, resp.Actor(), c.PublicID)
		if got.TLP != "CLEAR" || got.Embargo.State != cases.EMExited || got.Facts.PublicAware == nil || got.Phase != "disclose" {
			t.Fatalf("after PD: tlp %s embargo %s phase %s", got.TLP, got.Embargo.State, got.Phase)
		}
		res = ta.API("POST", "/api/v1/cases/"+c.PublicID+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.AddDate(0, 0, 7).Format(time.RFC3339)}).Want(t, 409)
		if !strings.Contains(res.Problem(t).Text(), "em.") {
			t.Fatalf("409 after exit: %s", res.Body)
		}
		mu.Lock()
		defer mu.Unlock()
		if bad != "" || len(hooks) == 0 {
			t.Fatalf("webhooks: %v %s", hooks, bad)
		}
		for _, h := range hooks {
			if strings.HasPrefix(h, "case.participant.added") {
				t.Fatalf("a webhook was sent before the organisation's participant read in: %v", hooks)
			}
		}
		// The timeline comes from the event log and has the read-in on it.
		var evs []map[string]any
		ta.API("GET", "/api/v1/cases/"+c.PublicID+"/timeline", otok, nil).Want(t, 200).JSON(t, &evs)
		raw, _ := json.Marshal(evs)
		for _, want := range []string{"case.participant.read_in", "case.embargo.agreed", "case.pd_reached"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("timeline lacks %s", want)
			}
		}
	})
}

var secret string

// TestThreadsAndBreak: internal notes and another party's private thread stay hidden;
// an embargo break notifies every read-in party through the outbox.
func TestThreadsAndBreak(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		a, b := ta.User(authz.RoleMember), ta.User(authz.RoleMember)
		c, err := ta.App.Cases.Open(ctx, resp.Actor(), cases.NewCase{Title: "Heap overflow in decoder"})
		if err != nil {
			t.Fatal(err)
		}
		pa, _ := ta.App.Cases.AddParticipant(ctx, resp.Actor(), c.PublicID, cases.NewParticipant{Email: a.Email, Role: "owner"})
		_, _ = ta.App.Cases.AddParticipant(ctx, resp.Actor(), c.PublicID, cases.NewParticipant{Email: b.Email, Role: "downstream"})
		for _, u := range []testapp.User{a, b} {
			if _, err := ta.App.Cases.ReadIn(ctx, u.Actor(), c.PublicID); err != nil {
				t.Fatal(err)
			}
		}
		mustPost := func(u testapp.User, in cases.NewCasePost) {
			if _, err := ta.App.Cases.AddPost(ctx, u.Actor(), c.PublicID, "api", in); err != nil {
				t.Fatalf("post %+v: %v", in, err)
			}
		}
		mustPost(resp, cases.NewCasePost{Thread: "internal", Body: "INTERNAL-NOTE"})
		mustPost(resp, cases.NewCasePost{Thread: "private", ParticipantID: pa.ID, Body: "PRIVATE-TO-A"})
		mustPost(b, cases.NewCasePost{Body: "SHARED-FROM-B"})
		ps, err := ta.App.Cases.Posts(ctx, b.Actor(), c.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(ps)
		if strings.Contains(string(raw), "INTERNAL") || strings.Contains(string(raw), "PRIVATE-TO-A") || !strings.Contains(string(raw), "SHARED-FROM-B") {
			t.Fatalf("downstream sees %s", raw)
		}
		if _, err := ta.App.Cases.AddPost(ctx, b.Actor(), c.PublicID, "api", cases.NewCasePost{Thread: "internal", Body: "x"}); err == nil {
			t.Fatal("a participant wrote an internal note")
		}
		evs, _ := ta.App.Cases.Timeline(ctx, b.Actor(), c.PublicID, 0, 500)
		for _, e := range evs {
			if e.Action == "case.post.internal" {
				t.Fatal("the timeline shows an internal note's event to a participant")
			}
		}
		if _, err := ta.App.Cases.BreakEmbargo(ctx, resp.Actor(), c.PublicID, cases.BreakInput{Reason: "posted on a public list", ExploitPublic: true}); err != nil {
			t.Fatal(err)
		}
		ds, _ := ta.App.Cases.Deliveries(ctx, resp.Actor(), c.PublicID)
		broken := map[string]bool{}
		for _, x := range ds {
			if strings.HasPrefix(x.Purpose, "case.embargo_break") {
				broken[x.Recipient] = true
			}
		}
		if !broken[a.Email] || !broken[b.Email] {
			t.Fatalf("embargo-break notices went to %v, want both read-in parties", broken)
		}
		got, _ := ta.App.Cases.Get(ctx, resp.Actor(), c.PublicID)
		if got.Facts.PublicAware == nil || got.Facts.ExploitPublic == nil {
			t.Fatalf("after the break: %+v", got.Facts)
		}
	})
}
