package cli

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/server"
)

// domainCommands are the capability commands. Each capability adds its own list here.
func domainCommands() []*command {
	var out []*command
	out = append(out, keyCommands()...)
	out = append(out, planCommands()...)
	out = append(out, advisoryCommands()...)
	out = append(out, caseCommands()...)
	out = append(out, engagementCommands()...)
	out = append(out, surveyCommands()...)
	out = append(out, postmortemCommands()...)
	out = append(out, directoryCommands()...)
	out = append(out, depsCommands()...)
	out = append(out, metricsCommands()...)
	out = append(out, devCommands()...)
	return out
}

// serveModules builds the capability modules plugged into the server, and any extra
// listeners (the SMTP intake).
func serveModules(ctx context.Context, a *app.App) ([]server.Module, []server.Listener, error) {
	if _, created, err := a.EnsureTeamKey(ctx); err != nil {
		return nil, nil, err
	} else if created {
		a.Log.Info("generated the team OpenPGP key; it is published at /team-key.asc")
	}
	for _, w := range a.SecurityTxtWarnings(ctx) { // an expired security.txt, an unroutable Contact
		a.Log.Warn("security.txt: " + w)
	}
	var extra []server.Listener
	if a.Cfg.SMTPAddr != "" {
		domain := a.Cfg.IntakeAddress[strings.LastIndex(a.Cfg.IntakeAddress, "@")+1:]
		l, err := net.Listen("tcp", a.Cfg.SMTPAddr)
		if err != nil {
			return nil, nil, fmt.Errorf("--smtp-addr %s: %w", a.Cfg.SMTPAddr, err)
		}
		srv := mail.NewServer(mail.ServerConfig{Domain: domain, Logger: a.Log, Limit: mail.NewRateLimit(a.Cfg.SMTPBurst, a.Cfg.SMTPEvery)}, a.Intake.Deliver)
		extra = append(extra, &smtpListener{srv: srv, l: l})
		a.Log.Info("SMTP intake listening", "addr", l.Addr().String(), "domain", domain)
	}
	return nil, extra, nil
}

type smtpListener struct {
	srv *mail.Server
	l   net.Listener
}

func (s *smtpListener) Serve(context.Context) error {
	err := s.srv.Serve(s.l)
	if err != nil && strings.Contains(err.Error(), "closed") {
		return nil
	}
	return err
}

func (s *smtpListener) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
