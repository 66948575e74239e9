package plan

import (
	"math"
	"strconv"
)

// checkArithmetic compares the document's own sums with the numbers they
// are made of and warns, naming both numbers, where they disagree:
//   - an estimate row whose Estimated Total Hours is not its volunteers
//     (program managers included) times its individual hours;
//   - a total-hours line that is not the sum of the section's estimate rows
//     (for a total of one stage, the rows of that stage; "Y2+" takes Y2 and
//     later).
//
// Rows and totals with an unknown or open-ended figure are not checked. A
// single figure within the computed range ("45" for 4-5 × 10) agrees, as
// does an approximate one ("~40") within it.
func (p *parser) checkArithmetic() {
	p.doc.Walk(func(s *Section) {
		for _, e := range s.Estimates {
			p.checkRow(s, e)
		}
		for _, t := range s.TotalHours {
			p.checkTotal(s, t)
		}
	})
}

func bounded(r *Range) bool { return r != nil && r.Min != nil && r.Max != nil }

func (p *parser) checkRow(s *Section, e *Estimate) {
	v, ind, tot := e.Volunteers, e.IndividualHours, e.TotalHours
	if v == nil || !bounded(ind) || !bounded(tot) || v.Unit != "" {
		return
	}
	pmin, pmax := v.Min, v.Max
	what := "volunteers"
	if v.PgM != nil {
		if pmin == nil && pmax == nil {
			pmin, pmax = fptr(0), fptr(0)
		}
		pmin, pmax = addBound(pmin, v.PgM), addBound(pmax, v.PgM)
		what = "people (program managers included)"
	}
	if pmin == nil || pmax == nil {
		return
	}
	lo, hi := *pmin**ind.Min, *pmax**ind.Max
	if agrees(lo, hi, tot) {
		return
	}
	label := e.Milestone
	if label == "" {
		label = "(no milestone)"
	}
	p.warn(e.Line, "Estimate row %s on line %d does not add up: %s %s × %s hours each is %s hours, but its Estimated Total Hours cell says %s.",
		label, e.Line, span(*pmin, *pmax), what, span(*ind.Min, *ind.Max), span(lo, hi), span(*tot.Min, *tot.Max))
}

func (p *parser) checkTotal(s *Section, t TotalHours) {
	if !bounded(t.Hours) || t.Hours.MinExclusive {
		return
	}
	stageNum := func(st string) int {
		n, err := strconv.Atoi(st[min(1, len(st)):])
		if err != nil {
			return -1
		}
		return n
	}
	var lo, hi float64
	rows := 0
	first, last := 0, 0
	for _, e := range s.Estimates {
		switch {
		case t.Stage == "":
		case e.Stage == t.Stage:
		case t.StageMarker == "onward" && e.Stage != "" && stageNum(e.Stage) > stageNum(t.Stage):
		default:
			continue
		}
		if !bounded(e.TotalHours) {
			return // a row without a figure: the sum is not known
		}
		lo += *e.TotalHours.Min
		hi += *e.TotalHours.Max
		if rows == 0 {
			first = e.Line
		}
		last = e.Line
		rows++
	}
	if rows == 0 || agrees(lo, hi, t.Hours) {
		return
	}
	which := "estimate rows"
	if t.Stage != "" {
		which = t.Stage + " rows"
		if t.StageMarker == "onward" {
			which = t.Stage + "+ rows"
		}
	}
	lines := "line " + strconv.Itoa(first)
	if last != first {
		lines = "lines " + strconv.Itoa(first) + "-" + strconv.Itoa(last)
	}
	p.warn(t.Line, "Total hours %s on line %d do not match the %s of section %s (%s), which add up to %s hours.",
		snippet(t.Text), t.Line, which, sectionName(s), lines, span(lo, hi))
}

// agrees reports whether the written range r says lo..hi: the same bounds,
// or a single or approximate figure within them.
func agrees(lo, hi float64, r *Range) bool {
	const eps = 1e-6
	if math.Abs(*r.Min-lo) < eps && math.Abs(*r.Max-hi) < eps {
		return true
	}
	within := *r.Min >= lo-eps && *r.Max <= hi+eps
	return within && (*r.Min == *r.Max || r.Approx)
}

// span formats lo..hi as "4-8", or "8" when both are the same.
func span(lo, hi float64) string {
	if lo == hi {
		return num(lo)
	}
	return num(lo) + "-" + num(hi)
}
