package plan

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	sectionNumRE = `\d+(?:\.\d+)+`
	msRefRE      = `M\d+[a-z]?(?:\s*(?:-|–|to|through)\s*M?\d+[a-z]?)?`
	depMarkRE    = regexp.MustCompile(`(:x:|❌|✖️|:white_check_mark:|:heavy_check_mark:|✅|✔️|✔)\s*\[?(` + sectionNumRE + `)\s*(` + msRefRE + `)?\]?`)
	// "depends on 2.1", "dependent upon", "contingent on", "blocked by",
	// "requires", "needs", "waiting on", "follow", "per", "see", "section".
	depPhraseRE = regexp.MustCompile(`(?i)\b(?:(?:depends?|dependent|depending|dependency|dependencies|contingent|blocked|waiting|waits?)(?:\s+(?:up)?on|\s+by|\s+for)?|prerequisites?|requires?|needs|follow(?:s|ing)?|per|see|cf\.?|sections?)\s*[:–—-]?\s+`)
	depListItem = regexp.MustCompile(`(?i)^(?:sections?\s+)?(:x:|❌|:white_check_mark:|✅)?\s*\[?(` + sectionNumRE + `)\s*(` + msRefRE + `)?\]?(?:\(\))?`)
	depListSep  = regexp.MustCompile(`(?i)^\s*(?:[,;/&]|\band\b|\bor\b)(?:\s*(?:[,;/&]|\band\b|\bor\b))*\s*`)
	// "[2.2M10]", "[3.3]()" (after link targets are cut), "[2.3](…)".
	depBracketRE = regexp.MustCompile(`(?i)\[(` + sectionNumRE + `)\s*(` + msRefRE + `)?\]`)
	// "3.2 M3-M5", "3.2M6".
	depSecMsRE = regexp.MustCompile(`(?i)\b(` + sectionNumRE + `)\s*(` + msRefRE + `)\b`)
	// "(3.6 below)", "2.1 above".
	depHereRE = regexp.MustCompile(`(?i)\b(` + sectionNumRE + `)\s+(?:below|above)\b`)
	// A line that is a list of dependencies: "Dependencies: 2.1, 2.3".
	depLineRE = regexp.MustCompile(`(?i)^[\W_]*(?:dependencies|dependency|depends\s+(?:up)?on|dependent\s+(?:up)?on|prerequisites?|requires|blocked\s+by|waiting\s+(?:on|for))\b`)
	depAnyRE  = regexp.MustCompile(`\b(` + sectionNumRE + `)\s*(` + msRefRE + `)?`)
	// Words after a number that make it a quantity, not a section: "1.5 hours".
	quantityAfterRE = regexp.MustCompile(`(?i)^\s*(?:%|x\b|×|[-–]\s*\d|(?:hours?|hrs?|h|minutes?|mins?|days?|weeks?|wks?|months?|mos?|years?|yrs?|people|persons?|volunteers?|fte|k|m|million|times|percent|pgm)\b)`)
	msRangeRE       = regexp.MustCompile(`(?i)^M(\d+)([a-z]?)(?:\s*(?:-|–|to|through)\s*M?(\d+)([a-z]?))?$`)
)

type dependencyMention struct {
	section, status string
	milestones      []string // milestones of that section named: "2.2M10" gives M10
	pos             int
}

func markStatus(mark string) string {
	switch mark {
	case "":
		return ""
	case ":x:", "❌", "✖️":
		return "open"
	default:
		return "done"
	}
}

// milestoneRefs expands "M3-M5" to M3, M4, M5; "M10" is M10.
func milestoneRefs(ref string) []string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	m := msRangeRE.FindStringSubmatch(ref)
	if m == nil {
		return nil
	}
	first := "M" + m[1] + strings.ToLower(m[2])
	if m[3] == "" {
		return []string{first}
	}
	lo, _ := strconv.Atoi(m[1])
	hi, _ := strconv.Atoi(m[3])
	if m[2] != "" || m[4] != "" || hi <= lo || hi-lo > 20 {
		return []string{first, "M" + m[3] + strings.ToLower(m[4])}
	}
	var out []string
	for i := lo; i <= hi; i++ {
		out = append(out, "M"+strconv.Itoa(i))
	}
	return out
}

// isQuantity reports whether the number that ends where rest begins is a
// quantity ("1.5 hours", "2.5%") rather than a section number.
func isQuantity(rest string) bool { return quantityAfterRE.MatchString(rest) }

// extractDependencies finds the sections a line refers to, in the order they
// are mentioned:
//   - ":x: [2.1](…)" (open) and "✅ [2.1]" (done) marks;
//   - lists after "depends on", "dependent upon", "contingent on",
//     "blocked by", "requires", "needs", "waiting on", "follow", "per",
//     "see", "section(s)": "depends on 2.1, 2.3 and 2.4";
//   - a line that starts "Dependencies:", "Prerequisites:", "Requires:"…:
//     every section number on it;
//   - cross-references: "[2.2M10]", "[3.3]()", "[2.3](…)", "3.2 M3-M5",
//     "(3.6 below)".
//
// A reference that names milestones ("2.2M10", "3.2 M3-M5") records them.
// Numbers followed by a unit ("1.5 hours") are quantities, not sections.
func extractDependencies(s string) []dependencyMention {
	s = linkTargetRE.ReplaceAllString(s, "]")
	s = urlRE.ReplaceAllString(s, " ")
	var out []dependencyMention
	add := func(d dependencyMention) {
		for i, x := range out {
			if x.section == d.section {
				if x.status == "" {
					out[i].status = d.status
				}
				out[i].milestones = appendUnique(out[i].milestones, d.milestones...)
				out[i].pos = min(x.pos, d.pos)
				return
			}
		}
		out = append(out, d)
	}
	// addAt adds the section number matched at m[a:b] with milestones m[c:d].
	addAt := func(m []int, a, c int, status string) {
		if m[a] < 0 || m[a+1] < len(s) && m[c] < 0 && isQuantity(s[m[a+1]:]) {
			return
		}
		d := dependencyMention{section: s[m[a]:m[a+1]], status: status, pos: m[a]}
		if m[c] >= 0 {
			d.milestones = milestoneRefs(s[m[c]:m[c+1]])
		}
		add(d)
	}
	for _, m := range depMarkRE.FindAllStringSubmatchIndex(s, -1) {
		addAt(m, 4, 6, markStatus(s[m[2]:m[3]]))
	}
	for _, loc := range depPhraseRE.FindAllStringIndex(s, -1) {
		at := loc[1]
		for {
			m := depListItem.FindStringSubmatchIndex(s[at:])
			if m == nil {
				break
			}
			for i := range m {
				if m[i] >= 0 {
					m[i] += at
				}
			}
			if isQuantity(s[m[5]:]) && m[6] < 0 {
				break
			}
			mark := ""
			if m[2] >= 0 {
				mark = s[m[2]:m[3]]
			}
			addAt(m, 4, 6, markStatus(mark))
			at = m[1]
			sep := depListSep.FindStringIndex(s[at:])
			if sep == nil {
				break
			}
			at += sep[1]
		}
	}
	if depLineRE.MatchString(s) {
		for _, m := range depAnyRE.FindAllStringSubmatchIndex(s, -1) {
			addAt(m, 2, 4, "")
		}
	}
	for _, re := range []*regexp.Regexp{depBracketRE, depSecMsRE} {
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			addAt(m, 2, 4, "")
		}
	}
	for _, m := range depHereRE.FindAllStringSubmatchIndex(s, -1) {
		add(dependencyMention{section: s[m[2]:m[3]], pos: m[2]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pos < out[j].pos })
	return out
}
