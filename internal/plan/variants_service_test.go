package plan

import (
	"testing"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// Issue 15 as the tracker sees it: the mislabelled rows of seed 000's 3.4
// count in the estimated hours, "4-5 tools" adds no volunteers, prose
// cross-references make the section wait, and seed 004's prerequisites are
// stored and read back instead of becoming key steps.
func TestImportReadsVariantsIntoTheTracker(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importFile("testdata/seeds/000_a32800ffc5b0b592.txt")
		o := f.overview()

		s34 := o.sectionProgress(t, "3.4")
		// 25-30 (M1) + 5-10 PgM (M2) + 24 (M3, row labelled M1) + 20 PgM (M4, row labelled M1).
		if FormatBounds(s34.EstimatedHours) != "74–84" || s34.Unestimated != 0 {
			t.Errorf("3.4 estimated %s with %d unestimated, want 74–84 and none", FormatBounds(s34.EstimatedHours), s34.Unestimated)
		}
		if m3 := o.milestone(t, "3.4", "M3"); m3.Estimate.TotalHours.Min == nil || *m3.Estimate.TotalHours.Min != 24 {
			t.Errorf("3.4 M3 estimate %+v, want 24 hours", m3.Estimate)
		}
		s31 := o.sectionProgress(t, "3.1")
		// M1 4-5 and M3 4-5 volunteers; M2's "4-5 tools" is no count of people.
		if FormatBounds(s31.VolunteersNeeded) != "8–10" {
			t.Errorf("3.1 volunteers needed %s, want 8–10 (not counting 4-5 tools)", FormatBounds(s31.VolunteersNeeded))
		}
		waits := map[string]bool{}
		for _, dep := range o.sectionProgress(t, "3.4").DependsOn {
			waits[dep.Section] = true
		}
		if !waits["3.6"] {
			t.Errorf("3.4 waits for %v, want 3.6 from \"(3.6 below)\"", o.sectionProgress(t, "3.4").DependsOn)
		}

		f.importFile("testdata/seeds/004_907b759f4c25d1c4.txt")
		o = f.overview()
		var s12 *TrackedSection
		for _, p := range o.Plans {
			walkSections(p.Sections, func(s *TrackedSection) {
				if s.Number == "1.2" {
					s12 = s
				}
			})
		}
		if s12 == nil {
			t.Fatal("section 1.2 not stored")
		}
		if len(s12.Milestones) != 4 || len(s12.Estimates.Prerequisites) != 2 ||
			s12.Estimates.Prerequisites[0].Text != "Likely needs coordination with the Outreach team at OpenSSF" {
			t.Errorf("1.2 has %d milestones and prerequisites %+v, want 4 and the two prerequisites", len(s12.Milestones), s12.Estimates.Prerequisites)
		}
	})
}
