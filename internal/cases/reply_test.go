package cases_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestReplyByEmailLandsInThread: a participant answers a case mail by email; the reply
// token in the address puts it into the case's shared thread, not into a new report.
// The same token from another address becomes an internal note for the team.
func TestReplyByEmailLandsInThread(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		resp, owner := ta.User(authz.RoleResponder), ta.User(authz.RoleMember)
		c, err := ta.App.Cases.Open(ctx, resp.Actor(), cases.NewCase{Title: "Reply routing"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Cases.AddParticipant(ctx, resp.Actor(), c.PublicID, cases.NewParticipant{Email: owner.Email, Role: "owner"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Cases.ReadIn(ctx, owner.Actor(), c.PublicID); err != nil {
			t.Fatal(err)
		}
		var replyTo string
		if err := d.Read().QueryRow(ctx, "SELECT reply_to FROM outbox WHERE recipient = ? AND case_id IS NOT NULL ORDER BY id LIMIT 1", owner.Email).Scan(&replyTo); err != nil || replyTo == "" {
			t.Fatalf("the invitation has no reply address: %q %v", replyTo, err)
		}
		send := func(from, body string) {
			raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: case\r\nMessage-ID: <%s@mail.example.org>\r\n\r\n%s\r\n", from, replyTo, body, body)
			if err := ta.App.Intake.Deliver(ctx, from, []string{replyTo}, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			if _, err := ta.App.Jobs.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		send(owner.Email, "fix-is-merged")
		send("mallory@example.net", "spoofed-reply")
		ps, err := ta.App.Cases.Posts(ctx, resp.Actor(), c.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range ps {
			got[p.Thread] += p.Body + "|"
		}
		if want := "fix-is-merged"; !contains(got["shared"], want) {
			t.Fatalf("the owner's reply is not in the shared thread: %v", got)
		}
		if !contains(got["internal"], "spoofed-reply") || contains(got["shared"], "spoofed") {
			t.Fatalf("mail from another address was not kept for the team only: %v", got)
		}
		var reports int
		_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM reports").Scan(&reports)
		if reports != 0 {
			t.Fatalf("a case reply became %d new report(s)", reports)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
