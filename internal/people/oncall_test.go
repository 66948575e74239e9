package people_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type onCall struct {
	User struct {
		Email string `json:"email"`
	} `json:"user"`
	Until    time.Time `json:"until"`
	Since    time.Time `json:"since"`
	Override bool      `json:"override"`
	Next     *struct {
		Email string `json:"email"`
	} `json:"next"`
}

func now(t *testing.T, ta *testapp.TestApp, token string) onCall {
	t.Helper()
	var d onCall
	ta.API("GET", "/api/v1/oncall/now", token, nil).Want(t, 200).JSON(t, &d)
	return d
}

// A weekly rotation in New York hands off at 09:00 local time every Monday, also
// across the change to daylight-saving time (8 March 2026): the UTC instant moves,
// the local hour does not. An override puts someone else on duty and cuts the regular
// shift short; after it the rotation resumes.
func TestOnCallAcrossTimeZones(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d) // the clock: Monday 2 March 2026, 09:00 UTC = 04:00 in New York
		pgm := ta.User(authz.RolePgM)
		alice, bob, carol := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder), ta.User(authz.RoleAdmin)
		member := ta.User(authz.RoleMember)
		tok := ta.Token(pgm)
		rtok := ta.Token(alice)

		// Nobody is on call before there is a schedule.
		ta.API("GET", "/api/v1/oncall/now", rtok, nil).Want(t, 404)

		var sc struct {
			ID int64 `json:"id"`
		}
		ta.API("POST", "/api/v1/oncall/schedules", tok, map[string]any{"name": "intake (Americas)", "time_zone": "America/New_York", "handoff": "weekly",
			"handoff_time": "09:00", "start": "2026-02-23", "members": []string{alice.Email, bob.Email, carol.Email}}).Want(t, 201).JSON(t, &sc)

		// Week of 23 Feb: alice; 2 March 04:00 local is still before Monday's 09:00 handoff.
		d1 := now(t, ta, rtok)
		nyc, _ := time.LoadLocation("America/New_York")
		if d1.User.Email != alice.Email || !d1.Until.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, nyc)) || d1.Next == nil || d1.Next.Email != bob.Email {
			t.Fatalf("before the handoff: %+v, want alice until 2 March 09:00 New York (14:00 UTC), then bob", d1)
		}
		if got := d1.Until.UTC().Hour(); got != 14 {
			t.Errorf("the handoff before DST is at %d:00 UTC, want 14:00", got)
		}
		// The handoff: at 09:00 New York, bob.
		ta.Clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
		d2 := now(t, ta, rtok)
		if d2.User.Email != bob.Email {
			t.Fatalf("at the handoff: %s, want bob", d2.User.Email)
		}
		// Bob's week spans the DST change (8 March): it ends at 09:00 local on 9 March,
		// which is 13:00 UTC — a week of 167 hours.
		if !d2.Until.Equal(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)) || d2.Until.Sub(d2.Since) != 167*time.Hour {
			t.Fatalf("bob's week %s – %s, want until 2026-03-09T13:00Z (167 h)", d2.Since, d2.Until)
		}
		// An override: carol covers Wednesday 12:00–18:00 UTC.
		ta.API("POST", fmt.Sprintf("/api/v1/oncall/schedules/%d/overrides", sc.ID), tok, map[string]any{"email": carol.Email,
			"start": "2026-03-04T12:00:00Z", "end": "2026-03-04T18:00:00Z", "reason": "bob at a conference"}).Want(t, 201)
		d3 := now(t, ta, rtok)
		if d3.User.Email != bob.Email || !d3.Until.Equal(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)) || d3.Next == nil || d3.Next.Email != carol.Email {
			t.Fatalf("before the override: %+v, want bob until the override starts, then carol", d3)
		}
		ta.Clock.Set(time.Date(2026, 3, 4, 13, 0, 0, 0, time.UTC))
		d4 := now(t, ta, rtok)
		if d4.User.Email != carol.Email || !d4.Override || !d4.Until.Equal(time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC)) {
			t.Fatalf("during the override: %+v, want carol (override) until 18:00", d4)
		}
		ta.Clock.Set(time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC))
		if d5 := now(t, ta, rtok); d5.User.Email != bob.Email || d5.Override {
			t.Fatalf("after the override: %+v, want bob again", d5)
		}
		// After the DST change, the handoff to carol is at 13:00 UTC.
		ta.Clock.Set(time.Date(2026, 3, 9, 12, 59, 0, 0, time.UTC))
		if d := now(t, ta, rtok); d.User.Email != bob.Email {
			t.Fatalf("a minute before the handoff: %s, want bob", d.User.Email)
		}
		ta.Clock.Set(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC))
		if d := now(t, ta, rtok); d.User.Email != carol.Email {
			t.Fatalf("at the handoff after DST: %s, want carol", d.User.Email)
		}
		// Members do not learn who is on call; the anonymous must sign in.
		ta.API("GET", "/api/v1/oncall/now", ta.Token(member), nil).Want(t, 404)
		ta.API("GET", "/api/v1/oncall/now", "", nil).Want(t, 401)
		ta.API("GET", fmt.Sprintf("/oncall/%d.ics", sc.ID), ta.Token(member), nil).Want(t, 404)
		// Responders may not change schedules.
		ta.API("POST", fmt.Sprintf("/api/v1/oncall/schedules/%d/overrides", sc.ID), rtok, map[string]any{"email": alice.Email,
			"start": "2026-03-10T12:00:00Z", "end": "2026-03-10T18:00:00Z"}).Want(t, 403)
	})
}

// Follow the sun: each local day is split evenly among the members in order; a daily
// rotation hands off every day.
func TestFollowTheSunAndDaily(t *testing.T) {
	mk := func(h people.Handoff, tz, start, at string, members ...string) *people.Schedule {
		sc := &people.Schedule{Name: "x", TimeZone: tz, Handoff: h, HandoffTime: at, Start: start}
		for i, m := range members {
			sc.Members = append(sc.Members, people.Staff{ID: int64(i + 1), Email: m})
		}
		if err := people.Prepare(sc); err != nil {
			t.Fatal(err)
		}
		return sc
	}
	sun := mk(people.HandoffFollowTheSun, "Asia/Tokyo", "2026-03-02", "00:00", "tokyo@x", "berlin@x", "sf@x")
	cases := []struct {
		at   time.Time
		who  string
		till time.Time
	}{
		{time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC), "tokyo@x", time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)}, // Tokyo midnight = 15:00 UTC
		{time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), "berlin@x", time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 2, 6, 59, 0, 0, time.UTC), "berlin@x", time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), "sf@x", time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 5, 16, 0, 0, 0, time.UTC), "tokyo@x", time.Date(2026, 3, 5, 23, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		sh, ok := sun.OnDutyAt(c.at)
		if !ok || sh.User.Email != c.who || !sh.End.Equal(c.till) {
			t.Errorf("follow the sun at %s: %s until %s (%v), want %s until %s", c.at, sh.User.Email, sh.End, ok, c.who, c.till)
		}
	}
	if _, ok := sun.OnDutyAt(time.Date(2026, 3, 1, 14, 59, 0, 0, time.UTC)); ok {
		t.Error("someone is on duty before the rotation starts")
	}
	daily := mk(people.HandoffDaily, "Europe/Berlin", "2026-03-27", "08:00", "a@x", "b@x")
	// 29 March 2026 is the change to summer time in Berlin: the day from 28 March
	// 08:00 CET to 29 March 08:00 CEST lasts 23 hours.
	sh, _ := daily.OnDutyAt(time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC))
	if sh.User.Email != "b@x" || sh.End.Sub(sh.Start) != 23*time.Hour {
		t.Errorf("daily across DST: %s for %s, want b@x for 23h", sh.User.Email, sh.End.Sub(sh.Start))
	}
	shifts := daily.Shifts(time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 100)
	if len(shifts) != 5 {
		t.Fatalf("daily shifts 27 March – 1 April: %d, want 5", len(shifts))
	}
	for i := 1; i < len(shifts); i++ {
		if !shifts[i].Start.Equal(shifts[i-1].End) || shifts[i].User.Email == shifts[i-1].User.Email {
			t.Errorf("shift %d does not follow shift %d: %+v after %+v", i, i-1, shifts[i], shifts[i-1])
		}
	}
}

// The iCalendar feed parses back with a real parser: one VEVENT per shift with the
// required properties, times matching the rotation, overrides as their own events.
func TestOnCallICS(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.User(authz.RolePgM)
		a, b := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
		sc, err := ta.App.People.CreateSchedule(context.Background(), pgm.Actor(), people.NewSchedule{Name: "intake; \"EU\", night",
			TimeZone: "Europe/Berlin", Handoff: people.HandoffWeekly, Start: "2026-02-23", Members: []string{a.Email, b.Email}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.People.AddOverride(context.Background(), pgm.Actor(), sc.ID, people.NewOverride{Email: a.Email,
			Start: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		res := ta.API("GET", fmt.Sprintf("/oncall/%d.ics", sc.ID), ta.Token(b), nil).Want(t, 200)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Fatalf("content type %q", ct)
		}
		cal, err := ical.NewDecoder(bytes.NewReader(res.Body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, res.Body)
		}
		if v, _ := cal.Props.Text(ical.PropVersion); v != "2.0" {
			t.Errorf("VERSION %q", v)
		}
		evs := cal.Events()
		// From a week before now (2 March) to twelve weeks after: 14 weekly shifts, and the override.
		if len(evs) != 15 {
			t.Fatalf("%d events, want 14 shifts and 1 override", len(evs))
		}
		uids := map[string]bool{}
		overrides := 0
		for i, ev := range evs {
			for _, p := range []string{ical.PropUID, ical.PropDateTimeStamp, ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropSummary} {
				if ev.Props.Get(p) == nil {
					t.Errorf("event %d has no %s", i, p)
				}
			}
			uid, _ := ev.Props.Text(ical.PropUID)
			if uids[uid] {
				t.Errorf("UID %s twice", uid)
			}
			uids[uid] = true
			start, err1 := ev.DateTimeStart(time.UTC)
			end, err2 := ev.DateTimeEnd(time.UTC)
			if err1 != nil || err2 != nil || !end.After(start) {
				t.Errorf("event %d: %v – %v (%v %v)", i, start, end, err1, err2)
			}
			summary, _ := ev.Props.Text(ical.PropSummary)
			if strings.Contains(summary, "override") {
				overrides++
				continue
			}
			// Weekly handoff at midnight Berlin: 23:00 UTC in winter, 22:00 UTC in summer.
			if h := start.Hour(); h != 23 && h != 22 {
				t.Errorf("shift %d starts at %s, not at midnight in Berlin", i, start)
			}
			if want := []string{a.Email, b.Email}; !strings.Contains(summary, "Test responder") {
				t.Errorf("summary %q names nobody of %v", summary, want)
			}
		}
		if overrides != 1 {
			t.Errorf("%d override events, want 1", overrides)
		}
		// A schedule that does not exist, or a file that is not .ics, is not found.
		ta.API("GET", "/oncall/999.ics", ta.Token(b), nil).Want(t, 404)
		ta.API("GET", fmt.Sprintf("/oncall/%d.txt", sc.ID), ta.Token(b), nil).Want(t, 404)
		if res := ta.API("GET", fmt.Sprintf("/oncall/%d.ics", sc.ID), "", nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous feed: %d, want a redirect to sign in", res.StatusCode)
		}
	})
}

// Bad schedules are refused naming the field.
func TestScheduleValidation(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		tok := ta.Token(ta.User(authz.RolePgM))
		r := ta.User(authz.RoleResponder)
		m := ta.User(authz.RoleMember)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"name": "x", "time_zone": "Mars/Olympus", "handoff": "weekly", "start": "2026-03-02", "members": []string{r.Email}}, "time_zone"},
			{map[string]any{"name": "x", "time_zone": "UTC", "handoff": "weekly", "start": "2 March", "members": []string{r.Email}}, "start"},
			{map[string]any{"name": "x", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "handoff_time": "25:00", "members": []string{r.Email}}, "handoff_time"},
			{map[string]any{"name": "x", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "members": []string{}}, "members"},
			{map[string]any{"name": "x", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "members": []string{m.Email}}, "members[0]"},
			{map[string]any{"name": "x", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "members": []string{r.Email, r.Email}}, "members[1]"},
			{map[string]any{"name": "x", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "members": []string{"nobody@example.org"}}, "members[0]"},
			{map[string]any{"name": "", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "members": []string{r.Email}}, "name"},
		} {
			p := ta.API("POST", "/api/v1/oncall/schedules", tok, c.body).Want(t, 422).Problem(t)
			if !strings.Contains(p.Text(), "body."+c.field) {
				t.Errorf("%v: %s does not name %s", c.body, p.Text(), c.field)
			}
		}
		ta.API("POST", "/api/v1/oncall/schedules", tok, map[string]any{"name": "x", "time_zone": "UTC", "handoff": "monthly", "start": "2026-03-02", "members": []string{r.Email}}).Want(t, 422)
	})
}

// The triage queue shows who is on intake duty now.
func TestQueueShowsOnCall(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		r := ta.User(authz.RoleResponder)
		b := ta.Browser()
		b.SignIn(r)
		if body := string(b.Get("/reports").Want(t, 200).Body); !strings.Contains(body, "Nobody is on intake duty now") {
			t.Error("the queue does not say nobody is on duty")
		}
		if _, err := ta.App.People.CreateSchedule(context.Background(), authz.System("test"), people.NewSchedule{Name: "duty", TimeZone: "UTC",
			Handoff: people.HandoffDaily, Start: "2026-03-01", Members: []string{r.Email}}); err != nil {
			t.Fatal(err)
		}
		body := string(b.Get("/reports").Want(t, 200).Body)
		if !strings.Contains(body, "On intake duty: <strong>"+r.Name+"</strong> until 2026-03-03 00:00 UTC") {
			t.Errorf("the queue does not show who is on duty: %.2000s", body)
		}
	})
}

// New reports notify whoever is on duty, once each, through the outbox; reports from
// before the notifier first ran are not announced.
func TestNewReportsNotifyOnCall(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		r := ta.User(authz.RoleResponder)
		submit := func(s string) {
			if _, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: s}); err != nil {
				t.Fatal(err)
			}
		}
		mails := func() int {
			var n int
			if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE recipient = ? AND purpose = 'oncall.report'", r.Email).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		submit("old report")
		if err := ta.App.People.NotifyOnCall(ctx); err != nil { // starts at the end of the log
			t.Fatal(err)
		}
		submit("before anyone is on duty")
		if err := ta.App.People.NotifyOnCall(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.People.CreateSchedule(ctx, authz.System("test"), people.NewSchedule{Name: "duty", TimeZone: "UTC",
			Handoff: people.HandoffWeekly, Start: "2026-03-01", Members: []string{r.Email}}); err != nil {
			t.Fatal(err)
		}
		submit("secret summary one")
		submit("secret summary two")
		for range 2 { // running twice announces nothing twice
			if err := ta.App.People.NotifyOnCall(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := mails(); n != 2 {
			t.Fatalf("%d on-call mails, want 2 (one per new report)", n)
		}
		var body string
		if err := d.Read().QueryRow(ctx, "SELECT body FROM outbox WHERE purpose = 'oncall.report' ORDER BY id LIMIT 1").Scan(&body); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "secret summary") || !strings.Contains(body, "/reports/") {
			t.Errorf("the mail should link to the report without its content: %s", body)
		}
	})
}
