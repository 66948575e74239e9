package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every line it reports is a
// line of the input, and that its JSON always encodes and decodes. The seed
// corpus is the plans under testdata plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/seeds/*.txt", "testdata/plans/*.md"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d := Parse(src)
		lines := bytes.Count(src, []byte("\n")) + 1
		checkLine := func(what string, n int) {
			if n < 1 || n > lines {
				t.Fatalf("%s on line %d, but the input has %d lines", what, n, lines)
			}
		}
		for _, w := range d.Warnings {
			checkLine("warning "+w.Message, w.Line)
			if w.Message == "" {
				t.Fatalf("empty warning message on line %d", w.Line)
			}
		}
		var tasks func([]*Task)
		tasks = func(ts []*Task) {
			for _, tk := range ts {
				checkLine("task", tk.Line)
				tasks(tk.Tasks)
			}
		}
		d.Walk(func(s *Section) {
			checkLine("section", s.Line)
			for _, m := range s.Milestones {
				checkLine("milestone", m.Line)
				tasks(m.Tasks)
			}
			for _, e := range s.Estimates {
				checkLine("estimate", e.Line)
				for _, r := range []*Range{e.Volunteers, e.IndividualHours, e.TotalHours} {
					if r != nil && r.Min != nil && r.Max != nil && *r.Min > *r.Max {
						t.Fatalf("estimate on line %d has min %v > max %v", e.Line, *r.Min, *r.Max)
					}
				}
			}
			tasks(s.Tasks)
			for _, pr := range s.Prerequisites {
				checkLine("prerequisite", pr.Line)
			}
			for _, dep := range s.Dependencies {
				checkLine("dependency", dep.Line)
				if dep.Section == s.Number {
					t.Fatalf("section %s depends on itself (line %d)", s.Number, dep.Line)
				}
			}
			for _, tot := range s.TotalHours {
				checkLine("total hours", tot.Line)
			}
			for _, m := range s.Milestones {
				// A row read as another milestone is that milestone's estimate.
				if m.Estimate != nil && m.Estimate.ReadAs != "" && !equalFoldID(m.Estimate.ReadAs, m.ID) {
					t.Fatalf("milestone %s holds a row read as %s", m.ID, m.Estimate.ReadAs)
				}
				for _, x := range m.Durations {
					if x.TotalHours != nil && (x.Hours == nil || *x.TotalHours.Min < *x.Hours.Min) {
						t.Fatalf("duration %q: total hours %v below its hours", x.Text, *x.TotalHours.Min)
					}
				}
			}
		})
		b, err := d.JSON()
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("JSON does not decode: %v", err)
		}
		// Matching a document against itself pairs everything.
		m := Match(d, d)
		if len(m.RemovedMilestones) != 0 || len(m.AddedMilestones) != 0 || len(m.RemovedSections) != 0 {
			t.Fatalf("self-match left items over: %d removed milestones, %d added, %d removed sections",
				len(m.RemovedMilestones), len(m.AddedMilestones), len(m.RemovedSections))
		}
	})
}
