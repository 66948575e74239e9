package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/plan"
)

func planCommands() []*command {
	var (
		dryRun, asJSON bool
		name           string
	)
	return []*command{
		{name: "plan import", args: "FILE.md…", data: true,
			summary: "Import plan Markdown files (each is one plan, re-importing keeps progress); --dry-run --json prints the parsed plan without a database.",
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.BoolVar(&dryRun, "dry-run", false, "parse only: store nothing (no database needed)")
				fs.BoolVar(&asJSON, "json", false, "print JSON: the parsed plan with --dry-run, else the import summaries")
				fs.StringVar(&name, "name", "", "the plan's `name` (default: the number of the file's top-level section, e.g. 3.0)")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) == 0 {
					return usagef("give one or more plan files: sirt plan import FILE.md…")
				}
				if name != "" && len(args) > 1 {
					return usagef("--name names one plan; give one file with it")
				}
				srcs := make([][]byte, len(args))
				for i, f := range args {
					b, err := readPlanFile(env, f)
					if err != nil {
						return err
					}
					srcs[i] = b
				}
				if dryRun {
					for i, src := range srcs {
						doc := plan.Parse(src)
						for _, w := range doc.Warnings {
							fmt.Fprintf(env.Stderr, "%s:%d: %s\n", args[i], w.Line, w.Message)
						}
						if asJSON {
							b, err := doc.JSON()
							if err != nil {
								return err
							}
							if _, err := env.Stdout.Write(b); err != nil {
								return err
							}
							continue
						}
						c := countParsed(doc)
						fmt.Fprintf(env.Stdout, "%s: %d sections, %d milestones, %d tasks, %d warnings (dry run: nothing stored)\n",
							args[i], c.Sections, c.Milestones, c.Tasks, len(doc.Warnings))
					}
					return nil
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				var results []*plan.ImportResult
				for i, src := range srcs {
					res, err := a.Plan.Import(ctx, app.SystemActor("plan import"), plan.ImportInput{Name: name, Filename: filepath.Base(args[i]), Source: src})
					if err != nil {
						return fmt.Errorf("%s: %w", args[i], err)
					}
					results = append(results, res)
					for _, w := range res.Warnings {
						fmt.Fprintf(env.Stderr, "%s:%d: %s\n", args[i], w.Line, w.Message)
					}
					if !asJSON {
						printImport(env.Stdout, args[i], res)
					}
				}
				if asJSON {
					return writePlanJSON(env.Stdout, results)
				}
				return nil
			}},
		{name: "plan status", data: true, summary: "Print the plan's progress per section: milestones and tasks done, estimated and logged hours.",
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.BoolVar(&asJSON, "json", false, "print the dashboard as JSON")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				o, err := a.Plan.Overview(ctx, app.SystemActor("plan status"))
				if err != nil {
					return err
				}
				if asJSON {
					return writePlanJSON(env.Stdout, o.Dashboard)
				}
				if len(o.Plans) == 0 {
					fmt.Fprintln(env.Stdout, "no plan imported yet: sirt plan import FILE.md")
					return nil
				}
				printStatus(env.Stdout, o.Dashboard)
				return nil
			}},
		{name: "plan export", args: "md|csv", data: true, summary: "Write the plan status as Markdown or CSV to standard output.",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the format: sirt plan export md or sirt plan export csv")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				b, _, err := a.Plan.Export(ctx, app.SystemActor("plan export"), args[0])
				if err != nil {
					return err
				}
				_, err = env.Stdout.Write(b)
				return err
			}},
	}
}

func readPlanFile(env Env, f string) ([]byte, error) {
	var r io.Reader
	if f == "-" {
		r = env.Stdin
	} else {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, plan.MaxSource+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	if len(b) > plan.MaxSource {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes for a plan file", f, plan.MaxSource)
	}
	return b, nil
}

func countParsed(d *plan.Document) plan.Counts {
	var c plan.Counts
	var tasks func([]*plan.Task)
	tasks = func(ts []*plan.Task) {
		for _, t := range ts {
			c.Tasks++
			tasks(t.Tasks)
		}
	}
	d.Walk(func(s *plan.Section) {
		c.Sections++
		c.Milestones += len(s.Milestones)
		for _, m := range s.Milestones {
			tasks(m.Tasks)
		}
		tasks(s.Tasks)
	})
	return c
}

func printImport(w io.Writer, file string, r *plan.ImportResult) {
	if r.Unchanged {
		fmt.Fprintf(w, "%s: plan %s is unchanged (version %d)\n", file, r.Name, r.Version)
		return
	}
	fmt.Fprintf(w, "%s: plan %s (%s) version %d: %d sections, %d milestones, %d tasks, %d warnings\n", file, r.Name, r.Title, r.Version,
		r.Total.Sections, r.Total.Milestones, r.Total.Tasks, len(r.Warnings))
	if r.Version > 1 {
		fmt.Fprintf(w, "  matched %d sections, %d milestones, %d tasks; added %d, %d, %d; archived %d, %d, %d\n",
			r.Matched.Sections, r.Matched.Milestones, r.Matched.Tasks, r.Added.Sections, r.Added.Milestones, r.Added.Tasks,
			r.Archived.Sections, r.Archived.Milestones, r.Archived.Tasks)
	}
}

func printStatus(w io.Writer, d *plan.Dashboard) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SECTION\tMILESTONES\tTASKS\tEST. HOURS\tLOGGED\tVOLUNTEERS\tASSIGNED\tWAITING ON")
	for _, s := range d.Sections {
		var deps []string
		for _, dp := range s.DependsOn {
			deps = append(deps, dp.Section)
		}
		fmt.Fprintf(tw, "%s%s\t%d/%d\t%d/%d\t%s\t%s\t%s\t%d\t%s\n", strings.Repeat("  ", s.Depth), strings.TrimSpace(s.Number+" "+truncate(s.Title, 40)),
			s.MilestonesDone, s.Milestones, s.TasksDone, s.Tasks, plan.FormatBounds(s.EstimatedHours), plan.FormatHours(s.LoggedHours),
			plan.FormatBounds(s.VolunteersNeeded), s.VolunteersAssigned, strings.Join(deps, ", "))
	}
	t := d.Total
	fmt.Fprintf(tw, "TOTAL\t%d/%d\t%d/%d\t%s\t%s\t%s\t%d\t\n", t.MilestonesDone, t.Milestones, t.TasksDone, t.Tasks, plan.FormatBounds(t.EstimatedHours),
		plan.FormatHours(t.LoggedHours), plan.FormatBounds(t.VolunteersNeeded), t.VolunteersAssigned)
	tw.Flush()
	fmt.Fprintf(w, "\n%d blocked, %d overdue, %d import warnings (as of %s)\n", len(d.Blocked), len(d.Overdue), d.Warnings, d.AsOf)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func writePlanJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
