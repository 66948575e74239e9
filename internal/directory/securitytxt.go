package directory

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/netguard"
	"github.com/oss-sirt/sirt/internal/validate"
)

// MaxSecurityTxt is the largest security.txt read (files in the wild are a few hundred bytes).
const MaxSecurityTxt = 64 << 10

// SecurityTxt is a parsed RFC 9116 file.
type SecurityTxt struct {
	Contacts        []string   // URIs in order (mailto:, https:, tel:)
	Encryption      []string   // URIs of keys
	Policy          []string   // URIs
	Canonical       []string   // URIs
	Acknowledgments []string   // URIs
	Hiring          []string   // URIs
	Languages       []string   // Preferred-Languages tags
	Expires         *time.Time // nil when absent or unreadable
	Signed          bool       // wrapped in an OpenPGP cleartext signature
	Verified        bool       // the signature checked out against a given key
	Warnings        []string   // problems that do not stop the import
}

// ParseSecurityTxt reads a security.txt (RFC 9116). A cleartext-signed file is
// unwrapped; with keys, its signature is checked (a bad signature is an error). A file
// without a Contact is an error; a missing or past Expires is a warning (see Expired).
func ParseSecurityTxt(data []byte, keys openpgp.EntityList) (*SecurityTxt, error) {
	if len(data) > MaxSecurityTxt {
		return nil, fmt.Errorf("the file is %d bytes; a security.txt is at most %d", len(data), MaxSecurityTxt)
	}
	st := &SecurityTxt{}
	text := data
	if bytes.Contains(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		b, _ := clearsign.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("the file starts an OpenPGP signed message but it is not a valid cleartext signature")
		}
		st.Signed = true
		text = b.Plaintext
		if len(keys) > 0 {
			if _, err := b.VerifySignature(keys, nil); err != nil {
				return nil, fmt.Errorf("the OpenPGP signature does not verify: %v", err)
			}
			st.Verified = true
		}
	}
	if msg := validate.CheckText(string(text)); msg != "" {
		return nil, fmt.Errorf("the file %s", msg)
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), MaxSecurityTxt)
	line := 0
	expiresSeen := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			st.Warnings = append(st.Warnings, fmt.Sprintf("line %d is not \"Field: value\"; ignored", line))
			continue
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if value == "" {
			st.Warnings = append(st.Warnings, fmt.Sprintf("line %d: %s has no value; ignored", line, name))
			continue
		}
		uri := func(field string, list *[]string) {
			u, err := url.Parse(value)
			if err != nil || u.Scheme == "" {
				st.Warnings = append(st.Warnings, fmt.Sprintf("line %d: %s %q is not a URI; ignored", line, field, value))
				return
			}
			if u.Scheme == "http" {
				st.Warnings = append(st.Warnings, fmt.Sprintf("line %d: %s %q uses http, not https", line, field, value))
			}
			*list = append(*list, value)
		}
		switch name {
		case "contact":
			uri("Contact", &st.Contacts)
		case "encryption":
			uri("Encryption", &st.Encryption)
		case "policy":
			uri("Policy", &st.Policy)
		case "canonical":
			uri("Canonical", &st.Canonical)
		case "acknowledgments", "acknowledgements":
			uri("Acknowledgments", &st.Acknowledgments)
		case "hiring":
			uri("Hiring", &st.Hiring)
		case "preferred-languages":
			for _, t := range strings.Split(value, ",") {
				if t = strings.TrimSpace(t); t != "" {
					st.Languages = append(st.Languages, t)
				}
			}
		case "expires":
			expiresSeen++
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				st.Warnings = append(st.Warnings, fmt.Sprintf("line %d: Expires %q is not an RFC 3339 date and time", line, value))
				continue
			}
			t = t.UTC()
			st.Expires = &t
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	if len(st.Contacts) == 0 {
		return nil, fmt.Errorf("the file has no Contact field (RFC 9116 requires at least one)")
	}
	if expiresSeen == 0 {
		st.Warnings = append(st.Warnings, "the file has no Expires field (RFC 9116 requires one)")
	}
	if expiresSeen > 1 {
		st.Warnings = append(st.Warnings, "the file has more than one Expires field (RFC 9116 allows one)")
	}
	return st, nil
}

// Expired reports whether the file's Expires is before now.
func (st *SecurityTxt) Expired(now time.Time) bool {
	return st.Expires != nil && st.Expires.Before(now)
}

// Emails are the addresses of the mailto: contacts.
func (st *SecurityTxt) Emails() []string {
	var out []string
	for _, c := range st.Contacts {
		if u, err := url.Parse(c); err == nil && strings.EqualFold(u.Scheme, "mailto") {
			addr := u.Opaque
			if addr == "" {
				addr = u.Path
			}
			if i := strings.IndexByte(addr, '?'); i >= 0 {
				addr = addr[:i]
			}
			if addr != "" {
				out = append(out, strings.ToLower(addr))
			}
		}
	}
	return out
}

// domain names the organisation: the Canonical URL's host, else the source URL's,
// else the first contact address's domain or URL host.
func (st *SecurityTxt) domain(source string) string {
	for _, c := range append(append([]string{}, st.Canonical...), source) {
		if u, err := url.Parse(c); err == nil && u.Host != "" {
			return strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	for _, e := range st.Emails() {
		if i := strings.LastIndexByte(e, '@'); i >= 0 {
			return e[i+1:]
		}
	}
	for _, c := range st.Contacts {
		if u, err := url.Parse(c); err == nil && u.Host != "" {
			return strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	return "security.txt"
}

// SecurityTxtImport is what an import did.
type SecurityTxtImport struct {
	Org      *Org
	Expired  bool
	Warnings []string
}

// ImportSecurityTxt parses data (read from source: a file name or URL) and adds an
// organisation of kind with one contact per mailto: Contact (the first also gets the
// policy, languages and security.txt URL); the other contact URIs and the Encryption
// key locations go into its notes. An expired file is imported with a warning.
func (s *Service) ImportSecurityTxt(ctx context.Context, actor authz.Actor, data []byte, source, kind string, keys openpgp.EntityList) (*SecurityTxtImport, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	st, err := ParseSecurityTxt(data, keys)
	if err != nil {
		return nil, err
	}
	res := &SecurityTxtImport{Warnings: st.Warnings}
	if st.Expired(s.Clock.Now()) {
		res.Expired = true
		res.Warnings = append(res.Warnings, fmt.Sprintf("the file expired on %s: its contacts may be stale", st.Expires.Format(time.RFC3339)))
	}
	if kind == "" {
		kind = "project"
	}
	in := OrgInput{Name: st.domain(source), Kind: kind}
	srcURL := ""
	if u, err := url.Parse(source); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		srcURL = source
	}
	if len(st.Canonical) > 0 && strings.HasPrefix(st.Canonical[0], "https://") {
		srcURL = st.Canonical[0]
	}
	var notes []string
	for _, c := range st.Contacts {
		if !strings.HasPrefix(strings.ToLower(c), "mailto:") {
			notes = append(notes, "Contact: "+c)
		}
	}
	for _, e := range st.Encryption {
		notes = append(notes, "Encryption: "+e)
	}
	for _, p := range st.Policy[min(1, len(st.Policy)):] {
		notes = append(notes, "Policy: "+p)
	}
	if st.Signed {
		notes = append(notes, fmt.Sprintf("security.txt was OpenPGP-signed (signature verified: %v)", st.Verified))
	}
	if st.Expires != nil {
		notes = append(notes, "security.txt expires "+st.Expires.Format(time.RFC3339))
	}
	in.Notes = strings.Join(notes, "\n")
	policy := ""
	if len(st.Policy) > 0 && strings.HasPrefix(st.Policy[0], "http") {
		policy = st.Policy[0]
	}
	for i, e := range st.Emails() {
		c := OrgContact{Email: e}
		if i == 0 {
			c.SecurityTxtURL, c.PolicyURL, c.Languages = srcURL, policy, strings.Join(st.Languages, ", ")
		}
		in.Contacts = append(in.Contacts, c)
	}
	if len(in.Contacts) == 0 && (srcURL != "" || policy != "") {
		in.Contacts = append(in.Contacts, OrgContact{SecurityTxtURL: srcURL, PolicyURL: policy, Languages: strings.Join(st.Languages, ", ")})
	}
	var e validate.Errors
	in.check(&e)
	if err := e.Err(); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		o, err := s.insertOrg(ctx, q, actor, in, "security.txt")
		res.Org = o
		return err
	})
	return res, err
}

// FetchSecurityTxt reads a security.txt from a web address through the outbound guard
// (a bare origin means its /.well-known/security.txt).
func FetchSecurityTxt(ctx context.Context, g *netguard.Guard, raw string) ([]byte, string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", fmt.Errorf("%q is not a web address", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/.well-known/security.txt"
	}
	if err := g.CheckURL(ctx, u.String()); err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := g.Client(netguard.Options{Timeout: 15 * time.Second, MaxRedirects: 3}).Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetch %s: the server answered %s", u.Redacted(), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxSecurityTxt+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	return b, resp.Request.URL.String(), nil
}
