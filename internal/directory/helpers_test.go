package directory_test

import (
	"bytes"
	"context"
	"encoding/json"

	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type fixture struct {
	ta                        *testapp.TestApp
	resp, pgm, admin, member  testapp.User
	tResp, tPgM, tAdmin, tMem string
	caseID                    string
	sink                      *sink
	smtpPort                  int
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{ta: testapp.New(t, d)}
	f.resp = f.ta.User(authz.RoleResponder)
	f.pgm = f.ta.User(authz.RolePgM)
	f.admin = f.ta.User(authz.RoleAdmin)
	f.member = f.ta.User(authz.RoleMember)
	f.tResp, f.tPgM, f.tAdmin, f.tMem = f.ta.Token(f.resp), f.ta.Token(f.pgm), f.ta.Token(f.admin), f.ta.Token(f.member)
	return f
}

func (f *fixture) call(t *testing.T, method, path, token string, body any, want ...int) *testapp.Response {
	t.Helper()
	return f.ta.API(method, "/api/v1"+path, token, body).Want(t, want...)
}

// openCase opens a case from a report affecting log4j-core and returns its id.
func (f *fixture) openCase(t *testing.T) string {
	t.Helper()
	var rep struct{ ID string }
	f.call(t, "POST", "/reports", "", map[string]any{"summary": "RCE through JNDI lookups", "details": "Lookup strings are resolved.",
		"affected": []any{map[string]any{"package": map[string]any{"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"}, "versions": []string{"2.14.1"}}}},
		201).JSON(t, &rep)
	var c struct{ ID string }
	f.call(t, "POST", "/cases", f.tResp, map[string]any{"report_id": rep.ID}, 201).JSON(t, &c)
	f.caseID = c.ID
	return c.ID
}

func (f *fixture) org(t *testing.T, name, kind string, emails []string, pkgs ...string) int64 {
	t.Helper()
	cs := []map[string]any{}
	for _, e := range emails {
		cs = append(cs, map[string]any{"email": e})
	}
	var o directory.Org
	f.call(t, "POST", "/orgs", f.tResp, map[string]any{"name": name, "kind": kind, "contacts": cs, "packages": pkgs}, 201).JSON(t, &o)
	return o.ID
}

// sink is a loopback SMTP server's store.
type sink struct {
	mu     sync.Mutex
	got    map[string]int
	raw    map[string][]byte
	refuse map[string]bool
}

func (s *sink) deliver(_ context.Context, _ string, rcpts []string, raw []byte) error {
	if _, err := netmail.ReadMessage(bytes.NewReader(raw)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		r = strings.ToLower(strings.Trim(r, "<>"))
		s.got[r]++
		s.raw[r] = raw
	}
	return nil
}

func (s *sink) accept(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.refuse[strings.ToLower(addr)]
}

func (s *sink) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// startSMTP runs a loopback SMTP server and points the app's outbox at it.
func (f *fixture) startSMTP(t *testing.T) {
	t.Helper()
	f.sink = &sink{got: map[string]int{}, raw: map[string][]byte{}, refuse: map[string]bool{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := mail.NewServer(mail.ServerConfig{Domain: "example.org", MaxRecipients: 5, AcceptRcpt: f.sink.accept,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, f.sink.deliver)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	f.smtpPort = l.Addr().(*net.TCPAddr).Port
	f.ta.App.Outbox.SetSender(smtpSender(f.smtpPort))
}

func smtpSender(port int) mail.Sender {
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "127.0.0.1", Port: port, StartTLS: mail.StartTLSNever, HELO: "sirt.test", Timeout: 10 * time.Second})
	if err != nil {
		panic(err)
	}
	return s
}

func (f *fixture) drain(t *testing.T) {
	t.Helper()
	if _, err := f.ta.App.Jobs.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// checkCatalogue: every directory event is in the catalogue and its payload decodes,
// without unknown fields, into the catalogue's type; the audit chain verifies.
func checkCatalogue(t *testing.T, f *fixture) {
	t.Helper()
	n := 0
	for _, prefix := range []string{"directory.", "siren."} {
		evs, err := f.ta.App.Events.List(context.Background(), f.ta.App.DB.Read(), authz.System("test"), events.Query{Action: prefix, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			n++
			zero, ok := directory.Catalogue[ev.Action]
			if !ok {
				t.Errorf("event %s is not in the catalogue", ev.Action)
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(ev.After))
			dec.DisallowUnknownFields()
			v := reflect.New(reflect.TypeOf(zero)).Interface()
			if err := dec.Decode(v); err != nil {
				t.Errorf("event %s payload %s does not decode into %T: %v", ev.Action, ev.After, zero, err)
			}
		}
	}
	if n == 0 {
		t.Error("no directory events were recorded")
	}
	if _, err := events.Verify(context.Background(), f.ta.App.DB.Read()); err != nil {
		t.Error(err)
	}
}

func problemField(t *testing.T, r *testapp.Response, field string) {
	t.Helper()
	p := r.Problem(t)
	if !strings.Contains(p.Text(), field) {
		t.Errorf("the problem does not name %s: %s", field, p.Text())
	}
}
