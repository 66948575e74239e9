package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/realclientip/realclientip-go"

	"github.com/oss-sirt/sirt/internal/reqctx"
)

// TestClientAddress: behind trusted proxies the client is the right-most address the
// proxies did not write themselves; headers from anyone else, and anything left of that
// address, are the client's own words and change nothing.
func TestClientAddress(t *testing.T) {
	trusted, err := realclientip.AddressesAndRangesToIPNets("10.0.0.0/8", "192.0.2.7", "::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, header, peer string
		headers            map[string][]string
		want               string
	}{
		{"direct client, no header", "", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"direct client spoofing XFF", "", "203.0.113.5:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.5"},
		{"direct client spoofing Forwarded", "Forwarded", "203.0.113.5:4000", map[string][]string{"Forwarded": {"for=198.51.100.1"}}, "203.0.113.5"},
		{"direct client spoofing a trusted address", "", "203.0.113.5:4000", map[string][]string{"X-Forwarded-For": {"10.0.0.1"}}, "203.0.113.5"},
		{"one trusted proxy", "", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.20"}}, "198.51.100.20"},
		{"client prepends a fake address", "", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"1.2.3.4, 198.51.100.20"}}, "198.51.100.20"},
		{"client sends its own XFF line first", "", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"1.2.3.4", "198.51.100.20"}}, "198.51.100.20"},
		{"two trusted proxies", "", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"1.2.3.4, 198.51.100.20, 192.0.2.7"}}, "198.51.100.20"},
		{"client claims to be a trusted proxy", "", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.20, 10.9.9.9"}}, "198.51.100.20"},
		{"garbage where the client should be", "", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.20, not-an-ip"}}, "10.1.2.3"},
		{"trusted proxy, no header", "", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 loopback proxy, IPv6 client", "", "[::1]:5000", map[string][]string{"X-Forwarded-For": {"2001:db8::42"}}, "2001:db8::42"},
		{"IPv4-mapped client", "", "[::1]:5000", map[string][]string{"X-Forwarded-For": {"::ffff:198.51.100.9"}}, "198.51.100.9"},
		{"Forwarded, RFC 7239", "Forwarded", "10.1.2.3:5000", map[string][]string{"Forwarded": {`for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https, for=192.0.2.7`}}, "2001:db8:cafe::17"},
		{"Forwarded configured, client sends XFF", "Forwarded", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"1.2.3.4"}, "Forwarded": {"for=198.51.100.30"}}, "198.51.100.30"},
		{"XFF configured, client sends Forwarded", "", "10.1.2.3:5000", map[string][]string{"Forwarded": {"for=1.2.3.4"}, "X-Forwarded-For": {"198.51.100.31"}}, "198.51.100.31"},
		{"Forwarded obfuscated identifier", "Forwarded", "10.1.2.3:5000", map[string][]string{"Forwarded": {"for=_hidden"}}, "10.1.2.3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got string
			h := clientAddress(trusted, c.header, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = reqctx.ClientIP(r.Context())
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = c.peer
			for k, vs := range c.headers {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != c.want {
				t.Fatalf("client %q, want %q", got, c.want)
			}
		})
	}
	// Without trusted proxies every header is ignored.
	var got string
	h := clientAddress(nil, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = reqctx.ClientIP(r.Context()) }))
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != "127.0.0.1" {
		t.Fatalf("no trusted proxies: client %q", got)
	}
}
