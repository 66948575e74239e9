package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/oss-sirt/sirt/internal/ratelimit"
)

// ServerConfig configures the inbound SMTP listener.
type ServerConfig struct {
	// Addr is the listen address for ListenAndServe, e.g. "127.0.0.1:2525".
	Addr string
	// Domain is the host name announced in the greeting; with a nil
	// AcceptRcpt it is also the only domain mail is accepted for.
	Domain string
	// MaxMessageBytes caps a message; bigger ones get "552". Default 25 MiB.
	MaxMessageBytes int64
	// MaxRecipients caps RCPT TO per message. Default 50.
	MaxRecipients int
	// AcceptRcpt says whether the server takes mail for an address (bare,
	// as given in RCPT TO). Others get "550" at RCPT time, so the server
	// never relays. Nil accepts every address at Domain.
	AcceptRcpt func(addr string) bool
	// DeliverTimeout bounds one call of deliver. Default 1 minute.
	DeliverTimeout time.Duration
	// ReadTimeout and WriteTimeout bound each network read and write.
	// Default 5 minutes and 1 minute (RFC 5321 section 4.5.3.2 asks servers
	// to wait at least 5 minutes for a command).
	ReadTimeout, WriteTimeout time.Duration
	// TLSConfig, if set, enables STARTTLS.
	TLSConfig *tls.Config
	// Logger receives connection and delivery errors. Default slog.Default().
	Logger *slog.Logger
	// Limit, if set, is asked at each MAIL FROM whether the client may send
	// another message; a non-nil error refuses it with a temporary "450 4.7.1"
	// (the sending server retries later). See RateLimit.
	Limit func(ctx context.Context, peer Peer, from string) error
}

// Allower is a rate limiter: one token for key, or how long to wait.
type Allower func(key string) (bool, time.Duration)

// RateLimitError is a message refused for now by a rate limit.
type RateLimitError struct {
	What string // "address" or "sender"
	Wait time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many messages from this %s; try again in %d seconds", e.What, int(e.Wait.Seconds()+0.999))
}

// NewRateLimit is RateLimit with token buckets (package ratelimit) of burst messages,
// then one per every, for each connecting address and each envelope sender.
func NewRateLimit(burst int, every time.Duration) func(ctx context.Context, peer Peer, from string) error {
	byAddr, bySender := ratelimit.New(every, burst), ratelimit.New(every, burst)
	return RateLimit(byAddr.Allow, bySender.Allow)
}

// RateLimit limits messages per connecting IP address and per envelope sender
// (MAIL FROM, lower-cased; the empty bounce sender is one sender). Either limiter
// may be nil.
func RateLimit(perAddress, perSender Allower) func(ctx context.Context, peer Peer, from string) error {
	return func(_ context.Context, peer Peer, from string) error {
		if perAddress != nil && peer.RemoteAddr != nil {
			host := peer.RemoteAddr.String()
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if ok, wait := perAddress(host); !ok {
				return &RateLimitError{What: "address", Wait: wait}
			}
		}
		if perSender != nil {
			if ok, wait := perSender(strings.ToLower(strings.TrimSpace(from))); !ok {
				return &RateLimitError{What: "sender", Wait: wait}
			}
		}
		return nil
	}
}

// DeliverFunc stores one accepted message. It runs before the server
// answers the DATA command: return nil only once the message is durable.
// rcpts are the accepted envelope recipients; from may be empty (a bounce).
// An error makes the server answer "451 try again later" (the sending MTA
// retries), unless it is a *RejectError, which answers a permanent "554".
type DeliverFunc func(ctx context.Context, from string, rcpts []string, raw []byte) error

// RejectError is a permanent refusal of a message by a DeliverFunc (for
// example, a sender on a block list). Reason is sent to the client: keep
// internals out of it.
type RejectError struct{ Reason string }

func (e *RejectError) Error() string { return "mail: message rejected: " + e.Reason }

// Server is an inbound SMTP server (RFC 5321) for the team's intake
// addresses: it takes mail for its own domain only, needs no AUTH, and hands
// each message to a DeliverFunc before acknowledging it.
type Server struct {
	cfg     ServerConfig
	deliver DeliverFunc
	smtp    *smtp.Server
	log     *slog.Logger
	ctx     context.Context // canceled by Close: stops deliveries in flight
	cancel  context.CancelFunc
}

// Peer describes the client of an SMTP session; PeerFromContext returns it
// inside a DeliverFunc (for rate limits and the audit trail).
type Peer struct {
	RemoteAddr net.Addr
	Helo       string
	TLS        bool
}

type peerKey struct{}

// PeerFromContext returns the SMTP client a DeliverFunc is called for.
func PeerFromContext(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// NewServer returns a Server; start it with ListenAndServe or Serve.
func NewServer(cfg ServerConfig, deliver DeliverFunc) *Server {
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 50
	}
	if cfg.DeliverTimeout <= 0 {
		cfg.DeliverTimeout = time.Minute
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AcceptRcpt == nil {
		domain := cfg.Domain
		cfg.AcceptRcpt = func(addr string) bool {
			_, d, ok := splitAddr(addr)
			return ok && strings.EqualFold(d, domain)
		}
	}
	s := &Server{cfg: cfg, deliver: deliver, log: cfg.Logger.With("component", "smtp")}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Addr
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.TLSConfig = cfg.TLSConfig
	srv.EnableSMTPUTF8 = true // we only store bytes; UTF-8 addresses are fine
	srv.ErrorLog = slogAdapter{s.log}
	s.smtp = srv
	return s
}

// ListenAndServe listens on cfg.Addr and serves until Close or Shutdown,
// when it returns nil.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: listen for SMTP on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(l)
}

// Serve serves SMTP on l until Close or Shutdown, when it returns nil.
func (s *Server) Serve(l net.Listener) error {
	return s.smtp.Serve(l)
}

// Close stops listening and drops every connection at once. A message whose
// delivery is cut short this way was not acknowledged, so its sender will
// retry it.
func (s *Server) Close() error {
	s.cancel()
	err := s.smtp.Close()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops listening and waits for sessions to end, until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.smtp.Shutdown(ctx)
	s.cancel()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, peer: Peer{RemoteAddr: c.Conn().RemoteAddr(), Helo: c.Hostname(), TLS: isTLS}, conn: c}, nil
}

type session struct {
	s     *Server
	peer  Peer
	conn  *smtp.Conn
	from  string
	rcpts []string
}

func (ss *session) Reset() {
	ss.from = ""
	ss.rcpts = nil
}

func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.Reset()
	if ss.s.cfg.Limit != nil {
		if err := ss.s.cfg.Limit(ss.s.ctx, ss.peer, from); err != nil {
			ss.s.log.Info("message refused for now", "remote", ss.peer.RemoteAddr.String(), "from", from, "reason", err.Error())
			return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Rate limited: " + oneLine(err.Error())}
		}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.s.cfg.AcceptRcpt(to) {
		return &smtp.SMTPError{
			Code:         550,
			EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message:      "No such mailbox here; this server only takes mail for its own intake addresses",
		}
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		// go-smtp's own errors carry the right reply (552 for size).
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message could not be read: " + err.Error()}
	}
	peer := ss.peer
	peer.Helo = ss.conn.Hostname()
	_, peer.TLS = ss.conn.TLSConnectionState()
	ctx, cancel := context.WithTimeout(context.WithValue(ss.s.ctx, peerKey{}, peer), ss.s.cfg.DeliverTimeout)
	defer cancel()
	rcpts := append([]string(nil), ss.rcpts...)
	if err := ss.s.deliver(ctx, ss.from, rcpts, raw); err != nil {
		var rej *RejectError
		if errors.As(err, &rej) {
			ss.s.log.Info("message rejected", "remote", peer.RemoteAddr.String(), "from", ss.from, "reason", rej.Reason)
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message rejected: " + oneLine(rej.Reason)}
		}
		ss.s.log.Error("storing an inbound message failed; told the client to retry", "remote", peer.RemoteAddr.String(), "from", ss.from, "bytes", len(raw), "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing the message; please try again later"}
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// slogAdapter lets go-smtp log through slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Println(v ...any)               { a.l.Warn(strings.TrimSpace(fmt.Sprintln(v...))) }
