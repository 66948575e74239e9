// Package events is sirt's append-only, hash-chained event log: the audit trail, the
// source of case timelines and post-mortems, of SLA metrics and of outbound webhooks.
//
// Every state change appends one event in the same transaction as the change. Each
// event's hash is SHA-256 over the previous event's hash and a canonical encoding of
// the event, so editing or deleting any entry breaks the chain at that entry; Verify
// walks the chain and names the first bad sequence number.
package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
)

// Ref names the subject of an event.
type Ref struct {
	Type string // "user", "report", "case", "advisory"…
	ID   string
}

// Event is one entry of the log.
type Event struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	ActorID  int64           `json:"actor_id,omitempty"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Subject  Ref             `json:"subject"`
	CaseID   int64           `json:"case_id,omitempty"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Log appends to and reads the event log.
type Log struct {
	clock clock.Clock
	subs  []func(Event)
}

// New returns a Log that timestamps with c.
func New(c clock.Clock) *Log { return &Log{clock: c} }

// Subscribe registers f to be called (after commit, in the committing goroutine) with
// every appended event. Subscribers must be quick; durable work goes through jobs.
func (l *Log) Subscribe(f func(Event)) { l.subs = append(l.subs, f) }

// Entry is what a caller appends.
type Entry struct {
	Action  string
	Subject Ref
	CaseID  int64
	Before  any // marshalled to JSON; nil for none
	After   any
}

// Append adds one event inside the caller's transaction q.
func (l *Log) Append(ctx context.Context, q db.Querier, actor authz.Actor, e Entry) (Event, error) {
	ev := Event{
		At: l.clock.Now(), ActorID: actor.UserID, Actor: actor.Label(), Action: e.Action,
		Subject: e.Subject, CaseID: e.CaseID,
	}
	var err error
	if ev.Before, err = marshal(e.Before); err != nil {
		return ev, fmt.Errorf("events: %s before: %w", e.Action, err)
	}
	if ev.After, err = marshal(e.After); err != nil {
		return ev, fmt.Errorf("events: %s after: %w", e.Action, err)
	}
	head, err := chainHead(ctx, q)
	if err != nil {
		return ev, err
	}
	ev.Seq, ev.PrevHash = head.seq+1, head.hash
	ev.Hash = hashOf(ev)
	var caseID, actorID any
	if ev.CaseID != 0 {
		caseID = ev.CaseID
	}
	if ev.ActorID != 0 {
		actorID = ev.ActorID
	}
	if _, err := q.Exec(ctx, `INSERT INTO events (seq, at, actor_id, actor, action, subject_type, subject_id, case_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Seq, ev.At, actorID, ev.Actor, ev.Action, ev.Subject.Type, ev.Subject.ID, caseID,
		nullJSON(ev.Before), nullJSON(ev.After), ev.PrevHash, ev.Hash); err != nil {
		return ev, fmt.Errorf("events: append %s: %w", e.Action, err)
	}
	head.seq, head.hash = ev.Seq, ev.Hash
	if len(l.subs) > 0 {
		q.AfterCommit(func() {
			for _, s := range l.subs {
				s(ev)
			}
		})
	}
	return ev, nil
}

// head is the chain head as a transaction sees it: read (and on PostgreSQL locked) at
// its first Append, advanced in memory by each Append, and written back once, just
// before the transaction commits — one read and one write per transaction instead of
// two writes per event.
type head struct {
	seq  int64
	hash string
}

type headKey struct{}

func chainHead(ctx context.Context, q db.Querier) (*head, error) {
	if h, ok := q.TxValue(headKey{}).(*head); ok {
		return h, nil
	}
	h := &head{}
	if q.SetTxValue(headKey{}, h); q.TxValue(headKey{}) == nil {
		return nil, errors.New("events: Append outside a write transaction (db.InTx)")
	}
	// FOR UPDATE holds the head until commit: appends are serialized on PostgreSQL as
	// they are on SQLite's single writer (which has no such clause).
	lock := ""
	if q.Dialect() == db.Postgres {
		lock = " FOR UPDATE"
	}
	if err := q.QueryRow(ctx, "SELECT seq, hash FROM event_chain WHERE id = 1"+lock).Scan(&h.seq, &h.hash); err != nil {
		return nil, fmt.Errorf("events: chain head: %w", err)
	}
	start := h.seq
	if err := q.BeforeCommit(func() error {
		if h.seq == start {
			return nil
		}
		if _, err := q.Exec(ctx, "UPDATE event_chain SET seq = ?, hash = ? WHERE id = 1", h.seq, h.hash); err != nil {
			return fmt.Errorf("events: chain head: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return h, nil
}

func marshal(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	}
	return json.Marshal(v)
}

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// hashOf is SHA-256(prev_hash ‖ canonical event). The canonical form is fixed here and
// must never change for existing events.
func hashOf(e Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d\n%s\n%d\n%s\n%s\n%s\n%s\n%d\n", e.PrevHash, e.Seq, e.At.UTC().Format(time.RFC3339Nano),
		e.ActorID, e.Actor, e.Action, e.Subject.Type, e.Subject.ID, e.CaseID)
	b.Write(e.Before)
	b.WriteString("\n")
	b.Write(e.After)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Query selects events to list.
type Query struct {
	Subject   *Ref
	CaseID    int64
	Action    string // exact, or a prefix ending in "." ("case.embargo.")
	AfterSeq  int64  // cursor: events with seq > AfterSeq
	BeforeSeq int64  // cursor for newest-first listing: seq < BeforeSeq
	Newest    bool   // newest first
	Limit     int
}

const columns = "seq, at, actor_id, actor, action, subject_type, subject_id, case_id, before_json, after_json, prev_hash, hash"

// List returns events matching qu that actor may see (authz.Scope on KindEvent).
func (l *Log) List(ctx context.Context, q db.Querier, actor authz.Actor, qu Query) ([]Event, error) {
	var where []string
	var args []any
	if qu.Subject != nil {
		where = append(where, "subject_type = ? AND subject_id = ?")
		args = append(args, qu.Subject.Type, qu.Subject.ID)
	}
	if qu.CaseID != 0 {
		where = append(where, "case_id = ?")
		args = append(args, qu.CaseID)
	}
	if qu.Action != "" {
		if strings.HasSuffix(qu.Action, ".") {
			where = append(where, "substr(action, 1, ?) = ?")
			args = append(args, len(qu.Action), qu.Action)
		} else {
			where = append(where, "action = ?")
			args = append(args, qu.Action)
		}
	}
	if qu.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, qu.AfterSeq)
	}
	if qu.BeforeSeq > 0 {
		where = append(where, "seq < ?")
		args = append(args, qu.BeforeSeq)
	}
	scope := authz.Scope(actor, authz.KindEvent)
	if scope.SQL != "" {
		where = append(where, "("+scope.SQL+")")
		args = append(args, scope.Args...)
	}
	sqlq := "SELECT " + columns + " FROM events"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	if qu.Newest {
		sqlq += " ORDER BY seq DESC"
	} else {
		sqlq += " ORDER BY seq"
	}
	limit := qu.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	sqlq += fmt.Sprintf(" LIMIT %d", limit)
	out, err := db.All(ctx, q, scan, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("events: list: %w", err)
	}
	return out, nil
}

func scan(s db.Scanner) (Event, error) {
	var e Event
	var actorID, caseID *int64
	var before, after *string
	if err := s.Scan(&e.Seq, &e.At, &actorID, &e.Actor, &e.Action, &e.Subject.Type, &e.Subject.ID, &caseID, &before, &after, &e.PrevHash, &e.Hash); err != nil {
		return e, fmt.Errorf("events: scan: %w", err)
	}
	e.At = e.At.UTC()
	if actorID != nil {
		e.ActorID = *actorID
	}
	if caseID != nil {
		e.CaseID = *caseID
	}
	if before != nil {
		e.Before = json.RawMessage(*before)
	}
	if after != nil {
		e.After = json.RawMessage(*after)
	}
	return e, nil
}

// ChainError names the first event at which the chain is broken.
type ChainError struct {
	Seq    int64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.Seq, e.Reason)
}

// Verify walks the whole chain. It returns the number of events checked and a
// *ChainError naming the first bad entry: one whose hash does not match its content,
// whose prev_hash is not its predecessor's hash, a missing sequence number (a deleted
// entry), or a chain head that disagrees with the last entry (entries cut off the end).
func Verify(ctx context.Context, q db.Querier) (int64, error) {
	var n, expectSeq int64 = 0, 1
	prev := ""
	const page = 5000
	for {
		evs, err := db.All(ctx, q, scan, "SELECT "+columns+" FROM events WHERE seq >= ? ORDER BY seq LIMIT ?", expectSeq, page)
		if err != nil {
			return n, fmt.Errorf("events: verify: %w", err)
		}
		got := len(evs)
		for _, e := range evs {
			if e.Seq != expectSeq {
				return n, &ChainError{Seq: expectSeq, Reason: fmt.Sprintf("entry %d is missing (next entry is %d)", expectSeq, e.Seq)}
			}
			if e.PrevHash != prev {
				return n, &ChainError{Seq: e.Seq, Reason: "its prev_hash does not match the hash of the entry before it"}
			}
			if h := hashOf(e); h != e.Hash {
				return n, &ChainError{Seq: e.Seq, Reason: "its content does not match its hash (edited)"}
			}
			prev = e.Hash
			expectSeq++
			n++
		}
		if got < page {
			break
		}
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRow(ctx, "SELECT seq, hash FROM event_chain WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return n, fmt.Errorf("events: verify: chain head: %w", err)
	}
	if headSeq != n || headHash != prev {
		return n, &ChainError{Seq: n + 1, Reason: fmt.Sprintf("the chain head records %d entries but %d are present (entries removed from the end)", headSeq, n)}
	}
	return n, nil
}

// IsChainError reports whether err is a broken chain.
func IsChainError(err error) bool {
	var ce *ChainError
	return errors.As(err, &ce)
}

// Seal sets e.Hash from its content and e.PrevHash, as Append does. It is for bulk
// loaders (the development data generator) that write a chain without Append.
func Seal(e *Event) { e.Hash = hashOf(*e) }
