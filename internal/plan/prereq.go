package plan

import (
	"regexp"
	"strings"
)

var (
	// A sentence that states a condition rather than work: "Likely needs
	// coordination with …", "Contingent on lists from Stream 2 & 3",
	// "Requires sign-off", "Pending the budget". "Need to …" is work.
	prereqRE = regexp.MustCompile(`(?i)^(?:(?:likely|probably|possibly|may|might|will|would|could|also|this|it|work)\s+)*` +
		`(?:(needs?)\s+(\S+)|requires?\b|required\b|depends?\s+(?:up)?on\b|dependent\s+(?:up)?on\b|depending\s+(?:up)?on\b|` +
		`contingent\b|subject\s+to\b|pending\b|waiting\s+(?:on|for)\b|blocked\s+(?:by|on)\b|prerequisites?\b|assum(?:es|ing)\b|only\s+after\b|once\b)`)
	clauseSepRE = regexp.MustCompile(`\s+[-–—]\s+|;\s*|,\s+`)
)

// isPrerequisite reports whether a list item states a condition of the work
// rather than a step of it.
func isPrerequisite(body string) bool {
	m := prereqRE.FindStringSubmatch(clean(withoutFootnoteRefs(body)))
	if m == nil {
		return false
	}
	return m[1] == "" || !strings.EqualFold(m[2], "to")
}

// prerequisiteClauses returns the clauses of a milestone title after its
// first that are prerequisites.
func prerequisiteClauses(title string) []string {
	var out []string
	parts := clauseSepRE.Split(title, -1)
	for _, c := range parts[min(1, len(parts)):] {
		if c = strings.TrimSpace(c); c != "" && isPrerequisite(c) {
			out = append(out, c)
		}
	}
	return out
}

// prerequisite records a list item that is a prerequisite of the section.
// Deeper bullets and continuation lines add to its text.
func (p *parser) prerequisite(body string, n, indent int) {
	s := p.section(n)
	pr := &Prerequisite{Line: n, Text: clean(withoutFootnoteRefs(body))}
	s.Prerequisites = append(s.Prerequisites, pr)
	s.FootnoteRefs = appendUnique(s.FootnoteRefs, footnoteRefs(body)...)
	p.ms, p.tasks, p.orphan = nil, nil, false
	p.prereq, p.prereqIndent = pr, indent
	p.prereqDependencies(body, n)
	p.cont = func(more string, line int) {
		pr.Text = strings.TrimSpace(pr.Text + " " + clean(withoutFootnoteRefs(more)))
		p.prereqDependencies(more, line)
	}
}

// prereqDependencies records the sections a prerequisite line names, on the
// prerequisite and on the section.
func (p *parser) prereqDependencies(line string, n int) {
	before := len(p.cur.Dependencies)
	p.dependencies(line, n, nil)
	for _, d := range p.cur.Dependencies[before:] {
		p.prereq.DependsOn = appendUnique(p.prereq.DependsOn, d.Section)
	}
}

// ownsCheckbox reports whether a checkbox item is nested, at any depth,
// under the list item on line index i: among the non-blank lines after it
// that are indented deeper than it. The answers for all lines are worked out
// once, in one pass from the end of the file.
func (p *parser) ownsCheckbox(i int) bool {
	if p.owns == nil {
		p.owns = ownedCheckboxes(p.lines)
	}
	return p.owns[i]
}

func ownedCheckboxes(lines []string) []bool {
	owns := make([]bool, len(lines))
	type entry struct {
		indent int
		box    bool // the line or a line under it is a checkbox item
	}
	var stack []entry
	for i := len(lines) - 1; i >= 0; i-- {
		raw := expandTabs(lines[i])
		t := strings.TrimSpace(raw)
		if t == "" {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " "))
		under := false
		for len(stack) > 0 && stack[len(stack)-1].indent > indent {
			under = under || stack[len(stack)-1].box
			stack = stack[:len(stack)-1]
		}
		owns[i] = under
		box := false
		if m := bulletRE.FindStringSubmatch(strings.TrimLeft(t, "> ")); m != nil && checkboxRE.MatchString(m[2]) {
			box = true
		}
		stack = append(stack, entry{indent: indent, box: box || under})
	}
	return owns
}
