package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// What the lines under a heading are.
type blockMode int

const (
	textBlock     blockMode = iota // explanation, header lines, milestones
	keyStepsBlock                  // "Key Steps/Milestones": top-level bullets are milestones
	estimateBlock                  // "Time & Resource Estimate": tables, totals, costs, prose estimates
	footnoteBlock                  // "Footnotes:"
)

var (
	headingRE     = regexp.MustCompile(`^(#{1,6})(?:\s+(.*?))?\s*$`)
	numberedRE    = regexp.MustCompile(`(?i)^(?:section\s+)?(\d+(?:\.\d+)*)\.?(?:\s*[-–—:.)]\s*|\s+|$)(.*)$`)
	bulletRE      = regexp.MustCompile(`^([-*+•]|\d{1,9}[.)])(?:\s+(.*))?$`)
	checkboxRE    = regexp.MustCompile(`^\[([ xX])\](?:\s+(.*)|$)`)
	footnoteDefRE = regexp.MustCompile(`^\[\^([^\]\s]+)\]:\s*(.*)$`)
	footnotesHdRE = regexp.MustCompile(`(?i)^(?:\*\*)?footnotes:?(?:\*\*)?:?$`)
	milestoneIDRE = regexp.MustCompile(`(?i)^(?:milestone\s+)?m?(\d+[a-z]?)$`)
	msHeadRE      = regexp.MustCompile(`(?i)^(\*\*|__)?\s*(milestone\s+(\d+[a-z]?)|m(\d+[a-z]?))((?:\[\^[^\]\s]+\])*)\s*(:)?\s*(\*\*|__)?((?:\[\^[^\]\s]+\])*)\s*(:|[-–—](?:\s|$)|[.)](?:\s|$))?\s*(.*)$`)
	metaRE        = regexp.MustCompile(`(?i)^(section\s+)?(co-leads?|leads?|team members|team|members|meeting time\s*/\s*details|meeting time|meeting details|meeting|tracking|links?)\b\s*(.*)$`)
	totalsRE      = regexp.MustCompile(`(?i)^((?:estimated\s+)?total\b[^:|]*\b(?:hours?|hrs)\b[^:|]*):\s*(.*)$`)
	explanationRE = regexp.MustCompile(`(?i)^(?:explanation|description|overview)\s*:\s*`)
	separatorRE   = regexp.MustCompile(`^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$`)
	rowSectionRE  = regexp.MustCompile(`^(\d+(?:\.\d+)+)\s*(.*)$`)
	teamSepRE     = regexp.MustCompile(`\s*(?:,|;|&|\band\b)\s*`)
)

type taskFrame struct {
	indent int
	task   *Task
}

type pendingRow struct {
	section *Section
	est     *Estimate
	idCell  string // cleaned, without footnote marks
	idCol   bool   // the table has a milestone column
	table   int    // which table of the file (1, 2…)
	pos     int    // 0-based position among the table's rows
}

type parser struct {
	doc   *Document
	lines []string

	stack []*Section // open sections, outermost first
	cur   *Section
	mode  blockMode

	ms       *Milestone // milestone that list items attach to
	msIndent int
	msList   bool // the milestone is itself a list item
	tasks    []taskFrame
	orphan   bool // tasks hang off the section, not a milestone
	keyBase  int  // indentation of the key steps list, -1 before its first item
	keyCount map[*Section]int

	cont func(text string, line int) // where an indented continuation line goes

	owns         []bool        // by line index: a checkbox item is nested under the line
	prereq       *Prerequisite // the prerequisite that deeper bullets continue
	prereqIndent int

	para     []string
	preamble bool // a preamble paragraph is open

	table     []int // line indexes of the table being read
	footnotes map[string]*Footnote
	lastFN    *Footnote
	rows      []pendingRow
	tables    int // estimate tables read so far
	implicit  map[*Section]bool
	msIDs     map[msKey]*Milestone // first milestone of each id in each section
}

type msKey struct {
	section *Section
	id      string // lower-case
}

// Parse reads a plan in the SIRT plan's Markdown format. It never fails:
// lines it cannot place are kept where possible and reported in the
// document's Warnings with their line numbers.
func Parse(src []byte) *Document {
	text := strings.TrimPrefix(string(src), "\uFEFF")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	p := &parser{
		doc:       &Document{},
		lines:     strings.Split(text, "\n"),
		keyBase:   -1,
		keyCount:  map[*Section]int{},
		footnotes: map[string]*Footnote{},
		implicit:  map[*Section]bool{},
		msIDs:     map[msKey]*Milestone{},
	}
	for i := range p.lines {
		p.line(i)
	}
	p.flushTable()
	p.flushPara()
	p.joinEstimates()
	p.checkArithmetic()
	p.resolveFootnotes()
	p.finish()
	return p.doc
}

func (p *parser) warn(line int, format string, args ...any) {
	p.doc.Warnings = append(p.doc.Warnings, Warning{Line: line, Message: fmt.Sprintf(format, args...)})
}

func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 4 - col%4
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

func isRule(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 3 {
		return false
	}
	c := s[0]
	if c != '-' && c != '*' && c != '_' && c != '=' {
		return false
	}
	return strings.Count(s, string(c)) == len(s)
}

func (p *parser) isTableLine(i int, trimmed string) bool {
	if strings.HasPrefix(trimmed, "|") {
		return true
	}
	if !strings.Contains(trimmed, "|") || i+1 >= len(p.lines) {
		return false
	}
	next := strings.TrimSpace(p.lines[i+1])
	return strings.Contains(next, "|") && separatorRE.MatchString(next)
}

// line handles the line with index i (line number i+1).
func (p *parser) line(i int) {
	n := i + 1
	raw := expandTabs(strings.TrimRight(p.lines[i], "\r"))
	trimmed := strings.TrimSpace(raw)
	indent := len(raw) - len(strings.TrimLeft(raw, " "))

	if len(p.table) > 0 {
		if trimmed != "" && strings.Contains(trimmed, "|") {
			p.table = append(p.table, i)
			return
		}
		p.flushTable()
	}
	if trimmed == "" {
		p.flushPara()
		p.cont = nil
		p.lastFN = nil
		return
	}
	if indent < 4 && p.isTableLine(i, trimmed) {
		p.flushPara()
		p.cont = nil
		p.table = append(p.table, i)
		return
	}
	if m := headingRE.FindStringSubmatch(trimmed); m != nil && indent < 4 {
		p.heading(len(m[1]), strings.TrimSpace(strings.TrimRight(m[2], "#")), n)
		return
	}
	if isRule(trimmed) {
		p.flushPara()
		p.cont = nil
		return
	}
	if footnotesHdRE.MatchString(trimmed) {
		p.flushPara()
		p.mode = footnoteBlock
		p.ms, p.tasks, p.cont = nil, nil, nil
		return
	}
	if m := footnoteDefRE.FindStringSubmatch(trimmed); m != nil {
		p.flushPara()
		p.footnote(m[1], m[2], n)
		return
	}

	// Block quotes ("> Estimated Total …") are read like any other line.
	quoted := false
	content := trimmed
	for strings.HasPrefix(content, ">") {
		quoted = true
		content = strings.TrimSpace(content[1:])
	}
	if content == "" {
		p.flushPara()
		return
	}

	bullet := false
	body := content
	if m := bulletRE.FindStringSubmatch(content); m != nil && !isRule(content) {
		bullet, body = true, m[2]
	}
	box, done := false, false
	if m := checkboxRE.FindStringSubmatch(body); m != nil {
		box, done, body = true, m[1] != " ", m[2]
		bullet = true
	}

	if !bullet && indent >= 2 && p.cont != nil {
		p.cont(content, n)
		return
	}
	if p.mode == footnoteBlock {
		p.warn(n, "Line %d is in the footnotes block but is not a footnote definition (want [^1]: text); it is not imported: %s.", n, snippet(trimmed))
		return
	}
	if bullet && body == "" {
		return // an empty list item carries nothing
	}
	plain := clean(body)

	if m := totalsRE.FindStringSubmatch(plain); m != nil {
		p.flushPara()
		p.totals(m[1], m[2], n)
		return
	}
	if id, refs, title, ok := milestoneHead(body); ok {
		p.flushPara()
		p.milestone(id, false, refs, title, n, indent, bullet, box, done)
		return
	}
	if p.prereq != nil && bullet && indent > p.prereqIndent && p.mode != estimateBlock {
		p.prereq.Text += "; " + clean(withoutFootnoteRefs(body))
		p.prereqDependencies(body, n)
		return
	}
	if p.mode == keyStepsBlock && bullet {
		p.flushPara()
		if p.keyBase < 0 || indent <= p.keyBase || p.ms == nil {
			if p.keyBase < 0 || indent < p.keyBase {
				p.keyBase = indent
			}
			if !box && isPrerequisite(body) {
				p.prerequisite(body, n, indent)
				return
			}
			s := p.section(n)
			p.keyCount[s]++
			p.milestone(fmt.Sprintf("K%d", p.keyCount[s]), true, footnoteRefs(body), withoutFootnoteRefs(body), n, indent, true, box, done)
			return
		}
		p.task(body, n, indent, box, done)
		return
	}
	if bullet && p.ms != nil && (!p.msList || indent > p.msIndent) && p.mode != estimateBlock {
		p.flushPara()
		p.task(body, n, indent, box, done)
		return
	}
	if bullet && p.orphan && len(p.tasks) > 0 && indent > p.tasks[0].indent {
		p.task(body, n, indent, box, done)
		return
	}
	if p.mode == textBlock && bullet && !box && p.ownsCheckbox(i) {
		// A plain bullet with checkbox items nested under it is a milestone.
		p.flushPara()
		s := p.section(n)
		p.keyCount[s]++
		p.milestone(fmt.Sprintf("K%d", p.keyCount[s]), true, footnoteRefs(body), withoutFootnoteRefs(body), n, indent, true, false, false)
		return
	}
	if p.mode == textBlock && p.cur != nil && p.meta(body, n) {
		p.flushPara()
		return
	}
	if c, ok := parseCost(plain); ok && p.cur != nil {
		p.flushPara()
		c.Line = n
		p.cur.Costs = append(p.cur.Costs, c)
		return
	}
	if p.mode == estimateBlock && p.cur != nil {
		p.flushPara()
		fe := &FreeEstimate{Line: n, Text: plain}
		p.cur.FreeEstimates = append(p.cur.FreeEstimates, fe)
		p.cur.FootnoteRefs = appendUnique(p.cur.FootnoteRefs, footnoteRefs(body)...)
		p.dependencies(body, n, nil)
		p.cont = func(more string, _ int) {
			fe.Text += " " + clean(more)
		}
		return
	}
	if box {
		p.flushPara()
		s := p.section(n)
		if !p.orphan || len(p.tasks) == 0 || indent <= p.tasks[0].indent {
			where := "section " + sectionName(s)
			p.warn(n, "Checkbox item on line %d is not under a milestone; it is kept as a task of %s. Put it under an M-numbered item, indented, to attach it to that milestone.", n, where)
			p.ms, p.tasks, p.orphan = nil, nil, true
		}
		p.task(body, n, indent, box, done)
		return
	}
	p.text(content, bullet, quoted, indent, n)
}

func sectionName(s *Section) string {
	if s.Number != "" {
		return s.Number
	}
	if s.Title != "" {
		return fmt.Sprintf("%q", s.Title)
	}
	return fmt.Sprintf("(untitled, line %d)", s.Line)
}

// text adds an explanation line to the current section's text.
func (p *parser) text(content string, bullet, quoted bool, indent, n int) {
	if bullet {
		content = "- " + strings.TrimSpace(bulletRE.ReplaceAllString(content, "$2"))
	}
	if p.msList && indent == 0 && !bullet {
		p.ms, p.tasks = nil, nil // a paragraph ends the milestone list
	}
	p.orphan, p.prereq = false, nil
	if !bullet {
		p.cont = nil
	}
	if p.cur == nil {
		if !p.preamble {
			p.warn(n, "Text on line %d comes before the first section heading and belongs to no section; it is kept as the document preamble.", n)
			p.preamble = true
		}
		if p.doc.Preamble != "" {
			p.doc.Preamble += "\n"
		}
		p.doc.Preamble += content
		return
	}
	if len(p.para) == 0 {
		content = explanationRE.ReplaceAllString(content, "")
	}
	p.para = append(p.para, content)
	p.cur.FootnoteRefs = appendUnique(p.cur.FootnoteRefs, footnoteRefs(content)...)
	p.dependencies(content, n, nil)
}

func (p *parser) flushPara() {
	p.preamble = false
	if len(p.para) == 0 || p.cur == nil {
		p.para = nil
		return
	}
	t := strings.TrimSpace(strings.Join(p.para, "\n"))
	p.para = nil
	if t == "" {
		return
	}
	if p.cur.Text != "" {
		p.cur.Text += "\n\n"
	}
	p.cur.Text += t
}

// section returns the current section, making an untitled one (with a
// warning) for items that come before any heading.
func (p *parser) section(n int) *Section {
	if p.cur != nil {
		return p.cur
	}
	s := &Section{Line: n}
	p.implicit[s] = true
	p.doc.Sections = append(p.doc.Sections, s)
	p.cur = s
	p.warn(n, "Line %d comes before any section heading; it is kept in an untitled section.", n)
	return s
}

// blockHeading tells the block headings that organise a section apart from
// headings that start a section.
func blockHeading(title string) (blockMode, bool) {
	norm := strings.Join(strings.FieldsFunc(strings.ToLower(clean(title)), func(r rune) bool {
		return !('a' <= r && r <= 'z')
	}), " ")
	switch {
	case strings.Contains(norm, "estimate"):
		return estimateBlock, true
	case strings.Contains(norm, "key step"), strings.HasPrefix(norm, "milestone"), norm == "key milestones",
		norm == "steps", norm == "deliverables":
		return keyStepsBlock, true
	case norm == "footnotes" || norm == "foot notes":
		return footnoteBlock, true
	}
	switch norm {
	case "explanation", "description", "overview", "background", "context", "dependencies", "tracking",
		"team", "summary", "goal", "goals", "objective", "objectives", "notes", "scope":
		return textBlock, true
	}
	return textBlock, false
}

func (p *parser) heading(level int, text string, n int) {
	p.flushPara()
	p.ms, p.tasks, p.orphan, p.cont, p.lastFN, p.prereq = nil, nil, false, nil, nil, nil
	p.keyBase = -1
	text = clean(text)

	number, title := "", text
	if m := numberedRE.FindStringSubmatch(text); m != nil && (strings.Contains(m[1], ".") || len(m[1]) <= 2) {
		number, title = m[1], strings.TrimSpace(m[2])
	}
	if number == "" {
		if mode, ok := blockHeading(title); ok {
			p.section(n)
			p.mode = mode
			return
		}
		if p.cur != nil && !p.implicit[p.cur] && level > p.cur.Level {
			// A sub-heading without a number inside a section: part of its text.
			p.mode = textBlock
			p.para = append(p.para, title)
			p.flushPara()
			return
		}
		if title == "" {
			p.warn(n, "Heading on line %d is empty; it is ignored.", n)
			return
		}
	}
	s := &Section{Number: number, Title: title, Level: level, Line: n}
	for len(p.stack) > 0 && !isParent(p.stack[len(p.stack)-1], s) {
		p.stack = p.stack[:len(p.stack)-1]
	}
	if len(p.stack) == 0 {
		p.doc.Sections = append(p.doc.Sections, s)
	} else {
		parent := p.stack[len(p.stack)-1]
		parent.Sections = append(parent.Sections, s)
	}
	p.stack = append(p.stack, s)
	p.cur = s
	p.mode = textBlock
}

// isParent reports whether s nests under open section top: by heading level,
// or by number at the same level ("3.0" holds "3.1", "3.1" holds "3.1.2").
func isParent(top, s *Section) bool {
	if top.Level < s.Level {
		return true
	}
	return top.Level == s.Level && numberIsParent(top.Number, s.Number)
}

func numberIsParent(a, b string) bool {
	if a == "" || b == "" || a == b {
		return false
	}
	base := strings.TrimSuffix(a, ".0")
	return strings.HasPrefix(b, base+".")
}

// milestoneHead recognises a milestone line: "**M1**: title", "**M1[^1]**:",
// "M1a: title", "M2 - title", "Milestone 3: title". Without bold marks an
// id needs a separator after it, so prose such as "M3 is late" is not one.
func milestoneHead(body string) (id string, refs []string, title string, ok bool) {
	m := msHeadRE.FindStringSubmatch(strings.TrimSpace(body))
	if m == nil {
		return "", nil, "", false
	}
	bold := m[1] != "" && m[7] != ""
	sep := m[6] != "" || m[9] != ""
	if !bold && !sep {
		return "", nil, "", false
	}
	id = "M" + strings.ToLower(m[3]+m[4])
	refs = appendUnique(footnoteRefs(m[5]), footnoteRefs(m[8])...)
	rest := m[10]
	refs = appendUnique(refs, footnoteRefs(rest)...)
	return id, refs, withoutFootnoteRefs(rest), true
}

func (p *parser) milestone(id string, generated bool, refs []string, title string, n, indent int, bullet, box, done bool) {
	s := p.section(n)
	key := msKey{s, lowerASCII(id)}
	prev, dup := p.msIDs[key]
	if dup && !generated {
		p.warn(n, "Milestone %s appears twice in section %s (first on line %d); estimate rows join the first.", id, sectionName(s), prev.Line)
	}
	m := &Milestone{
		ID: id, GeneratedID: generated, Title: clean(title), Line: n, Done: done, Checkbox: box,
		Issues: extractIssues(title), FootnoteRefs: refs,
	}
	s.Milestones = append(s.Milestones, m)
	if !dup {
		p.msIDs[key] = m
	}
	p.dependencies(title, n, m)
	p.ms, p.msIndent, p.msList, p.tasks, p.orphan, p.prereq = m, indent, bullet, nil, false, nil
	p.cont = func(more string, line int) {
		m.Title = strings.TrimSpace(m.Title + " " + clean(withoutFootnoteRefs(more)))
		m.Issues = append(m.Issues, extractIssues(more)...)
		m.FootnoteRefs = appendUnique(m.FootnoteRefs, footnoteRefs(more)...)
		p.dependencies(more, line, m)
	}
}

func (p *parser) task(body string, n, indent int, box, done bool) {
	t := &Task{
		Text: clean(withoutFootnoteRefs(body)), Done: done, Checkbox: box, Line: n,
		Issues: extractIssues(body), FootnoteRefs: footnoteRefs(body),
	}
	for len(p.tasks) > 0 && p.tasks[len(p.tasks)-1].indent >= indent {
		p.tasks = p.tasks[:len(p.tasks)-1]
	}
	switch {
	case len(p.tasks) > 0:
		parent := p.tasks[len(p.tasks)-1].task
		parent.Tasks = append(parent.Tasks, t)
	case p.ms != nil && !p.orphan:
		p.ms.Tasks = append(p.ms.Tasks, t)
	default:
		s := p.section(n)
		s.Tasks = append(s.Tasks, t)
	}
	p.tasks = append(p.tasks, taskFrame{indent: indent, task: t})
	if p.orphan {
		p.dependencies(body, n, nil)
	} else {
		p.dependencies(body, n, p.ms)
	}
	p.cont = func(more string, line int) {
		t.Text = strings.TrimSpace(t.Text + " " + clean(withoutFootnoteRefs(more)))
		t.Issues = append(t.Issues, extractIssues(more)...)
		t.FootnoteRefs = appendUnique(t.FootnoteRefs, footnoteRefs(more)...)
	}
}

// dependencies records the sections a line depends on, on the current
// section and, when m is set, on that milestone. A reference to the
// section's own milestones ("Follow 3.2 M3-M5" inside 3.2) is recorded in
// the milestone's After; references to the section itself, its parents or
// its sub-sections are not dependencies.
func (p *parser) dependencies(line string, n int, m *Milestone) {
	if p.cur == nil {
		return
	}
	for _, d := range extractDependencies(line) {
		if d.section == p.cur.Number {
			if m != nil {
				for _, id := range d.milestones {
					if !equalFoldID(id, m.ID) {
						m.After = appendUnique(m.After, id)
					}
				}
			}
			continue
		}
		if numberIsParent(d.section, p.cur.Number) || numberIsParent(p.cur.Number, d.section) {
			continue
		}
		dep := Dependency{Section: d.section, Status: d.status, Line: n, Milestones: d.milestones}
		if m != nil {
			dep.Milestone = m.ID
			m.DependsOn = appendUnique(m.DependsOn, d.section)
		}
		p.cur.Dependencies = append(p.cur.Dependencies, dep)
		p.cur.DependsOn = appendUnique(p.cur.DependsOn, d.section)
	}
}

// meta reads a section header line: "Section Lead - Name", "Section Team -
// A, B", "Section Meeting Time/Details - …", "Section Meeting [Zoom](…)",
// "**Tracking**: TBD". It reports whether the line was one.
func (p *parser) meta(body string, n int) bool {
	m := metaRE.FindStringSubmatch(stripEmphasis(body))
	if m == nil {
		return false
	}
	key, rest := strings.ToLower(m[2]), strings.TrimSpace(m[3])
	var value string
	switch {
	case strings.HasPrefix(rest, ":"):
		value = strings.TrimSpace(rest[1:])
	case strings.HasPrefix(rest, "- "), strings.HasPrefix(rest, "– "), strings.HasPrefix(rest, "— "):
		value = strings.TrimSpace(strings.TrimLeft(rest, "-–— "))
	case m[1] != "": // "Section Meeting [Zoom](…)"
		value = rest
	default:
		return false
	}
	s := p.cur
	label := "Meeting"
	switch {
	case strings.Contains(key, "lead"):
		if s.Lead != "" {
			s.Lead += ", "
		}
		s.Lead += clean(value)
		label = "Lead"
	case strings.Contains(key, "team") || key == "members":
		for _, t := range teamSepRE.Split(clean(value), -1) {
			if t = strings.TrimSpace(t); t != "" {
				s.Team = append(s.Team, t)
			}
		}
		label = "Team"
	case strings.HasPrefix(key, "tracking"):
		s.Tracking = clean(value)
		label = "Tracking"
	case strings.HasPrefix(key, "link"):
		label = "Link"
	}
	links := mdLinkRE.FindAllStringSubmatch(value, -1)
	for _, l := range links {
		s.Links = append(s.Links, Link{Label: label, Text: clean(l[1]), URL: l[2], Line: n})
	}
	if strings.HasPrefix(key, "meeting") {
		rest := strings.TrimSpace(shortcodeRE.ReplaceAllString(mdLinkRE.ReplaceAllString(value, ""), ""))
		if rest != "" {
			if s.Meeting != "" {
				s.Meeting += "; "
			}
			s.Meeting += clean(rest)
		} else if len(links) == 0 {
			p.warn(n, "Meeting line %d names neither a time nor a link; it is ignored.", n)
		}
	}
	if label == "Link" && len(links) == 0 {
		p.warn(n, "Links line %d has no Markdown link ([text](url)); it is ignored: %s.", n, snippet(body))
	}
	p.dependencies(value, n, nil)
	return true
}

func (p *parser) footnote(label, text string, n int) {
	if prev, ok := p.footnotes[label]; ok {
		p.warn(n, "Footnote [^%s] is defined twice (first on line %d); the first definition is used.", label, prev.Line)
	}
	f := &Footnote{Label: label, Text: clean(text), Line: n}
	if _, ok := p.footnotes[label]; !ok {
		p.footnotes[label] = f
	}
	p.doc.Footnotes = append(p.doc.Footnotes, f)
	p.lastFN = f
	p.cont = func(more string, _ int) { f.Text = strings.TrimSpace(f.Text + " " + clean(more)) }
}

// totals reads "Estimated Total Combined Volunteer Hours: 68-83 Y1, 56-68 Y2+"
// (see splitTotals for the forms).
func (p *parser) totals(label, value string, n int) {
	s := p.section(n)
	value = strings.TrimSpace(value)
	if value == "" {
		p.warn(n, "Total hours line %d gives no number; it is ignored.", n)
		return
	}
	parts := splitTotals(value)
	// "Total hours (Y1): 68-83": the label names the stage of a lone figure.
	if len(parts) == 1 && parts[0].stage == "" && !parts[0].stageOnly {
		if st := totalStageRE.FindAllString(label, -1); len(st) == 1 {
			if stage, marker, ok := parseStage(strings.Trim(st[0], " ()")); ok {
				parts[0].stage, parts[0].marker = stage, marker
			}
		}
	}
	for _, part := range parts {
		if part.stageOnly {
			p.warn(n, "Total hours line %d names stage %s without a number of hours for it; the stage is ignored.", n, part.text)
			continue
		}
		t := TotalHours{Line: n, Text: part.text, Stage: part.stage, StageMarker: part.marker}
		r, problem := parseRange(part.hours, hoursColumn)
		r.Text = part.hours
		if problem != "" {
			p.warn(n, "Total hours %s on line %d %s.", snippet(part.text), n, problem)
		}
		t.Hours = r
		s.TotalHours = append(s.TotalHours, t)
	}
}

// Columns of an estimate table.
const (
	colMilestone = iota
	colVolunteers
	colIndividual
	colTotal
	colStage
	colCount
)

var columnNames = [colCount]string{"Milestone", "Estimated Volunteers", "Estimated Individual Hours", "Estimated Total Hours", "Stage"}

func classifyColumn(header string) int {
	h := strings.ToLower(clean(header))
	switch {
	case strings.Contains(h, "volunteer") || strings.Contains(h, "people") || strings.Contains(h, "headcount") || strings.Contains(h, "staff"):
		return colVolunteers
	case strings.Contains(h, "individual") || strings.Contains(h, "per person") || strings.Contains(h, "each"):
		return colIndividual
	case strings.Contains(h, "total") || h == "hours" || h == "hrs" || strings.HasSuffix(h, " hours"):
		return colTotal
	case strings.Contains(h, "stage") || strings.Contains(h, "phase") || h == "year" || strings.Contains(h, "timeline") || h == "when":
		return colStage
	case strings.Contains(h, "milestone") || h == "id" || h == "#" || strings.Contains(h, "step") || h == "item" || h == "task":
		return colMilestone
	}
	return -1
}

func splitRow(line string) []string {
	s := strings.TrimSpace(line)
	s = strings.TrimPrefix(s, "|")
	if strings.HasSuffix(s, "|") && !strings.HasSuffix(s, `\|`) {
		s = s[:len(s)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '|':
			cur.WriteByte('|')
			i++
		case s[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// flushTable reads the table collected in p.table as a Time & Resource
// Estimate table. Rows are joined to milestones once the whole file is read.
func (p *parser) flushTable() {
	idx := p.table
	p.table = nil
	if len(idx) == 0 {
		return
	}
	first := idx[0] + 1
	s := p.section(first)
	header := splitRow(p.lines[idx[0]])
	cols := make([]int, len(header))
	var where [colCount]int
	for i := range where {
		where[i] = -1
	}
	known := 0
	for i, h := range header {
		c := classifyColumn(h)
		cols[i] = c
		if c >= 0 && where[c] < 0 {
			where[c] = i
			if c != colMilestone {
				known++
			}
		} else if c >= 0 {
			cols[i] = -1 // a repeated column is kept as an extra
		}
	}
	rows := idx[1:]
	if len(rows) > 0 && separatorRE.MatchString(strings.TrimSpace(p.lines[rows[0]])) {
		rows = rows[1:]
	} else {
		p.warn(first, "Table header on line %d is not followed by a separator row (| --- | --- |); the next lines are read as rows.", first)
	}
	if known == 0 {
		p.warn(first, "Table on line %d is not a Time & Resource Estimate table: its header names none of Estimated Volunteers, Individual Hours, Total Hours or Stage. Its %d rows are kept as section text only.", first, len(rows))
		var raw []string
		for _, i := range idx {
			raw = append(raw, strings.TrimSpace(p.lines[i]))
		}
		p.para = append(p.para, raw...)
		p.flushPara()
		return
	}
	for c, i := range where {
		if i < 0 {
			what := "its values are unknown"
			if c == colMilestone {
				what = "its rows cannot be joined to milestones"
			}
			p.warn(first, "Estimate table on line %d has no %s column; %s.", first, columnNames[c], what)
		}
	}
	p.tables++
	pos := 0
	for _, ri := range rows {
		if p.estimateRow(s, header, cols, where, ri, pos) {
			pos++
		}
	}
}

// estimateRow reads the row on line index ri, the pos-th row of its table,
// and reports whether it was kept as an estimate.
func (p *parser) estimateRow(s *Section, header []string, cols []int, where [colCount]int, ri, pos int) bool {
	n := ri + 1
	cells := splitRow(p.lines[ri])
	empty := true
	for _, c := range cells {
		if c != "" {
			empty = false
		}
	}
	if empty {
		return false
	}
	if separatorRE.MatchString(strings.TrimSpace(p.lines[ri])) {
		p.warn(n, "Line %d repeats a table separator row; it is ignored.", n)
		return false
	}
	if len(cells) != len(header) {
		fix := "the missing cells are unknown"
		if len(cells) > len(header) {
			fix = "the extra cells are kept in the row text only"
		}
		p.warn(n, "Estimate row on line %d has %d cells but the table header has %d; %s.", n, len(cells), len(header), fix)
	}
	cell := func(c int) (string, bool) {
		i := where[c]
		if i < 0 || i >= len(cells) {
			return "", false
		}
		return cells[i], true
	}
	e := &Estimate{Line: n}
	idRaw, _ := cell(colMilestone)
	e.FootnoteRefs = footnoteRefs(idRaw)
	e.Milestone = clean(withoutFootnoteRefs(idRaw))
	var text []string
	for i, c := range cells {
		if i == where[colMilestone] {
			continue
		}
		text = append(text, c)
		if i >= len(cols) || cols[i] < 0 {
			if e.Extra == nil {
				e.Extra = map[string]string{}
			}
			name := fmt.Sprintf("column %d", i+1)
			if i < len(header) && header[i] != "" {
				name = clean(header[i])
			}
			e.Extra[name] = c
		}
	}
	e.Text = strings.Join(text, " | ")
	label := e.Milestone
	if label == "" {
		label = "(no milestone)"
	}
	rng := func(c int, kind quantityKind) *Range {
		v, ok := cell(c)
		if !ok {
			return nil
		}
		r, problem := parseRange(v, kind)
		if problem != "" {
			p.warn(n, "Estimate row %s on line %d: the %s cell %s.", label, n, columnNames[c], problem)
		}
		return r
	}
	e.Volunteers = rng(colVolunteers, volunteersColumn)
	e.IndividualHours = rng(colIndividual, hoursColumn)
	e.TotalHours = rng(colTotal, hoursColumn)
	if v, ok := cell(colStage); ok {
		stage, marker, ok := parseStage(v)
		e.Stage, e.StageMarker = stage, marker
		switch {
		case strings.TrimSpace(v) == "":
			p.warn(n, "Estimate row %s on line %d has no stage; want Y1, Y2… optionally with ➡️ (starts) or 🔚 (ends).", label, n)
		case !ok:
			p.warn(n, "Estimate row %s on line %d has an unknown stage %s; want Y1, Y2… optionally with ➡️ (starts) or 🔚 (ends).", label, n, snippet(v))
		}
	}
	s.Estimates = append(s.Estimates, e)
	p.rows = append(p.rows, pendingRow{section: s, est: e, idCell: e.Milestone, idCol: where[colMilestone] >= 0, table: p.tables, pos: pos})
	return true
}

// joinEstimates attaches each estimate row to its milestone: by id in the
// table's section ("M1", or "3.1 M1" for another section), else by a title
// similar enough (see Similarity) to the row's first cell. A row whose id
// repeats one already joined, or names no milestone, is mislabelled: it is
// read as the row of the milestone in the same place of the section (the
// third row for the third milestone) when that milestone has no row of its
// own, with a warning, so its hours still count.
func (p *parser) joinEstimates() {
	type target struct {
		row     pendingRow
		s       *Section
		id      string
		ms      *Milestone
		crossed bool // the row names another section ("3.1 M1")
	}
	var targets []target
	named := map[*Milestone]bool{} // milestones some row names
	for _, r := range p.rows {
		e, s, id := r.est, r.section, r.idCell
		if id == "" {
			if r.idCol {
				p.warn(e.Line, "Estimate row on line %d names no milestone; it is kept in the section's estimates only.", e.Line)
			}
			continue
		}
		crossed := false
		if m := rowSectionRE.FindStringSubmatch(id); m != nil && m[2] != "" {
			if other := p.doc.Section(m[1]); other != nil {
				s, id, crossed = other, strings.TrimSpace(m[2]), other != r.section
			}
		}
		var ms *Milestone
		if m := milestoneIDRE.FindStringSubmatch(id); m != nil {
			num := m[1]
			ms = s.Milestone("M" + num)
		} else if len(id) >= 2 && (id[0] == 'K' || id[0] == 'k') && s.Milestone(id) != nil {
			ms = s.Milestone(id)
		} else {
			best := 0.0
			for _, m := range s.Milestones {
				if sim := Similarity(m.Title, id); sim >= matchThreshold && sim > best {
					ms, best = m, sim
				}
			}
		}
		if ms != nil {
			named[ms] = true
		}
		targets = append(targets, target{row: r, s: s, id: id, ms: ms, crossed: crossed})
	}
	for _, t := range targets {
		e, s, ms := t.row.est, t.s, t.ms
		if ms != nil && ms.Estimate == nil {
			ms.Estimate = e
			ms.FootnoteRefs = appendUnique(ms.FootnoteRefs, e.FootnoteRefs...)
			continue
		}
		// A mislabelled row: the milestone in the same place, if no row names it.
		var guess *Milestone
		if !t.crossed && milestoneIDRE.MatchString(t.id) && t.row.pos < len(s.Milestones) {
			// Not a milestone whose id is itself repeated: which one is meant is unclear.
			if g := s.Milestones[t.row.pos]; g.Estimate == nil && !named[g] && p.msIDs[msKey{s, lowerASCII(g.ID)}] == g && !g.GeneratedID {
				guess = g
			}
		}
		ord := ordinal(t.row.pos + 1)
		switch {
		case guess != nil && ms != nil:
			p.warn(e.Line, "Estimate row %s on line %d repeats milestone %s of section %s (its row is on line %d); it is read as the row of %s, the %s milestone, which no row names, so its hours count. Correct the milestone id in the file.",
				snippet(t.id), e.Line, ms.ID, sectionName(s), ms.Estimate.Line, guess.ID, ord)
		case guess != nil:
			p.warn(e.Line, "Estimate row %s on line %d matches no milestone of section %s; it is read as the row of %s, the %s milestone, which no row names, so its hours count. Correct the milestone id in the file.",
				snippet(t.id), e.Line, sectionName(s), guess.ID, ord)
		case ms == nil:
			p.warn(e.Line, "Estimate row %s on line %d matches no milestone of section %s; it is kept in the section's estimates only.", snippet(t.id), e.Line, sectionName(s))
			continue
		default:
			p.warn(e.Line, "Milestone %s of section %s already has an estimate (line %d); the row on line %d is kept in the section's estimates only. Is its milestone id a typo?", ms.ID, sectionName(s), ms.Estimate.Line, e.Line)
			continue
		}
		guess.Estimate = e
		e.ReadAs = guess.ID
		guess.FootnoteRefs = appendUnique(guess.FootnoteRefs, e.FootnoteRefs...)
	}
}

// ordinal is "1st", "2nd", "3rd", "4th"…
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// resolveFootnotes copies the text of each referenced footnote onto the
// items that reference it, and warns (once per label) about references
// without a definition and about definitions nothing references.
func (p *parser) resolveFootnotes() {
	undefined := map[string]int{} // label -> first line referencing it
	resolve := func(refs []string, line int) []string {
		out := []string{}
		for _, r := range refs {
			f, ok := p.footnotes[r]
			if !ok {
				if first, seen := undefined[r]; !seen || line < first {
					undefined[r] = line
				}
				continue
			}
			f.Referenced = true
			out = append(out, f.Text)
		}
		return out
	}
	var tasks func([]*Task)
	tasks = func(ts []*Task) {
		for _, t := range ts {
			t.Footnotes = resolve(t.FootnoteRefs, t.Line)
			tasks(t.Tasks)
		}
	}
	p.doc.Walk(func(s *Section) {
		s.Footnotes = resolve(s.FootnoteRefs, s.Line)
		for _, e := range s.Estimates {
			e.Footnotes = resolve(e.FootnoteRefs, e.Line)
		}
		for _, m := range s.Milestones {
			m.Footnotes = resolve(m.FootnoteRefs, m.Line)
			tasks(m.Tasks)
		}
		tasks(s.Tasks)
	})
	labels := make([]string, 0, len(undefined))
	for l := range undefined {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for _, l := range labels {
		p.warn(undefined[l], "Footnote [^%s] referenced on line %d is not defined anywhere in the file (want a line [^%s]: text).", l, undefined[l], l)
	}
	for _, f := range p.doc.Footnotes {
		if !f.Referenced && p.footnotes[f.Label] == f {
			p.warn(f.Line, "Footnote [^%s] on line %d is defined but nothing references it.", f.Label, f.Line)
		}
	}
}

// finish extracts the durations named by milestones, tasks and prose
// estimates (once their continuation lines are joined), makes every list
// non-nil (so JSON shows [] rather than null) and sorts the warnings by line.
func (p *parser) finish() {
	d := p.doc
	var tasks func([]*Task)
	tasks = func(ts []*Task) {
		for _, t := range ts {
			t.Durations = extractDurations(t.Text)
			t.Issues = nonNil(t.Issues)
			t.FootnoteRefs = nonNil(t.FootnoteRefs)
			t.Footnotes = nonNil(t.Footnotes)
			t.Tasks = nonNil(t.Tasks)
			tasks(t.Tasks)
		}
	}
	d.Walk(func(s *Section) {
		s.Team = nonNil(s.Team)
		s.Links = nonNil(s.Links)
		s.DependsOn = nonNil(s.DependsOn)
		s.Dependencies = nonNil(s.Dependencies)
		s.FootnoteRefs = nonNil(s.FootnoteRefs)
		s.Footnotes = nonNil(s.Footnotes)
		s.Milestones = nonNil(s.Milestones)
		s.Tasks = nonNil(s.Tasks)
		s.Estimates = nonNil(s.Estimates)
		s.TotalHours = nonNil(s.TotalHours)
		s.Costs = nonNil(s.Costs)
		s.FreeEstimates = nonNil(s.FreeEstimates)
		s.Prerequisites = nonNil(s.Prerequisites)
		for _, pr := range s.Prerequisites {
			pr.DependsOn = nonNil(pr.DependsOn)
		}
		s.Sections = nonNil(s.Sections)
		for _, m := range s.Milestones {
			m.Durations = extractDurations(m.Title)
			m.Prerequisites = nonNil(prerequisiteClauses(m.Title))
			m.Issues = nonNil(m.Issues)
			m.DependsOn = nonNil(m.DependsOn)
			m.After = nonNil(m.After)
			m.FootnoteRefs = nonNil(m.FootnoteRefs)
			m.Footnotes = nonNil(m.Footnotes)
			m.Tasks = nonNil(m.Tasks)
			tasks(m.Tasks)
		}
		for _, e := range s.Estimates {
			e.FootnoteRefs = nonNil(e.FootnoteRefs)
			e.Footnotes = nonNil(e.Footnotes)
		}
		for _, fe := range s.FreeEstimates {
			fe.Durations = extractDurations(fe.Text)
		}
		tasks(s.Tasks)
	})
	d.Sections = nonNil(d.Sections)
	d.Footnotes = nonNil(d.Footnotes)
	d.Warnings = nonNil(d.Warnings)
	slices.SortStableFunc(d.Warnings, func(a, b Warning) int { return a.Line - b.Line })
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
