// Package server puts sirt on the network: one ServeMux carrying the HTML pages, the
// JSON API, health and metrics, wrapped in the middleware every request passes
// (request id and access log, panic recovery, security headers, cross-origin
// protection, authentication); and Run, which serves it with the job workers until
// SIGTERM and then shuts down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/oss-sirt/sirt/internal/api"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/jobs"
	sirtmetrics "github.com/oss-sirt/sirt/internal/metrics"
	"github.com/oss-sirt/sirt/internal/settings"
	"github.com/oss-sirt/sirt/internal/web"
)

// Server is sirt's HTTP side.
type Server struct {
	App     *app.App
	API     *api.API
	Web     *web.Handlers
	Mux     *http.ServeMux
	Handler http.Handler
	metrics *metrics
}

// Module is a capability that plugs its routes into the server (intake, cases…).
type Module interface {
	Register(s *Server)
}

// The web's signing key is a server secret: encrypted at rest with --secret-key-file.
func init() { settings.RegisterSecret(ticketKeySetting) }

const ticketKeySetting = "web.ticket_key"

// New builds the handler tree for a.
func New(ctx context.Context, a *app.App, modules ...Module) (*Server, error) {
	key, err := a.Settings.Secret(ctx, ticketKeySetting)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{App: a, Mux: http.NewServeMux(), metrics: newMetrics()}
	if s.Web, err = web.New(a, key); err != nil {
		return nil, err
	}
	s.API = api.New(a, s.Mux)
	s.Web.ReportLimiter = s.API.ReportLimiter
	s.Web.ApplyLimiter = s.API.ApplyLimiter
	s.Web.Register(s.Mux)
	for _, m := range modules {
		m.Register(s)
	}
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.Mux.HandleFunc("GET /readyz", s.readyz)
	s.Mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	s.Mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		api.WriteProblem(w, http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path+" (see /api/v1/openapi.json)")
	})
	a.Jobs.OnDone = func(kind, outcome string, _ time.Duration) { s.metrics.jobs.WithLabelValues(kind, outcome).Inc() }
	s.metrics.reg.MustRegister(newQueueCollector(a.Jobs, a.Log), sirtmetrics.NewCollector(a.Metrics))

	cop := http.NewCrossOriginProtection()
	// API clients authenticate with bearer tokens, which browsers do not attach by
	// themselves; cross-origin protection is for cookie-authenticated forms.
	ip := newIdempotency(a.DB, a.Clock)
	a.Jobs.Register("idempotency.prune", jobs.Handler{Run: func(ctx context.Context, _ jobs.Job) error { return ip.prune(ctx) }})
	a.Jobs.Every("idempotency.prune", time.Hour, struct{}{})
	var h http.Handler = s.Mux
	h = ip.middleware(h)
	h = authenticate(a.Accounts, h)
	h = api.RememberIP(h)
	trusted, err := a.Cfg.TrustedProxyNets()
	if err != nil {
		return nil, err
	}
	h = clientAddress(trusted, a.Cfg.ProxyHeader, h)
	h = cop.Handler(h)
	h = securityHeaders(strings.HasPrefix(a.Cfg.BaseURL, "https://"), h)
	h = limitBodies(h)
	s.Handler = observe(a.Log, s.metrics, s.Mux, h)
	return s, nil
}

// limitBodies caps every request body (the API's own limits are tighter per route;
// uploads raise theirs explicitly).
func limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 64<<20 {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				api.WriteProblem(w, http.StatusRequestEntityTooLarge, "the request body is larger than the limit of 64 MiB")
			} else {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			}
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.App.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database not reachable")
		return
	}
	if pending, err := s.App.DB.HasPending(ctx); err != nil || pending {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database migrations pending")
		return
	}
	fmt.Fprintln(w, "ready")
}

// Listener is something else Run serves alongside HTTP (the SMTP intake listener).
type Listener interface {
	Serve(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// Run serves HTTP on l (and the extra listeners) with the job workers until ctx is
// cancelled, then stops accepting, lets requests and jobs in flight finish within the
// grace period and returns.
func (s *Server) Run(ctx context.Context, l net.Listener, extra ...Listener) error {
	a := s.App
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	if a.Cfg.Workers > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); a.Jobs.Start(jobsCtx, a.Cfg.Workers, time.Second) }()
	}
	errc := make(chan error, 1+len(extra))
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	for _, x := range extra {
		go func() {
			if err := x.Serve(ctx); err != nil {
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	a.Log.Info("shutting down", "grace", a.Cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownGrace)
	defer cancel()
	for _, x := range extra {
		_ = x.Shutdown(sctx)
	}
	if err := srv.Shutdown(sctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("http shutdown: %w", err))
	}
	stopJobs()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		a.Log.Warn("jobs still running at the end of the grace period; they will be retried after their lease")
	}
	return runErr
}
