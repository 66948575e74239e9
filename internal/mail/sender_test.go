package mail_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"

	"github.com/oss-sirt/sirt/internal/mail"
)

func sender(t *testing.T, addr string, cfg mail.SMTPConfig) *mail.SMTPSender {
	t.Helper()
	host, port := hostPort(t, addr)
	cfg.Host, cfg.Port = host, port
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := mail.NewSMTPSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendPlainKeepsHeadersAndMessageID(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)
	s := sender(t, addr, mail.SMTPConfig{}) // opportunistic: this server has no TLS

	token := mail.NewToken()
	id := mail.NewMessageID(token, "sirt.test")
	reply, err := mail.ReplyAddress("security@sirt.test", token)
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := &mail.Outgoing{
		From:       "OSS-SIRT <security@sirt.test>",
		To:         []string{"Ada Lovelace <ada@sirt.test>"},
		Bcc:        []string{"archive@sirt.test"},
		ReplyTo:    reply,
		Subject:    "[OSS-SIRT] Received your report — OSS-SIRT-2026-0042",
		Text:       "Hello Ada,\n\nThank you. Über-long lines and ünïcödé survive.\n.\nA line with only a dot above.\n",
		HTML:       "<p>Hello Ada</p>",
		MessageID:  "<" + id + ">",
		InReplyTo:  "m1@example.org",
		References: []string{"m0@example.org", "m1@example.org"},
		Date:       date,
		Headers:    map[string]string{"Auto-Submitted": "auto-replied", "X-Sirt-Report": "OSS-SIRT-2026-0042"},
	}
	if err := s.Send(context.Background(), o); err != nil {
		t.Fatalf("Send: %v", err)
	}
	d := box.only(t)
	if d.From != "security@sirt.test" || strings.Join(d.Rcpts, ",") != "ada@sirt.test,archive@sirt.test" {
		t.Errorf("envelope from %q rcpts %q", d.From, d.Rcpts)
	}
	if bytes.Contains(d.Raw, []byte("archive@sirt.test")) {
		t.Error("the Bcc recipient appears in the message")
	}
	m, err := mail.Parse(d.Raw, nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.MessageID != id {
		t.Errorf("Message-ID %q, want %q as given", m.MessageID, id)
	}
	if m.Subject != o.Subject {
		t.Errorf("Subject %q", m.Subject)
	}
	if m.From != (mail.Address{Name: "OSS-SIRT", Addr: "security@sirt.test"}) {
		t.Errorf("From %+v", m.From)
	}
	if len(m.To) != 1 || m.To[0].Addr != "ada@sirt.test" || m.To[0].Name != "Ada Lovelace" {
		t.Errorf("To %+v", m.To)
	}
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Addr != reply {
		t.Errorf("Reply-To %+v, want %s", m.ReplyTo, reply)
	}
	if strings.Join(m.InReplyTo, " ") != "m1@example.org" || strings.Join(m.References, " ") != "m0@example.org m1@example.org" {
		t.Errorf("In-Reply-To %q References %q", m.InReplyTo, m.References)
	}
	if !m.Date.Equal(date) {
		t.Errorf("Date %v, want %v", m.Date, date)
	}
	if m.Text != o.Text {
		t.Errorf("Text %q, want %q", m.Text, o.Text)
	}
	if m.HTML != o.HTML {
		t.Errorf("HTML %q", m.HTML)
	}
	if m.Encrypted || m.Signed {
		t.Errorf("Encrypted=%v Signed=%v on a plain message", m.Encrypted, m.Signed)
	}
	e, _ := message.Read(bytes.NewReader(d.Raw))
	if got := e.Header.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted %q", got)
	}
	// A reply to this message threads back by In-Reply-To.
	replyMsg := &mail.Message{InReplyTo: []string{m.MessageID}}
	if got, ok := mail.FindToken(replyMsg, "sirt.test"); !ok || got != token {
		t.Errorf("FindToken on a reply: %q %v, want %q", got, ok, token)
	}
}

func TestSendPGPMIMEEncryptedWithAttachment(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)
	s := sender(t, addr, mail.SMTPConfig{})
	team := newKey(t, "security@sirt.test")
	finder := newKey(t, "ada@sirt.test")

	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 1, 2, 0xff, '\r', '\n', '.'}, 5000)...)
	o := &mail.Outgoing{
		From:        "security@sirt.test",
		To:          []string{"ada@sirt.test"},
		Subject:     "[OSS-SIRT] Initial assessment — OSS-SIRT-2026-0042",
		Text:        "Confidential (TLP:RED): we reproduced the traversal.\n",
		MessageID:   mail.NewMessageID(mail.NewToken(), "sirt.test"),
		Attachments: []mail.Attachment{{Filename: "poc ünï.pdf", ContentType: "application/pdf", Data: pdf}},
		EncryptTo:   finder.PublicArmored(),
		SignWith:    team,
		HideSubject: true,
	}
	if err := s.Send(context.Background(), o); err != nil {
		t.Fatalf("Send: %v", err)
	}
	raw := box.only(t).Raw
	for _, secret := range []string{"TLP:RED", "reproduced", "%PDF", "Initial assessment"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the wire message contains %q in the clear", secret)
		}
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := e.Header.ContentType()
	if mt != "multipart/encrypted" || params["protocol"] != "application/pgp-encrypted" {
		t.Fatalf("Content-Type %s %v, want RFC 3156 multipart/encrypted", mt, params)
	}

	// The team key cannot read it: it is encrypted to the finder only.
	if _, err := mail.Parse(raw, team); err == nil || !strings.Contains(err.Error(), "not the team key") {
		t.Fatalf("Parse with a key the mail is not for: %v", err)
	}
	// The recipient's key can.
	m, err := mail.Parse(raw, finder)
	if err != nil {
		t.Fatalf("Parse with the recipient key: %v", err)
	}
	if !m.Encrypted || !m.Signed {
		t.Errorf("Encrypted=%v Signed=%v, want both", m.Encrypted, m.Signed)
	}
	if m.Subject != o.Subject {
		t.Errorf("Subject %q, want the protected subject %q", m.Subject, o.Subject)
	}
	if m.Text != o.Text {
		t.Errorf("Text %q", m.Text)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.Filename != "poc ünï.pdf" || a.ContentType != "application/pdf" || !bytes.Equal(a.Data, pdf) {
		t.Errorf("attachment %q %q %d bytes (equal %v)", a.Filename, a.ContentType, len(a.Data), bytes.Equal(a.Data, pdf))
	}
}

func TestSendPGPMIMESigned(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)
	s := sender(t, addr, mail.SMTPConfig{})
	team := newKey(t, "security@sirt.test")

	o := &mail.Outgoing{
		From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "Advisory",
		Text:        "Fixed in 1.2.1.  \nTrailing spaces above.\nFrom the team\n",
		Attachments: []mail.Attachment{{Filename: "advisory.json", ContentType: "application/json", Data: []byte(`{"id":"OSS-SIRT-2026-0042"}`)}},
		SignWith:    team,
	}
	if err := s.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	raw := box.only(t).Raw
	e, _ := message.Read(bytes.NewReader(raw))
	mt, params, _ := e.Header.ContentType()
	if mt != "multipart/signed" || params["micalg"] != "pgp-sha256" || params["protocol"] != "application/pgp-signature" {
		t.Fatalf("Content-Type %s %v", mt, params)
	}
	// Verify the way a receiving client does: the first part's raw bytes,
	// as transmitted, against the signature part.
	boundary := params["boundary"]
	body := raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
	// preamble CRLF--b CRLF first-part CRLF--b CRLF signature-part CRLF--b--
	parts := bytes.Split(body, []byte("\r\n--"+boundary))
	if len(parts) != 4 {
		t.Fatalf("found %d boundary-separated chunks, want 4", len(parts))
	}
	signed := bytes.TrimPrefix(parts[1], []byte("\r\n"))
	sigPart, err := message.Read(bytes.NewReader(bytes.TrimPrefix(parts[2], []byte("\r\n"))))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := io.ReadAll(sigPart.Body)
	if err := team.Verify(signed, sig); err != nil {
		t.Fatalf("signature does not verify over the transmitted first part: %v", err)
	}
	m, err := mail.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Signed || m.Encrypted || m.Text != o.Text || len(m.Attachments) != 1 || string(m.Attachments[0].Data) != `{"id":"OSS-SIRT-2026-0042"}` {
		t.Errorf("parsed signed=%v encrypted=%v text=%q attachments=%d", m.Signed, m.Encrypted, m.Text, len(m.Attachments))
	}
}

func TestSendSTARTTLSPolicies(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tlsBox, plainBox := newInbox(), newInbox()
	tlsAddr := startServer(t, mail.ServerConfig{TLSConfig: serverTLS}, tlsBox.deliver)
	plainAddr := startServer(t, mail.ServerConfig{}, plainBox.deliver)
	o := &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"}

	for _, policy := range []mail.StartTLS{mail.StartTLSOpportunistic, mail.StartTLSMandatory} {
		if err := sender(t, tlsAddr, mail.SMTPConfig{StartTLS: policy, TLSConfig: clientTLS}).Send(context.Background(), o); err != nil {
			t.Fatalf("policy %d to a STARTTLS server: %v", policy, err)
		}
	}
	for i, d := range tlsBox.all() {
		if !d.Peer.TLS {
			t.Errorf("send %d went in the clear to a server offering STARTTLS", i)
		}
	}

	err := sender(t, plainAddr, mail.SMTPConfig{StartTLS: mail.StartTLSMandatory}).Send(context.Background(), o)
	if err == nil || !mail.IsTemporary(err) {
		t.Fatalf("mandatory STARTTLS to a server without it: %v, want a temporary SendError", err)
	}
	if n := len(plainBox.all()); n != 0 {
		t.Fatalf("mandatory STARTTLS sent %d messages in the clear", n)
	}
	if err := sender(t, plainAddr, mail.SMTPConfig{}).Send(context.Background(), o); err != nil {
		t.Fatalf("opportunistic to a server without STARTTLS: %v", err)
	}
	// An untrusted certificate fails rather than falling back to clear text.
	if err := sender(t, tlsAddr, mail.SMTPConfig{StartTLS: mail.StartTLSMandatory}).Send(context.Background(), o); err == nil {
		t.Fatal("mandatory STARTTLS accepted an untrusted certificate")
	}
}

func TestSendErrorsAreClassified(t *testing.T) {
	box := newInbox()
	addr := startServer(t, mail.ServerConfig{}, box.deliver)
	s := sender(t, addr, mail.SMTPConfig{})

	// 550 at RCPT: permanent.
	err := s.Send(context.Background(), &mail.Outgoing{From: "security@sirt.test", To: []string{"x@elsewhere.test"}, Subject: "s", Text: "t"})
	var se *mail.SendError
	if !errors.As(err, &se) || se.Code != 550 || se.Temporary || !strings.Contains(se.Stage, "x@elsewhere.test") {
		t.Fatalf("RCPT refused: %#v, want a permanent SendError with code 550 naming the recipient", err)
	}
	// 451 from a failing store: temporary.
	box.setFail(errStore)
	err = s.Send(context.Background(), &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"})
	if !errors.As(err, &se) || se.Code != 451 || !se.Temporary || !mail.IsTemporary(err) {
		t.Fatalf("store failure: %#v, want a temporary SendError with code 451", err)
	}
	// Nothing listening: temporary.
	dead := sender(t, "127.0.0.1:1", mail.SMTPConfig{Timeout: 2 * time.Second})
	if err := dead.Send(context.Background(), &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"}); !mail.IsTemporary(err) {
		t.Fatalf("connection refused: %v, want temporary", err)
	}
	// A canceled context stops before sending.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	box.setFail(nil)
	if err := s.Send(ctx, &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"}); err == nil {
		t.Fatal("Send with a canceled context succeeded")
	}
	if len(box.all()) != 0 {
		t.Fatal("a message was delivered despite errors")
	}
}

func TestComposeRefusesBadInput(t *testing.T) {
	base := func() *mail.Outgoing {
		return &mail.Outgoing{From: "security@sirt.test", To: []string{"ada@sirt.test"}, Subject: "s", Text: "t"}
	}
	for name, tc := range map[string]struct {
		mod  func(o *mail.Outgoing)
		want string
	}{
		"no recipients":     {func(o *mail.Outgoing) { o.To = nil }, "no recipients"},
		"bad from":          {func(o *mail.Outgoing) { o.From = "not an address" }, "From"},
		"bad to":            {func(o *mail.Outgoing) { o.To = []string{"a@b", "nope"} }, `"nope"`},
		"subject injection": {func(o *mail.Outgoing) { o.Subject = "hi\r\nBcc: x@evil.test" }, "line break"},
		"header injection":  {func(o *mail.Outgoing) { o.Headers = map[string]string{"X-A": "1\r\nBcc: x@evil.test"} }, "not a valid header"},
		"owned header":      {func(o *mail.Outgoing) { o.Headers = map[string]string{"Content-Type": "text/html"} }, "Outgoing fields"},
		"bad message id":    {func(o *mail.Outgoing) { o.MessageID = "no at sign" }, "message id"},
		"no body":           {func(o *mail.Outgoing) { o.Text = "" }, "no body"},
		"unusable key":      {func(o *mail.Outgoing) { o.EncryptTo = []byte("garbage") }, "EncryptTo"},
		"message as key": {func(o *mail.Outgoing) {
			o.EncryptTo = []byte("-----BEGIN PGP MESSAGE-----\n\n-----END PGP MESSAGE-----\n")
		}, "EncryptTo"},
		"attachment no name": {func(o *mail.Outgoing) { o.Attachments = []mail.Attachment{{Data: []byte("x")}} }, "no file name"},
	} {
		t.Run(name, func(t *testing.T) {
			o := base()
			tc.mod(o)
			_, _, err := mail.Compose(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compose: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// A generated Message-ID is at the From domain, and returned.
	raw, id, err := mail.Compose(base())
	if err != nil || !strings.HasSuffix(id, "@sirt.test") || !bytes.Contains(raw, []byte("<"+id+">")) {
		t.Fatalf("generated id %q err %v", id, err)
	}
}

// TestEndToEndEncryptedReport is the intake path: a finder's client sends a
// PGP/MIME message with an attachment to the team key; the SMTP server hands
// it to deliver; Parse with the team key recovers text and attachment.
func TestEndToEndEncryptedReport(t *testing.T) {
	team := newKey(t, "security@sirt.test")
	type parsed struct {
		m   *mail.Message
		err error
	}
	results := make(chan parsed, 1)
	addr := startServer(t, mail.ServerConfig{}, func(ctx context.Context, from string, rcpts []string, raw []byte) error {
		// A real caller stores raw first; parsing here keeps the test short.
		m, err := mail.Parse(raw, team)
		results <- parsed{m, err}
		return nil
	})

	token := mail.NewToken()
	reply, _ := mail.ReplyAddress("security@sirt.test", token)
	poc := []byte("#!/bin/sh\ntar-lite x ../../etc/passwd\n")
	report := &mail.Outgoing{
		From:        "Ada <ada@example.org>",
		To:          []string{reply},
		Subject:     "Path traversal in tar-lite",
		Text:        "Summary: path traversal in archive extraction.\nVersions: 1.2.0\n",
		Attachments: []mail.Attachment{{Filename: "poc.sh", ContentType: "application/x-sh", Data: poc}},
		EncryptTo:   team.PublicArmored(),
	}
	if err := sender(t, addr, mail.SMTPConfig{}).Send(context.Background(), report); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// deliver ran before the 250 that made Send return: the result is there.
	var r parsed
	select {
	case r = <-results:
	default:
		t.Fatal("Send returned before deliver ran")
	}
	if r.err != nil {
		t.Fatalf("Parse: %v", r.err)
	}
	m := r.m
	if !m.Encrypted || m.Text != report.Text || m.Subject != report.Subject {
		t.Fatalf("encrypted=%v subject=%q text=%q", m.Encrypted, m.Subject, m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "poc.sh" || !bytes.Equal(m.Attachments[0].Data, poc) {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	if got, ok := mail.FindToken(m, "sirt.test"); !ok || got != token {
		t.Fatalf("FindToken %q %v, want %q", got, ok, token)
	}
}
