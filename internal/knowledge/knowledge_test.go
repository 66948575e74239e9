package knowledge_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func put(ta *testapp.TestApp, token string, id int64, etag string, body any) *testapp.Response {
	req := ta.NewRequest("PUT", fmt.Sprintf("/api/v1/docs/%d", id), body)
	req.Header.Set("Authorization", "Bearer "+token)
	if etag != "" {
		req.Header.Set("If-Match", etag)
	}
	return ta.Do(req)
}

// Versions with optimistic concurrency: an ETag per version, If-Match required, a
// stale one refused with nothing stored; every version kept and diffs between any two.
func TestVersionedDocs(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		r1, r2 := ta.Token(ta.User(authz.RoleResponder)), ta.Token(ta.User(authz.RoleResponder))
		v1 := "# Runbook\n\n1. Check the queue\n2. Acknowledge\n"
		res := ta.API("POST", "/api/v1/docs", r1, map[string]any{"title": "Intake runbook", "kind": "runbook", "body": v1}).Want(t, 201)
		var doc knowledge.Doc
		res.JSON(t, &doc)
		etag1 := res.Header.Get("ETag")
		if etag1 == "" || doc.Version != 1 {
			t.Fatalf("create: etag %q version %d", etag1, doc.Version)
		}
		v2 := "# Runbook\n\n1. Check the queue twice a day\n2. Acknowledge\n3. Assign\n"
		// Without If-Match: 428, nothing stored.
		put(ta, r2, doc.ID, "", map[string]any{"title": "Intake runbook", "kind": "runbook", "body": v2}).Want(t, http.StatusPreconditionRequired)
		res = put(ta, r2, doc.ID, etag1, map[string]any{"title": "Intake runbook", "kind": "runbook", "body": v2}).Want(t, 200)
		etag2 := res.Header.Get("ETag")
		if etag2 == etag1 {
			t.Fatal("the ETag did not change")
		}
		// Two editors from version 1: the second loses with 412 and nothing changes.
		put(ta, r1, doc.ID, etag1, map[string]any{"title": "Mine", "kind": "runbook", "body": "overwrite"}).Want(t, http.StatusPreconditionFailed)
		put(ta, r1, doc.ID, `"something-else"`, map[string]any{"title": "Mine", "kind": "runbook", "body": "overwrite"}).Want(t, http.StatusPreconditionFailed)
		put(ta, r1, doc.ID+1000, etag2, map[string]any{"title": "Mine", "kind": "runbook", "body": "x"}).Want(t, 404)
		// Bad input names the field (and stores nothing).
		p := put(ta, r1, doc.ID, etag2, map[string]any{"title": "", "kind": "runbook", "body": "x"}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "body.title") {
			t.Errorf("empty title: %s", p.Text())
		}
		ta.API("POST", "/api/v1/docs", r1, map[string]any{"title": "x", "kind": "novel", "body": "x"}).Want(t, 422)
		ta.API("POST", "/api/v1/docs", r1, map[string]any{"title": "x", "kind": "runbook", "body": "x", "review_due": "soon"}).Want(t, 422)

		var vs struct {
			Items []knowledge.Version `json:"items"`
		}
		ta.API("GET", fmt.Sprintf("/api/v1/docs/%d/versions", doc.ID), r1, nil).Want(t, 200).JSON(t, &vs)
		if len(vs.Items) != 2 || vs.Items[0].Body != v1 || vs.Items[1].Body != v2 {
			t.Fatalf("versions: %+v", vs.Items)
		}
		var diff knowledge.Diff
		ta.API("GET", fmt.Sprintf("/api/v1/docs/%d/diff?from=1&to=2", doc.ID), r1, nil).Want(t, 200).JSON(t, &diff)
		for _, want := range []string{"-1. Check the queue\n", "+1. Check the queue twice a day\n", "+3. Assign\n"} {
			if !strings.Contains(diff.Unified, want) {
				t.Errorf("diff lacks %q:\n%s", want, diff.Unified)
			}
		}
		var plus, minus int
		for _, l := range diff.Lines {
			switch l.Op {
			case "+":
				plus++
			case "-":
				minus++
			}
		}
		if plus != 2 || minus != 1 {
			t.Errorf("diff lines: %d added, %d removed, want 2 and 1: %+v", plus, minus, diff.Lines)
		}
		p = ta.API("GET", fmt.Sprintf("/api/v1/docs/%d/diff?from=1&to=7", doc.ID), r1, nil).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "query.to") {
			t.Errorf("diff to a missing version: %s", p.Text())
		}
		// An old version stays readable.
		var old knowledge.Doc
		ta.API("GET", fmt.Sprintf("/api/v1/docs/%d?version=1", doc.ID), r1, nil).Want(t, 200).JSON(t, &old)
		if old.Body != v1 || old.Version != 1 {
			t.Errorf("version 1: %+v", old)
		}

		// Documents are the team's: members and the public do not learn they exist;
		// role descriptions are public.
		mtok := ta.Token(ta.User(authz.RoleMember))
		for _, path := range []string{"/api/v1/docs/%d", "/api/v1/docs/%d/versions", "/api/v1/docs/%d/diff?from=1&to=2"} {
			ta.API("GET", fmt.Sprintf(path, doc.ID), mtok, nil).Want(t, 404)
			ta.API("GET", fmt.Sprintf(path, doc.ID), "", nil).Want(t, 404)
		}
		put(ta, mtok, doc.ID, etag2, map[string]any{"title": "x", "kind": "runbook", "body": "x"}).Want(t, 404)
		ta.API("POST", "/api/v1/docs", mtok, map[string]any{"title": "x", "kind": "runbook", "body": "x"}).Want(t, 403)
		var role knowledge.Doc
		ta.API("POST", "/api/v1/docs", r1, map[string]any{"title": "Responder", "kind": "role", "body": "You triage reports."}).Want(t, 201).JSON(t, &role)
		var list struct {
			Items []knowledge.Doc `json:"items"`
		}
		ta.API("GET", "/api/v1/docs", "", nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != role.ID {
			t.Errorf("the public lists %+v, want only the role description", list.Items)
		}
		if !strings.Contains(string(ta.Browser().Get("/apply").Body), "You triage reports.") {
			t.Error("/apply does not show the role description")
		}
	})
}

// A playbook's checklist becomes case tasks; the case records the version; editing
// the playbook later does not rewrite the case's tasks.
func TestPlaybookOnCase(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		tok := ta.Token(resp)
		body := "# Triage\n\n- [ ] Acknowledge the finder\n  * [x] Reproduce\nnot an item\n- [ ]\n- [ ] Score with SSVC\n"
		res := ta.API("POST", "/api/v1/docs", tok, map[string]any{"title": "Triage playbook", "kind": "playbook", "body": body}).Want(t, 201)
		var doc knowledge.Doc
		res.JSON(t, &doc)
		if fmt.Sprint(doc.Checklist) != "[Acknowledge the finder Reproduce Score with SSVC]" {
			t.Fatalf("checklist %q", doc.Checklist)
		}
		_, rc, err := ta.App.Intake.Submit(t.Context(), authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Overflow"})
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			ID string `json:"id"`
		}
		ta.API("POST", "/api/v1/cases", tok, map[string]any{"report_id": rc.ID}).Want(t, 201).JSON(t, &c)
		var ap knowledge.Applied
		ta.API("POST", "/api/v1/cases/"+c.ID+"/playbooks", tok, map[string]any{"doc_id": doc.ID}).Want(t, 201).JSON(t, &ap)
		if ap.Version != 1 || ap.Tasks != 3 {
			t.Fatalf("applied: %+v", ap)
		}
		// Edit the playbook: the case keeps its tasks and says it used version 1.
		put(ta, tok, doc.ID, res.Header.Get("ETag"), map[string]any{"title": "Triage playbook", "kind": "playbook", "body": "- [ ] Something else entirely\n"}).Want(t, 200)
		var tasks struct {
			Items []struct {
				Title string `json:"title"`
			} `json:"items"`
		}
		ta.API("GET", "/api/v1/cases/"+c.ID+"/tasks", tok, nil).Want(t, 200).JSON(t, &tasks)
		var titles []string
		for _, x := range tasks.Items {
			titles = append(titles, x.Title)
		}
		if fmt.Sprint(titles) != "[Acknowledge the finder Reproduce Score with SSVC]" {
			t.Errorf("case tasks after the playbook changed: %q", titles)
		}
		var applied struct {
			Items []knowledge.Applied `json:"items"`
		}
		ta.API("GET", "/api/v1/cases/"+c.ID+"/playbooks", tok, nil).Want(t, 200).JSON(t, &applied)
		if len(applied.Items) != 1 || applied.Items[0].Version != 1 || applied.Items[0].DocID != doc.ID {
			t.Errorf("applied playbooks: %+v", applied.Items)
		}
		// Applying the new version adds its item; the case now lists both versions.
		ta.API("POST", "/api/v1/cases/"+c.ID+"/playbooks", tok, map[string]any{"doc_id": doc.ID}).Want(t, 201).JSON(t, &ap)
		if ap.Version != 2 || ap.Tasks != 1 {
			t.Errorf("second application: %+v", ap)
		}
		// A document that is not a playbook, or does not exist, names doc_id.
		var rb knowledge.Doc
		ta.API("POST", "/api/v1/docs", tok, map[string]any{"title": "Runbook", "kind": "runbook", "body": "- [ ] x"}).Want(t, 201).JSON(t, &rb)
		for _, id := range []int64{rb.ID, 99999} {
			p := ta.API("POST", "/api/v1/cases/"+c.ID+"/playbooks", tok, map[string]any{"doc_id": id}).Want(t, 422).Problem(t)
			if !strings.Contains(p.Text(), "body.doc_id") {
				t.Errorf("doc %d: %s", id, p.Text())
			}
		}
		// Someone who may not coordinate the case: 404, and no tasks added.
		ta.API("POST", "/api/v1/cases/"+c.ID+"/playbooks", ta.Token(ta.User(authz.RolePgM)), map[string]any{"doc_id": doc.ID}).Want(t, 404)
		ta.API("GET", "/api/v1/cases/"+c.ID+"/tasks", ta.Token(ta.User(authz.RoleMember)), nil).Want(t, 404)
		ta.API("GET", "/api/v1/cases/"+c.ID+"/tasks", tok, nil).Want(t, 200).JSON(t, &tasks)
		if len(tasks.Items) != 4 {
			t.Errorf("%d tasks, want 4", len(tasks.Items))
		}
		// The timeline shows the playbook application.
		tl := ta.API("GET", "/api/v1/cases/"+c.ID+"/timeline", tok, nil).Want(t, 200)
		if !strings.Contains(string(tl.Body), "playbook.applied") {
			t.Error("the case timeline does not show the playbook")
		}
	})
}

// Reader feedback with a status the programme manager sets.
func TestDocFeedback(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		tok := ta.Token(ta.User(authz.RoleResponder))
		pgm := ta.Token(ta.User(authz.RolePgM))
		var doc knowledge.Doc
		ta.API("POST", "/api/v1/docs", tok, map[string]any{"title": "Onboarding", "kind": "onboarding", "body": "Welcome."}).Want(t, 201).JSON(t, &doc)
		var f knowledge.Feedback
		ta.API("POST", fmt.Sprintf("/api/v1/docs/%d/feedback", doc.ID), tok, map[string]any{"body": "Explain the embargo rules."}).Want(t, 201).JSON(t, &f)
		ta.API("POST", fmt.Sprintf("/api/v1/docs/%d/feedback", doc.ID), tok, map[string]any{"body": ""}).Want(t, 422)
		ta.API("PATCH", fmt.Sprintf("/api/v1/docs/%d/feedback/%d", doc.ID, f.ID), tok, map[string]any{"status": "done"}).Want(t, 403)
		ta.API("PATCH", fmt.Sprintf("/api/v1/docs/%d/feedback/%d", doc.ID, f.ID), pgm, map[string]any{"status": "accepted"}).Want(t, 200)
		ta.API("PATCH", fmt.Sprintf("/api/v1/docs/%d/feedback/%d", doc.ID+1, f.ID), pgm, map[string]any{"status": "done"}).Want(t, 404)
		var list struct {
			Items []knowledge.Feedback `json:"items"`
		}
		ta.API("GET", fmt.Sprintf("/api/v1/docs/%d/feedback", doc.ID), tok, nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Status != "accepted" || list.Items[0].Version != 1 {
			t.Errorf("feedback: %+v", list.Items)
		}
	})
}

// The web edit form keeps the user's text on a conflict and shows what changed.
func TestDocEditConflictPage(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		u := ta.User(authz.RoleResponder)
		b := ta.Browser()
		b.SignIn(u)
		b.Post("/docs", map[string][]string{"csrf": {b.CSRF()}, "title": {"Rules"}, "kind": {"rules_of_engagement"}, "body": {"Be polite.\n"}}).Want(t, 303)
		b.Post("/docs/1", map[string][]string{"csrf": {b.CSRF()}, "title": {"Rules"}, "kind": {"rules_of_engagement"}, "body": {"Be polite and prompt.\n"}, "version": {"1"}}).Want(t, 303)
		res := b.Post("/docs/1", map[string][]string{"csrf": {b.CSRF()}, "title": {"Rules"}, "kind": {"rules_of_engagement"}, "body": {"My late edit.\n"}, "version": {"1"}})
		if res.StatusCode != 409 {
			t.Fatalf("late edit: %d; log:\n%s", res.StatusCode, ta.Logs.String())
		}
		for _, want := range []string{"My late edit.", "Someone saved version 2", "<ins>+Be polite and prompt.</ins>"} {
			if !strings.Contains(string(res.Body), want) {
				t.Errorf("the conflict page lacks %q", want)
			}
		}
		page := b.Get("/docs/1?from=1&to=2").Want(t, 200)
		if !strings.Contains(string(page.Body), "<del>-Be polite.</del>") {
			t.Errorf("the diff page: %.500s", page.Body)
		}
	})
}

// The case page shows which playbook version a case uses, and applies one by form.
func TestCasePagePlaybook(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		u := ta.User(authz.RoleResponder)
		tok := ta.Token(u)
		var doc knowledge.Doc
		ta.API("POST", "/api/v1/docs", tok, map[string]any{"title": "Embargo playbook", "kind": "playbook", "body": "- [ ] Agree the date\n"}).Want(t, 201).JSON(t, &doc)
		var c struct {
			ID string `json:"id"`
		}
		ta.API("POST", "/api/v1/cases", tok, map[string]any{"title": "Direct case"}).Want(t, 201).JSON(t, &c)
		b := ta.Browser()
		b.SignIn(u)
		page := string(b.Get("/cases/"+c.ID).Want(t, 200).Body)
		if !strings.Contains(page, `action="/cases/`+c.ID+`/playbooks"`) {
			t.Fatal("the case page has no form to apply a playbook")
		}
		b.Post("/cases/"+c.ID+"/playbooks", map[string][]string{"csrf": {b.CSRF()}, "doc_id": {fmt.Sprint(doc.ID)}}).Want(t, 303)
		page = string(b.Get("/cases/"+c.ID).Want(t, 200).Body)
		if !strings.Contains(page, "Embargo playbook v1") || !strings.Contains(page, "Agree the date") {
			t.Error("the case page does not show the playbook version and its task")
		}
	})
}
