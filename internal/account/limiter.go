package account

import (
	"time"

	"github.com/oss-sirt/sirt/internal/ratelimit"
)

// limiter rate-limits sign-in attempts per key (an IP address, an account): a burst of
// 10, then one every 6 seconds. Kept in memory per process: with several replicas an
// attacker gets the budget once per replica, still far below what guessing needs.
type limiter struct{ *ratelimit.Limiter }

func newLimiter() *limiter { return &limiter{ratelimit.New(6*time.Second, 10)} }

// allow takes one attempt for key.
func (l *limiter) allow(key string) bool {
	ok, _ := l.Allow(key)
	return ok
}
