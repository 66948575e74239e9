package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oss-sirt/sirt/internal/jobs"
)

// queueCollector reports the job queue per kind at scrape time (one indexed query, so
// every replica reports the same shared queue; Prometheus deduplicates by labels).
type queueCollector struct {
	jobs  *jobs.Queue
	log   *slog.Logger
	depth *prometheus.Desc
	age   *prometheus.Desc
}

func newQueueCollector(q *jobs.Queue, log *slog.Logger) *queueCollector {
	return &queueCollector{
		jobs: q, log: log,
		depth: prometheus.NewDesc("sirt_jobs_queue_depth",
			"Jobs by kind and state: ready (due, waiting for a worker), scheduled (due later, including retry backoff), running, dead.",
			[]string{"kind", "state"}, nil),
		age: prometheus.NewDesc("sirt_jobs_oldest_ready_age_seconds",
			"How long the oldest ready job of a kind has been due (0 when none is waiting).",
			[]string{"kind"}, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.age
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := c.jobs.Stats(ctx)
	if err != nil {
		c.log.Warn("metrics: job queue statistics", "err", err)
		return
	}
	for _, s := range stats {
		for state, n := range map[string]int{"ready": s.Ready, "scheduled": s.Scheduled, "running": s.Running, "dead": s.Dead} {
			ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n), s.Kind, state)
		}
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, s.OldestAge.Seconds(), s.Kind)
	}
}
