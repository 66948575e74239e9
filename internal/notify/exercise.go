package notify

import (
	"context"

	"github.com/oss-sirt/sirt/internal/db"
)

// ExerciseHold is the hold reason of a message of an exercise case to someone outside
// the team: a tabletop exercise never mails (or calls the webhooks of) anyone else.
const ExerciseHold = "exercise case: nothing is sent outside the team"

// exerciseHold reports whether a message of case caseID to recipient must be held: the
// case is an exercise and the recipient is not an active team member (webhooks never
// are).
func exerciseHold(ctx context.Context, q db.Querier, caseID int64, recipient string, webhook bool) (bool, error) {
	if caseID == 0 {
		return false, nil
	}
	var exercise bool
	if err := q.QueryRow(ctx, "SELECT exercise FROM cases WHERE id = ?", caseID).Scan(&exercise); err != nil {
		if db.NotFound(err) {
			return false, nil
		}
		return false, err
	}
	if !exercise {
		return false, nil
	}
	if webhook {
		return true, nil
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE lower(email) = lower(?) AND role <> 'member' AND disabled_at IS NULL", recipient).Scan(&n); err != nil {
		return false, err
	}
	return n == 0, nil
}
