package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/pgpkey"
	"github.com/oss-sirt/sirt/internal/validate"
)

// directoryCommands are the directory's commands, run as the system actor.
func directoryCommands() []*command {
	var kind, keyFile string
	return []*command{
		{name: "directory import-securitytxt", args: "FILE|URL", data: true,
			summary: "Add an organisation from an RFC 9116 security.txt (a file, - for standard input, or an https URL fetched through the outbound guard); prints its id. An expired file is imported with a warning.",
			flags: func(fs *flag.FlagSet, c *config.Config) {
				fs.StringVar(&kind, "kind", "project", "the organisation's kind: "+strings.Join(directory.Kinds, ", "))
				fs.Func("outbound-allow", "comma-separated CIDRs, addresses or host names a URL may reach although internal (env SIRT_OUTBOUND_ALLOW)", func(v string) error {
					c.OutboundAllow = nil
					for _, a := range strings.Split(v, ",") {
						if a = strings.TrimSpace(a); a != "" {
							c.OutboundAllow = append(c.OutboundAllow, a)
						}
					}
					return nil
				})
				fs.StringVar(&keyFile, "key", "", "an armored OpenPGP public key: a signed file's signature must verify against it")
			},
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one security.txt file or URL: sirt directory import-securitytxt FILE|URL")
				}
				var keys openpgp.EntityList
				if keyFile != "" {
					b, err := os.ReadFile(keyFile)
					if err != nil {
						return err
					}
					e, err := pgpkey.ReadPublicKey(b)
					if err != nil {
						return fmt.Errorf("--key: %w", err)
					}
					keys = openpgp.EntityList{e}
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				src := args[0]
				var data []byte
				switch {
				case strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://"):
					data, src, err = directory.FetchSecurityTxt(ctx, a.Outbound, src)
				case src == "-":
					data, err = io.ReadAll(io.LimitReader(env.Stdin, directory.MaxSecurityTxt+1))
				default:
					data, err = readLimited(src, directory.MaxSecurityTxt+1)
				}
				if err != nil {
					return err
				}
				res, err := a.Directory.ImportSecurityTxt(ctx, app.SystemActor("directory import-securitytxt"), data, src, kind, keys)
				if err != nil {
					if fe, ok := validate.As(err); ok {
						for _, f := range fe {
							fmt.Fprintf(env.Stderr, "%s: %s: %s\n", args[0], f.Field, f.Message)
						}
						return fmt.Errorf("%s: nothing imported", args[0])
					}
					return fmt.Errorf("%s: %w", args[0], err)
				}
				for _, w := range res.Warnings {
					fmt.Fprintf(env.Stderr, "warning: %s: %s\n", args[0], w)
				}
				fmt.Fprintln(env.Stdout, res.Org.ID)
				return nil
			}},
		{name: "directory import", args: "FILE.csv", data: true,
			summary: "Import organisations from CSV (header: name,kind,website,emails,packages,notes; - reads standard input). Existing names get the missing contacts and packages.",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 1 {
					return usagef("give one CSV file: sirt directory import FILE.csv")
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
				res, err := a.Directory.ImportOrgs(ctx, app.SystemActor("directory import"), r)
				if err != nil {
					if fe, ok := validate.As(err); ok {
						for _, f := range fe {
							fmt.Fprintf(env.Stderr, "%s: %s: %s\n", args[0], f.Field, f.Message)
						}
						return fmt.Errorf("%s: nothing imported", args[0])
					}
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintf(env.Stdout, "%s: %d organisations added, %d updated\n", args[0], res.Created, res.Updated)
				return nil
			}},
		{name: "directory export", data: true,
			summary: "Write every organisation as CSV to standard output (the format 'sirt directory import' reads).",
			run: func(ctx context.Context, env Env, c *config.Config, _ *flag.FlagSet, args []string) error {
				if len(args) != 0 {
					return usagef("directory export takes no arguments")
				}
				a, err := openApp(ctx, env, c)
				if err != nil {
					return err
				}
				defer a.Close()
				return a.Directory.ExportOrgs(ctx, app.SystemActor("directory export"), env.Stdout)
			}},
	}
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
