package people

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Handoff is how duty passes between a schedule's members.
type Handoff string

const (
	// HandoffWeekly: each member is on duty for a week, in turn, handing off at the
	// schedule's local handoff time (so a week is 7 local days, 167 or 169 hours across
	// a daylight-saving change).
	HandoffWeekly Handoff = "weekly"
	// HandoffDaily: a day each, in turn.
	HandoffDaily Handoff = "daily"
	// HandoffFollowTheSun: every local day is split into equal shifts, one per member
	// in the listed order (list members from east to west).
	HandoffFollowTheSun Handoff = "follow_the_sun"
)

// Handoffs lists the handoff kinds.
var Handoffs = []Handoff{HandoffWeekly, HandoffDaily, HandoffFollowTheSun}

// Schedule is an on-call rotation for intake duty.
type Schedule struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	TimeZone    string     `json:"time_zone"`
	Handoff     Handoff    `json:"handoff"`
	HandoffTime string     `json:"handoff_time" doc:"Local time of the handoff, HH:MM."`
	Start       string     `json:"start" doc:"First day of the rotation, YYYY-MM-DD in the schedule's time zone."`
	Members     []Staff    `json:"members"`
	Overrides   []Override `json:"overrides"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`

	loc   *time.Location
	first time.Time // the first shift's start
}

// Override puts someone else on duty for a while (a swap, cover for a holiday).
type Override struct {
	ID     int64     `json:"id"`
	User   Staff     `json:"user"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason,omitempty"`
}

// Shift is someone's time on duty.
type Shift struct {
	User     Staff     `json:"user"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Override bool      `json:"override,omitempty"`
	index    int
}

// NewSchedule is the input to CreateSchedule.
type NewSchedule struct {
	Name        string   `json:"name" maxLength:"200"`
	TimeZone    string   `json:"time_zone" doc:"IANA time zone, e.g. Europe/Berlin."`
	Handoff     Handoff  `json:"handoff" enum:"weekly,daily,follow_the_sun"`
	HandoffTime string   `json:"handoff_time,omitempty" doc:"Local handoff time HH:MM; default 00:00."`
	Start       string   `json:"start" doc:"YYYY-MM-DD"`
	Members     []string `json:"members" doc:"Email addresses of staff users, in rotation order." maxItems:"100"`
}

// CreateSchedule adds an on-call schedule (programme manager, admins).
func (s *Service) CreateSchedule(ctx context.Context, actor authz.Actor, in NewSchedule) (*Schedule, error) {
	if err := authz.Can(actor, authz.ManageRoster, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Name = e.Text("name", in.Name, true, 200)
	sc := &Schedule{Name: in.Name, TimeZone: strings.TrimSpace(in.TimeZone), Handoff: in.Handoff, HandoffTime: strings.TrimSpace(in.HandoffTime), Start: strings.TrimSpace(in.Start)}
	if sc.HandoffTime == "" {
		sc.HandoffTime = "00:00"
	}
	if sc.TimeZone == "" {
		e.Add("time_zone", "a time zone is required (e.g. UTC or Europe/Berlin)")
	} else if _, err := time.LoadLocation(sc.TimeZone); err != nil || strings.EqualFold(sc.TimeZone, "local") {
		e.Add("time_zone", "%q is not an IANA time zone (e.g. Europe/Berlin)", sc.TimeZone)
	}
	okHandoff := false
	for _, h := range Handoffs {
		okHandoff = okHandoff || h == sc.Handoff
	}
	if !okHandoff {
		e.Add("handoff", "must be weekly, daily or follow_the_sun")
	}
	if _, err := time.Parse("15:04", sc.HandoffTime); err != nil {
		e.Add("handoff_time", "%q is not a time HH:MM", sc.HandoffTime)
	}
	if _, err := time.Parse(time.DateOnly, sc.Start); err != nil {
		e.Add("start", "%q is not a date YYYY-MM-DD", sc.Start)
	}
	if len(in.Members) == 0 {
		e.Add("members", "list at least one member's email address")
	}
	if len(in.Members) > 100 {
		e.Add("members", "at most 100 members")
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		ee := append(validate.Errors(nil), e...)
		sc.Members = nil
		seen := map[int64]bool{}
		for i, m := range in.Members {
			u, err := account.UserByEmailTx(ctx, q, m)
			switch {
			case errors.Is(err, db.ErrNotFound):
				ee.Add(fmt.Sprintf("members[%d]", i), "no user %q", m)
				continue
			case err != nil:
				return err
			}
			if u.Disabled || !u.Actor().IsStaff() {
				ee.Add(fmt.Sprintf("members[%d]", i), "%s is not an active team member (admin, pgm or responder)", u.Email)
				continue
			}
			if seen[u.ID] {
				ee.Add(fmt.Sprintf("members[%d]", i), "%s is listed twice", u.Email)
				continue
			}
			seen[u.ID] = true
			sc.Members = append(sc.Members, staffOf(u))
		}
		if err := ee.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		sc.CreatedAt, sc.UpdatedAt = now, now
		if err := q.QueryRow(ctx, `INSERT INTO oncall_schedules (name, time_zone, handoff, handoff_time, start_date, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.Name, sc.TimeZone, string(sc.Handoff), sc.HandoffTime, sc.Start, actor.Label(), now, now).Scan(&sc.ID); err != nil {
			return fmt.Errorf("people: create schedule: %w", err)
		}
		ids := make([]int64, len(sc.Members))
		for i, m := range sc.Members {
			ids[i] = m.ID
			if _, err := q.Exec(ctx, "INSERT INTO oncall_members (schedule_id, position, user_id) VALUES (?, ?, ?)", sc.ID, i, m.ID); err != nil {
				return err
			}
		}
		return s.append(ctx, q, actor, ActionScheduleCreated, scheduleRef(sc.ID),
			ScheduleEvent{Name: sc.Name, TimeZone: sc.TimeZone, Handoff: string(sc.Handoff), Start: sc.Start, Members: ids})
	})
	if err != nil {
		return nil, err
	}
	sc.Overrides = []Override{}
	return sc, sc.prepare()
}

func scheduleRef(id int64) events.Ref { return events.Ref{Type: "oncall_schedule", ID: fmt.Sprint(id)} }

// NewOverride is the input to AddOverride.
type NewOverride struct {
	Email  string    `json:"email" doc:"Who is on duty instead."`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason,omitempty" maxLength:"500"`
}

// AddOverride puts someone on duty from Start to End, over the rotation (programme
// manager, admins). A later override wins over an earlier one where they overlap.
func (s *Service) AddOverride(ctx context.Context, actor authz.Actor, scheduleID int64, in NewOverride) (*Override, error) {
	if err := authz.Can(actor, authz.ManageRoster, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Reason = e.Text("reason", in.Reason, false, 500)
	if in.Start.IsZero() {
		e.Add("start", "a start time (RFC 3339) is required")
	}
	if !in.End.After(in.Start) {
		e.Add("end", "must be after start")
	} else if in.End.Sub(in.Start) > 90*24*time.Hour {
		e.Add("end", "an override lasts at most 90 days")
	}
	var o *Override
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if _, err := s.loadSchedule(ctx, q, scheduleID); err != nil {
			return err
		}
		ee := append(validate.Errors(nil), e...)
		u, err := account.UserByEmailTx(ctx, q, in.Email)
		if errors.Is(err, db.ErrNotFound) {
			ee.Add("email", "no user %q", in.Email)
		} else if err != nil {
			return err
		} else if u.Disabled || !u.Actor().IsStaff() {
			ee.Add("email", "%s is not an active team member", u.Email)
		}
		if err := ee.Err(); err != nil {
			return err
		}
		o = &Override{User: staffOf(u), Start: in.Start.UTC().Truncate(time.Microsecond), End: in.End.UTC().Truncate(time.Microsecond), Reason: in.Reason}
		if err := q.QueryRow(ctx, `INSERT INTO oncall_overrides (schedule_id, user_id, starts_at, ends_at, reason, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, scheduleID, u.ID, o.Start, o.End, o.Reason, actor.Label(), s.clock.Now()).Scan(&o.ID); err != nil {
			return err
		}
		return s.append(ctx, q, actor, ActionOverrideAdded, scheduleRef(scheduleID), OverrideEvent{ScheduleID: scheduleID, UserID: u.ID, Start: o.Start, End: o.End})
	})
	return o, err
}

// Schedules lists the on-call schedules (staff).
func (s *Service) Schedules(ctx context.Context, actor authz.Actor) ([]*Schedule, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		return nil, err
	}
	q := s.db.Read()
	ids, err := db.Int64s(ctx, q, "SELECT id FROM oncall_schedules ORDER BY id")
	if err != nil {
		return nil, err
	}
	out := []*Schedule{}
	for _, id := range ids {
		sc, err := s.loadSchedule(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// Schedule returns one schedule (staff).
func (s *Service) Schedule(ctx context.Context, actor authz.Actor, id int64) (*Schedule, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		if errors.Is(err, authz.ErrForbidden) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	return s.loadSchedule(ctx, s.db.Read(), id)
}

func (s *Service) loadSchedule(ctx context.Context, q db.Querier, id int64) (*Schedule, error) {
	sc := &Schedule{ID: id}
	var handoff string
	err := q.QueryRow(ctx, "SELECT name, time_zone, handoff, handoff_time, start_date, created_at, updated_at FROM oncall_schedules WHERE id = ?", id).
		Scan(&sc.Name, &sc.TimeZone, &handoff, &sc.HandoffTime, &sc.Start, &sc.CreatedAt, &sc.UpdatedAt)
	if err != nil {
		if db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	sc.Handoff = Handoff(handoff)
	sc.CreatedAt, sc.UpdatedAt = sc.CreatedAt.UTC(), sc.UpdatedAt.UTC()
	members, err := db.Int64s(ctx, q, `SELECT m.user_id FROM oncall_members m LEFT JOIN responder_profiles p ON p.user_id = m.user_id
		WHERE m.schedule_id = ? AND COALESCE(p.status, 'active') <> 'alumni' ORDER BY m.position`, id)
	if err != nil {
		return nil, err
	}
	sc.Members = []Staff{}
	for _, uid := range members {
		p, err := staff(ctx, q, uid)
		if err != nil {
			return nil, err
		}
		sc.Members = append(sc.Members, p)
	}
	rows, err := q.Query(ctx, "SELECT id, user_id, starts_at, ends_at, reason FROM oncall_overrides WHERE schedule_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	type row struct {
		o   Override
		uid int64
	}
	var ors []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.o.ID, &r.uid, &r.o.Start, &r.o.End, &r.o.Reason); err != nil {
			rows.Close()
			return nil, err
		}
		r.o.Start, r.o.End = r.o.Start.UTC(), r.o.End.UTC()
		ors = append(ors, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sc.Overrides = []Override{}
	for _, r := range ors {
		if r.o.User, err = staff(ctx, q, r.uid); err != nil {
			return nil, err
		}
		sc.Overrides = append(sc.Overrides, r.o)
	}
	return sc, sc.prepare()
}

func (sc *Schedule) prepare() error {
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		return fmt.Errorf("people: schedule %d: %w", sc.ID, err)
	}
	d, err := time.ParseInLocation(time.DateOnly, sc.Start, loc)
	if err != nil {
		return fmt.Errorf("people: schedule %d: %w", sc.ID, err)
	}
	hm, err := time.Parse("15:04", sc.HandoffTime)
	if err != nil {
		return fmt.Errorf("people: schedule %d: %w", sc.ID, err)
	}
	sc.loc = loc
	sc.first = time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
	return nil
}

// localDay is the start of the rotation's day n (n days after the first), at the
// handoff time in the schedule's zone: calendar arithmetic, so DST changes move the
// UTC instant and not the local hour.
func (sc *Schedule) localDay(n int) time.Time {
	f := sc.first
	return time.Date(f.Year(), f.Month(), f.Day()+n, f.Hour(), f.Minute(), 0, 0, sc.loc)
}

// regular is the rotation's shift number k (no overrides). ok is false when the
// schedule has no members or k < 0.
func (sc *Schedule) regular(k int) (Shift, bool) {
	n := len(sc.Members)
	if n == 0 || k < 0 {
		return Shift{}, false
	}
	switch sc.Handoff {
	case HandoffDaily:
		return Shift{User: sc.Members[k%n], Start: sc.localDay(k).UTC(), End: sc.localDay(k + 1).UTC(), index: k}, true
	case HandoffFollowTheSun:
		day, slot := k/n, k%n
		start, end := sc.localDay(day), sc.localDay(day+1)
		length := end.Sub(start) / time.Duration(n)
		s := start.Add(time.Duration(slot) * length)
		e := s.Add(length)
		if slot == n-1 {
			e = end
		}
		return Shift{User: sc.Members[slot], Start: s.UTC(), End: e.UTC(), index: k}, true
	default: // weekly
		return Shift{User: sc.Members[k%n], Start: sc.localDay(7 * k).UTC(), End: sc.localDay(7 * (k + 1)).UTC(), index: k}, true
	}
}

// regularAt is the rotation's shift covering t, if any.
func (sc *Schedule) regularAt(t time.Time) (Shift, bool) {
	if len(sc.Members) == 0 || t.Before(sc.first) {
		return Shift{}, false
	}
	per := 7 * 24 * time.Hour
	switch sc.Handoff {
	case HandoffDaily:
		per = 24 * time.Hour
	case HandoffFollowTheSun:
		per = 24 * time.Hour / time.Duration(len(sc.Members))
	}
	k := int(t.Sub(sc.first) / per)
	for range 4 { // the estimate is off by at most one shift around DST changes
		sh, _ := sc.regular(k)
		switch {
		case t.Before(sh.Start) && k > 0:
			k--
		case !t.Before(sh.End):
			k++
		default:
			return sh, true
		}
	}
	return sc.regular(k)
}

// OnDutyAt is who is on duty at t and until when: an override covering t (the latest
// added wins), else the rotation's shift, cut short where an override begins.
func (sc *Schedule) OnDutyAt(t time.Time) (Shift, bool) {
	for i := len(sc.Overrides) - 1; i >= 0; i-- {
		o := sc.Overrides[i]
		if !t.Before(o.Start) && t.Before(o.End) {
			return Shift{User: o.User, Start: o.Start, End: o.End, Override: true}, true
		}
	}
	sh, ok := sc.regularAt(t)
	if !ok {
		return Shift{}, false
	}
	for _, o := range sc.Overrides {
		if o.Start.After(t) && o.Start.Before(sh.End) {
			sh.End = o.Start
		}
	}
	return sh, true
}

// Shifts lists the rotation's shifts that overlap [from, to), at most limit, and the
// overrides in that window (as shifts marked Override), in start order.
func (sc *Schedule) Shifts(from, to time.Time, limit int) []Shift {
	var out []Shift
	if from.Before(sc.first) {
		from = sc.first
	}
	if sh, ok := sc.regularAt(from); ok {
		for k := sh.index; len(out) < limit; k++ {
			x, _ := sc.regular(k)
			if !x.Start.Before(to) {
				break
			}
			out = append(out, x)
		}
	}
	for _, o := range sc.Overrides {
		if o.End.After(from) && o.Start.Before(to) {
			out = append(out, Shift{User: o.User, Start: o.Start, End: o.End, Override: true})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// OnDuty is the answer to "who is on duty now".
type OnDuty struct {
	User         Staff     `json:"user"`
	Until        time.Time `json:"until" doc:"When this person hands off (RFC 3339)."`
	Since        time.Time `json:"since"`
	Override     bool      `json:"override" doc:"True when an override put them on duty."`
	ScheduleID   int64     `json:"schedule_id"`
	ScheduleName string    `json:"schedule_name"`
	Next         *Staff    `json:"next,omitempty" doc:"Who takes over at until."`
}

// Now says who is on intake duty now on schedule id, or on the first schedule (by id)
// that has someone on duty when id is 0. It is ErrNotFound when nobody is.
func (s *Service) Now(ctx context.Context, actor authz.Actor, id int64) (*OnDuty, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		if errors.Is(err, authz.ErrForbidden) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	return s.now(ctx, id)
}

func (s *Service) now(ctx context.Context, id int64) (*OnDuty, error) {
	return s.dutyIn(ctx, s.db.Read(), id)
}

// onDuty is who is on duty now on any schedule, inside q; nil when nobody is.
func (s *Service) onDuty(ctx context.Context, q db.Querier) (*OnDuty, error) {
	d, err := s.dutyIn(ctx, q, 0)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	return d, err
}

func (s *Service) dutyIn(ctx context.Context, q db.Querier, id int64) (*OnDuty, error) {
	ids := []int64{id}
	if id == 0 {
		var err error
		if ids, err = db.Int64s(ctx, q, "SELECT id FROM oncall_schedules ORDER BY id"); err != nil {
			return nil, err
		}
	}
	t := s.clock.Now()
	for _, sid := range ids {
		sc, err := s.loadSchedule(ctx, q, sid)
		if err != nil {
			return nil, err
		}
		sh, ok := sc.OnDutyAt(t)
		if !ok {
			continue
		}
		d := &OnDuty{User: sh.User, Until: sh.End, Since: sh.Start, Override: sh.Override, ScheduleID: sc.ID, ScheduleName: sc.Name}
		if next, ok := sc.OnDutyAt(sh.End); ok {
			d.Next = &next.User
		}
		return d, nil
	}
	return nil, db.ErrNotFound
}

// OnDutyNow is who is on duty now on any schedule, for pages that show it to staff
// (the triage queue); nil when nobody is.
func (s *Service) OnDutyNow(ctx context.Context, actor authz.Actor) (*OnDuty, error) {
	d, err := s.Now(ctx, actor, 0)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	return d, err
}

// WriteICS writes the schedule as an iCalendar feed: one VEVENT per shift from a week
// ago to twelve weeks ahead (at most 200), overrides included, times in UTC.
func (s *Service) WriteICS(ctx context.Context, actor authz.Actor, id int64, host string, w io.Writer) error {
	sc, err := s.Schedule(ctx, actor, id)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//sirt//on-call//EN")
	cal.Props.SetText("X-WR-CALNAME", "On call: "+sc.Name)
	for _, sh := range sc.Shifts(now.Add(-7*24*time.Hour), now.Add(12*7*24*time.Hour), 200) {
		ev := ical.NewEvent()
		uid := fmt.Sprintf("oncall-%d-%d@%s", sc.ID, sh.Start.Unix(), host)
		summary := "On call: " + displayName(sh.User)
		if sh.Override {
			uid = fmt.Sprintf("oncall-%d-override-%d-%d@%s", sc.ID, sh.Start.Unix(), sh.User.ID, host)
			summary += " (override)"
		}
		ev.Props.SetText(ical.PropUID, uid)
		ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeStart, sh.Start.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, sh.End.UTC())
		ev.Props.SetText(ical.PropSummary, summary)
		ev.Props.SetText(ical.PropDescription, fmt.Sprintf("%s: intake duty for %s", sc.Name, sh.User.Email))
		cal.Children = append(cal.Children, ev.Component)
	}
	return ical.NewEncoder(w).Encode(cal)
}

func displayName(p Staff) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// Prepare readies a schedule built by hand (tests, previews) for OnDutyAt and Shifts.
func Prepare(sc *Schedule) error { return sc.prepare() }
