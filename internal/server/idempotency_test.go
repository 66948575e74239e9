package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/idem"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func countReports(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRow(context.Background(), "SELECT COUNT(*) FROM reports").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// postFrom sends an anonymous report with an Idempotency-Key from a given loopback
// source address and returns status and receipt.
func postFrom(t *testing.T, ta *testapp.TestApp, src, key, body, token string) (int, map[string]any) {
	t.Helper()
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}).DialContext}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", ta.URL+"/api/v1/reports", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// Two replicas on one PostgreSQL database, one Idempotency-Key sent many times at once
// to both: exactly one report, every caller gets its answer. The key is stored in the
// create's transaction, so the process that loses the race rolls back and replays.
func TestIdempotencyKeyAcrossTwoReplicas(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
	open := func() *db.DB {
		d, err := db.Open(context.Background(), db.Options{DSN: full, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a, b := testapp.New(t, open()), testapp.New(t, open())
	body := `{"summary": "Deserialization RCE in yaml-lite", "details": "Sent by a client that retries."}`
	const n = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	ids := make([]string, n)
	codes := make([]int, n)
	for i := 0; i < n; i++ {
		ta := a
		if i%2 == 1 {
			ta = b
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			c, out := postFrom(t, ta, "127.0.0.1", "retry-42", body, "")
			codes[i] = c
			ids[i], _ = out["tracking_url"].(string)
		}(i)
	}
	close(start)
	wg.Wait()
	for i := range ids {
		if codes[i] != 201 || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("request %d: %d %q, want 201 with the one tracking link %q", i, codes[i], ids[i], ids[0])
		}
	}
	if got := countReports(t, a.App.DB); got != 1 {
		t.Fatalf("%d reports from one Idempotency-Key on two replicas, want 1", got)
	}
}

// Anonymous keys are scoped by key, body and source address: a second finder who
// happens to send the same key and body does not get the first finder's private
// tracking link. Signed-in callers have their own scope.
func TestIdempotencyKeysAreScopedByCaller(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		body := `{"summary": "Same words, two finders"}`
		c1, first := postFrom(t, ta, "127.0.0.1", "k1", body, "")
		c2, again := postFrom(t, ta, "127.0.0.1", "k1", body, "")
		c3, other := postFrom(t, ta, "127.0.0.2", "k1", body, "")
		if c1 != 201 || c2 != 201 || c3 != 201 {
			t.Fatalf("codes %d %d %d", c1, c2, c3)
		}
		if first["tracking_url"] != again["tracking_url"] {
			t.Fatal("the same finder's retry was not replayed")
		}
		if other["tracking_url"] == first["tracking_url"] {
			t.Fatal("a second finder (another address) got the first finder's tracking link")
		}
		u1, u2 := ta.Token(ta.User(authz.RoleMember)), ta.Token(ta.User(authz.RoleMember))
		_, m1 := postFrom(t, ta, "127.0.0.1", "k1", body, u1)
		_, m2 := postFrom(t, ta, "127.0.0.1", "k1", body, u2)
		_, m1again := postFrom(t, ta, "127.0.0.2", "k1", body, u1)
		if m1["tracking_url"] == m2["tracking_url"] || m1["tracking_url"] == first["tracking_url"] || m1again["tracking_url"] != m1["tracking_url"] {
			t.Fatalf("user scopes: %v %v %v", m1["tracking_url"], m2["tracking_url"], m1again["tracking_url"])
		}
		if c, _ := postFrom(t, ta, "127.0.0.1", "k1", `{"summary": "Another report"}`, u1); c != 422 {
			t.Fatalf("a signed-in caller's key reused for another request: %d, want 422", c)
		}
		if got := countReports(t, d); got != 4 {
			t.Fatalf("%d reports, want 4", got)
		}
	})
}

// The key is part of the create's transaction: a create whose key is taken rolls back
// entirely (no report, no tracking number used).
func TestIdempotencyKeyIsStoredWithTheCreate(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		ctx := context.Background()
		claim := func() context.Context {
			return idem.With(ctx, &idem.Claim{KeyHash: "scoped-key", RequestHash: "req", Now: ta.Clock.Now()})
		}
		s := intake.Submission{Summary: "Stored with its key"}
		if _, _, err := ta.App.Intake.Submit(claim(), authz.Anonymous(), intake.SourceAPI, s); err != nil {
			t.Fatal(err)
		}
		var status int
		if err := d.Read().QueryRow(ctx, "SELECT status FROM idempotency_keys WHERE key_hash = 'scoped-key'").Scan(&status); err != nil || status != 201 {
			t.Fatalf("key not stored by the create's transaction: %v %d", err, status)
		}
		if _, _, err := ta.App.Intake.Submit(claim(), authz.Anonymous(), intake.SourceAPI, s); !errors.Is(err, idem.ErrReplay) {
			t.Fatalf("second create with a taken key: %v, want idem.ErrReplay", err)
		}
		if got := countReports(t, d); got != 1 {
			t.Fatalf("%d reports, want 1", got)
		}
		_, rc, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "Next"})
		if !strings.HasSuffix(rc.ID, "-0002") {
			t.Fatalf("the rolled-back create used a number: next is %s", rc.ID)
		}
	})
}
