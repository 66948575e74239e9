package engagements

import (
	"time"

	"github.com/oss-sirt/sirt/internal/calendar"
)

// SpotCheckDues are the due dates of an active period that starts on start: every
// everyDays days after it, up to and including start + months. Dates are civil dates,
// so a change of daylight saving time moves nothing.
func SpotCheckDues(start calendar.Date, everyDays, months int) []calendar.Date {
	if everyDays <= 0 || months <= 0 {
		return nil
	}
	end := PeriodEnd(start, months)
	var out []calendar.Date
	for d := start.AddDays(everyDays); !end.Before(d); d = d.AddDays(everyDays) {
		out = append(out, d)
	}
	return out
}

// PeriodEnd is the last day of an active period of months starting on start.
func PeriodEnd(start calendar.Date, months int) calendar.Date {
	return calendar.DateOf(time.Date(start.Year, start.Month+time.Month(months), start.Day, 12, 0, 0, 0, time.UTC))
}

// ReminderAt is when the buddy is reminded of a spot-check due on due: at ReminderHour
// local time in loc, ReminderDaysBefore days before. Across a daylight saving change
// the local hour stays, the UTC instant moves.
func ReminderAt(due calendar.Date, loc *time.Location) time.Time {
	d := due.AddDays(-ReminderDaysBefore)
	return time.Date(d.Year, d.Month, d.Day, ReminderHour, 0, 0, 0, loc).UTC()
}

// OverdueAt is when a spot-check not done is flagged overdue: the start of the day after
// it was due, in loc.
func OverdueAt(due calendar.Date, loc *time.Location) time.Time {
	return due.AddDays(1).In(loc).UTC()
}

func location(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}
