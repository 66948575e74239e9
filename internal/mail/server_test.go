package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/ratelimit"
)

const plainMail = "From: Ada <ada@example.org>\r\nTo: security@sirt.test\r\nSubject: Path traversal\r\nMessage-ID: <m1@example.org>\r\n\r\nSteps to reproduce.\r\n"

// smtpCode returns the reply code of an error from net/smtp.
func smtpCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	return 0
}

func TestServerDeliversBeforeAcknowledging(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)

	if err := smtp.SendMail(addr, nil, "ada@example.org", []string{"security@sirt.test", "Security+r-abcdefgh@SIRT.test"}, []byte(plainMail)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	d := box.only(t)
	if d.From != "ada@example.org" {
		t.Errorf("from %q", d.From)
	}
	if strings.Join(d.Rcpts, ",") != "security@sirt.test,Security+r-abcdefgh@SIRT.test" {
		t.Errorf("rcpts %q", d.Rcpts)
	}
	if string(d.Raw) != plainMail {
		t.Errorf("raw differs:\n%q\nwant\n%q", d.Raw, plainMail)
	}
	if d.Peer.RemoteAddr == nil || !strings.HasPrefix(d.Peer.RemoteAddr.String(), "127.0.0.1:") || d.Peer.Helo == "" {
		t.Errorf("peer %+v: want the client's address and HELO name", d.Peer)
	}
	m, err := mail.Parse(d.Raw, nil)
	if err != nil || m.Subject != "Path traversal" {
		t.Fatalf("Parse: %v %+v", err, m)
	}
}

func TestServerStoreFailureIsTemporary(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)
	box.setFail(errStore)

	err := smtp.SendMail(addr, nil, "ada@example.org", []string{"security@sirt.test"}, []byte(plainMail))
	if code := smtpCode(err); code != 451 {
		t.Fatalf("SendMail while the store fails: %v (code %d), want 451", err, code)
	}
	if strings.Contains(err.Error(), "database is locked") {
		t.Errorf("the reply leaks the internal error: %v", err)
	}
	// The sender retries; now the store works and the message is kept once.
	box.setFail(nil)
	if err := smtp.SendMail(addr, nil, "ada@example.org", []string{"security@sirt.test"}, []byte(plainMail)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	box.only(t)
}

func TestServerRejectErrorIsPermanent(t *testing.T) {
	addr := startServer(t, mail.ServerConfig{}, func(context.Context, string, []string, []byte) error {
		return &mail.RejectError{Reason: "sender is blocked"}
	})
	err := smtp.SendMail(addr, nil, "spam@example.net", []string{"security@sirt.test"}, []byte(plainMail))
	if code := smtpCode(err); code != 554 || !strings.Contains(err.Error(), "sender is blocked") {
		t.Fatalf("SendMail: %v, want 554 with the reason", err)
	}
}

func TestServerRefusesRelaying(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)
	err := smtp.SendMail(addr, nil, "ada@example.org", []string{"victim@example.com"}, []byte(plainMail))
	if code := smtpCode(err); code != 550 {
		t.Fatalf("relay attempt: %v, want 550", err)
	}

	// A custom AcceptRcpt: only the intake address and its plus addresses.
	box2 := newInbox()
	addr2 := startServer(t, mail.ServerConfig{AcceptRcpt: func(a string) bool {
		local, _, _ := strings.Cut(strings.ToLower(a), "@")
		base, _, _ := strings.Cut(local, "+")
		return base == "security" && strings.HasSuffix(strings.ToLower(a), "@sirt.test")
	}}, box2.deliver)
	if err := smtp.SendMail(addr2, nil, "a@example.org", []string{"postmaster@sirt.test"}, []byte(plainMail)); smtpCode(err) != 550 {
		t.Fatalf("unknown mailbox: %v, want 550", err)
	}
	if err := smtp.SendMail(addr2, nil, "a@example.org", []string{"security+r-abcdefgh@sirt.test"}, []byte(plainMail)); err != nil {
		t.Fatalf("plus address: %v", err)
	}
	if len(box.all()) != 0 || len(box2.all()) != 1 {
		t.Fatalf("deliveries %d and %d, want 0 and 1", len(box.all()), len(box2.all()))
	}
}

func TestServerOversize(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{MaxMessageBytes: 1024}, box.deliver)
	big := plainMail + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 30)

	// Without the SIZE parameter (net/smtp does not send it) the limit bites
	// while the data is read.
	err := smtp.SendMail(addr, nil, "ada@example.org", []string{"security@sirt.test"}, []byte(big))
	if code := smtpCode(err); code != 552 {
		t.Fatalf("oversize DATA: %v, want 552", err)
	}

	// With SIZE declared up front the server refuses at MAIL FROM.
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, param := c.Extension("SIZE"); !ok || param != "1024" {
		t.Fatalf("EHLO SIZE %v %q, want 1024", ok, param)
	}
	id, _ := c.Text.Cmd("MAIL FROM:<ada@example.org> SIZE=5000")
	c.Text.StartResponse(id)
	code, msg, _ := c.Text.ReadResponse(250)
	c.Text.EndResponse(id)
	if code != 552 {
		t.Fatalf("MAIL FROM with SIZE=5000: %d %s, want 552", code, msg)
	}
	if len(box.all()) != 0 {
		t.Fatal("an oversize message was delivered")
	}
}

func TestServerSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{TLSConfig: serverTLS}, box.deliver)
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(clientTLS); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if err := c.Mail("ada@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("security@sirt.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(plainMail))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if d := box.only(t); !d.Peer.TLS {
		t.Errorf("Peer.TLS false after STARTTLS")
	}
}

// The rate limit per envelope sender: one sender is refused for now (450 4.7.1) after
// its budget, another is not; per connecting address likewise.
func TestServerRateLimits(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{Limit: mail.RateLimit(nil, ratelimit.New(time.Hour, 2).Allow)}, box.deliver)
	var codes []int
	for _, from := range []string{"loud@example.org", "LOUD@example.org", "loud@example.org", "quiet@example.org"} {
		codes = append(codes, smtpCode(smtp.SendMail(addr, nil, from, []string{"security@sirt.test"}, []byte(plainMail))))
	}
	if fmt.Sprint(codes) != "[0 0 450 0]" {
		t.Fatalf("per sender: codes %v, want [0 0 450 0]", codes)
	}
	addr = startServer(t, mail.ServerConfig{Limit: mail.RateLimit(ratelimit.New(time.Hour, 1).Allow, nil)}, box.deliver)
	codes = nil
	for _, from := range []string{"a@example.org", "b@example.org"} {
		codes = append(codes, smtpCode(smtp.SendMail(addr, nil, from, []string{"security@sirt.test"}, []byte(plainMail))))
	}
	if fmt.Sprint(codes) != "[0 450]" {
		t.Fatalf("per address: codes %v, want [0 450]", codes)
	}
}
