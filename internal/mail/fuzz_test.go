package mail_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

// fuzzKeyFile is a throw-away team key committed so that the PGP/MIME seeds
// in testdata/fuzz/FuzzParse decrypt and the fuzzer explores the inner MIME.
// It protects nothing.
const fuzzKeyFile = "testdata/test-team-key-NOT-SECRET.asc"

func loadFuzzKey(t testing.TB) *pgpkey.Key {
	t.Helper()
	data, err := os.ReadFile(fuzzKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	k, err := pgpkey.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var fuzzLimits = mail.Limits{MaxMessageBytes: 1 << 20, MaxAttachments: 8, MaxAttachmentBytes: 256 << 10, MaxParts: 40, MaxDepth: 6}

// FuzzParse checks that Parse never panics on any input and that what it
// returns respects the limits and is clean text.
func FuzzParse(f *testing.F) {
	key := loadFuzzKey(f)
	f.Add([]byte(plainMail))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n--b--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := fuzzLimits.Parse(raw, key)
		if err != nil {
			if m != nil {
				t.Fatal("Parse returned a message with an error")
			}
			return
		}
		if len(m.Attachments) > fuzzLimits.MaxAttachments {
			t.Fatalf("%d attachments over the limit", len(m.Attachments))
		}
		for _, a := range m.Attachments {
			if int64(len(a.Data)) > fuzzLimits.MaxAttachmentBytes {
				t.Fatalf("attachment of %d bytes over the limit", len(a.Data))
			}
			if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") {
				t.Fatalf("unsafe file name %q", a.Filename)
			}
		}
		for _, s := range []string{m.Subject, m.Text, m.From.Addr, m.From.Name, m.MessageID} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("string %q is not clean UTF-8", s)
			}
		}
	})
}

// TestGenerateFuzzSeeds rewrites the committed seed corpus and test key.
// Run with SIRT_GEN_FUZZ_SEEDS=1 after changing the composer.
func TestGenerateFuzzSeeds(t *testing.T) {
	if os.Getenv("SIRT_GEN_FUZZ_SEEDS") == "" {
		t.Skip("set SIRT_GEN_FUZZ_SEEDS=1 to regenerate testdata/fuzz/FuzzParse")
	}
	key, err := pgpkey.Generate("sirt fuzz test key - NOT SECRET", "security@sirt.test", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fuzzKeyFile, key.PrivateArmored(), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := func(o *mail.Outgoing) []byte {
		raw, _, err := mail.Compose(o)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	base := func() *mail.Outgoing {
		return &mail.Outgoing{From: "Ada <ada@example.org>", To: []string{"security@sirt.test"}, Subject: "Path traversal in tar-lite",
			Text: "Steps:\n1. tar-lite x evil.tar\n", MessageID: "seed@example.org", Date: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	}
	withAttachment := base()
	withAttachment.HTML = "<p>Steps</p>"
	withAttachment.Attachments = []mail.Attachment{{Filename: "poc.tar", ContentType: "application/x-tar", Data: bytes.Repeat([]byte{0, 'a', 0xff}, 50)}}
	encrypted := base()
	encrypted.EncryptTo = key.PublicArmored()
	encrypted.Attachments = withAttachment.Attachments
	encrypted.HideSubject = true
	signed := base()
	signed.SignWith = key
	inlineCT, err := pgpkey.Encrypt([]byte("inline secret"), nil, key.Entity())
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string][]byte{
		"plain":                    []byte(plainMail),
		"multipart-attachment":     compose(withAttachment),
		"pgpmime-encrypted":        compose(encrypted),
		"pgpmime-signed":           compose(signed),
		"inline-pgp":               crlf("From: ada@example.org\nSubject: inline\n\nHello\n" + string(inlineCT) + "Bye\n"),
		"html-only":                crlf("From: a@example.org\nContent-Type: text/html\n\n<p>Hi <a href=\"x\">there</a><script>x</script></p>\n"),
		"garbage":                  []byte("\x00\xff\xfe not a mail \r\n\r\n\r\n--"),
		"broken-multipart":         crlf("From: a@example.org\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\ntruncated"),
		"encrypted-wrong-boundary": crlf("Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n\n--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--b\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nhQ==\n-----END PGP MESSAGE-----\n--b--\n"),
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, raw := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", raw)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFuzzSeedsExercisePGP makes sure the committed encrypted seed still
// decrypts with the committed key, so fuzzing reaches the decrypted MIME.
func TestFuzzSeedsExercisePGP(t *testing.T) {
	key := loadFuzzKey(t)
	for name, check := range map[string]func(m *mail.Message) bool{
		"pgpmime-encrypted": func(m *mail.Message) bool {
			return m.Encrypted && len(m.Attachments) == 1 && m.Subject == "Path traversal in tar-lite"
		},
		"inline-pgp":     func(m *mail.Message) bool { return m.Encrypted && strings.Contains(m.Text, "inline secret") },
		"pgpmime-signed": func(m *mail.Message) bool { return m.Signed && strings.Contains(m.Text, "Steps:") },
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", name))
		if err != nil {
			t.Fatal(err)
		}
		lit := strings.TrimSpace(strings.TrimPrefix(string(data), "go test fuzz v1\n"))
		raw, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := mail.Parse([]byte(raw), key)
		if err != nil || !check(m) {
			t.Errorf("seed %s: err %v, message %+v", name, err, m)
		}
	}
}
