package mail_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/oss-sirt/sirt/internal/mail"
)

// authRelay is a submission relay that wants AUTH (over STARTTLS) before it takes mail.
type authRelay struct {
	mechs []string
	mu    sync.Mutex
	users []string // who sent each accepted message
}

func (b *authRelay) NewSession(*smtp.Conn) (smtp.Session, error) { return &authSession{b: b}, nil }

type authSession struct {
	b    *authRelay
	user string
}

func (s *authSession) AuthMechanisms() []string { return s.b.mechs }

func (s *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, &smtp.SMTPError{Code: 504, Message: "mechanism not supported"}
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "sirt" || pass != "correct horse" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.user = user
		return nil
	}), nil
}

func (s *authSession) Mail(string, *smtp.MailOptions) error {
	if s.user == "" {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	return nil
}
func (s *authSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *authSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	s.b.mu.Lock()
	s.b.users = append(s.b.users, s.user)
	s.b.mu.Unlock()
	return nil
}
func (s *authSession) Reset()        {}
func (s *authSession) Logout() error { return nil }

func startAuthRelay(t *testing.T, mechs []string) (*authRelay, string, *mail.SMTPConfig) {
	t.Helper()
	serverTLS, clientTLS := selfSigned(t)
	b := &authRelay{mechs: mechs}
	srv := smtp.NewServer(b)
	srv.Domain = "relay.test"
	srv.TLSConfig = serverTLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.Addr = "127.0.0.1:0"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return b, l.Addr().String(), &mail.SMTPConfig{StartTLS: mail.StartTLSMandatory, TLSConfig: clientTLS}
}

func TestSendAuthenticatesOverSTARTTLS(t *testing.T) {
	relay, addr, base := startAuthRelay(t, []string{sasl.Plain})
	o := &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"}

	cfg := *base
	cfg.Username, cfg.Password = "sirt", "correct horse"
	if err := sender(t, addr, cfg).Send(context.Background(), o); err != nil {
		t.Fatalf("Send with AUTH PLAIN over STARTTLS: %v", err)
	}
	relay.mu.Lock()
	users := append([]string(nil), relay.users...)
	relay.mu.Unlock()
	if len(users) != 1 || users[0] != "sirt" {
		t.Fatalf("the relay accepted messages from %q, want one from sirt", users)
	}

	// A wrong password is the relay's 535, permanent, and the password is not in the error.
	cfg.Password = "wrong-secret-password"
	err := sender(t, addr, cfg).Send(context.Background(), o)
	var se *mail.SendError
	if !errors.As(err, &se) || se.Code != 535 || se.Temporary || se.Stage != "AUTH" {
		t.Fatalf("wrong password: %#v, want a permanent SendError at AUTH with code 535", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-password") {
		t.Fatal("the password appears in the error")
	}

	// Without credentials the relay refuses at MAIL FROM (530: permanent).
	if err := sender(t, addr, *base).Send(context.Background(), o); !errors.As(err, &se) || se.Code != 530 {
		t.Fatalf("no AUTH: %v, want 530 at MAIL FROM", err)
	}
}

func TestSendNamesTheMechanismsWhenNoneFits(t *testing.T) {
	_, addr, base := startAuthRelay(t, []string{"CRAM-MD5"})
	cfg := *base
	cfg.Username, cfg.Password = "sirt", "correct horse"
	err := sender(t, addr, cfg).Send(context.Background(), &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "CRAM-MD5") || !strings.Contains(err.Error(), "PLAIN, LOGIN") {
		t.Fatalf("no usable mechanism: %v, want an error naming what the relay offers", err)
	}
}

func TestNewSMTPSenderRefusesBadSettings(t *testing.T) {
	for name, cfg := range map[string]mail.SMTPConfig{
		"no host":           {},
		"host with a space": {Host: "relay example.org"},
		"bad port":          {Host: "relay.example.org", Port: 70000},
		"bad policy":        {Host: "relay.example.org", StartTLS: 7},
		"bad HELO":          {Host: "relay.example.org", HELO: "a b"},
		"password, no user": {Host: "relay.example.org", Password: "x"},
	} {
		if _, err := mail.NewSMTPSender(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
