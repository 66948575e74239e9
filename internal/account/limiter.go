package account

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter rate-limits sign-in attempts per key (an IP address, an account). It is kept in
// memory per process: with several replicas an attacker gets the budget once per
// replica, which is still far below what guessing needs.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// allow takes one attempt for key: a burst of 10, then one every 6 seconds.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100000 {
			for k, v := range l.buckets {
				if now.Sub(v.seen) > 10*time.Minute {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{l: rate.NewLimiter(rate.Every(6*time.Second), 10)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.l.Allow()
}
