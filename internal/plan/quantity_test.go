package plan

import (
	"fmt"
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }

func eqPtr(a, b *float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		cell      string
		kind      quantityKind
		min, max  *float64
		pgm       *float64
		pgmHours  bool
		exclusive bool
		approx    bool
		unit      string
		problem   string // substring of the warning; "" for none
	}{
		{cell: "4-5", min: f(4), max: f(5)},
		{cell: " 10 ", min: f(10), max: f(10)},
		{cell: "4 – 5", min: f(4), max: f(5)},
		{cell: "5 to 3", min: f(3), max: f(5)},
		{cell: "1,000", min: f(1000), max: f(1000)},
		{cell: "2.5", min: f(2.5), max: f(2.5)},
		{cell: ">3", min: f(3), exclusive: true},
		{cell: ">=3", min: f(3)},
		{cell: "3+", min: f(3)},
		{cell: "<5", max: f(5)},
		{cell: "~5", min: f(5), max: f(5), approx: true},
		{cell: "approx. 5-6", min: f(5), max: f(6), approx: true},
		{cell: "1PgM", pgm: f(1)},
		{cell: "4-5 + 1PgM", min: f(4), max: f(5), pgm: f(1)},
		{cell: "2 + 1PgM", min: f(2), max: f(2), pgm: f(1)},
		{cell: "2 + 3", min: f(5), max: f(5)},
		{cell: "5-10 PgM", kind: hoursColumn, min: f(5), max: f(10), pgmHours: true},
		{cell: "20 PgM", kind: hoursColumn, min: f(20), max: f(20), pgmHours: true},
		{cell: "20hrs", kind: hoursColumn, min: f(20), max: f(20)},
		// A count of something else than people is kept as text (issue 15).
		{cell: "4-5 tools", unit: "tools", problem: "counts tools, not volunteers"},
		{cell: "3 meetings", kind: hoursColumn, unit: "meetings", problem: "counts meetings, not hours"},
		{cell: "2 days", kind: hoursColumn, unit: "days", problem: "counts days, not hours"},
		{cell: "4-5 volunteers + 1PgM", min: f(4), max: f(5), pgm: f(1)},
		{cell: "4 volunteers", min: f(4), max: f(4)},
		{cell: "4-5 tools x 2hrs each", kind: hoursColumn, min: f(8), max: f(10)},
		{cell: "3 × 4", kind: hoursColumn, min: f(12), max: f(12)},
		{cell: "**8**", min: f(8), max: f(8)},
		{cell: "unk"},
		{cell: "Unknown"},
		{cell: "TBD"},
		{cell: "?"},
		{cell: "-"},
		{cell: "", problem: "is empty"},
		{cell: "lots", problem: "cannot be read"},
		{cell: "4-5 apples and pears", problem: "cannot be read"},
		{cell: "1PgM x 2", problem: "cannot be read"},
	} {
		r, problem := parseRange(tc.cell, tc.kind)
		if tc.problem == "" && problem != "" || tc.problem != "" && !strings.Contains(problem, tc.problem) {
			t.Errorf("parseRange(%q) problem %q, want %q", tc.cell, problem, tc.problem)
		}
		if !eqPtr(r.Min, tc.min) || !eqPtr(r.Max, tc.max) || !eqPtr(r.PgM, tc.pgm) || r.PgMHours != tc.pgmHours ||
			r.MinExclusive != tc.exclusive || r.Approx != tc.approx || r.Unit != tc.unit {
			t.Errorf("parseRange(%q) = %s", tc.cell, showRange(r))
		}
		if r.Text != strings.TrimSpace(tc.cell) {
			t.Errorf("parseRange(%q) text %q, want the cell as written", tc.cell, r.Text)
		}
	}
}

func TestParseStage(t *testing.T) {
	for _, tc := range []struct {
		cell, stage, marker string
		ok                  bool
	}{
		{"➡️ Y1", "Y1", "starts", true},
		{"➡ Y1", "Y1", "starts", true},
		{":arrow_right: Y2", "Y2", "starts", true},
		{"🔚 Y1", "Y1", "ends", true},
		{"Y2", "Y2", "", true},
		{"y3", "Y3", "", true},
		{"Year 2", "Y2", "", true},
		{"Y2+", "Y2", "onward", true},
		{"**Y1**", "Y1", "", true},
		{"Q3", "", "", false},
		{"", "", "", false},
		{"➡️", "", "starts", false},
		{"Y1-Y2", "", "", false},
	} {
		stage, marker, ok := parseStage(tc.cell)
		if stage != tc.stage || marker != tc.marker || ok != tc.ok {
			t.Errorf("parseStage(%q) = %q, %q, %v; want %q, %q, %v", tc.cell, stage, marker, ok, tc.stage, tc.marker, tc.ok)
		}
	}
}

func TestExtractDurations(t *testing.T) {
	type dur struct {
		text, unit         string
		daysMin, daysMax   *float64
		hoursMin, hoursMax *float64
		phrase             string
	}
	for _, tc := range []struct {
		in   string
		want []dur
	}{
		{"Approx. 1 month of survey development, 2 weeks for coordination", []dur{
			{"1 month", "month", f(30), f(30), nil, nil, "Approx. 1 month of survey development"},
			{"2 weeks", "week", f(14), f(14), nil, nil, "2 weeks for coordination"},
		}},
		{"3 weeks to solicit feedback 2 months of analysis", []dur{
			{"3 weeks", "week", f(21), f(21), nil, nil, "3 weeks to solicit feedback"},
			{"2 months", "month", f(60), f(60), nil, nil, "2 months of analysis"},
		}},
		{"training - 2-3 weeks", []dur{{"2-3 weeks", "week", f(14), f(21), nil, nil, "training - 2-3 weeks"}}},
		{"4-6 hrs per SIRT member", []dur{{"4-6 hrs", "hour", nil, nil, f(4), f(6), "4-6 hrs per SIRT member"}}},
		{"20hrs/tool", []dur{{"20hrs", "hour", nil, nil, f(20), f(20), "20hrs/tool"}}},
		{"about 1 meeting", []dur{{"1 meeting", "meeting", nil, nil, nil, nil, "about 1 meeting"}}},
		{"a year, two days", []dur{
			{"a year", "year", f(365), f(365), nil, nil, "a year"},
			{"two days", "day", f(2), f(2), nil, nil, "two days"},
		}},
		{"bi-weekly check-ins at 2pm, year 1, Y2", nil},
		{"", nil},
	} {
		got := extractDurations(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("extractDurations(%q) = %+v, want %d durations", tc.in, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			g := got[i]
			var dmin, dmax, hmin, hmax *float64
			if g.Days != nil {
				dmin, dmax = g.Days.Min, g.Days.Max
			}
			if g.Hours != nil {
				hmin, hmax = g.Hours.Min, g.Hours.Max
			}
			if g.Text != w.text || g.Unit != w.unit || g.Phrase != w.phrase || !eqPtr(dmin, w.daysMin) || !eqPtr(dmax, w.daysMax) ||
				!eqPtr(hmin, w.hoursMin) || !eqPtr(hmax, w.hoursMax) {
				t.Errorf("extractDurations(%q)[%d] = %+v days %s hours %s, want %+v", tc.in, i, g, showRange(g.Days), showRange(g.Hours), w)
			}
		}
	}
}

func TestParseCost(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok       bool
		amount   *float64
		currency string
		period   string
		fte      *float64
	}{
		{"1 FTE $300k per annum", true, f(300000), "USD", "year", f(1)},
		{"$1,200 per month for hosting", true, f(1200), "USD", "month", nil},
		{"€2.5m", true, f(2.5e6), "EUR", "", nil},
		{"5000 USD annually", true, f(5000), "USD", "year", nil},
		{"0.5 FTEs", true, nil, "", "", f(0.5)},
		{"No estimate available at this time for tooling costs", false, nil, "", "", nil},
	} {
		c, ok := parseCost(tc.in)
		if ok != tc.ok || !eqPtr(c.Amount, tc.amount) || c.Currency != tc.currency || c.Period != tc.period || !eqPtr(c.FTE, tc.fte) {
			t.Errorf("parseCost(%q) = %+v, %v", tc.in, c, ok)
		}
	}
}

func TestExtractIssues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Issue
	}{
		{"Discovery: https://github.com/ossf/SIRT/issues/9", []Issue{{Number: 9, Repo: "ossf/SIRT", URL: "https://github.com/ossf/SIRT/issues/9"}}},
		{"issue[16](https://github.com/ossf/SIRT/issues/16)", []Issue{{Number: 16, Repo: "ossf/SIRT", URL: "https://github.com/ossf/SIRT/issues/16"}}},
		{"see #16 and (#17)", []Issue{{Number: 16}, {Number: 17}}},
		{"[tracker](../issues/21)", []Issue{{Number: 21}}},
		{"https://github.com/o/r/pull/3 and #3", []Issue{{Number: 3, Repo: "o/r", URL: "https://github.com/o/r/pull/3"}}},
		{"[2.1](https://example.org/plan.md#21---identify) and issue# and # of incidents", nil},
		{"issue1 - placeholder", nil},
	} {
		got := extractIssues(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("extractIssues(%q) = %+v, want %+v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("extractIssues(%q)[%d] = %+v, want %+v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

func TestExtractDependencies(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // section:status,…
	}{
		{"dependent on :x: [2.1](https://x/2.0%20Identify.md#21---a) as it", "2.1:open"},
		{"Depends on 2.1", "2.1:"},
		{"Dependent upon 2.1, 2.3 and 2.4.", "2.1:,2.3:,2.4:"},
		{"depending on :x: [2.3](u) and :x: [2.1](u)", "2.3:open,2.1:open"},
		{"✅ [1.2](u) is done", "1.2:done"},
		{"blocked by 3.3", "3.3:"},
		{"contingent on section 2.2", "2.2:"},
		{"Contingent on lists from Stream 2 & 3", ""},
		// Cross-references in prose (issue 15).
		{"Per [2.3](u) select candidates", "2.3:"},
		{"Follow 3.2 M3-M5 periodically", "3.2:[M3 M4 M5]"},
		{"Per [2.2M10](u) and [2.3](u) create draft", "2.2:[M10],2.3:"},
		{"Per [2.2M6](u) and [3.3]() train initial cohort", "2.2:[M6],3.3:"},
		{"Train OSS-SIRT PgM (3.6 below) in key metrics", "3.6:"},
		{"as described in 1.4 above", "1.4:"},
		{"Dependencies: 2.1, 2.3 and ✅ 2.4", "2.1:,2.3:,2.4:done"},
		{"**Depends on**: [2.1](u), [2.3](u)", "2.1:,2.3:"},
		{"Prerequisites - 1.1 Identify the problem space; 1.3 Assist maintainers", "1.1:,1.3:"},
		{"requires 2.2 and sections 2.4, 2.5", "2.2:,2.4:,2.5:"},
		{"see section 4.1 and 4.2", "4.1:,4.2:"},
		{"after :x: [2.1](u), see 3.1M2", "2.1:open,3.1:[M2]"},
		// Quantities are not sections.
		{"needs 1.5 hours per week", ""},
		{"Requires 2.5 FTE and 1.5 volunteers", ""},
		{"see v1.2 of the guide", ""},
		{"Dependencies: 2.5 hours of review", ""},
		{"Per 4-5 tools", ""},
	} {
		var parts []string
		for _, d := range extractDependencies(tc.in) {
			part := d.section + ":" + d.status
			if len(d.milestones) > 0 {
				part += fmt.Sprint(d.milestones)
			}
			parts = append(parts, part)
		}
		if got := strings.Join(parts, ","); got != tc.want {
			t.Errorf("extractDependencies(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMilestoneHead(t *testing.T) {
	for _, tc := range []struct {
		in, id, title string
		refs          string
		ok            bool
	}{
		{"**M1**: _Tech stack selection_", "M1", "_Tech stack selection_", "", true},
		{"**M1[^1]**: Title", "M1", "Title", "1", true},
		{"**M2**[^2]: Title", "M2", "Title", "2", true},
		{"**M1:** Title", "M1", "Title", "", true},
		{"M1a: Survey", "M1a", "Survey", "", true},
		{"M1B: Upper letter", "M1b", "Upper letter", "", true},
		{"M2 - Deploy", "M2", "Deploy", "", true},
		{"Milestone 3 - Report", "M3", "Report", "", true},
		{"**M4**", "M4", "", "", true},
		{"M3-M5 periodically", "", "", "", false},
		{"M3 is late", "", "", "", false},
		{"Mentoring: start", "", "", "", false},
	} {
		id, refs, title, ok := milestoneHead(tc.in)
		if id != tc.id || title != tc.title || strings.Join(refs, ",") != tc.refs || ok != tc.ok {
			t.Errorf("milestoneHead(%q) = %q, %q, %q, %v", tc.in, id, refs, title, ok)
		}
	}
}

func TestSimilarity(t *testing.T) {
	for _, tc := range []struct {
		a, b     string
		min, max float64
	}{
		{"Create OSS-SIRT job description", "Create OSS-SIRT job description", 1, 1},
		{"Create OSS-SIRT job description", "create the OSS-SIRT job description", 0.8, 1},
		{"Review OSS-SIRT job description", "Create OSS-SIRT job description", 0.6, 0.7},
		{"Hire PgM", "Train volunteers", 0, 0},
		{"**Survey** [maintainers](https://x/y)", "Survey maintainers", 1, 1},
		{"", "", 1, 1},
		{"...", "", 0, 0},
	} {
		if s := Similarity(tc.a, tc.b); s < tc.min || s > tc.max {
			t.Errorf("Similarity(%q, %q) = %.2f, want %.2f..%.2f", tc.a, tc.b, s, tc.min, tc.max)
		}
	}
}
