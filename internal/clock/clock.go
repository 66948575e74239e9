// Package clock is the seam through which sirt reads the time. Production code uses
// System; tests use a Fake they move by hand, so SLA clocks, embargo expiry and
// scheduled jobs are tested without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time. Implementations return UTC truncated to microseconds, the
// precision both SQLite and PostgreSQL keep, so a value read back equals the one written.
type Clock interface {
	Now() time.Time
}

// System is the real clock.
type System struct{}

// Now returns the current UTC time at microsecond precision.
func (System) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Fake is a clock that moves only when told to.
type Fake struct {
	mu sync.Mutex
	t  time.Time
}

// NewFake returns a fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{t: t.UTC().Truncate(time.Microsecond)} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Advance moves the fake time forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d).Truncate(time.Microsecond)
	f.mu.Unlock()
}

// Set moves the fake time to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.t = t.UTC().Truncate(time.Microsecond)
	f.mu.Unlock()
}
