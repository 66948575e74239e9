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
	"time"

	"github.com/oss-sirt/sirt/internal/api"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/reqctx"
)

// idempotency makes API POSTs safe to retry: a client that sends an Idempotency-Key
// header and retries (after a timeout, a dropped connection) gets the first answer
// again instead of creating a second report or case. Keys are per caller; answers are
// kept 24 hours; the same key with a different request is refused. Concurrent requests
// with one key in one process wait for the first.
type idempotency struct {
	db    *db.DB
	clock clock.Clock
	mu    sync.Mutex
	busy  map[string]*sync.Mutex
}

// IdempotencyTTL is how long answers are kept.
const IdempotencyTTL = 24 * time.Hour

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

type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
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
		kh := hash(reqctx.Actor(ctx).Label(), key)
		rh := hash(r.Method, r.URL.Path, string(body))
		unlock := ip.lock(kh)
		defer unlock()

		var storedReq, ct string
		var status int
		var stored []byte
		err = ip.db.Read().QueryRow(ctx, "SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE key_hash = ? AND created_at > ?",
			kh, ip.clock.Now().Add(-IdempotencyTTL)).Scan(&storedReq, &status, &ct, &stored)
		if err == nil {
			if storedReq != rh {
				api.WriteProblem(w, http.StatusUnprocessableEntity, "this Idempotency-Key was used for a different request; use a new key for a new request")
				return
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(status)
			_, _ = w.Write(stored)
			return
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status >= 200 && rec.status < 300 {
			_ = ip.db.InTx(context.WithoutCancel(ctx), func(q db.Querier) error {
				_, err := q.Exec(ctx, `INSERT INTO idempotency_keys (key_hash, request_hash, status, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (key_hash) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
					content_type = excluded.content_type, body = excluded.body, created_at = excluded.created_at`,
					kh, rh, rec.status, rec.Header().Get("Content-Type"), rec.buf.Bytes(), ip.clock.Now())
				return err
			})
		}
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
