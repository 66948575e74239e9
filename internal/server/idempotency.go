package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/oss-sirt/sirt/internal/api"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/idem"
	"github.com/oss-sirt/sirt/internal/reqctx"
)

// idempotency makes API POSTs safe to retry: a client that sends an Idempotency-Key
// header and retries (after a timeout, a dropped connection) gets the first answer
// again instead of creating a second report or case. Answers are kept 24 hours.
//
// Keys are scoped to the caller: a signed-in user (session or token) has their own;
// anonymous callers have one scope per key, request body and source address, so one
// finder's key never returns another finder's private tracking link. The same key
// with a different request is refused (422) for signed-in callers; for anonymous ones
// a different body is simply a different scope.
//
// Creates that support it (package idem: reports so far) store the key in the same
// transaction as what they create, so a crash or a second replica cannot create twice:
// the request that loses the race rolls back and replays the winner's answer. Other
// POSTs store their answer after the handler, serialized per key within a process.
type idempotency struct {
	db    *db.DB
	clock clock.Clock
	mu    sync.Mutex
	busy  map[string]*sync.Mutex
}

// IdempotencyTTL is how long answers are kept.
const IdempotencyTTL = idem.TTL

func newIdempotency(d *db.DB, c clock.Clock) *idempotency {
	return &idempotency{db: d, clock: c, busy: map[string]*sync.Mutex{}}
}

func (ip *idempotency) lock(key string) func() {
	ip.mu.Lock()
	m, ok := ip.busy[key]
	if !ok {
		m = &sync.Mutex{}
		ip.busy[key] = m
	}
	ip.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		ip.mu.Lock()
		delete(ip.busy, key)
		ip.mu.Unlock()
	}
}

// recorder holds the handler's answer until it is known whether it is the one to send.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(b)
}

func (r *recorder) send(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.buf.Bytes())
}

// scope names the caller a key belongs to.
func idempotencyScope(ctx context.Context, body []byte) string {
	a := reqctx.Actor(ctx)
	switch {
	case a.UserID != 0:
		return "user:" + strconv.FormatInt(a.UserID, 10)
	case a.IsSystem():
		return a.Label()
	default:
		return hash("anonymous", api.ClientIP(ctx), string(body))
	}
}

type storedAnswer struct {
	request, contentType string
	status               int
	body                 []byte
}

func (ip *idempotency) stored(ctx context.Context, kh string) (*storedAnswer, error) {
	var a storedAnswer
	err := ip.db.Read().QueryRow(ctx, "SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE key_hash = ? AND created_at > ?",
		kh, ip.clock.Now().Add(-IdempotencyTTL)).Scan(&a.request, &a.status, &a.contentType, &a.body)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (a *storedAnswer) replay(w http.ResponseWriter, rh string) {
	if a.request != rh {
		api.WriteProblem(w, http.StatusUnprocessableEntity, "this Idempotency-Key was used for a different request; use a new key for a new request")
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func (ip *idempotency) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 {
			api.WriteProblem(w, http.StatusBadRequest, "the Idempotency-Key header is longer than 255 characters")
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			api.WriteProblem(w, http.StatusRequestEntityTooLarge, "the request body could not be read: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx := r.Context()
		kh := hash(idempotencyScope(ctx, body), key)
		rh := hash(r.Method, r.URL.Path, string(body))
		unlock := ip.lock(kh)
		defer unlock()

		if a, err := ip.stored(ctx, kh); err == nil {
			a.replay(w, rh)
			return
		}
		claim := &idem.Claim{KeyHash: kh, RequestHash: rh, Now: ip.clock.Now()}
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r.WithContext(idem.With(ctx, claim)))
		switch {
		case claim.Lost():
			// Another request (another replica) created it first; ours rolled back.
			if a, err := ip.stored(ctx, kh); err == nil {
				a.replay(w, rh)
				return
			}
		case rec.status >= 200 && rec.status < 300 && claim.Recorded():
			// Stored with the create; keep the exact answer for replays.
			_ = ip.db.InTx(context.WithoutCancel(ctx), func(q db.Querier) error {
				_, err := q.Exec(ctx, "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE key_hash = ?",
					rec.status, rec.header.Get("Content-Type"), rec.buf.Bytes(), kh)
				return err
			})
		case rec.status >= 200 && rec.status < 300:
			_ = ip.db.InTx(context.WithoutCancel(ctx), func(q db.Querier) error {
				_, err := q.Exec(ctx, `INSERT INTO idempotency_keys (key_hash, request_hash, status, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (key_hash) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
					content_type = excluded.content_type, body = excluded.body, created_at = excluded.created_at`,
					kh, rh, rec.status, rec.header.Get("Content-Type"), rec.buf.Bytes(), ip.clock.Now())
				return err
			})
		}
		rec.send(w)
	})
}

// prune deletes answers older than the TTL (a periodic job).
func (ip *idempotency) prune(ctx context.Context) error {
	return ip.db.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_at <= ?", ip.clock.Now().Add(-IdempotencyTTL))
		return err
	})
}

func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
