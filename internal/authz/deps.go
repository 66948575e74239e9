package authz

// The dependency graph (internal/deps): packages, dependency edges and imported SBOMs.
// Like the directory it is the team's: staff (responders, programme managers, admins)
// read it and import into it; members and the public may not learn it exists
// (ErrNotFound), anonymous callers are asked to sign in.

// Global actions of the dependency graph: their object is nil.
const (
	ViewDeps   Action = "deps.view"   // who depends on a package, packages, SBOMs
	ImportDeps Action = "deps.import" // import edge lists and SBOMs
)

func init() { writeActions[ImportDeps] = true }

// canDepsGlobal decides the dependency graph's global actions; ok is false for any
// other action.
func canDepsGlobal(a Actor, action Action) (err error, ok bool) {
	if action != ViewDeps && action != ImportDeps {
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
