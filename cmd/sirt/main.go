// Command sirt is the platform an open-source security incident response team runs on.
// Run `sirt serve` to start it, `sirt help` for every command.
package main

import (
	"context"
	"os"

	"github.com/oss-sirt/sirt/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
