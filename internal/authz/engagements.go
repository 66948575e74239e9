package authz

import (
	"fmt"

	"github.com/oss-sirt/sirt/internal/db"
)

// Engagements with maintainers (the security-buddy programme) and outreach. The whole
// area is the team's: members and the public may not learn an engagement or a
// candidate project exists (ErrNotFound). Every staff member reads it; the programme
// manager and admins plan it (projects, engagements, outreach); an engagement's work
// (stages, contact attempts, spot-checks, hours, the retrospective) is done by its buddy
// and backup, the programme manager and admins — another responder may look, not act.

// Kinds listed through Scope.
const (
	KindEngagement Kind = "engagement" // engagements (and everything inside one)
	KindProject    Kind = "project"    // candidate projects, outreach channels and campaigns
)

// Global actions of the engagements area: their object is nil.
const (
	ViewEngagements   Action = "engagements.view"   // projects, engagements, outreach, the year's retrospective
	ManageEngagements Action = "engagements.manage" // create projects, engagements, channels, campaigns
)

// Object actions: their object is an Engagement.
const (
	ReadEngagement Action = "engagement.read"
	WorkEngagement Action = "engagement.work" // stage, contact attempts, spot-checks, hours, retrospective, welcome email
)

func init() {
	for _, a := range []Action{ManageEngagements, WorkEngagement} {
		writeActions[a] = true
	}
}

// Engagement is what the policy needs to know of an engagement.
type Engagement struct {
	BuddyID  int64
	BackupID int64
}

// canEngagementGlobal decides the engagements area's global actions; ok is false for
// any other action. Members are told nothing exists.
func canEngagementGlobal(a Actor, action Action) (err error, ok bool) {
	var allowed []Role
	switch action {
	case ViewEngagements:
		allowed = []Role{RoleAdmin, RolePgM, RoleResponder}
	case ManageEngagements:
		allowed = []Role{RoleAdmin, RolePgM}
	default:
		return nil, false
	}
	switch {
	case a.IsAnonymous():
		return ErrUnauthenticated, true
	case !a.IsStaff():
		return ErrNotFound, true
	}
	for _, r := range allowed {
		if r == a.Role {
			return nil, true
		}
	}
	return ErrForbidden, true
}

func canEngagement(a Actor, action Action, e Engagement) error {
	if a.IsAnonymous() || !a.IsStaff() {
		return ErrNotFound
	}
	switch action {
	case ReadEngagement:
		return nil
	case WorkEngagement:
		if a.Role == RoleAdmin || a.Role == RolePgM || a.UserID == e.BuddyID || (e.BackupID != 0 && a.UserID == e.BackupID) {
			return nil
		}
		return fmt.Errorf("%w: only the engagement's buddy, its backup or the programme manager may do this", ErrForbidden)
	}
	return fmt.Errorf("authz: %q is not an engagement action", action)
}

// scopeEngagements is Scope for the engagements area's kinds; ok is false for others.
func scopeEngagements(a Actor, kind Kind) (db.Filter, bool) {
	if kind != KindEngagement && kind != KindProject {
		return db.Filter{}, false
	}
	if a.IsStaff() {
		return db.Filter{}, true
	}
	return db.None, true
}
