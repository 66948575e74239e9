package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
)

// surveyCommands are the surveys capability's commands, run as the system actor.
func surveyCommands() []*command {
	return []*command{
		{name: "survey list", data: true, summary: "List the surveys: id, responses, audience, title and public link.",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 0 {
					return usagef("sirt survey list takes no arguments")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				ss, err := a.Surveys.List(ctx, app.SystemActor("survey list"))
				if err != nil {
					return err
				}
				for _, s := range ss {
					fmt.Fprintf(env.Stdout, "%d\t%d responses\t%s\t%s\t%s\n", s.ID, s.Responses, s.Audience, s.Title, s.Link)
				}
				return nil
			}},
		{name: "survey report", args: "ID", data: true, summary: "Print a survey's summary report (Markdown); with --csv its responses as CSV.",
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.Bool("csv", false, "print the responses as CSV (one row per response)")
			},
			run: func(ctx context.Context, env Env, c *config.Config, fs *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the survey's id: sirt survey report ID")
				}
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return usagef("%q is not a survey id", args[0])
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				actor := app.SystemActor("survey report")
				if fs.Lookup("csv").Value.String() == "true" {
					b, err := a.Surveys.CSV(ctx, actor, id)
					if err != nil {
						return err
					}
					_, err = env.Stdout.Write(b)
					return err
				}
				md, err := a.Surveys.Markdown(ctx, actor, id)
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(env.Stdout, md)
				return err
			}},
	}
}
