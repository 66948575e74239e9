package plan

import (
	"regexp"
	"strings"
)

var (
	// A stage named in a total line: "Y1", "➡️ Y1", "(Y2+)", "Year 2 onward".
	totalStageRE = regexp.MustCompile(`(?i)(?:➡️|➡|🔚)?\s*\(?\b(?:y|year)\s*-?\s*\d+\b(?:\s*\+|\s+onwards?\b)?\)?`)
	// What separates the figures of a total line.
	totalSepRE = regexp.MustCompile(`(?i)\s*(?:[,;/|]|\band\b)\s*`)
	// Words and marks that join a figure to its stage: "68-83 in Y1", "Y1: 68-83".
	onwardRE    = regexp.MustCompile(`(?i)\s+onwards?`)
	totalTrimRE = regexp.MustCompile(`(?i)^(?:[\s:,;/|()=–—-]|\b(?:in|for|from|during|and|of|the)\b)+|(?:[\s:,;/|()=–—-]|\b(?:in|for|from|during|and|of|the)\b)+$`)
)

// totalPart is one figure of a total line with the stage it is for.
type totalPart struct {
	text          string // the figure and its stage as written
	hours         string // the figure
	stage, marker string
	stageOnly     bool // a stage with no figure
}

// splitTotals reads the value of a total-hours line into figures, each with
// its stage when the line names stages: "152-200", "68-83 Y1, 56-68 Y2+",
// "Y1: 68-83; Y2+: 56-68", "68-83 (Y1) and 56-68 (Y2+)",
// "68-83 hours in Year 1 / 56-68 hours from Year 2 onward". The stages and
// figures pair in order; whether a stage comes before or after its figure is
// read from the first of them.
func splitTotals(value string) []totalPart {
	type item struct {
		start, end    int
		stage, marker string // set for a stage
	}
	var items []item
	last := 0
	addFigures := func(start, end int) {
		chunk := value[start:end]
		pos := 0
		for _, loc := range append(totalSepRE.FindAllStringIndex(chunk, -1), []int{len(chunk), len(chunk)}) {
			part, partStart := chunk[pos:loc[0]], start+pos
			pos = loc[1]
			t := strings.TrimSpace(totalTrimRE.ReplaceAllString(part, ""))
			if t == "" {
				continue
			}
			i := partStart + strings.Index(part, t)
			items = append(items, item{start: i, end: i + len(t)})
		}
	}
	for _, loc := range totalStageRE.FindAllStringIndex(value, -1) {
		st := strings.NewReplacer("(", "", ")", "").Replace(value[loc[0]:loc[1]])
		if strings.Contains(strings.ToLower(st), "onward") {
			st = strings.TrimSpace(onwardRE.ReplaceAllString(st, "")) + "+"
		}
		stage, marker, ok := parseStage(st)
		if !ok {
			continue
		}
		addFigures(last, loc[0])
		items = append(items, item{start: loc[0], end: loc[1], stage: stage, marker: marker})
		last = loc[1]
	}
	addFigures(last, len(value))

	text := func(a, b int) string {
		return strings.Trim(value[a:b], " ,;/|:=")
	}
	var out []totalPart
	stageFirst := len(items) > 0 && items[0].stage != ""
	for i := 0; i < len(items); i++ {
		it := items[i]
		next := func(wantStage bool) (item, bool) {
			if i+1 < len(items) && (items[i+1].stage != "") == wantStage {
				i++
				return items[i], true
			}
			return item{}, false
		}
		switch {
		case it.stage == "" && !stageFirst:
			p := totalPart{hours: text(it.start, it.end), text: text(it.start, it.end)}
			if st, ok := next(true); ok {
				p.stage, p.marker, p.text = st.stage, st.marker, text(it.start, st.end)
			}
			out = append(out, p)
		case it.stage == "":
			out = append(out, totalPart{hours: text(it.start, it.end), text: text(it.start, it.end)})
		case stageFirst:
			if fig, ok := next(false); ok {
				out = append(out, totalPart{hours: text(fig.start, fig.end), text: text(it.start, fig.end), stage: it.stage, marker: it.marker})
			} else {
				out = append(out, totalPart{text: text(it.start, it.end), stageOnly: true})
			}
		default:
			out = append(out, totalPart{text: text(it.start, it.end), stageOnly: true})
		}
	}
	return out
}
