package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
)

// postmortemCommands are the post-mortems capability's commands, run as the system actor.
func postmortemCommands() []*command {
	return []*command{
		{name: "postmortem lessons", data: true,
			summary: "Print the \"lessons for other working groups\" of every published post-mortem (Markdown).",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 0 {
					return usagef("sirt postmortem lessons takes no arguments")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				md, err := a.Postmortems.Lessons(ctx, app.SystemActor("postmortem lessons"))
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(env.Stdout, md)
				return err
			}},
		{name: "postmortem remind", data: true,
			summary: "Queue the reminders of post-mortem action items due now (the job does this every six hours; idempotent).",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 0 {
					return usagef("sirt postmortem remind takes no arguments")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				n, err := a.Postmortems.RemindOwners(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "%d reminders queued\n", n)
				return nil
			}},
	}
}
