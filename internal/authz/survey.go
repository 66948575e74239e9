package authz

// Surveys (internal/survey): the team's surveys of maintainers, security teams,
// coordinators and case participants. Every staff member reads surveys and their
// results; the programme manager and admins build, edit and send them. Members do not
// learn a survey exists (ErrNotFound). Answering is by link (public or per recipient)
// and needs no account, so it is not an action here.

// Global actions of the surveys area: their object is nil.
const (
	ViewSurveys   Action = "surveys.view"   // list surveys, read results, export CSV and Markdown
	ManageSurveys Action = "surveys.manage" // create and edit surveys, invite recipients
)

func init() { writeActions[ManageSurveys] = true }

// canSurveyGlobal decides the surveys area's global actions; ok is false for any other
// action.
func canSurveyGlobal(a Actor, action Action) (err error, ok bool) {
	var allowed []Role
	switch action {
	case ViewSurveys:
		allowed = []Role{RoleAdmin, RolePgM, RoleResponder}
	case ManageSurveys:
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
