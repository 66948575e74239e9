package plan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// fixture is a plan tracker on a fresh database with one user per role.
type fixture struct {
	t                             *testing.T
	ctx                           context.Context
	d                             *db.DB
	clock                         *clock.Fake
	svc                           *Service
	admin, pgm, responder, member authz.Actor
	responder2                    authz.Actor
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{t: t, ctx: context.Background(), d: d, clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	f.svc = New(d, f.clock, events.New(f.clock))
	user := func(email string, role authz.Role) authz.Actor {
		var id int64
		now := f.clock.Now()
		err := d.InTx(f.ctx, func(q db.Querier) error {
			return q.QueryRow(f.ctx, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
				email, "", string(role), now, now).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return authz.User(id, email, role)
	}
	f.admin = user("admin@example.org", authz.RoleAdmin)
	f.pgm = user("pgm@example.org", authz.RolePgM)
	f.responder = user("responder@example.org", authz.RoleResponder)
	f.member = user("member@example.org", authz.RoleMember)
	f.responder2 = user("responder2@example.org", authz.RoleResponder)
	return f
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) importFile(path string) *ImportResult {
	f.t.Helper()
	res, err := f.svc.Import(f.ctx, f.pgm, ImportInput{Filename: filepath.Base(path), Source: readTestFile(f.t, path)})
	if err != nil {
		f.t.Fatalf("import %s: %v", path, err)
	}
	return res
}

func (f *fixture) overview() *Overview {
	f.t.Helper()
	o, err := f.svc.Overview(f.ctx, f.pgm)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// milestone finds a current milestone by section number and code.
func (o *Overview) milestone(t *testing.T, section, code string) *TrackedMilestone {
	t.Helper()
	for _, p := range o.Plans {
		var found *TrackedMilestone
		walkSections(p.Sections, func(s *TrackedSection) {
			for _, m := range s.Milestones {
				if s.Number == section && m.Code == code {
					found = m
				}
			}
		})
		if found != nil {
			return found
		}
	}
	t.Fatalf("no milestone %s %s", section, code)
	return nil
}

func (o *Overview) sectionProgress(t *testing.T, number string) SectionProgress {
	t.Helper()
	for _, s := range o.Dashboard.Sections {
		if s.Number == number {
			return s
		}
	}
	t.Fatalf("no section %s on the dashboard", number)
	return SectionProgress{}
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) archivedCount(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.Read().QueryRow(f.ctx, "SELECT COUNT(*) FROM "+table+" WHERE archived_at IS NOT NULL").Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// The two drafts of the Execution plan: seed 001 is the earlier, 000 the later. Progress
// recorded against the first must survive importing the second.
func TestReimportSeedDraftsKeepsTracking(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r1 := f.importFile("testdata/seeds/001_fa76403b029c24e1.txt")
		if r1.Name != "3.0" || r1.Version != 1 || r1.Total.Sections != 6 {
			t.Fatalf("first import: %+v", r1)
		}
		o := f.overview()
		m1 := o.milestone(t, "3.2", "M1") // "tbd" in this draft
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m1.ID, ItemUpdate{Status: ptr(InProgress), OwnerID: &f.responder.UserID, Due: ptr("2026-04-30"),
			Links: &[]ObjectLink{{Type: "playbook", ID: "recruitment", Label: "Recruitment playbook"}}}); err != nil {
			t.Fatal(err)
		}
		task := o.milestone(t, "3.1", "M1").Tasks[0]
		if _, err := f.svc.UpdateTask(f.ctx, f.pgm, task.ID, ItemUpdate{Done: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		m33 := o.milestone(t, "3.3", "M1")
		if _, err := f.svc.LogHours(f.ctx, f.responder, HoursInput{MilestoneID: m33.ID, Hours: 3.5, Date: "2026-03-02"}); err != nil {
			t.Fatal(err)
		}
		placeholder := o.milestone(t, "3.1", "M2").Tasks[0] // "..." — gone in the later draft
		if _, err := f.svc.LogHours(f.ctx, f.responder, HoursInput{TaskID: placeholder.ID, Hours: 1, Date: "2026-03-02"}); err != nil {
			t.Fatal(err)
		}

		f.clock.Advance(48 * time.Hour)
		r2 := f.importFile("testdata/seeds/000_a32800ffc5b0b592.txt")
		if r2.Name != "3.0" || r2.Version != 2 {
			t.Fatalf("re-import went to plan %s version %d, want 3.0 version 2", r2.Name, r2.Version)
		}
		if r2.Matched.Sections != 6 || r2.Added.Sections != 1 || r2.Matched.Milestones != 8 || r2.Archived.Milestones != 0 {
			t.Errorf("re-import counts: matched %+v added %+v archived %+v", r2.Matched, r2.Added, r2.Archived)
		}
		if r2.Archived.Tasks < 2 {
			t.Errorf("archived %d tasks, want at least the two ... placeholders", r2.Archived.Tasks)
		}

		o = f.overview()
		m1 = o.milestone(t, "3.2", "M1")
		if m1.Title != "Create OSS-SIRT job description" {
			t.Errorf("3.2 M1 title %q: the re-import did not update the text", m1.Title)
		}
		if m1.Status != InProgress || m1.Owner == nil || m1.Owner.ID != f.responder.UserID || m1.Due != "2026-04-30" ||
			len(m1.Links) != 1 || m1.Links[0].ID != "recruitment" {
			t.Errorf("3.2 M1 lost its tracking: status %s owner %+v due %q links %+v", m1.Status, m1.Owner, m1.Due, m1.Links)
		}
		if !m1.Estimate.TotalHours.Known() {
			t.Errorf("3.2 M1 has no estimate after the re-import")
		}
		if task := o.milestone(t, "3.1", "M1").Tasks[0]; !task.Done {
			t.Errorf("3.1 M1 task %q lost its tick", task.Text)
		}
		if got := o.milestone(t, "3.3", "M1").LoggedHours; got != 3.5 {
			t.Errorf("3.3 M1 logged %v hours after the re-import, want 3.5", got)
		}
		if n := f.archivedCount("plan_tasks"); n != r2.Archived.Tasks {
			t.Errorf("%d archived task rows, summary says %d", n, r2.Archived.Tasks)
		}
		// Hours on an archived item stay in the log.
		hs, err := f.svc.ListHours(f.ctx, f.pgm, HoursQuery{})
		if err != nil || len(hs) != 2 {
			t.Fatalf("hours after re-import: %v %+v", err, hs)
		}
		if o.milestone(t, "3.6", "M1") == nil {
			t.Error("3.6 was not added")
		}

		// Importing the same file again changes nothing.
		r3 := f.importFile("testdata/seeds/000_a32800ffc5b0b592.txt")
		if !r3.Unchanged || r3.Version != 2 {
			t.Errorf("same file again: %+v, want unchanged version 2", r3)
		}
	})
}

// An edited file of our own: a reworded milestone and task keep their tracking, a
// removed milestone is archived with its tasks, a new one is added.
func TestReimportEditedFile(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importFile("testdata/tracker/v1.md")
		o := f.overview()
		m1 := o.milestone(t, "2.1", "M1")
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m1.ID, ItemUpdate{OwnerID: &f.responder.UserID, Status: ptr(InProgress)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateTask(f.ctx, f.pgm, m1.Tasks[0].ID, ItemUpdate{Done: ptr(true), Due: ptr("2026-03-20")}); err != nil {
			t.Fatal(err)
		}
		m2 := o.milestone(t, "2.2", "M2")
		if _, err := f.svc.LogHours(f.ctx, f.pgm, HoursInput{MilestoneID: m2.ID, UserID: f.responder.UserID, Hours: 2, Date: "2026-03-01", Note: "first review"}); err != nil {
			t.Fatal(err)
		}

		r := f.importFile("testdata/tracker/v2.md")
		if r.Matched.Milestones != 2 || r.Added.Milestones != 1 || r.Archived.Milestones != 1 {
			t.Errorf("milestones matched %d added %d archived %d, want 2, 1, 1", r.Matched.Milestones, r.Added.Milestones, r.Archived.Milestones)
		}
		if r.Archived.Tasks != 1 || r.Added.Tasks != 2 {
			t.Errorf("tasks added %d archived %d, want 2 and 1", r.Added.Tasks, r.Archived.Tasks)
		}
		o = f.overview()
		m1 = o.milestone(t, "2.1", "M1")
		if m1.Title != "Draft the list of core services" || m1.Status != InProgress || m1.Owner == nil || m1.Owner.ID != f.responder.UserID {
			t.Errorf("2.1 M1 after re-import: %q %s %+v", m1.Title, m1.Status, m1.Owner)
		}
		if got := *m1.Estimate.TotalHours.Max; got != 20 {
			t.Errorf("2.1 M1 estimate max %v, want the new 20", got)
		}
		if tk := m1.Tasks[0]; tk.Text != "Survey other SIRTs and PSIRTs issues/3" || !tk.Done || tk.Due != "2026-03-20" {
			t.Errorf("reworded task: %q done=%v due=%q", tk.Text, tk.Done, tk.Due)
		}
		if tk := m1.Tasks[2]; !tk.Done || tk.Status != Done {
			t.Errorf("new task ticked in the file: done=%v status %s", tk.Done, tk.Status)
		}
		if n := f.archivedCount("plan_milestones"); n != 1 {
			t.Errorf("%d archived milestones, want 1 (2.2 M2)", n)
		}
		var archivedTitle string
		if err := d.Read().QueryRow(f.ctx, "SELECT title FROM plan_milestones WHERE archived_at IS NOT NULL").Scan(&archivedTitle); err != nil || archivedTitle != "Keep the criteria up to date" {
			t.Errorf("archived milestone %q (%v)", archivedTitle, err)
		}
		// The archived milestone cannot be changed, nor take more hours.
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m2.ID, ItemUpdate{Status: ptr(Done)}); !isField(err, "id") {
			t.Errorf("update of an archived milestone: %v", err)
		}
		if _, err := f.svc.LogHours(f.ctx, f.responder, HoursInput{MilestoneID: m2.ID, Hours: 1}); !isField(err, "milestone_id") {
			t.Errorf("hours on an archived milestone: %v", err)
		}
		if o.milestone(t, "2.2", "M3").Estimate.TotalHours.Known() {
			t.Errorf("2.2 M3's unknown hours became known")
		}
	})
}

func isField(err error, field string) bool {
	fe, ok := validate.As(err)
	return ok && fe.For(field) != ""
}

func TestHoursAgainstEstimates(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importFile("testdata/tracker/v1.md")
		o := f.overview()
		m21 := o.milestone(t, "2.1", "M1")
		m22 := o.milestone(t, "2.2", "M1")
		for _, in := range []HoursInput{
			{MilestoneID: m21.ID, Hours: 4, Date: "2026-03-01"},
			{TaskID: m21.Tasks[1].ID, Hours: 1.5, Date: "2026-03-02"},
			{MilestoneID: m22.ID, Hours: 2},
			{RefType: "case", RefID: "OSS-SIRT-2026-0001", Hours: 5}, // not plan work
		} {
			if _, err := f.svc.LogHours(f.ctx, f.responder, in); err != nil {
				t.Fatalf("log %+v: %v", in, err)
			}
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m22.ID, ItemUpdate{OwnerID: &f.responder2.UserID}); err != nil {
			t.Fatal(err)
		}
		o = f.overview()
		if got := o.milestone(t, "2.1", "M1").LoggedHours; got != 5.5 {
			t.Errorf("2.1 M1 logged %v, want 5.5 (milestone and task)", got)
		}
		s21 := o.sectionProgress(t, "2.1")
		if *s21.EstimatedHours.Min != 10 || *s21.EstimatedHours.Max != 15 || s21.LoggedHours != 5.5 {
			t.Errorf("2.1: estimated %s logged %v", FormatBounds(s21.EstimatedHours), s21.LoggedHours)
		}
		top := o.sectionProgress(t, "2.0")
		if FormatBounds(top.EstimatedHours) != "27–43" || top.LoggedHours != 7.5 || top.Milestones != 3 || top.Tasks != 5 {
			t.Errorf("2.0 rolls up: estimated %s logged %v milestones %d tasks %d", FormatBounds(top.EstimatedHours), top.LoggedHours, top.Milestones, top.Tasks)
		}
		if FormatBounds(top.VolunteersNeeded) != "5–6" || top.PgMNeeded != 1 || top.VolunteersAssigned != 1 {
			t.Errorf("2.0 volunteers needed %s + %v PgM, assigned %d", FormatBounds(top.VolunteersNeeded), top.PgMNeeded, top.VolunteersAssigned)
		}
		var y1, y2 *StageProgress
		for i := range o.Dashboard.Stages {
			switch o.Dashboard.Stages[i].Stage {
			case "Y1":
				y1 = &o.Dashboard.Stages[i]
			case "Y2":
				y2 = &o.Dashboard.Stages[i]
			}
		}
		if y1 == nil || y2 == nil || y1.Milestones != 2 || FormatBounds(y1.EstimatedHours) != "22–33" || y1.LoggedHours != 7.5 || y2.Milestones != 1 {
			t.Errorf("stages: %+v", o.Dashboard.Stages)
		}
		last := o.Dashboard.Burnup[len(o.Dashboard.Burnup)-1]
		if last.Hours != 7.5 || last.Scope != 8 {
			t.Errorf("burn-up today: %+v, want 8 items and 7.5 hours", last)
		}
		if mine, err := f.svc.ListHours(f.ctx, f.pgm, HoursQuery{MilestoneID: m21.ID}); err != nil || len(mine) != 2 {
			t.Errorf("hours of 2.1 M1: %v %+v", err, mine)
		}
	})
}

func TestHoursValidation(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importFile("testdata/tracker/v1.md")
		m := f.overview().milestone(t, "2.1", "M1")
		for _, c := range []struct {
			in    HoursInput
			field string
		}{
			{HoursInput{Hours: 1}, "milestone_id"},
			{HoursInput{MilestoneID: m.ID, TaskID: m.Tasks[0].ID, Hours: 1}, "milestone_id"},
			{HoursInput{MilestoneID: m.ID, Hours: 0}, "hours"},
			{HoursInput{MilestoneID: m.ID, Hours: 25}, "hours"},
			{HoursInput{MilestoneID: m.ID, Hours: 1, Date: "2026-03-03"}, "date"},
			{HoursInput{MilestoneID: m.ID, Hours: 1, Date: "March 1"}, "date"},
			{HoursInput{RefType: "survey", RefID: "x", Hours: 1}, "ref_type"},
			{HoursInput{MilestoneID: 999999, Hours: 1}, "milestone_id"},
			{HoursInput{MilestoneID: m.ID, Hours: 1, UserID: f.member.UserID}, "user_id"},
		} {
			actor := f.responder
			if c.in.UserID != 0 {
				actor = f.pgm
			}
			if _, err := f.svc.LogHours(f.ctx, actor, c.in); !isField(err, c.field) {
				t.Errorf("%+v: %v, want an error naming %s", c.in, err, c.field)
			}
		}
		for _, c := range []struct {
			in    ItemUpdate
			field string
		}{
			{ItemUpdate{Status: ptr(Status("finished"))}, "status"},
			{ItemUpdate{Due: ptr("30/04/2026")}, "due"},
			{ItemUpdate{OwnerID: &f.member.UserID}, "owner_id"},
			{ItemUpdate{Links: &[]ObjectLink{{Type: "tweet", ID: "1"}}}, "links[0].type"},
			{ItemUpdate{Links: &[]ObjectLink{{Type: "survey"}}}, "links[0].id"},
		} {
			if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m.ID, c.in); !isField(err, c.field) {
				t.Errorf("%+v: %v, want an error naming %s", c.in, err, c.field)
			}
		}
		if _, err := f.svc.Import(f.ctx, f.pgm, ImportInput{Source: []byte{0xff, 0xfe}}); !isField(err, "markdown") {
			t.Errorf("binary import: %v", err)
		}
	})
}

func TestDependencyWarnings(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importFile("testdata/tracker/v1.md")
		o := f.overview()
		if s := o.sectionProgress(t, "2.2"); len(s.DependsOn) != 1 || s.DependsOn[0].Section != "2.1" || !s.DependsOn[0].Tracked {
			t.Errorf("2.2 depends on %+v, want the tracked 2.1", s.DependsOn)
		}
		blocked := 0
		for _, b := range o.Dashboard.Blocked {
			if b.Section == "2.2" && b.Reason == "waiting on 2.1" {
				blocked++
			}
		}
		if blocked != 2 {
			t.Errorf("blocked list %+v, want 2.2 M1 and M2 waiting on 2.1", o.Dashboard.Blocked)
		}
		m22 := o.milestone(t, "2.2", "M1")
		res, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m22.ID, ItemUpdate{Status: ptr(InProgress)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "2.2 M1 depends on 2.1, which is not done") {
			t.Errorf("warnings %q", res.Warnings)
		}
		if res.Milestone == nil || res.Milestone.Status != InProgress {
			t.Errorf("the warning must not stop the change: %+v", res.Milestone)
		}
		// Ticking a task of a waiting milestone warns too.
		res, err = f.svc.UpdateTask(f.ctx, f.pgm, m22.Tasks[0].ID, ItemUpdate{Done: ptr(true)})
		if err != nil || len(res.Warnings) != 1 {
			t.Errorf("task tick: %v %q", err, res.Warnings)
		}
		// Once 2.1 is done, no warning.
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, o.milestone(t, "2.1", "M1").ID, ItemUpdate{Status: ptr(Done)}); err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.UpdateMilestone(f.ctx, f.pgm, o.milestone(t, "2.2", "M2").ID, ItemUpdate{Status: ptr(InProgress)})
		if err != nil || len(res.Warnings) != 0 {
			t.Errorf("after 2.1 is done: %v %q", err, res.Warnings)
		}
		if o = f.overview(); len(o.sectionProgress(t, "2.2").DependsOn) != 0 {
			t.Errorf("2.2 still waits on %+v", o.sectionProgress(t, "2.2").DependsOn)
		}
		// Overdue: a due date before today on an open item.
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m22.ID, ItemUpdate{Due: ptr("2026-03-01")}); err != nil {
			t.Fatal(err)
		}
		if o = f.overview(); len(o.Dashboard.Overdue) != 1 || o.Dashboard.Overdue[0].ID != m22.ID {
			t.Errorf("overdue %+v", o.Dashboard.Overdue)
		}
	})
}

func TestPlanAuthorization(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src := readTestFile(t, "testdata/tracker/v1.md")
		for _, a := range []authz.Actor{f.responder, f.member, authz.Anonymous()} {
			if _, err := f.svc.Import(f.ctx, a, ImportInput{Source: src}); err == nil {
				t.Errorf("%s imported a plan", a.Label())
			}
		}
		if _, err := f.svc.Import(f.ctx, f.admin, ImportInput{Source: src}); err != nil {
			t.Fatalf("admin import: %v", err)
		}
		if _, err := f.svc.Overview(f.ctx, f.member); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("member sees the plan: %v", err)
		}
		if _, _, err := f.svc.Export(f.ctx, f.member, FormatCSV); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("member exports the plan: %v", err)
		}
		if _, err := f.svc.Overview(f.ctx, f.responder); err != nil {
			t.Errorf("responder cannot see the plan: %v", err)
		}
		m := f.overview().milestone(t, "2.1", "M1")
		if _, err := f.svc.LogHours(f.ctx, f.responder, HoursInput{MilestoneID: m.ID, Hours: 1}); err != nil {
			t.Errorf("responder cannot log hours: %v", err)
		}
		if _, err := f.svc.LogHours(f.ctx, f.member, HoursInput{MilestoneID: m.ID, Hours: 1}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("member logged hours: %v", err)
		}
		if _, err := f.svc.LogHours(f.ctx, f.responder, HoursInput{MilestoneID: m.ID, Hours: 1, UserID: f.responder2.UserID}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("responder logged hours for someone else: %v", err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.responder, m.ID, ItemUpdate{Status: ptr(InProgress)}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("responder changed a milestone they do not own: %v", err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m.ID, ItemUpdate{OwnerID: &f.responder.UserID}); err != nil {
			t.Fatal(err)
		}
		// The owner may move their milestone along, not reassign it.
		if _, err := f.svc.UpdateMilestone(f.ctx, f.responder, m.ID, ItemUpdate{Status: ptr(InProgress)}); err != nil {
			t.Errorf("owner cannot update status: %v", err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.responder, m.ID, ItemUpdate{OwnerID: &f.responder2.UserID}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("owner reassigned: %v", err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.member, m.ID, ItemUpdate{Status: ptr(Done)}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("member changed a milestone: %v", err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.pgm, 999999, ItemUpdate{Status: ptr(Done)}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown milestone: %v", err)
		}
	})
}

// The exports of a tracked plan, compared with committed goldens (go test -update
// rewrites them).
func TestExportGolden(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importFile("testdata/tracker/v1.md")
		o := f.overview()
		m := o.milestone(t, "2.1", "M1")
		mustUpdate := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.svc.UpdateMilestone(f.ctx, f.pgm, m.ID, ItemUpdate{Status: ptr(InProgress), OwnerID: &f.responder.UserID, Due: ptr("2026-03-31")})
		mustUpdate(err)
		_, err = f.svc.UpdateTask(f.ctx, f.pgm, m.Tasks[0].ID, ItemUpdate{Done: ptr(true)})
		mustUpdate(err)
		_, err = f.svc.UpdateMilestone(f.ctx, f.pgm, o.milestone(t, "2.2", "M2").ID, ItemUpdate{Status: ptr(Blocked), Due: ptr("2026-03-01")})
		mustUpdate(err)
		_, err = f.svc.LogHours(f.ctx, f.responder, HoursInput{MilestoneID: m.ID, Hours: 2.5})
		mustUpdate(err)
		f.clock.Advance(24 * time.Hour)
		for _, format := range []string{FormatMarkdown, FormatCSV} {
			got, _, err := f.svc.Export(f.ctx, f.pgm, format)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "export", "v1."+format)
			if *update && strings.HasSuffix(t.Name(), "sqlite") {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readTestFile(t, path)
			if !bytes.Equal(got, want) {
				t.Errorf("%s export differs from %s (go test -update rewrites it):\n%s", format, path, firstDiff(string(want), string(got)))
			}
		}
		if _, _, err := f.svc.Export(f.ctx, f.pgm, "pdf"); !isField(err, "format") {
			t.Errorf("pdf export: %v", err)
		}
		svg := BurnupSVG(f.overview().Dashboard.Burnup)
		for _, want := range []string{`role="img"`, "<title id=\"burnup-title\">", "<desc id=\"burnup-desc\">", "<polyline"} {
			if !strings.Contains(svg, want) {
				t.Errorf("burn-up SVG lacks %s", want)
			}
		}
		if strings.Contains(svg, "<script") || strings.Contains(svg, "style=") {
			t.Error("burn-up SVG has script or inline style")
		}
	})
}
