package mail

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/publicsuffix"
)

// SenderAuth is what the receiving mail server recorded about a message's sender.
type SenderAuth struct {
	// Verified: the From domain passed DMARC, or an aligned DKIM signature or SPF check.
	Verified bool
	// Reason says, in words for a responder, why (or why not).
	Reason string
}

// VerifySender reads the Authentication-Results headers (RFC 8601) of raw that the
// receiving server authservID added, and says whether the domain of fromAddr (the
// From header's address) passed: dmarc=pass, or dkim=pass for that domain or a parent,
// or spf=pass for an envelope sender in it. Headers from other servers are ignored —
// anyone can write one — and so is everything when authservID is empty: then no sender
// counts as verified.
func VerifySender(raw []byte, authservID, fromAddr string) SenderAuth {
	if authservID == "" {
		return SenderAuth{Reason: "sirt is not told which mail server's Authentication-Results to trust (--mail-authserv-id)"}
	}
	_, domain, ok := splitAddr(strings.ToLower(strings.TrimSpace(fromAddr)))
	if !ok {
		return SenderAuth{Reason: "the sender's address has no domain"}
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader() // a damaged header: what was read
	found := false
	for _, v := range h.Values("Authentication-Results") {
		id, results, err := authres.Parse(v)
		if err != nil || !strings.EqualFold(strings.TrimSpace(id), authservID) {
			continue
		}
		found = true
		for _, r := range results {
			switch r := r.(type) {
			case *authres.DMARCResult:
				if r.Value == authres.ResultPass && (r.From == "" || aligned(domain, r.From)) {
					return SenderAuth{Verified: true, Reason: "DMARC pass for " + domain}
				}
			case *authres.DKIMResult:
				if r.Value == authres.ResultPass && aligned(domain, r.Domain) {
					return SenderAuth{Verified: true, Reason: "DKIM signature of " + r.Domain + " verified"}
				}
			case *authres.SPFResult:
				if _, d, ok := splitAddr(strings.ToLower(r.From)); r.Value == authres.ResultPass && ok && aligned(domain, d) {
					return SenderAuth{Verified: true, Reason: "SPF pass for " + r.From}
				}
			}
		}
	}
	if !found {
		return SenderAuth{Reason: "the mail server " + authservID + " recorded no authentication result for this message"}
	}
	return SenderAuth{Reason: "neither DMARC, DKIM nor SPF passed for " + domain + " at " + authservID}
}

// aligned reports whether the authenticated domain d is aligned with the From domain
// (DMARC's relaxed alignment: the same organizational domain, by the public suffix
// list, so co.uk aligns with nothing).
func aligned(fromDomain, d string) bool {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" {
		return false
	}
	if d == fromDomain {
		return true
	}
	a, err1 := publicsuffix.EffectiveTLDPlusOne(fromDomain)
	b, err2 := publicsuffix.EffectiveTLDPlusOne(d)
	return err1 == nil && err2 == nil && a == b
}
