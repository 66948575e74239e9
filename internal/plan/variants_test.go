package plan

import (
	"strings"
	"testing"
)

// Behaviour checks for the constructs of issue 15, on the test plans under
// testdata/plans (their whole readings are in the golden files).

func TestVariantCrossReferences(t *testing.T) {
	d, src := parseFile(t, "testdata/plans/crossrefs.md")
	s81 := mustSection(t, d, "8.1")
	if got := strings.Join(s81.DependsOn, ","); got != "2.1,2.3,2.4,1.1,2.2,8.3,8.2,3.3" {
		t.Errorf("8.1 depends on %s", got)
	}
	var m10, rota bool
	for _, dep := range s81.Dependencies {
		switch {
		case dep.Section == "2.4" && dep.Status != "done":
			t.Errorf("✅ 2.4 in a Dependencies line should be done: %+v", dep)
		case dep.Section == "2.2":
			m10 = dep.Milestone == "M1" && strings.Join(dep.Milestones, ",") == "M10" && dep.Line == lineOf(t, src, "[2.2M10]")
		case dep.Section == "8.2":
			rota = dep.Milestone == "M2" && strings.Join(dep.Milestones, ",") == "M3,M4,M5"
		}
	}
	if !m10 || !rota {
		t.Errorf("[2.2M10] and \"Follow 8.2 M3-M5\" should name their milestones: %+v", s81.Dependencies)
	}
	if m3 := mustMilestone(t, s81, "M3"); strings.Join(m3.After, ",") != "M1,M2" || len(m3.DependsOn) != 0 {
		t.Errorf("\"Follow 8.1 M1-M2\" inside 8.1: after %v depends %v", m3.After, m3.DependsOn)
	}
	if got := strings.Join(mustSection(t, d, "8.2").DependsOn, ","); got != "8.1,1.2" {
		t.Errorf("8.2 depends on %s (8.0 above is its parent; 2.5 FTE is a quantity)", got)
	}
	if got := strings.Join(mustSection(t, d, "8.3").DependsOn, ","); got != "7.1,6.2,6.4,6.5" {
		t.Errorf("8.3 depends on %s", got)
	}
}

func TestVariantPlainBulletMilestones(t *testing.T) {
	d, src := parseFile(t, "testdata/plans/plain_milestones.md")
	s := mustSection(t, d, "9.1")
	if len(s.Milestones) != 3 || len(s.Tasks) != 0 {
		t.Fatalf("9.1 milestones %d section tasks %d, want 3 plain-bullet milestones and no loose tasks", len(s.Milestones), len(s.Tasks))
	}
	k1, k2, k3 := s.Milestones[0], s.Milestones[1], s.Milestones[2]
	if k1.ID != "K1" || !k1.GeneratedID || k1.Title != "Set up the tracker" || len(k1.Tasks) != 2 || !k1.Tasks[0].Tasks[0].Done {
		t.Errorf("K1 %+v", k1)
	}
	// Checkboxes at any depth under the plain bullet belong to it.
	if k2.Title != "Run a pilot" || len(k2.Tasks) != 2 || k2.Tasks[0].Tasks[0].Tasks[0].Line != lineOf(t, src, "Onboard two maintainers") {
		t.Errorf("K2 %+v", k2)
	}
	if k3.Title != "Numbered milestone" || len(k3.Tasks) != 1 {
		t.Errorf("K3 %+v", k3)
	}
	if !strings.Contains(s.Text, "A plain bullet with no checkbox under it stays text") {
		t.Errorf("a plain bullet without checkboxes should stay text: %q", s.Text)
	}
	s92 := mustSection(t, d, "9.2")
	if len(s92.Milestones) != 3 || s92.Milestones[1].ID != "K1" || len(s92.Milestones[1].Tasks) != 1 {
		t.Errorf("9.2 milestones %+v", s92.Milestones)
	}
	if len(d.Warnings) != 0 {
		t.Errorf("warnings %+v, want none", d.Warnings)
	}
}

func TestVariantStageTotals(t *testing.T) {
	d, _ := parseFile(t, "testdata/plans/stage_totals.md")
	for _, tc := range []struct {
		section string
		want    string // hours@stage marker, …
	}{
		{"10.1", "10-10@Y1,26-26@Y2onward"},
		{"10.2", "8-10@Y1,6-6@Y2"},
		{"10.3", "40-40@Y1,35-35@Y2onward"},
		{"10.4", "12-12@Y1,68-83@Y1,56-68@Y2"},
	} {
		var got []string
		for _, x := range mustSection(t, d, tc.section).TotalHours {
			got = append(got, span2(x.Hours)+"@"+x.Stage+x.StageMarker)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s totals %v, want %s", tc.section, got, tc.want)
		}
	}
	// Per-stage totals that agree with their rows are not warned about (10.1, 10.2);
	// 35 for Y2+ against one row of 30 is.
	for _, w := range d.Warnings {
		if strings.Contains(w.Message, "10.1") || strings.Contains(w.Message, "10.2") {
			t.Errorf("unexpected warning %+v", w)
		}
	}
	wantWarning(t, d, 36, "Y2+ rows of section 10.3 (line 34), which add up to 30 hours")
	wantWarning(t, d, 46, "names stage Y3 without a number")
}

func span2(r *Range) string {
	if !bounded(r) {
		return "?"
	}
	return num(*r.Min) + "-" + num(*r.Max)
}

func TestVariantUnits(t *testing.T) {
	d, _ := parseFile(t, "testdata/plans/units.md")
	s := mustSection(t, d, "11.1")
	if v := mustMilestone(t, s, "M1").Estimate.Volunteers; v.Known() || v.Unit != "tools" {
		t.Errorf("4-5 tools %s, want no volunteer count", showRange(v))
	}
	if v := mustMilestone(t, s, "M2").Estimate.IndividualHours; v.Known() || v.Unit != "meetings" {
		t.Errorf("2 meetings %s, want no hours", showRange(v))
	}
	e3 := mustMilestone(t, s, "M3").Estimate
	wantRange(t, "2 volunteers + 1PgM", e3.Volunteers, 2, 2)
	wantRange(t, "4-5 tools x 2hrs each", e3.IndividualHours, 8, 10)
	wantWarning(t, d, 10, "counts tools, not volunteers")
	wantWarning(t, d, 11, "counts meetings, not hours")
	wantWarning(t, d, 14, "counts weeks, not hours")
}

func TestVariantMislabelledRows(t *testing.T) {
	d, _ := parseFile(t, "testdata/plans/mislabelled.md")
	s := mustSection(t, d, "12.1")
	var lo, hi float64
	for _, m := range s.Milestones {
		if m.Estimate == nil {
			t.Fatalf("12.1 %s has no estimate; every row should count", m.ID)
		}
		lo += *m.Estimate.TotalHours.Min
		hi += *m.Estimate.TotalHours.Max
	}
	if lo != 57 || hi != 57 {
		t.Errorf("12.1 milestones' hours add to %v-%v, want 57 (8 + 5 + 24 + 20)", lo, hi)
	}
	for _, w := range d.Warnings {
		if w.Line == 16 {
			t.Errorf("the total 57 agrees with the rows: %+v", w)
		}
	}
	wantWarning(t, d, 13, "is read as the row of M3, the 3rd milestone")
	wantWarning(t, d, 14, "is read as the row of M4, the 4th milestone")
	if e := mustMilestone(t, mustSection(t, d, "12.2"), "M2").Estimate; e == nil || e.ReadAs != "M2" || e.Milestone != "M7" {
		t.Errorf("12.2 M2 estimate %+v, want the M7 row read as M2", e)
	}
	wantWarning(t, d, 25, "matches no milestone of section 12.2; it is read as the row of M2")
	// No unclaimed milestone in the row's place: kept apart, as before.
	s123 := mustSection(t, d, "12.3")
	if mustMilestone(t, s123, "M1").Estimate != nil {
		t.Errorf("12.3 M1 should get no row: M2's place holds the second M2 row")
	}
	wantWarning(t, d, 34, "already has an estimate")
	wantWarning(t, d, 35, "kept in the section's estimates only")
}

func TestVariantArithmetic(t *testing.T) {
	d, _ := parseFile(t, "testdata/plans/arithmetic.md")
	wantWarning(t, d, 13, "2-4 volunteers × 2 hours each is 4-8 hours, but its Estimated Total Hours cell says 8-10")
	wantWarning(t, d, 29, `Total hours "40-44" on line 29 do not match the estimate rows of section 13.2 (lines 26-27), which add up to 36-44 hours`)
	for _, w := range d.Warnings {
		switch w.Line {
		case 12, 14, 15, 16, 18, 40:
			// 12 agrees, 14 is a single figure within 40-50, 15 is open-ended,
			// 16 counts the PgM, 18 sums an open row, 40 sums an unknown row.
			t.Errorf("unexpected warning %+v", w)
		}
	}
}

func TestVariantPrerequisites(t *testing.T) {
	d, src := parseFile(t, "testdata/plans/prerequisites.md")
	s := mustSection(t, d, "14.1")
	var titles []string
	for _, m := range s.Milestones {
		titles = append(titles, m.ID+" "+m.Title)
	}
	want := []string{"K1 A slick sheet explaining services", "K2 Need to think through marketing needs",
		"K3 Linux Foundation Training - Needs the defined list of courses, approximately 4 hr", "K4 Document possible channels for outreach"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("milestones %q, want %q", titles, want)
	}
	if len(s.Prerequisites) != 4 {
		t.Fatalf("prerequisites %+v, want 4", s.Prerequisites)
	}
	if p := s.Prerequisites[1]; p.Text != "Contingent on lists from Stream 2 & 3; and on the design service" || p.Line != lineOf(t, src, "Contingent on lists") {
		t.Errorf("nested bullet should continue the prerequisite: %+v", p)
	}
	if p := s.Prerequisites[2]; strings.Join(p.DependsOn, ",") != "2.4" || strings.Join(s.DependsOn, ",") != "2.4" {
		t.Errorf("prerequisite naming 2.4: %+v, section depends on %v", p, s.DependsOn)
	}
	if k3 := s.Milestones[2]; strings.Join(k3.Prerequisites, "|") != "Needs the defined list of courses" || *k3.Durations[0].Hours.Min != 4 {
		t.Errorf("K3 prerequisites %q durations %+v", k3.Prerequisites, k3.Durations)
	}
}

func TestVariantDurationsAsHours(t *testing.T) {
	d, _ := parseFile(t, "testdata/plans/durations.md")
	s := mustSection(t, d, "15.1")
	hours := func(x Duration) string {
		if x.Hours == nil {
			return "null"
		}
		return span2(x.Hours)
	}
	for _, tc := range []struct {
		k, hours, per string
	}{
		{"K1", "null", ""}, // 2-3 weeks of calendar time: no hours
		{"K2", "4-6", "SIRT member"},
		{"K3", "24-24", ""}, // 3 person-days
		{"K4", "0.25-0.25", ""},
		{"K5", "null", ""}, // a meeting of unknown length
	} {
		x := mustMilestone(t, s, tc.k).Durations[0]
		if hours(x) != tc.hours || x.Per != tc.per {
			t.Errorf("%s duration %q hours %s per %q, want %s per %q", tc.k, x.Text, hours(x), x.Per, tc.hours, tc.per)
		}
	}
	if x := mustMilestone(t, s, "K4").Durations[0]; x.TotalHours == nil || *x.TotalHours.Min != 3.5 || x.Recurs != "daily" {
		t.Errorf("15 min daily for 2 weeks: %+v, want 3.5 hours in all", x)
	}
	fe := s.FreeEstimates
	if x := fe[0].Durations[2]; x.Text != "1 hr" || x.TotalHours == nil || *x.TotalHours.Min != 13 || x.Over != "for 6 months" {
		t.Errorf("1 hr of bi-weekly spot-checks for 6 months: %+v, want 13 hours", x)
	}
	if x := fe[0].Durations[1]; x.Text != "8 hrs" || x.TotalHours != nil || x.Recurs != "" {
		t.Errorf("8 hrs of engagement is once: %+v", x)
	}
	if x := fe[1].Durations[0]; x.Per != "week" || x.TotalHours == nil || *x.TotalHours.Min != 26 || len(fe[1].Durations) != 2 {
		t.Errorf("2 hours a week for 3 months: %+v, want 26 hours and no \"a week\" duration", fe[1].Durations)
	}
	if x := fe[2].Durations; hours(x[0]) != "80-80" || hours(x[1]) != "1-1" {
		t.Errorf("2 weeks full-time and a 1-hour meeting: %+v", x)
	}
	if x := fe[3].Durations[0]; x.Per != "tool" || hours(x) != "20-20" {
		t.Errorf("20hrs/tool: %+v", x)
	}
	if x := fe[4].Durations[0]; x.Hours != nil || *x.Days.Min != 30 {
		t.Errorf("1 month of development: %+v, want days only", x)
	}
}
