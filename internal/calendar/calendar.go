package calendar

import (
	"fmt"
	"strings"
	"time"
)

// Calendar is a team's working week, holidays, working hours and time zone. The zero
// Calendar is usable and means the same as Default: UTC, Monday to Friday, 09:00–17:00,
// no holidays. A Calendar is a value; do not change its Holidays map while it is in use.
type Calendar struct {
	// Location is the team's time zone; nil means UTC.
	Location *time.Location
	// Workdays marks the working weekdays, indexed by time.Weekday. All false (the zero
	// value) means Monday to Friday: a week with no working day would make every
	// deadline unreachable.
	Workdays [7]bool
	// Holidays are days off on working weekdays, with their names.
	Holidays map[Date]string
	// WorkdayStart and WorkdayEnd are the working hours as offsets from midnight, e.g.
	// 9h and 17h. Both zero means 09:00–17:00. They matter only to CheckPublicDate.
	WorkdayStart, WorkdayEnd time.Duration
}

// MondayToFriday is the usual working week.
var MondayToFriday = [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}

// Default returns a Monday-to-Friday, 09:00–17:00 calendar in UTC with no holidays.
func Default() Calendar {
	return Calendar{Location: time.UTC, Workdays: MondayToFriday, WorkdayStart: 9 * time.Hour, WorkdayEnd: 17 * time.Hour}
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (c Calendar) workdays() [7]bool {
	if c.Workdays == ([7]bool{}) {
		return MondayToFriday
	}
	return c.Workdays
}

func (c Calendar) hours() (start, end time.Duration) {
	if c.WorkdayStart == 0 && c.WorkdayEnd == 0 {
		return 9 * time.Hour, 17 * time.Hour
	}
	return c.WorkdayStart, c.WorkdayEnd
}

// Validate reports a calendar that cannot be used as configured.
func (c Calendar) Validate() error {
	s, e := c.hours()
	if s < 0 || e > 24*time.Hour || s >= e {
		return fmt.Errorf("calendar: working hours %s–%s are not a span within one day; set a start before the end, e.g. 09:00–17:00", clockString(s), clockString(e))
	}
	return nil
}

// In returns t in the calendar's time zone.
func (c Calendar) In(t time.Time) time.Time { return t.In(c.loc()) }

// Holiday returns the name of the holiday on d, if it is one.
func (c Calendar) Holiday(d Date) (string, bool) {
	name, ok := c.Holidays[d]
	return name, ok
}

// IsWorkingDate reports whether d is a working weekday and not a holiday.
func (c Calendar) IsWorkingDate(d Date) bool {
	if !c.workdays()[d.Weekday()] {
		return false
	}
	_, hol := c.Holidays[d]
	return !hol
}

// IsBusinessDay reports whether t falls on a business day in the calendar's zone.
func (c Calendar) IsBusinessDay(t time.Time) bool {
	return c.IsWorkingDate(DateOf(c.In(t)))
}

// nextWorkingDate returns the first working date after d (before d for step -1). It ends:
// the week has a working day and there are finitely many holidays.
func (c Calendar) nextWorkingDate(d Date, step int) Date {
	for {
		d = d.AddDays(step)
		if c.IsWorkingDate(d) {
			return d
		}
	}
}

// NextBusinessDay returns the start (00:00) of the first business day after the day of t.
func (c Calendar) NextBusinessDay(t time.Time) time.Time {
	return c.nextWorkingDate(DateOf(c.In(t)), 1).In(c.loc())
}

// StartOfBusiness returns t if it falls on a business day, else the start (00:00) of the
// next business day: the moment from which a business-day clock runs.
func (c Calendar) StartOfBusiness(t time.Time) time.Time {
	t = c.In(t)
	if c.IsBusinessDay(t) {
		return t
	}
	return c.NextBusinessDay(t)
}

// AddBusinessDays returns the deadline n business days after t: the same clock time on
// the n-th business day after t's. A t on a weekend or holiday first moves to 00:00 of
// the next business day (see the package doc for why). A negative n counts back from that
// same starting point, so AddBusinessDays(Saturday 10:00, -1) is Friday 00:00, the start
// of the last business day before it.
//
// If the clock time does not exist on the target day (a daylight-saving gap), the time is
// moved forward by the length of the gap, as time.Date does.
func (c Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	t = c.StartOfBusiness(t)
	d := DateOf(t)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for range n {
		d = c.nextWorkingDate(d, step)
	}
	return time.Date(d.Year, d.Month, d.Day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc())
}

// BusinessDaysBetween returns how many business days lie between a and b, negative when b
// is before a. Each business day counts 1, in proportion to its clock time for the days a
// and b fall on (Tuesday 06:00 to 18:00 is 0.5); weekends and holidays count 0. It is the
// inverse of AddBusinessDays: BusinessDaysBetween(t, AddBusinessDays(t, n)) == n.
//
// Fractions use the clock (06:00 is a quarter of the day even on a 23-hour
// daylight-saving day), so whole days stay whole across a change of offset.
func (c Calendar) BusinessDaysBetween(a, b time.Time) float64 {
	if b.Before(a) {
		return -c.BusinessDaysBetween(b, a)
	}
	a, b = c.In(a), c.In(b)
	da, db := DateOf(a), DateOf(b)
	fa, fb := dayFraction(a), dayFraction(b)
	if da == db {
		if !c.IsWorkingDate(da) {
			return 0
		}
		return fb - fa
	}
	var days float64
	if c.IsWorkingDate(da) {
		days += 1 - fa
	}
	for d := da.AddDays(1); d.Before(db); d = d.AddDays(1) {
		if c.IsWorkingDate(d) {
			days++
		}
	}
	if c.IsWorkingDate(db) {
		days += fb
	}
	return days
}

// dayFraction is how far through its day t's clock is: 0 at 00:00, 0.5 at 12:00.
func dayFraction(t time.Time) float64 {
	h, m, s := t.Clock()
	return (float64(h*3600+m*60+s) + float64(t.Nanosecond())/1e9) / 86400
}

// ParseWorkdays reads a working week as a team writes it in settings: "Mon-Fri",
// "Sun-Thu", "Mon,Tue,Wed,Thu" or a mix such as "Mon-Wed,Fri". Day names are English,
// three letters or in full, any case.
func ParseWorkdays(s string) ([7]bool, error) {
	var w [7]bool
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, isRange := strings.Cut(part, "-")
		a, err := parseWeekday(from)
		if err != nil {
			return w, err
		}
		b := a
		if isRange {
			if b, err = parseWeekday(to); err != nil {
				return w, err
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			w[d] = true
			if d == b {
				break
			}
		}
	}
	if w == ([7]bool{}) {
		return w, fmt.Errorf("calendar: working week %q has no days; write it like Mon-Fri or Mon,Tue,Wed", s)
	}
	return w, nil
}

func parseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		full := strings.ToLower(d.String())
		if len(s) >= 3 && strings.HasPrefix(full, s) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("calendar: %q is not a day of the week; use Mon, Tue, Wed, Thu, Fri, Sat or Sun", s)
}

func clockString(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}
