package plan

import (
	"fmt"
	"strings"
)

// summary is a plain-text reading of a document for the text golden files
// (testdata/golden/*.txt): what a person checks when reviewing the parser,
// one fact a line, without the JSON's bulk.
func summary(d *Document) string {
	var b strings.Builder
	w := func(indent int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	rng := func(r *Range) string {
		if r == nil {
			return "none"
		}
		s := "?"
		switch {
		case r.Min != nil && r.Max != nil:
			s = span(*r.Min, *r.Max)
		case r.Min != nil:
			s = ">" + num(*r.Min)
		case r.Max != nil:
			s = "<" + num(*r.Max)
		}
		if r.PgM != nil {
			s += " +" + num(*r.PgM) + "PgM"
		}
		if r.PgMHours {
			s += " PgM-hours"
		}
		if r.Unit != "" {
			s += " unit=" + r.Unit
		}
		return fmt.Sprintf("%s (%q)", s, r.Text)
	}
	durs := func(indent int, ds []Duration) {
		for _, x := range ds {
			line := fmt.Sprintf("duration %q unit=%s", x.Text, x.Unit)
			if x.Days != nil {
				line += " days=" + span(*x.Days.Min, *x.Days.Max)
			}
			if x.Hours != nil {
				line += " hours=" + span(*x.Hours.Min, *x.Hours.Max)
			}
			if x.Per != "" {
				line += fmt.Sprintf(" per=%q", x.Per)
			}
			if x.Recurs != "" {
				line += fmt.Sprintf(" recurs=%q", x.Recurs)
			}
			if x.Over != "" {
				line += fmt.Sprintf(" over=%q", x.Over)
			}
			if x.TotalHours != nil {
				line += " total_hours=" + span(*x.TotalHours.Min, *x.TotalHours.Max)
			}
			w(indent, "%s", line)
		}
	}
	var tasks func(int, []*Task)
	tasks = func(indent int, ts []*Task) {
		for _, t := range ts {
			box := "-"
			if t.Checkbox {
				box = "[ ]"
				if t.Done {
					box = "[x]"
				}
			}
			w(indent, "%s %q (line %d)", box, t.Text, t.Line)
			durs(indent+1, t.Durations)
			tasks(indent+1, t.Tasks)
		}
	}
	d.Walk(func(s *Section) {
		w(0, "section %s %q (line %d)", s.Number, s.Title, s.Line)
		if s.Text != "" {
			w(1, "text %q", s.Text)
		}
		if len(s.DependsOn) > 0 {
			w(1, "depends on %s", strings.Join(s.DependsOn, ", "))
		}
		for _, dep := range s.Dependencies {
			line := fmt.Sprintf("dependency %s", dep.Section)
			if dep.Status != "" {
				line += " (" + dep.Status + ")"
			}
			if len(dep.Milestones) > 0 {
				line += " milestones " + strings.Join(dep.Milestones, ",")
			}
			if dep.Milestone != "" {
				line += " for " + dep.Milestone
			}
			w(1, "%s, line %d", line, dep.Line)
		}
		for _, pr := range s.Prerequisites {
			w(1, "prerequisite %q (line %d) depends on [%s]", pr.Text, pr.Line, strings.Join(pr.DependsOn, ","))
		}
		for _, m := range s.Milestones {
			id := m.ID
			if m.GeneratedID {
				id += " (generated)"
			}
			w(1, "milestone %s %q (line %d)", id, m.Title, m.Line)
			if len(m.DependsOn) > 0 {
				w(2, "depends on %s", strings.Join(m.DependsOn, ", "))
			}
			if len(m.After) > 0 {
				w(2, "after %s", strings.Join(m.After, ", "))
			}
			for _, pr := range m.Prerequisites {
				w(2, "prerequisite %q", pr)
			}
			if e := m.Estimate; e != nil {
				w(2, "estimate from line %d: volunteers %s, individual %s, total %s, stage %s", e.Line, rng(e.Volunteers), rng(e.IndividualHours), rng(e.TotalHours), e.Stage)
			}
			durs(2, m.Durations)
			tasks(2, m.Tasks)
		}
		if len(s.Tasks) > 0 {
			w(1, "section tasks:")
			tasks(2, s.Tasks)
		}
		for _, e := range s.Estimates {
			line := fmt.Sprintf("row %q (line %d)", e.Milestone, e.Line)
			if e.ReadAs != "" {
				line += " read as " + e.ReadAs
			}
			w(1, "%s", line)
		}
		for _, t := range s.TotalHours {
			w(1, "total %q (line %d): hours %s, stage %q %s", t.Text, t.Line, rng(t.Hours), t.Stage, t.StageMarker)
		}
		for _, fe := range s.FreeEstimates {
			w(1, "free estimate %q (line %d)", fe.Text, fe.Line)
			durs(2, fe.Durations)
		}
	})
	w(0, "warnings:")
	for _, x := range d.Warnings {
		w(1, "%d: %s", x.Line, x.Message)
	}
	return b.String()
}
