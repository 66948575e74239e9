package authz

import "fmt"

// Post-mortems (blameless after-action reviews). The area is the team's: members and
// the public may not learn a post-mortem exists (ErrNotFound). A post-mortem of a case
// is case content: those who may read the case's content see it (need-to-know under
// embargo); the programme manager, who sees only the metadata of cases, sees the
// post-mortems of cases past their public date. Anyone who sees a post-mortem may work
// on it; publishing it takes a second person (four eyes: the author cannot approve).

// Global actions of the post-mortems area: their object is nil.
const (
	ViewPostmortems  Action = "postmortems.view"  // the list, the lessons export
	StartPostmortems Action = "postmortems.start" // start one (the subject is checked too)
)

// Object actions: their object is a Postmortem.
const (
	ReadPostmortem    Action = "postmortem.read"
	EditPostmortem    Action = "postmortem.edit"    // sections, annotations, action items, submit for review
	ApprovePostmortem Action = "postmortem.approve" // publish internally
)

func init() {
	for _, a := range []Action{StartPostmortems, EditPostmortem, ApprovePostmortem} {
		writeActions[a] = true
	}
}

// Postmortem is what the policy needs to know of a post-mortem.
type Postmortem struct {
	AuthorID int64
	// Case is the case reviewed, nil for an engagement's post-mortem.
	Case *Case
	// CasePublic: the case is past its public date (or was never embargoed).
	CasePublic bool
}

// canPostmortemGlobal decides the area's global actions; ok is false for others.
func canPostmortemGlobal(a Actor, action Action) (err error, ok bool) {
	if action != ViewPostmortems && action != StartPostmortems {
		return nil, false
	}
	switch {
	case a.IsAnonymous():
		return ErrUnauthenticated, true
	case !a.IsStaff():
		return ErrNotFound, true
	}
	return nil, true
}

func canPostmortem(a Actor, action Action, p Postmortem) error {
	if a.IsAnonymous() || !a.IsStaff() {
		return ErrNotFound
	}
	if p.Case != nil && canCase(a, ReadCase, *p.Case) != nil && !(a.Role == RolePgM && p.CasePublic) {
		return ErrNotFound
	}
	switch action {
	case ReadPostmortem, EditPostmortem:
		return nil
	case ApprovePostmortem:
		if a.UserID != 0 && a.UserID == p.AuthorID {
			return fmt.Errorf("%w: a second person must approve (you started this post-mortem)", ErrForbidden)
		}
		return nil
	}
	return fmt.Errorf("authz: %q is not a post-mortem action", action)
}

// CanSeePostmortemEvent is CanSeeEvent for the timeline of a post-mortem the actor may
// read: the team sees every event of the case as CanSeeEvent allows; the programme
// manager, on a case past its public date, sees what a read-in party would (the case as
// a whole: never internal notes or a party's private thread).
func CanSeePostmortemEvent(a Actor, p Postmortem, e CaseEvent) bool {
	if p.Case == nil {
		return a.IsSystem() || a.IsStaff()
	}
	if CanSeeEvent(a, *p.Case, e) {
		return true
	}
	if a.Role == RolePgM && p.CasePublic {
		return PartySeesEvent(&Membership{Role: CaseObserver, ReadIn: true}, e)
	}
	return false
}
