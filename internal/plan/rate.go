package plan

import (
	"math"
	"regexp"
	"strings"
)

var (
	// What hours are per: "4 hrs per SIRT member", "8 hrs per webinar",
	// "20hrs/tool", "2 hours a week", "1 hr each month".
	perRE = regexp.MustCompile(`(?i)^\s*(?:/\s*|(?:per|each|every|a|an)\s+)((?:\d+\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})`)
	// Words that end the "per" phrase.
	perStopRE = regexp.MustCompile(`(?i)\s+(?:of|for|to|and|or|with|on|in|at|from|by|contingent|depending|during|over|until|the)\b.*$`)
	// How often: "bi-weekly", "every other week", "monthly".
	frequencyRE = regexp.MustCompile(`(?i)\b(daily|weekly|bi-?weekly|fortnightly|every\s+(?:other|two|2)\s+weeks?|monthly|bi-?monthly|quarterly|annually|yearly)\b`)
	// Over how long: "for 6 months", "over the next 2-3 weeks".
	spanRE = regexp.MustCompile(`(?i)\b(?:for|over|during)\s+(?:the\s+(?:next|first)\s+)?(` + durNum + `)(?:\s*(?:-|–|to)\s*(` + durNum + `))?\s*(days?|weeks?|wks?|months?|mos?|years?|yrs?)\b`)
	// Calendar days of a period, for counting occurrences.
	periodDays = map[string]float64{"day": 1, "week": 7, "month": 365.0 / 12, "year": 365}
)

func frequencyDays(f string) float64 {
	f = strings.ToLower(strings.Join(strings.Fields(f), " "))
	switch {
	case f == "daily":
		return 1
	case f == "weekly":
		return 7
	case strings.Contains(f, "week"):
		return 14 // bi-weekly, every other week
	case f == "fortnightly":
		return 14
	case f == "monthly":
		return periodDays["month"]
	case strings.Contains(f, "month"):
		return 2 * periodDays["month"] // bi-monthly
	case f == "quarterly":
		return 365.0 / 4
	default:
		return 365
	}
}

// readRate reads what hours named at text[start:end] are per ("per SIRT
// member", "a week") and, when they recur ("a week", "bi-weekly") over a
// span the clause names ("for 6 months"), the hours in all: "1 hr of
// bi-weekly spot-checks for 6 months" is 13 occurrences of 1 hour.
//
// It returns where the "per" phrase ends in text (end when there is none),
// so that "a week" in "2 hours a week" is not read as a duration of its own.
func readRate(d *Duration, text string, start, end int) int {
	after := text[end:]
	clauseEnd := len(after)
	if i := strings.IndexAny(after, ".;,(\n"); i >= 0 {
		clauseEnd = i
	}
	after = after[:clauseEnd]
	period := 0.0
	consumed := end
	if m := perRE.FindStringSubmatchIndex(after); m != nil {
		per := strings.TrimSpace(perStopRE.ReplaceAllString(after[m[2]:m[3]], ""))
		if per != "" && !strings.EqualFold(per, "each") {
			d.Per = per
			consumed = end + m[2] + len(per)
			if u := durationUnitOf(per); u != "" {
				period = periodDays[u]
			}
		}
	}
	clauseStart := strings.LastIndexAny(text[:start], ".;,(\n") + 1
	if period == 0 && d.Per == "" {
		window := text[clauseStart:end] + after
		if m := frequencyRE.FindString(window); m != "" {
			d.Recurs = m
			period = frequencyDays(m)
		}
	}
	if period == 0 || d.Hours == nil {
		return consumed
	}
	m := spanRE.FindStringSubmatch(after)
	if m == nil {
		return consumed
	}
	lo, ok1 := durationNumber(m[1])
	hi, ok2 := lo, true
	if m[2] != "" {
		hi, ok2 = durationNumber(m[2])
	}
	if !ok1 || !ok2 {
		return consumed
	}
	days := periodDays[durationUnit(m[3])]
	nlo, nhi := math.Round(min(lo, hi)*days/period), math.Round(max(lo, hi)*days/period)
	if nlo < 1 {
		return consumed
	}
	d.Over = strings.TrimSpace(m[0])
	d.TotalHours = &Range{Min: fptr(*d.Hours.Min * nlo), Max: fptr(*d.Hours.Max * nhi), Text: d.Text + " × " + span(nlo, nhi)}
	return consumed
}

// durationUnitOf is the time unit a "per" phrase names ("week", "2 weeks"),
// or "" when it names something else.
func durationUnitOf(per string) string {
	f := strings.Fields(strings.ToLower(per))
	if len(f) == 0 || len(f) > 2 {
		return ""
	}
	w := f[len(f)-1]
	switch {
	case w == "day" || w == "days":
		return "day"
	case w == "week" || w == "weeks" || w == "wk":
		return "week"
	case w == "month" || w == "months":
		return "month"
	case w == "year" || w == "years" || w == "annum":
		return "year"
	}
	return ""
}
