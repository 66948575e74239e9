package people

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Statuses of a responder.
var Statuses = []string{"active", "on_leave", "alumni"}

// Profile is a team member's entry on the roster.
type Profile struct {
	User         Staff     `json:"user"`
	Skills       []string  `json:"skills"`
	Ecosystems   []string  `json:"ecosystems"`
	Languages    []string  `json:"languages"`
	TimeZone     string    `json:"time_zone"`
	Availability string    `json:"availability" doc:"Weekly availability in words, e.g. Mon–Thu 18:00–21:00."`
	Status       string    `json:"status" enum:"active,on_leave,alumni"`
	Organisation string    `json:"organisation"`
	NDAVersion   string    `json:"nda_version" doc:"Version of the confidentiality agreement on file."`
	NDASignedOn  string    `json:"nda_signed_on" doc:"YYYY-MM-DD"`
	TermEnds     string    `json:"term_ends,omitempty" doc:"YYYY-MM-DD: after this day the member becomes alumni and leaves the on-call rotations."`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ProfileInput replaces a profile.
type ProfileInput struct {
	Skills       []string `json:"skills,omitempty" maxItems:"50"`
	Ecosystems   []string `json:"ecosystems,omitempty" maxItems:"50"`
	Languages    []string `json:"languages,omitempty" maxItems:"20"`
	TimeZone     string   `json:"time_zone"`
	Availability string   `json:"availability,omitempty" maxLength:"500"`
	Status       string   `json:"status" enum:"active,on_leave,alumni"`
	Organisation string   `json:"organisation,omitempty" maxLength:"200"`
	NDAVersion   string   `json:"nda_version,omitempty" maxLength:"50"`
	NDASignedOn  string   `json:"nda_signed_on,omitempty"`
	TermEnds     string   `json:"term_ends,omitempty" doc:"YYYY-MM-DD, optional."`
}

func cleanList(e *validate.Errors, field string, xs []string) []string {
	out := []string{}
	for i, x := range xs {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		if strings.Contains(x, ",") || len(x) > 100 {
			e.Add(fmt.Sprintf("%s[%d]", field, i), "one item of at most 100 characters, without commas")
			continue
		}
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// SetProfile replaces the roster profile of userID: the member themself or the
// programme manager and admins. The user must be on the team.
func (s *Service) SetProfile(ctx context.Context, actor authz.Actor, userID int64, in ProfileInput) (*Profile, error) {
	if actor.UserID != userID {
		if err := authz.Can(actor, authz.ManageRoster, nil); err != nil {
			return nil, err
		}
	} else if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	p := &Profile{Skills: cleanList(&e, "skills", in.Skills), Ecosystems: cleanList(&e, "ecosystems", in.Ecosystems), Languages: cleanList(&e, "languages", in.Languages),
		TimeZone: strings.TrimSpace(in.TimeZone), Status: in.Status}
	p.Availability = e.Text("availability", in.Availability, false, 500)
	p.Organisation = e.Text("organisation", in.Organisation, false, 200)
	p.NDAVersion = e.Text("nda_version", in.NDAVersion, false, 50)
	p.NDASignedOn = strings.TrimSpace(in.NDASignedOn)
	p.TermEnds = strings.TrimSpace(in.TermEnds)
	if p.TermEnds != "" {
		if _, err := time.Parse(time.DateOnly, p.TermEnds); err != nil {
			e.Add("term_ends", "%q is not a date YYYY-MM-DD", p.TermEnds)
		}
	}
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil || strings.EqualFold(p.TimeZone, "local") {
		e.Add("time_zone", "%q is not an IANA time zone (e.g. Europe/Berlin)", p.TimeZone)
	}
	if p.Status == "" {
		p.Status = "active"
	}
	e.OneOf("status", p.Status, Statuses...)
	if p.NDASignedOn != "" {
		if _, err := time.Parse(time.DateOnly, p.NDASignedOn); err != nil {
			e.Add("nda_signed_on", "%q is not a date YYYY-MM-DD", p.NDASignedOn)
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		u, err := account.UserByIDTx(ctx, q, userID)
		if errors.Is(err, db.ErrNotFound) || err == nil && !u.Actor().IsStaff() {
			return db.ErrNotFound // the roster is the team's
		}
		if err != nil {
			return err
		}
		p.User, p.UpdatedAt = staffOf(u), s.clock.Now()
		args := []any{strings.Join(p.Skills, ","), strings.Join(p.Ecosystems, ","), strings.Join(p.Languages, ","), p.TimeZone, p.Availability,
			p.Status, p.Organisation, p.NDAVersion, p.NDASignedOn, p.TermEnds, p.UpdatedAt, userID}
		res, err := q.Exec(ctx, `UPDATE responder_profiles SET skills = ?, ecosystems = ?, languages = ?, time_zone = ?, availability = ?, status = ?,
			organisation = ?, nda_version = ?, nda_signed_on = ?, term_ends = ?, updated_at = ? WHERE user_id = ?`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := q.Exec(ctx, `INSERT INTO responder_profiles (skills, ecosystems, languages, time_zone, availability, status, organisation,
				nda_version, nda_signed_on, term_ends, updated_at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
				return err
			}
		}
		return s.append(ctx, q, actor, ActionProfileUpdated, events.Ref{Type: "user", ID: fmt.Sprint(userID)}, ProfileEvent{UserID: userID, Status: p.Status})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// RosterQuery filters the roster.
type RosterQuery struct {
	Status    string // active, on_leave, alumni; "" all
	Skill     string // profiles listing this skill (case-insensitive)
	Ecosystem string
}

// Roster lists the team's profiles (staff).
func (s *Service) Roster(ctx context.Context, actor authz.Actor, rq RosterQuery) ([]*Profile, error) {
	if err := authz.Can(actor, authz.ViewRoster, nil); err != nil {
		return nil, err
	}
	q := s.db.Read()
	where, args := "", []any{}
	if rq.Status != "" {
		where, args = " WHERE status = ?", append(args, rq.Status)
	}
	rows, err := q.Query(ctx, `SELECT user_id, skills, ecosystems, languages, time_zone, availability, status, organisation, nda_version, nda_signed_on, term_ends, updated_at
		FROM responder_profiles`+where+` ORDER BY user_id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*Profile
	var ids []int64
	for rows.Next() {
		var p Profile
		var uid int64
		var skills, ecos, langs string
		if err := rows.Scan(&uid, &skills, &ecos, &langs, &p.TimeZone, &p.Availability, &p.Status, &p.Organisation, &p.NDAVersion, &p.NDASignedOn, &p.TermEnds, &p.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		p.Skills, p.Ecosystems, p.Languages, p.UpdatedAt = split(skills), split(ecos), split(langs), p.UpdatedAt.UTC()
		if (rq.Skill == "" || containsFold(p.Skills, rq.Skill)) && (rq.Ecosystem == "" || containsFold(p.Ecosystems, rq.Ecosystem)) {
			out, ids = append(out, &p), append(ids, uid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, uid := range ids {
		if out[i].User, err = staff(ctx, q, uid); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []*Profile{}
	}
	return out, nil
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func containsFold(xs []string, v string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return strings.EqualFold(x, v) })
}
