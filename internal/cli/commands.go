package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/server"
)

func allCommands() []*command {
	var (
		email, name, role, scopes string
		pwStdin, force            bool
	)
	userFlags := func(fs *flag.FlagSet, _ *config.Config) {
		fs.StringVar(&email, "email", "", "the user's email `address`")
		fs.StringVar(&name, "name", "", "the user's name")
		fs.StringVar(&role, "role", "", "global `role`: admin, pgm, responder or member")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	}
	cmds := []*command{
		{name: "serve", summary: "Run sirt: the web UI, the API, the job workers (and the SMTP intake with --smtp-addr).", serve: true, run: runServe},
		{name: "migrate", args: "[status]", summary: "Apply pending database migrations, or list them with 'status'.", data: true, run: runMigrate},
		{name: "user add", summary: "Add a user (non-interactive with --password-stdin).", data: true, flags: userFlags,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if email == "" || role == "" {
					return usagef("--email and --role are required")
				}
				r, err := authz.ParseRole(role)
				if err != nil {
					return usagef("--role: %v", err)
				}
				pw, err := readPassword(env, pwStdin)
				if err != nil {
					return err
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				u, err := a.Accounts.CreateUser(ctx, app.SystemActor("user add"), account.NewUser{Email: email, Name: name, Role: r, Password: pw})
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "added %s (%s), id %d\n", u.Email, u.Role, u.ID)
				return nil
			}},
		{name: "user list", summary: "List users.", data: true, run: runUserList},
		{name: "user disable", summary: "Disable a user: their sessions end and their tokens are revoked.", data: true, flags: userFlags,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if email == "" {
					return usagef("--email is required")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				u, err := a.Accounts.DisableUserByEmail(ctx, app.SystemActor("user disable"), email)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "disabled %s\n", u.Email)
				return nil
			}},
		{name: "token create", summary: "Create an API token for a user; prints the token alone on stdout.", data: true,
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.StringVar(&email, "email", "", "the user's email `address`")
				fs.StringVar(&name, "name", "", "what the token is for")
				fs.StringVar(&scopes, "scopes", "read,write", "comma-separated scopes: read, write")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if email == "" || name == "" {
					return usagef("--email and --name are required")
				}
				var sc []authz.TokenScope
				for _, s := range strings.Split(scopes, ",") {
					if s = strings.TrimSpace(s); s != "" {
						sc = append(sc, authz.TokenScope(s))
					}
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				u, err := a.Accounts.UserByEmail(ctx, email)
				if err != nil {
					return fmt.Errorf("no user with the address %s (add one with 'sirt user add')", email)
				}
				secret, _, err := a.Accounts.CreateToken(ctx, app.SystemActor("token create"), u.ID, account.NewToken{Name: name, Scopes: sc})
				if err != nil {
					return err
				}
				fmt.Fprintln(env.Stdout, secret)
				return nil
			}},
		{name: "backup", args: "FILE", summary: "Write a consistent snapshot of the live SQLite database to FILE (PostgreSQL: use pg_dump).", data: true,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the backup file: sirt backup --data DIR FILE")
				}
				if c.DB != "" {
					return errors.New("PostgreSQL is backed up with pg_dump, not sirt: pg_dump -Fc -f sirt.dump \"$SIRT_DB\" (see docs/operations.md)")
				}
				d, err := db.Open(ctx, c.DBOptions())
				if err != nil {
					return err
				}
				defer d.Close()
				if err := d.Backup(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "backup written to %s\n", args[0])
				return nil
			}},
		{name: "restore", args: "FILE", summary: "Replace the SQLite database with a backup FILE (stop sirt first).", data: true,
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.BoolVar(&force, "force", false, "replace an existing database")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the backup file: sirt restore --data DIR FILE")
				}
				if c.DB != "" {
					return errors.New("PostgreSQL is restored with pg_restore, not sirt (see docs/operations.md)")
				}
				return restore(ctx, env, c, args[0], force)
			}},
		{name: "audit verify", summary: "Check the audit trail's hash chain; names the first bad entry.", data: true,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				d, err := db.Open(ctx, c.DBOptions())
				if err != nil {
					return err
				}
				defer d.Close()
				n, err := events.Verify(ctx, d.Read())
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "audit trail intact: %d entries verified\n", n)
				return nil
			}},
		{name: "version", summary: "Print the version.", run: func(_ context.Context, env Env, _ *config.Config, _ *flag.FlagSet, _ []string) error {
			fmt.Fprintf(env.Stdout, "sirt %s\n", app.Version)
			return nil
		}},
	}
	return append(cmds, domainCommands()...)
}

func readPassword(env Env, fromStdin bool) (string, error) {
	if !fromStdin {
		return "", usagef("give the password on standard input with --password-stdin (it is never taken as a flag, which would show in the process list)")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("--password-stdin: standard input is empty")
	}
	return pw, nil
}

func runMigrate(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
	d, err := db.Open(ctx, c.DBOptions())
	if err != nil {
		return err
	}
	defer d.Close()
	switch {
	case len(args) == 0:
		if err := d.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "database is up to date")
		return nil
	case len(args) == 1 && args[0] == "status":
		st, err := d.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(tw, "%05d\t%s\t%s\n", m.Version, m.Name, state)
		}
		return tw.Flush()
	}
	return usagef("unknown argument %q (want nothing, or 'status')", strings.Join(args, " "))
}

func runUserList(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, _ []string) error {
	a, err := openApp(ctx, env, c)
	if err != nil {
		return err
	}
	defer a.Close()
	us, err := a.Accounts.ListUsers(ctx, app.SystemActor("user list"), 0, 500)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tTOTP\tSTATE")
	for _, u := range us {
		state, totp := "active", "off"
		if u.Disabled {
			state = "disabled"
		}
		if u.TOTPEnabled {
			totp = "on"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, totp, state)
	}
	return tw.Flush()
}

func restore(ctx context.Context, env Env, c *config.Config, file string, force bool) error {
	src, err := db.Open(ctx, db.Options{Path: file})
	if err != nil {
		return fmt.Errorf("%s is not a usable SQLite database: %w", file, err)
	}
	var ok string
	err = src.Read().QueryRow(ctx, "PRAGMA integrity_check").Scan(&ok)
	src.Close()
	if err != nil || ok != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check (%v %s)", file, err, ok)
	}
	target := c.SQLitePath()
	if _, err := os.Stat(target); err == nil && !force {
		return fmt.Errorf("%s exists; stop sirt and run again with --force to replace it", target)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}
	tmp := target + ".restore"
	if err := copyFile(file, tmp); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(target + suffix)
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	d, err := db.Open(ctx, c.DBOptions())
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	n, err := events.Verify(ctx, d.Read())
	if err != nil {
		return fmt.Errorf("restored, but the audit trail does not verify: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restored %s from %s (%d audit entries verified)\n", target, file, n)
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func runServe(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	start := time.Now()
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.LogLevel]
	var h slog.Handler = slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level})
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(h)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := env.AppOptions
	o.Log = log
	if c.SMTPRelay != "" && o.Mailer == nil {
		host, port, err := net.SplitHostPort(c.SMTPRelay)
		if err != nil {
			return usagef("--smtp-relay: %q is not host:port", c.SMTPRelay)
		}
		p, _ := strconv.Atoi(port)
		sender, err := mail.NewSMTPSender(mail.SMTPConfig{Host: host, Port: p, Username: c.SMTPUser, Password: c.SMTPPassword})
		if err != nil {
			return fmt.Errorf("--smtp-relay: %w", err)
		}
		o.Mailer = sender
	}
	a, err := app.Open(ctx, *c, o)
	if err != nil {
		return err
	}
	defer a.Close()
	if n, err := a.Outbox.ReleaseHeld(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("queued held messages now that a relay is configured", "messages", n)
	}
	mods, extra, err := serveModules(ctx, a)
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, a, mods...)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", c.Addr, err)
	}
	log.Info("sirt started", "version", app.Version, "db", a.Describe(), "url", c.BaseURL, "startup_ms", time.Since(start).Milliseconds())
	fmt.Fprintf(env.Stdout, "sirt is running at %s (%s)\n", c.BaseURL, a.Describe())
	if tok, err := a.Accounts.SetupLink(ctx); err != nil {
		return err
	} else if tok != "" {
		fmt.Fprintf(env.Stdout, "No users yet. Create the first admin here (one-time link, valid 24 hours):\n  %s/setup/%s\n", c.BaseURL, tok)
	}
	return srv.Run(ctx, l, extra...)
}
