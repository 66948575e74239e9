package metrics

import (
	"context"
	"sort"
	"strconv"
	"time"
)

// Cell is one number of the public page: shown, or suppressed because it is below the
// threshold (so a small count cannot point at one report or embargoed case).
type Cell struct {
	Value      string `json:"value,omitempty"`
	Suppressed bool   `json:"suppressed,omitempty"`
}

// TransparencyRow is one quarter on the public page.
type TransparencyRow struct {
	Period      string `json:"period"`
	Received    Cell   `json:"received"`
	Declined    Cell   `json:"declined"`
	Tracked     Cell   `json:"tracked"`
	Coordinated Cell   `json:"coordinated"`
	AckMedian   Cell   `json:"ack_median_business_days"`
	AckSLO      Cell   `json:"ack_slo_compliance"`
}

// Transparency is the public page's data: aggregates only, no id or title anywhere.
type Transparency struct {
	Threshold  int               `json:"threshold"`
	Quarters   []TransparencyRow `json:"quarters"`
	Ecosystems []Count           `json:"ecosystems"` // last four quarters; only cells at or above the threshold
	Since      string            `json:"since"`
}

// Transparency computes the public page for the last four closed quarters and the
// current one. Every count below the threshold is suppressed, and so is a median or a
// compliance computed over fewer items.
func (s *Service) Transparency(ctx context.Context) (*Transparency, error) {
	now := s.Clock.Now().UTC()
	t := &Transparency{Threshold: s.cfg.Threshold}
	cell := func(n int) Cell {
		if n < s.cfg.Threshold {
			return Cell{Suppressed: true}
		}
		return Cell{Value: strconv.Itoa(n)}
	}
	slos, err := s.SLOs(ctx)
	if err != nil {
		return nil, err
	}
	qs := []Period{QuarterOf(now)}
	for len(qs) < 5 {
		qs = append([]Period{qs[0].Previous()}, qs...)
	}
	t.Since = qs[1].From.Format(time.DateOnly)
	for _, p := range qs {
		end := p.To
		if now.Before(end) {
			end = now
		}
		v, err := s.volumes(ctx, p.From, end, 0)
		if err != nil {
			return nil, err
		}
		row := TransparencyRow{Period: p.Name, Received: cell(v.Received)}
		by := map[string]int{}
		for _, c := range v.ByOutcome {
			by[c.Label] = int(c.N)
		}
		row.Declined, row.Tracked, row.Coordinated = cell(by["decline"]), cell(by["track"]), cell(by["coordinate"])
		d, err := s.load(ctx, p, now)
		if err != nil {
			return nil, err
		}
		ack := s.compute(&dataset{period: d.period, horizon: d.horizon, reports: d.reports}, slos, now)[0]
		row.AckMedian, row.AckSLO = Cell{Suppressed: true}, Cell{Suppressed: true}
		if ack.N >= s.cfg.Threshold && ack.P50 != nil {
			row.AckMedian = Cell{Value: fmtNum(*ack.P50)}
		}
		if ack.SLO != nil && ack.SLO.Evaluated >= s.cfg.Threshold {
			row.AckSLO = Cell{Value: pct(ack.SLO.Compliance)}
		}
		t.Quarters = append(t.Quarters, row)
		if p.Name == qs[0].Name {
			continue // the ecosystems cover the last four quarters
		}
		for _, c := range v.ByEcosystem {
			t.Ecosystems = addCount(t.Ecosystems, c)
		}
	}
	kept := t.Ecosystems[:0]
	for _, c := range t.Ecosystems {
		if int(c.N) >= s.cfg.Threshold {
			kept = append(kept, c)
		}
	}
	t.Ecosystems = kept
	sort.Slice(t.Ecosystems, func(i, j int) bool {
		if t.Ecosystems[i].N != t.Ecosystems[j].N {
			return t.Ecosystems[i].N > t.Ecosystems[j].N
		}
		return t.Ecosystems[i].Label < t.Ecosystems[j].Label
	})
	return t, nil
}

func addCount(cs []Count, c Count) []Count {
	for i := range cs {
		if cs[i].Label == c.Label {
			cs[i].N += c.N
			return cs
		}
	}
	return append(cs, c)
}
