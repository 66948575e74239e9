package authz

import (
	"fmt"
	"slices"

	"github.com/oss-sirt/sirt/internal/db"
)

// People and knowledge: the roster, on-call duty, recruitment and vetting, training and
// the team's documents (internal/people, internal/knowledge).
//
// Candidates are personal data of people who are not (yet) on the team: only the
// programme manager and admins may know a candidate exists. Documents are the team's:
// staff read and write them; role descriptions (kind "role") are public, so the
// application form can show them.

// Global actions of people and knowledge.
const (
	ViewRoster        Action = "roster.view"        // responder profiles, who is on call
	ManageRoster      Action = "roster.manage"      // anyone's profile, on-call schedules and overrides, cohorts
	ManageRecruitment Action = "recruitment.manage" // candidates, agreements
	ListDocs          Action = "docs.list"          // the team's documents
	WriteDocs         Action = "docs.write"         // create documents, apply playbooks
	ViewTraining      Action = "training.view"      // courses, own completions, readiness
	ManageTraining    Action = "training.manage"    // courses
)

// Object actions of people and knowledge.
const (
	ReadCandidate Action = "candidate.read"
	EditCandidate Action = "candidate.edit" // stage moves, notes, rejection
	ReadDoc       Action = "doc.read"
	EditDoc       Action = "doc.edit"
)

// Kinds of people and knowledge for Scope.
const (
	KindCandidate Kind = "candidate" // table candidates
	KindDoc       Kind = "doc"       // table docs (column kind)
)

// Candidate is what the policy needs to know of a candidate: nothing — who may see one
// does not depend on the candidate.
type Candidate struct{}

// Doc is what the policy needs to know of a document.
type Doc struct {
	Kind string // "playbook", "runbook", "onboarding", "rules", "role", "other"
}

// DocKindPublic is the document kind everyone may read (role descriptions).
const DocKindPublic = "role"

var peopleGlobal = map[Action][]Role{
	ViewRoster:        {RoleAdmin, RolePgM, RoleResponder},
	ManageRoster:      {RoleAdmin, RolePgM},
	ManageRecruitment: {RoleAdmin, RolePgM},
	ListDocs:          {RoleAdmin, RolePgM, RoleResponder},
	WriteDocs:         {RoleAdmin, RolePgM, RoleResponder},
	ViewTraining:      {RoleAdmin, RolePgM, RoleResponder},
	ManageTraining:    {RoleAdmin, RolePgM},
}

func init() {
	for _, a := range []Action{ManageRoster, ManageRecruitment, WriteDocs, ManageTraining, EditCandidate, EditDoc} {
		writeActions[a] = true
	}
}

// canPeopleGlobal decides a global action of people and knowledge; ok is false when
// action is not one of them.
func canPeopleGlobal(a Actor, action Action) (handled bool, err error) {
	roles, known := peopleGlobal[action]
	if !known {
		return false, nil
	}
	if slices.Contains(roles, a.Role) {
		return true, nil
	}
	return true, ErrForbidden
}

// canPeople decides an action on a Candidate or Doc; ok is false for other objects.
func canPeople(a Actor, action Action, obj any) (handled bool, err error) {
	switch o := obj.(type) {
	case Candidate, *Candidate:
		return true, canCandidate(a, action)
	case Doc:
		return true, canDoc(a, action, o)
	case *Doc:
		return true, canDoc(a, action, *o)
	}
	return false, nil
}

func canCandidate(a Actor, action Action) error {
	if action != ReadCandidate && action != EditCandidate {
		return fmt.Errorf("authz: %q is not a candidate action", action)
	}
	if !a.IsAnonymous() && (a.Role == RolePgM || a.Role == RoleAdmin) {
		return nil
	}
	return ErrNotFound
}

func canDoc(a Actor, action Action, d Doc) error {
	staff := a.IsStaff()
	switch action {
	case ReadDoc:
		if staff || d.Kind == DocKindPublic {
			return nil
		}
	case EditDoc:
		if staff {
			return nil
		}
		if d.Kind == DocKindPublic && !a.IsAnonymous() {
			return ErrForbidden
		}
	default:
		return fmt.Errorf("authz: %q is not a document action", action)
	}
	return ErrNotFound
}

// scopePeople is Scope for the kinds of people and knowledge (a is neither system nor
// anonymous-with-a-special-case; Scope handles those first).
func scopePeople(a Actor, kind Kind) db.Filter {
	switch kind {
	case KindCandidate:
		if !a.IsAnonymous() && (a.Role == RolePgM || a.Role == RoleAdmin) {
			return db.Filter{}
		}
		return db.None
	case KindDoc:
		if a.IsStaff() {
			return db.Filter{}
		}
		return db.Filter{SQL: "kind = ?", Args: []any{DocKindPublic}}
	}
	return db.None
}
