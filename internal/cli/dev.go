package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/devseed"
)

// devCommands are the developer's commands: synthetic data for benchmarks.
func devCommands() []*command {
	var o devseed.Options
	return []*command{
		{name: "dev seed", data: true,
			summary: "Fill the database with a busy year of synthetic reports, cases and events (benchmarks; never on a real team's data).",
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.IntVar(&o.Reports, "reports", 100000, "number of `reports`")
				fs.IntVar(&o.Cases, "cases", 30000, "number of `cases` (opened from the newest reports)")
				fs.IntVar(&o.Events, "events", 2000000, "number of audit `events`")
				fs.Int64Var(&o.Seed, "seed", 1, "random `seed`")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 0 {
					return usagef("sirt dev seed takes no arguments")
				}
				if o.Reports < 0 || o.Cases < 0 || o.Events < 0 {
					return usagef("--reports, --cases and --events must not be negative")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				o.Progress = env.Stdout
				st, err := devseed.Seed(ctx, a.DB, o)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "seeded %d reports, %d cases, %d events in %.1fs\n", st.Reports, st.Cases, st.Events, st.Took.Seconds())
				return nil
			}},
	}
}
