package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/realclientip/realclientip-go"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/reqctx"
)

// statusWriter records the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request (never its query string: capability tokens live in URLs)
// and records metrics, with panics turned into a 500 that names the request id.
func observe(log *slog.Logger, m *metrics, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		ctx := reqctx.WithRequestID(r.Context(), id)
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic serving request", "request_id", id, "method", r.Method, "route", r.Pattern, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "internal error; request id "+id, http.StatusInternalServerError)
				}
			}
			// The mux sets Pattern on the request it hands the handler, not on ours, so
			// look the route up (a map lookup; no handler runs).
			_, route := mux.Handler(r)
			if route == "" {
				route = "unmatched"
			}
			m.requests.WithLabelValues(route, fmt.Sprint(sw.status)).Inc()
			m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			log.Info("http", "request_id", id, "method", r.Method, "route", route, "path", redactPath(r.URL.Path),
				"status", sw.status, "bytes", sw.bytes, "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// redactPath drops capability tokens from logged paths (/track/TOKEN, /setup/TOKEN…).
func redactPath(p string) string {
	for _, prefix := range []string{"/track/", "/setup/", "/invite/", "/reset/", "/t/", "/s/"} { // /s/: survey links
		if strings.HasPrefix(p, prefix) {
			return prefix + "…"
		}
	}
	return p
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// securityHeaders sets a strict CSP (no inline script or style) and the usual headers.
func securityHeaders(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Capability URLs (tracking links) must not leak through Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "sirt_session"

// authenticate resolves the actor: a Bearer token (API clients) or the session cookie
// (browsers). A bad bearer token is remembered so the API can answer 401 rather than
// treating the caller as anonymous.
func authenticate(acc *account.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		actor := authz.Anonymous()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, secret, _ := strings.Cut(h, " ")
			if strings.EqualFold(scheme, "Bearer") {
				if a, u, err := acc.TokenActor(ctx, strings.TrimSpace(secret)); err == nil {
					actor = a
					ctx = reqctx.WithUser(ctx, u)
				} else {
					ctx = reqctx.WithBadToken(ctx)
				}
			} else {
				ctx = reqctx.WithBadToken(ctx)
			}
		} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if u, sess, err := acc.SessionUser(ctx, c.Value); err == nil {
				actor = u.Actor()
				ctx = reqctx.WithUser(ctx, u)
				ctx = reqctx.WithSession(ctx, c.Value, sess.CSRF)
			}
		}
		ctx = reqctx.WithActor(ctx, actor)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	jobs     *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sirt_http_requests_total", Help: "HTTP requests by route pattern and status."}, []string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sirt_http_request_duration_seconds", Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sirt_jobs_total", Help: "Job runs by kind and outcome (done, retry, dead)."}, []string{"kind", "outcome"})
	m.reg.MustRegister(m.requests, m.duration, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// clientAddress works out who the client is, for rate limits and logs. Directly
// connected clients are their peer address. Behind a reverse proxy in trusted (the
// --trusted-proxies setting), the client is the right-most address in header (the one
// the proxies append to, --proxy-header) that is not itself a trusted proxy: addresses
// left of it were written by the client and prove nothing. From a peer that is not
// trusted, the header is ignored, so nobody can choose their own bucket by sending one.
// An entry that is not an address where the client should be leaves the request keyed
// on the peer (the proxy), never on something the client wrote.
func clientAddress(trusted []net.IPNet, header string, next http.Handler) http.Handler {
	var fromHeader realclientip.Strategy
	if len(trusted) > 0 {
		if header == "" {
			header = "X-Forwarded-For"
		}
		s, err := realclientip.NewRightmostTrustedRangeStrategy(header, trusted)
		if err == nil {
			fromHeader = s
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := peerAddress(r.RemoteAddr)
		if fromHeader != nil && inNets(ip, trusted) {
			if c := fromHeader.ClientIP(r.Header, r.RemoteAddr); c != "" {
				ip = normalizeIP(c)
			}
		}
		next.ServeHTTP(w, r.WithContext(reqctx.WithClientIP(r.Context(), ip)))
	})
}

// peerAddress is the connection's address without port (and IPv4-mapped IPv6 as IPv4).
func peerAddress(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	return normalizeIP(host)
}

func normalizeIP(s string) string {
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return s
	}
	return a.Unmap().WithZone("").String()
}

func inNets(ip string, nets []net.IPNet) bool {
	p := net.ParseIP(ip)
	if p == nil {
		return false
	}
	for _, n := range nets {
		if n.Contains(p) {
			return true
		}
	}
	return false
}
