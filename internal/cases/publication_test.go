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

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// embargoed is a case under an agreed embargo with an owner and a downstream party read
// in, the owner's organisation with a webhook, and an approved advisory of its V1.
type embargoed struct {
	ta               *testapp.TestApp
	resp, rev        testapp.User
	owner, down      testapp.User
	rtok, vtok, otok string
	caseID, advID    string
	pd               time.Time
	mu               sync.Mutex
	hooks            []string
	hookBodies       []string
	badHook          string
}

func newEmbargoed(t *testing.T, d *db.DB, pd time.Time) *embargoed {
	t.Helper()
	ta := testapp.NewWith(t, d, allowLoopback)
	ctx := context.Background()
	e := &embargoed{ta: ta, pd: pd}
	e.resp, e.rev = ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
	e.owner, e.down = ta.User(authz.RoleMember), ta.User(authz.RoleMember)
	admin := ta.User(authz.RoleAdmin)
	e.rtok, e.vtok, e.otok = ta.Token(e.resp), ta.Token(e.rev), ta.Token(e.owner)
	dtok := ta.Token(e.down)
	var secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.hooks = append(e.hooks, r.Header.Get("X-Sirt-Event"))
		e.hookBodies = append(e.hookBodies, string(b))
		if !notify.VerifySignature(secret, b, r.Header.Get("X-Sirt-Signature")) {
			e.badHook = "bad signature"
		}
	}))
	t.Cleanup(srv.Close)
	w, err := ta.App.Outbox.AddWebhook(ctx, admin.Actor(), "Wsock Maintainers", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	secret = w.Secret
	rep, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Use-after-free in frame parser",
		Details: "Steps: send a crafted frame.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var c cases.Case
	ta.API("POST", "/api/v1/cases", e.rtok, map[string]any{"report_id": rep.PublicID}).Want(t, 201).JSON(t, &c)
	e.caseID = c.PublicID
	base := "/api/v1/cases/" + c.PublicID
	ta.API("POST", base+"/participants", e.rtok, map[string]any{"email": e.owner.Email, "role": "owner", "organisation": "Wsock Maintainers"}).Want(t, 201)
	ta.API("POST", base+"/participants", e.rtok, map[string]any{"email": e.down.Email, "role": "downstream", "organisation": "Distro"}).Want(t, 201)
	ta.API("POST", base+"/read-in", e.otok, map[string]any{}).Want(t, 200)
	ta.API("POST", base+"/read-in", dtok, map[string]any{}).Want(t, 200)
	ta.API("POST", base+"/embargo", e.rtok, map[string]any{"action": "propose", "public_date": pd.Format(time.RFC3339)}).Want(t, 200)
	ta.API("POST", base+"/embargo", e.otok, map[string]any{"action": "accept"}).Want(t, 200)
	if c := e.kase(t); c.Embargo.State != cases.EMActive {
		t.Fatalf("embargo %+v, want active", c.Embargo)
	}
	var adv advisory.Advisory
	ta.API("POST", "/api/v1/advisories", e.rtok, map[string]any{"case_id": c.PublicID, "vulnerability": "V1"}).Want(t, 201).JSON(t, &adv)
	e.advID = adv.PublicID
	ta.API("POST", "/api/v1/advisories/"+adv.PublicID+"/submit", e.rtok, nil).Want(t, 200)
	ta.API("POST", "/api/v1/advisories/"+adv.PublicID+"/approve", e.vtok, nil).Want(t, 200)
	return e
}

func (e *embargoed) advisory(t *testing.T) *advisory.Advisory {
	t.Helper()
	a, err := e.ta.App.Advisories.Get(context.Background(), e.resp.Actor(), e.advID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *embargoed) kase(t *testing.T) *cases.Case {
	t.Helper()
	c, err := e.ta.App.Cases.Get(context.Background(), e.resp.Actor(), e.caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *embargoed) drain(t *testing.T) {
	t.Helper()
	if _, err := e.ta.App.Jobs.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestAdvisoryWaitsForThePublicDate: an advisory of a case under an agreed embargo is
// not scheduled or published before the case's PD (409 naming the rule and the PD, in
// the API and on the page); with no date it follows the case's PD, and moving the PD
// moves it; at PD the case and the advisory go public by themselves.
func TestAdvisoryWaitsForThePublicDate(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		pd := testapp.Start.AddDate(0, 0, 42).Add(6 * time.Hour) // Mon 13 Apr 2026 15:00 UTC
		e := newEmbargoed(t, d, pd)
		ta := e.ta
		adv := "/api/v1/advisories/" + e.advID
		res := ta.API("POST", adv+"/schedule", e.rtok, map[string]any{"public_date": testapp.Start.Add(100 * time.Second).Format(time.RFC3339)}).Want(t, 409)
		if p := res.Problem(t).Text(); !strings.Contains(p, "advisory.embargo") || !strings.Contains(p, pd.Format(time.RFC3339)) || !strings.Contains(p, e.caseID) {
			t.Fatalf("409 does not name the rule, the case and the PD: %s", p)
		}
		ta.API("POST", adv+"/schedule", e.rtok, map[string]any{"public_date": pd.Add(-time.Minute).Format(time.RFC3339)}).Want(t, 409)
		res = ta.API("POST", adv+"/publish", e.rtok, nil).Want(t, 409)
		if p := res.Problem(t).Text(); !strings.Contains(p, "advisory.embargo") || !strings.Contains(p, pd.Format(time.RFC3339)) {
			t.Fatalf("publish now: %s", p)
		}
		if a := e.advisory(t); a.State != advisory.StateApproved || a.Published() {
			t.Fatalf("after refusals: %s", a.State)
		}
		// The page says the same as a form error.
		b := ta.Browser()
		b.SignIn(e.resp)
		page := b.Submit("/staff/advisories/"+e.advID+"/schedule", map[string][]string{"public_date": {"2026-03-02T09:05"}})
		if page.StatusCode != http.StatusConflict || !strings.Contains(string(page.Body), "advisory.embargo") || !strings.Contains(string(page.Body), pd.Format(time.RFC3339)) {
			t.Fatalf("schedule page before PD: %d %s", page.StatusCode, page.Body)
		}
		// No date: the case's PD. A later date is allowed too.
		var a advisory.Advisory
		ta.API("POST", adv+"/schedule", e.rtok, map[string]any{}).Want(t, 200).JSON(t, &a)
		if a.State != advisory.StateScheduled || !a.PublicDate.Equal(pd) {
			t.Fatalf("scheduled without a date: %s at %v, want %v", a.State, a.PublicDate, pd)
		}
		// Moving the case's PD moves the advisory.
		pd2 := pd.AddDate(0, 0, 1) // Tuesday
		base := "/api/v1/cases/" + e.caseID
		ta.API("POST", base+"/embargo", e.rtok, map[string]any{"action": "revise", "public_date": pd2.Format(time.RFC3339)}).Want(t, 200)
		ta.API("POST", base+"/embargo", e.otok, map[string]any{"action": "accept"}).Want(t, 200)
		if c := e.kase(t); c.Embargo.State != cases.EMActive || !c.Embargo.PublicDate.Equal(pd2) {
			t.Fatalf("revised embargo %+v", c.Embargo)
		}
		if got := e.advisory(t); got.State != advisory.StateScheduled || !got.PublicDate.Equal(pd2) {
			t.Fatalf("after the PD moved: advisory %s at %v, want %v", got.State, got.PublicDate, pd2)
		}
		// The old PD passes: nothing is published.
		ta.Clock.Set(pd.Add(time.Minute))
		e.drain(t)
		if got := e.advisory(t); got.Published() {
			t.Fatal("the advisory was published at the old public date")
		}
		if c := e.kase(t); c.TLP == "CLEAR" {
			t.Fatal("the case went public at the old public date")
		}
		// The PD: case and advisory public together.
		ta.Clock.Set(pd2.Add(time.Second))
		e.drain(t)
		c := e.kase(t)
		if c.TLP != "CLEAR" || c.Phase != "disclose" || c.Facts.PublicAware == nil || c.Embargo.State != cases.EMExited {
			t.Fatalf("case after PD: tlp %s phase %s embargo %s", c.TLP, c.Phase, c.Embargo.State)
		}
		got := e.advisory(t)
		if got.State != advisory.StatePublished || !got.PublishedAt.Equal(pd2.Add(time.Second)) {
			t.Fatalf("advisory after PD: %s published %v", got.State, got.PublishedAt)
		}
		ta.API("GET", "/osv/"+got.OSVID+".json", "", nil).Want(t, 200)
	})
}

// TestEarlyReleaseGoesPublicInOneStep: only a coordinator releases early, with a reason;
// then the case is public, every read-in party is mailed and the webhooks told, the
// event is audited with the reason and the agreed date, and the approved advisory
// publishes through its job.
func TestEarlyReleaseGoesPublicInOneStep(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		pd := time.Date(2027, 1, 13, 14, 0, 0, 0, time.UTC)
		e := newEmbargoed(t, d, testapp.Start.AddDate(0, 0, 42).Add(6*time.Hour))
		_ = pd
		ta := e.ta
		base := "/api/v1/cases/" + e.caseID
		ta.API("POST", base+"/early-release", e.otok, map[string]any{"reason": "we want it out"}).Want(t, 403)
		res := ta.API("POST", base+"/early-release", e.rtok, map[string]any{"reason": "  "}).Want(t, 422)
		if !strings.Contains(string(res.Body), "reason") {
			t.Fatalf("release without a reason: %s", res.Body)
		}
		var c cases.Case
		ta.API("POST", base+"/early-release", e.rtok, map[string]any{"reason": "the fix shipped in 1.4.1 already"}).Want(t, 200).JSON(t, &c)
		if c.TLP != "CLEAR" || c.Phase != "disclose" || c.Facts.PublicAware == nil || c.Embargo.State != cases.EMExited {
			t.Fatalf("after the release: tlp %s phase %s embargo %s facts %+v", c.TLP, c.Phase, c.Embargo.State, c.Facts)
		}
		ds, err := ta.App.Cases.Deliveries(context.Background(), e.resp.Actor(), e.caseID)
		if err != nil {
			t.Fatal(err)
		}
		mailed, hooked := map[string]bool{}, false
		for _, x := range ds {
			if strings.HasPrefix(x.Purpose, "case.embargo_release") {
				mailed[x.Recipient] = true
			}
			if x.Channel == "webhook" && strings.Contains(x.Purpose+x.Subject, "case.embargo.released") {
				hooked = true
			}
		}
		if !mailed[e.owner.Email] || !mailed[e.down.Email] {
			t.Fatalf("release notices went to %v, want the owner and the downstream party", mailed)
		}
		if !hooked {
			t.Logf("deliveries: %+v", ds)
			t.Fatal("no webhook delivery of case.embargo.released was queued with the release")
		}
		if a := e.advisory(t); a.State != advisory.StateScheduled || a.Published() {
			t.Fatalf("advisory right after the release: %s (want scheduled for now, published by its job)", a.State)
		}
		e.drain(t)
		if a := e.advisory(t); a.State != advisory.StatePublished {
			t.Fatalf("advisory after the jobs ran: %s", a.State)
		}
		e.mu.Lock()
		hooks, bad := strings.Join(e.hooks, " "), e.badHook
		e.mu.Unlock()
		if !strings.Contains(hooks, "case.embargo.released") || bad != "" {
			t.Fatalf("webhook got %s %s", hooks, bad)
		}
		var evs []map[string]any
		ta.API("GET", base+"/timeline", e.rtok, nil).Want(t, 200).JSON(t, &evs)
		raw, _ := json.Marshal(evs)
		if !strings.Contains(string(raw), "case.embargo.released") || !strings.Contains(string(raw), "the fix shipped in 1.4.1 already") {
			t.Fatalf("the release is not audited with its reason: %s", raw)
		}
		// Twice: nothing left to release.
		res = ta.API("POST", base+"/early-release", e.rtok, map[string]any{"reason": "again"}).Want(t, 409)
		if !strings.Contains(res.Problem(t).Text(), "em.release_after_disclosure") {
			t.Fatalf("second release: %s", res.Body)
		}
	})
}

// TestEmbargoBreakEndsPublic: a break ends in the same public state as the PD, and the
// case's approved advisory publishes; a break "in the future" is refused.
func TestEmbargoBreakEndsPublic(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		e := newEmbargoed(t, d, testapp.Start.AddDate(0, 0, 42).Add(6*time.Hour))
		ta := e.ta
		base := "/api/v1/cases/" + e.caseID
		ta.API("POST", base+"/embargo-break", e.rtok, map[string]any{"reason": "leaked", "public_date": testapp.Start.Add(time.Hour).Format(time.RFC3339)}).Want(t, 422)
		var c cases.Case
		ta.API("POST", base+"/embargo-break", e.rtok, map[string]any{"reason": "posted on a public list", "exploit_public": true}).Want(t, 200).JSON(t, &c)
		if c.TLP != "CLEAR" || c.Phase != "disclose" || c.Facts.PublicAware == nil || c.Embargo.State != cases.EMExited {
			t.Fatalf("after the break: tlp %s phase %s embargo %s", c.TLP, c.Phase, c.Embargo.State)
		}
		e.drain(t)
		if a := e.advisory(t); a.State != advisory.StatePublished {
			t.Fatalf("advisory after the break: %s", a.State)
		}
	})
}

// TestLeadTimeAndStaggeredNotices: a PD closer than the notice period is warned of at
// proposal (API and page); the embargoed notices to downstream parties go out at the
// earliest working moment, one party at a time, not in one burst.
func TestLeadTimeAndStaggeredNotices(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.NewWith(t, d, allowLoopback)
		ctx := context.Background()
		resp := ta.User(authz.RoleResponder)
		rtok := ta.Token(resp)
		ta.Clock.Set(time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC)) // Monday evening, after hours
		var c cases.Case
		ta.API("POST", "/api/v1/cases", rtok, map[string]any{"title": "Heap overflow in decoder"}).Want(t, 201).JSON(t, &c)
		base := "/api/v1/cases/" + c.PublicID
		for _, org := range []string{"Distro A", "Distro B", "Distro C"} {
			u := ta.User(authz.RoleMember)
			ta.API("POST", base+"/participants", rtok, map[string]any{"email": u.Email, "role": "downstream", "organisation": org}).Want(t, 201)
			ta.API("POST", base+"/read-in", ta.Token(u), map[string]any{}).Want(t, 200)
		}
		owner := ta.User(authz.RoleMember)
		ta.API("POST", base+"/participants", rtok, map[string]any{"email": owner.Email, "role": "owner", "organisation": "Upstream"}).Want(t, 201)
		ta.API("POST", base+"/read-in", ta.Token(owner), map[string]any{}).Want(t, 200)
		pd := time.Date(2026, 3, 4, 14, 0, 0, 0, time.UTC) // Wednesday: two working days away
		var er cases.EmbargoResult
		ta.API("POST", base+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.Format(time.RFC3339)}).Want(t, 200).JSON(t, &er)
		warned := strings.Join(er.Embargo.Warnings, " ")
		if !strings.Contains(warned, "5 working days") {
			t.Fatalf("no lead-time warning for a PD two working days away: %q", warned)
		}
		b := ta.Browser()
		b.SignIn(resp)
		if page := b.Get("/cases/" + c.PublicID); !strings.Contains(string(page.Body), "5 working days") {
			t.Fatalf("the case page does not warn of the lead time: %s", page.Body)
		}
		// Far enough: no such warning.
		var c2 cases.Case
		var er2 cases.EmbargoResult
		ta.API("POST", "/api/v1/cases", rtok, map[string]any{"title": "Another"}).Want(t, 201).JSON(t, &c2)
		ta.API("POST", "/api/v1/cases/"+c2.PublicID+"/embargo", rtok, map[string]any{"action": "propose", "public_date": pd.AddDate(0, 0, 21).Format(time.RFC3339)}).Want(t, 200).JSON(t, &er2)
		if strings.Contains(strings.Join(er2.Embargo.Warnings, " "), "working days away") {
			t.Fatalf("lead-time warning for a PD three weeks away: %v", er2.Embargo.Warnings)
		}

		ta.API("POST", base+"/embargo", ta.Token(owner), map[string]any{"action": "accept"}).Want(t, 200) // downstream parties are not required
		if got, _ := ta.App.Cases.Get(ctx, resp.Actor(), c.PublicID); got.Embargo.State != cases.EMActive {
			t.Fatalf("embargo %s, want active", got.Embargo.State)
		}
		notices := func() int {
			ds, err := ta.App.Cases.Deliveries(ctx, resp.Actor(), c.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range ds {
				if strings.HasPrefix(x.Purpose, "case.downstream_notice") {
					n++
				}
			}
			return n
		}
		e := &embargoed{ta: ta}
		e.drain(t)
		if n := notices(); n != 0 {
			t.Fatalf("%d notices sent after hours", n)
		}
		ta.Clock.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) // Tuesday, start of the working day
		e.drain(t)
		if n := notices(); n != 1 {
			t.Fatalf("%d notices at the start of the working day, want the first one only", n)
		}
		ta.Clock.Advance(15 * time.Minute)
		e.drain(t)
		if n := notices(); n != 2 {
			t.Fatalf("%d notices 15 minutes later, want 2", n)
		}
		ta.Clock.Advance(15 * time.Minute)
		e.drain(t)
		if n := notices(); n != 3 {
			t.Fatalf("%d notices 30 minutes later, want all 3", n)
		}
		ta.Clock.Advance(time.Hour)
		e.drain(t)
		if n := notices(); n != 3 {
			t.Fatalf("%d notices: a party got it twice", n)
		}
	})
}

// allowLoopback lets webhooks reach the test receivers on 127.0.0.1, as --outbound-allow does on premises.
var allowLoopback = testapp.Options{Config: func(c *config.Config) { c.OutboundAllow = []string{"127.0.0.1"} }}
