package plan

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func parseFile(t *testing.T, path string) (*Document, string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(src), string(src)
}

// exactLine returns the 1-based line of the first line of src equal to s.
func exactLine(t *testing.T, src, s string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if l == s {
			return i + 1
		}
	}
	t.Fatalf("test plan has no line %q", s)
	return 0
}

// lineOf returns the 1-based line of the first line of src containing s.
func lineOf(t *testing.T, src, s string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("test plan has no line containing %q", s)
	return 0
}

func mustSection(t *testing.T, d *Document, number string) *Section {
	t.Helper()
	s := d.Section(number)
	if s == nil {
		t.Fatalf("section %s missing", number)
	}
	return s
}

func mustMilestone(t *testing.T, s *Section, id string) *Milestone {
	t.Helper()
	m := s.Milestone(id)
	if m == nil {
		var ids []string
		for _, m := range s.Milestones {
			ids = append(ids, m.ID)
		}
		t.Fatalf("section %s has no milestone %s (has %v)", s.Number, id, ids)
	}
	return m
}

func wantRange(t *testing.T, what string, r *Range, min, max float64) {
	t.Helper()
	if r == nil || r.Min == nil || r.Max == nil || *r.Min != min || *r.Max != max {
		t.Errorf("%s = %s, want %v..%v", what, showRange(r), min, max)
	}
}

func showRange(r *Range) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// The facts ../shared/acceptance/lib/plancheck.py reads off seed 000 by hand,
// checked on the JSON the way the acceptance check reads it.
func TestSeed000Facts(t *testing.T) {
	d, _ := parseFile(t, "testdata/seeds/000_a32800ffc5b0b592.txt")
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sections []jsonSection `json:"sections"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	secs := map[string]jsonSection{}
	var walk func([]jsonSection)
	walk = func(ss []jsonSection) {
		for _, s := range ss {
			secs[s.Number] = s
			walk(s.Sections)
		}
	}
	walk(doc.Sections)
	for _, n := range []string{"3.1", "3.2", "3.3", "3.4", "3.5", "3.6"} {
		if _, ok := secs[n]; !ok {
			t.Fatalf("section %s missing", n)
		}
	}
	ms := func(n string) map[string]jsonMilestone {
		out := map[string]jsonMilestone{}
		for _, m := range secs[n].Milestones {
			out[m.ID] = m
		}
		return out
	}
	for _, id := range []string{"M1", "M2", "M3", "M4", "M5", "M6"} {
		if _, ok := ms("3.2")[id]; !ok {
			t.Errorf("3.2 has no %s", id)
		}
	}
	for _, id := range []string{"M1", "M1a", "M1b", "M2"} {
		if _, ok := ms("3.5")[id]; !ok {
			t.Errorf("3.5 has no %s", id)
		}
	}
	found := false
	for _, dep := range secs["3.1"].DependsOn {
		found = found || dep == "2.1"
	}
	if !found {
		t.Errorf("3.1 depends_on = %v, want 2.1 in it", secs["3.1"].DependsOn)
	}
	m6 := ms("3.2")["M6"].Estimate
	if m6 == nil || m6.TotalHours == nil || m6.TotalHours.Min == nil || *m6.TotalHours.Min != 56 || *m6.TotalHours.Max != 68 || m6.Stage != "Y2" {
		t.Errorf("3.2 M6 estimate = %+v, want total 56-68 stage Y2", m6)
	}
	m1 := ms("3.1")["M1"]
	if len(m1.Tasks) != 2 {
		t.Errorf("3.1 M1 has %d tasks, want 2", len(m1.Tasks))
	}
	if e := m1.Estimate; e == nil || e.TotalHours == nil || *e.TotalHours.Min != 40 || *e.TotalHours.Max != 50 {
		t.Errorf("3.1 M1 estimate = %+v, want total 40-50", e)
	}
	if e := ms("3.2")["M2"].Estimate; e == nil || e.Volunteers == nil || *e.Volunteers.Min != 4 || *e.Volunteers.Max != 5 {
		t.Errorf("3.2 M2 estimate = %+v, want volunteers 4-5", e)
	}
}

type jsonRange struct {
	Min *float64 `json:"min"`
	Max *float64 `json:"max"`
}

type jsonMilestone struct {
	ID       string `json:"id"`
	Tasks    []any  `json:"tasks"`
	Estimate *struct {
		Volunteers *jsonRange `json:"volunteers"`
		TotalHours *jsonRange `json:"total_hours"`
		Stage      string     `json:"stage"`
	} `json:"estimate"`
}

type jsonSection struct {
	Number     string          `json:"number"`
	DependsOn  []string        `json:"depends_on"`
	Milestones []jsonMilestone `json:"milestones"`
	Sections   []jsonSection   `json:"sections"`
}

// More of seed 000 than the acceptance check asks for.
func TestSeed000Details(t *testing.T) {
	d, src := parseFile(t, "testdata/seeds/000_a32800ffc5b0b592.txt")
	exec := mustSection(t, d, "3.0")
	if len(d.Sections) != 1 || len(exec.Sections) != 6 {
		t.Fatalf("want 3.0 at the top holding 3.1..3.6, got %d top sections, %d under 3.0", len(d.Sections), len(exec.Sections))
	}
	if exec.Lead != "Francis Perron (@u269c)" || strings.Join(exec.Team, ",") != "Art,CRob" {
		t.Errorf("3.0 lead %q team %q", exec.Lead, exec.Team)
	}
	if exec.Meeting != "Every other Friday 11-11:30am EST" || len(exec.Links) != 1 || exec.Links[0].URL != "https://zoom.us/j/91969722711" {
		t.Errorf("3.0 meeting %q links %+v", exec.Meeting, exec.Links)
	}
	if !strings.HasPrefix(exec.Tracking, "TBD") {
		t.Errorf("3.0 tracking %q", exec.Tracking)
	}

	s31 := mustSection(t, d, "3.1")
	m1 := mustMilestone(t, s31, "M1")
	if m1.Title != "Tech stack selection" || m1.Line != lineOf(t, src, "**M1**: _Tech stack") {
		t.Errorf("3.1 M1 title %q line %d", m1.Title, m1.Line)
	}
	if is := m1.Tasks[0].Issues; len(is) != 1 || is[0].Number != 9 || is[0].Repo != "ossf/SIRT" {
		t.Errorf("3.1 M1 first task issues %+v, want ossf/SIRT#9", is)
	}
	if len(m1.Footnotes) != 1 || !strings.HasPrefix(m1.Footnotes[0], "This estimation is assume") {
		t.Errorf("3.1 M1 footnotes %q, want footnote 1 from its estimate row", m1.Footnotes)
	}
	wantRange(t, "3.1 M3 individual hours (4-5 tools x 2hrs each)", mustMilestone(t, s31, "M3").Estimate.IndividualHours, 8, 10)
	// "4-5 tools" is not a count of volunteers: kept as text, unknown, warned.
	if v := mustMilestone(t, s31, "M2").Estimate.Volunteers; v.Unit != "tools" || v.Known() || v.Text != "4-5 tools" {
		t.Errorf("3.1 M2 volunteers %s, want unit tools, no numbers", showRange(v))
	}
	wantWarning(t, d, lineOf(t, src, "|  M2[^2]   |"), "counts tools, not volunteers")
	if len(s31.TotalHours) != 1 {
		t.Fatalf("3.1 total hours %+v", s31.TotalHours)
	}
	wantRange(t, "3.1 total hours", s31.TotalHours[0].Hours, 152, 200)
	if len(s31.FreeEstimates) != 1 || !strings.Contains(s31.FreeEstimates[0].Text, "No estimate available") {
		t.Errorf("3.1 free estimates %+v, want the tooling-costs note", s31.FreeEstimates)
	}

	s32 := mustSection(t, d, "3.2")
	// The :x: marks, then the cross-references of its tasks: "Per [2.2M10]",
	// "[2.2M6] and [3.3]()"; "Follow 3.2 M3-M5" is within 3.2 (M6 follows them).
	if got := strings.Join(s32.DependsOn, ","); got != "2.3,2.1,2.4,2.2,3.3" {
		t.Errorf("3.2 depends on %s, want 2.3,2.1,2.4,2.2,3.3", got)
	}
	if m6 := mustMilestone(t, s32, "M6"); strings.Join(m6.After, ",") != "M3,M4,M5" || len(m6.DependsOn) != 0 {
		t.Errorf("3.2 M6 after %v depends on %v, want after M3,M4,M5 and no section", m6.After, m6.DependsOn)
	}
	if m1 := mustMilestone(t, s32, "M1"); strings.Join(m1.DependsOn, ",") != "2.2,2.3" {
		t.Errorf("3.2 M1 depends on %v, want 2.2 (M10) and 2.3", m1.DependsOn)
	}
	for _, n := range []string{"3.4", "3.5"} {
		if got := strings.Join(mustSection(t, d, n).DependsOn, ","); got != "3.6" {
			t.Errorf("%s depends on %s, want 3.6 (the PgM of \"(3.6 below)\")", n, got)
		}
	}
	if got := strings.Join(mustSection(t, d, "3.3").DependsOn, ","); got != "2.1,2.4,3.2" {
		t.Errorf("3.3 depends on %s, want 2.1,2.4 and 3.2 ([3.2M6]())", got)
	}
	if len(s32.TotalHours) != 2 || s32.TotalHours[0].Stage != "Y1" || s32.TotalHours[1].Stage != "Y2" || s32.TotalHours[1].StageMarker != "onward" {
		t.Errorf("3.2 totals %+v, want 68-83 Y1 and 56-68 Y2+", s32.TotalHours)
	}
	wantRange(t, "3.2 Y2 total", s32.TotalHours[1].Hours, 56, 68)
	e := mustMilestone(t, s32, "M1").Estimate
	if e.Text != "2-4 | 2 | 8-10 | ➡️ Y1" || e.Stage != "Y1" || e.StageMarker != "starts" {
		t.Errorf("3.2 M1 estimate text %q stage %q %q", e.Text, e.Stage, e.StageMarker)
	}
	if m4 := mustMilestone(t, s32, "M4"); len(m4.Tasks) != 1 {
		t.Errorf("3.2 M4 (indented by one space) has %d tasks, want 1", len(m4.Tasks))
	}

	s34 := mustSection(t, d, "3.4")
	m := mustMilestone(t, s34, "M1").Estimate
	wantRange(t, "3.4 M1 volunteers", m.Volunteers, 4, 5)
	if m.Volunteers.PgM == nil || *m.Volunteers.PgM != 1 {
		t.Errorf("3.4 M1 volunteers %s, want pgm 1", showRange(m.Volunteers))
	}
	m2 := mustMilestone(t, s34, "M2").Estimate
	if m2.Volunteers.Min != nil || m2.Volunteers.Max != nil || m2.Volunteers.PgM == nil || *m2.Volunteers.PgM != 1 {
		t.Errorf("3.4 M2 volunteers %s, want only pgm 1", showRange(m2.Volunteers))
	}
	if !m2.TotalHours.PgMHours {
		t.Errorf("3.4 M2 total hours %s, want pgm_hours", showRange(m2.TotalHours))
	}
	if len(s34.Estimates) != 4 {
		t.Errorf("3.4 keeps %d estimate rows, want all 4", len(s34.Estimates))
	}
	// The two rows that repeat M1 (lines 104 and 105) are the rows of M3 and
	// M4 (the milestones in their places, which no row names): their hours
	// count, with a warning.
	for i, id := range []string{"M3", "M4"} {
		row := 104 + i
		wantWarning(t, d, row, "is read as the row of "+id)
		e := mustMilestone(t, s34, id).Estimate
		if e == nil || e.Line != row || e.ReadAs != id || e.Milestone != "M1" {
			t.Errorf("3.4 %s estimate %+v, want the row on line %d, read as %s", id, e, row, id)
		}
	}
	wantRange(t, "3.4 M3 total hours", mustMilestone(t, s34, "M3").Estimate.TotalHours, 24, 24)
	if h := mustMilestone(t, s34, "M4").Estimate.TotalHours; !h.PgMHours || *h.Min != 20 {
		t.Errorf("3.4 M4 total hours %s, want 20 PgM", showRange(h))
	}
	// The document's arithmetic: rows and section totals that disagree.
	wantWarning(t, d, 55, "2-4 volunteers × 2 hours each is 4-8 hours, but its Estimated Total Hours cell says 8-10")
	wantWarning(t, d, 60, "4-5 volunteers × 5 hours each is 20-25 hours, but its Estimated Total Hours cell says 56-68")
	wantWarning(t, d, 107, `Total hours "20-25" on line 107 do not match the estimate rows of section 3.4 (lines 102-105), which add up to 74-84 hours`)
	wantWarning(t, d, 142, `Total hours "72-84" on line 142 do not match the estimate rows of section 3.6 (lines 139-141), which add up to 68-84 hours`)

	s36 := mustSection(t, d, "3.6")
	if len(s36.Costs) != 1 || *s36.Costs[0].Amount != 300000 || *s36.Costs[0].FTE != 1 || s36.Costs[0].Period != "year" || s36.Costs[0].Currency != "USD" {
		t.Errorf("3.6 costs %+v, want 1 FTE $300000 a year", s36.Costs)
	}
	if len(d.Footnotes) != 3 {
		t.Errorf("footnotes %+v, want 3", d.Footnotes)
	}
	// The tools row, the two mislabelled rows and four sums that disagree;
	// the totals of 3.1, 3.2 (per stage), 3.3 and 3.5 agree with their rows.
	if len(d.Warnings) != 7 {
		t.Errorf("warnings %+v, want 7", d.Warnings)
	}
}

func TestSeed004KeyStepsAndFreeEstimates(t *testing.T) {
	d, src := parseFile(t, "testdata/seeds/004_907b759f4c25d1c4.txt")
	s := mustSection(t, d, "1.0")
	if s.Lead != "Randall" || len(s.Team) != 5 || len(s.Links) != 2 || s.Meeting != "Every other Monday at 2pm EST" {
		t.Errorf("1.0 lead %q team %v links %+v meeting %q", s.Lead, s.Team, s.Links, s.Meeting)
	}
	s11 := mustSection(t, d, "1.1")
	if len(s11.Milestones) != 5 {
		t.Fatalf("1.1 has %d key steps, want 5", len(s11.Milestones))
	}
	k2 := mustMilestone(t, s11, "K2")
	if !k2.GeneratedID || k2.Title != "Survey existing OSS Security Teams" || len(k2.Tasks) != 2 || len(k2.Tasks[0].Tasks) != 2 {
		t.Errorf("1.1 K2 = %+v, want generated id, 2 tasks, first with 2 sub-tasks", k2)
	}
	if !strings.HasPrefix(s11.Text, "In order for the SIRT") {
		t.Errorf("1.1 text %q should drop the Explanation: label", s11.Text[:40])
	}
	var fe *FreeEstimate
	for _, f := range s11.FreeEstimates {
		if f.Line == lineOf(t, src, "Approx. 1 month") {
			fe = f
		}
	}
	if fe == nil || len(fe.Durations) != 6 {
		t.Fatalf("1.1 free estimate with 6 durations missing: %+v", s11.FreeEstimates)
	}
	if d0 := fe.Durations[0]; d0.Text != "1 month" || *d0.Days.Min != 30 || d0.Phrase != "Approx. 1 month of survey development" {
		t.Errorf("first duration %+v", d0)
	}
	if d3 := fe.Durations[3]; d3.Text != "2 months" || *d3.Days.Max != 60 {
		t.Errorf("fourth duration %+v", d3)
	}
	// The prerequisite sentences of 1.2's key steps are prerequisites, not
	// key steps (issue 15): four key steps remain.
	s12 := mustSection(t, d, "1.2")
	if len(s12.Milestones) != 4 || s12.Milestones[0].Title != "A slick sheet explaining services" {
		t.Errorf("1.2 key steps %+v, want 4 starting with the slick sheet", s12.Milestones)
	}
	if len(s12.Prerequisites) != 2 || s12.Prerequisites[0].Line != lineOf(t, src, "Likely needs coordination") ||
		s12.Prerequisites[1].Text != "Contingent on lists from Stream 2 & 3" {
		t.Errorf("1.2 prerequisites %+v", s12.Prerequisites)
	}
	s13 := mustSection(t, d, "1.3")
	if k3 := mustMilestone(t, s13, "K3"); len(k3.Prerequisites) != 1 || !strings.HasPrefix(k3.Prerequisites[0], "Needs the defined list of courses") {
		t.Errorf("1.3 K3 prerequisites %q", k3.Prerequisites)
	}
	var spot *Duration
	for _, fe := range s13.FreeEstimates {
		for i, x := range fe.Durations {
			if x.Text == "1 hr" {
				spot = &fe.Durations[i]
			}
		}
	}
	if spot == nil || spot.TotalHours == nil || *spot.TotalHours.Min != 13 {
		t.Errorf("1.3 \"about 1 hr of bi-weekly engagement spot-checks for 6 months\" = %+v, want 13 hours in all", spot)
	}
	if k1 := mustMilestone(t, s13, "K1"); len(k1.Durations) != 1 || *k1.Durations[0].Days.Min != 14 || *k1.Durations[0].Days.Max != 21 {
		t.Errorf("1.3 K1 durations %+v, want 2-3 weeks", k1.Durations)
	}
	if len(d.Warnings) != 0 {
		t.Errorf("warnings %+v, want none", d.Warnings)
	}
}

func wantWarning(t *testing.T, d *Document, line int, contains string) {
	t.Helper()
	for _, w := range d.Warnings {
		if w.Line == line && strings.Contains(w.Message, contains) {
			return
		}
	}
	t.Errorf("no warning on line %d containing %q; warnings: %+v", line, contains, d.Warnings)
}

func TestConstructs(t *testing.T) {
	d, src := parseFile(t, "testdata/plans/constructs.md")
	if !strings.HasPrefix(d.Preamble, "OSS-SIRT plan, stream 5") {
		t.Errorf("preamble %q", d.Preamble)
	}
	wantWarning(t, d, 1, "before the first section heading")

	s50 := mustSection(t, d, "5.0")
	if s50.Lead != "Alice Example (@alice)" || strings.Join(s50.Team, "|") != "Bob|Carol|Dan" || s50.Meeting != "Tuesdays 10:00 UTC" {
		t.Errorf("5.0 lead %q team %q meeting %q", s50.Lead, s50.Team, s50.Meeting)
	}
	if len(s50.Links) != 2 || s50.Links[0].Text != "Notes" || s50.Links[1].Label != "Tracking" {
		t.Errorf("5.0 links %+v", s50.Links)
	}

	s := mustSection(t, d, "5.1")
	if got := strings.Join(s.DependsOn, ","); got != "2.1,2.3,1.2,4.4,3.3" {
		t.Errorf("5.1 depends on %s", got)
	}
	for _, dep := range s.Dependencies {
		if dep.Section == "4.4" && dep.Status != "done" || dep.Section == "3.3" && dep.Milestone != "M2" {
			t.Errorf("dependency %+v", dep)
		}
	}
	if !strings.HasPrefix(s.Text, "Triage needs") {
		t.Errorf("5.1 text %q", s.Text)
	}
	if len(s.Footnotes) != 1 || s.Footnotes[0] != "Intake needs the catalogue from 2.1." {
		t.Errorf("5.1 footnotes %q", s.Footnotes)
	}

	m1 := mustMilestone(t, s, "M1")
	if !m1.Done || !m1.Checkbox || m1.Title != "Set up intake" || len(m1.Footnotes) != 1 {
		t.Errorf("M1 %+v", m1)
	}
	if len(m1.Tasks) != 2 || !m1.Tasks[0].Done || m1.Tasks[1].Done {
		t.Fatalf("M1 tasks %+v", m1.Tasks)
	}
	if is := m1.Tasks[0].Issues; len(is) != 1 || is[0].Number != 12 {
		t.Errorf("#12 not extracted: %+v", is)
	}
	if sub := m1.Tasks[0].Tasks; len(sub) != 1 || sub[0].Issues[0].Number != 34 || sub[0].Line != lineOf(t, src, "Nested sub-task") {
		t.Errorf("nested task %+v", sub)
	}
	if m1.Tasks[1].Text != "Publish the form on the website (continued line)" {
		t.Errorf("continuation line not joined: %q", m1.Tasks[1].Text)
	}
	e1 := m1.Estimate
	if e1.Volunteers.Min == nil || *e1.Volunteers.Min != 3 || e1.Volunteers.Max != nil || !e1.Volunteers.MinExclusive {
		t.Errorf(">3 read as %s", showRange(e1.Volunteers))
	}
	if e1.TotalHours.Max != nil || *e1.TotalHours.Min != 8 {
		t.Errorf("8+ read as %s", showRange(e1.TotalHours))
	}
	if e1.Extra["Owner"] != "Alice" || e1.Stage != "Y1" || e1.StageMarker != "starts" {
		t.Errorf("M1 estimate extra %v stage %q %q", e1.Extra, e1.Stage, e1.StageMarker)
	}

	m2 := mustMilestone(t, s, "M2")
	if m2.Estimate == nil || m2.Estimate.StageMarker != "ends" || m2.Estimate.IndividualHours.Known() {
		t.Errorf("M2 estimate %+v", m2.Estimate)
	}
	if len(m2.Footnotes) != 1 || m2.Footnotes[0] != "The rota assumes four volunteers." {
		t.Errorf("M2 footnotes %q", m2.Footnotes)
	}
	m2a := mustMilestone(t, s, "M2a")
	if len(m2a.Tasks) != 1 || m2a.Estimate == nil || m2a.Estimate.Stage != "Y2" {
		t.Errorf("M2a (no bullet) %+v", m2a)
	}
	m3 := mustMilestone(t, s, "M3")
	if m3.Title != "Monthly triage report" || len(m3.Tasks) != 1 || m3.Estimate == nil || m3.Estimate.Stage != "Y3" {
		t.Errorf("Milestone 3 %+v", m3)
	}
	if !m3.Estimate.Volunteers.Approx {
		t.Errorf("~2 not approx: %s", showRange(m3.Estimate.Volunteers))
	}
	if len(s.Costs) != 1 || *s.Costs[0].FTE != 0.5 || *s.Costs[0].Amount != 50000 || s.Costs[0].Currency != "EUR" {
		t.Errorf("5.1 costs %+v", s.Costs)
	}
	if len(s.TotalHours) != 2 || s.TotalHours[1].StageMarker != "onward" {
		t.Errorf("5.1 totals %+v", s.TotalHours)
	}

	s52 := mustSection(t, d, "5.2")
	if len(s52.Milestones) != 3 {
		t.Fatalf("5.2 key steps %+v", s52.Milestones)
	}
	k1, k3 := s52.Milestones[0], s52.Milestones[2]
	if k1.ID != "K1" || len(k1.Tasks) != 1 || len(k1.Tasks[0].Tasks) != 1 || k1.Tasks[0].Checkbox {
		t.Errorf("K1 %+v", k1)
	}
	if k1.Estimate == nil || *k1.Estimate.TotalHours.Min != 12 {
		t.Errorf("row by title did not join K1: %+v", k1.Estimate)
	}
	if !k3.Done || !k3.Checkbox {
		t.Errorf("K3 is a ticked checkbox: %+v", k3)
	}
	if len(s52.FreeEstimates) != 3 || len(s52.FreeEstimates[0].Durations) != 3 || *s52.FreeEstimates[0].Durations[0].Days.Min != 14 {
		t.Errorf("5.2 free estimates %+v", s52.FreeEstimates)
	}
	if h := s52.FreeEstimates[1].Durations[0].Hours; h == nil || *h.Min != 8 {
		t.Errorf("8 hrs read as %+v", s52.FreeEstimates[1].Durations)
	}
	sub := mustSection(t, d, "5.2.1")
	if len(s52.Sections) != 1 || s52.Sections[0] != sub || sub.DependsOn[0] != "5.1" || len(sub.Milestones) != 1 {
		t.Errorf("5.2.1 should nest under 5.2 with its own milestone: %+v", sub)
	}
	if len(d.Sections) != 2 || d.Sections[1].Number != "6.0" {
		t.Errorf("top-level sections %d", len(d.Sections))
	}
	for _, f := range d.Footnotes {
		if !f.Referenced {
			t.Errorf("footnote %s not marked referenced", f.Label)
		}
	}
}

func TestMalformedWarnings(t *testing.T) {
	d, src := parseFile(t, "testdata/plans/malformed.md")
	for _, w := range []struct {
		line     int
		contains string
	}{
		{lineOf(t, src, "Orphan task before any milestone"), "is not under a milestone"},
		{lineOf(t, src, "First again, duplicated id"), "appears twice"},
		{lineOf(t, src, "Second[^missing]"), "[^missing] referenced on line"},
		{lineOf(t, src, "| lots"), "cannot be read as a number or range"},
		{lineOf(t, src, "| lots"), "Estimated Total Hours cell is empty"},
		{lineOf(t, src, "| M9 "), "matches no milestone of section 7.0"},
		{lineOf(t, src, "| M1        | 3 "), "already has an estimate"},
		{exactLine(t, src, "| M2        | 4                          |"), "has 2 cells but the table header has 3"},
		{lineOf(t, src, "| extra |"), "has 4 cells but the table header has 3"},
		{lineOf(t, src, "Q3"), `unknown stage "Q3"`},
		{exactLine(t, src, "| M2        | 2                    | 2                          | 4                     |       |"), "has no stage"},
		{lineOf(t, src, "| Name | Email |"), "not a Time & Resource Estimate table"},
		{exactLine(t, src, "> Estimated Total Combined Volunteer Hours:"), "gives no number"},
		{lineOf(t, src, "Volunteer Hours: many"), "cannot be read"},
		{lineOf(t, src, "[^used]: Defined twice, second."), "defined twice"},
		{lineOf(t, src, "[^never]"), "nothing references it"},
		{lineOf(t, src, "This line is not a footnote."), "not a footnote definition"},
		{exactLine(t, src, "##"), "Heading"},
	} {
		wantWarning(t, d, w.line, w.contains)
	}
	// Missing columns are reported once, on the table's header line.
	header := lineOf(t, src, "| Milestone | Estimated Individual Hours")
	wantWarning(t, d, header, "no Estimated Volunteers column")
	wantWarning(t, d, header, "no Stage column")
	noSep := lineOf(t, src, "| Milestone | Estimated Volunteers")
	wantWarning(t, d, noSep, "not followed by a separator row")

	s := mustSection(t, d, "7.0")
	if len(s.Tasks) != 1 || len(s.Tasks[0].Tasks) != 1 {
		t.Errorf("orphan task and its sub-task should be kept as section tasks: %+v", s.Tasks)
	}
	m2 := mustMilestone(t, s, "M2")
	if m2.Estimate == nil || m2.Estimate.IndividualHours.Known() || m2.Estimate.IndividualHours.Text != "lots" || m2.Estimate.TotalHours.Known() {
		t.Errorf("unreadable and empty cells should be unknown with their text kept: %+v", m2.Estimate)
	}
	if m2.Estimate.Volunteers != nil {
		t.Errorf("a missing column should be null, got %s", showRange(m2.Estimate.Volunteers))
	}
	if len(s.Estimates) != 8 {
		t.Errorf("all 8 estimate rows should be kept, got %d", len(s.Estimates))
	}
	if !strings.Contains(s.Text, "alice@example.org") {
		t.Errorf("the non-estimate table should be kept in the text: %q", s.Text)
	}
}

// Unknown numbers are null in the JSON, never 0, and lists are never null.
func TestJSONNullsAndEmptyLists(t *testing.T) {
	d := Parse([]byte("# 1.0 A\n- **M1**: x\n\n| Milestone | Estimated Volunteers | Estimated Total Hours | Stage |\n|---|---|---|---|\n| M1 | unk | ? | Y1 |\n"))
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sec := doc["sections"].([]any)[0].(map[string]any)
	m := sec["milestones"].([]any)[0].(map[string]any)
	est := m["estimate"].(map[string]any)
	vol := est["volunteers"].(map[string]any)
	if v, ok := vol["min"]; !ok || v != nil || vol["max"] != nil || vol["text"] != "unk" {
		t.Errorf("unk volunteers = %v, want min and max null", vol)
	}
	if v, ok := est["individual_hours"]; !ok || v != nil {
		t.Errorf("missing individual hours column = %v, want null", v)
	}
	if tasks, ok := m["tasks"].([]any); !ok || len(tasks) != 0 {
		t.Errorf("tasks = %v, want []", m["tasks"])
	}
	if subs, ok := sec["sections"].([]any); !ok || len(subs) != 0 {
		t.Errorf("sections = %v, want []", sec["sections"])
	}
	if _, ok := doc["warnings"].([]any); !ok {
		t.Errorf("warnings = %v, want a list", doc["warnings"])
	}
	// No list anywhere is null.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if x == nil && k != "min" && k != "max" && k != "estimate" && k != "individual_hours" && k != "hours" && k != "days" {
					t.Errorf("%s.%s is null", path, k)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path+"[]", x)
			}
		}
	}
	walk("", doc)
}

func TestSectionNesting(t *testing.T) {
	d := Parse([]byte("## 3.0 Exec\n## 3.1 A\n### 3.1.1 A.a\n## 3.2 B\n# 4.0 Next\n## 4.1 C\n"))
	if len(d.Sections) != 2 {
		t.Fatalf("top sections %d, want 3.0 and 4.0", len(d.Sections))
	}
	s30 := d.Sections[0]
	if len(s30.Sections) != 2 || s30.Sections[0].Number != "3.1" || s30.Sections[1].Number != "3.2" {
		t.Errorf("3.0 (same heading level) should hold 3.1 and 3.2: %+v", s30.Sections)
	}
	if len(s30.Sections[0].Sections) != 1 || s30.Sections[0].Sections[0].Number != "3.1.1" {
		t.Errorf("3.1 should hold 3.1.1")
	}
	if len(d.Sections[1].Sections) != 1 {
		t.Errorf("4.0 should hold 4.1")
	}
}

func TestEveryLineIsPlacedOrWarned(t *testing.T) {
	// A line that fits nowhere must produce a warning, never vanish.
	d := Parse([]byte("Footnotes:\nnot a footnote\n"))
	if len(d.Warnings) != 1 || d.Warnings[0].Line != 2 {
		t.Errorf("warnings %+v, want one on line 2", d.Warnings)
	}
	d = Parse([]byte("- [ ] a task before any heading\n"))
	if len(d.Sections) != 1 || len(d.Sections[0].Tasks) != 1 || len(d.Warnings) == 0 {
		t.Errorf("task before any heading: sections %+v warnings %+v", d.Sections, d.Warnings)
	}
}
