package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector adds the operational side to the server's /metrics: the outbox by state
// (failures are messages whose job died) and the reports whose SLA clocks are near
// breach or breached, read at scrape time with two small indexed queries.
type Collector struct {
	s      *Service
	outbox *prometheus.Desc
	sla    *prometheus.Desc
}

// NewCollector returns the Prometheus collector of s.
func NewCollector(s *Service) *Collector {
	return &Collector{s: s,
		outbox: prometheus.NewDesc("sirt_outbox_messages", "Outbound messages by state: pending, held, sent, failed (the job died; an admin may retry it).", []string{"state"}, nil),
		sla: prometheus.NewDesc("sirt_sla_clock_reports",
			"Untriaged reports by SLA clock (acknowledge: nobody assigned yet; assessment: no triage decision yet) and status: near_breach (due within one business day) or breached.",
			[]string{"clock", "status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.outbox
	ch <- c.sla
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q := c.s.DB.Read()
	states, err := counts(ctx, q, "SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state")
	if err != nil {
		c.s.Log.Warn("metrics: outbox statistics", "err", err)
		return
	}
	seen := map[string]bool{}
	for _, st := range states {
		seen[st.Label] = true
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, st.N, st.Label)
	}
	for _, st := range []string{"pending", "held", "sent", "failed"} {
		if !seen[st] {
			ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, 0, st)
		}
	}
	now := c.s.Clock.Now().UTC()
	soon := c.s.cfg.Calendar.AddBusinessDays(now, 1)
	for _, clk := range []struct{ name, due, extra string }{
		{"acknowledge", "ack_due_at", " AND assignee_id IS NULL"},
		{"assessment", "assess_due_at", ""},
	} {
		var near, breached int
		err := q.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN `+clk.due+` > ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN `+clk.due+` <= ? THEN 1 ELSE 0 END), 0)
			FROM reports WHERE state IN ('new', 'acknowledged') AND triaged_at IS NULL AND `+clk.due+` <= ?`+clk.extra, now, now, soon).Scan(&near, &breached)
		if err != nil {
			c.s.Log.Warn("metrics: SLA clocks", "err", err)
			return
		}
		ch <- prometheus.MustNewConstMetric(c.sla, prometheus.GaugeValue, float64(near), clk.name, "near_breach")
		ch <- prometheus.MustNewConstMetric(c.sla, prometheus.GaugeValue, float64(breached), clk.name, "breached")
	}
}
