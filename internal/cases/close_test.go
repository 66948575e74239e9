package cases_test

import (
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// Closing a case: refused while its embargo runs, allowed once it has ended early;
// twice is a 409 naming the rule; only coordinators may (the owner gets 403); the
// reason is audited; reopening clears it.
func TestCloseAndReopen(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		e := newEmbargoed(t, d, testapp.Start.AddDate(0, 0, 42))
		ta := e.ta
		base := "/api/v1/cases/" + e.caseID
		if p := ta.API("POST", base+"/close", e.rtok, map[string]any{"reason": "fixed"}).Want(t, 409).Problem(t); !strings.Contains(p.Text(), "embargo") {
			t.Errorf("closing under an active embargo: %s", p.Text())
		}
		ta.API("POST", base+"/early-release", e.rtok, map[string]any{"reason": "fix shipped"}).Want(t, 200)
		ta.API("POST", base+"/close", e.otok, map[string]any{"reason": "fixed"}).Want(t, 403)
		if p := ta.API("POST", base+"/close", e.rtok, map[string]any{"reason": " "}).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "reason") {
			t.Errorf("closing without a reason: %s", p.Text())
		}
		ta.API("POST", base+"/close", e.rtok, map[string]any{"reason": "fixed and disclosed"}).Want(t, 200)
		if c := e.kase(t); c.ClosedAt == nil {
			t.Fatal("closed_at not set")
		}
		ta.API("POST", base+"/close", e.rtok, map[string]any{"reason": "again"}).Want(t, 409)
		evs, err := ta.App.Events.List(t.Context(), d.Read(), e.resp.Actor(), events.Query{Action: "case.closed", Limit: 10})
		if err != nil || len(evs) != 1 || !strings.Contains(string(evs[0].After), "fixed and disclosed") {
			t.Fatalf("case.closed events %v, %v", evs, err)
		}
		ta.API("POST", base+"/reopen", e.rtok, map[string]any{"reason": "regression found"}).Want(t, 200)
		if c := e.kase(t); c.ClosedAt != nil {
			t.Fatal("reopened case still closed")
		}
		ta.API("POST", base+"/reopen", e.rtok, map[string]any{"reason": "again"}).Want(t, 409)
	})
}
