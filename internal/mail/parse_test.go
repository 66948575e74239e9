package mail_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgpclearsign "github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParsePlainLatin1(t *testing.T) {
	raw := crlf(`From: =?ISO-8859-1?Q?Ren=E9?= <rene@example.org>
To: security@sirt.test, "Second" <second@sirt.test>
Cc: cc@example.org
Subject: =?UTF-8?B?UGF0aCB0cmF2ZXJzYWwg4oCUIHRhci1saXRl?=
Date: Mon, 2 Mar 2026 10:00:00 +0100
Message-ID: <CAF1234@mail.example.org>
In-Reply-To: <r-abcdefgh.xyz@sirt.test>
References: <a@x> <r-abcdefgh.xyz@sirt.test>
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Caf=E9 au lait.
Second line.
`)
	m, err := mail.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != (mail.Address{Name: "René", Addr: "rene@example.org"}) {
		t.Errorf("From %+v", m.From)
	}
	if len(m.To) != 2 || m.To[1] != (mail.Address{Name: "Second", Addr: "second@sirt.test"}) || len(m.Cc) != 1 {
		t.Errorf("To %+v Cc %+v", m.To, m.Cc)
	}
	if m.Subject != "Path traversal — tar-lite" {
		t.Errorf("Subject %q", m.Subject)
	}
	if m.MessageID != "CAF1234@mail.example.org" || m.InReplyTo[0] != "r-abcdefgh.xyz@sirt.test" || len(m.References) != 2 {
		t.Errorf("ids %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if m.Date.IsZero() || m.Date.UTC().Hour() != 9 {
		t.Errorf("Date %v", m.Date)
	}
	if m.Text != "Café au lait.\nSecond line.\n" {
		t.Errorf("Text %q", m.Text)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestParseMultipartWithAttachments(t *testing.T) {
	payload := []byte("\x00\x01binary\xff")
	raw := crlf(`From: ada@example.org
To: security@sirt.test
Subject: report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Plain body.
--alt
Content-Type: text/html; charset=utf-8

<p>HTML body</p>
--alt--
--outer
Content-Type: application/octet-stream; name="x.bin"
Content-Disposition: attachment; filename="../../etc/passwd"
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString(payload) + `
--outer
Content-Type: text/plain; name="notes.txt"
Content-Disposition: inline; filename="notes.txt"

inline text file
--outer
Content-Type: message/rfc822

From: someone@example.net
Subject: forwarded

fwd body
--outer--
`)
	m, err := mail.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "Plain body." {
		t.Errorf("Text %q, want the text/plain alternative", m.Text)
	}
	if m.HTML != "<p>HTML body</p>" {
		t.Errorf("HTML %q", m.HTML)
	}
	want := []struct{ name, ct, data string }{
		{"passwd", "application/octet-stream", string(payload)},
		{"notes.txt", "text/plain", "inline text file"},
		{"forwarded-message.eml", "message/rfc822", "From: someone@example.net\r\nSubject: forwarded\r\n\r\nfwd body"},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("%d attachments, want %d: %+v", len(m.Attachments), len(want), m.Attachments)
	}
	for i, w := range want {
		a := m.Attachments[i]
		if a.Filename != w.name || a.ContentType != w.ct || string(a.Data) != w.data {
			t.Errorf("attachment %d = %q %q %q, want %q %q %q", i, a.Filename, a.ContentType, a.Data, w.name, w.ct, w.data)
		}
	}
}

func TestParseHTMLOnly(t *testing.T) {
	raw := crlf(`From: ada@example.org
Content-Type: text/html; charset=utf-8

<html><head><title>t</title><style>p{color:red}</style></head><body>
<h1>Report</h1><p>Path&nbsp;traversal in <b>tar-lite</b>.</p>
<script>alert(1)</script>
<ul><li>one</li><li>two</li></ul>See <a href="https://example.org/poc">the PoC</a>.<br>Bye
</body></html>
`)
	m, err := mail.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "Report\n\nPath\u00a0traversal in tar-lite.\n\n- one\n- two\nSee the PoC (https://example.org/poc).\nBye"
	if m.Text != want {
		t.Errorf("Text\n%q\nwant\n%q", m.Text, want)
	}
	if strings.Contains(m.Text, "alert") || strings.Contains(m.Text, "color") {
		t.Error("script or style text leaked into Text")
	}
}

func TestParseInlinePGP(t *testing.T) {
	team := newKey(t, "security@sirt.test")
	finder := newKey(t, "ada@example.org")
	ct, err := finder.Encrypt([]byte("secret details\r\nline two"), team.Entity())
	if err != nil {
		t.Fatal(err)
	}
	raw := crlf("From: ada@example.org\nTo: security@sirt.test\nSubject: inline\n\nHello,\n\n" + string(ct) + "\n> -----BEGIN PGP MESSAGE-----\n> quoted, left alone\nBye\n")
	m, err := mail.Parse(raw, team)
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello,\n\nsecret details\nline two\n> -----BEGIN PGP MESSAGE-----\n> quoted, left alone\nBye\n"
	if m.Text != want {
		t.Errorf("Text\n%q\nwant\n%q", m.Text, want)
	}
	if !m.Encrypted || !m.Signed {
		t.Errorf("Encrypted=%v Signed=%v, want both", m.Encrypted, m.Signed)
	}

	// Inline armor for another key: a clear error naming the key.
	other := newKey(t, "other@example.net")
	ct2, _ := pgpkey.Encrypt([]byte("x"), nil, other.Entity())
	_, err = mail.Parse(crlf("From: a@example.org\n\n"+string(ct2)), team)
	if !errors.Is(err, pgpkey.ErrNotForKey) || !strings.Contains(err.Error(), "mail: ") || !strings.Contains(err.Error(), "key id ") {
		t.Fatalf("inline PGP for another key: %v", err)
	}
	// No key configured.
	if _, err := mail.Parse(raw, nil); err == nil || !strings.Contains(err.Error(), "no team key") {
		t.Fatalf("without a key: %v", err)
	}
}

func TestParseClearSigned(t *testing.T) {
	// Produce a real clear-signed text with go-crypto via the team key.
	k := newKey(t, "ada@example.org")
	signed := clearsign(t, k, "I found a bug.\n-- \nAda\n")
	raw := crlf("From: ada@example.org\n\nPreface\n" + signed + "After\n")
	m, err := mail.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Signed || m.Encrypted {
		t.Errorf("Signed=%v Encrypted=%v", m.Signed, m.Encrypted)
	}
	// Clear-signing ignores trailing white space (RFC 4880 7.1): "-- " reads back as "--".
	if !strings.Contains(m.Text, "Preface\nI found a bug.\n--\nAda\n") || strings.Contains(m.Text, "BEGIN PGP") || !strings.HasSuffix(m.Text, "After\n") {
		t.Errorf("Text %q", m.Text)
	}
}

func clearsign(t *testing.T, k *pgpkey.Key, text string) string {
	t.Helper()
	var b bytes.Buffer
	w, err := pgpclearsign.Encode(&b, k.Entity().PrivateKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(text))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String() + "\n"
}

func TestParseEncryptedAttachments(t *testing.T) {
	team := newKey(t, "security@sirt.test")
	other := newKey(t, "maintainer@example.net")
	forTeam, _ := pgpkey.Encrypt([]byte("exploit code"), nil, team.Entity())
	forOther, _ := pgpkey.Encrypt([]byte("for the maintainer"), nil, other.Entity())
	raw := crlf(fmt.Sprintf(`From: ada@example.org
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

see attached
--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="exploit.py.asc"

%s
--b
Content-Type: application/pgp-encrypted
Content-Disposition: attachment; filename="for-maintainer.txt.pgp"

%s
--b--
`, forTeam, forOther))
	m, err := mail.Parse(raw, team)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	if a := m.Attachments[0]; a.Filename != "exploit.py" || string(a.Data) != "exploit code" {
		t.Errorf("decrypted attachment %q %q", a.Filename, a.Data)
	}
	if a := m.Attachments[1]; a.Filename != "for-maintainer.txt.pgp" || !bytes.Contains(a.Data, []byte("BEGIN PGP MESSAGE")) {
		t.Errorf("attachment for another key should be kept encrypted: %q", a.Filename)
	}
	if !m.Encrypted || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "for-maintainer.txt.pgp") {
		t.Errorf("Encrypted=%v warnings %q", m.Encrypted, m.Warnings)
	}
}

func TestParsePGPMIMEErrors(t *testing.T) {
	team := newKey(t, "security@sirt.test")
	other := newKey(t, "other@example.net")
	raw, _, err := mail.Compose(&mail.Outgoing{From: "a@example.org", To: []string{"security@sirt.test"}, Subject: "s", Text: "t", EncryptTo: other.PublicArmored()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mail.Parse(raw, team)
	if !errors.Is(err, pgpkey.ErrNotForKey) {
		t.Fatalf("PGP/MIME for another key: %v", err)
	}
	sub, _ := other.Entity().EncryptionKey(other.Created().AddDate(0, 0, 1))
	if !strings.Contains(err.Error(), "not the team key") || !strings.Contains(err.Error(), sub.PublicKey.KeyIdString()) {
		t.Errorf("error %q should name key id %s", err, sub.PublicKey.KeyIdString())
	}
	if _, err := mail.Parse(raw, nil); err == nil || !strings.Contains(err.Error(), "no team key is configured") {
		t.Errorf("PGP/MIME without a key: %v", err)
	}
	// A multipart/encrypted without the encrypted part.
	broken := crlf("From: a@example.org\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n\n--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--b--\n")
	if _, err := mail.Parse(broken, team); err == nil || !strings.Contains(err.Error(), "no encrypted part") {
		t.Errorf("broken PGP/MIME: %v", err)
	}
	// Ciphertext that is not OpenPGP.
	garbage := crlf("From: a@example.org\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n\n--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--b\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n--b--\n")
	if _, err := mail.Parse(garbage, team); err == nil || !strings.HasPrefix(err.Error(), "mail: cannot decrypt") {
		t.Errorf("garbage PGP/MIME: %v", err)
	}
}

func TestParseLimits(t *testing.T) {
	att := func(n int, size int) string {
		var b strings.Builder
		b.WriteString("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n")
		for i := range n {
			fmt.Fprintf(&b, "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"f%d.bin\"\n\n%s\n", i, strings.Repeat("x", size))
		}
		b.WriteString("--b--\n")
		return b.String()
	}
	nested := func(depth int) string {
		var b strings.Builder
		b.WriteString("From: a@example.org\n")
		for i := range depth {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\ndeep\n")
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\n", i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		lim  mail.Limits
		raw  string
		what string
		msg  string
	}{
		{"message size", mail.Limits{MaxMessageBytes: 100}, att(1, 200), "message size", "larger than the limit of 100 bytes"},
		{"attachment count", mail.Limits{MaxAttachments: 2}, att(3, 1), "attachment count", "more than 2 attachments"},
		{"attachment size", mail.Limits{MaxAttachmentBytes: 1024}, att(1, 2000), "attachment size", `attachment "f0.bin" is larger than the limit of 1 KiB`},
		{"parts", mail.Limits{MaxParts: 5}, att(10, 1), "MIME parts", "more than 5 MIME parts"},
		{"depth", mail.Limits{MaxDepth: 3}, nested(5), "MIME depth", "deeper than 3 levels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.lim.Parse(crlf(tc.raw), nil)
			var le *mail.LimitError
			if !errors.As(err, &le) || le.What != tc.what || !errors.Is(err, mail.ErrLimit) {
				t.Fatalf("Parse: %v, want a LimitError for %s", err, tc.what)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to say %q", err, tc.msg)
			}
		})
	}
	// Within the limits the same messages parse.
	if _, err := (mail.Limits{MaxDepth: 6}).Parse(crlf(nested(5)), nil); err != nil {
		t.Errorf("depth 5 with MaxDepth 6: %v", err)
	}
	if m, err := mail.Parse(crlf(att(3, 2000)), nil); err != nil || len(m.Attachments) != 3 {
		t.Errorf("defaults: %v", err)
	}
}

func TestParseDecryptedSizeLimit(t *testing.T) {
	team := newKey(t, "security@sirt.test")
	// A compressed PGP/MIME message: small on the wire, 1 MiB inside.
	rcpt, err := pgpkey.ReadPublicKey(team.PublicArmored())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range rcpt.Identities {
		id.SelfSignature.PreferredCompression = append(id.SelfSignature.PreferredCompression, uint8(packet.CompressionZLIB))
	}
	var ct bytes.Buffer
	aw, _ := armor.Encode(&ct, "PGP MESSAGE", nil)
	w, err := openpgp.Encrypt(aw, []*openpgp.Entity{rcpt}, nil, nil, &packet.Config{DefaultCompressionAlgo: packet.CompressionZLIB})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Content-Type: text/plain\r\n\r\n" + strings.Repeat("A", 1<<20)))
	w.Close()
	aw.Close()
	raw := crlf("From: a@example.org\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n\n--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--b\nContent-Type: application/octet-stream\n\n" + ct.String() + "\n--b--\n")
	if len(raw) > 64<<10 {
		t.Fatalf("message is %d bytes: not compressed, the test proves nothing", len(raw))
	}
	_, err = (mail.Limits{MaxMessageBytes: 64 << 10}).Parse(raw, team)
	var le *mail.LimitError
	if !errors.As(err, &le) || le.What != "decrypted size" || !strings.Contains(err.Error(), "decrypted message is larger than the limit of 64 KiB") {
		t.Fatalf("Parse: %v, want a decrypted size LimitError", err)
	}
	m, err := (mail.Limits{MaxMessageBytes: 2 << 20}).Parse(raw, team)
	if err != nil || len(m.Text) != 1<<20 {
		t.Fatalf("within budget: %v", err)
	}
}

func TestParseLenient(t *testing.T) {
	raw := crlf(`From: "Broken <ada@example.org
To: security@sirt.test;; junk
Date: yesterday-ish
Message-ID: not even bracketed@example.org
References: garbage <r-abcdefgh.x@sirt.test> more garbage
Content-Type: text/plain; charset=x-unknown-charset
Content-Transfer-Encoding: x-uuencode

body in an unknown encoding
`)
	m, err := mail.Parse(raw, nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.From.Addr != "ada@example.org" {
		t.Errorf("From %+v", m.From)
	}
	if len(m.To) != 1 || m.To[0].Addr != "security@sirt.test" {
		t.Errorf("To %+v", m.To)
	}
	if !m.Date.IsZero() {
		t.Errorf("Date %v", m.Date)
	}
	if len(m.References) != 1 || m.References[0] != "r-abcdefgh.x@sirt.test" {
		t.Errorf("References %q", m.References)
	}
	if !strings.Contains(m.Text, "body in an unknown encoding") {
		t.Errorf("Text %q", m.Text)
	}
	if len(m.Warnings) < 3 {
		t.Errorf("warnings %q, want ones for From, To and Date", m.Warnings)
	}
	if tok, ok := mail.FindToken(m, "sirt.test"); !ok || tok != "abcdefgh" {
		t.Errorf("FindToken %q %v", tok, ok)
	}

	// Bytes that are not UTF-8 and NULs never reach Message strings.
	m, err = mail.Parse([]byte("Subject: a\xffb\x00c\r\n\r\nx\x00y\xfe\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{m.Subject, m.Text} {
		if strings.ContainsRune(s, 0) || !strings.Contains(s, "\uFFFD") {
			t.Errorf("%q: want NUL removed and invalid bytes replaced", s)
		}
	}
}

func TestParseRejectsBrokenHeader(t *testing.T) {
	if _, err := mail.Parse([]byte("this is not a header\r\n\r\nbody"), nil); err == nil || !strings.Contains(err.Error(), "header is malformed") {
		t.Fatalf("Parse: %v", err)
	}
}
