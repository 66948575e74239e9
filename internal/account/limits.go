package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/ratelimit"
)

// Sign-in is limited so that guessing is slow and nobody can lock someone else out:
//
//   - per source address: a burst of 20 attempts, then one every 3 seconds, for every
//     account tried from there (password and code steps alike);
//   - per account and source address: 5 wrong passwords or codes are free, then each
//     holds that account back *from that address only* for 5 s, 10 s, 20 s… up to 15
//     minutes; a success starts the count again;
//   - per account, wrong second-factor codes after a right password: 10 are free, then
//     the same growing delay. Only someone who knows the password can cause it.
//
// There is no per-account lock that failures from anywhere could keep up: the owner,
// from their own address, with the right password (and code) still gets in.
type limits struct {
	source     *ratelimit.Limiter
	acctSource *ratelimit.Backoff
	code       *ratelimit.Backoff
}

func newLimits(store ratelimit.Store, c clock.Clock) *limits {
	if store == nil {
		store = ratelimit.NewMemoryStore()
	}
	return &limits{
		source:     ratelimit.NewShared(store, c, "signin-src", 3*time.Second, 20),
		acctSource: ratelimit.NewBackoff(store, c, "signin-acct", 5, 5*time.Second, 15*time.Minute),
		code:       ratelimit.NewBackoff(store, c, "signin-code", 10, 5*time.Second, 15*time.Minute),
	}
}

// RateLimitedError is ErrRateLimited with how long to wait (for Retry-After).
type RateLimitedError struct{ Wait time.Duration }

func (e *RateLimitedError) Error() string {
	secs := int(e.Wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return fmt.Sprintf("too many attempts; wait %d %s and try again", secs, unit)
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter is how long a rate-limited caller should wait (0 when err is not one).
func RetryAfter(err error) time.Duration {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		if rl.Wait < time.Second {
			return time.Second
		}
		return rl.Wait
	}
	if errors.Is(err, ErrRateLimited) {
		return time.Minute
	}
	return 0
}

func limited(wait time.Duration) error { return &RateLimitedError{Wait: wait} }

func acctSourceKey(email, ip string) string {
	return strings.ToLower(strings.TrimSpace(email)) + "|" + ratelimit.Source(ip)
}

// admit checks the source's bucket and the account-from-source hold before an attempt.
func (l *limits) admit(ctx context.Context, email, ip string) error {
	if ok, wait := l.source.AllowContext(ctx, ratelimit.Source(ip)); !ok {
		return limited(wait)
	}
	ok, wait, err := l.acctSource.Check(ctx, acctSourceKey(email, ip))
	if err != nil {
		return err
	}
	if !ok {
		return limited(wait)
	}
	return nil
}
