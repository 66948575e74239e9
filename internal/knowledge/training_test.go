package knowledge_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// Courses per role, completions with date and hours, and a responder's readiness.
func TestTrainingReadiness(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.Token(ta.User(authz.RolePgM))
		r := ta.User(authz.RoleResponder)
		rtok := ta.Token(r)
		var process, lf, buddy knowledge.Course
		ta.API("POST", "/api/v1/courses", pgm, map[string]any{"title": "SIRT process", "kind": "internal", "hours": 4, "roles": []string{"responder", "coordinator"}}).Want(t, 201).JSON(t, &process)
		ta.API("POST", "/api/v1/courses", pgm, map[string]any{"title": "Secure development (LF)", "kind": "external", "url": "https://training.example.org/lfd121", "hours": 15, "roles": []string{"responder"}}).Want(t, 201).JSON(t, &lf)
		ta.API("POST", "/api/v1/courses", pgm, map[string]any{"title": "Security buddy", "kind": "internal", "hours": 2, "roles": []string{"security-buddy"}}).Want(t, 201).JSON(t, &buddy)
		ta.API("POST", "/api/v1/courses", rtok, map[string]any{"title": "x", "kind": "internal", "hours": 1}).Want(t, 403)
		p := ta.API("POST", "/api/v1/courses", pgm, map[string]any{"title": "x", "kind": "external", "hours": 1}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "body.url") {
			t.Errorf("external course without URL: %s", p.Text())
		}
		var rd knowledge.Readiness
		ta.API("GET", "/api/v1/training/readiness?role=responder", rtok, nil).Want(t, 200).JSON(t, &rd)
		if rd.Ready || len(rd.Missing) != 2 {
			t.Fatalf("before: %+v", rd)
		}
		ta.API("POST", fmt.Sprintf("/api/v1/courses/%d/completions", process.ID), rtok, map[string]any{"completed_on": "2026-02-20"}).Want(t, 201)
		// Not in the future; someone else's only for the programme manager.
		ta.API("POST", fmt.Sprintf("/api/v1/courses/%d/completions", lf.ID), rtok, map[string]any{"completed_on": "2027-01-01"}).Want(t, 422)
		other := ta.User(authz.RoleResponder)
		ta.API("POST", fmt.Sprintf("/api/v1/courses/%d/completions", lf.ID), rtok, map[string]any{"user_id": other.ID, "completed_on": "2026-02-20"}).Want(t, 403)
		ta.API("GET", fmt.Sprintf("/api/v1/training/readiness?user_id=%d", other.ID), rtok, nil).Want(t, 403)
		ta.API("POST", fmt.Sprintf("/api/v1/courses/%d/completions", lf.ID), pgm, map[string]any{"user_id": r.ID, "completed_on": "2026-02-25", "hours": 12.5}).Want(t, 201)
		ta.API("GET", fmt.Sprintf("/api/v1/training/readiness?user_id=%d&role=responder", r.ID), pgm, nil).Want(t, 200).JSON(t, &rd)
		if !rd.Ready || len(rd.Completed) != 2 || rd.Hours != 16.5 {
			t.Errorf("after: %+v", rd)
		}
		ta.API("GET", "/api/v1/training/readiness?role=security-buddy", rtok, nil).Want(t, 200).JSON(t, &rd)
		if rd.Ready || len(rd.Missing) != 1 || rd.Missing[0].ID != buddy.ID {
			t.Errorf("security buddy: %+v", rd)
		}
		p = ta.API("GET", "/api/v1/training/readiness?role=wizard", rtok, nil).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "query.role") {
			t.Errorf("bad role: %s", p.Text())
		}
		ta.API("GET", "/api/v1/courses", ta.Token(ta.User(authz.RoleMember)), nil).Want(t, 403)
		ta.API("POST", "/api/v1/courses/9999/completions", rtok, map[string]any{"completed_on": "2026-02-20"}).Want(t, 404)
	})
}
