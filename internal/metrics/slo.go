package metrics

import (
	"context"
	"fmt"
	"math"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// SLOs are the targets in force: the policy's defaults, replaced by those the
// programme manager set.
func (s *Service) SLOs(ctx context.Context) (map[string]SLO, error) {
	out := s.DefaultSLOs()
	type row struct {
		key string
		slo SLO
	}
	rows, err := db.All(ctx, s.DB.Read(), func(sc db.Scanner) (row, error) {
		var r row
		err := sc.Scan(&r.key, &r.slo.TargetDays, &r.slo.Objective)
		return r, err
	}, "SELECT sli_key, target_days, objective FROM metrics_slos ORDER BY sli_key")
	if err != nil {
		return nil, fmt.Errorf("metrics: slos: %w", err)
	}
	for _, r := range rows {
		out[r.key] = r.slo
	}
	return out, nil
}

// SetSLO changes the target of one SLI (programme manager, admins).
func (s *Service) SetSLO(ctx context.Context, actor authz.Actor, key string, slo SLO) (SLO, error) {
	if err := authz.Can(actor, authz.ManageSLOs, nil); err != nil {
		return SLO{}, err
	}
	def, ok := DefinitionOf(key)
	if !ok {
		return SLO{}, validate.Field("key", "%q is not an SLI", key)
	}
	var e validate.Errors
	switch {
	case math.IsNaN(slo.TargetDays) || slo.TargetDays < 0:
		e.Add("target", "must be zero or more")
	case def.Unit == UnitShare && slo.TargetDays > 1:
		e.Add("target", "a share is between 0 and 1")
	case slo.TargetDays > 3650:
		e.Add("target", "at most 3650 days")
	}
	if math.IsNaN(slo.Objective) || slo.Objective <= 0 || slo.Objective > 1 {
		e.Add("objective", "must be more than 0 and at most 1 (0.95 is 95 %%)")
	}
	if err := e.Err(); err != nil {
		return SLO{}, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		if _, err := q.Exec(ctx, `INSERT INTO metrics_slos (sli_key, target_days, objective, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (sli_key) DO UPDATE SET target_days = excluded.target_days, objective = excluded.objective,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			key, slo.TargetDays, slo.Objective, actor.Label(), s.Clock.Now().UTC()); err != nil {
			return err
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvSLOUpdated, Subject: events.Ref{Type: "sli", ID: key},
			After: SLOEvent{Key: key, TargetDays: slo.TargetDays, Objective: slo.Objective}})
		return err
	})
	return slo, err
}
