package bench

// BenchmarkFanOut: one case notification to 10 000 organisations (one contact each)
// through the outbox and a loopback SMTP server, with the default 4 job workers, on
// SQLite (and PostgreSQL when SIRT_TEST_POSTGRES is set). It reports the time from the
// request (recording the notification and its 10 000 outbox messages in one
// transaction) until nothing is pending, and the process's peak RSS (VmHWM; the SMTP
// server and the test data live in the same process). Results: docs/benchmarks.md.
//
//	go test -run '^$' -bench FanOut -benchtime 1x ./bench/

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/testapp"
)

var fanOutContacts = envInt("SIRT_FANOUT_CONTACTS", 10000)

func BenchmarkFanOut(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { fanOut(b, dbtest.NewSQLite(b)) })
	if os.Getenv("SIRT_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) { fanOut(b, dbtest.NewPostgres(b)) })
	}
}

func fanOut(b *testing.B, d *db.DB) {
	ctx := context.Background()
	var got atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := mail.NewServer(mail.ServerConfig{Domain: "example.org", AcceptRcpt: func(string) bool { return true }, Logger: quiet},
		func(_ context.Context, _ string, rcpts []string, _ []byte) error {
			got.Add(int64(len(rcpts)))
			return nil
		})
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	port := l.Addr().(*net.TCPAddr).Port

	ta := testapp.NewWith(b, d, testapp.Options{Clock: clock.System{}, Log: quiet, Config: func(c *config.Config) { c.Workers = 4 }})
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "127.0.0.1", Port: port, StartTLS: mail.StartTLSNever, HELO: "sirt.bench", Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ta.App.Outbox.SetSender(sender)
	resp := ta.User(authz.RoleResponder)
	var csv strings.Builder
	csv.WriteString("name,kind,emails,packages\n")
	for i := 0; i < fanOutContacts; i++ {
		fmt.Fprintf(&csv, "Vendor %d,vendor,psirt%d@vendor%d.example.com,pkg:maven/com.vendor%d/app\n", i, i, i, i)
	}
	if _, err := ta.App.Directory.ImportOrgs(ctx, resp.Actor(), strings.NewReader(csv.String())); err != nil {
		b.Fatal(err)
	}
	orgs, err := ta.App.Directory.Orgs(ctx, resp.Actor(), directory.OrgQuery{Limit: fanOutContacts})
	if err != nil || len(orgs) != fanOutContacts {
		b.Fatalf("%d orgs: %v", len(orgs), err)
	}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	var rep struct{ ID string }
	tok := ta.Token(resp)
	ta.API("POST", "/api/v1/reports", "", map[string]any{"summary": "fan-out benchmark"}).Want(b, 201).JSON(b, &rep)
	var c struct{ ID string }
	ta.API("POST", "/api/v1/cases", tok, map[string]any{"report_id": rep.ID}).Want(b, 201).JSON(b, &c)
	// Let the jobs the case opened run before measuring.
	if _, err := ta.App.Jobs.Drain(ctx); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		got.Store(0)
		jctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { ta.App.Jobs.Start(jctx, 4, 50*time.Millisecond); close(done) }()
		start := time.Now()
		p, err := ta.App.Directory.Notify(ctx, resp.Actor(), c.ID, directory.NotifyInput{To: directory.NotifyTarget{Orgs: ids}, Subject: "Embargoed notice", Body: "Details follow."})
		if err != nil {
			b.Fatal(err)
		}
		queued := time.Since(start)
		for {
			pr, err := ta.App.Directory.Notification(ctx, resp.Actor(), p.ID)
			if err != nil {
				b.Fatal(err)
			}
			if pr.Pending == 0 {
				if pr.Delivered != fanOutContacts || pr.Failed != 0 {
					b.Fatalf("finished with %+v", pr)
				}
				break
			}
			time.Sleep(time.Second) // polling a progress bar, as the page does (every 3 s)
		}
		elapsed := time.Since(start)
		stop()
		<-done
		if got.Load() != int64(fanOutContacts) {
			b.Fatalf("the SMTP server got %d messages, want %d", got.Load(), fanOutContacts)
		}
		b.ReportMetric(queued.Seconds(), "s-queued")
		b.ReportMetric(elapsed.Seconds(), "s-total")
		b.ReportMetric(float64(fanOutContacts)/elapsed.Seconds(), "msgs/s")
	}
	b.StopTimer()
	b.ReportMetric(float64(peakRSS())/(1<<20), "MiB-peak-RSS")
}

// peakRSS is the process's peak resident set size in bytes (Linux VmHWM; 0 elsewhere).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d kB", &kb)
			return kb * 1024
		}
	}
	return 0
}
