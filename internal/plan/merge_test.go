package plan

import (
	"strings"
	"testing"
)

// Re-importing the later draft of the Execution plan (seed 000) over the
// earlier one (seed 001): the tracker must keep what still matches.
func TestMatchSeedDrafts(t *testing.T) {
	prev, _ := parseFile(t, "testdata/seeds/001_fa76403b029c24e1.txt")
	next, _ := parseFile(t, "testdata/seeds/000_a32800ffc5b0b592.txt")
	m := Match(prev, next)

	for _, p := range m.Sections {
		if p.Old.Number != p.New.Number || p.By != ByNumber {
			t.Errorf("section %s matched to %s by %s", p.New.Number, p.Old.Number, p.By)
		}
	}
	if len(m.Sections) != 6 || len(m.AddedSections) != 1 || m.AddedSections[0].Number != "3.6" || len(m.RemovedSections) != 0 {
		t.Errorf("sections: %d matched, added %v, removed %v; want 3.0-3.5 matched and 3.6 added", len(m.Sections), numbers(m.AddedSections), numbers(m.RemovedSections))
	}

	// 3.2 M1 was "tbd" and is now a real title: the id keeps them together.
	newM1 := next.Section("3.2").Milestone("M1")
	if old := m.OldMilestone(newM1); old != prev.Section("3.2").Milestone("M1") {
		t.Errorf("3.2 M1 matched to %+v, want the old 3.2 M1", old)
	}
	// Every old milestone is still in the new draft.
	if len(m.RemovedMilestones) != 0 {
		t.Errorf("removed milestones %v, want none", ids(m.RemovedMilestones))
	}
	// 3.1 M1's first task gained an issue link; the text still matches.
	oldTask := prev.Section("3.1").Milestone("M1").Tasks[0]
	newTask := next.Section("3.1").Milestone("M1").Tasks[0]
	if got := m.OldTask(newTask); got != oldTask {
		t.Errorf("task %q matched to %+v, want %q", newTask.Text, got, oldTask.Text)
	}
	// The "..." placeholders of 3.1 M2 and M3 were replaced: archived.
	removed := map[string]int{}
	for _, tk := range m.RemovedTasks {
		removed[tk.Text]++
	}
	if removed["..."] != 2 {
		t.Errorf("removed tasks %v, want the two ... placeholders", removed)
	}
	// 3.3 M1 kept its one task among three new ones.
	kept := prev.Section("3.3").Milestone("M1").Tasks[0]
	found := false
	for _, p := range m.Tasks {
		if p.Old == kept {
			found = p.New.Text == kept.Text && p.Score == 1
		}
	}
	if !found {
		t.Errorf("3.3 M1 task %q not carried over", kept.Text)
	}
	checkPartition(t, prev, next, m)
}

func TestMatchRewordedMovedAndRemoved(t *testing.T) {
	prev := Parse([]byte(`# 3.0 Execution
## 3.1 Recruitment
- **M1**: Create OSS-SIRT job description
  - [x] Survey existing CSIRT job descriptions
  - [ ] Draft the role requirements
- **M2**: Review the job description
- **M3**: Hire a program manager for OSS-SIRT
### Key Steps
* Write the slick sheet
* Run two webinars
## 3.2 Old name of the section
- **M1**: Keep me
`))
	next := Parse([]byte(`# 3.0 Execution
## 3.1 Recruitment
- **M1**: Create the OSS-SIRT job description
  - [ ] Draft the role requirements
  - [ ] Survey existing CSIRT job descriptions
- **M2**: Something new entirely
### Key Steps
* Run two webinars
* Write the slick sheet
## 3.3 New name of the section
- **M1**: Keep me
## 3.4 Program management
- **M1**: Hire a program manager for OSS-SIRT
`))
	m := Match(prev, next)
	old31, new31 := prev.Section("3.1"), next.Section("3.1")

	pair := func(n *Milestone) (*Milestone, MatchedBy) {
		for _, p := range m.Milestones {
			if p.New == n {
				return p.Old, p.By
			}
		}
		return nil, ""
	}
	if o, by := pair(new31.Milestone("M1")); o != old31.Milestone("M1") || by != ByID {
		t.Errorf("3.1 M1 -> %+v by %s, want old M1 by id", o, by)
	}
	// Same id, different words: the id wins, as the plan's numbering is the
	// authors' own statement of identity.
	if o, by := pair(new31.Milestone("M2")); o != old31.Milestone("M2") || by != ByID {
		t.Errorf("3.1 M2 -> %+v by %s, want old M2 by id", o, by)
	}
	// Key steps swapped places: matched by text, not by generated id.
	if o, by := pair(new31.Milestone("K1")); o != old31.Milestone("K2") || by != ByText {
		t.Errorf("new K1 (Run two webinars) -> %+v by %s, want old K2 by text", o, by)
	}
	// A section renumbered and renamed slightly is matched by title.
	if o := m.OldSection(next.Section("3.3")); o != prev.Section("3.2") {
		t.Errorf("3.3 matched to %+v, want old 3.2 by title", o)
	}
	// A milestone moved to a new section keeps its history.
	if o, by := pair(next.Section("3.4").Milestone("M1")); o != old31.Milestone("M3") || by != ByText {
		t.Errorf("moved milestone -> %+v by %s, want old 3.1 M3", o, by)
	}
	// Reordered tasks follow their text.
	newSurvey := new31.Milestone("M1").Tasks[1]
	if o := m.OldTask(newSurvey); o == nil || !o.Done || o.Text != newSurvey.Text {
		t.Errorf("task %q matched to %+v, want the old ticked one", newSurvey.Text, o)
	}
	if len(m.AddedSections) != 1 || m.AddedSections[0].Number != "3.4" {
		t.Errorf("added sections %v, want 3.4", numbers(m.AddedSections))
	}
	checkPartition(t, prev, next, m)
}

func TestMatchEmptyAndNil(t *testing.T) {
	next := Parse([]byte("# 1.0 A\n- **M1**: x\n  - [ ] y\n"))
	m := Match(nil, next)
	if len(m.AddedSections) != 1 || len(m.AddedMilestones) != 1 || len(m.AddedTasks) != 1 {
		t.Errorf("against nothing, everything is added: %+v", m)
	}
	m = Match(next, &Document{})
	if len(m.RemovedSections) != 1 || len(m.RemovedMilestones) != 1 || len(m.RemovedTasks) != 1 {
		t.Errorf("against an empty plan, everything is removed: %+v", m)
	}
}

// checkPartition asserts every item of either document is in exactly one
// pair or in the removed/added list.
func checkPartition(t *testing.T, prev, next *Document, m *Matching) {
	t.Helper()
	count := func(d *Document) (secs, mss, tasks int) {
		ss := sections(d)
		for _, s := range ss {
			mss += len(s.Milestones)
		}
		return len(ss), mss, len(allTasks(ss))
	}
	oldS, om, ot := count(prev)
	ns, nm, nt := count(next)
	if len(m.Sections)+len(m.RemovedSections) != oldS || len(m.Sections)+len(m.AddedSections) != ns {
		t.Errorf("sections do not add up: %d pairs, %d removed of %d old, %d added of %d new", len(m.Sections), len(m.RemovedSections), oldS, len(m.AddedSections), ns)
	}
	if len(m.Milestones)+len(m.RemovedMilestones) != om || len(m.Milestones)+len(m.AddedMilestones) != nm {
		t.Errorf("milestones do not add up: %d pairs, %d removed of %d old, %d added of %d new", len(m.Milestones), len(m.RemovedMilestones), om, len(m.AddedMilestones), nm)
	}
	if len(m.Tasks)+len(m.RemovedTasks) != ot || len(m.Tasks)+len(m.AddedTasks) != nt {
		t.Errorf("tasks do not add up: %d pairs, %d removed of %d old, %d added of %d new", len(m.Tasks), len(m.RemovedTasks), ot, len(m.AddedTasks), nt)
	}
}

func numbers(ss []*Section) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Number)
	}
	return strings.Join(out, ",")
}

func ids(ms []*Milestone) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return strings.Join(out, ",")
}
