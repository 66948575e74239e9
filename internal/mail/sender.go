package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"time"

	gomail "github.com/emersion/go-message/mail"
	wmail "github.com/wneessen/go-mail"
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

// SMTPSender sends mail through an SMTP relay with github.com/wneessen/go-mail
// handling the session (STARTTLS policy, AUTH, timeouts). The message bytes
// are Compose's, written as they are, so PGP/MIME signatures stay valid.
type SMTPSender struct {
	cfg SMTPConfig
}

// NewSMTPSender checks cfg and returns a sender. It does not connect.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: SMTP relay host is empty")
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
	if _, err := wmail.NewClient(cfg.Host, cfg.options()...); err != nil {
		return nil, fmt.Errorf("mail: SMTP relay settings: %w", err)
	}
	return &SMTPSender{cfg: cfg}, nil
}

func (c SMTPConfig) options() []wmail.Option {
	tlsConfig := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if c.TLSConfig != nil {
		tlsConfig = c.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = c.Host
		}
	}
	opts := []wmail.Option{
		wmail.WithPort(c.Port),
		wmail.WithTimeout(c.Timeout),
		wmail.WithTLSConfig(tlsConfig),
	}
	switch {
	case c.ImplicitTLS:
		opts = append(opts, wmail.WithSSL())
	case c.StartTLS == StartTLSMandatory:
		opts = append(opts, wmail.WithTLSPolicy(wmail.TLSMandatory))
	case c.StartTLS == StartTLSNever:
		opts = append(opts, wmail.WithTLSPolicy(wmail.NoTLS))
	default:
		opts = append(opts, wmail.WithTLSPolicy(wmail.TLSOpportunistic))
	}
	if c.Username != "" {
		opts = append(opts, wmail.WithSMTPAuth(wmail.SMTPAuthAutoDiscover),
			wmail.WithUsername(c.Username), wmail.WithPassword(c.Password))
	} else {
		opts = append(opts, wmail.WithSMTPAuth(wmail.SMTPAuthNoAuth))
	}
	if c.HELO != "" {
		opts = append(opts, wmail.WithHELO(c.HELO))
	}
	return opts
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

	client, err := wmail.NewClient(s.cfg.Host, s.cfg.options()...)
	if err != nil {
		return fmt.Errorf("mail: SMTP relay settings: %w", err)
	}
	wire := func(stage string, err error) error {
		se := &SendError{Host: s.cfg.Host, Stage: stage, Err: err, Temporary: true}
		var tp *textproto.Error
		if errors.As(err, &tp) {
			se.Code = tp.Code
			se.Temporary = tp.Code/100 == 4
		}
		if ctx.Err() != nil {
			se.Err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return se
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return wire("connect", err)
	}
	// Unblock reads and writes when ctx ends; go-mail only watches ctx while dialing.
	stop := context.AfterFunc(ctx, func() { sc.Close() })
	defer stop()
	defer client.CloseWithSMTPClient(sc) // QUIT, best effort: the message is sent or not by then

	if err := sc.Mail(ef.Address); err != nil {
		return wire("MAIL FROM", err)
	}
	for _, r := range rcpts {
		if err := sc.Rcpt(r); err != nil {
			sc.Reset()
			return wire("RCPT TO <"+r+">", err)
		}
	}
	w, err := sc.Data()
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
	return nil
}
