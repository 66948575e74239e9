package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/plan"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func planFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../plan/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func findMilestone(t *testing.T, o plan.Overview, section, code string) *plan.TrackedMilestone {
	t.Helper()
	for _, m := range o.Milestones() {
		if m.Section == section && m.Code == code {
			return m
		}
	}
	t.Fatalf("no milestone %s %s in %d milestones", section, code, len(o.Milestones()))
	return nil
}

// The plan API end to end: dry run, import, re-import, tracking, hours, exports, and
// who may do what.
func TestPlanAPI(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm, responder, member := ta.User(authz.RolePgM), ta.User(authz.RoleResponder), ta.User(authz.RoleMember)
		pt, rt, mt := ta.Token(pgm), ta.Token(responder), ta.Token(member)

		raw := func(path, token, ct, body string) *testapp.Response {
			req := ta.NewRequest(http.MethodPost, path, body)
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+token)
			return ta.Do(req)
		}
		res := raw("/api/v1/plan/import?dry_run=true", pt, "text/markdown", planFile(t, "seeds/000_a32800ffc5b0b592.txt")).Want(t, 200)
		var doc plan.Document
		res.JSON(t, &doc)
		if doc.Section("3.2") == nil || doc.Section("3.2").Milestone("M6") == nil {
			t.Fatalf("dry run did not return the parsed plan: %.300s", res.Body)
		}
		if res := ta.API("GET", "/api/v1/plan", pt, nil).Want(t, 200); !strings.Contains(string(res.Body), `"plans":[]`) {
			t.Errorf("dry run stored something: %.300s", res.Body)
		}

		var ir plan.ImportResult
		raw("/api/v1/plan/import", pt, "text/markdown; charset=utf-8", planFile(t, "tracker/v1.md")).Want(t, 201).JSON(t, &ir)
		if ir.Name != "2.0" || ir.Version != 1 || ir.Total.Milestones != 3 {
			t.Fatalf("import: %+v", ir)
		}
		raw("/api/v1/plan/import", rt, "text/markdown", planFile(t, "tracker/v1.md")).Want(t, 403)
		raw("/api/v1/plan/import", pt, "text/markdown", "").Want(t, 400, 422)

		var o plan.Overview
		ta.API("GET", "/api/v1/plan", pt, nil).Want(t, 200).JSON(t, &o)
		m22 := findMilestone(t, o, "2.2", "M1")
		var ur plan.UpdateResult
		ta.API("PATCH", fmt.Sprintf("/api/v1/plan/milestones/%d", m22.ID), pt, map[string]any{"status": "in_progress", "owner_id": responder.ID,
			"due": "2026-04-30", "links": []map[string]string{{"type": "survey", "id": "problem-space", "label": "Problem space survey"}}}).Want(t, 200).JSON(t, &ur)
		if ur.Milestone == nil || ur.Milestone.Status != plan.InProgress || len(ur.Warnings) != 1 {
			t.Errorf("patch: %+v", ur)
		}
		p := ta.API("PATCH", fmt.Sprintf("/api/v1/plan/milestones/%d", m22.ID), pt, map[string]any{"due": "next week"}).Want(t, 422).Problem(t)
		if !strings.Contains(p.Text(), "due") {
			t.Errorf("problem does not name the field: %s", p.Text())
		}
		ta.API("PATCH", "/api/v1/plan/milestones/999999", pt, map[string]any{"status": "done"}).Want(t, 404)
		ta.API("PATCH", fmt.Sprintf("/api/v1/plan/tasks/%d", m22.Tasks[0].ID), pt, map[string]any{"done": true}).Want(t, 200)
		// The responder owns 2.2 M1 now: they may move it along, not reassign it.
		ta.API("PATCH", fmt.Sprintf("/api/v1/plan/milestones/%d", m22.ID), rt, map[string]any{"status": "done"}).Want(t, 200)
		ta.API("PATCH", fmt.Sprintf("/api/v1/plan/milestones/%d", m22.ID), rt, map[string]any{"owner_id": pgm.ID}).Want(t, 403)

		ta.API("POST", "/api/v1/plan/hours", rt, map[string]any{"milestone_id": m22.ID, "hours": 2.5, "note": "drafting"}).Want(t, 201)
		ta.API("POST", "/api/v1/plan/hours", rt, map[string]any{"ref_type": "engagement", "ref_id": "buddy-42", "hours": 1}).Want(t, 201)
		ta.API("POST", "/api/v1/plan/hours", mt, map[string]any{"milestone_id": m22.ID, "hours": 1}).Want(t, 403)
		ta.API("POST", "/api/v1/plan/hours", rt, map[string]any{"milestone_id": m22.ID, "hours": -1}).Want(t, 422)
		var hours struct{ Items []plan.HourLog }
		ta.API("GET", "/api/v1/plan/hours", pt, nil).Want(t, 200).JSON(t, &hours)
		if len(hours.Items) != 2 {
			t.Errorf("hours: %+v", hours.Items)
		}

		// Re-import the edited file with JSON: 2.2 M1 keeps its tracking.
		raw("/api/v1/plan/import", pt, "application/json", fmt.Sprintf(`{"markdown": %q}`, planFile(t, "tracker/v2.md"))).Want(t, 201).JSON(t, &ir)
		if ir.Version != 2 || ir.Archived.Milestones != 1 {
			t.Errorf("re-import: %+v", ir)
		}
		ta.API("GET", "/api/v1/plan", rt, nil).Want(t, 200).JSON(t, &o)
		if m := findMilestone(t, o, "2.2", "M1"); m.Status != plan.Done || m.LoggedHours != 2.5 || m.Owner == nil || m.Owner.ID != responder.ID || len(m.Links) != 1 {
			t.Errorf("after re-import 2.2 M1: %+v", m)
		}

		csv := ta.API("GET", "/api/v1/plan/export?format=csv", pt, nil).Want(t, 200)
		if ct := csv.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !bytes.HasPrefix(csv.Body, []byte(strings.Join(plan.CSVHeader, ","))) {
			t.Errorf("csv export: %s %.200s", ct, csv.Body)
		}
		md := ta.API("GET", "/api/v1/plan/export?format=md", pt, nil).Want(t, 200)
		if !bytes.Contains(md.Body, []byte("# Plan status")) {
			t.Errorf("markdown export: %.200s", md.Body)
		}
		ta.API("GET", "/api/v1/plan/export?format=pdf", pt, nil).Want(t, 422)

		for _, path := range []string{"/api/v1/plan", "/api/v1/plan/hours", "/api/v1/plan/export?format=csv"} {
			ta.API("GET", path, mt, nil).Want(t, 403)
			ta.API("GET", path, "", nil).Want(t, 401)
		}
	})
}

// The pages: upload with warnings by line, tick a task, log hours, see the dashboard
// change; the TAC status page; members are kept out.
func TestPlanPages(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		pgm, member := ta.User(authz.RolePgM), ta.User(authz.RoleMember)
		b := ta.Browser()
		b.SignIn(pgm)
		if res := b.Get("/plan").Want(t, 200); !strings.Contains(string(res.Body), "No plan has been imported yet") {
			t.Errorf("empty plan page: %.300s", res.Body)
		}

		upload := func(name, content string) *testapp.Response {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			_ = w.WriteField("csrf", b.CSRF())
			fw, _ := w.CreateFormFile("file", name)
			_, _ = fw.Write([]byte(content))
			_ = w.Close()
			req, _ := http.NewRequest(http.MethodPost, ta.URL+"/plan/import", &body)
			req.Header.Set("Content-Type", w.FormDataContentType())
			res, err := b.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(res.Body)
			return &testapp.Response{Response: res, Body: buf.Bytes()}
		}
		res := upload("malformed.md", planFile(t, "plans/malformed.md")).Want(t, 200)
		if !strings.Contains(string(res.Body), `id="import-warnings"`) {
			t.Errorf("upload result shows no warnings table: %.500s", res.Body)
		}
		res = upload("v1.md", planFile(t, "tracker/v1.md")).Want(t, 200)
		if !strings.Contains(string(res.Body), "None: every line was placed") {
			t.Errorf("v1 upload: %.500s", res.Body)
		}

		o, err := ta.App.Plan.Overview(t.Context(), pgm.Actor())
		if err != nil {
			t.Fatal(err)
		}
		m := findMilestone(t, *o, "2.1", "M1")
		if res := b.Get(fmt.Sprintf("/plan/sections/%d", m.SectionID)).Want(t, 200); !strings.Contains(string(res.Body), "Tick: Survey other SIRTs") {
			t.Errorf("section page has no tick button: %.500s", res.Body)
		}
		b.Submit(fmt.Sprintf("/plan/tasks/%d", m.Tasks[0].ID), url.Values{"done": {"true"}}).Want(t, 303)
		b.Submit(fmt.Sprintf("/plan/milestones/%d", m.ID), url.Values{"status": {"in_progress"}, "owner_id": {fmt.Sprint(pgm.ID)}, "due": {"2026-05-01"}, "links": {"course onboarding-101 Onboarding course"}}).Want(t, 303)
		b.Submit("/plan/hours", url.Values{"target": {fmt.Sprintf("milestone:%d", m.ID)}, "hours": {"3"}, "date": {"2026-03-02"}}).Want(t, 303)
		b.Submit("/plan/hours", url.Values{"target": {fmt.Sprintf("milestone:%d", m.ID)}, "hours": {"lots"}}).Want(t, 422)

		page := string(b.Get("/plan").Want(t, 200).Body)
		for _, want := range []string{`id="tasks-done">1/`, `id="hours-logged">3<`, "<svg", `role="img"`, "Log hours", "Import a plan file"} {
			if !strings.Contains(page, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		status := string(b.Get("/plan/status").Want(t, 200).Body)
		if !strings.Contains(status, `id="hours-logged">3<`) || strings.Contains(status, `action="/plan/hours"`) || strings.Contains(status, `action="/plan/import"`) {
			t.Errorf("status page is not the read-only view of the same facts")
		}
		csv := b.Get("/plan/export.csv").Want(t, 200)
		if !strings.Contains(csv.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(string(csv.Body), "in_progress,"+pgm.Email+",2026-05-01") {
			t.Errorf("csv export: %s", csv.Body)
		}
		if md := b.Get("/plan/export.md").Want(t, 200); !strings.Contains(string(md.Body), "- [x] Survey other SIRTs") {
			t.Errorf("markdown export lacks the ticked task: %s", md.Body)
		}

		mb := ta.Browser()
		mb.SignIn(member)
		for _, path := range []string{"/plan", "/plan/status", "/plan/export.csv", fmt.Sprintf("/plan/sections/%d", m.SectionID)} {
			mb.Get(path).Want(t, 403)
		}
		mb.Submit("/plan/hours", url.Values{"target": {fmt.Sprintf("milestone:%d", m.ID)}, "hours": {"1"}}).Want(t, 403)
		ta.Browser().Get("/plan").Want(t, 303)
	})
}
