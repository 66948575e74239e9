package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sender sends one message. Implementations must send o.MessageID as
// given: the notification outbox relies on it to make retries idempotent.
type Sender interface {
	Send(ctx context.Context, o *Outgoing) error
}

// StartTLS is the STARTTLS policy of an SMTPSender.
type StartTLS int

const (
	// StartTLSOpportunistic upgrades when the server offers STARTTLS and
	// sends in the clear otherwise. The default.
	StartTLSOpportunistic StartTLS = iota
	// StartTLSMandatory refuses to send unless the session is upgraded.
	StartTLSMandatory
	// StartTLSNever never upgrades (a local relay on a trusted socket).
	StartTLSNever
)

// SMTPConfig configures an SMTPSender.
type SMTPConfig struct {
	Host string // relay host name; also the TLS server name
	Port int    // default 587
	// StartTLS is the upgrade policy; ImplicitTLS instead connects with TLS
	// from the start (port 465 style) and ignores it.
	StartTLS    StartTLS
	ImplicitTLS bool
	// Username and Password enable SMTP AUTH (the best mechanism the server
	// offers; PLAIN and LOGIN only over TLS or to localhost). Empty Username:
	// no AUTH. The password never appears in errors or logs.
	Username string
	Password string
	// Timeout bounds the whole SMTP session. Default 30 seconds.
	Timeout time.Duration
	// HELO is the name sent in EHLO; default the machine's host name.
	HELO string
	// TLSConfig overrides the TLS settings (e.g. a private CA); its
	// ServerName defaults to Host.
	TLSConfig *tls.Config
}

// SMTPSender sends mail through an SMTP relay with github.com/emersion/go-smtp's
// client (the same library as the inbound listener) handling the session: STARTTLS
// policy, AUTH PLAIN or LOGIN, timeouts. The message bytes are Compose's, written as
// they are, so PGP/MIME signatures stay valid.
type SMTPSender struct {
	cfg SMTPConfig
	tls *tls.Config
}

// NewSMTPSender checks cfg and returns a sender. It does not connect.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: SMTP relay host is empty")
	}
	if strings.ContainsAny(cfg.Host, " \t\r\n/") {
		return nil, fmt.Errorf("mail: SMTP relay host %q is not a host name", cfg.Host)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d is not a port number", cfg.Port)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.StartTLS < StartTLSOpportunistic || cfg.StartTLS > StartTLSNever {
		return nil, fmt.Errorf("mail: unknown STARTTLS policy %d", cfg.StartTLS)
	}
	if cfg.HELO == "" {
		cfg.HELO = "localhost"
		if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \t\r\n") {
			cfg.HELO = h
		}
	}
	if strings.ContainsAny(cfg.HELO, " \t\r\n") {
		return nil, fmt.Errorf("mail: HELO name %q is not a host name", cfg.HELO)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("mail: SMTP password given without a user name")
	}
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = cfg.Host
		}
	}
	return &SMTPSender{cfg: cfg, tls: tlsConfig}, nil
}

// SendError is a failed SMTP send. Temporary says whether trying again
// later may succeed (a 4xx reply, a network or TLS problem); a 5xx reply is
// permanent.
type SendError struct {
	Host      string
	Stage     string // "connect", "MAIL FROM", "RCPT TO <addr>", "DATA"
	Code      int    // the SMTP reply code; 0 when there was none
	Temporary bool
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanently"
	if e.Temporary {
		kind = "temporarily"
	}
	return fmt.Sprintf("mail: sending through %s failed %s at %s: %v", e.Host, kind, e.Stage, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a send failure worth retrying.
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// Send composes o and sends it in one SMTP session. Errors before anything
// reached the relay (a bad address, an unusable key) are plain errors;
// failures on the wire are *SendError.
func (s *SMTPSender) Send(ctx context.Context, o *Outgoing) error {
	raw, _, err := Compose(o)
	if err != nil {
		return err
	}
	rcpts, err := o.Recipients()
	if err != nil {
		return err
	}
	envFrom := o.EnvelopeFrom
	if envFrom == "" {
		envFrom = o.From
	}
	ef, err := gomail.ParseAddress(envFrom)
	if err != nil {
		return fmt.Errorf("mail: envelope sender %q is not an address: %w", envFrom, err)
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	wire := func(stage string, err error) error {
		se := &SendError{Host: s.cfg.Host, Stage: stage, Err: err, Temporary: true}
		var sm *smtp.SMTPError
		var tp *textproto.Error
		switch {
		case errors.As(err, &sm):
			se.Code = sm.Code
			se.Temporary = sm.Code/100 == 4
		case errors.As(err, &tp):
			se.Code = tp.Code
			se.Temporary = tp.Code/100 == 4
		}
		if ctx.Err() != nil {
			se.Err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return se
	}
	c, err := s.dial(ctx)
	if err != nil {
		return wire("connect", err)
	}
	defer c.Close()

	if s.cfg.Username != "" {
		if err := s.auth(c); err != nil {
			return wire("AUTH", err)
		}
	}
	if err := c.Mail(ef.Address, nil); err != nil {
		return wire("MAIL FROM", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			_ = c.Reset()
			return wire("RCPT TO <"+r+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return wire("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return wire("DATA", err)
	}
	// Close sends the final "." and reads the reply: only a nil here means
	// the relay took responsibility for the message.
	if err := w.Close(); err != nil {
		return wire("DATA", err)
	}
	_ = c.Quit() // best effort: the message is sent by now
	return nil
}

// errNoStartTLS is what go-smtp's NewClientStartTLS says when the server does not offer
// the upgrade (it has no exported error for it).
const errNoStartTLS = "doesn't support STARTTLS"

// dial connects, greets and, as the policy says, upgrades the session to TLS.
func (s *SMTPSender) dial(ctx context.Context) (*smtp.Client, error) {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	connect := func() (net.Conn, error) {
		d := net.Dialer{Timeout: s.cfg.Timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		// Unblock reads and writes when ctx ends (cancelled, or the session's timeout):
		// go-smtp sets its own per-command deadlines, which would override ours.
		context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	client := func(c *smtp.Client) *smtp.Client {
		c.CommandTimeout, c.SubmissionTimeout = s.cfg.Timeout, s.cfg.Timeout
		return c
	}
	conn, err := connect()
	if err != nil {
		return nil, err
	}
	switch {
	case s.cfg.ImplicitTLS:
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS: %w", err)
		}
		return s.hello(client(smtp.NewClient(tc)))
	case s.cfg.StartTLS == StartTLSNever:
		return s.hello(client(smtp.NewClient(conn)))
	}
	// STARTTLS. go-smtp upgrades only while creating the client (its first EHLO says
	// "localhost"; the one after the upgrade says our HELO name).
	c, err := smtp.NewClientStartTLS(conn, s.tls)
	if err == nil {
		return s.hello(client(c))
	}
	var sm *smtp.SMTPError
	if errors.As(err, &sm) || !strings.Contains(err.Error(), errNoStartTLS) {
		return nil, fmt.Errorf("STARTTLS: %w", err) // a refusal or a TLS failure: never fall back to clear text
	}
	if s.cfg.StartTLS == StartTLSMandatory {
		return nil, errors.New("the relay does not offer STARTTLS, which this sender requires")
	}
	// Opportunistic and not offered: send in the clear on a new connection.
	if conn, err = connect(); err != nil {
		return nil, err
	}
	return s.hello(client(smtp.NewClient(conn)))
}

func (s *SMTPSender) hello(c *smtp.Client) (*smtp.Client, error) {
	if err := c.Hello(s.cfg.HELO); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// auth authenticates with PLAIN or LOGIN (whichever the relay offers, PLAIN first),
// only over TLS or to a loopback relay, so the password never crosses a network in
// the clear.
func (s *SMTPSender) auth(c *smtp.Client) error {
	if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(s.cfg.Host) {
		return errors.New("refusing to send the SMTP password over a connection without TLS (use STARTTLS or implicit TLS)")
	}
	var a sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		a = sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)
	case c.SupportsAuth(sasl.Login):
		a = sasl.NewLoginClient(s.cfg.Username, s.cfg.Password)
	default:
		_, offered := c.Extension("AUTH")
		return fmt.Errorf("the relay offers no AUTH mechanism sirt can use (PLAIN, LOGIN); it offers %q", offered)
	}
	return c.Auth(a)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
