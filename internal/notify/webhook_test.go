package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// rebinder answers a public address for the first lookup of a name and loopback after.
type rebinder struct {
	mu   sync.Mutex
	seen map[string]int
}

func (r *rebinder) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[host]++
	if r.seen[host] == 1 {
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

// Webhook URLs to internal addresses or sirt itself are refused at registration (422
// naming url), and again at delivery after DNS resolution.
func TestWebhookSSRF(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var got atomic.Int32
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.Add(1)
			if r.URL.Path == "/redirect" {
				http.Redirect(w, r, "http://127.0.0.1:1/internal", http.StatusTemporaryRedirect)
				return
			}
			w.WriteHeader(204)
		}))
		defer receiver.Close()
		ta := testapp.New(t, d)
		adminUser := ta.User(authz.RoleAdmin)
		admin := ta.Token(adminUser)
		for _, u := range []string{receiver.URL + "/hook", "http://[::1]:9/hook", "http://169.254.169.254/latest/meta-data/",
			"http://[fe80::1]/x", "http://10.0.0.8/x", "http://172.20.0.1/x", "http://192.168.0.10/x", "http://[fd00::5]/x",
			"http://100.64.1.1/x", "http://0.0.0.0:8080/x", "http://239.1.1.1/x", "http://localhost:8080/x", ta.URL + "/api/v1/reports"} {
			r := ta.API("POST", "/api/v1/webhooks", admin, map[string]string{"organisation": "Org", "url": u})
			if r.StatusCode != 422 || !strings.Contains(r.Problem(t).Text(), "url") {
				t.Errorf("registering %s: %d %s, want 422 naming url", u, r.StatusCode, r.Body)
			}
		}

		// On premises: 127.0.0.1 allowed explicitly, but sirt itself still is not.
		onprem := testapp.NewWith(t, d, testapp.Options{Config: func(c *config.Config) { c.OutboundAllow = []string{"127.0.0.1/32"} }})
		oadmin := adminUser.Actor()
		w, err := onprem.App.Outbox.AddWebhook(ctx, oadmin, "Org", receiver.URL+"/hook")
		if err != nil {
			t.Fatalf("allowed receiver: %v", err)
		}
		if _, err := onprem.App.Outbox.AddWebhook(ctx, oadmin, "Org", onprem.URL+"/api/v1/reports"); err == nil {
			t.Fatal("sirt's own URL registered as a webhook")
		}
		redirect, err := onprem.App.Outbox.AddWebhook(ctx, oadmin, "Org", receiver.URL+"/redirect")
		if err != nil {
			t.Fatal(err)
		}

		// Delivery: a name that resolved to a public address at registration and to
		// loopback at delivery (DNS rebinding) is not connected to.
		ta.App.Outbound.Resolver = &rebinder{seen: map[string]int{}}
		_, port, _ := strings.Cut(strings.TrimPrefix(receiver.URL, "http://"), ":")
		rebound, err := ta.App.Outbox.AddWebhook(ctx, adminUser.Actor(), "Org", "http://hooks.rebind.example:"+port+"/hook")
		if err != nil {
			t.Fatalf("public at registration: %v", err)
		}
		queue := func(ta *testapp.TestApp, wh *notify.Webhook) int64 {
			var id int64
			err := ta.App.DB.InTx(ctx, func(q db.Querier) error {
				var err error
				id, err = ta.App.Outbox.QueueWebhook(ctx, q, notify.WebhookTarget{ID: wh.ID, URL: wh.URL}, "test.event", []byte(`{"x":1}`), 0)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ta.App.Jobs.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			return id
		}
		state := func(id int64) (s, e string) {
			_ = d.Read().QueryRow(ctx, "SELECT state, last_error FROM outbox WHERE id = ?", id).Scan(&s, &e)
			return
		}
		before := got.Load()
		if s, e := state(queue(ta, rebound)); s != "failed" || !strings.Contains(e, "loopback") {
			t.Fatalf("rebound delivery: %s %q, want failed naming loopback", s, e)
		}
		if got.Load() != before {
			t.Fatal("the rebound delivery reached the loopback receiver")
		}
		// The redirect to another loopback port is not followed.
		if s, e := state(queue(onprem, redirect)); s != "failed" || !strings.Contains(e, "redirect") {
			t.Fatalf("redirecting receiver: %s %q", s, e)
		}
		// The allowed receiver gets its delivery.
		if s, e := state(queue(onprem, w)); s != "sent" {
			t.Fatalf("allowed delivery: %s %q", s, e)
		}
	})
}
