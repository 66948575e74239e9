package cli

import (
	"context"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/server"
)

// domainCommands are the capability commands (plan, advisory, keys…).
func domainCommands() []*command { return nil }

// serveModules builds the capability modules plugged into the server, and any extra
// listeners (SMTP intake).
func serveModules(ctx context.Context, a *app.App) ([]server.Module, []server.Listener, error) {
	return nil, nil, nil
}
