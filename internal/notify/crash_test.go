package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/notify"
)

// The crash test of the outbox: 1000 messages are queued (each a row with its
// Message-ID before anything is sent), a child process — this test binary re-executed —
// sends them through a real SMTP listener in this process, and is killed with SIGKILL in
// the middle. A restarted sender drains the rest. Every recipient must have the
// message; duplicates (sent by the child, killed before it recorded "sent") are
// counted and reported.

const (
	envCrashChild = "SIRT_NOTIFY_CRASH_CHILD" // "DBPATH|SMTPPORT"
	recipients    = 1000
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(envCrashChild); spec != "" {
		os.Exit(runCrashChild(spec))
	}
	os.Exit(m.Run())
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sender(port int) mail.Sender {
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "127.0.0.1", Port: port, StartTLS: mail.StartTLSNever, HELO: "sirt.test", Timeout: 10 * time.Second})
	if err != nil {
		panic(err)
	}
	return s
}

func outbox(d *db.DB, c clock.Clock, port int) (*notify.Service, *jobs.Queue) {
	q := jobs.New(d, c, quiet())
	return notify.New(d, c, q, notify.Config{From: "Team <security@sirt.test>", Host: "sirt.test", Intake: "security@sirt.test"}, sender(port), nil), q
}

func runCrashChild(spec string) int {
	path, port, _ := strings.Cut(spec, "|")
	p, _ := strconv.Atoi(port)
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{Path: path})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	_, q := outbox(d, clock.System{}, p)
	q.Start(ctx, 4, 10*time.Millisecond) // until SIGKILL
	return 0
}

// sink is the SMTP listener's store: Message-IDs received per recipient.
type sink struct {
	mu    sync.Mutex
	got   map[string][]string
	total int
}

func (s *sink) deliver(_ context.Context, _ string, rcpts []string, raw []byte) error {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	id := m.Header.Get("Message-Id")
	time.Sleep(2 * time.Millisecond) // a relay takes a moment; the kill must land mid-way
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		s.got[strings.ToLower(r)] = append(s.got[strings.ToLower(r)], id)
		s.total++
	}
	return nil
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

func TestCrashMidSendLosesNoMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped with -short")
	}
	ctx := context.Background()
	sk := &sink{got: map[string][]string{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := mail.NewServer(mail.ServerConfig{Domain: "example.org", MaxRecipients: 5, Logger: quiet()}, sk.deliver)
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	port := l.Addr().(*net.TCPAddr).Port

	d := dbtest.NewSQLite(t)
	svc, _ := outbox(d, clock.System{}, port)
	err = d.InTx(ctx, func(q db.Querier) error {
		for i := 0; i < recipients; i++ {
			if _, err := svc.Queue(ctx, q, notify.Message{To: fmt.Sprintf("party-%d@example.org", i), Subject: "Embargoed notice",
				Body: "Case OSS-SIRT-2026-0001 is under embargo.", Purpose: "crash-test"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashChild+"="+d.Path()+"|"+strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for sk.count() < recipients/3 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the child sent only %d messages in 90 s", sk.count())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	atKill := sk.count()
	var sentRows int
	if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'").Scan(&sentRows); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed the sender after %d of %d messages reached the relay (%d recorded as sent)", atKill, recipients, sentRows)

	// Restart: a new sender whose clock is past every lease the dead one held.
	later := clock.NewFake(time.Now().Add(10 * time.Minute))
	_, q2 := outbox(d, later, port)
	for i := 0; i < 5; i++ {
		if _, err := q2.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		later.Advance(time.Hour) // past any retry backoff
	}
	var pending int
	if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE state <> 'sent'").Scan(&pending); err != nil {
		t.Fatal(err)
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	lost, dups, changedID := 0, 0, 0
	for i := 0; i < recipients; i++ {
		ids := sk.got[fmt.Sprintf("party-%d@example.org", i)]
		if len(ids) == 0 {
			lost++
			continue
		}
		dups += len(ids) - 1
		for _, id := range ids[1:] {
			if id != ids[0] {
				changedID++
			}
		}
	}
	t.Logf("after the restart: %d messages at the relay for %d recipients: %d lost, %d duplicates (same Message-ID, so mail clients show one), %d outbox rows not sent",
		sk.total, recipients, lost, dups, pending)
	if lost > 0 || pending > 0 {
		t.Fatalf("%d recipients never got the message; %d outbox rows unsent", lost, pending)
	}
	if changedID > 0 {
		t.Fatalf("%d duplicates carried a different Message-ID: a retry must resend the same message", changedID)
	}
}
