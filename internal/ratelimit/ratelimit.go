// Package ratelimit limits how often one client (an IP address, an account from an
// address) may do something costly for the team — file a report, try a password.
//
// A Limiter is a token bucket per key, kept as one number per key (GCRA: the
// "theoretical arrival time"): a burst of actions at once, then one per interval. A
// Backoff counts consecutive failures per key and makes the next attempt wait longer
// after each one. Both keep their state in a Store: in process memory (SQLite, where
// there is one process per database), or in the database's rate_limits table
// (PostgreSQL), so every replica on one database shares one budget. Time comes from the
// injected clock, so tests move it by hand.
package ratelimit

import (
	"context"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
)

// Store keeps bucket state. Take and the Backoff operations are atomic per key across
// every process sharing the store.
type Store interface {
	// Take takes one token from key's bucket at now, when the bucket allows it: burst
	// at once, then one per every. When refused it takes nothing and says how long to
	// wait.
	Take(ctx context.Context, key string, now time.Time, every time.Duration, burst int) (bool, time.Duration, error)
	// NotBefore is the time before which key is held back (zero when it is not).
	NotBefore(ctx context.Context, key string) (time.Time, error)
	// Fail counts one more failure for key and holds it back until now + delay(n),
	// where n is the failure count including this one.
	Fail(ctx context.Context, key string, now time.Time, delay func(n int) time.Duration) (int, error)
	// Reset forgets key.
	Reset(ctx context.Context, key string) error
	// Prune forgets keys whose state no longer holds anything back at now.
	Prune(ctx context.Context, now time.Time) error
}

// StoreFor returns the store for a database: shared in the database on PostgreSQL,
// in process memory on SQLite (one process owns a SQLite file).
func StoreFor(d *db.DB) Store {
	if d != nil && d.Dialect() == db.Postgres {
		return NewDBStore(d)
	}
	return NewMemoryStore()
}

// Limiter is a set of token buckets keyed by client.
type Limiter struct {
	store Store
	clock clock.Clock
	name  string
	every time.Duration
	burst int
}

// New allows burst actions at once per key, then one per every, in process memory
// on the system clock.
func New(every time.Duration, burst int) *Limiter {
	return NewShared(NewMemoryStore(), clock.System{}, "", every, burst)
}

// NewShared is a limiter on store (see StoreFor) with the injected clock. name
// separates the limiter's keys from other limiters' on the same store.
func NewShared(store Store, c clock.Clock, name string, every time.Duration, burst int) *Limiter {
	if c == nil {
		c = clock.System{}
	}
	if store == nil {
		store = NewMemoryStore()
	}
	if name != "" {
		name += ":"
	}
	return &Limiter{store: store, clock: c, name: name, every: every, burst: burst}
}

// Allow takes one token for key. When refused, it says how long to wait.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	return l.AllowContext(context.Background(), key)
}

// AllowContext is Allow with the request's context (for the database store). When the
// store cannot be reached the action is allowed: a broken limit must not stop intake;
// the database error will surface in the action itself.
func (l *Limiter) AllowContext(ctx context.Context, key string) (bool, time.Duration) {
	ok, wait, err := l.store.Take(ctx, l.name+key, l.clock.Now(), l.every, l.burst)
	if err != nil {
		return true, 0
	}
	return ok, roundUp(wait)
}

// Backoff holds a key back for a growing delay after consecutive failures.
type Backoff struct {
	store Store
	clock clock.Clock
	name  string
	// Free failures before any delay; then Base doubling per failure, capped at Max.
	Free int
	Base time.Duration
	Max  time.Duration
}

// NewBackoff returns a Backoff on store: free failures cost nothing, then each failure
// holds the key back for base, 2×base, 4×base… up to max.
func NewBackoff(store Store, c clock.Clock, name string, free int, base, max time.Duration) *Backoff {
	if c == nil {
		c = clock.System{}
	}
	if store == nil {
		store = NewMemoryStore()
	}
	return &Backoff{store: store, clock: c, name: name + ":", Free: free, Base: base, Max: max}
}

// Delay is the hold after the nth consecutive failure.
func (b *Backoff) Delay(n int) time.Duration {
	if n <= b.Free {
		return 0
	}
	shift := n - b.Free - 1
	if shift > 30 {
		return b.Max
	}
	d := b.Base << shift
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	return d
}

// Check says whether key may try now, and if not how long to wait.
func (b *Backoff) Check(ctx context.Context, key string) (bool, time.Duration, error) {
	nb, err := b.store.NotBefore(ctx, b.name+key)
	if err != nil {
		return false, 0, err
	}
	now := b.clock.Now()
	if now.Before(nb) {
		return false, roundUp(nb.Sub(now)), nil
	}
	return true, 0, nil
}

// Fail records a failure for key.
func (b *Backoff) Fail(ctx context.Context, key string) error {
	_, err := b.store.Fail(ctx, b.name+key, b.clock.Now(), b.Delay)
	return err
}

// Reset forgets key's failures (after a success).
func (b *Backoff) Reset(ctx context.Context, key string) error {
	return b.store.Reset(ctx, b.name+key)
}

// roundUp rounds a wait up to whole seconds (Retry-After has no fractions).
func roundUp(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(d.Seconds())) * time.Second
}

// gcra decides a take: with the theoretical arrival time tat (zero: a full bucket), the
// new tat if allowed, or the wait.
func gcra(tat, now time.Time, every time.Duration, burst int) (time.Time, bool, time.Duration) {
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(every)
	limit := time.Duration(burst) * every
	if over := next.Sub(now) - limit; over > 0 {
		return tat, false, over
	}
	return next, true, 0
}

// MemoryStore keeps buckets in process memory.
type MemoryStore struct {
	mu   sync.Mutex
	keys map[string]*memEntry
}

type memEntry struct {
	tat      time.Time
	failures int
}

// NewMemoryStore returns an empty in-process store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{keys: map[string]*memEntry{}} }

func (m *MemoryStore) entry(key string, now time.Time) *memEntry {
	e, ok := m.keys[key]
	if !ok {
		if len(m.keys) > 100_000 {
			m.pruneLocked(now)
		}
		e = &memEntry{}
		m.keys[key] = e
	}
	return e
}

// Take implements Store.
func (m *MemoryStore) Take(_ context.Context, key string, now time.Time, every time.Duration, burst int) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entry(key, now)
	tat, ok, wait := gcra(e.tat, now, every, burst)
	if ok {
		e.tat = tat
	}
	return ok, wait, nil
}

// NotBefore implements Store.
func (m *MemoryStore) NotBefore(_ context.Context, key string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.keys[key]; ok {
		return e.tat, nil
	}
	return time.Time{}, nil
}

// Fail implements Store.
func (m *MemoryStore) Fail(_ context.Context, key string, now time.Time, delay func(int) time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entry(key, now)
	e.failures++
	if nb := now.Add(delay(e.failures)); nb.After(e.tat) {
		e.tat = nb
	}
	return e.failures, nil
}

// Reset implements Store.
func (m *MemoryStore) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.keys, key)
	m.mu.Unlock()
	return nil
}

// Prune implements Store. Failure counts are kept a day after their hold ends, so a
// slow guesser does not start from zero every time.
func (m *MemoryStore) Prune(_ context.Context, now time.Time) error {
	m.mu.Lock()
	m.pruneLocked(now)
	m.mu.Unlock()
	return nil
}

func (m *MemoryStore) pruneLocked(now time.Time) {
	for k, e := range m.keys {
		if e.tat.Before(now.Add(-keepFailures)) || (e.failures == 0 && e.tat.Before(now)) {
			delete(m.keys, k)
		}
	}
}

const keepFailures = 24 * time.Hour

// Source is the rate-limit key for a client address: the address itself for IPv4, its
// /64 network for IPv6 (one subscriber usually holds a whole /64, so per-address keys
// would give them 2⁶⁴ budgets). Anything that is not an address is returned as is.
func Source(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
