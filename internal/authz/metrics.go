package authz

// Metrics and reports (internal/metrics). The SLIs and the staff dashboard are the
// team's: every staff member reads them; members are told nothing exists (404). The
// reports to the TAC and the SLO targets are the programme manager's and admins'; a
// responder is not shown the reports either (404), as the issue asks. The public
// transparency page needs no action: it holds aggregates only.

// Global actions of the metrics area: their object is nil.
const (
	ViewMetrics   Action = "metrics.view"   // SLIs, dashboard, definitions
	ViewTACReport Action = "metrics.report" // quarterly and annual reports to the TAC
	ManageSLOs    Action = "metrics.slo"    // change SLO targets
)

func init() { writeActions[ManageSLOs] = true }

// canMetricsGlobal decides the metrics area's global actions; handled is false for any
// other action. The caller has already refused anonymous actors.
func canMetricsGlobal(a Actor, action Action) (handled bool, err error) {
	switch action {
	case ViewMetrics:
		if !a.IsStaff() {
			return true, ErrNotFound
		}
		return true, nil
	case ViewTACReport, ManageSLOs:
		if a.IsStaff() && (a.Role == RoleAdmin || a.Role == RolePgM) {
			return true, nil
		}
		return true, ErrNotFound
	}
	return false, nil
}
