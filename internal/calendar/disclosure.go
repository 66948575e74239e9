package calendar

import (
	"fmt"
	"strings"
	"time"
)

// Policy is a team's timing defaults. DefaultPolicy returns the values of the OSS-SIRT
// CVD policy; teams may change every one.
type Policy struct {
	AcknowledgeDays int // business days from receipt to acknowledgement
	AssessmentDays  int // business days from receipt to initial assessment
	// EmbargoMaxDays is the planning target for PD after validation, in calendar days:
	// the policy and the embargo norms it cites (distros 14, CERT/CC 45, 90) count them so.
	EmbargoMaxDays int
	// NoticeMinDays and NoticeMaxDays bound the embargoed downstream notice, in working
	// days before PD.
	NoticeMinDays, NoticeMaxDays int
	// PreferredPDWeekdays are the days a PD should fall on, so that consumers have the
	// rest of the working week to patch.
	PreferredPDWeekdays []time.Weekday
}

// DefaultPolicy returns the OSS-SIRT CVD policy's defaults: acknowledge within 2 business
// days, assess within 10, PD within 90 days of validation, downstream notice 1–30 working
// days before PD, PD on Monday, Tuesday or Wednesday.
func DefaultPolicy() Policy {
	return Policy{
		AcknowledgeDays:     2,
		AssessmentDays:      10,
		EmbargoMaxDays:      90,
		NoticeMinDays:       1,
		NoticeMaxDays:       30,
		PreferredPDWeekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday},
	}
}

// Validate reports settings that cannot work together.
func (p Policy) Validate() error {
	switch {
	case p.AcknowledgeDays < 0 || p.AssessmentDays < 0 || p.EmbargoMaxDays < 0 || p.NoticeMinDays < 0:
		return fmt.Errorf("calendar: policy days must not be negative; use 0 or more")
	case p.AssessmentDays < p.AcknowledgeDays:
		return fmt.Errorf("calendar: the assessment is due in %d business days, before the acknowledgement (%d); allow at least as long to assess as to acknowledge", p.AssessmentDays, p.AcknowledgeDays)
	case p.NoticeMaxDays < p.NoticeMinDays:
		return fmt.Errorf("calendar: downstream notice of %d–%d working days before PD is empty; set the most at least the least", p.NoticeMinDays, p.NoticeMaxDays)
	}
	return nil
}

// AcknowledgeBy returns when a report received at t must be acknowledged.
func (p Policy) AcknowledgeBy(c Calendar, received time.Time) time.Time {
	return c.AddBusinessDays(received, p.AcknowledgeDays)
}

// AssessBy returns when the initial assessment of a report received at t is due.
func (p Policy) AssessBy(c Calendar, received time.Time) time.Time {
	return c.AddBusinessDays(received, p.AssessmentDays)
}

// LatestPublicDate returns the planning target for PD of a report validated at t:
// EmbargoMaxDays calendar days later, same clock time in the calendar's zone.
func (p Policy) LatestPublicDate(c Calendar, validated time.Time) time.Time {
	return c.In(validated).AddDate(0, 0, p.EmbargoMaxDays)
}

// NoticeWindow returns the span for the embargoed downstream notice before pd under p.
func (p Policy) NoticeWindow(c Calendar, pd time.Time) (earliest, latest time.Time) {
	return c.NoticeWindow(pd, p.NoticeMinDays, p.NoticeMaxDays)
}

// CheckPublicDate applies c.CheckPublicDate with p's preferred weekdays.
func (p Policy) CheckPublicDate(c Calendar, pd time.Time) []Warning {
	return c.CheckPublicDate(pd, p.PreferredPDWeekdays)
}

// Warning is a way a proposed PD departs from the team's disclosure preferences. It is
// advice, not a refusal: an embargo break or active exploitation can justify any date.
type Warning struct {
	Code    string // one of the Warn… constants, for tests and for the UI to pick an icon
	Message string // a sentence for the person proposing the date
}

// Warning codes.
const (
	WarnWeekday      = "not_preferred_weekday" // PD is not on a preferred weekday
	WarnNonWorkday   = "non_working_day"       // PD is on a weekend (a day the team does not work)
	WarnHoliday      = "holiday"               // PD is on a holiday
	WarnBeforeDayOff = "before_day_off"        // the day after PD is a holiday: consumers would patch into it
	WarnHours        = "outside_working_hours" // PD is outside the team's working hours
)

// CheckPublicDate returns what is wrong with pd as a public disclosure date, judged in the
// calendar's zone; none means it is fine. preferred lists the weekdays a PD should fall on
// (nil means Monday to Wednesday, the policy default). It warns when pd
//
//   - is not on a preferred weekday, so consumers would have less of the week to patch;
//   - is on a weekend or a holiday, when neither the team nor the consumers are at work;
//   - is the eve of a holiday that falls on a working weekday, releasing into the day off;
//   - is outside working hours [WorkdayStart, WorkdayEnd): the team must be at hand to
//     publish and answer questions. The end itself is outside.
func (c Calendar) CheckPublicDate(pd time.Time, preferred []time.Weekday) []Warning {
	if preferred == nil {
		preferred = DefaultPolicy().PreferredPDWeekdays
	}
	t := c.In(pd)
	d := DateOf(t)
	day := fmt.Sprintf("%s %s (%s)", t.Weekday(), d, c.loc())
	var ws []Warning
	add := func(code, format string, args ...any) {
		ws = append(ws, Warning{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if !containsWeekday(preferred, t.Weekday()) {
		add(WarnWeekday, "The public date falls on %s; the team prefers %s, so consumers have the rest of the week to patch. Move it to one of those days if you can.",
			day, weekdayList(preferred))
	}
	if !c.workdays()[t.Weekday()] {
		add(WarnNonWorkday, "The public date falls on %s, which is not a working day; move it to a working day.", day)
	}
	if name, ok := c.Holiday(d); ok {
		add(WarnHoliday, "The public date falls on %s, a holiday (%s); move it to a working day.", day, name)
	}
	next := d.AddDays(1)
	if name, ok := c.Holiday(next); ok && c.workdays()[next.Weekday()] {
		add(WarnBeforeDayOff, "The day after the public date, %s, is a holiday (%s), so consumers would patch into it; move the date earlier or after the holiday.", next, name)
	}
	start, end := c.hours()
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	if since < start || since >= end {
		add(WarnHours, "The public date is at %s %s, outside working hours (%s–%s); choose a time within them so the team is at hand.",
			t.Format("15:04"), c.loc(), clockString(start), clockString(end))
	}
	return ws
}

// NoticeWindow returns when to send the embargoed notification to downstream parties for
// a PD at pd: from earliest, maxDays business days before pd, to latest, minDays business
// days before pd (AddBusinessDays with -maxDays and -minDays, same clock time). Swapped
// bounds are put in order.
func (c Calendar) NoticeWindow(pd time.Time, minDays, maxDays int) (earliest, latest time.Time) {
	if minDays > maxDays {
		minDays, maxDays = maxDays, minDays
	}
	return c.AddBusinessDays(pd, -maxDays), c.AddBusinessDays(pd, -minDays)
}

func containsWeekday(ds []time.Weekday, d time.Weekday) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func weekdayList(ds []time.Weekday) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()
	}
	switch len(names) {
	case 0:
		return "no day"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
