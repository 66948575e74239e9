package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/deps"
)

// depsCommands import into the dependency graph, as the system actor.
func depsCommands() []*command {
	open := func(env Env, name string) (io.ReadCloser, error) {
		if name == "-" {
			return io.NopCloser(env.Stdin), nil
		}
		return os.Open(name)
	}
	return []*command{
		{name: "deps import-edges", args: "FILE.csv", data: true,
			summary: "Import a dependency edge list (CSV header: dependent,dependency,version_constraint; purls; - reads standard input). All or nothing.",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one CSV file: sirt deps import-edges FILE.csv")
				}
				f, err := open(env, args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				// Whole ecosystems: keep the heap well inside 1 GiB (the GC works harder
				// as it nears the limit rather than doubling the heap).
				defer debug.SetMemoryLimit(debug.SetMemoryLimit(640 << 20))
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				res, err := a.Deps.ImportEdges(ctx, app.SystemActor("deps import-edges"), f, deps.ImportOptions{Name: args[0], Progress: func(p deps.Progress) {
					if p.Total > 0 {
						fmt.Fprintf(env.Stderr, "%s: %s %d/%d (%.1f s)\n", args[0], p.Stage, p.Done, p.Total, p.Elapsed.Seconds())
					} else {
						fmt.Fprintf(env.Stderr, "%s: %s %d rows (%.1f s)\n", args[0], p.Stage, p.Done, p.Elapsed.Seconds())
					}
				}})
				if err != nil {
					var ie *deps.ImportError
					if errors.As(err, &ie) {
						for _, r := range ie.Rows {
							fmt.Fprintf(env.Stderr, "%s: %s\n", args[0], r.Error())
						}
						return fmt.Errorf("%s: nothing imported", args[0])
					}
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintf(env.Stdout, "%d edges, %d packages\n", res.Rows, res.Packages)
				return nil
			}},
		{name: "deps import-sbom", args: "FILE.json", data: true,
			summary: "Import an SBOM into the dependency graph: CycloneDX JSON 1.2–1.6 or SPDX JSON 2.2/2.3 (- reads standard input).",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one SBOM file: sirt deps import-sbom FILE.json")
				}
				f, err := open(env, args[0])
				if err != nil {
					return err
				}
				b, err := io.ReadAll(io.LimitReader(f, deps.MaxSBOM+1))
				f.Close()
				if err != nil {
					return err
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				res, err := a.Deps.ImportSBOM(ctx, app.SystemActor("deps import-sbom"), b, deps.ImportOptions{Name: args[0]})
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				if res.Duplicate {
					fmt.Fprintf(env.Stderr, "%s: already imported as SBOM %d; nothing changed\n", args[0], res.ID)
				}
				fmt.Fprintf(env.Stdout, "SBOM %d: %s %s, %d packages, %d edges\n", res.ID, res.Format, res.SpecVersion, res.Packages, res.Edges)
				return nil
			}},
	}
}
