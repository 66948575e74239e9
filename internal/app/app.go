// Package app wires sirt together: it opens and migrates the database and builds every
// domain service with the same clock, event log and job queue. It holds no HTTP; the
// server package serves an App, and the CLI uses one for its commands.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/deps"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/engagements"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/knowledge"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/metrics"
	"github.com/oss-sirt/sirt/internal/netguard"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/plan"
	"github.com/oss-sirt/sirt/internal/postmortem"
	"github.com/oss-sirt/sirt/internal/ratelimit"
	"github.com/oss-sirt/sirt/internal/settings"
	"github.com/oss-sirt/sirt/internal/survey"
	"github.com/oss-sirt/sirt/internal/templates"
)

// Version is set at build time with -ldflags "-X github.com/oss-sirt/sirt/internal/app.Version=…".
var Version = "dev"

// App is a running sirt's services.
type App struct {
	Cfg      config.Config
	DB       *db.DB
	Clock    clock.Clock
	Log      *slog.Logger
	Events   *events.Log
	Jobs     *jobs.Queue
	Accounts *account.Service
	Settings *settings.Service
	Started  time.Time
	// RateLimits keeps the rate-limit buckets: in the database on PostgreSQL (shared by
	// every replica), in memory on SQLite. Limiters are ratelimit.NewShared on it.
	RateLimits ratelimit.Store

	Templates *templates.Store
	Outbox    *notify.Service
	// Outbound guards requests sirt makes to URLs people give it (webhooks).
	Outbound *netguard.Guard
	Intake   *intake.Service
	Plan     *plan.Service
	// Advisories drafts, reviews, schedules, publishes and exports advisories.
	Advisories *advisory.Service
	// Cases coordinates vulnerabilities among many parties under embargo.
	Cases *cases.Service
	// Engagements is the security-buddy programme and outreach.
	Engagements *engagements.Service
	// Postmortems is the blameless after-action reviews (post-mortems).
	Postmortems *postmortem.Service
	// People is the roster, on-call duty, recruitment and cohorts; Knowledge the
	// team's versioned documents, playbooks and training.
	People    *people.Service
	Knowledge *knowledge.Service
	// Surveys are the team's surveys and the participant feedback of closed cases.
	Surveys *survey.Service
	// Directory is the organisations the team reaches, case fan-out and SIREN lists.
	Directory *directory.Service
	// Deps is the dependency graph: who depends on a package (SetMaintainers wires the directory).
	Deps *deps.Service
	// Metrics computes SLIs from the event log, the TAC reports and the transparency page.
	Metrics *metrics.Service

	keys keyCache
}

// Options adjust Open (tests inject a fake clock and cheap password hashing).
type Options struct {
	Clock     clock.Clock
	Log       *slog.Logger
	Argon     account.ArgonParams
	NoMigrate bool
	// Mailer sends outbound mail; nil means messages are held in the outbox.
	Mailer mail.Sender
}

// Open opens the database named by cfg, migrates it and builds the services.
func Open(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := cfg.CheckDataDir(); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DBOptions())
	if err != nil {
		return nil, err
	}
	if !o.NoMigrate {
		if err := d.Migrate(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	a := New(cfg, d, o)
	if err := a.unlockSecrets(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// unlockSecrets loads --secret-key-file, checks it against the secrets in the database
// and encrypts those still stored in the clear. Without a key, encrypted secrets stay
// unreadable and the first use names the setting to give.
func (a *App) unlockSecrets(ctx context.Context) error {
	if a.Cfg.SecretKeyFile == "" {
		return nil
	}
	key, err := settings.ReadKeyFile(a.Cfg.SecretKeyFile)
	if err != nil {
		return err
	}
	if err := a.Settings.UseKey(ctx, key); err != nil {
		if errors.Is(err, settings.ErrWrongKey) {
			return fmt.Errorf("%w (file %s)", err, a.Cfg.SecretKeyFile)
		}
		return fmt.Errorf("--secret-key-file: %w", err)
	}
	return nil
}

// New builds the services on an open, migrated database.
func New(cfg config.Config, d *db.DB, o Options) *App {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &App{Cfg: cfg, DB: d, Clock: o.Clock, Log: o.Log, Started: time.Now()}
	a.Events = events.New(a.Clock)
	a.Jobs = jobs.New(d, a.Clock, a.Log)
	a.RateLimits = ratelimit.StoreFor(d)
	a.Accounts = account.New(d, a.Clock, a.Events, account.Config{Argon: o.Argon, Issuer: cfg.Team, Limits: a.RateLimits})
	a.Settings = settings.New(d, a.Clock, a.Events)
	a.Templates = templates.New(a.Settings)
	a.Outbox = notify.New(d, a.Clock, a.Jobs, notify.Config{From: fmt.Sprintf("%s <%s>", cfg.Team, cfg.MailFrom), Host: mailHost(cfg), Intake: cfg.IntakeAddress},
		o.Mailer, a.TeamKey)
	a.Outbound, _ = netguard.New(cfg.OutboundAllow, cfg.BaseURL) // checked by cfg.Validate
	if a.Outbound == nil {
		a.Outbound = netguard.MustNew(nil, cfg.BaseURL)
	}
	a.Outbox.SetGuard(a.Outbound)
	a.Intake = intake.New(d, a.Clock, a.Events, a.Jobs, &intake.Files{Dir: cfg.Files}, intake.Config{IDPrefix: cfg.IDPrefix, BaseURL: cfg.BaseURL,
		Team: cfg.Team, Calendar: teamCalendar(cfg), Policy: calendar.DefaultPolicy(), AuthservID: cfg.AuthservID}, a.Log)
	a.Intake.SetMessaging(intake.Messaging{Templates: a.Templates, Outbox: a.Outbox})
	a.Intake.SetTeamKey(a.TeamKey)
	a.Advisories = advisory.New(d, a.Clock, a.Events, a.Jobs, advisory.Config{IDPrefix: cfg.IDPrefix, OSVPrefix: cfg.OSVPrefix,
		Team: cfg.Team, BaseURL: cfg.BaseURL, Version: Version}) // registers the job "advisory.publish"
	a.Plan = plan.New(d, a.Clock, a.Events)
	a.Cases = cases.New(cases.Deps{DB: d, Clock: a.Clock, Events: a.Events, Jobs: a.Jobs, Outbox: a.Outbox, Templates: a.Templates,
		Intake: a.Intake, Log: a.Log}, cases.Config{IDPrefix: cfg.IDPrefix, BaseURL: cfg.BaseURL, Team: cfg.Team,
		Calendar: teamCalendar(cfg), Policy: calendar.DefaultPolicy(), Version: Version}) // registers the cases.* jobs and intake's reply router
	a.Advisories.SetCases(a.Cases)
	a.Advisories.SetEmbargoGuard(a.Cases) // advisories publish no earlier than their case's public date
	a.Advisories.SetSettings(a.Settings)  // CNA org id and short name of CVE exports
	a.Cases.SetAdvisories(a.Advisories)   // and follow it when it moves or the case goes public
	a.Intake.SetOpenCase(a.Cases.OpenFromReportTx)
	a.Intake.SetOnMerged(a.Cases.DuplicateMerged) // a duplicate's finder joins the case and is credited
	a.Engagements = engagements.New(engagements.Deps{DB: d, Clock: a.Clock, Events: a.Events, Jobs: a.Jobs, Outbox: a.Outbox, Templates: a.Templates, Log: a.Log},
		engagements.Config{Team: cfg.Team, BaseURL: cfg.BaseURL}) // registers the engagements.* jobs
	a.People = people.New(d, a.Clock, a.Events, a.Outbox, people.Config{Team: cfg.Team, BaseURL: cfg.BaseURL})
	a.People.RegisterJobs(a.Jobs) // the on-call notifier
	a.Knowledge = knowledge.New(d, a.Clock, a.Events, a.Cases)
	a.People.SetInviter(a.Accounts)   // onboarded candidates get a sign-up link
	a.People.SetTraining(a.Knowledge) // the yearly cycle reminds re-education due dates
	a.Surveys = survey.New(survey.Deps{DB: d, Clock: a.Clock, Events: a.Events, Jobs: a.Jobs, Outbox: a.Outbox, Limits: a.RateLimits, Log: a.Log},
		survey.Config{Team: cfg.Team, BaseURL: cfg.BaseURL}) // registers the survey.* jobs
	a.Postmortems = postmortem.New(postmortem.Deps{DB: d, Clock: a.Clock, Events: a.Events, Jobs: a.Jobs, Outbox: a.Outbox, Cases: a.Cases, Log: a.Log},
		postmortem.Config{Team: cfg.Team, BaseURL: cfg.BaseURL}) // registers postmortem.action_reminders
	a.Postmortems.SetFeedback(a.Surveys) // participant feedback answers appear in the post-mortem
	a.Directory = directory.New(directory.Deps{DB: d, Clock: a.Clock, Events: a.Events, Jobs: a.Jobs, Outbox: a.Outbox, Cases: a.Cases,
		Templates: a.Templates, Guard: a.Outbound, Log: a.Log}, directory.Config{Team: cfg.Team, BaseURL: cfg.BaseURL, Host: mailHost(cfg)})
	a.Deps = deps.New(d, a.Clock, a.Events)
	a.Deps.SetMaintainers(a.Directory) // dependents carry the organisations that maintain them
	a.Directory.SetReach(a.Deps)       // notifications and suggestions reach dependents
	a.Metrics = metrics.New(metrics.Deps{DB: d, Clock: a.Clock, Events: a.Events, Log: a.Log},
		metrics.Config{Team: cfg.Team, BaseURL: cfg.BaseURL, Calendar: teamCalendar(cfg), Policy: calendar.DefaultPolicy()})
	a.registerJobs()
	return a
}

func (a *App) registerJobs() {
	a.Jobs.Register("maintenance.prune", jobs.Handler{Run: func(ctx context.Context, _ jobs.Job) error {
		if err := a.Accounts.PruneSessions(ctx); err != nil {
			return err
		}
		if err := a.RateLimits.Prune(ctx, a.Clock.Now()); err != nil {
			return err
		}
		_, err := a.Jobs.Prune(ctx, 7*24*time.Hour)
		return err
	}})
	a.Jobs.Every("maintenance.prune", time.Hour, struct{}{})
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// SystemActor is the actor for work the operator does through the CLI.
func SystemActor(what string) authz.Actor { return authz.System("cli:" + what) }

// Describe names the database for logs without secrets.
func (a *App) Describe() string {
	if a.DB.Dialect() == db.Postgres {
		return "PostgreSQL"
	}
	return fmt.Sprintf("SQLite %s", a.DB.Path())
}

// mailHost is the host part of the intake address, used in Message-IDs.
func mailHost(cfg config.Config) string {
	if i := strings.LastIndex(cfg.IntakeAddress, "@"); i >= 0 {
		return cfg.IntakeAddress[i+1:]
	}
	return "sirt.localhost"
}

// teamCalendar is the configured calendar (Validate has checked it), or the default.
func teamCalendar(cfg config.Config) calendar.Calendar {
	cal, err := cfg.Calendar()
	if err != nil {
		return calendar.Default()
	}
	return cal
}
