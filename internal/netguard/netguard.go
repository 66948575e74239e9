// Package netguard keeps sirt's outbound requests (webhook deliveries, and later
// fetches of security.txt or SBOM URLs a user gives) away from places a user must not
// be able to point sirt at: loopback, link-local (cloud metadata at 169.254.169.254),
// private and shared address space, multicast and other special ranges, and sirt
// itself. A URL is checked when it is registered (CheckURL) and again on every
// connection (Client): the dialer checks the address it actually connects to, after
// DNS resolution, so a name that resolves elsewhere later (DNS rebinding) is refused
// too. Redirects are checked the same way.
//
// An operator can allow internal targets explicitly (on-premise receivers): Allow
// takes CIDRs, single addresses or host names.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Resolver resolves host names (net.DefaultResolver; tests give their own).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides which outbound destinations are allowed.
type Guard struct {
	allowNets  []netip.Prefix
	allowHosts map[string]bool
	self       map[string]bool // host:port of sirt's own base URL
	// Resolver resolves names for checks and connections; nil: net.DefaultResolver.
	Resolver Resolver
}

// BlockedError says why a destination is refused.
type BlockedError struct {
	Target string
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("%s is not allowed as an outbound destination: %s", e.Target, e.Reason)
}

// LookupError is a host name that could not be resolved (not a refusal: the name may
// exist later; every connection is checked again).
type LookupError struct {
	Host string
	Err  error
}

func (e *LookupError) Error() string {
	return fmt.Sprintf("%s could not be resolved: %v", e.Host, e.Err)
}
func (e *LookupError) Unwrap() error { return e.Err }

// IsBlocked reports whether err is (or wraps) a refusal by a Guard.
func IsBlocked(err error) bool {
	var b *BlockedError
	return errors.As(err, &b)
}

// New returns a Guard. allow lists what is allowed although internal: CIDRs
// (10.0.0.0/8), addresses (192.168.1.10) or host names (hooks.corp.example). selfURL is
// sirt's own base URL, never a destination.
func New(allow []string, selfURL string) (*Guard, error) {
	g := &Guard{allowHosts: map[string]bool{}, self: map[string]bool{}}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p, err := netip.ParsePrefix(a); err == nil {
			g.allowNets = append(g.allowNets, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			g.allowNets = append(g.allowNets, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		if strings.ContainsAny(a, "/: ") || strings.Trim(a, ".") == "" {
			return nil, fmt.Errorf("%q is neither a CIDR, an IP address nor a host name", a)
		}
		g.allowHosts[strings.ToLower(strings.TrimSuffix(a, "."))] = true
	}
	if selfURL != "" {
		u, err := url.Parse(selfURL)
		if err == nil && u.Host != "" {
			g.self[hostPort(u)] = true
		}
	}
	return g, nil
}

// MustNew is New for allow lists known to be valid.
func MustNew(allow []string, selfURL string) *Guard {
	g, err := New(allow, selfURL)
	if err != nil {
		panic(err)
	}
	return g
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if ip, err := netip.ParseAddr(h); err == nil {
		h = ip.Unmap().String()
	}
	return net.JoinHostPort(h, port)
}

// special lists ranges that are never a public destination, beyond what netip's
// predicates (loopback, private, link-local, multicast, unspecified) catch.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: reaches IPv4 addresses indirectly
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds IPv4 addresses
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// CheckIP says why ip is refused, or nil when it is a public address or allowed.
func (g *Guard) CheckIP(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, p := range g.allowNets {
		if p.Contains(ip) {
			return nil
		}
	}
	reason := ""
	switch {
	case !ip.IsValid():
		reason = "not an address"
	case ip.IsLoopback():
		reason = "a loopback address"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		reason = "a link-local address (cloud metadata lives there)"
	case ip.IsPrivate():
		reason = "a private address"
	case ip.IsMulticast() || ip.IsInterfaceLocalMulticast():
		reason = "a multicast address"
	case ip.IsUnspecified():
		reason = "the unspecified address"
	default:
		for _, p := range special {
			if p.Contains(ip) {
				reason = "a special-purpose address (" + p.String() + ")"
				break
			}
		}
	}
	if reason == "" {
		return nil
	}
	return &BlockedError{Target: ip.String(), Reason: reason + "; an administrator can allow it with --outbound-allow"}
}

func (g *Guard) resolver() Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// CheckURL checks a URL someone gives sirt to call: http or https, a host, not sirt
// itself, and every address the host resolves to allowed. Errors are *BlockedError for
// refused destinations, plain errors for malformed URLs or failed lookups.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries a user name or password; put credentials elsewhere", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has no valid port", raw)
		}
	}
	if g.self[hostPort(u)] {
		return &BlockedError{Target: u.Host, Reason: "it is sirt itself"}
	}
	_, err = g.resolve(ctx, u.Hostname())
	return err
}

// resolve returns host's addresses when every one is allowed (a host name on the
// allow list is allowed whatever it resolves to).
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, g.CheckIP(ip)
	}
	ips, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, &LookupError{Host: host, Err: err}
	}
	if len(ips) == 0 {
		return nil, &LookupError{Host: host, Err: errors.New("no address")}
	}
	if g.allowHosts[host] {
		return ips, nil
	}
	for _, ip := range ips {
		if err := g.CheckIP(ip); err != nil {
			return nil, &BlockedError{Target: host, Reason: "it resolves to " + err.(*BlockedError).Target + ", " + err.(*BlockedError).Reason}
		}
	}
	return ips, nil
}

// DialContext connects to addr (host:port) only when the destination is allowed: the
// name is resolved here and each address checked, and the socket is checked again
// just before it connects (net.Dialer.Control), whatever resolved it.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if g.self[net.JoinHostPort(strings.ToLower(strings.TrimSuffix(host, ".")), port)] {
		return nil, &BlockedError{Target: addr, Reason: "it is sirt itself"}
	}
	ips, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	byName := g.allowHosts[strings.ToLower(strings.TrimSuffix(host, "."))]
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		if byName {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &BlockedError{Target: address, Reason: "not an IP address and port"}
		}
		return g.CheckIP(ap.Addr())
	}}
	var firstErr error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// Options shape a Client.
type Options struct {
	Timeout time.Duration // whole request; default 15 s
	// MaxRedirects is how many redirects are followed, each to a URL that passes
	// CheckURL; 0 follows none (the 3xx answer is returned).
	MaxRedirects int
}

// Client returns an HTTP client whose connections go only where the guard allows. It
// uses no proxy from the environment (a proxy would connect on sirt's behalf, past
// the check).
func (g *Guard) Client(o Options) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
	}
	return &http.Client{Timeout: o.Timeout, Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > o.MaxRedirects {
			return http.ErrUseLastResponse
		}
		if err := g.CheckURL(req.Context(), req.URL.String()); err != nil {
			return fmt.Errorf("redirect to %s refused: %w", req.URL.Redacted(), err)
		}
		return nil
	}}
}
