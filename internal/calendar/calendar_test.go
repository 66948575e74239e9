package calendar

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustHolidays(t *testing.T, s string) map[Date]string {
	t.Helper()
	h, err := ParseHolidays(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const yearEnd = `
# year end, as a team would write it
2026-12-24 Christmas Eve
2026-12-25 Christmas Day
2026-12-31 New Year's Eve
2027-01-01 New Year's Day
`

const berlinSpring = `
2026-05-01 Labour Day
2026-05-14 Ascension Day
2026-05-25 Whit Monday
`

// at parses "2006-01-02 15:04" in loc.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestAddBusinessDays(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	utc := Default()
	utc.Holidays = mustHolidays(t, yearEnd)
	ber := Calendar{Location: berlin, Workdays: MondayToFriday, Holidays: mustHolidays(t, berlinSpring)}
	sunThu, err := ParseWorkdays("Sun-Thu")
	if err != nil {
		t.Fatal(err)
	}
	berSunThu := Calendar{Location: berlin, Workdays: sunThu}
	nyc := Calendar{Location: ny}

	tests := []struct {
		name string
		cal  Calendar
		from time.Time
		n    int
		want string // in the calendar's zone, "2006-01-02 15:04 MST"
	}{
		{"same week", utc, at(t, time.UTC, "2026-06-01 10:00"), 2, "2026-06-03 10:00 UTC"},
		{"over a weekend keeps the clock time", utc, at(t, time.UTC, "2026-06-05 14:00"), 2, "2026-06-09 14:00 UTC"},
		{"Saturday starts Monday 00:00: ends with Tuesday", utc, at(t, time.UTC, "2026-06-06 10:00"), 2, "2026-06-10 00:00 UTC"},
		{"Sunday, zero days: the start of Monday", utc, at(t, time.UTC, "2026-06-07 23:59"), 0, "2026-06-08 00:00 UTC"},
		{"working day, zero days: itself", utc, at(t, time.UTC, "2026-06-08 08:15"), 0, "2026-06-08 08:15 UTC"},
		{"over Christmas", utc, at(t, time.UTC, "2026-12-23 10:00"), 2, "2026-12-29 10:00 UTC"},
		{"over the year end", utc, at(t, time.UTC, "2026-12-23 10:00"), 5, "2027-01-05 10:00 UTC"},
		{"from a holiday", utc, at(t, time.UTC, "2026-12-25 15:00"), 1, "2026-12-29 00:00 UTC"},
		{"ten days, policy assessment", utc, at(t, time.UTC, "2026-12-21 09:00"), 10, "2027-01-08 09:00 UTC"},
		{"back one day", utc, at(t, time.UTC, "2026-06-09 14:00"), -1, "2026-06-08 14:00 UTC"},
		{"back over a weekend", utc, at(t, time.UTC, "2026-06-08 14:00"), -1, "2026-06-05 14:00 UTC"},
		{"back from Saturday: start of Friday", utc, at(t, time.UTC, "2026-06-06 10:00"), -1, "2026-06-05 00:00 UTC"},
		{"back over the year end", utc, at(t, time.UTC, "2027-01-04 12:00"), -3, "2026-12-28 12:00 UTC"},
		{"Berlin: over the spring DST change", ber, at(t, berlin, "2026-03-27 14:00"), 1, "2026-03-30 14:00 CEST"},
		{"Berlin: over the autumn DST change", ber, at(t, berlin, "2026-10-23 09:00"), 2, "2026-10-27 09:00 CET"},
		{"Berlin: Ascension and Whit Monday", ber, at(t, berlin, "2026-05-13 11:00"), 5, "2026-05-21 11:00 CEST"},
		{"Berlin: a UTC time late Friday is Saturday in Berlin", ber, time.Date(2026, 3, 27, 23, 30, 0, 0, time.UTC), 1, "2026-03-31 00:00 CEST"},
		{"New York: over the autumn DST change", nyc, at(t, ny, "2026-10-30 09:30"), 1, "2026-11-02 09:30 EST"},
		{"New York: over the spring DST change", nyc, at(t, ny, "2026-03-06 17:00"), 1, "2026-03-09 17:00 EDT"},
		{"New York: back over the autumn change", nyc, at(t, ny, "2026-11-10 10:00"), -10, "2026-10-27 10:00 EDT"},
		{"Sun-Thu week: Friday starts Sunday", berSunThu, at(t, berlin, "2026-06-05 10:00"), 1, "2026-06-08 00:00 CEST"},
		// 02:30 does not exist on 2026-03-29 in Berlin; time.Date moves it on by the gap.
		{"Sun-Thu week: a clock time in the DST gap", berSunThu, at(t, berlin, "2026-03-26 02:30"), 1, "2026-03-29 03:30 CEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddBusinessDays(tt.from, tt.n)
			if s := got.Format("2006-01-02 15:04 MST"); s != tt.want {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.from, tt.n, s, tt.want)
			}
			if got.Location() != tt.cal.loc() {
				t.Errorf("result in %s, want the calendar's zone %s", got.Location(), tt.cal.loc())
			}
		})
	}
	// Real elapsed time across the spring change: one hour short of three days.
	if d := ber.AddBusinessDays(at(t, berlin, "2026-03-27 14:00"), 1).Sub(at(t, berlin, "2026-03-27 14:00")); d != 71*time.Hour {
		t.Errorf("Friday to Monday across spring DST took %s, want 71h", d)
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	utc := Default()
	utc.Holidays = mustHolidays(t, yearEnd)
	sunThu, _ := ParseWorkdays("Sun-Thu")
	berSunThu := Calendar{Location: berlin, Workdays: sunThu}
	tests := []struct {
		name string
		cal  Calendar
		a, b time.Time
		want float64
	}{
		{"Friday to Tuesday, same time", utc, at(t, time.UTC, "2026-06-05 14:00"), at(t, time.UTC, "2026-06-09 14:00"), 2},
		{"half a day", utc, at(t, time.UTC, "2026-06-09 06:00"), at(t, time.UTC, "2026-06-09 18:00"), 0.5},
		{"within a weekend", utc, at(t, time.UTC, "2026-06-06 01:00"), at(t, time.UTC, "2026-06-07 23:00"), 0},
		{"reversed is negative", utc, at(t, time.UTC, "2026-06-09 14:00"), at(t, time.UTC, "2026-06-05 14:00"), -2},
		{"Christmas week", utc, at(t, time.UTC, "2026-12-21 00:00"), at(t, time.UTC, "2026-12-28 00:00"), 3},
		{"across the year end", utc, at(t, time.UTC, "2026-12-28 12:00"), at(t, time.UTC, "2027-01-04 12:00"), 3},
		{"Sun-Thu week, the 23-hour DST Sunday is one day", berSunThu, at(t, berlin, "2026-03-29 00:00"), at(t, berlin, "2026-03-30 00:00"), 1},
		{"Sun-Thu week, 06:00 on the DST Sunday is a quarter", berSunThu, at(t, berlin, "2026-03-29 00:00"), at(t, berlin, "2026-03-29 06:00"), 0.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.BusinessDaysBetween(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("BusinessDaysBetween(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestAddAndBetweenAgree walks every hour of two awkward stretches (a spring DST change
// with holidays near, and the year end) and checks that the deadline AddBusinessDays
// gives is a business day, later for larger n, and exactly n business days away.
func TestAddAndBetweenAgree(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	cals := map[string]Calendar{
		"Berlin": {Location: berlin, Holidays: mustHolidays(t, yearEnd+berlinSpring+"2026-04-03 Good Friday\n2026-04-06 Easter Monday\n")},
		"NY":     {Location: ny, Holidays: mustHolidays(t, yearEnd)},
	}
	starts := []string{"2026-03-20 00:00", "2026-10-20 00:00", "2026-12-18 00:00"}
	for name, c := range cals {
		for _, s := range starts {
			from := at(t, c.Location, s)
			for h := 0; h < 24*21; h++ {
				tm := from.Add(time.Duration(h)*time.Hour + 17*time.Minute)
				prev := time.Time{}
				for n := -35; n <= 35; n++ {
					got := c.AddBusinessDays(tm, n)
					if !c.IsBusinessDay(got) {
						t.Fatalf("%s: AddBusinessDays(%s, %d) = %s is not a business day", name, tm, n, got)
					}
					if !prev.IsZero() && !got.After(prev) {
						t.Fatalf("%s: AddBusinessDays(%s, %d) = %s is not after n-1's %s", name, tm, n, got, prev)
					}
					prev = got
					if b := c.BusinessDaysBetween(tm, got); math.Abs(b-float64(n)) > 1e-9 {
						t.Fatalf("%s: BusinessDaysBetween(%s, AddBusinessDays(…, %d) = %s) = %v", name, tm, n, got, b)
					}
				}
			}
		}
	}
}

func TestIsBusinessDayAndNext(t *testing.T) {
	c := Default()
	c.Holidays = mustHolidays(t, yearEnd)
	tests := []struct {
		at       string
		business bool
		next     string
	}{
		{"2026-12-23 23:59", true, "2026-12-28 00:00"},
		{"2026-12-24 09:00", false, "2026-12-28 00:00"},
		{"2026-12-26 09:00", false, "2026-12-28 00:00"},
		{"2026-12-30 12:00", true, "2027-01-04 00:00"},
		{"2027-01-04 00:00", true, "2027-01-05 00:00"},
	}
	for _, tt := range tests {
		tm := at(t, time.UTC, tt.at)
		if got := c.IsBusinessDay(tm); got != tt.business {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", tt.at, got, tt.business)
		}
		if got := c.NextBusinessDay(tm).Format("2006-01-02 15:04"); got != tt.next {
			t.Errorf("NextBusinessDay(%s) = %s, want %s", tt.at, got, tt.next)
		}
	}
	// The zero Calendar is Default: UTC, Monday to Friday.
	var zero Calendar
	if !zero.IsBusinessDay(at(t, time.UTC, "2026-06-05 10:00")) || zero.IsBusinessDay(at(t, time.UTC, "2026-06-06 10:00")) {
		t.Error("the zero Calendar does not work Monday to Friday")
	}
	if got := zero.AddBusinessDays(at(t, time.UTC, "2026-06-05 14:00"), 1); got.Location() != time.UTC || got.Day() != 8 {
		t.Errorf("zero Calendar: Friday + 1 = %s", got)
	}
}

func TestParseHolidays(t *testing.T) {
	h, err := ParseHolidays(strings.NewReader("# comment\n\n2026-12-25 Christmas Day\n  2026-12-26   Boxing Day  \n2027-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[Date]string{
		{2026, time.December, 25}: "Christmas Day",
		{2026, time.December, 26}: "Boxing Day",
		{2027, time.January, 1}:   "Holiday",
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("ParseHolidays = %v, want %v", h, want)
	}
	for _, tt := range []struct{ in, want string }{
		{"2026-12-25 Christmas\n2026-02-30 Nope", `holidays line 2: "2026-02-30" is not a date; write each holiday as YYYY-MM-DD`},
		{"25.12.2026 Christmas", `holidays line 1: "25.12.2026" is not a date`},
		{"2026-12-25 A\n\n2026-12-25 B", "holidays line 3: 2026-12-25 is already listed on line 1"},
	} {
		if _, err := ParseHolidays(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseHolidays(%q) error %v, want one containing %q", tt.in, err, tt.want)
		}
	}
	if d, err := ParseDate("2027-01-01"); err != nil || d.String() != "2027-01-01" || d.Weekday() != time.Friday {
		t.Errorf("ParseDate = %v (%v), %v", d, d.Weekday(), err)
	}
}

func TestParseWorkdays(t *testing.T) {
	tests := []struct {
		in   string
		want [7]bool
	}{
		{"Mon-Fri", MondayToFriday},
		{"mon,TUE, wednesday,thu,Fri", MondayToFriday},
		{"Sun-Thu", [7]bool{true, true, true, true, true, false, false}},
		{"Mon-Wed,Fri", [7]bool{false, true, true, true, false, true, false}},
		{"Fri-Mon", [7]bool{true, true, false, false, false, true, true}},
	}
	for _, tt := range tests {
		if got, err := ParseWorkdays(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseWorkdays(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "Mon-Funday", "Mo"} {
		if _, err := ParseWorkdays(in); err == nil {
			t.Errorf("ParseWorkdays(%q) accepted", in)
		}
	}
}

func codes(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func TestCheckPublicDate(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	c := Default()
	c.Holidays = mustHolidays(t, yearEnd)
	nyc := Calendar{Location: ny}
	tests := []struct {
		name      string
		cal       Calendar
		pd        time.Time
		preferred []time.Weekday
		want      []string
	}{
		{"Tuesday morning is fine", c, at(t, time.UTC, "2026-06-02 10:00"), nil, nil},
		{"Thursday", c, at(t, time.UTC, "2026-06-04 10:00"), nil, []string{WarnWeekday}},
		{"Thursday when the team prefers it", c, at(t, time.UTC, "2026-06-04 10:00"), []time.Weekday{time.Thursday}, nil},
		{"Saturday", c, at(t, time.UTC, "2026-06-06 10:00"), nil, []string{WarnWeekday, WarnNonWorkday}},
		{"Wednesday before Christmas Eve", c, at(t, time.UTC, "2026-12-23 10:00"), nil, []string{WarnBeforeDayOff}},
		{"Christmas Eve", c, at(t, time.UTC, "2026-12-24 10:00"), nil, []string{WarnWeekday, WarnHoliday, WarnBeforeDayOff}},
		{"New Year's Eve at night", c, at(t, time.UTC, "2026-12-31 23:00"), nil, []string{WarnWeekday, WarnHoliday, WarnBeforeDayOff, WarnHours}},
		{"early morning", c, at(t, time.UTC, "2026-06-02 03:00"), nil, []string{WarnHours}},
		{"at the end of working hours", c, at(t, time.UTC, "2026-06-02 17:00"), nil, []string{WarnHours}},
		{"a minute before the end", c, at(t, time.UTC, "2026-06-02 16:59"), nil, nil},
		{"fine in UTC, 03:00 in New York", nyc, at(t, time.UTC, "2026-06-02 07:00"), nil, []string{WarnHours}},
		{"Tuesday in UTC, Monday evening in New York", nyc, at(t, time.UTC, "2026-06-02 01:00"), nil, []string{WarnHours}},
		{"Monday in New York, Tuesday in UTC", nyc, at(t, time.UTC, "2026-06-09 03:00"), nil, []string{WarnHours}},
		{"Wednesday 22:00 New York is Thursday in UTC", nyc, at(t, ny, "2026-06-03 22:00"), nil, []string{WarnHours}},
		{"Thursday in New York", nyc, at(t, ny, "2026-06-04 12:00"), nil, []string{WarnWeekday}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := tt.cal.CheckPublicDate(tt.pd, tt.preferred)
			if got := codes(ws); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CheckPublicDate(%s) = %v, want %v", tt.pd, ws, tt.want)
			}
			for _, w := range ws {
				if w.Message == "" || !strings.HasSuffix(w.Message, ".") {
					t.Errorf("warning %s has no sentence: %q", w.Code, w.Message)
				}
			}
		})
	}
	ws := c.CheckPublicDate(at(t, time.UTC, "2026-12-24 10:00"), nil)
	if !strings.Contains(ws[0].Message, "Thursday 2026-12-24 (UTC)") || !strings.Contains(ws[0].Message, "Monday, Tuesday or Wednesday") ||
		!strings.Contains(ws[1].Message, "Christmas Eve") {
		t.Errorf("messages do not name the day, the preference and the holiday: %v", ws)
	}
}

func TestNoticeWindow(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	ber := Calendar{Location: berlin, Holidays: mustHolidays(t, berlinSpring)}
	p := DefaultPolicy()
	tests := []struct {
		name             string
		cal              Calendar
		pd               time.Time
		min, max         int
		earliest, latest string
	}{
		{"policy default, Berlin holidays in the window", ber, at(t, berlin, "2026-06-02 14:00"), p.NoticeMinDays, p.NoticeMaxDays, "2026-04-16 14:00 CEST", "2026-06-01 14:00 CEST"},
		{"across the New York DST change", Calendar{Location: ny}, at(t, ny, "2026-11-10 10:00"), 1, 10, "2026-10-27 10:00 EDT", "2026-11-09 10:00 EST"},
		{"PD on a Saturday: the whole Friday before", Calendar{Location: time.UTC}, at(t, time.UTC, "2026-06-06 10:00"), 1, 5, "2026-06-01 00:00 UTC", "2026-06-05 00:00 UTC"},
		{"swapped bounds", Calendar{Location: time.UTC}, at(t, time.UTC, "2026-06-10 12:00"), 5, 1, "2026-06-03 12:00 UTC", "2026-06-09 12:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, l := tt.cal.NoticeWindow(tt.pd, tt.min, tt.max)
			if got := e.Format("2006-01-02 15:04 MST"); got != tt.earliest {
				t.Errorf("earliest %s, want %s", got, tt.earliest)
			}
			if got := l.Format("2006-01-02 15:04 MST"); got != tt.latest {
				t.Errorf("latest %s, want %s", got, tt.latest)
			}
		})
	}
	e, l := p.NoticeWindow(ber, at(t, berlin, "2026-06-02 14:00"))
	if e.Day() != 16 || l.Day() != 1 {
		t.Errorf("Policy.NoticeWindow = %s, %s", e, l)
	}
}

func TestPolicy(t *testing.T) {
	p := DefaultPolicy()
	want := Policy{AcknowledgeDays: 2, AssessmentDays: 10, EmbargoMaxDays: 90, NoticeMinDays: 1, NoticeMaxDays: 30,
		PreferredPDWeekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("DefaultPolicy = %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("DefaultPolicy invalid: %v", err)
	}
	c := Default()
	c.Holidays = mustHolidays(t, yearEnd)
	got := p.AcknowledgeBy(c, at(t, time.UTC, "2026-12-23 16:30"))
	if s := got.Format("2006-01-02 15:04"); s != "2026-12-29 16:30" {
		t.Errorf("AcknowledgeBy = %s", s)
	}
	if s := p.AssessBy(c, at(t, time.UTC, "2026-12-19 11:00")).Format("2006-01-02 15:04"); s != "2027-01-08 00:00" {
		t.Errorf("AssessBy from a Saturday = %s", s)
	}
	if s := p.LatestPublicDate(c, at(t, time.UTC, "2026-06-01 09:00")).Format("2006-01-02"); s != "2026-08-30" {
		t.Errorf("LatestPublicDate = %s", s)
	}
	if ws := p.CheckPublicDate(c, at(t, time.UTC, "2026-06-04 10:00")); len(ws) != 1 || ws[0].Code != WarnWeekday {
		t.Errorf("Policy.CheckPublicDate = %v", ws)
	}
	for _, bad := range []Policy{
		{AcknowledgeDays: 5, AssessmentDays: 2, NoticeMinDays: 1, NoticeMaxDays: 30},
		{AcknowledgeDays: 2, AssessmentDays: 10, NoticeMinDays: 10, NoticeMaxDays: 5},
		{AcknowledgeDays: -1, AssessmentDays: 10},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
	if err := (Calendar{WorkdayStart: 17 * time.Hour, WorkdayEnd: 9 * time.Hour}).Validate(); err == nil || !strings.Contains(err.Error(), "17:00–09:00") {
		t.Errorf("Calendar.Validate = %v", err)
	}
}
