package mail_test

import (
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/mail"
)

func TestTokens(t *testing.T) {
	a, b := mail.NewToken(), mail.NewToken()
	if a == b || len(a) != 26 || strings.ToLower(a) != a {
		t.Fatalf("NewToken %q %q: want distinct 26-character lower-case tokens", a, b)
	}
	addr, err := mail.ReplyAddress("security@sirt.test", a)
	if err != nil || addr != "security+r-"+a+"@sirt.test" {
		t.Fatalf("ReplyAddress = %q, %v", addr, err)
	}
	// An existing plus part is replaced, not stacked.
	if addr2, _ := mail.ReplyAddress("security+intake@sirt.test", a); addr2 != addr {
		t.Errorf("ReplyAddress on a plus address = %q", addr2)
	}
	for _, bad := range []string{"short", "has-dash123", "UPPER_CASE_", strings.Repeat("a", 65)} {
		if _, err := mail.ReplyAddress("security@sirt.test", bad); err == nil {
			t.Errorf("ReplyAddress accepted token %q", bad)
		}
	}
	if _, err := mail.ReplyAddress("not-an-address", a); err == nil {
		t.Error("ReplyAddress accepted a bad intake address")
	}

	for in, want := range map[string]string{
		addr:                                 a,
		strings.ToUpper(addr):                a, // local parts get case-folded in transit
		"Ada <" + addr + ">":                 a,
		"security+r-abcdefgh@sirt.test":      "abcdefgh",
		"security@sirt.test":                 "",
		"security+other@sirt.test":           "",
		"security+r-abc@sirt.test":           "", // too short
		"security+r-abcdefgh!@sirt.test":     "",
		"security+r-abcdefgh.evil@sirt.test": "",
		"garbage":                            "",
		"+r-abcdefgh@":                       "",
	} {
		got, ok := mail.ReplyToken(in)
		if got != want || ok != (want != "") {
			t.Errorf("ReplyToken(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	tok := mail.NewToken()
	id := mail.NewMessageID(tok, "sirt.test")
	if id2 := mail.NewMessageID(tok, "sirt.test"); id2 == id {
		t.Fatal("NewMessageID repeated itself")
	}
	for _, in := range []string{id, "<" + id + ">", strings.ToUpper(id)} {
		got, host, ok := mail.ParseMessageID(in)
		if !ok || got != tok || !strings.EqualFold(host, "sirt.test") {
			t.Errorf("ParseMessageID(%q) = %q %q %v", in, got, host, ok)
		}
	}
	plain := mail.NewMessageID("", "sirt.test")
	if strings.HasPrefix(plain, "r-") || !strings.HasSuffix(plain, "@sirt.test") {
		t.Errorf("NewMessageID without token = %q", plain)
	}
	for _, in := range []string{plain, "CAF123@mail.gmail.com", "r-abcdefgh@sirt.test", "r-abcdefgh.@sirt.test", "r-ab.x@sirt.test", "r-abcdefgh.x@", ""} {
		if got, _, ok := mail.ParseMessageID(in); ok {
			t.Errorf("ParseMessageID(%q) = %q, want not ours", in, got)
		}
	}
}

func TestFindToken(t *testing.T) {
	addrTok, irtTok, refTok := "aaaaaaaa", "bbbbbbbb", "cccccccc"
	for _, tc := range []struct {
		name    string
		m       mail.Message
		domains []string
		want    string
	}{
		{"plus address in To wins", mail.Message{
			To:        []mail.Address{{Addr: "security+r-" + addrTok + "@sirt.test"}},
			InReplyTo: []string{"r-" + irtTok + ".x@sirt.test"},
		}, nil, addrTok},
		{"Cc", mail.Message{Cc: []mail.Address{{Addr: "security+r-" + addrTok + "@sirt.test"}}}, nil, addrTok},
		{"In-Reply-To before References", mail.Message{
			InReplyTo:  []string{"r-" + irtTok + ".x@sirt.test"},
			References: []string{"r-" + refTok + ".y@sirt.test"},
		}, nil, irtTok},
		{"newest Reference first", mail.Message{
			References: []string{"r-" + irtTok + ".old@sirt.test", "foreign@example.org", "r-" + refTok + ".new@sirt.test"},
		}, nil, refTok},
		{"foreign domain ignored", mail.Message{
			To:         []mail.Address{{Addr: "list+r-" + addrTok + "@lists.example.org"}},
			References: []string{"r-" + refTok + ".x@other.example", "r-" + irtTok + ".x@SIRT.test"},
		}, []string{"sirt.test"}, irtTok},
		{"nothing", mail.Message{To: []mail.Address{{Addr: "security@sirt.test"}}, InReplyTo: []string{"abc@x"}}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := mail.FindToken(&tc.m, tc.domains...)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("FindToken = %q %v, want %q", got, ok, tc.want)
			}
		})
	}
}
