package metrics

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/oss-sirt/sirt/internal/validate"
)

// Period is a span of whole UTC days [From, To): a quarter, a year or any from/to range.
type Period struct {
	Name string    `json:"name"` // "2026-Q4", "2026" or "2026-10-01..2026-12-31"
	From time.Time `json:"from"`
	To   time.Time `json:"to"` // exclusive
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:-Q([1-4]))?$`)

// ParsePeriod reads "YYYY-Qn" (a quarter) or "YYYY" (a year).
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, validate.Field("period", "%q is not a quarter (2026-Q3) or a year (2026)", s)
	}
	y, _ := strconv.Atoi(m[1])
	if y < 2000 || y > 2200 {
		return Period{}, validate.Field("period", "year %d is out of range", y)
	}
	if m[2] == "" {
		return Year(y), nil
	}
	q, _ := strconv.Atoi(m[2])
	return Quarter(y, q), nil
}

// Quarter is quarter q (1–4) of year y.
func Quarter(y, q int) Period {
	from := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: fmt.Sprintf("%d-Q%d", y, q), From: from, To: from.AddDate(0, 3, 0)}
}

// Year is the calendar year y.
func Year(y int) Period {
	from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: strconv.Itoa(y), From: from, To: from.AddDate(1, 0, 0)}
}

// QuarterOf is the quarter t falls in.
func QuarterOf(t time.Time) Period {
	t = t.UTC()
	return Quarter(t.Year(), (int(t.Month())-1)/3+1)
}

// Previous is the period of the same length just before p (quarters and years step by
// one; a day range by its own length).
func (p Period) Previous() Period {
	if m := periodRE.FindStringSubmatch(p.Name); m != nil {
		y, _ := strconv.Atoi(m[1])
		if m[2] == "" {
			return Year(y - 1)
		}
		q, _ := strconv.Atoi(m[2])
		if q == 1 {
			return Quarter(y-1, 4)
		}
		return Quarter(y, q-1)
	}
	d := p.To.Sub(p.From)
	return Range(p.From.Add(-d), p.From)
}

// Range is the days from (inclusive) to to (exclusive).
func Range(from, to time.Time) Period {
	return Period{Name: from.Format(time.DateOnly) + ".." + to.AddDate(0, 0, -1).Format(time.DateOnly), From: from, To: to}
}

// ParseRange reads from and to (YYYY-MM-DD, both inclusive) as a Period.
func ParseRange(from, to string) (Period, error) {
	var e validate.Errors
	f, err1 := time.Parse(time.DateOnly, from)
	if err1 != nil {
		e.Add("from", "%q is not a date (YYYY-MM-DD)", from)
	}
	t, err2 := time.Parse(time.DateOnly, to)
	if err2 != nil {
		e.Add("to", "%q is not a date (YYYY-MM-DD)", to)
	}
	if err1 == nil && err2 == nil {
		switch {
		case t.Before(f):
			e.Add("to", "%s is before from (%s)", to, from)
		case t.Sub(f) > 3*366*24*time.Hour:
			e.Add("to", "a range is at most three years")
		}
	}
	if err := e.Err(); err != nil {
		return Period{}, err
	}
	return Range(f, t.AddDate(0, 0, 1)), nil
}

// Closed reports whether the period ended before now.
func (p Period) Closed(now time.Time) bool { return !now.Before(p.To) }
