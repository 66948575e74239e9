package authz

import (
	"errors"
	"testing"
)

func TestPostmortemPolicy(t *testing.T) {
	resp, other := User(1, "r@example.org", RoleResponder), User(2, "o@example.org", RoleResponder)
	pgm, member, anon := User(3, "p@example.org", RolePgM), User(4, "m@example.org", RoleMember), Anonymous()
	embargoed := Postmortem{AuthorID: 1, Case: &Case{Embargoed: true}}
	public := Postmortem{AuthorID: 1, Case: &Case{}, CasePublic: true}
	engagement := Postmortem{AuthorID: 1}
	for _, c := range []struct {
		name   string
		a      Actor
		action Action
		p      Postmortem
		want   error
	}{
		{"responder reads embargoed", resp, ReadPostmortem, embargoed, nil},
		{"pgm may not know of embargoed", pgm, ReadPostmortem, embargoed, ErrNotFound},
		{"pgm reads public", pgm, ReadPostmortem, public, nil},
		{"pgm edits public", pgm, EditPostmortem, public, nil},
		{"pgm reads engagement", pgm, ReadPostmortem, engagement, nil},
		{"member", member, ReadPostmortem, public, ErrNotFound},
		{"anonymous", anon, ReadPostmortem, public, ErrNotFound},
		{"author approves", resp, ApprovePostmortem, public, ErrForbidden},
		{"second responder approves", other, ApprovePostmortem, public, nil},
		{"pgm approves public", pgm, ApprovePostmortem, public, nil},
	} {
		if err := Can(c.a, c.action, c.p); !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if err := Can(member, StartPostmortems, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("member starting: %v", err)
	}
	if err := Can(pgm, StartPostmortems, nil); err != nil {
		t.Errorf("pgm starting: %v", err)
	}
	// The timeline: the pgm sees a public case's events as a read-in party would.
	if CanSeePostmortemEvent(pgm, public, CaseEvent{Action: "case.post.internal"}) {
		t.Error("pgm sees an internal note")
	}
	if !CanSeePostmortemEvent(pgm, public, CaseEvent{Action: "case.phase"}) {
		t.Error("pgm does not see a case-wide event")
	}
	if CanSeePostmortemEvent(pgm, embargoed, CaseEvent{Action: "case.phase"}) {
		t.Error("pgm sees an embargoed case's event")
	}
	if !CanSeePostmortemEvent(resp, embargoed, CaseEvent{Action: "case.post.internal"}) {
		t.Error("the team does not see its internal note")
	}
}
