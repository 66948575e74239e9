package plan

import (
	"bytes"
	"encoding/json"
)

// Document is one parsed plan file. Every item keeps the 1-based line of the
// source it came from; whatever the parser could not place is in Warnings.
type Document struct {
	// Sections are the top-level sections; sub-sections nest inside them.
	Sections []*Section `json:"sections"`
	// Footnotes are the footnote definitions ("[^1]: …") in file order.
	Footnotes []*Footnote `json:"footnotes"`
	// Preamble is text found before the first heading (also reported as a warning).
	Preamble string `json:"preamble,omitempty"`
	// Warnings are sorted by line.
	Warnings []Warning `json:"warnings"`
}

// Warning reports a line the parser could not place, or placed with a guess.
type Warning struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Section is a numbered part of the plan ("## 3.2 Recruitment"). A heading
// without a number that is not one of the known block headings (Key Steps,
// Time & Resource Estimate, Footnotes, Explanation…) also makes a section,
// with an empty Number.
type Section struct {
	Number string `json:"number"`
	Title  string `json:"title"`
	Level  int    `json:"level"` // number of '#' in the heading
	Line   int    `json:"line"`

	Lead     string   `json:"lead"`
	Team     []string `json:"team"`
	Meeting  string   `json:"meeting"`  // "Every other Friday 11-11:30am EST"
	Tracking string   `json:"tracking"` // the "Tracking:" line, as written
	Links    []Link   `json:"links"`

	// Text is the explanation: paragraphs separated by a blank line.
	Text string `json:"text"`

	// DependsOn lists the sections this one waits for, in order of first
	// mention, from the section's text and from its milestones and tasks.
	DependsOn    []string     `json:"depends_on"`
	Dependencies []Dependency `json:"dependencies"`

	FootnoteRefs []string `json:"footnote_refs"`
	Footnotes    []string `json:"footnotes"`

	Milestones []*Milestone `json:"milestones"`
	// Tasks are checkbox items that sit under no milestone (each also warned about).
	Tasks []*Task `json:"tasks"`
	// Estimates are all rows of the section's estimate tables, including rows
	// that matched no milestone or repeated one (both warned about).
	Estimates     []*Estimate     `json:"estimates"`
	TotalHours    []TotalHours    `json:"total_hours"`
	Costs         []Cost          `json:"costs"`
	FreeEstimates []*FreeEstimate `json:"free_estimates"`
	// Prerequisites are the items of a milestone list that say what the work
	// needs rather than what is to be done ("Likely needs coordination with
	// the Outreach team", "Contingent on lists from Stream 2 & 3"); they are
	// not milestones.
	Prerequisites []*Prerequisite `json:"prerequisites"`

	Sections []*Section `json:"sections"`
}

// Prerequisite is a condition the section's work waits on, as written, with
// the sections it names.
type Prerequisite struct {
	Line      int      `json:"line"`
	Text      string   `json:"text"`
	DependsOn []string `json:"depends_on"`
}

// Link is a Markdown link from a section's header lines ("Section Meeting [Zoom](…)").
type Link struct {
	Label string `json:"label"` // what the line calls it: "Meeting", "Notes"…
	Text  string `json:"text"`
	URL   string `json:"url"`
	Line  int    `json:"line"`
}

// Dependency is one mention of another section this one depends on.
type Dependency struct {
	Section string `json:"section"`
	// Status is "open" for ":x:" / ❌ marks, "done" for ✅ marks, "" when unmarked.
	Status string `json:"status"`
	Line   int    `json:"line"`
	// Milestone is the id of the milestone whose line (or task line) names the
	// dependency; empty when the section text does.
	Milestone string `json:"milestone,omitempty"`
	// Milestones are the milestones of Section the mention names: "[2.2M10]"
	// gives ["M10"], "3.2 M3-M5" gives ["M3", "M4", "M5"]; omitted when none.
	Milestones []string `json:"milestones,omitempty"`
}

// Milestone is an "M1"-style milestone, or a step of a "Key Steps/Milestones"
// list. Key steps have no id in the plan; they get "K1", "K2"… in order within
// their section and GeneratedID is set.
type Milestone struct {
	ID          string   `json:"id"`
	GeneratedID bool     `json:"generated_id,omitempty"`
	Title       string   `json:"title"`
	Line        int      `json:"line"`
	Done        bool     `json:"done"`
	Checkbox    bool     `json:"checkbox"` // written with "[ ]" / "[x]"
	Issues      []Issue  `json:"issues"`
	DependsOn   []string `json:"depends_on"`
	// After lists the milestones of the same section this one refers to and
	// follows ("Follow 3.2 M3-M5" under 3.2 M6 gives M3, M4, M5).
	After     []string   `json:"after"`
	Durations []Duration `json:"durations"` // durations named in the title
	// Prerequisites are clauses of the title after the first that say what
	// the milestone needs ("Training - Needs the defined list of courses").
	Prerequisites []string `json:"prerequisites"`
	FootnoteRefs  []string `json:"footnote_refs"`
	Footnotes     []string `json:"footnotes"` // texts of the referenced footnotes
	Tasks         []*Task  `json:"tasks"`
	// Estimate is the first estimate-table row for this milestone, or null.
	Estimate *Estimate `json:"estimate"`
}

// Task is a list item under a milestone: a checkbox ("- [ ]", "- [x]") or,
// in Key Steps lists, a plain bullet. Tasks nest by indentation.
type Task struct {
	Text         string     `json:"text"`
	Done         bool       `json:"done"`
	Checkbox     bool       `json:"checkbox"`
	Line         int        `json:"line"`
	Issues       []Issue    `json:"issues"`
	Durations    []Duration `json:"durations"`
	FootnoteRefs []string   `json:"footnote_refs"`
	Footnotes    []string   `json:"footnotes"`
	Tasks        []*Task    `json:"tasks"`
}

// Issue is an issue or pull-request reference: a GitHub URL, "issues/9", or "#16".
type Issue struct {
	Number int    `json:"number"`
	Repo   string `json:"repo,omitempty"` // "ossf/SIRT" when a URL names it
	URL    string `json:"url,omitempty"`
}

// Estimate is one row of a "Time & Resource Estimate" table.
type Estimate struct {
	Milestone string `json:"milestone"` // the id as the row writes it, without footnote marks
	// ReadAs is the milestone the row was joined to when its own id is a
	// mislabel (it repeats a milestone that already has a row, or names none):
	// the milestone in the same place that no row names. Empty otherwise.
	ReadAs          string `json:"read_as,omitempty"`
	Line            int    `json:"line"`
	Volunteers      *Range `json:"volunteers"`
	IndividualHours *Range `json:"individual_hours"`
	TotalHours      *Range `json:"total_hours"`
	// Stage is "Y1", "Y2"…; empty when the row has none or one the parser does
	// not understand (both warned about).
	Stage string `json:"stage"`
	// StageMarker is "starts" (➡️), "ends" (🔚), "onward" ("Y2+") or "".
	StageMarker  string            `json:"stage_marker"`
	Text         string            `json:"text"`            // the cells after the milestone cell, joined by " | "
	Extra        map[string]string `json:"extra,omitempty"` // cells of columns the parser does not know, by header
	FootnoteRefs []string          `json:"footnote_refs"`
	Footnotes    []string          `json:"footnotes"`
}

// Range is a quantity as the plan writes it. "4-5" is 4..5, "10" is 10..10,
// ">3" and "3+" are min 3 with max null (MinExclusive for ">"), "<5" is max 5
// with min null, and "unk", "tbd", "?" or an empty cell leave both null:
// unknown numbers are null, never 0.
//
// Program managers are counted apart from volunteers: "1PgM" is PgM 1 with
// Min and Max null (no other volunteers are written), "4-5 + 1PgM" is 4..5
// with PgM 1. In an hours column "5-10 PgM" is 5..10 hours with PgMHours set.
// "4-5 tools x 2hrs each" multiplies to 8..10. A cell that counts something
// else than people (volunteers column) or hours (hours columns), such as
// "4-5 tools", has Unit set and Min and Max null: it is kept as text.
type Range struct {
	Min          *float64 `json:"min"`
	Max          *float64 `json:"max"`
	MinExclusive bool     `json:"min_exclusive,omitempty"`
	Approx       bool     `json:"approx,omitempty"`
	PgM          *float64 `json:"pgm,omitempty"`
	PgMHours     bool     `json:"pgm_hours,omitempty"`
	Unit         string   `json:"unit,omitempty"` // what is counted when it is not people or hours: "tools" (Min and Max are then null)
	Text         string   `json:"text"`
}

// Known reports whether the range has at least one bound.
func (r *Range) Known() bool { return r != nil && (r.Min != nil || r.Max != nil) }

// TotalHours is one figure of an "Estimated Total Combined Volunteer Hours"
// line; "68-83 Y1, 56-68 Y2+" gives two.
type TotalHours struct {
	Line        int    `json:"line"`
	Hours       *Range `json:"hours"`
	Stage       string `json:"stage"`
	StageMarker string `json:"stage_marker"`
	Text        string `json:"text"`
}

// Cost is a money or staffing cost line, e.g. "1 FTE $300k per annum".
type Cost struct {
	Line     int      `json:"line"`
	Text     string   `json:"text"`
	Amount   *float64 `json:"amount"`   // 300000
	Currency string   `json:"currency"` // "USD", "EUR", "GBP" or ""
	Period   string   `json:"period"`   // "year", "month", "week" or "" when not recurring or not said
	FTE      *float64 `json:"fte"`
}

// FreeEstimate is a line of prose under a "Time & resource estimate" heading,
// with the durations it names.
type FreeEstimate struct {
	Line      int        `json:"line"`
	Text      string     `json:"text"`
	Durations []Duration `json:"durations"`
}

// Duration is a span of time named in prose: "2-3 weeks" is
// {"text":"2-3 weeks","amount":{"min":2,"max":3},"unit":"week","days":{"min":14,"max":21},"hours":null}.
// Days are set for day, week (7), month (30) and year (365) units; Hours for
// hour units; both are null for "meeting". Phrase is the clause it belongs
// to ("1 month of survey development").
type Duration struct {
	Text   string `json:"text"`
	Amount Range  `json:"amount"`
	Unit   string `json:"unit"`
	Days   *Range `json:"days"`
	Hours  *Range `json:"hours"`
	Phrase string `json:"phrase"`
	// Per is what the hours are for each of, when the text says: "SIRT
	// member" in "4 hrs per SIRT member", "week" in "2 hours a week".
	Per string `json:"per,omitempty"`
	// Recurs is how often, when the text says ("bi-weekly"); Over is the span
	// named after it ("for 6 months"); TotalHours is then the hours over the
	// whole span: "1 hr of bi-weekly spot-checks for 6 months" is 13.
	Recurs     string `json:"recurs,omitempty"`
	Over       string `json:"over,omitempty"`
	TotalHours *Range `json:"total_hours,omitempty"`
}

// Footnote is a footnote definition, "[^1]: text".
type Footnote struct {
	Label      string `json:"label"`
	Text       string `json:"text"`
	Line       int    `json:"line"`
	Referenced bool   `json:"referenced"`
}

// JSON returns the document as indented JSON, the output of
// "sirt plan import --dry-run --json". The shape is described in the package
// documentation; lists are [] rather than null, unknown numbers are null.
func (d *Document) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Walk calls fn for every section, parents before their sub-sections.
func (d *Document) Walk(fn func(*Section)) {
	var walk func([]*Section)
	walk = func(ss []*Section) {
		for _, s := range ss {
			fn(s)
			walk(s.Sections)
		}
	}
	walk(d.Sections)
}

// Section returns the section with the given number, or nil.
func (d *Document) Section(number string) *Section {
	var found *Section
	d.Walk(func(s *Section) {
		if found == nil && s.Number == number {
			found = s
		}
	})
	return found
}

// Milestone returns the first milestone of s with the given id
// (case-insensitive), or nil.
func (s *Section) Milestone(id string) *Milestone {
	for _, m := range s.Milestones {
		if equalFoldID(m.ID, id) {
			return m
		}
	}
	return nil
}

func equalFoldID(a, b string) bool {
	return len(a) == len(b) && len(a) > 0 && (a == b || lowerASCII(a) == lowerASCII(b))
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
