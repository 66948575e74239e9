package mail_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/mail"
)

var tokenShape = regexp.MustCompile(`^[a-z0-9]{8,64}$`)

// FuzzReplyToken: reply tokens are read from addresses of inbound mail anyone can send.
// ReplyToken never panics, returns only token-shaped strings, and a token it returns
// survives the round trip through ReplyAddress. Seeds: testdata/fuzz/FuzzReplyToken.
func FuzzReplyToken(f *testing.F) {
	for _, s := range []string{
		"security+r-abcdefgh12345678@example.org",
		"Ada <SECURITY+R-ABCDEFGH@Example.ORG>",
		"security+r-@example.org",
		"security+r-short@example.org",
		"a+b+r-abcdefgh@x",
		"<<>>@",
		"security+r-abcdefgh@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		tok, ok := mail.ReplyToken(addr)
		if !ok {
			if tok != "" {
				t.Fatalf("not ok but token %q", tok)
			}
			return
		}
		if !tokenShape.MatchString(tok) {
			t.Fatalf("ReplyToken(%q) = %q, not 8-64 lower-case letters and digits", addr, tok)
		}
		back, err := mail.ReplyAddress("security@sirt.test", tok)
		if err != nil {
			t.Fatalf("ReplyAddress(%q): %v", tok, err)
		}
		if again, ok := mail.ReplyToken(back); !ok || again != tok {
			t.Fatalf("round trip %q → %q → %q %v", tok, back, again, ok)
		}
	})
}

// FuzzParseMessageID: the token in In-Reply-To and References of inbound mail.
// ParseMessageID never panics, accepts only our shape, and reads back what
// NewMessageID wrote. Seeds: testdata/fuzz/FuzzParseMessageID.
func FuzzParseMessageID(f *testing.F) {
	for _, s := range []string{
		"<r-abcdefgh12345678.uniqueuniqueunique@sirt.test>",
		"r-abcdefgh.x@h",
		"<r-abcdefgh.@h>",
		"<r-.x@h>",
		"<plain-id@example.org>",
		"<@>",
		"r-ABCDEFGH.x@HOST",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		tok, host, ok := mail.ParseMessageID(id)
		if !ok {
			return
		}
		if !tokenShape.MatchString(tok) {
			t.Fatalf("ParseMessageID(%q) token %q is not token-shaped", id, tok)
		}
		if host == "" || strings.ContainsAny(host, "@") {
			t.Fatalf("ParseMessageID(%q) host %q", id, host)
		}
		tok2, host2, ok := mail.ParseMessageID(mail.NewMessageID(tok, host))
		if !ok || tok2 != tok || host2 != host {
			t.Fatalf("round trip of %q@%q: %q %q %v", tok, host, tok2, host2, ok)
		}
	})
}
