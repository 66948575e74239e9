package authz

import "slices"

// The directory (internal/directory): organisations, their contacts and the packages
// they maintain, case notifications fanned out to them, and SIREN early-notification
// lists. The directory is the team's: staff (responders, the programme manager,
// admins) read and edit it; members and the public may not learn an organisation
// exists (ErrNotFound). Sending a case's notification is coordinating the case
// (CoordinateCase, decided by the case rules). Anyone signed in may apply to a SIREN
// list; staff vet the applications. A list's archive shows the public only the
// messages of cases that are public (the directory asks the cases service).

// Global actions of the directory.
const (
	ViewDirectory Action = "directory.view" // organisations, contacts, packages, notifications, SIREN subscribers
	EditDirectory Action = "directory.edit" // create, edit, merge, import organisations; lists; vetting
	ApplySiren    Action = "siren.apply"    // apply to subscribe to a SIREN list
)

func init() {
	for _, a := range []Action{EditDirectory, ApplySiren} {
		writeActions[a] = true
	}
}

// canDirectoryGlobal decides the directory's global actions; handled is false for any
// other action. The caller has already refused the anonymous.
func canDirectoryGlobal(a Actor, action Action) (handled bool, err error) {
	switch action {
	case ViewDirectory, EditDirectory:
		if a.IsStaff() {
			return true, nil
		}
		return true, ErrNotFound
	case ApplySiren:
		if slices.Contains(Roles, a.Role) {
			return true, nil
		}
		return true, ErrNotFound
	}
	return false, nil
}
