// Package calendar does the business-day arithmetic behind sirt's SLA clocks and
// disclosure rules: which days a team works, which are holidays, when "2 business days"
// after a report ends, and whether a public disclosure (PD) date follows the team's
// policy.
//
// A Calendar is a team's working week (default Monday to Friday), its holidays, its
// working hours and its time zone. Every question is answered in that zone: a time given
// in another zone is converted first, and times returned are in the calendar's zone.
//
// # Counting business days
//
// A business day is a whole calendar day (midnight to midnight in the calendar's zone) that
// is a working weekday and not a holiday. Deadlines keep the clock time: 2 business days
// after Friday 14:00 is Tuesday 14:00. A time on a weekend or holiday counts as the first
// moment (00:00) of the next business day, so 2 business days after Saturday 10:00 is
// Wednesday 00:00, the end of Tuesday. This rule:
//
//   - gives a report that arrives when nobody works the same full working days as one that
//     arrives as the week begins, and never a deadline on a day off;
//   - makes AddBusinessDays and BusinessDaysBetween exact inverses, so the SLA deadline a
//     responder sees and the "business days to acknowledge" a metric reports agree.
//
// Working hours (Calendar.WorkdayStart/WorkdayEnd) do not shorten a business day; they only
// feed the PD checks, where a disclosure at 03:00 deserves a warning.
//
// Days are calendar days, not 24-hour spans: across a daylight-saving change, Friday 14:00
// plus one business day is Monday 14:00 local time, however many hours that is.
//
// # Disclosure rules
//
// Policy holds the team's defaults from its CVD policy: acknowledge within 2 business days,
// initial assessment within 10, PD within 90 (calendar) days, embargoed downstream notice
// 1–30 working days before PD, PD preferably Monday to Wednesday. CheckPublicDate warns
// about a PD that breaks those preferences; NoticeWindow gives the span in which to send
// the embargoed notification.
package calendar
