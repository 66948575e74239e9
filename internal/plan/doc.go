// Package plan reads the SIRT plan's Markdown into a Document: sections and
// their sub-sections, header lines (lead, team, meeting, links, tracking),
// explanation text, dependencies on other sections, milestones with their
// task checkboxes, the "Time & Resource Estimate" tables joined onto the
// milestones, total-hours lines, costs, footnotes and prose estimates with
// the durations they name. It has no database: the plan tracker stores what
// Parse returns, and Match tells a re-import which stored items an edited
// file still contains.
//
// Parse never fails and never drops a line silently: what it cannot place is
// kept where it can be and reported as a Warning with its 1-based line
// number. Every item carries the line it came from.
//
// # Recognised Markdown
//
//   - Headings "# 3.0 Execution", "## 3.1 - Tech Stack …", "### 3.1.1 …" start
//     sections; a section nests under the nearest open one with a lower heading
//     level, or with a parent number at the same level ("3.0" holds "3.1").
//     Headings "Key Steps/Milestones", "Time & Resource Estimate", "Footnotes",
//     "Explanation"… organise the current section instead; other unnumbered
//     headings inside a section become part of its text.
//   - Header lines: "Section Lead - …", "Section Team - A, B",
//     "Section Meeting Time/Details - …", "Section Meeting [Zoom](url)",
//     "**Tracking**: …" (with or without "Section", as bullets or not).
//   - Dependencies: ":x: [2.1](…)" (open), "✅ [2.1]" (done), "depends on 2.1",
//     "dependent upon 2.1 and 2.3", "contingent on 2.1", "blocked by 2.1",
//     "requires 2.1", lines listing them ("Dependencies: 2.1, 2.3"), and
//     cross-references in prose: "[2.2M10]", "[3.3]()", "Per [2.3](…)",
//     "Follow 3.2 M3-M5", "(3.6 below)", "see section 1.1" (see
//     extractDependencies). Named milestones are kept in Dependency.Milestones;
//     the section's own milestones go to Milestone.After; the section itself,
//     its parents and sub-sections, and quantities ("1.5 hours") are not
//     dependencies.
//   - Milestones: "- **M1**: title", "M1a: title", "- [x] **M2[^1]**: title",
//     "Milestone 3 - title". In a Key Steps list the top-level bullets are
//     milestones with generated ids "K1", "K2"… (GeneratedID is set) and
//     deeper bullets their tasks. Elsewhere a plain bullet with checkbox items
//     nested under it (at any depth) is such a milestone and owns them.
//   - Prerequisites: a key step stating a condition ("Likely needs …",
//     "Contingent on …", "Requires …", "Pending …"; not "Need to …") is a
//     Section.Prerequisites entry, not a milestone; a later clause of a
//     milestone title that is one is in Milestone.Prerequisites.
//   - Tasks: list items indented under a milestone, "- [ ] text" / "- [x] text",
//     nested by indentation; issue references (GitHub URLs, "issues/9", "#16")
//     are extracted. A checkbox under no milestone is kept as a section task,
//     with a warning.
//   - Estimate tables: columns are found by their header (Milestone, Estimated
//     Volunteers, Estimated Individual Hours, Estimated Total Hours, Stage);
//     rows join the milestone of the same id ("M1[^1]", "3.1 M1") or, failing
//     that, a milestone whose title is similar. A row whose id repeats a joined
//     one or names no milestone is read as the row of the milestone in its
//     place when no row names that one (Estimate.ReadAs). Missing columns,
//     short rows, unreadable cells, cells counting something other than
//     people or hours ("4-5 tools", kept as text), unknown stages, rows for
//     no milestone and second rows for one milestone are warnings. See Range
//     for the cell forms.
//   - "Estimated Total Combined Volunteer Hours: 68-83 Y1, 56-68 Y2+" lines,
//     per stage in any order ("Y1: 68-83; Y2+: 56-68", "68-83 (Y1) and
//     56-68 (Y2+)"), cost lines ("1 FTE $300k per annum"), footnote
//     definitions "[^1]: …" (their text is copied onto every item that
//     references them), and, under an estimate heading, prose lines kept as
//     FreeEstimates with durations (hours where the text allows: see Duration).
//   - The document's arithmetic: a row whose total is not volunteers ×
//     individual hours, and a total line that is not the sum of its rows (of
//     its stage), are warnings naming both numbers.
//
// # JSON
//
// Document.JSON gives the stable shape printed by
// "sirt plan import --dry-run --json". Lists are always present ([]), unknown
// numbers are null, never 0:
//
//	{"sections": [{"number": "3.2", "title": "Recruitment", "level": 2, "line": 32,
//	    "lead": "…", "team": ["…"], "meeting": "…", "tracking": "…",
//	    "links": [{"label": "Meeting", "text": "Zoom", "url": "…", "line": 6}],
//	    "text": "…", "depends_on": ["2.3", "2.1"],
//	    "dependencies": [{"section": "2.3", "status": "open", "line": 34}],
//	    "footnote_refs": [], "footnotes": [],
//	    "milestones": [{"id": "M1", "title": "…", "line": 36, "done": false, "checkbox": false,
//	        "issues": [{"number": 9, "repo": "ossf/SIRT", "url": "…"}], "depends_on": [],
//	        "durations": [], "footnote_refs": ["1"], "footnotes": ["…"],
//	        "tasks": [{"text": "…", "done": false, "checkbox": true, "line": 37, "issues": [],
//	                   "durations": [], "footnote_refs": [], "footnotes": [], "tasks": []}],
//	        "estimate": {"milestone": "M1", "line": 55,
//	            "volunteers": {"min": 2, "max": 4, "text": "2-4"},
//	            "individual_hours": {"min": 2, "max": 2, "text": "2"},
//	            "total_hours": {"min": 8, "max": 10, "text": "8-10"},
//	            "stage": "Y1", "stage_marker": "starts",
//	            "text": "2-4 | 2 | 8-10 | ➡️ Y1", "footnote_refs": [], "footnotes": []}}],
//	    "tasks": [], "estimates": [ /* every table row, as in "estimate" */ ],
//	    "total_hours": [{"line": 61, "hours": {"min": 68, "max": 83, "text": "68-83"},
//	                     "stage": "Y1", "stage_marker": "", "text": "68-83 Y1"}],
//	    "costs": [{"line": 143, "text": "1 FTE $300k per annum", "amount": 300000,
//	               "currency": "USD", "period": "year", "fte": 1}],
//	    "free_estimates": [{"line": 50, "text": "Approx. 1 month of survey development, …",
//	        "durations": [{"text": "1 month", "amount": {"min": 1, "max": 1, "text": "1 month"},
//	                       "unit": "month", "days": {"min": 30, "max": 30, "text": "1 month"},
//	                       "hours": null, "phrase": "Approx. 1 month of survey development"}]}],
//	    "sections": []}],
//	 "footnotes": [{"label": "1", "text": "…", "line": 147, "referenced": true}],
//	 "warnings": [{"line": 104, "message": "…"}]}
//
// Ranges may also carry "min_exclusive" (">3"), "approx" ("~5"), "pgm" (the
// program managers of "4-5 + 1PgM"), "pgm_hours" ("5-10 PgM") and "unit"
// ("tools" in "4-5 tools", whose min and max are then null); these are
// omitted when false or empty. Sections have "prerequisites"
// ([{"line", "text", "depends_on"}]); milestones have "after" (ids of the
// same section) and "prerequisites" (strings); a dependency may have
// "milestones"; an estimate row may have "read_as"; a duration may have
// "per", "recurs", "over" and "total_hours". A milestone
// from a Key Steps list has "generated_id": true. An estimate with columns the
// parser does not know has "extra": {"Header": "cell"}. The document has
// "preamble" when text comes before the first heading.
package plan
