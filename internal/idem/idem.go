// Package idem carries an Idempotency-Key claim from the HTTP edge to the
// transaction that creates something, so that the key is stored in that same
// transaction: a create and the record of its answer commit together or not at all.
// Two requests with one key (a retry racing the original, or the same request on two
// replicas) then cannot both create: the second transaction finds the key taken,
// rolls back, and its caller is given the first answer.
package idem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
)

// TTL is how long an answer is kept for replay.
const TTL = 24 * time.Hour

// ErrReplay means another request with the same key committed first; the caller's
// transaction must roll back (nothing it did is kept) and the stored answer is
// replayed instead.
var ErrReplay = errors.New("a request with this Idempotency-Key was completed by another request; send it again to get that answer")

// Claim is one request's Idempotency-Key, already scoped to its caller.
type Claim struct {
	KeyHash     string // the scoped key
	RequestHash string // what was asked (method, path, body)
	Now         time.Time

	mu       sync.Mutex
	recorded bool
	lost     bool
}

// Recorded reports whether a create stored its answer under the claim.
func (c *Claim) Recorded() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.recorded }

// Lost reports whether another request with the key committed first.
func (c *Claim) Lost() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.lost }

type ctxKey struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c *Claim) context.Context { return context.WithValue(ctx, ctxKey{}, c) }

// From returns the claim of ctx, or nil.
func From(ctx context.Context) *Claim { c, _ := ctx.Value(ctxKey{}).(*Claim); return c }

// Record stores, inside q, the answer (status and JSON of body) of the create that q
// commits, under the request's claim; without a claim it does nothing. It returns
// ErrReplay when the key is taken already (q must then roll back).
func Record(ctx context.Context, q db.Querier, status int, body any) error {
	c := From(ctx)
	if c == nil {
		return nil
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("idem: encode answer: %w", err)
	}
	if _, err := q.Exec(ctx, "DELETE FROM idempotency_keys WHERE key_hash = ? AND created_at <= ?", c.KeyHash, c.Now.Add(-TTL)); err != nil {
		return fmt.Errorf("idem: expire key: %w", err)
	}
	res, err := q.Exec(ctx, `INSERT INTO idempotency_keys (key_hash, request_hash, status, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (key_hash) DO NOTHING`, c.KeyHash, c.RequestHash, status, "application/json", raw, c.Now)
	if err != nil {
		return fmt.Errorf("idem: store key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n == 0 {
		c.lost = true
		return ErrReplay
	}
	c.recorded, c.lost = true, false
	return nil
}
