package mail_test

import (
	"testing"

	"github.com/oss-sirt/sirt/internal/mail"
)

func TestVerifySenderTrustsOnlyTheReceivingServer(t *testing.T) {
	msg := func(headers ...string) []byte {
		s := ""
		for _, h := range headers {
			s += h + "\r\n"
		}
		return []byte(s + "From: Finder <finder@mail.example.org>\r\nSubject: x\r\n\r\nbody\r\n")
	}
	const mx = "mx.sirt.example"
	for _, c := range []struct {
		name   string
		raw    []byte
		authID string
		want   bool
	}{
		{"dmarc pass", msg("Authentication-Results: mx.sirt.example; dmarc=pass header.from=mail.example.org"), mx, true},
		{"aligned dkim (parent domain)", msg("Authentication-Results: mx.sirt.example; dkim=pass header.d=example.org; spf=fail smtp.mailfrom=x@evil.example"), mx, true},
		{"aligned spf", msg("Authentication-Results: mx.sirt.example; spf=pass smtp.mailfrom=bounce@example.org"), mx, true},
		{"dkim of another domain", msg("Authentication-Results: mx.sirt.example; dkim=pass header.d=evil.example"), mx, false},
		{"dkim of a public suffix", msg("Authentication-Results: mx.sirt.example; dkim=pass header.d=org"), mx, false},
		{"dmarc fail", msg("Authentication-Results: mx.sirt.example; dmarc=fail header.from=mail.example.org"), mx, false},
		{"forged by the sender (another authserv-id)", msg("Authentication-Results: mx.evil.example; dmarc=pass header.from=mail.example.org"), mx, false},
		{"no results", msg(), mx, false},
		{"no trusted server configured", msg("Authentication-Results: mx.sirt.example; dmarc=pass"), "", false},
		{"garbage header", msg("Authentication-Results: ;;;==="), mx, false},
	} {
		got := mail.VerifySender(c.raw, c.authID, "finder@mail.example.org")
		if got.Verified != c.want || got.Reason == "" {
			t.Errorf("%s: %+v, want verified %v", c.name, got, c.want)
		}
	}
}
