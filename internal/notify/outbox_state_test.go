package notify_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/notify"
)

// relay is a mail.Sender whose answer the test sets.
type relay struct {
	mu   sync.Mutex
	err  error
	sent []string
}

func (r *relay) Send(_ context.Context, o *mail.Outgoing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.sent = append(r.sent, o.To...)
	return nil
}

func (r *relay) set(err error) { r.mu.Lock(); r.err = err; r.mu.Unlock() }

func (r *relay) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.sent) }

type outboxFixture struct {
	d     *db.DB
	clock *clock.Fake
	q     *jobs.Queue
	svc   *notify.Service
	relay *relay
}

func newOutbox(t *testing.T, d *db.DB) *outboxFixture {
	f := &outboxFixture{d: d, clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), relay: &relay{}}
	f.q = jobs.New(d, f.clock, quiet())
	f.svc = notify.New(d, f.clock, f.q, notify.Config{From: "security@sirt.test", Host: "sirt.test", Intake: "security@sirt.test"}, f.relay, nil)
	return f
}

func (f *outboxFixture) queue(t *testing.T, to string) int64 {
	t.Helper()
	var id int64
	err := f.d.InTx(context.Background(), func(q db.Querier) error {
		var err error
		id, err = f.svc.Queue(context.Background(), q, notify.Message{To: to, Subject: "s", Body: "b", Purpose: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *outboxFixture) drain(t *testing.T) {
	t.Helper()
	if _, err := f.q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *outboxFixture) message(t *testing.T, id int64) (state, lastErr string) {
	t.Helper()
	if err := f.d.Read().QueryRow(context.Background(), "SELECT state, last_error FROM outbox WHERE id = ?", id).Scan(&state, &lastErr); err != nil {
		t.Fatal(err)
	}
	return
}

func (f *outboxFixture) jobOf(t *testing.T, id int64) (jobID int64, state string) {
	t.Helper()
	err := f.d.Read().QueryRow(context.Background(), "SELECT id, state FROM jobs WHERE kind = ? AND unique_key = ?", notify.JobSend, "outbox:"+itoa(id)).Scan(&jobID, &state)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (f *outboxFixture) retry(t *testing.T, jobID int64) {
	t.Helper()
	if err := f.d.InTx(context.Background(), func(tx db.Querier) error { return f.q.Retry(context.Background(), tx, jobID) }); err != nil {
		t.Fatal(err)
	}
}

// A message whose job gives up after its attempts shows "failed" (it used to stay
// "pending" for ever, though nothing would send it), and an admin's retry of the job
// makes it "pending" again and sends it.
func TestOutboxStateFollowsItsJobThroughRetries(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newOutbox(t, d)
		f.relay.set(&mail.SendError{Host: "relay", Stage: "connect", Temporary: true, Err: errors.New("connection refused")})
		id := f.queue(t, "ada@example.org")
		for i := 0; i < 12; i++ {
			f.drain(t)
			if st, _ := f.message(t, id); i < 11 && st != "pending" {
				t.Fatalf("after %d temporary failures the message is %q, want pending", i+1, st)
			}
			f.clock.Advance(7 * time.Hour) // past the longest backoff
		}
		jobID, jst := f.jobOf(t, id)
		st, lastErr := f.message(t, id)
		if jst != "dead" || st != "failed" || lastErr == "" {
			t.Fatalf("after the last attempt: job %s, message %s (%q); want dead, failed with the error", jst, st, lastErr)
		}

		f.relay.set(nil)
		f.retry(t, jobID)
		if st, _ := f.message(t, id); st != "pending" {
			t.Fatalf("after the admin's retry the message is %q, want pending", st)
		}
		f.drain(t)
		if st, _ := f.message(t, id); st != "sent" || f.relay.count() != 1 {
			t.Fatalf("after the retried run: message %s, %d sent; want sent, 1", st, f.relay.count())
		}
	})
}

// A permanent refusal fails the message at once; retried (the admin fixed the address
// or the relay), it is sent — before, the retried job found it "failed" and did nothing.
func TestOutboxPermanentFailureThenRetrySends(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newOutbox(t, d)
		f.relay.set(&mail.SendError{Host: "relay", Stage: "RCPT TO <ada@example.org>", Code: 550, Err: errors.New("550 mailbox unavailable")})
		id := f.queue(t, "ada@example.org")
		f.drain(t)
		jobID, jst := f.jobOf(t, id)
		if st, _ := f.message(t, id); jst != "dead" || st != "failed" {
			t.Fatalf("after a 550: job %s, message %s; want dead, failed", jst, st)
		}
		f.relay.set(nil)
		f.retry(t, jobID)
		f.drain(t)
		if st, _ := f.message(t, id); st != "sent" || f.relay.count() != 1 {
			t.Fatalf("retried after a permanent failure: message %s, %d sent; want sent, 1", st, f.relay.count())
		}
		// Retrying a job that is not dead changes nothing.
		err := d.InTx(context.Background(), func(tx db.Querier) error { return f.q.Retry(context.Background(), tx, jobID) })
		if !db.NotFound(err) {
			t.Fatalf("retry of a done job: %v", err)
		}
		if st, _ := f.message(t, id); st != "sent" {
			t.Fatalf("message %s after a refused retry", st)
		}
	})
}
