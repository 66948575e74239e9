package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/config"
)

// caseCommands are the cases capability's read-only commands, run as the system actor.
func caseCommands() []*command {
	var listJSON, showJSON bool
	return []*command{
		{name: "case list", data: true,
			summary: "List the cases: id, phase, TLP, title (--json: the API's case objects).",
			flags:   func(fs *flag.FlagSet, _ *config.Config) { fs.BoolVar(&listJSON, "json", false, "print JSON") },
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 0 {
					return usagef("sirt case list takes no arguments")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				cs, err := a.Cases.List(ctx, app.SystemActor("case list"), cases.Query{Limit: 1000})
				if err != nil {
					return fmt.Errorf("case list: %w", err)
				}
				if listJSON {
					if cs == nil {
						cs = []*cases.Case{}
					}
					return writeJSON(env, cs)
				}
				tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
				for _, x := range cs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.PublicID, x.Phase, x.TLP, x.Title)
				}
				return tw.Flush()
			}},
		{name: "case show", args: "ID", data: true,
			summary: "Show one case (--json: the API's case object).",
			flags:   func(fs *flag.FlagSet, _ *config.Config) { fs.BoolVar(&showJSON, "json", false, "print JSON") },
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the case's id: sirt case show ID")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				x, err := a.Cases.Get(ctx, app.SystemActor("case show"), args[0])
				if err != nil {
					return fmt.Errorf("case %s: %w", args[0], err)
				}
				if showJSON {
					return writeJSON(env, x)
				}
				fmt.Fprintf(env.Stdout, "%s  %s\nphase %s, TLP %s, project %s\n", x.PublicID, x.Title, x.Phase, x.TLP, x.Project)
				for _, p := range x.Participants {
					fmt.Fprintf(env.Stdout, "  %s %s %s (%s) read in: %t\n", p.Role, p.Name, p.Email, p.Organisation, p.ReadInAt != nil)
				}
				return nil
			}},
	}
}

func writeJSON(env Env, v any) error {
	e := json.NewEncoder(env.Stdout)
	e.SetIndent("", "  ")
	return e.Encode(v)
}
