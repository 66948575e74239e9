package directory_test

import (
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/directory"
)

func TestSirenLists(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.startSMTP(t)
		caseID := f.openCase(t)
		f.call(t, "POST", "/siren/lists", f.tMem, map[string]any{"name": "distros"}, 404)
		var l directory.SirenList
		f.call(t, "POST", "/siren/lists", f.tResp, map[string]any{"name": "distros", "description": "Linux and BSD distributions"}, 201).JSON(t, &l)
		problemField(t, f.call(t, "POST", "/siren/lists", f.tResp, map[string]any{"name": "distros"}, 422), "name")
		var lists struct {
			Items []directory.SirenList `json:"items"`
		}
		f.call(t, "GET", "/siren/lists", "", nil, 200).JSON(t, &lists)
		if len(lists.Items) != 1 || lists.Items[0].Name != "distros" {
			t.Errorf("public list of lists: %+v", lists.Items)
		}

		// Apply (members and staff), vet (staff).
		distro := f.ta.User(authz.RoleMember)
		tDistro := f.ta.Token(distro)
		f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/apply", "", map[string]any{"organisation": "X"}, 401)
		problemField(t, f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/apply", tDistro, map[string]any{"organisation": ""}, 422), "organisation")
		var sub, sub2 directory.SirenSubscriber
		f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/apply", tDistro, map[string]any{"organisation": "Distro A", "reason": "we ship it"}, 201).JSON(t, &sub)
		f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/apply", tDistro, map[string]any{"organisation": "Distro A"}, 201).JSON(t, &sub2)
		if sub.State != "applied" || sub2.ID != sub.ID {
			t.Errorf("applying twice: %+v %+v", sub, sub2)
		}
		var other directory.SirenSubscriber
		f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/apply", f.tMem, map[string]any{"organisation": "Unvetted"}, 201).JSON(t, &other)
		f.call(t, "GET", "/siren/lists/"+itoa(l.ID)+"/subscribers", f.tMem, nil, 404)
		f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/subscribers/"+itoa(sub.ID)+"/decision", f.tMem, map[string]any{"decision": "vetted"}, 404)
		f.call(t, "POST", "/siren/lists/"+itoa(l.ID)+"/subscribers/"+itoa(sub.ID)+"/decision", f.tResp, map[string]any{"decision": "vetted"}, 200).JSON(t, &sub)
		if sub.State != "vetted" || sub.DecidedBy == "" {
			t.Errorf("vetted: %+v", sub)
		}
		var subs struct {
			Items []directory.SirenSubscriber `json:"items"`
		}
		f.call(t, "GET", "/siren/lists/"+itoa(l.ID)+"/subscribers", f.tResp, nil, 200).JSON(t, &subs)
		if len(subs.Items) != 2 {
			t.Errorf("subscribers: %+v", subs.Items)
		}

		// An early notification to the list reaches the vetted subscriber only.
		var n directory.NotificationProgress
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tMem, map[string]any{"to": map[string]any{"list": l.ID}, "subject": "Early notice", "body": "Embargoed details."}, 404)
		f.call(t, "POST", "/cases/"+caseID+"/notifications", f.tResp, map[string]any{"to": map[string]any{"list": l.ID}, "subject": "Early notice", "body": "Embargoed details."}, 202).JSON(t, &n)
		if n.Total != 1 {
			t.Errorf("list notification: %+v", n)
		}
		f.drain(t)
		if got := f.sink.counts(); got[strings.ToLower(distro.Email)] != 1 || got[strings.ToLower(f.member.Email)] != 0 {
			t.Errorf("SMTP: %v", got)
		}

		// The archive: embargoed messages exist for staff only.
		var arch struct {
			Messages []directory.SirenMessage `json:"messages"`
		}
		f.call(t, "GET", "/siren/lists/"+itoa(l.ID)+"/archive", "", nil, 200).JSON(t, &arch)
		if len(arch.Messages) != 0 {
			t.Errorf("the public sees an embargoed message: %+v", arch.Messages)
		}
		f.call(t, "GET", "/siren/lists/"+itoa(l.ID)+"/archive", tDistro, nil, 200).JSON(t, &arch)
		if len(arch.Messages) != 0 {
			t.Errorf("a member sees an embargoed message: %+v", arch.Messages)
		}
		f.call(t, "GET", "/siren/lists/"+itoa(l.ID)+"/archive", f.tResp, nil, 200).JSON(t, &arch)
		if len(arch.Messages) != 1 || arch.Messages[0].Public || !strings.Contains(arch.Messages[0].Subject, "TLP:") {
			t.Errorf("staff archive: %+v", arch.Messages)
		}
		// Once the case is public, so is its message.
		f.call(t, "POST", "/cases/"+caseID+"/embargo-break", f.tResp, map[string]any{"reason": "published by a third party"}, 200)
		f.call(t, "GET", "/siren/lists/"+itoa(l.ID)+"/archive", "", nil, 200).JSON(t, &arch)
		if len(arch.Messages) != 1 || !arch.Messages[0].Public || arch.Messages[0].Body == "" {
			t.Errorf("public archive after the case went public: %+v", arch.Messages)
		}
		f.call(t, "GET", "/siren/lists/999999/archive", "", nil, 404)
		checkCatalogue(t, f)
	})
}
