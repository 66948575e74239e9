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

// Onboarding checklists: a document of kind onboarding for a role lists its items for
// each member; ticks are per member and survive a new version that keeps the item;
// readiness waits for them; an item the document does not have is refused by name.
func TestOnboardingChecklist(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm := ta.Token(ta.User(authz.RolePgM))
		r1, r2 := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
		t1, t2 := ta.Token(r1), ta.Token(r2)
		res := ta.API("POST", "/api/v1/docs", pgm, map[string]any{"title": "Responder onboarding", "kind": "onboarding", "roles": []string{"responder"},
			"body": "# Welcome\n\n- [ ] Read the CVD policy\n- [ ] Shadow an intake shift\n"}).Want(t, 201)
		var doc struct {
			ID    int64    `json:"id"`
			Roles []string `json:"roles"`
		}
		res.JSON(t, &doc)
		if len(doc.Roles) != 1 || doc.Roles[0] != "responder" {
			t.Fatalf("roles = %v", doc.Roles)
		}
		ta.API("POST", "/api/v1/docs", pgm, map[string]any{"title": "Buddy onboarding", "kind": "onboarding", "roles": []string{"security-buddy"}, "body": "- [ ] Meet your maintainer\n"}).Want(t, 201)
		ta.API("POST", "/api/v1/docs", pgm, map[string]any{"title": "Bad", "kind": "onboarding", "roles": []string{"wizard"}, "body": "- [ ] x\n"}).Want(t, 422)

		type lists struct {
			Items []struct {
				Title string `json:"title"`
				Open  int    `json:"open"`
				Items []struct {
					Text   string `json:"text"`
					DoneOn string `json:"done_on"`
				} `json:"items"`
			} `json:"items"`
		}
		var l lists
		ta.API("GET", "/api/v1/training/onboarding?role=responder", t1, nil).Want(t, 200).JSON(t, &l)
		if len(l.Items) != 1 || l.Items[0].Title != "Responder onboarding" || l.Items[0].Open != 2 {
			t.Fatalf("responder checklists = %+v", l.Items)
		}
		tick := fmt.Sprintf("/api/v1/training/onboarding/%d/ticks", doc.ID)
		if p := ta.API("POST", tick, t1, map[string]any{"item": "Juggle", "done": true}).Want(t, 422).Problem(t); !strings.Contains(p.Text(), "item") {
			t.Errorf("an unknown item: %s", p.Text())
		}
		ta.API("POST", tick, t1, map[string]any{"item": "Read the CVD policy", "done": true}).Want(t, 204)
		ta.API("POST", tick, t1, map[string]any{"item": "Read the CVD policy", "done": true}).Want(t, 204) // twice
		ta.API("POST", tick, t2, map[string]any{"item": "Read the CVD policy", "done": true, "user_id": r1.ID}).Want(t, 403)
		var rd struct {
			Ready          bool `json:"ready"`
			OnboardingOpen int  `json:"onboarding_open"`
		}
		ta.API("GET", "/api/v1/training/readiness?role=responder", t1, nil).Want(t, 200).JSON(t, &rd)
		if rd.Ready || rd.OnboardingOpen != 1 {
			t.Fatalf("readiness with one item open: %+v", rd)
		}
		ta.API("GET", "/api/v1/training/onboarding?role=responder", t2, nil).Want(t, 200).JSON(t, &l)
		if l.Items[0].Open != 2 {
			t.Fatal("one member's tick shows on another's checklist")
		}
		// A new version keeps the tick of the item it still has.
		var full struct {
			Version int `json:"version"`
		}
		ta.API("GET", fmt.Sprintf("/api/v1/docs/%d", doc.ID), pgm, nil).Want(t, 200).JSON(t, &full)
		req := ta.NewRequest("PUT", fmt.Sprintf("/api/v1/docs/%d", doc.ID), map[string]any{"title": "Responder onboarding", "kind": "onboarding", "roles": []string{"responder"},
			"body": "- [ ] Read the CVD policy\n- [ ] Sign the agreements\n"})
		req.Header.Set("Authorization", "Bearer "+pgm)
		req.Header.Set("If-Match", fmt.Sprintf(`"doc-%d-v%d"`, doc.ID, full.Version))
		ta.Do(req).Want(t, 200)
		ta.API("GET", "/api/v1/training/onboarding?role=responder", t1, nil).Want(t, 200).JSON(t, &l)
		if l.Items[0].Open != 1 || l.Items[0].Items[0].DoneOn == "" || l.Items[0].Items[1].DoneOn != "" {
			t.Fatalf("after the new version: %+v", l.Items[0])
		}
		ta.API("POST", tick, t1, map[string]any{"item": "Sign the agreements", "done": true}).Want(t, 204)
		ta.API("GET", "/api/v1/training/readiness?role=responder", t1, nil).Want(t, 200).JSON(t, &rd)
		if !rd.Ready || rd.OnboardingOpen != 0 {
			t.Fatalf("readiness with everything done: %+v", rd)
		}
		ta.API("POST", tick, t1, map[string]any{"item": "Sign the agreements", "done": false}).Want(t, 204)
		ta.API("GET", "/api/v1/training/readiness?role=responder", t1, nil).Want(t, 200).JSON(t, &rd)
		if rd.Ready {
			t.Fatal("unticking does not reopen the item")
		}
	})
}
