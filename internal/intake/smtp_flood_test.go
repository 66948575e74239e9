package intake_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// sentBox records what the outbox sends.
type sentBox struct {
	mu sync.Mutex
	to []string
}

func (s *sentBox) Send(_ context.Context, o *mail.Outgoing) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.to = append(s.to, o.To...)
	return nil
}

func (s *sentBox) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.to...)
}

// smtpIntake starts the SMTP intake as `sirt serve` does, with its rate limit.
func smtpIntake(t *testing.T, ta *testapp.TestApp, burst int) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	domain := ta.App.Cfg.IntakeAddress[strings.LastIndex(ta.App.Cfg.IntakeAddress, "@")+1:]
	srv := mail.NewServer(mail.ServerConfig{Domain: domain, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limit: mail.NewRateLimit(burst, time.Hour)}, ta.App.Intake.Deliver)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

func spoofed(to, from, subject string, headers ...string) []byte {
	return []byte(strings.Join(headers, "") + "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.net>\r\n\r\nA vulnerability, supposedly.\r\n")
}

// 60 spoofed mails at once: the rate limit per connecting address answers 450 after
// the burst, and no acknowledgement goes to the third parties named in From: without
// an authenticated sender it is held for a responder.
func TestSMTPFloodIsLimitedAndUnauthenticatedSendersGetNoAutomaticMail(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		box := &sentBox{}
		ta.App.Outbox.SetSender(box)
		addr := smtpIntake(t, ta, 10)
		to := ta.App.Cfg.IntakeAddress
		accepted, refused := 0, 0
		for i := 0; i < 60; i++ {
			victim := fmt.Sprintf("victim%d@third-party.example", i)
			err := smtp.SendMail(addr, nil, victim, []string{to}, spoofed(to, victim, fmt.Sprintf("Spoof %d", i)))
			switch {
			case err == nil:
				accepted++
			case smtpCode(err) == 450:
				refused++
			default:
				t.Fatalf("mail %d: %v", i, err)
			}
		}
		if accepted != 10 || refused != 50 {
			t.Fatalf("accepted %d, refused %d; want 10 then 450 for the rest", accepted, refused)
		}
		drain(t, ta)
		var reports, held int
		_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM reports").Scan(&reports)
		_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE purpose = 'acknowledgement' AND state = 'held' AND hold_reason <> ''").Scan(&held)
		if reports != 10 || held != 10 {
			t.Fatalf("%d reports and %d held acknowledgements, want 10 and 10", reports, held)
		}
		if s := box.list(); len(s) != 0 {
			t.Fatalf("acknowledgements went to spoofed senders: %v", s)
		}

		// A responder judges one genuine and releases it; only a responder may.
		resp := ta.User(authz.RoleResponder)
		rs, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Limit: 1})
		var oid int64
		_ = d.Read().QueryRow(ctx, "SELECT id FROM outbox WHERE report_id = ? AND purpose = 'acknowledgement'", rs[0].ID).Scan(&oid)
		page := ta.Browser()
		page.SignIn(resp)
		if p := page.Get("/reports/" + rs[0].PublicID); !strings.Contains(string(p.Body), fmt.Sprintf("/outbox/%d/release", oid)) {
			t.Fatalf("the report page offers no release of the held acknowledgement")
		}
		member := ta.Browser()
		member.SignIn(ta.User(authz.RoleMember))
		if r := member.Submit(fmt.Sprintf("/reports/%s/outbox/%d/release", rs[0].PublicID, oid), url.Values{}); r.StatusCode != 404 {
			t.Fatalf("a member released a held message: %d", r.StatusCode)
		}
		if r := page.Submit(fmt.Sprintf("/reports/%s/outbox/%d/release", rs[0].PublicID, oid), url.Values{}); r.StatusCode != 303 {
			t.Fatalf("release: %d %.300s", r.StatusCode, r.Body)
		}
		drain(t, ta)
		if s := box.list(); len(s) != 1 || s[0] != rs[0].Reporter.Email {
			t.Fatalf("after release, sent to %v, want only %s", s, rs[0].Reporter.Email)
		}
		if r := page.Submit(fmt.Sprintf("/reports/%s/outbox/%d/release", rs[0].PublicID, oid), url.Values{}); r.StatusCode != 404 {
			t.Fatalf("released twice: %d", r.StatusCode)
		}
	})
}

// With the receiving server's authserv-id configured, a sender it verified (DMARC,
// aligned DKIM or SPF) is acknowledged at once; a forged Authentication-Results header
// from elsewhere counts for nothing.
func TestAuthenticatedMailSendersAreAcknowledged(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.NewWith(t, d, testapp.Options{Config: func(c *config.Config) { c.AuthservID = "mx.sirt.test" }})
		box := &sentBox{}
		ta.App.Outbox.SetSender(box)
		to := ta.App.Cfg.IntakeAddress
		deliver := func(from, subject, ar string) {
			if err := ta.App.Intake.Deliver(ctx, from, []string{to}, spoofed(to, from, subject, ar)); err != nil {
				t.Fatal(err)
			}
		}
		deliver("ada@finder.example", "Genuine", "Authentication-Results: mx.sirt.test; dkim=pass header.d=finder.example; dmarc=pass header.from=finder.example\r\n")
		deliver("bob@victim.example", "Forged", "Authentication-Results: mx.attacker.example; dmarc=pass header.from=victim.example\r\n")
		deliver("eve@victim.example", "Failed", "Authentication-Results: mx.sirt.test; dmarc=fail header.from=victim.example\r\n")
		drain(t, ta)
		if s := box.list(); len(s) != 1 || s[0] != "ada@finder.example" {
			t.Fatalf("acknowledged %v, want only the verified sender", s)
		}
		var held int
		_ = d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE state = 'held' AND hold_reason <> ''").Scan(&held)
		if held != 2 {
			t.Fatalf("%d acknowledgements held, want 2", held)
		}
	})
}

func smtpCode(err error) int {
	if err == nil {
		return 0
	}
	var code int
	if _, e := fmt.Sscanf(err.Error(), "%d", &code); e != nil {
		return -1
	}
	return code
}
