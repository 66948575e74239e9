package directory_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/cli"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/netguard"
	"github.com/oss-sirt/sirt/internal/pgpkey"
	"github.com/oss-sirt/sirt/internal/testapp"
)

func securityTxt(expires time.Time) string {
	return "# Our policy\n" +
		"Contact: mailto:security@netty.example.io\n" +
		"Contact: mailto:backup@netty.example.io\n" +
		"Contact: https://netty.example.io/security\n" +
		"Expires: " + expires.UTC().Format(time.RFC3339) + "\n" +
		"Encryption: https://netty.example.io/pgp-key.txt\n" +
		"Preferred-Languages: en, de\n" +
		"Canonical: https://netty.example.io/.well-known/security.txt\n" +
		"Policy: https://netty.example.io/security-policy\n"
}

func sign(t *testing.T, k *pgpkey.Key, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := clearsign.Encode(&b, k.Entity().PrivateKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseSecurityTxt(t *testing.T) {
	now := time.Now()
	st, err := directory.ParseSecurityTxt([]byte(securityTxt(now.Add(200*24*time.Hour))), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Contacts) != 3 || strings.Join(st.Emails(), ",") != "security@netty.example.io,backup@netty.example.io" ||
		len(st.Encryption) != 1 || len(st.Policy) != 1 || strings.Join(st.Languages, ",") != "en,de" || st.Expired(now) || st.Signed {
		t.Errorf("parsed %+v", st)
	}
	st, err = directory.ParseSecurityTxt([]byte(securityTxt(now.Add(-24*time.Hour))), nil)
	if err != nil || !st.Expired(now) {
		t.Errorf("expired file: %v %+v", err, st)
	}
	if _, err := directory.ParseSecurityTxt([]byte("Expires: 2030-01-01T00:00:00Z\nPolicy: https://x.example/\n"), nil); err == nil || !strings.Contains(err.Error(), "Contact") {
		t.Errorf("a file without Contact: %v", err)
	}
	st, err = directory.ParseSecurityTxt([]byte("contact: mailto:a@b.example\nnonsense line\nExpires: soon\n"), nil)
	if err != nil || len(st.Warnings) < 2 || st.Expires != nil {
		t.Errorf("lenient parse: %v %+v", err, st)
	}

	// A signed file: unwrapped; verified with the right key, refused with another.
	k, err := pgpkey.Generate("Netty", "security@netty.example.io", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgpkey.Generate("Other", "other@example.org", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	signed := sign(t, k, securityTxt(now.Add(100*24*time.Hour)))
	st, err = directory.ParseSecurityTxt(signed, nil)
	if err != nil || !st.Signed || st.Verified || len(st.Emails()) != 2 {
		t.Fatalf("signed, no key: %v %+v", err, st)
	}
	st, err = directory.ParseSecurityTxt(signed, openpgp.EntityList{k.Entity()})
	if err != nil || !st.Verified {
		t.Errorf("signed, right key: %v %+v", err, st)
	}
	if _, err := directory.ParseSecurityTxt(signed, openpgp.EntityList{other.Entity()}); err == nil {
		t.Error("a signature by another key verified")
	}
	tampered := bytes.Replace(signed, []byte("backup@"), []byte("attack@"), 1)
	if _, err := directory.ParseSecurityTxt(tampered, openpgp.EntityList{k.Entity()}); err == nil {
		t.Error("a tampered signed file verified")
	}
}

// runCLI runs sirt with args on a fresh data directory's database.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		AppOptions: app.Options{Argon: testapp.CheapArgon}})
	return code, out.String(), errb.String()
}

func TestImportSecurityTxtCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	now := time.Now()
	valid := filepath.Join(dir, "security.txt")
	if err := os.WriteFile(valid, []byte(securityTxt(now.Add(200*24*time.Hour))), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "directory", "import-securitytxt", valid, "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil || id <= 0 {
		t.Fatalf("stdout %q is not an org id", out)
	}
	if strings.Contains(strings.ToLower(errs), "expired") {
		t.Errorf("a valid file warned: %s", errs)
	}

	expired := filepath.Join(dir, "expired.txt")
	if err := os.WriteFile(expired, []byte(strings.ReplaceAll(securityTxt(now.Add(-24*time.Hour)), "netty", "old")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "directory", "import-securitytxt", expired, "--data", data, "--kind", "vendor")
	if code != 0 || strings.TrimSpace(out) == "" || !strings.Contains(errs, "expired") {
		t.Errorf("expired file: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	k, err := pgpkey.Generate("Signed", "security@signed.example.org", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "signed.txt")
	keyFile := filepath.Join(dir, "key.asc")
	if err := os.WriteFile(signed, sign(t, k, strings.ReplaceAll(securityTxt(now.Add(24*time.Hour)), "netty", "signed")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, k.PublicArmored(), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs = runCLI(t, "directory", "import-securitytxt", signed, "--data", data, "--key", keyFile); code != 0 || strings.TrimSpace(out) == "" {
		t.Errorf("signed file: exit %d, %q %q", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("Policy: https://x.example/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs = runCLI(t, "directory", "import-securitytxt", bad, "--data", data); code != 1 || !strings.Contains(errs, "Contact") {
		t.Errorf("a file without Contact: exit %d, %q", code, errs)
	}

	// The imported organisations, through the CLI export.
	code, out, errs = runCLI(t, "directory", "export", "--data", data)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	for _, want := range []string{"netty.example.io,project,,security@netty.example.io backup@netty.example.io", "old.example.io,vendor", "signed.example.io"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	cfg := config.Defaults()
	cfg.Data = data
	a, err := app.Open(context.Background(), cfg, app.Options{NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	{
		defer a.Close()
		o, err := a.Directory.Org(context.Background(), app.SystemActor("test"), id)
		if err != nil {
			t.Fatal(err)
		}
		c := o.Contacts[0]
		if c.PolicyURL != "https://netty.example.io/security-policy" || c.Languages != "en, de" || c.SecurityTxtURL != "https://netty.example.io/.well-known/security.txt" ||
			!strings.Contains(o.Notes, "Encryption: https://netty.example.io/pgp-key.txt") {
			t.Errorf("imported %+v", o)
		}
	}
}

func TestFetchSecurityTxtThroughGuard(t *testing.T) {
	body := securityTxt(time.Now().Add(24 * time.Hour))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/security.txt" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	ctx := context.Background()
	if _, _, err := directory.FetchSecurityTxt(ctx, netguard.MustNew(nil, ""), srv.URL); err == nil || !netguard.IsBlocked(err) {
		t.Errorf("loopback without an allowance: %v", err)
	}
	b, src, err := directory.FetchSecurityTxt(ctx, netguard.MustNew([]string{"127.0.0.1"}, ""), srv.URL)
	if err != nil || string(b) != body || !strings.HasSuffix(src, "/.well-known/security.txt") {
		t.Errorf("fetch: %v %q", err, src)
	}
	dir := t.TempDir()
	code, out, errs := runCLI(t, "directory", "import-securitytxt", srv.URL, "--data", dir, "--outbound-allow", "127.0.0.1")
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Errorf("URL import: exit %d %q %q", code, out, errs)
	}
	if code, _, errs = runCLI(t, "directory", "import-securitytxt", srv.URL, "--data", dir); code != 1 {
		t.Errorf("URL import to loopback without an allowance: exit %d %q", code, errs)
	}
}
