package netguard_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/oss-sirt/sirt/internal/netguard"
)

// fakeDNS resolves names from a table; a name with several answers gives them in turn
// (the second lookup of a rebinding name gets the second address).
type fakeDNS struct {
	mu    sync.Mutex
	table map[string][]string
	seen  map[string]int
}

func (f *fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answers, ok := f.table[host]
	if !ok {
		return nil, &net.DNSError{Err: "not found", Name: host, IsNotFound: true}
	}
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	i := f.seen[host]
	if i >= len(answers) {
		i = len(answers) - 1
	}
	f.seen[host]++
	return []netip.Addr{netip.MustParseAddr(answers[i])}, nil
}

func TestCheckURLRefusesInternalDestinations(t *testing.T) {
	dns := &fakeDNS{table: map[string][]string{
		"loopback.example": {"127.0.0.1"}, "metadata.example": {"169.254.169.254"}, "public.example": {"93.184.215.14"},
		"v6private.example": {"fd12::1"}, "allowed.example": {"10.1.2.3"},
	}}
	g, err := netguard.New([]string{"192.168.50.0/24", "allowed.example"}, "https://sirt.example.org")
	if err != nil {
		t.Fatal(err)
	}
	g.Resolver = dns
	for _, c := range []struct {
		url     string
		blocked bool
	}{
		{"http://127.0.0.1:8080/hook", true},              // loopback
		{"http://127.1.2.3/hook", true},                   // loopback /8
		{"http://[::1]/hook", true},                       // loopback v6
		{"http://[::ffff:127.0.0.1]/hook", true},          // v4-mapped loopback
		{"http://169.254.169.254/latest/meta-data", true}, // link-local: cloud metadata
		{"http://[fe80::1%25eth0]/hook", true},            // link-local v6
		{"http://10.0.0.5/hook", true},                    // RFC 1918
		{"http://172.16.3.4/hook", true},                  // RFC 1918
		{"http://192.168.1.1/hook", true},                 // RFC 1918
		{"http://[fc00::1]/hook", true},                   // unique local
		{"http://100.64.0.1/hook", true},                  // CGNAT
		{"http://0.0.0.0/hook", true},                     // unspecified
		{"http://224.0.0.1/hook", true},                   // multicast
		{"http://255.255.255.255/hook", true},             // broadcast
		{"http://loopback.example/hook", true},            // a name resolving to loopback
		{"http://metadata.example/hook", true},            // a name resolving to link-local
		{"http://v6private.example/hook", true},           // a name resolving to fc00::/7
		{"https://sirt.example.org/api/v1/reports", true}, // sirt itself
		{"https://SIRT.example.org:443/x", true},          // sirt itself, spelled otherwise
		{"https://public.example/hook", false},            // public
		{"http://192.168.50.7/hook", false},               // on the allow list (CIDR)
		{"http://allowed.example/hook", false},            // on the allow list (name)
	} {
		err := g.CheckURL(context.Background(), c.url)
		if got := netguard.IsBlocked(err); got != c.blocked {
			t.Errorf("%s: blocked %v (%v), want %v", c.url, got, err, c.blocked)
		}
	}
	for _, bad := range []string{"ftp://public.example/", "http://user:pw@public.example/", "//public.example", "http://public.example:99999/"} {
		if err := g.CheckURL(context.Background(), bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := netguard.New([]string{"10.0.0.0/33"}, ""); err == nil {
		t.Error("a bad CIDR in the allow list was accepted")
	}
}

// Every connection is checked after resolution: a loopback receiver is refused unless
// allowed; a name that resolved to a public address when it was checked and to
// loopback when connecting (DNS rebinding) is refused; a redirect to loopback is
// refused (and not followed at all when redirects are off).
func TestClientChecksEveryConnection(t *testing.T) {
	var hits sync.Map
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		w.WriteHeader(204)
	}))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal", http.StatusFound)
	}))
	defer redirector.Close()
	_, tport, _ := net.SplitHostPort(target.Listener.Addr().String())
	_, rport, _ := net.SplitHostPort(redirector.Listener.Addr().String())
	ctx := context.Background()
	get := func(g *netguard.Guard, o netguard.Options, url string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		res, err := g.Client(o).Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}

	// Loopback without the allow list: refused at connection time.
	closed := netguard.MustNew(nil, "")
	if _, err := get(closed, netguard.Options{}, target.URL+"/direct"); !netguard.IsBlocked(err) {
		t.Fatalf("loopback receiver without the allow list: %v", err)
	}
	// With 127.0.0.1 allowed: delivered.
	open := netguard.MustNew([]string{"127.0.0.1"}, "")
	if code, err := get(open, netguard.Options{}, target.URL+"/allowed"); err != nil || code != 204 {
		t.Fatalf("allowed loopback receiver: %d %v", code, err)
	}

	// DNS rebinding: public when checked, loopback when connecting.
	dns := &fakeDNS{table: map[string][]string{"rebind.example": {"93.184.215.14", "127.0.0.1"}, "redirector.example": {"127.0.0.1"}}}
	rebinding := netguard.MustNew(nil, "")
	rebinding.Resolver = dns
	if err := rebinding.CheckURL(ctx, "http://rebind.example:"+tport+"/"); err != nil {
		t.Fatalf("first lookup is public: %v", err)
	}
	if _, err := get(rebinding, netguard.Options{}, "http://rebind.example:"+tport+"/rebound"); !netguard.IsBlocked(err) {
		t.Fatalf("a name rebound to loopback was connected to: %v", err)
	}

	// A redirect to loopback from an allowed receiver (allowed by name).
	byName := netguard.MustNew([]string{"redirector.example"}, "")
	byName.Resolver = dns
	if _, err := get(byName, netguard.Options{MaxRedirects: 5}, "http://redirector.example:"+rport+"/"); !netguard.IsBlocked(err) {
		t.Fatalf("redirect to loopback followed: %v", err)
	}
	if code, err := get(byName, netguard.Options{}, "http://redirector.example:"+rport+"/"); err != nil || code != http.StatusFound {
		t.Fatalf("redirects off: %d %v, want the 302 itself", code, err)
	}
	for _, p := range []string{"/direct", "/rebound", "/internal"} {
		if _, ok := hits.Load(p); ok {
			t.Errorf("the refused request %s reached the loopback server", p)
		}
	}
	// sirt itself is refused even when its address is allowed.
	self := netguard.MustNew([]string{"127.0.0.1"}, target.URL)
	if _, err := get(self, netguard.Options{}, target.URL+"/self"); !netguard.IsBlocked(err) {
		t.Fatalf("a request to sirt itself: %v", err)
	}
}
