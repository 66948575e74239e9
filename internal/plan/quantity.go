package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// What a table column counts; it decides how "PgM" is read.
type quantityKind int

const (
	volunteersColumn quantityKind = iota
	hoursColumn
)

var (
	unknownWords = map[string]bool{
		"unk": true, "unk.": true, "unknown": true, "tbd": true, "tbc": true, "?": true, "??": true,
		"n/a": true, "na": true, "-": true, "–": true, "—": true, "--": true,
	}
	numberRE = `\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+`
	termRE   = regexp.MustCompile(`(?i)^(>=|≥|>|<=|≤|<|~|approx\.?|approximately|about|around|ca\.?|circa|up to|at least|more than|less than)?\s*(` +
		numberRE + `)(?:\s*(?:-|–|—|to)\s*(` + numberRE + `))?\s*([a-z][a-z./]*)?(?:\s+(?:each|total|in total|per [a-z ]+))?$`)
	factorSplitRE = regexp.MustCompile(`(?i)\s+x\s+|\s*[×*]\s*`)
)

var (
	hourUnits   = map[string]bool{"h": true, "hr": true, "hrs": true, "hour": true, "hours": true, "hrs.": true}
	peopleUnits = map[string]bool{"volunteer": true, "volunteers": true, "people": true, "person": true, "persons": true, "ppl": true}
	pgmUnits    = map[string]bool{"pgm": true, "pgms": true}
)

type term struct {
	min, max  *float64
	exclusive bool
	approx    bool
	unit      string // lower-case as written
}

func (t term) isPgM() bool  { return pgmUnits[t.unit] }
func (t term) isHour() bool { return hourUnits[strings.SplitN(t.unit, "/", 2)[0]] }

func fptr(f float64) *float64 { return &f }

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return f, err == nil
}

// parseTerm reads one quantity without "+" or "x": "4-5", ">3", "1PgM", "20hrs".
func parseTerm(s string) (term, bool) {
	s = strings.TrimSpace(s)
	m := termRE.FindStringSubmatch(s)
	if m == nil {
		return term{}, false
	}
	lo, ok := parseNumber(m[2])
	if !ok {
		return term{}, false
	}
	t := term{unit: strings.ToLower(m[4])}
	switch op := strings.ToLower(m[1]); {
	case op == ">" || op == "more than":
		t.min, t.exclusive = fptr(lo), true
	case op == ">=" || op == "≥" || op == "at least":
		t.min = fptr(lo)
	case op == "<" || op == "<=" || op == "≤" || op == "up to" || op == "less than":
		t.max = fptr(lo)
	case op != "":
		t.approx = true
		fallthrough
	default:
		t.min, t.max = fptr(lo), fptr(lo)
	}
	if m[3] != "" {
		hi, ok := parseNumber(m[3])
		if !ok || m[1] != "" && t.min == nil {
			return term{}, false
		}
		if hi < lo {
			lo, hi = hi, lo
		}
		t.min, t.max = fptr(lo), fptr(hi)
	}
	return t, true
}

// ParseRange reads a table cell of the estimate tables. kind says whether the
// column counts volunteers or hours; see Range for the forms it understands.
// A non-empty problem is a sentence for a warning; the range still carries
// the cell's text and whatever could be read (nothing, for an unreadable cell).
func parseRange(cell string, kind quantityKind) (r *Range, problem string) {
	text := strings.TrimSpace(cell)
	r = &Range{Text: text}
	s := strings.TrimSpace(stripEmphasis(text))
	if s == "" {
		return r, "is empty; it is kept as unknown"
	}
	if unknownWords[strings.ToLower(s)] {
		return r, ""
	}
	bad := func() (*Range, string) {
		return &Range{Text: text}, fmt.Sprintf("cannot be read as a number or range (want e.g. 4-5, >3, 1PgM, 4-5 + 1PgM or unk): %q", text)
	}

	// "4-5 tools x 2hrs each": a product of factors.
	if factors := factorSplitRE.Split(s, -1); len(factors) > 1 {
		prod := term{min: fptr(1), max: fptr(1)}
		for _, f := range factors {
			t, ok := parseTerm(f)
			if !ok || t.isPgM() {
				return bad()
			}
			prod.min = mulBound(prod.min, t.min)
			prod.max = mulBound(prod.max, t.max)
			prod.approx = prod.approx || t.approx
		}
		r.Min, r.Max, r.Approx = prod.min, prod.max, prod.approx
		return r, ""
	}

	// "4-5 + 1PgM": a sum; a trailing "+" ("3+") leaves the range open.
	parts := strings.Split(s, "+")
	open := false
	if len(parts) > 1 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		open = true
		parts = parts[:len(parts)-1]
	}
	var terms []term
	for _, p := range parts {
		t, ok := parseTerm(p)
		if !ok {
			return bad()
		}
		terms = append(terms, t)
	}
	// A count of something other than people (in a volunteers column) or
	// hours (in an hours column), such as "4-5 tools", is kept as text.
	for _, t := range terms {
		if foreign := t.unit != "" && !t.isPgM() && (kind == volunteersColumn && !peopleUnits[t.unit] || kind == hoursColumn && !t.isHour()); foreign {
			what := "volunteers"
			if kind == hoursColumn {
				what = "hours"
			}
			return &Range{Text: text, Unit: t.unit}, fmt.Sprintf("counts %s, not %s; it is kept as text (%q) and its number is not counted", t.unit, what, text)
		}
	}
	var sum *term
	for _, t := range terms {
		if t.isPgM() && kind == volunteersColumn {
			if t.min != nil {
				r.PgM = fptr(valueOr(r.PgM) + *t.min)
			}
			continue
		}
		if t.isPgM() {
			r.PgMHours = true
		}
		if sum == nil {
			c := t
			sum = &c
			continue
		}
		sum.min = addBound(sum.min, t.min)
		sum.max = addBound(sum.max, t.max)
		sum.approx = sum.approx || t.approx
		sum.exclusive = sum.exclusive || t.exclusive
	}
	if sum != nil {
		r.Min, r.Max, r.MinExclusive, r.Approx = sum.min, sum.max, sum.exclusive, sum.approx
		if open {
			r.Max = nil
		}
	}
	return r, ""
}

func valueOr(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func addBound(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return fptr(*a + *b)
}

func mulBound(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return fptr(*a * *b)
}

var (
	stageRE      = regexp.MustCompile(`(?i)^(?:y|year)\s*-?\s*(\d+)\s*(\+)?$`)
	startMarkers = []string{"➡️", "➡", "→", ":arrow_right:", "▶️", "▶"}
	endMarkers   = []string{"🔚", ":end:"}
)

// parseStage reads a stage cell: "➡️ Y1" (work starts in year 1), "🔚 Y1"
// (ends in year 1), "Y2", "Year 2", "Y2+" (year 2 onward). ok is false when
// no year can be read.
func parseStage(cell string) (stage, marker string, ok bool) {
	s := strings.TrimSpace(stripEmphasis(cell))
	for _, m := range startMarkers {
		if strings.Contains(s, m) {
			marker = "starts"
			s = strings.ReplaceAll(s, m, "")
		}
	}
	for _, m := range endMarkers {
		if strings.Contains(s, m) {
			marker = "ends"
			s = strings.ReplaceAll(s, m, "")
		}
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\uFE0F", ""))
	m := stageRE.FindStringSubmatch(s)
	if m == nil {
		return "", marker, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return "", marker, false
	}
	if m[2] != "" && marker == "" {
		marker = "onward"
	}
	return "Y" + strconv.Itoa(n), marker, true
}

var (
	durNum     = `\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve`
	durationRE = regexp.MustCompile(`(?i)\b(` + durNum + `)(?:\s*(?:-|–|to)\s*(` + durNum + `))?(?:\s*|-)((?:person|man|working|work)[\s-]*)?(hours?|hrs?|h|minutes?|mins?|days?|weeks?|wks?|months?|mos?|years?|yrs?|meetings?)\b`)
	wordNumber = map[string]float64{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
		"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
	unitDays = map[string]float64{"day": 1, "week": 7, "month": 30, "year": 365}
	// Working hours in a person-day, -week, -month and -year.
	workHours  = map[string]float64{"day": 8, "week": 40, "month": 160, "year": 1920}
	fullTimeRE = regexp.MustCompile(`(?i)^\s*(?:of\s+)?(?:full[\s-]?time|fte)\b`)
)

func durationUnit(s string) string {
	s = strings.ToLower(s)
	switch {
	case strings.HasPrefix(s, "h"):
		return "hour"
	case strings.HasPrefix(s, "d"):
		return "day"
	case strings.HasPrefix(s, "w"):
		return "week"
	case strings.HasPrefix(s, "mi"):
		return "minute"
	case strings.HasPrefix(s, "mo"):
		return "month"
	case strings.HasPrefix(s, "me"):
		return "meeting"
	default:
		return "year"
	}
}

func durationNumber(s string) (float64, bool) {
	if f, ok := wordNumber[strings.ToLower(s)]; ok {
		return f, true
	}
	return parseNumber(s)
}

// extractDurations finds the spans of time a line of prose names ("1 month",
// "2-3 weeks", "4-6 hrs", "about 1 meeting") and the clause each belongs to.
func extractDurations(text string) []Duration {
	locs := durationRE.FindAllStringSubmatchIndex(text, -1)
	out := []Duration{}
	type span struct{ start, end int }
	var spans []span
	skipTo := 0
	for _, l := range locs {
		if l[0] < skipTo {
			continue // the "a week" of "2 hours a week"
		}
		lo, ok1 := durationNumber(text[l[2]:l[3]])
		hi, ok2 := lo, true
		if l[4] >= 0 {
			hi, ok2 = durationNumber(text[l[4]:l[5]])
		}
		if !ok1 || !ok2 {
			continue
		}
		if hi < lo {
			lo, hi = hi, lo
		}
		unit := durationUnit(text[l[8]:l[9]])
		d := Duration{Text: text[l[0]:l[1]], Unit: unit, Amount: Range{Min: fptr(lo), Max: fptr(hi), Text: text[l[0]:l[1]]}}
		if f, ok := unitDays[unit]; ok {
			d.Days = &Range{Min: fptr(lo * f), Max: fptr(hi * f), Text: d.Text}
		}
		after := text[l[1]:]
		switch f, work := workHours[unit]; {
		case unit == "hour":
			d.Hours = &Range{Min: fptr(lo), Max: fptr(hi), Text: d.Text}
		case unit == "minute":
			d.Hours = &Range{Min: fptr(lo / 60), Max: fptr(hi / 60), Text: d.Text}
		case work && (l[6] >= 0 || fullTimeRE.MatchString(after)):
			// "3 person-days", "2 weeks full-time": working time, 8 hours a day.
			d.Hours = &Range{Min: fptr(lo * f), Max: fptr(hi * f), Text: d.Text}
		}
		if d.Hours != nil {
			skipTo = readRate(&d, text, l[0], l[1])
		}
		out = append(out, d)
		spans = append(spans, span{l[0], l[1]})
	}
	// The phrase of a duration is its clause (between , ; or line ends), cut
	// where another duration of the same clause starts.
	var seps []int
	for i := 0; i < len(text); i++ {
		if c := text[i]; c == ',' || c == ';' || c == '\n' {
			seps = append(seps, i)
		}
	}
	clauseStart := func(p int) int {
		i, _ := slices.BinarySearch(seps, p)
		if i == 0 {
			return 0
		}
		return seps[i-1] + 1
	}
	clauseEnd := func(p int) int {
		if i, _ := slices.BinarySearch(seps, p); i < len(seps) {
			return seps[i]
		}
		return len(text)
	}
	for i := range out {
		start, end := clauseStart(spans[i].start), clauseEnd(spans[i].end)
		if i > 0 && spans[i-1].start >= start {
			start = spans[i].start
		}
		if i+1 < len(spans) && spans[i+1].start < end {
			end = spans[i+1].start
		}
		p := strings.TrimSpace(text[start:end])
		p = strings.TrimSpace(strings.TrimRight(p, "(-–:."))
		out[i].Phrase = p
	}
	return out
}

var (
	moneyRE    = regexp.MustCompile(`(?i)([$€£])\s?(\d[\d,]*(?:\.\d+)?)\s*(k|m|million|thousand)?\b`)
	moneyISORE = regexp.MustCompile(`(?i)\b(\d[\d,]*(?:\.\d+)?)\s*(k|m)?\s*(USD|EUR|GBP)\b`)
	fteRE      = regexp.MustCompile(`(?i)\b(\d+(?:\.\d+)?)\s*FTEs?\b`)
	periodRE   = regexp.MustCompile(`(?i)per\s+(annum|year|month|week)|/\s*(yr|year|mo|month|wk|week)\b|\b(annual|annually|yearly|monthly|weekly)\b|\ba\s+(year|month|week)\b`)
	currencies = map[string]string{"$": "USD", "€": "EUR", "£": "GBP"}
)

// parseCost reads a cost line such as "1 FTE $300k per annum". ok is false
// when the line names neither an amount of money nor FTEs.
func parseCost(line string) (Cost, bool) {
	c := Cost{Text: line}
	scale := func(f float64, suffix string) float64 {
		switch strings.ToLower(suffix) {
		case "k", "thousand":
			return f * 1e3
		case "m", "million":
			return f * 1e6
		}
		return f
	}
	if m := moneyRE.FindStringSubmatch(line); m != nil {
		if f, ok := parseNumber(m[2]); ok {
			c.Amount, c.Currency = fptr(scale(f, m[3])), currencies[m[1]]
		}
	} else if m := moneyISORE.FindStringSubmatch(line); m != nil {
		if f, ok := parseNumber(m[1]); ok {
			c.Amount, c.Currency = fptr(scale(f, m[2])), strings.ToUpper(m[3])
		}
	}
	if m := fteRE.FindStringSubmatch(line); m != nil {
		if f, ok := parseNumber(m[1]); ok {
			c.FTE = fptr(f)
		}
	}
	if c.Amount == nil && c.FTE == nil {
		return Cost{}, false
	}
	if m := periodRE.FindStringSubmatch(line); m != nil {
		w := strings.ToLower(m[1] + m[2] + m[3] + m[4])
		switch {
		case strings.HasPrefix(w, "an") || strings.HasPrefix(w, "y"):
			c.Period = "year"
		case strings.HasPrefix(w, "mo"):
			c.Period = "month"
		case strings.HasPrefix(w, "w"):
			c.Period = "week"
		}
	}
	return c, true
}
