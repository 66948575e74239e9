package postmortem_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/postmortem"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type fixture struct {
	ta                        *testapp.TestApp
	resp, other, pgm, member  testapp.User
	tResp, tOther, tPgM, tMem string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{ta: testapp.New(t, d)}
	f.resp, f.other = f.ta.User(authz.RoleResponder), f.ta.User(authz.RoleResponder)
	f.pgm, f.member = f.ta.User(authz.RolePgM), f.ta.User(authz.RoleMember)
	f.tResp, f.tOther, f.tPgM, f.tMem = f.ta.Token(f.resp), f.ta.Token(f.other), f.ta.Token(f.pgm), f.ta.Token(f.member)
	return f
}

func (f *fixture) call(t *testing.T, method, path, token string, body any, want ...int) *testapp.Response {
	t.Helper()
	return f.ta.API(method, "/api/v1"+path, token, body).Want(t, want...)
}

// seededCase is a case with some history: opened, a participant, posts in every
// thread, a task, a fact, a phase change, each a minute apart.
func (f *fixture) seededCase(t *testing.T, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"title": "Signature bypass in release verifier", "summary": "An empty signature list verifies."}
	for k, v := range extra {
		body[k] = v
	}
	var c cases.Case
	f.call(t, "POST", "/cases", f.tResp, body, 201).JSON(t, &c)
	base := "/cases/" + c.PublicID
	step := func() { f.ta.Clock.Advance(time.Minute) }
	step()
	f.call(t, "POST", base+"/participants", f.tResp, map[string]any{"email": "finder@example.net", "role": "finder"}, 201)
	step()
	f.call(t, "POST", base+"/posts", f.tResp, map[string]any{"body": "Maintainer reached; fix expected next week.", "thread": "internal"}, 201)
	step()
	f.call(t, "POST", base+"/posts", f.tResp, map[string]any{"body": "Thanks for the report.", "thread": "shared"}, 201)
	step()
	f.call(t, "POST", base+"/tasks", f.tResp, map[string]any{"title": "Write the advisory"}, 201)
	step()
	f.call(t, "POST", base+"/facts", f.tResp, map[string]any{"vendor_aware": true}, 200)
	step()
	f.call(t, "PATCH", base, f.tResp, map[string]any{"phase": "coordination"}, 200)
	step()
	return c.PublicID
}

func (f *fixture) start(t *testing.T, token, caseID string) postmortem.Postmortem {
	t.Helper()
	var p postmortem.Postmortem
	f.call(t, "POST", "/postmortems", token, map[string]any{"case_id": caseID}, 201).JSON(t, &p)
	if p.ID == 0 || p.State != postmortem.Draft {
		t.Fatalf("started %+v", p)
	}
	return p
}

// TestTimelineHasEveryEventInOrder: a post-mortem of a seeded case holds every event of
// the case's timeline (internal notes included, for the team) in time order, each with
// its time, action, actor and summary; annotations sit on their entry.
func TestTimelineHasEveryEventInOrder(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		caseID := f.seededCase(t, nil)
		p := f.start(t, f.tResp, caseID)
		var tl []events.Event
		f.call(t, "GET", "/cases/"+caseID+"/timeline?limit=1000", f.tResp, nil, 200).JSON(t, &tl)
		if len(tl) < 8 {
			t.Fatalf("the seeded case has %d events", len(tl))
		}
		var got postmortem.Postmortem
		f.call(t, "GET", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, nil, 200).JSON(t, &got)
		var want, have []int64
		for _, e := range tl {
			want = append(want, e.Seq)
		}
		var ats []string
		internal := false
		for _, e := range got.Timeline {
			have = append(have, e.Seq)
			ats = append(ats, e.At)
			if e.Action == "" || e.Actor == "" || e.Summary == "" {
				t.Errorf("entry %+v lacks action, actor or summary", e)
			}
			if _, err := time.Parse(time.RFC3339, e.At); err != nil {
				t.Errorf("entry at %q is not RFC 3339", e.At)
			}
			internal = internal || e.Action == "case.post.internal"
		}
		if !reflect.DeepEqual(want, have) {
			t.Fatalf("timeline seqs %v, the case's %v", have, want)
		}
		if !sort.StringsAreSorted(ats) {
			t.Fatalf("timeline not in time order: %v", ats)
		}
		if !internal {
			t.Fatal("the team's timeline lacks the internal note")
		}
		// Annotations: on an entry of the timeline, not on another event.
		seq := got.Timeline[2].Seq
		f.call(t, "POST", fmt.Sprintf("/postmortems/%d/annotations", p.ID), f.tOther, map[string]any{"event_seq": seq, "body": "We waited two days here."}, 201)
		r := f.call(t, "POST", fmt.Sprintf("/postmortems/%d/annotations", p.ID), f.tOther, map[string]any{"event_seq": 999999, "body": "x"}, 422)
		if !strings.Contains(r.Problem(t).Text(), "event_seq") {
			t.Fatalf("annotation of no entry: %s", r.Problem(t).Text())
		}
		f.call(t, "GET", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, nil, 200).JSON(t, &got)
		if a := got.Timeline[2].Annotations; len(a) != 1 || a[0].Author != f.other.Email {
			t.Fatalf("annotations %+v", a)
		}
		// Sections with a version check.
		r = f.call(t, "PATCH", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, map[string]any{"summary": "We **fixed** it.", "lessons": "Test empty lists."}, 200)
		etag := r.Header.Get("ETag")
		req := f.ta.NewRequest("PATCH", fmt.Sprintf("/api/v1/postmortems/%d", p.ID), map[string]any{"impact": "none"})
		req.Header.Set("Authorization", "Bearer "+f.tResp)
		req.Header.Set("If-Match", `"1"`)
		f.ta.Do(req).Want(t, 412)
		req = f.ta.NewRequest("PATCH", fmt.Sprintf("/api/v1/postmortems/%d", p.ID), map[string]any{"impact": "No user was affected."})
		req.Header.Set("Authorization", "Bearer "+f.tResp)
		req.Header.Set("If-Match", etag)
		f.ta.Do(req).Want(t, 200)
		// Summary in three formats.
		md := string(f.call(t, "GET", fmt.Sprintf("/postmortems/%d/summary?format=md", p.ID), f.tResp, nil, 200).Body)
		if !strings.Contains(md, "We **fixed** it.") || !strings.Contains(md, "No user was affected.") {
			t.Fatalf("summary: %s", md)
		}
		// One page, however long the sections.
		long := strings.Repeat("A long paragraph about what happened and why it mattered to the maintainers. ", 200)
		f.call(t, "PATCH", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, map[string]any{"summary": "We **fixed** it. " + long, "lessons": long}, 200)
		for i := 0; i < 12; i++ {
			f.call(t, "POST", fmt.Sprintf("/postmortems/%d/actions", p.ID), f.tResp, map[string]any{"title": fmt.Sprintf("Action %d", i), "owner": f.resp.Email, "due": "2027-01-15", "kind": "process"}, 201)
		}
		if b := string(f.call(t, "GET", fmt.Sprintf("/postmortems/%d/summary?format=pdf", p.ID), f.tResp, nil, 200).Body); !strings.HasPrefix(b, "%PDF-") || strings.Count(b, "/Type /Page\n") != 1 {
			t.Fatalf("summary pdf is not a one-page PDF (%d pages)", strings.Count(b, "/Type /Page\n"))
		}
		if b := string(f.call(t, "GET", fmt.Sprintf("/postmortems/%d/summary?format=html", p.ID), f.tResp, nil, 200).Body); !strings.Contains(b, "<strong>fixed</strong>") {
			t.Fatalf("summary html: %s", b)
		}
		f.call(t, "GET", fmt.Sprintf("/postmortems/%d/summary?format=doc", p.ID), f.tResp, nil, 422)
	})
}

// TestNeedToKnow: members never learn of post-mortems (404); the programme manager does
// not see one of an embargoed case, and once the case is public sees it without the
// team's internal notes.
func TestNeedToKnow(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		caseID := f.seededCase(t, nil)
		f.call(t, "POST", "/postmortems", f.tMem, map[string]any{"case_id": caseID}, 404)
		p := f.start(t, f.tResp, caseID)
		path := fmt.Sprintf("/postmortems/%d", p.ID)
		f.call(t, "GET", path, f.tMem, nil, 404)
		f.call(t, "GET", "/postmortems", f.tMem, nil, 404)
		f.call(t, "POST", path+"/actions", f.tMem, map[string]any{"title": "x", "owner": f.resp.Email, "due": "2027-01-15", "kind": "prevent"}, 404)
		f.call(t, "GET", path+"/summary", f.tMem, nil, 404)
		f.call(t, "GET", path, "", nil, 401)
		// Embargoed: the programme manager may not see it, nor start one.
		f.call(t, "GET", path, f.tPgM, nil, 404)
		f.call(t, "POST", "/postmortems", f.tPgM, map[string]any{"case_id": caseID}, 422)
		var list struct{ Items []postmortem.Postmortem }
		f.call(t, "GET", "/postmortems", f.tPgM, nil, 200).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("pgm lists %d post-mortems of an embargoed case", len(list.Items))
		}
		// Public: the programme manager sees it, without internal notes.
		f.call(t, "POST", "/cases/"+caseID+"/early-release", f.tResp, map[string]any{"reason": "fix shipped"}, 200)
		var got postmortem.Postmortem
		f.call(t, "GET", path, f.tPgM, nil, 200).JSON(t, &got)
		if len(got.Timeline) == 0 {
			t.Fatal("pgm sees an empty timeline")
		}
		for _, e := range got.Timeline {
			if e.Action == "case.post.internal" {
				t.Fatal("pgm sees the team's internal note")
			}
		}
	})
}

// TestActionItems: validation names the field; status updates; owners must be staff.
func TestActionItems(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.start(t, f.tResp, f.seededCase(t, nil))
		path := fmt.Sprintf("/postmortems/%d/actions", p.ID)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"title": "x", "owner": f.resp.Email, "due": "tomorrow", "kind": "prevent"}, "due"},
			{map[string]any{"title": "x", "owner": f.resp.Email, "due": "2027-02-30", "kind": "prevent"}, "due"},
			{map[string]any{"title": "x", "owner": f.resp.Email, "due": "2027-01-15", "kind": "blame"}, "kind"},
			{map[string]any{"title": "", "owner": f.resp.Email, "due": "2027-01-15", "kind": "prevent"}, "title"},
			{map[string]any{"title": "x", "owner": f.member.Email, "due": "2027-01-15", "kind": "prevent"}, "owner"},
			{map[string]any{"title": "x", "owner": "nobody@example.org", "due": "2027-01-15", "kind": "prevent"}, "owner"},
			{map[string]any{"title": "x", "owner": f.resp.Email, "due": "2027-01-15", "kind": "prevent", "link": "plan:999999"}, "link"},
			{map[string]any{"title": "x", "owner": f.resp.Email, "due": "2027-01-15", "kind": "prevent", "link": "elsewhere"}, "link"},
		} {
			r := f.call(t, "POST", path, f.tResp, c.body, 422)
			if txt := r.Problem(t).Text(); !strings.Contains(txt, c.field) {
				t.Errorf("%v: %s does not name %s", c.body, txt, c.field)
			}
		}
		var a postmortem.PostmortemAction
		f.call(t, "POST", path, f.tResp, map[string]any{"title": "Add a test for empty signature lists", "owner": f.other.Email, "due": "2027-01-15", "kind": "prevent"}, 201).JSON(t, &a)
		if a.Status != "open" || a.Owner != f.other.Email || a.Due != "2027-01-15" {
			t.Fatalf("action %+v", a)
		}
		f.call(t, "PATCH", fmt.Sprintf("%s/%d", path, a.ID), f.tResp, map[string]any{"status": "finished"}, 422)
		f.call(t, "PATCH", fmt.Sprintf("%s/%d", path, a.ID), f.tResp, map[string]any{"status": "done"}, 200).JSON(t, &a)
		if a.Status != "done" {
			t.Fatalf("status %s", a.Status)
		}
		f.call(t, "PATCH", fmt.Sprintf("%s/999999", path), f.tResp, map[string]any{"status": "done"}, 404)
	})
}

// TestFourEyes: draft → in_review → published; the author cannot approve; a published
// post-mortem is not edited; wrong states are 409. The lessons export holds it.
func TestFourEyes(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.start(t, f.tResp, f.seededCase(t, nil))
		path := fmt.Sprintf("/postmortems/%d", p.ID)
		f.call(t, "PATCH", path, f.tResp, map[string]any{"lessons": "Ask for a second maintainer early.", "contributing_factors": "One maintainer."}, 200)
		f.call(t, "POST", path+"/approve", f.tOther, nil, 409) // still a draft
		f.call(t, "POST", path+"/submit", f.tResp, nil, 200)
		f.call(t, "POST", path+"/submit", f.tResp, nil, 409)
		r := f.call(t, "POST", path+"/approve", f.tResp, nil, 403)
		if !strings.Contains(r.Problem(t).Text(), "second") {
			t.Fatalf("author approving: %s", r.Problem(t).Text())
		}
		var got postmortem.Postmortem
		f.call(t, "POST", path+"/approve", f.tOther, nil, 200).JSON(t, &got)
		if got.State != postmortem.Published || got.Reviewer != f.other.Email || got.PublishedAt == nil {
			t.Fatalf("after approval %+v", got)
		}
		f.call(t, "PATCH", path, f.tResp, map[string]any{"lessons": "changed"}, 409)
		f.call(t, "POST", path+"/return", f.tResp, nil, 409)
		md := string(f.call(t, "GET", "/postmortems/lessons", f.tOther, nil, 200).Body)
		if !strings.Contains(md, "Ask for a second maintainer early.") || !strings.Contains(md, "One maintainer.") {
			t.Fatalf("lessons: %s", md)
		}
	})
}

// TestReminders: an open action item's owner is mailed once in the days before its due
// date and once on it, through the outbox; running the job again sends nothing more;
// done items are not reminded.
func TestReminders(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.start(t, f.tResp, f.seededCase(t, nil))
		due := f.ta.Clock.Now().AddDate(0, 0, 10).Format("2006-01-02")
		path := fmt.Sprintf("/postmortems/%d/actions", p.ID)
		f.call(t, "POST", path, f.tResp, map[string]any{"title": "Rotate the key", "owner": f.other.Email, "due": due, "kind": "mitigate"}, 201)
		var done postmortem.PostmortemAction
		f.call(t, "POST", path, f.tResp, map[string]any{"title": "Dropped one", "owner": f.other.Email, "due": due, "kind": "process"}, 201).JSON(t, &done)
		f.call(t, "PATCH", fmt.Sprintf("%s/%d", path, done.ID), f.tResp, map[string]any{"status": "dropped"}, 200)
		svc := f.ta.App.Postmortems
		run := func(want int) {
			t.Helper()
			n, err := svc.RemindOwners(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("%s: %d reminders, want %d", f.ta.Clock.Now().Format("2006-01-02"), n, want)
			}
		}
		run(0)
		f.ta.Clock.Advance(8 * 24 * time.Hour) // two days before
		run(1)
		run(0)
		f.ta.Clock.Advance(24 * time.Hour)
		run(0)
		f.ta.Clock.Advance(24 * time.Hour) // the due date
		run(1)
		run(0)
		f.ta.Clock.Advance(5 * 24 * time.Hour)
		run(0)
		var n int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE recipient = ? AND purpose = 'postmortem.action_reminder'", f.other.Email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("%d reminder mails in the outbox, want 2", n)
		}
		// The job kind runs the same sweep.
		if _, err := f.ta.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestExercise: an exercise case mails no one outside the team (held in the outbox with
// the reason), still mails the team, never publishes its advisory, and makes an
// exercise post-mortem. Members may not open exercises.
func TestExercise(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.call(t, "POST", "/cases", f.tMem, map[string]any{"title": "Drill", "exercise": true}, 422)
		if r := f.call(t, "POST", "/cases", f.tResp, map[string]any{"report_id": "OSS-SIRT-2026-9999", "exercise": true}, 422); !strings.Contains(r.Problem(t).Text(), "exercise") {
			t.Errorf("an exercise from a report: %s", r.Problem(t).Text())
		}
		caseID := f.seededCase(t, map[string]any{"exercise": true})
		var c cases.Case
		f.call(t, "GET", "/cases/"+caseID, f.tResp, nil, 200).JSON(t, &c)
		if !c.Exercise {
			t.Fatal("the case is not flagged as an exercise")
		}
		base := "/cases/" + caseID
		f.call(t, "POST", base+"/participants", f.tResp, map[string]any{"email": f.other.Email, "role": "coordinator"}, 201)
		f.call(t, "POST", base+"/posts", f.tResp, map[string]any{"body": "Drill message two.", "thread": "shared"}, 201)
		type row struct{ to, state, reason string }
		rows, err := db.All(ctx, d.Read(), func(s db.Scanner) (row, error) {
			var r row
			return r, s.Scan(&r.to, &r.state, &r.reason)
		}, "SELECT recipient, state, hold_reason FROM outbox WHERE case_id = (SELECT id FROM cases WHERE public_id = ?)", caseID)
		if err != nil {
			t.Fatal(err)
		}
		outside, team := 0, 0
		for _, r := range rows {
			if r.to == "finder@example.net" {
				outside++
				if r.state != "held" || r.reason != notify.ExerciseHold {
					t.Errorf("mail to the finder of an exercise: %+v", r)
				}
			}
			if r.to == f.other.Email {
				team++
				if r.reason != "" {
					t.Errorf("mail to the team held: %+v", r)
				}
			}
		}
		if outside == 0 || team == 0 {
			t.Fatalf("outbox of the exercise %+v: want mail to the finder (held) and to the team", rows)
		}
		// The advisory is refused publication.
		f.call(t, "POST", base+"/vulnerabilities", f.tResp, map[string]any{"title": "Drill flaw"}, 201)
		var adv struct {
			ID string `json:"id"`
		}
		f.call(t, "POST", "/advisories", f.tResp, map[string]any{"case_id": caseID, "vulnerability": "V1"}, 201).JSON(t, &adv)
		f.call(t, "POST", "/advisories/"+adv.ID+"/submit", f.tResp, nil, 200)
		f.call(t, "POST", "/advisories/"+adv.ID+"/approve", f.tOther, nil, 200)
		f.call(t, "POST", base+"/early-release", f.tResp, map[string]any{"reason": "drill"}, 200)
		if _, err := f.ta.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		r := f.call(t, "POST", "/advisories/"+adv.ID+"/publish", f.tResp, nil, 409)
		if !strings.Contains(r.Problem(t).Text(), "exercise") {
			t.Fatalf("publishing an exercise: %s", r.Problem(t).Text())
		}
		var a struct {
			State string `json:"state"`
		}
		f.call(t, "GET", "/advisories/"+adv.ID, f.tResp, nil, 200).JSON(t, &a)
		if a.State == "published" {
			t.Fatal("the exercise's advisory was published")
		}
		p := f.start(t, f.tResp, caseID)
		if p.Kind != postmortem.KindExercise {
			t.Fatalf("kind %s, want exercise", p.Kind)
		}
		md := string(f.call(t, "GET", fmt.Sprintf("/postmortems/%d/summary", p.ID), f.tResp, nil, 200).Body)
		if !strings.Contains(md, "tabletop exercise") {
			t.Fatalf("summary of an exercise: %s", md)
		}
	})
}

type feedback struct{}

type feedbackPtr struct{}

func (*feedbackPtr) CaseFeedback(context.Context, int64) (string, int, error) {
	panic("called through a nil pointer")
}

func (feedback) CaseFeedback(context.Context, int64) (string, int, error) {
	return "- Clear process (4 of 5)", 5, nil
}

// TestFeedbackAndCatalogue: participant feedback shows when set; every event the area
// appended is in the catalogue with a payload of its type.
func TestFeedbackAndCatalogue(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.ta.App.Postmortems.SetFeedback(feedback{})
		p := f.start(t, f.tResp, f.seededCase(t, nil))
		var got postmortem.Postmortem
		f.call(t, "GET", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, nil, 200).JSON(t, &got)
		if got.Feedback == nil || got.Feedback.Responses != 5 {
			t.Fatalf("feedback %+v", got.Feedback)
		}
		if md := string(f.call(t, "GET", fmt.Sprintf("/postmortems/%d/summary", p.ID), f.tResp, nil, 200).Body); !strings.Contains(md, "Clear process") {
			t.Fatalf("summary without feedback: %s", md)
		}
		var none *feedbackPtr
		f.ta.App.Postmortems.SetFeedback(none) // a nil pointer detaches, it does not panic
		f.call(t, "GET", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, nil, 200)
		f.ta.App.Postmortems.SetFeedback(nil)
		var nilSvc *postmortem.Service
		nilSvc.SetFeedback(feedback{})
		path := fmt.Sprintf("/postmortems/%d", p.ID)
		f.call(t, "PATCH", path, f.tResp, map[string]any{"summary": "s"}, 200)
		f.call(t, "POST", path+"/annotations", f.tResp, map[string]any{"event_seq": got.Timeline[0].Seq, "body": "n"}, 201)
		var a postmortem.PostmortemAction
		f.call(t, "POST", path+"/actions", f.tResp, map[string]any{"title": "t", "owner": f.resp.Email, "due": f.ta.Clock.Now().Format("2006-01-02"), "kind": "process"}, 201).JSON(t, &a)
		f.call(t, "PATCH", fmt.Sprintf("%s/actions/%d", path, a.ID), f.tResp, map[string]any{"status": "open"}, 200)
		if _, err := f.ta.App.Postmortems.RemindOwners(ctx); err != nil {
			t.Fatal(err)
		}
		f.call(t, "POST", path+"/submit", f.tResp, nil, 200)
		f.call(t, "POST", path+"/return", f.tResp, nil, 200)
		f.call(t, "POST", path+"/submit", f.tResp, nil, 200)
		f.call(t, "POST", path+"/approve", f.tOther, nil, 200)
		f.call(t, "GET", path, f.ta.Token(f.ta.User(authz.RoleAdmin)), nil, 200) // audited
		evs, err := f.ta.App.Events.List(ctx, d.Read(), authz.System("test"), events.Query{Action: "postmortem.", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range evs {
			zero, ok := postmortem.Catalogue[e.Action]
			if !ok {
				t.Errorf("event %s is not in the catalogue", e.Action)
				continue
			}
			seen[e.Action] = true
			v := reflect.New(reflect.TypeOf(zero)).Interface()
			dec := json.NewDecoder(strings.NewReader(string(e.After)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Errorf("event %s payload %s: %v", e.Action, e.After, err)
			}
		}
		for action := range postmortem.Catalogue {
			if !seen[action] {
				t.Errorf("catalogue action %s was never appended", action)
			}
		}
	})
}

// TestReportEmbargoBreakAndEngagement: the timeline of a case opened from a report
// holds the report's events too (before the case's); a case whose embargo was broken
// makes an embargo-break post-mortem; an engagement's post-mortem reads its events.
func TestReportEmbargoBreakAndEngagement(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var rep struct {
			ID string `json:"id"`
		}
		f.call(t, "POST", "/reports", "", map[string]any{"summary": "Signature bypass in release verifier", "details": "An empty signature list verifies.",
			"affected": []map[string]any{{"package": map[string]any{"ecosystem": "Go", "name": "example.org/relsig"}, "versions": []string{"0.4.0"}}}}, 201).JSON(t, &rep)
		f.ta.Clock.Advance(time.Hour)
		var c cases.Case
		f.call(t, "POST", "/cases", f.tResp, map[string]any{"report_id": rep.ID}, 201).JSON(t, &c)
		f.ta.Clock.Advance(time.Hour)
		f.call(t, "POST", "/cases/"+c.PublicID+"/embargo-break", f.tResp, map[string]any{"reason": "posted on a public list"}, 200)
		p := f.start(t, f.tResp, c.PublicID)
		if p.Kind != postmortem.KindEmbargoBreak {
			t.Errorf("kind %s, want embargo_break", p.Kind)
		}
		var got postmortem.Postmortem
		f.call(t, "GET", fmt.Sprintf("/postmortems/%d", p.ID), f.tResp, nil, 200).JSON(t, &got)
		var reportEvents, caseEvents int
		for i, e := range got.Timeline {
			if strings.HasPrefix(e.Action, "report.") {
				reportEvents++
			}
			if strings.HasPrefix(e.Action, "case.") {
				caseEvents++
			}
			if i > 0 && got.Timeline[i-1].Seq >= e.Seq {
				t.Fatalf("timeline out of order at %d", i)
			}
		}
		if reportEvents == 0 || caseEvents == 0 || got.Timeline[0].Action[:7] != "report." {
			t.Fatalf("timeline of a case from a report: %d report and %d case events, first %s", reportEvents, caseEvents, got.Timeline[0].Action)
		}

		var proj struct {
			ID int64 `json:"id"`
		}
		f.call(t, "POST", "/projects", f.tPgM, map[string]any{"name": "relsig", "repo_url": "https://git.example.org/relsig"}, 201).JSON(t, &proj)
		var eng struct {
			ID int64 `json:"id"`
		}
		f.call(t, "POST", "/engagements", f.tPgM, map[string]any{"project_id": proj.ID, "buddy": f.resp.Email, "origin": "outreach"}, 201).JSON(t, &eng)
		var ep postmortem.Postmortem
		f.call(t, "POST", "/postmortems", f.tPgM, map[string]any{"engagement_id": eng.ID}, 201).JSON(t, &ep)
		if ep.Kind != postmortem.KindEngagement || len(ep.Timeline) == 0 || ep.Timeline[0].Action != "engagement.created" {
			t.Fatalf("engagement post-mortem %+v", ep)
		}
		f.call(t, "POST", "/postmortems", f.tMem, map[string]any{"engagement_id": eng.ID}, 404)
		f.call(t, "POST", "/postmortems", f.tResp, map[string]any{"engagement_id": 999999}, 422)
		f.call(t, "POST", "/postmortems", f.tResp, map[string]any{}, 422)
	})
}
