package metrics_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/metrics"
	"github.com/oss-sirt/sirt/internal/testapp"
)

var triage = map[string]any{"decision_points": map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "U", "U": "S", "PSI": "S"},
	"rationale": "Critical."}

// Reports filed and triaged through the API show up in the SLIs (staff only), the
// dashboard, the reports to the TAC (programme manager) and, as suppressed aggregates
// without any id, on the public transparency page.
func TestMetricsOverHTTP(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp, pgm, member := ta.User(authz.RoleResponder), ta.User(authz.RolePgM), ta.User(authz.RoleMember)
		tr, tp, tm := ta.Token(resp), ta.Token(pgm), ta.Token(member)
		var ids []string
		for i := range 6 {
			var out struct{ ID string }
			ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": fmt.Sprintf("Report %d: SSRF", i), "details": "Fetches any URL.",
				"affected": []any{map[string]any{"package": map[string]string{"ecosystem": "npm", "name": fmt.Sprintf("pkg%d", i)}}}}).Want(t, 201).JSON(t, &out)
			ids = append(ids, out.ID)
		}
		ta.Clock.Advance(26 * time.Hour) // Tuesday 11:00: 1.08 business days after filing
		for _, id := range ids[:4] {
			ta.API("POST", "/api/v1/reports/"+id+"/triage", tr, triage).Want(t, 200, 201)
		}
		q := "/api/v1/metrics/slis?from=2026-03-01&to=2026-03-31"
		ta.API("GET", q, tm, nil).Want(t, 404)
		ta.API("GET", q, "", nil).Want(t, 401)
		if p := ta.API("GET", "/api/v1/metrics/slis?from=2026-13-01&to=2026-03-31", tr, nil).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "from") {
			t.Errorf("bad date: %s", p.Text())
		}
		var slis []metrics.SLI
		ta.API("GET", q, tr, nil).Want(t, 200).JSON(t, &slis)
		if slis[1].Key != "time_to_triage" || slis[1].N != 4 || slis[1].P50 == nil || *slis[1].P50 != 1.08 {
			t.Errorf("time to triage: %+v", slis[1])
		}
		// Acknowledged by the triage (a person): 4 of 6 so far, the others not yet due.
		if a := slis[0]; a.N != 4 || a.Open != 2 || a.SLO == nil || a.SLO.Compliance != 1 || a.SLO.Evaluated != 4 {
			t.Errorf("time to acknowledge: %+v %+v", a, a.SLO)
		}
		ta.API("PUT", "/api/v1/metrics/slos/time_to_triage", tr, map[string]any{"target": 1, "objective": 0.9}).Want(t, 404)
		ta.API("PUT", "/api/v1/metrics/slos/time_to_triage", tp, map[string]any{"target": 1, "objective": 2}).Want(t, 422)
		ta.API("PUT", "/api/v1/metrics/slos/time_to_triage", tp, map[string]any{"target": 1, "objective": 0.9}).Want(t, 200)

		b := ta.Browser()
		b.SignIn(resp)
		r := b.Get("/staff/metrics").Want(t, 200)
		for _, want := range []string{"<svg", "<title", "<desc", "Time to acknowledge", "/staff/metrics/slis/time_to_triage?from=2026-01-01"} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		r = b.Get("/staff/metrics/slis/time_to_triage?from=2026-03-01&to=2026-03-31").Want(t, 200)
		if !strings.Contains(string(r.Body), ids[0]) || !strings.Contains(string(r.Body), "report.triaged") {
			t.Errorf("drill-down lacks the items or the definition")
		}
		b.Get("/tac/2026-Q1.html").Want(t, 404)
		bm := ta.Browser()
		bm.SignIn(member)
		bm.Get("/staff/metrics").Want(t, 404)
		bm.Get("/tac/2026-Q1.md").Want(t, 404)
		bp := ta.Browser()
		bp.SignIn(pgm)
		for _, f := range []string{"2026-Q1.html", "2026-Q1.md", "2026-Q1.csv", "2026-Q1.pdf", "2026.html", "2026-Q1/chart-1.svg"} {
			bp.Get("/tac/"+f).Want(t, 200)
		}
		bp.Get("/tac/2026-Q3.html").Want(t, 404) // not started
		bp.Get("/tac/2026-Q5.html").Want(t, 404)

		// Public: 6 received is shown; 4 coordinated and 2 untriaged are below 5 and suppressed.
		r = ta.Browser().Get("/transparency").Want(t, 200)
		page := string(r.Body)
		if !strings.Contains(page, "<td>6</td>") {
			t.Errorf("transparency does not show the 6 reports: %.3000s", page)
		}
		if strings.Contains(page, "<td>4</td>") || !strings.Contains(page, "fewer than") {
			t.Errorf("transparency shows a count below the threshold")
		}
		for _, id := range ids {
			if strings.Contains(page, id) {
				t.Errorf("transparency names %s", id)
			}
		}
	})
}

// The server's /metrics carries the outbox by state and the SLA clocks.
func TestPrometheusCollector(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": "Late one", "details": "x"}).Want(t, 201)
		ta.Clock.Advance(11*24*time.Hour + 3*time.Hour) // Fri 13 Mar 12:00: ack (2 business days) breached, assessment (Mon 16 Mar 09:00) due within one
		body := string(ta.Browser().Get("/metrics").Want(t, 200).Body)
		for _, want := range []string{`sirt_sla_clock_reports{clock="acknowledge",status="breached"} 1`,
			`sirt_sla_clock_reports{clock="assessment",status="near_breach"} 1`, `sirt_outbox_messages{state="failed"} 0`, "sirt_jobs_queue_depth"} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}
