package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
)

func keyCommands() []*command {
	return []*command{
		{name: "keys generate", summary: "Generate a new team OpenPGP key (replaces the current one; publish the new public key).", data: true,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				a, err := openKeysApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				k, err := a.GenerateTeamKey(ctx, app.SystemActor("keys generate"))
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "generated team key %s\n", k.Fingerprint())
				return nil
			}},
		{name: "keys import", args: "FILE", summary: "Import the team's existing OpenPGP secret key (armored) from FILE, or - for stdin.", data: true,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the key file: sirt keys import --data DIR FILE")
				}
				var b []byte
				var err error
				if args[0] == "-" {
					b, err = io.ReadAll(io.LimitReader(env.Stdin, 1<<20))
				} else {
					b, err = os.ReadFile(args[0])
				}
				if err != nil {
					return err
				}
				a, err := openKeysApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				k, err := a.ImportTeamKey(ctx, app.SystemActor("keys import"), b)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "imported team key %s\n", k.Fingerprint())
				return nil
			}},
		{name: "keys show", summary: "Print the team's public key (armored) and its fingerprint.", data: true,
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				a, err := openKeysApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				k, err := a.TeamKey(ctx)
				if errors.Is(err, app.ErrNoTeamKey) {
					return err
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stderr, "fingerprint %s\n", k.Fingerprint())
				_, err = env.Stdout.Write(k.PublicArmored())
				return err
			}},
	}
}

func openKeysApp(ctx context.Context, env Env, c *config.Config) (*app.App, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return openApp(ctx, env, c)
}
