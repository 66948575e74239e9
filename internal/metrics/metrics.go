// Package metrics computes the team's service level indicators from the event log
// (never typed in), checks them against SLO targets, and renders the staff dashboard
// data, the quarterly and annual reports to the TAC (HTML, Markdown, CSV, PDF; closed
// periods stored as snapshots) and the public transparency page (aggregates only, small
// cells suppressed).
package metrics

import (
	"log/slog"

	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// Deps are the services metrics reads and writes through.
type Deps struct {
	DB     *db.DB
	Clock  clock.Clock
	Events *events.Log
	Log    *slog.Logger
}

// Config is the team's calendar and policy (for business days and the default SLOs).
type Config struct {
	Team     string
	BaseURL  string
	Calendar calendar.Calendar
	Policy   calendar.Policy
	// Threshold is the smallest count the public transparency page shows; smaller
	// cells read "fewer than N". 0 means the default, 5.
	Threshold int
}

// Service computes metrics and reports.
type Service struct {
	Deps
	cfg Config
}

// New returns the metrics service.
func New(d Deps, cfg Config) *Service {
	if cfg.Threshold <= 0 {
		cfg.Threshold = 5
	}
	return &Service{Deps: d, cfg: cfg}
}

// Threshold is the suppression threshold of the transparency page.
func (s *Service) Threshold() int { return s.cfg.Threshold }
