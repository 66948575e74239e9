package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/engagements"
	"github.com/oss-sirt/sirt/internal/validate"
)

// engagementCommands are the engagements capability's commands, run as the system actor.
func engagementCommands() []*command {
	return []*command{
		{name: "engagement import-projects", args: "FILE.csv", data: true,
			summary: "Import candidate projects from CSV (header: name,repo_url,ecosystem,criticality,contacts,notes; - reads standard input). Existing names are updated.",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one CSV file: sirt engagement import-projects FILE.csv")
				}
				var r io.Reader = env.Stdin
				if args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return err
					}
					defer f.Close()
					r = f
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				res, err := a.Engagements.ImportProjects(ctx, app.SystemActor("engagement import-projects"), r)
				if err != nil {
					if fe, ok := validate.As(err); ok {
						for _, f := range fe {
							fmt.Fprintf(env.Stderr, "%s: %s: %s\n", args[0], f.Field, f.Message)
						}
						return fmt.Errorf("%s: nothing imported", args[0])
					}
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintf(env.Stdout, "%s: %d projects added, %d updated\n", args[0], res.Created, res.Updated)
				return nil
			}},
	}
}

var _ = engagements.MaxCSV
