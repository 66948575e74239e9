package engagements_test

import (
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/engagements"
)

func mustDate(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A six-month engagement that starts on Monday 2 March 2026 has 13 bi-weekly
// spot-checks, all on Mondays, 14 days apart, although Europe and the US change to
// summer time in between.
func TestSpotCheckDuesSixMonths(t *testing.T) {
	dues := engagements.SpotCheckDues(mustDate(t, "2026-03-02"), 14, 6)
	if len(dues) != 13 {
		t.Fatalf("%d dues, want 13: %v", len(dues), dues)
	}
	if dues[0].String() != "2026-03-16" || dues[12].String() != "2026-08-31" {
		t.Errorf("first %s, last %s; want 2026-03-16 and 2026-08-31", dues[0], dues[12])
	}
	for i, d := range dues {
		if d.Weekday() != time.Monday {
			t.Errorf("due %d %s is a %s", i+1, d, d.Weekday())
		}
		if i > 0 {
			a, b := dues[i-1].In(time.UTC), d.In(time.UTC)
			if b.Sub(a) != 14*24*time.Hour {
				t.Errorf("%s to %s is not 14 days", dues[i-1], d)
			}
		}
	}
	if end := engagements.PeriodEnd(mustDate(t, "2026-03-02"), 6); end.String() != "2026-09-02" {
		t.Errorf("period end %s, want 2026-09-02", end)
	}
	// Across the end of summer time too (Europe: 25 October 2026); September to March
	// is 181 days, so 12 checks fit.
	autumn := engagements.SpotCheckDues(mustDate(t, "2026-09-07"), 14, 6)
	if len(autumn) != 12 || autumn[11].String() != "2027-02-22" {
		t.Errorf("autumn dues %v", autumn)
	}
	// Other rhythms: weekly for one month; zero is nothing.
	if n := len(engagements.SpotCheckDues(mustDate(t, "2026-02-02"), 7, 1)); n != 4 {
		t.Errorf("weekly for a month: %d, want 4", n)
	}
	if engagements.SpotCheckDues(mustDate(t, "2026-02-02"), 0, 6) != nil {
		t.Error("every 0 days gave dates")
	}
}

// Reminders are at 09:00 in the buddy's zone two days before: the UTC hour moves with
// daylight saving time, the local hour does not.
func TestReminderAtAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	for _, c := range []struct{ due, want string }{
		{"2026-03-16", "2026-03-14T08:00:00Z"}, // CET, UTC+1
		{"2026-03-30", "2026-03-28T08:00:00Z"}, // the day before the change
		{"2026-04-13", "2026-04-11T07:00:00Z"}, // CEST, UTC+2
		{"2026-10-26", "2026-10-24T07:00:00Z"}, // the day before summer time ends
		{"2026-11-09", "2026-11-07T08:00:00Z"},
	} {
		got := engagements.ReminderAt(mustDate(t, c.due), berlin)
		if got.Format(time.RFC3339) != c.want {
			t.Errorf("reminder for %s: %s, want %s", c.due, got.Format(time.RFC3339), c.want)
		}
		if h := got.In(berlin).Hour(); h != engagements.ReminderHour {
			t.Errorf("reminder for %s at %d:00 local", c.due, h)
		}
	}
	if got := engagements.OverdueAt(mustDate(t, "2026-04-13"), berlin); got.Format(time.RFC3339) != "2026-04-13T22:00:00Z" {
		t.Errorf("overdue at %s, want the start of 14 April in Berlin", got.Format(time.RFC3339))
	}
}

func TestTransitions(t *testing.T) {
	for _, c := range []struct {
		from, to engagements.Status
		ok       bool
	}{
		{engagements.Proposed, engagements.Active, true},
		{engagements.Proposed, engagements.Contacting, true},
		{engagements.Contacting, engagements.Unresponsive, true},
		{engagements.Active, engagements.WindingDown, true},
		{engagements.WindingDown, engagements.Closed, true},
		{engagements.Unresponsive, engagements.Contacting, true},
		{engagements.Closed, engagements.Active, false},
		{engagements.Declined, engagements.Contacting, false},
		{engagements.Active, engagements.Contacting, false},
		{engagements.Proposed, engagements.WindingDown, false},
		{engagements.Active, engagements.Active, false},
	} {
		if got := engagements.CanMove(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
