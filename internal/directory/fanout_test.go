package directory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

type fakeReach map[string][]string

func (r fakeReach) DependentPackages(_ context.Context, pkg string, _ int) ([]string, error) {
	return r[pkg], nil
}

func TestFanOutThroughSMTP(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.startSMTP(t)
		caseID := f.openCase(t)
		key, err := pgpkey.Generate("Vendor 0", "psirt0@vendor0.example.com", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := 0; i < 20; i++ {
			c := []any{map[string]any{"email": fmt.Sprintf("psirt%d@vendor%d.example.com", i, i)}}
			if i == 0 {
				c = []any{map[string]any{"email": "psirt0@vendor0.example.com", "openpgp_key": string(key.PublicArmored())}}
			}
			if i%5 == 1 { // a shared coordinator address: one message only
				c = append(c, map[string]any{"email": "Shared@Coord.example.org"})
			}
			var o directory.Org
			f.call(t, "POST", "/orgs", f.tResp, map[string]any{"name": fmt.Sprintf("Vendor %d", i), "kind": "vendor", "contacts": c,
				"packages": []string{fmt.Sprintf("pkg:maven/com.vendor%d/app%d", i, i)}}, 201).JSON(t, &o)
			ids = append(ids, o.ID)
		}
		body := map[string]any{"to": map[string]any{"orgs": ids}, "subject": "Embargoed notice", "body": "Details follow."}
		// Only the case's coordinators may send: the member, the programme manager get 404.
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tMem, body, 404)
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tPgM, body, 404)
		f.call(t, "POST", "/cases/NOPE-1/notifications", f.tResp, body, 404)
		problemField(t, f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"orgs": []int64{ids[0], 999999}}, "subject": "x", "body": "y"}, 422), "to.orgs[1]")
		problemField(t, f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"orgs": ids}, "body": "y"}, 422), "subject")
		problemField(t, f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{}, "subject": "x", "body": "y"}, 422), "to")
		problemField(t, f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"orgs": ids}, "template": "no_such"}, 422), "template")
		// Without the dependency graph, dependents_of is refused clearly.
		f.ta.App.Directory.SetReach(nil)
		r := f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"dependents_of": "pkg:maven/org.apache.logging.log4j/log4j-core", "max_depth": 9}, "subject": "x", "body": "y"}, 422)
		problemField(t, r, "the dependency graph is not available")

		var n directory.NotificationProgress
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, body, 202).JSON(t, &n)
		want := 20 + 1
		if n.ID == 0 || n.Total != want || n.Pending != want || n.Delivered != 0 {
			t.Fatalf("accepted: %+v", n)
		}
		f.call(t, "GET", "/notifications/"+itoa(n.ID), f.tMem, nil, 404)
		f.call(t, "GET", "/notifications/"+itoa(n.ID), f.tPgM, nil, 404)
		f.drain(t)
		f.call(t, "GET", "/notifications/"+itoa(n.ID), f.tResp, nil, 200).JSON(t, &n)
		if n.Total != want || n.Delivered != want || n.Sent != want || n.Failed != 0 || n.Pending != 0 {
			t.Errorf("after sending: %+v", n)
		}
		got := f.sink.counts()
		if len(got) != want {
			t.Errorf("the SMTP server got %d addresses, want %d: %v", len(got), want, got)
		}
		for a, c := range got {
			if c != 1 {
				t.Errorf("%s got %d messages", a, c)
			}
		}
		if raw := string(f.sink.raw["psirt0@vendor0.example.com"]); !strings.Contains(raw, "BEGIN PGP MESSAGE") {
			t.Errorf("the contact with a key got a message that is not encrypted:\n%.400s", raw)
		}
		if raw := string(f.sink.raw["psirt2@vendor2.example.com"]); !strings.Contains(raw, "TLP:") || !strings.Contains(raw, "Details follow.") {
			t.Errorf("the message has no TLP label or body:\n%.600s", raw)
		}

		// dependents_of through the graph, and a template.
		f.ta.App.Directory.SetReach(fakeReach{"pkg:maven/org.apache.logging.log4j/log4j-core": {"pkg:maven/com.vendor3/app3", "pkg:maven/com.vendor4/app4", "pkg:maven/org.none/x"}})
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"dependents_of": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "max_depth": 9},
			"template": "embargoed_notification"}, 202).JSON(t, &n)
		if n.Total != 2 {
			t.Errorf("dependents_of reached %d contacts, want 2", n.Total)
		}
		f.drain(t)
		if got := f.sink.counts(); got["psirt3@vendor3.example.com"] != 2 || got["psirt4@vendor4.example.com"] != 2 {
			t.Errorf("dependents_of did not reach the maintainers: %v", got)
		}
		var list struct {
			Items []directory.NotificationProgress `json:"items"`
		}
		f.call(t, "GET", "/cases/"+caseID+"/notifications", f.tResp, nil, 200).JSON(t, &list)
		if len(list.Items) != 2 {
			t.Errorf("case notifications: %d", len(list.Items))
		}
		checkCatalogue(t, f)
	})
}

// TestFanOutCrashRestart: the process dies after some messages went out; a new process
// on the same database sends the rest, and every recipient gets exactly one message.
func TestFanOutCrashRestart(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.startSMTP(t)
		caseID := f.openCase(t)
		var ids []int64
		for i := 0; i < 30; i++ {
			ids = append(ids, f.org(t, fmt.Sprintf("V%d", i), "vendor", []string{fmt.Sprintf("p%d@v%d.example.com", i, i)}))
		}
		var n directory.NotificationProgress
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"orgs": ids}, "subject": "s", "body": "b"}, 202).JSON(t, &n)
		ctx := context.Background()
		for i := 0; i < 12; i++ { // part of the work, then the process "dies"
			if _, err := f.ta.App.Jobs.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		mid, err := f.ta.App.Directory.Notification(ctx, f.resp.Actor(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if mid.Delivered == 0 || mid.Pending == 0 || mid.Delivered+mid.Pending != 30 {
			t.Fatalf("mid-way: %+v", mid)
		}
		// A new process on the same database: its own queue and outbox.
		a2 := app.New(f.ta.App.Cfg, d, app.Options{Clock: f.ta.Clock, Mailer: smtpSender(f.smtpPort)})
		if _, err := a2.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		end, err := a2.Directory.Notification(ctx, f.resp.Actor(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if end.Delivered != 30 || end.Pending != 0 || end.Failed != 0 {
			t.Errorf("after restart: %+v", end)
		}
		got := f.sink.counts()
		if len(got) != 30 {
			t.Errorf("%d recipients reached, want 30", len(got))
		}
		for a, c := range got {
			if c != 1 {
				t.Errorf("%s got %d messages", a, c)
			}
		}
	})
}

func TestRetryFailed(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.startSMTP(t)
		caseID := f.openCase(t)
		a := f.org(t, "A", "vendor", []string{"ok@a.example.com"})
		b := f.org(t, "B", "vendor", []string{"gone@b.example.com"})
		f.sink.refuse["gone@b.example.com"] = true
		var n directory.NotificationProgress
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"orgs": []int64{a, b}}, "subject": "s", "body": "b"}, 202).JSON(t, &n)
		f.drain(t)
		f.call(t, "GET", "/notifications/"+itoa(n.ID), f.tResp, nil, 200).JSON(t, &n)
		if n.Delivered != 1 || n.Failed != 1 || n.Pending != 0 || n.Sent != 2 {
			t.Fatalf("with a refused address: %+v", n)
		}
		f.call(t, "POST", "/notifications/"+itoa(n.ID)+"/retry", f.tMem, nil, 404)
		f.sink.mu.Lock()
		f.sink.refuse["gone@b.example.com"] = false
		f.sink.mu.Unlock()
		var rr struct{ Retried int }
		f.call(t, "POST", "/notifications/"+itoa(n.ID)+"/retry", f.tResp, nil, 200).JSON(t, &rr)
		if rr.Retried != 1 {
			t.Errorf("retried %d", rr.Retried)
		}
		f.call(t, "GET", "/notifications/"+itoa(n.ID), f.tResp, nil, 200).JSON(t, &n)
		if n.Failed != 0 || n.Pending != 1 {
			t.Errorf("after retry: %+v", n)
		}
		f.drain(t)
		f.call(t, "GET", "/notifications/"+itoa(n.ID), f.tResp, nil, 200).JSON(t, &n)
		if n.Delivered != 2 || f.sink.counts()["gone@b.example.com"] != 1 || f.sink.counts()["ok@a.example.com"] != 1 {
			t.Errorf("after the retried send: %+v %v", n, f.sink.counts())
		}
		checkCatalogue(t, f)
	})
}

func TestInviteOrgsAndSuggestions(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		caseID := f.openCase(t)
		root := f.org(t, "Apache Logging", "project", []string{"security@logging.example.org"}, "pkg:maven/org.apache.logging.log4j/log4j-core")
		dep := f.org(t, "Shop", "vendor", []string{"psirt@shop.example.com", "cto@shop.example.com"}, "pkg:maven/com.shop/shop")
		f.ta.App.Directory.SetReach(fakeReach{"pkg:maven/org.apache.logging.log4j/log4j-core": {"pkg:maven/com.shop/shop"}})
		var sug struct {
			Items []directory.Suggestion `json:"items"`
		}
		f.call(t, "GET", "/cases/"+caseID+"/suggested-orgs", f.tMem, nil, 404)
		f.call(t, "GET", "/cases/"+caseID+"/suggested-orgs", f.tResp, nil, 200).JSON(t, &sug)
		if len(sug.Items) != 2 || sug.Items[0].OrgID != root || sug.Items[1].OrgID != dep || !strings.Contains(sug.Items[1].Reason, "com.shop/shop") {
			t.Fatalf("suggestions: %+v", sug.Items)
		}
		f.call(t, "POST", "/cases/"+caseID+"/orgs", f.tMem, map[string]any{"orgs": []int64{root}}, 404)
		problemField(t, f.call(t, "POST", "/cases/"+caseID+"/orgs", f.tResp, map[string]any{"orgs": []int64{root, 424242}}, 422), "orgs[1]")
		var res directory.InviteResult
		f.call(t, "POST", "/cases/"+caseID+"/orgs", f.tResp, map[string]any{"orgs": []int64{root, dep}}, 200).JSON(t, &res)
		if res.Added != 3 {
			t.Errorf("invite: %+v", res)
		}
		f.call(t, "POST", "/cases/"+caseID+"/orgs", f.tResp, map[string]any{"orgs": []int64{dep}}, 200).JSON(t, &res)
		if res.Added != 0 || len(res.Skipped) != 2 {
			t.Errorf("inviting twice: %+v", res)
		}
		var c struct {
			Participants []struct {
				Email, Role, Organisation string
			}
		}
		f.call(t, "GET", "/cases/"+caseID, f.tResp, nil, 200).JSON(t, &c)
		n := 0
		for _, p := range c.Participants {
			if p.Role == "downstream" && (p.Organisation == "Shop" || p.Organisation == "Apache Logging") {
				n++
			}
		}
		if n != 3 {
			t.Errorf("downstream participants: %+v", c.Participants)
		}
		f.call(t, "GET", "/cases/"+caseID+"/suggested-orgs", f.tResp, nil, 200).JSON(t, &sug)
		if !sug.Items[0].OnCase || !sug.Items[1].OnCase {
			t.Errorf("invited organisations are not marked on the case: %+v", sug.Items)
		}
		checkCatalogue(t, f)
	})
}

// TestFanOutResumesAfterACrashBetweenBatches: the fan-out job queued one batch and the
// process died; a new process's job queues only the rest, and every recipient gets one
// message.
func TestFanOutResumesAfterACrashBetweenBatches(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.startSMTP(t)
		caseID := f.openCase(t)
		var csv strings.Builder
		csv.WriteString("name,kind,emails\n")
		for i := 0; i < 450; i++ {
			fmt.Fprintf(&csv, "Org %d,vendor,c%d@o%d.example.com\n", i, i, i)
		}
		ctx := context.Background()
		if _, err := f.ta.App.Directory.ImportOrgs(ctx, f.resp.Actor(), strings.NewReader(csv.String())); err != nil {
			t.Fatal(err)
		}
		orgs, err := f.ta.App.Directory.Orgs(ctx, f.resp.Actor(), directory.OrgQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, len(orgs))
		for i, o := range orgs {
			ids[i] = o.ID
		}
		n, err := f.ta.App.Directory.Notify(ctx, f.resp.Actor(), caseID, directory.NotifyInput{To: directory.NotifyTarget{Orgs: ids}, Subject: "s", Body: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if k, err := f.ta.App.Directory.QueueBatch(ctx, n.ID, 200); err != nil || k != 200 {
			t.Fatalf("first batch: %d %v", k, err)
		}
		// The process dies here. A new one on the same database runs every job.
		a2 := app.New(f.ta.App.Cfg, d, app.Options{Clock: f.ta.Clock, Mailer: smtpSender(f.smtpPort)})
		if _, err := a2.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		end, err := a2.Directory.Notification(ctx, f.resp.Actor(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if end.Total != 450 || end.Delivered != 450 || end.Pending != 0 {
			t.Errorf("after the restart: %+v", end)
		}
		got := f.sink.counts()
		if len(got) != 450 {
			t.Errorf("%d recipients reached, want 450", len(got))
		}
		for a, c := range got {
			if c != 1 {
				t.Errorf("%s got %d messages", a, c)
			}
		}
	})
}
