// Package cli is the sirt command: a table of subcommands, each with its own flag set
// and --help. Usage errors exit with 2, failures with 1. Every command that touches
// data takes --data DIR or --db DSN (and SIRT_DATA / SIRT_DB).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
)

// Env is what a command runs with.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// AppOptions lets tests inject a clock or cheap hashing.
	AppOptions app.Options
}

// command is one subcommand.
type command struct {
	name    string // "user add"
	args    string // positional arguments for the usage line
	summary string
	flags   func(fs *flag.FlagSet, c *config.Config) // registers flags beyond the config's
	data    bool                                     // takes --data/--db
	serve   bool                                     // takes the serve flags
	run     func(ctx context.Context, env Env, c *config.Config, fs *flag.FlagSet, args []string) error
}

// usageError makes the command exit with 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Main runs sirt with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	commands := allCommands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(env.Stdout, commands)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, rest := find(commands, args)
	if cmd == nil {
		fmt.Fprintf(env.Stderr, "sirt: unknown command %q; run 'sirt help' for the list\n", strings.Join(args[:min(2, len(args))], " "))
		return 2
	}
	fs := flag.NewFlagSet("sirt "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg := config.Defaults()
	if cmd.serve {
		cfg.ServeFlags(fs)
	} else if cmd.data {
		cfg.DataFlags(fs)
	}
	if cmd.flags != nil {
		cmd.flags(fs, &cfg)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: sirt %s [flags] %s\n\n%s\n\nFlags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // flag has printed the problem and the usage
	}
	if err := config.ApplyEnv(fs, env.Getenv); err != nil {
		fmt.Fprintf(env.Stderr, "sirt %s: %v\n", cmd.name, err)
		return 2
	}
	if cmd.data || cmd.serve {
		if err := cfg.Validate(); err != nil {
			fmt.Fprintf(env.Stderr, "sirt %s: %v\n", cmd.name, err)
			return 2
		}
	}
	if err := cmd.run(ctx, env, &cfg, fs, pos); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "sirt %s: %v\nrun 'sirt %s --help' for usage\n", cmd.name, err, cmd.name)
			return 2
		}
		fmt.Fprintf(env.Stderr, "sirt %s: %v\n", cmd.name, err)
		return 1
	}
	return 0
}

// parseInterspersed parses flags that may come before or after positional arguments
// ("sirt advisory import-osv FILE --data DIR").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func find(commands []*command, args []string) (*command, []string) {
	// Longest match first: "user add" before "user".
	var best *command
	bestN := 0
	for _, c := range commands {
		parts := strings.Fields(c.name)
		if len(parts) <= len(args) && len(parts) > bestN && strings.Join(args[:len(parts)], " ") == c.name {
			best, bestN = c, len(parts)
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[bestN:]
}

func usage(w io.Writer, commands []*command) {
	fmt.Fprintln(w, "sirt — the platform an open-source security incident response team runs on.")
	fmt.Fprintln(w, "\nUsage: sirt <command> [flags]; 'sirt <command> --help' for a command's flags.\n\nCommands:")
	cs := append([]*command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	width := 22 // the names column; long names widen it so two spaces always follow a name
	for _, c := range cs {
		width = max(width, len(c.name)+1)
	}
	for _, c := range cs {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
}

// openApp opens the configured database (migrating it) for a command.
func openApp(ctx context.Context, env Env, c *config.Config) (*app.App, error) {
	o := env.AppOptions
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return app.Open(ctx, *c, o)
}
