package calendar

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Date is a civil date, a day on the calendar without a time or a zone, as holidays are.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: %q is not a date (want YYYY-MM-DD, e.g. 2026-12-25)", s)
	}
	return DateOf(t), nil
}

// String returns the date as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// In returns the start (00:00) of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// ParseHolidays reads a team's holiday list: one holiday a line, "YYYY-MM-DD Name", e.g.
// "2026-12-25 Christmas Day". Blank lines and lines starting with # are skipped; a line
// without a name is a holiday called "Holiday". A date listed twice is an error, since one
// of the two names would silently be lost.
func ParseHolidays(r io.Reader) (map[Date]string, error) {
	out := map[Date]string{}
	firstLine := map[Date]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		field, name, _ := strings.Cut(line, " ")
		d, err := time.Parse(time.DateOnly, field)
		if err != nil {
			return nil, fmt.Errorf("calendar: holidays line %d: %q is not a date; write each holiday as YYYY-MM-DD followed by its name, e.g. 2026-12-25 Christmas Day", n, field)
		}
		date := DateOf(d)
		if prev, dup := firstLine[date]; dup {
			return nil, fmt.Errorf("calendar: holidays line %d: %s is already listed on line %d; keep one of the two lines", n, date, prev)
		}
		name = strings.TrimSpace(name)
		if name == "" {
			name = "Holiday"
		}
		out[date], firstLine[date] = name, n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("calendar: read holidays: %w", err)
	}
	return out, nil
}
