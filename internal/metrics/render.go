package metrics

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/engagements"
)

func fmtPtr(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmtNum(*v)
}

func pct(v float64) string { return fmtNum(v*100) + " %" }

func unitLabel(u string) string { return strings.ReplaceAll(u, "_", " ") }

// Title is the report's heading.
func (r *Report) Title() string {
	kind := "Quarterly"
	if !strings.Contains(r.Period.Name, "Q") {
		kind = "Annual"
	}
	return fmt.Sprintf("%s report to the TAC: %s %s", kind, r.Team, r.Period.Name)
}

// ChartURL is where chart i (1-based) of the report is served.
func ChartURL(base, period string, i int) string {
	return fmt.Sprintf("%s/tac/%s/chart-%d.svg", strings.TrimRight(base, "/"), period, i)
}

// Markdown renders the report; charts are images served at chart URLs under base
// (none when base is empty: the PDF lists the chart data instead).
func (r *Report) Markdown(base string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# %s\n\n", r.Title())
	w("Period %s to %s. ", r.Period.From.Format(time.DateOnly), r.Period.To.AddDate(0, 0, -1).Format(time.DateOnly))
	if r.Closed {
		w("Snapshot taken %s.\n\n", r.Generated.Format(time.RFC3339))
	} else {
		w("The period is still running; figures as of %s.\n\n", r.Generated.Format(time.RFC3339))
	}
	w("## Summary\n\n")
	w("- Reports received: %d\n- Cases opened: %d, closed: %d, open at the end: %d\n- Embargo breaks: %d\n",
		r.Volumes.Received, r.Volumes.CasesOpened, r.Volumes.CasesClosed, r.Volumes.CasesOpenEnd, r.Volumes.EmbargoBreaks)
	for _, x := range r.SLIs {
		if x.SLO != nil {
			w("- %s: %s within %s %s (objective %s)\n", x.Name, pct(x.SLO.Compliance), fmtNum(x.SLO.TargetDays), unitLabel(x.Unit), pct(x.SLO.Objective))
		}
	}
	w("\n## Service level indicators and objectives\n\n")
	w("| Indicator | Unit | n | p50 | p90 | Open | SLO target | Compliance | Error budget left | Breaches |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.SLIs {
		target, comp, budget := "–", "–", "–"
		if x.SLO != nil {
			target = fmt.Sprintf("%s in %s", fmtNum(x.SLO.TargetDays), pct(x.SLO.Objective))
			comp, budget = pct(x.SLO.Compliance), pct(x.SLO.ErrorBudget)
		}
		p50 := fmtPtr(x.P50)
		if x.Unit == UnitShare {
			p50 = fmtPtr(x.Value)
		}
		w("| %s | %s | %d | %s | %s | %d | %s | %s | %s | %d |\n", x.Name, unitLabel(x.Unit), x.N, p50, fmtPtr(x.P90), x.Open, target, comp, budget, x.Breaches)
	}
	w("\n## Volumes\n\n")
	for _, sec := range []struct {
		name string
		cs   []Count
	}{{"Reports by outcome", r.Volumes.ByOutcome}, {"Reports by ecosystem", r.Volumes.ByEcosystem},
		{"Reports by severity", r.Volumes.BySeverity}, {"Reports by channel", r.Volumes.ByChannel}} {
		w("### %s\n\n", sec.name)
		table(&b, sec.cs, "reports")
	}
	w("## Notable cases\n\nCases that became public in the period (embargoed cases are never named).\n\n")
	if len(r.Notable) == 0 {
		w("None.\n\n")
	}
	for _, n := range r.Notable {
		w("- %s: %s (public %s)\n", n.Ref, n.Title, n.Public.Format(time.DateOnly))
	}
	if len(r.Notable) > 0 {
		w("\n")
	}
	w("## Engagements\n\n")
	table(&b, r.Engagements, "engagements")
	w("## Volunteer programme\n\nSpot-checks due in the period: %d, done: %d.\n\n", r.SpotDue, r.SpotDone)
	w("### Volunteer hours by activity\n\n")
	table(&b, r.Hours, "hours")
	w("## Notifications\n\n")
	table(&b, r.Notifications, "messages")
	w("## Charts\n\n")
	for i, c := range r.Charts {
		if base != "" {
			w("![%s](%s)\n\n", c.Title, ChartURL(base, r.Period.Name, i+1))
		}
		w("%s\n\n", c.Summary())
	}
	return b.String()
}

func table(b *strings.Builder, cs []Count, unit string) {
	if len(cs) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	fmt.Fprintf(b, "| | %s |\n|---|---|\n", unit)
	for _, c := range cs {
		fmt.Fprintf(b, "| %s | %s |\n", c.Label, fmtNum(c.N))
	}
	b.WriteString("\n")
}

// CSV renders the report's numbers as section,key,value rows.
func (r *Report) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(rec ...string) { _ = w.Write(rec) } // writes to a buffer cannot fail
	row("section", "key", "value")
	row("period", "name", r.Period.Name)
	row("period", "closed", strconv.FormatBool(r.Closed))
	for _, x := range r.SLIs {
		row("sli."+x.Key, "unit", x.Unit)
		row("sli."+x.Key, "n", strconv.Itoa(x.N))
		row("sli."+x.Key, "p50", fmtPtr(x.P50))
		row("sli."+x.Key, "p90", fmtPtr(x.P90))
		if x.Value != nil {
			row("sli."+x.Key, "value", fmtNum(*x.Value))
		}
		row("sli."+x.Key, "open", strconv.Itoa(x.Open))
		row("sli."+x.Key, "breaches", strconv.Itoa(x.Breaches))
		if x.SLO != nil {
			row("sli."+x.Key, "slo_target", fmtNum(x.SLO.TargetDays))
			row("sli."+x.Key, "slo_objective", fmtNum(x.SLO.Objective))
			row("sli."+x.Key, "slo_compliance", fmtNum(x.SLO.Compliance))
			row("sli."+x.Key, "error_budget", fmtNum(x.SLO.ErrorBudget))
		}
	}
	v := r.Volumes
	row("volumes", "received", strconv.Itoa(v.Received))
	row("volumes", "cases_opened", strconv.Itoa(v.CasesOpened))
	row("volumes", "cases_closed", strconv.Itoa(v.CasesClosed))
	row("volumes", "cases_open_at_end", strconv.Itoa(v.CasesOpenEnd))
	row("volumes", "embargo_breaks", strconv.Itoa(v.EmbargoBreaks))
	for _, sec := range []struct {
		name string
		cs   []Count
	}{{"reports_by_outcome", v.ByOutcome}, {"reports_by_ecosystem", v.ByEcosystem}, {"reports_by_severity", v.BySeverity},
		{"reports_by_channel", v.ByChannel}, {"engagements_by_status", r.Engagements}, {"volunteer_hours_by_activity", r.Hours},
		{"notifications_by_state", r.Notifications}} {
		for _, c := range sec.cs {
			row(sec.name, c.Label, fmtNum(c.N))
		}
	}
	row("programme", "spot_checks_due", strconv.Itoa(r.SpotDue))
	row("programme", "spot_checks_done", strconv.Itoa(r.SpotDone))
	w.Flush()
	return buf.Bytes()
}

// PDF renders the report's Markdown (chart data as text) as a PDF.
func (r *Report) PDF(base string) ([]byte, error) {
	return engagements.MarkdownPDF(r.Markdown(""), base)
}

var htmlTmpl = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="/static/sirt.css"></head>
<body><main class="report">
<h1>{{.Title}}</h1>
<p>{{.Intro}}</p>
<p><a href="{{.Base}}.md">Markdown</a> · <a href="{{.Base}}.pdf">PDF</a> · <a href="{{.Base}}.csv">CSV data</a></p>
<h2>Service level indicators and objectives</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Indicator</th><th scope="col">Unit</th><th scope="col">n</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">Open</th><th scope="col">SLO</th><th scope="col">Compliance</th><th scope="col">Error budget left</th><th scope="col">Breaches</th></tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
<h2>Charts</h2>
{{range .Charts}}<figure>{{.}}</figure>
{{end}}
<h2>Volumes, cases and programme</h2>
{{range .Sections}}<h3>{{.Name}}</h3>{{if .Counts}}<table><tbody>{{range .Counts}}<tr><th scope="row">{{.Label}}</th><td>{{.N}}</td></tr>{{end}}</tbody></table>{{else}}<p>None.</p>{{end}}
{{end}}
<h2>Notable cases</h2>
<p>Cases that became public in the period (embargoed cases are never named).</p>
{{if .Notable}}<ul>{{range .Notable}}<li>{{.Ref}}: {{.Title}} (public {{.Public.Format "2006-01-02"}})</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
</main></body></html>
`))

type htmlCount struct {
	Label string
	N     string
}

// HTML renders the report as a standalone page with inline SVG charts.
func (r *Report) HTML() ([]byte, error) {
	var rows [][]string
	for _, x := range r.SLIs {
		target, comp, budget := "–", "–", "–"
		if x.SLO != nil {
			target = fmt.Sprintf("%s in %s", fmtNum(x.SLO.TargetDays), pct(x.SLO.Objective))
			comp, budget = pct(x.SLO.Compliance), pct(x.SLO.ErrorBudget)
		}
		p50 := fmtPtr(x.P50)
		if x.Unit == UnitShare {
			p50 = fmtPtr(x.Value)
		}
		rows = append(rows, []string{x.Name, unitLabel(x.Unit), strconv.Itoa(x.N), p50, fmtPtr(x.P90), strconv.Itoa(x.Open), target, comp, budget, strconv.Itoa(x.Breaches)})
	}
	conv := func(cs []Count) []htmlCount {
		var out []htmlCount
		for _, c := range cs {
			out = append(out, htmlCount{c.Label, fmtNum(c.N)})
		}
		return out
	}
	v := r.Volumes
	type section struct {
		Name   string
		Counts []htmlCount
	}
	secs := []section{
		{"Summary", conv([]Count{{"Reports received", float64(v.Received)}, {"Cases opened", float64(v.CasesOpened)}, {"Cases closed", float64(v.CasesClosed)},
			{"Cases open at the end", float64(v.CasesOpenEnd)}, {"Embargo breaks", float64(v.EmbargoBreaks)},
			{"Spot-checks due", float64(r.SpotDue)}, {"Spot-checks done", float64(r.SpotDone)}})},
		{"Reports by outcome", conv(v.ByOutcome)}, {"Reports by ecosystem", conv(v.ByEcosystem)}, {"Reports by severity", conv(v.BySeverity)},
		{"Reports by channel", conv(v.ByChannel)}, {"Engagements by status", conv(r.Engagements)}, {"Volunteer hours by activity", conv(r.Hours)},
		{"Notifications by state", conv(r.Notifications)},
	}
	var charts []template.HTML
	for _, c := range r.Charts {
		charts = append(charts, template.HTML(c.SVG())) // built from escaped text
	}
	intro := fmt.Sprintf("Period %s to %s. ", r.Period.From.Format(time.DateOnly), r.Period.To.AddDate(0, 0, -1).Format(time.DateOnly))
	if r.Closed {
		intro += "Snapshot taken " + r.Generated.Format(time.RFC3339) + "."
	} else {
		intro += "The period is still running; figures as of " + r.Generated.Format(time.RFC3339) + "."
	}
	var buf bytes.Buffer
	err := htmlTmpl.Execute(&buf, map[string]any{"Title": r.Title(), "Intro": intro, "Base": "/tac/" + r.Period.Name, "Rows": rows,
		"Charts": charts, "Sections": secs, "Notable": r.Notable})
	return buf.Bytes(), err
}
