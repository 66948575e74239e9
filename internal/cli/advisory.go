package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
)

// advisoryCommands are the advisory capability's commands: OSV import and exports.
func advisoryCommands() []*command {
	var exportFormat, out string
	return []*command{
		{name: "advisory import-osv", args: "FILE", data: true,
			summary: "Import an OSV record (FILE, or - for stdin) as an unpublished draft; prints the new advisory's id alone on stdout.",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one OSV JSON file: sirt advisory import-osv FILE --data DIR")
				}
				data, err := readInput(env, args[0])
				if err != nil {
					return err
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				adv, err := a.Advisories.Import(ctx, app.SystemActor("advisory import-osv"), data)
				if err != nil {
					var ve *format.ValidationError
					if errors.As(err, &ve) {
						return fmt.Errorf("%s is not a valid OSV record:\n%s", args[0], problemLines(ve))
					}
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintln(env.Stdout, adv.PublicID)
				return nil
			}},
		{name: "advisory export", args: "ID", data: true,
			summary: "Write an advisory as OSV, CSAF 2.0, CSAF VEX or CVE JSON 5, validated against the format's schema.",
			flags: func(fs *flag.FlagSet, _ *config.Config) {
				fs.StringVar(&exportFormat, "format", "osv", "export `format`: osv, csaf, vex or cve")
				fs.StringVar(&out, "o", "", "write to this `file` instead of stdout")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give the advisory's id: sirt advisory export ID --format osv|csaf|vex|cve")
				}
				f, err := advisory.ParseFormat(exportFormat)
				if err != nil {
					return usagef("--format: %q is not one of osv, csaf, vex, cve", exportFormat)
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				data, err := a.Advisories.Export(ctx, app.SystemActor("advisory export"), args[0], f)
				if err != nil {
					var ve *format.ValidationError
					if errors.As(err, &ve) {
						return fmt.Errorf("advisory %s does not make a valid %s document:\n%s", args[0], f, problemLines(ve))
					}
					return fmt.Errorf("advisory %s: %w", args[0], err)
				}
				if out == "" {
					_, err = env.Stdout.Write(data)
					return err
				}
				return os.WriteFile(out, data, 0o644)
			}},
	}
}

func problemLines(ve *format.ValidationError) string {
	s := ""
	for _, p := range ve.Problems {
		s += "  " + p.String() + "\n"
	}
	return s
}

func readInput(env Env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(env.Stdin, 16<<20))
	}
	return os.ReadFile(name)
}
