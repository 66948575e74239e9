package metrics

import (
	"context"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
)

// Dashboard is the staff dashboard: the current quarter against the previous one, and
// the trend over both by month.
type Dashboard struct {
	Current, Previous         Period
	CurrentSLIs, PreviousSLIs []SLI
	CurrentVol, PreviousVol   Volumes
	Charts                    []Chart
}

// split keeps the items of d that started in p.
func (d *dataset) split(p Period) *dataset {
	out := &dataset{period: p, horizon: d.horizon}
	for _, r := range d.reports {
		if !r.received.Before(p.From) && r.received.Before(p.To) {
			out.reports = append(out.reports, r)
		}
	}
	for _, c := range d.cases {
		if !c.opened.Before(p.From) && c.opened.Before(p.To) {
			out.cases = append(out.cases, c)
		}
	}
	return out
}

// Dashboard computes the staff dashboard for the quarter containing now (staff).
func (s *Service) Dashboard(ctx context.Context, actor authz.Actor) (*Dashboard, error) {
	if err := authz.Can(actor, authz.ViewMetrics, nil); err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	cur := QuarterOf(now)
	prev := cur.Previous()
	both := Period{Name: prev.Name + " and " + cur.Name, From: prev.From, To: cur.To}
	d, err := s.load(ctx, both, now)
	if err != nil {
		return nil, err
	}
	slos, err := s.SLOs(ctx)
	if err != nil {
		return nil, err
	}
	out := &Dashboard{Current: cur, Previous: prev}
	out.CurrentSLIs = s.compute(d.split(cur), slos, now)
	out.PreviousSLIs = s.compute(d.split(prev), slos, now)
	if err := s.delivery(ctx, out.CurrentSLIs, cur, d.horizon, slos); err != nil {
		return nil, err
	}
	if err := s.delivery(ctx, out.PreviousSLIs, prev, d.horizon, slos); err != nil {
		return nil, err
	}
	if out.CurrentVol, err = s.volumes(ctx, cur.From, now, len(d.split(cur).cases)); err != nil {
		return nil, err
	}
	if out.PreviousVol, err = s.volumes(ctx, prev.From, prev.To, len(d.split(prev).cases)); err != nil {
		return nil, err
	}
	out.Charts = monthlyCharts(both, d, s.compute(d, slos, now))
	return out, nil
}

// SLIDetail is one SLI of a period with the items behind it (the drill-down).
type SLIDetail struct {
	Definition Definition
	Period     Period
	SLI        SLI
}

// SLI computes one indicator with its items (staff). An unknown key is not found.
func (s *Service) SLI(ctx context.Context, actor authz.Actor, key string, p Period) (*SLIDetail, error) {
	if err := authz.Can(actor, authz.ViewMetrics, nil); err != nil {
		return nil, err
	}
	def, ok := DefinitionOf(key)
	if !ok {
		return nil, db.ErrNotFound
	}
	all, err := s.SLIs(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	for _, x := range all {
		if x.Key == key {
			return &SLIDetail{Definition: def, Period: p, SLI: x}, nil
		}
	}
	return nil, db.ErrNotFound
}
