package mail

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
)

// Reply tokens tie a reply to the report, case or thread it answers. sirt
// chooses a token per thread (NewToken) and stores it; outgoing mail carries
// it twice, because mail clients and list servers drop one or the other:
//
//	Reply-To:   security+r-<token>@example.org   (ReplyAddress)
//	Message-ID: <r-<token>.<unique>@example.org> (NewMessageID)
//
// A reply comes back to the plus address, and/or with our Message-ID in
// In-Reply-To and References; FindToken looks in all of them.
//
// Tokens are lower-case letters and digits only, 8 to 64 of them: local
// parts are sometimes case-folded in transit, and "+", "." and "-" are the
// separators.
const tokenPrefix = "r-"

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewToken returns a random reply token of 128 bits (26 characters). It is a
// capability: whoever knows it can post into the thread by mail (subject to
// the caller's checks of the sender), so it must not be guessable.
func NewToken() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return strings.ToLower(tokenEncoding.EncodeToString(b[:]))
}

// validToken reports whether t (already lower-cased) is a token's syntax.
func validToken(t string) bool {
	if len(t) < 8 || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// ReplyAddress returns the plus address for token at the intake address
// addr: ReplyAddress("security@example.org", "abc12345") is
// "security+r-abc12345@example.org".
func ReplyAddress(addr, token string) (string, error) {
	token = strings.ToLower(token)
	if !validToken(token) {
		return "", fmt.Errorf("mail: reply token %q is not 8 to 64 letters and digits", token)
	}
	local, domain, ok := splitAddr(addr)
	if !ok {
		return "", fmt.Errorf("mail: %q is not an address like security@example.org", addr)
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return local + "+" + tokenPrefix + token + "@" + domain, nil
}

// ReplyToken returns the token of a plus address security+r-<token>@host.
// addr may be bare or "Name <addr>", in any case.
func ReplyToken(addr string) (token string, ok bool) {
	local, _, ok := splitAddr(addr)
	if !ok {
		return "", false
	}
	_, detail, ok := strings.Cut(local, "+")
	if !ok {
		return "", false
	}
	detail = strings.ToLower(detail)
	token, ok = strings.CutPrefix(detail, tokenPrefix)
	if !ok || !validToken(token) {
		return "", false
	}
	return token, true
}

// splitAddr splits "local@domain", after taking the address out of
// "Name <addr>" and dropping angle brackets.
func splitAddr(addr string) (local, domain string, ok bool) {
	addr = strings.TrimSpace(addr)
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = addr[i+1:]
		if j := strings.IndexByte(addr, '>'); j >= 0 {
			addr = addr[:j]
		}
	}
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 || strings.ContainsAny(addr, " \t\r\n<>") {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}

// NewMessageID returns a new, unique Message-ID for a message in the thread
// of token, without angle brackets: "r-<token>.<unique>@host". With an
// empty token it is just "<unique>@host". Store it with the message before
// sending: resending under the same ID is what makes retries idempotent.
func NewMessageID(token, host string) string {
	var b [16]byte
	rand.Read(b[:])
	unique := strings.ToLower(tokenEncoding.EncodeToString(b[:]))
	token = strings.ToLower(token)
	if token == "" || !validToken(token) {
		return unique + "@" + host
	}
	return tokenPrefix + token + "." + unique + "@" + host
}

// ParseMessageID returns the token and host of a Message-ID made by
// NewMessageID. id may carry angle brackets. ok is false for any other id.
func ParseMessageID(id string) (token, host string, ok bool) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	at := strings.LastIndexByte(id, '@')
	if at <= 0 || at == len(id)-1 {
		return "", "", false
	}
	local, host := strings.ToLower(id[:at]), id[at+1:]
	rest, ok := strings.CutPrefix(local, tokenPrefix)
	if !ok {
		return "", "", false
	}
	token, unique, ok := strings.Cut(rest, ".")
	if !ok || unique == "" || !validToken(token) {
		return "", "", false
	}
	return token, host, true
}

// FindToken returns the reply token an inbound message carries: first a
// plus address in To or Cc, then our Message-ID in In-Reply-To, then in
// References from the newest. With domains given, only addresses and
// Message-IDs at those domains (case-insensitive) count, so a token-shaped
// string from another system is not mistaken for ours.
//
// Bcc'd and forwarded mail shows the plus address only in the SMTP
// envelope: run ReplyToken over the Server's rcpts as well.
func FindToken(m *Message, domains ...string) (string, bool) {
	ours := func(host string) bool {
		if len(domains) == 0 {
			return true
		}
		for _, d := range domains {
			if strings.EqualFold(host, d) {
				return true
			}
		}
		return false
	}
	for _, list := range [][]Address{m.To, m.Cc} {
		for _, a := range list {
			_, host, ok := splitAddr(a.Addr)
			if !ok || !ours(host) {
				continue
			}
			if t, ok := ReplyToken(a.Addr); ok {
				return t, true
			}
		}
	}
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	for _, id := range ids {
		if t, host, ok := ParseMessageID(id); ok && ours(host) {
			return t, true
		}
	}
	return "", false
}
