package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/metrics"
)

// metricsCommands print a report to the TAC, run as the system actor (a closed
// period's report is stored as its snapshot, as on the web).
func metricsCommands() []*command {
	var format string
	return []*command{
		{name: "metrics report", args: "PERIOD", data: true,
			summary: "Print the report to the TAC for a quarter (2026-Q3) or a year (2026) as Markdown (--format md, csv, html or pdf).",
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.StringVar(&format, "format", "md", "md, csv, html or pdf")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one period: sirt metrics report 2026-Q3")
				}
				p, err := metrics.ParsePeriod(args[0])
				if err != nil {
					return usagef("%v", err)
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				r, err := a.Metrics.TACReport(ctx, app.SystemActor("metrics report"), p)
				if err != nil {
					return fmt.Errorf("metrics report %s: %w", args[0], err)
				}
				var out []byte
				switch format {
				case "md":
					out = []byte(r.Markdown(c.BaseURL))
				case "csv":
					out = r.CSV()
				case "html":
					out, err = r.HTML()
				case "pdf":
					out, err = r.PDF(c.BaseURL)
				default:
					return usagef("--format %q: use md, csv, html or pdf", format)
				}
				if err != nil {
					return err
				}
				_, err = env.Stdout.Write(out)
				return err
			}},
	}
}
