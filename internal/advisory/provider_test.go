package advisory_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

// published publishes goDraft now and returns it.
func (f *fixture) published(t *testing.T) *advisory.Advisory {
	t.Helper()
	a := f.approved(t)
	a, err := f.svc.Publish(ctx, f.authorA, a.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func csafPath(a *advisory.Advisory) string {
	return "/.well-known/csaf/white/2026/" + strings.ToLower(a.PublicID) + ".json"
}

// TestCSAFDocumentImmutable: a revision renders the same bytes on every request, however
// late, so the .sha256 and .sha512 served with it keep matching (CSAF 2.0 req. 18).
func TestCSAFDocumentImmutable(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.published(t)
		first := f.Do(f.NewRequest("GET", csafPath(a), nil)).Want(t, 200).Body
		f.Clock.Advance(36 * time.Hour)
		again := f.Do(f.NewRequest("GET", csafPath(a), nil)).Want(t, 200).Body
		if !bytes.Equal(first, again) {
			t.Fatalf("the document changed between two requests:\n%s\n%s", first, again)
		}
		sum := sha256.Sum256(again)
		line := string(f.Do(f.NewRequest("GET", csafPath(a)+".sha256", nil)).Want(t, 200).Body)
		if !strings.HasPrefix(line, hex.EncodeToString(sum[:])+"  ") {
			t.Errorf(".sha256 %q does not match the document", line)
		}
		if !bytes.Contains(first, []byte(`"date": "`+a.PublishedAt.UTC().Format(time.RFC3339))) && !bytes.Contains(first, []byte(`"date":"`+a.PublishedAt.UTC().Format(time.RFC3339))) {
			t.Errorf("generator date is not the revision's: %.600s", first)
		}
	})
}

// aggregator downloads a CSAF provider the way a CSAF aggregator (csaf_aggregator,
// csaf_downloader) does: provider-metadata.json → the distribution's index.txt and
// changes.csv (and its ROLIE feed) → every document, checked against its .sha256,
// .sha512 and .asc with the key provider-metadata names. It returns the documents by path.
func aggregator(t *testing.T, base string) map[string][]byte {
	t.Helper()
	get := func(u string) []byte {
		t.Helper()
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("aggregator: %s is not on 127.0.0.1", u)
		}
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("aggregator: GET %s = %d: %s", u, res.StatusCode, b)
		}
		return b
	}
	var meta struct {
		CanonicalURL  string `json:"canonical_url"`
		Role          string `json:"role"`
		Distributions []struct {
			DirectoryURL string `json:"directory_url"`
			Rolie        struct {
				Feeds []struct {
					TLPLabel string `json:"tlp_label"`
					URL      string `json:"url"`
				} `json:"feeds"`
			} `json:"rolie"`
		} `json:"distributions"`
		Keys []struct {
			Fingerprint string `json:"fingerprint"`
			URL         string `json:"url"`
		} `json:"public_openpgp_keys"`
	}
	if err := json.Unmarshal(get(base+"/.well-known/csaf/provider-metadata.json"), &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Role != "csaf_provider" || len(meta.Distributions) != 1 || len(meta.Keys) != 1 {
		t.Fatalf("provider metadata: %+v", meta)
	}
	key, err := pgpkey.ReadPublicKey(get(meta.Keys[0].URL))
	if err != nil {
		t.Fatal(err)
	}
	if fp := strings.ToUpper(hex.EncodeToString(key.PrimaryKey.Fingerprint)); fp != meta.Keys[0].Fingerprint {
		t.Fatalf("the key at %s is %s, provider metadata says %s", meta.Keys[0].URL, fp, meta.Keys[0].Fingerprint)
	}
	dir := meta.Distributions[0].DirectoryURL
	// Requirement 14: the directory lists its folders.
	if !bytes.Contains(get(dir), []byte(`href="index.txt"`)) {
		t.Errorf("the directory listing of %s does not list index.txt", dir)
	}
	paths := strings.Fields(string(get(dir + "index.txt")))
	rows, err := csv.NewReader(bytes.NewReader(get(dir + "changes.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(paths) {
		t.Errorf("changes.csv has %d rows, index.txt %d", len(rows), len(paths))
	}
	var feed struct {
		Feed struct {
			Entry []struct {
				Link []struct{ Rel, Href string } `json:"link"`
			} `json:"entry"`
		} `json:"feed"`
	}
	if len(meta.Distributions[0].Rolie.Feeds) != 1 {
		t.Fatalf("no ROLIE feed: %+v", meta.Distributions[0])
	}
	if err := json.Unmarshal(get(meta.Distributions[0].Rolie.Feeds[0].URL), &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Feed.Entry) != len(paths) {
		t.Errorf("the ROLIE feed has %d entries, index.txt %d", len(feed.Feed.Entry), len(paths))
	}
	out := map[string][]byte{}
	for i, p := range paths {
		if rows[i][0] != p {
			t.Errorf("changes.csv row %d names %s, index.txt %s", i, rows[i][0], p)
		}
		year := p[:strings.IndexByte(p, '/')]
		if !bytes.Contains(get(dir+year+"/"), []byte(path.Base(p)+".asc")) {
			t.Errorf("the listing of %s/ does not list %s.asc", year, path.Base(p))
		}
		doc := get(dir + p)
		s256, s512 := sha256.Sum256(doc), sha512.Sum512(doc)
		for ext, want := range map[string]string{".sha256": hex.EncodeToString(s256[:]), ".sha512": hex.EncodeToString(s512[:])} {
			if got := strings.Fields(string(get(dir + p + ext))); len(got) != 2 || got[0] != want || got[1] != path.Base(p) {
				t.Errorf("%s%s = %v, want %s  %s", p, ext, got, want, path.Base(p))
			}
		}
		if _, err := pgpkey.Verify(doc, get(dir+p+".asc"), key); err != nil {
			t.Errorf("%s.asc: %v", p, err)
		}
		out[p] = doc
	}
	return out
}

func TestCSAFAggregatorDownload(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.App.GenerateTeamKey(ctx, authz.System("test")); err != nil {
			t.Fatal(err)
		}
		a := f.published(t)
		f.Clock.Advance(time.Hour)
		docs := aggregator(t, f.URL)
		if len(docs) != 1 {
			t.Fatalf("the aggregator found %d documents, want 1", len(docs))
		}
		f.Clock.Advance(24 * time.Hour)
		again := aggregator(t, f.URL)
		for p, doc := range docs {
			if !bytes.Equal(doc, again[p]) {
				t.Errorf("%s changed a day later", p)
			}
		}
		sig1 := f.Do(f.NewRequest("GET", csafPath(a)+".asc", nil)).Want(t, 200).Body
		sig2 := f.Do(f.NewRequest("GET", csafPath(a)+".asc", nil)).Want(t, 200).Body
		if !bytes.Equal(sig1, sig2) {
			t.Errorf("the signature changes between requests")
		}
		f.Do(f.NewRequest("GET", "/.well-known/csaf/white/2025/", nil)).Want(t, 404)
	})
}

// TestCSAFVerifiesWithSha256sumAndGPG checks a published document with the tools people
// run by hand: sha256sum -c and gpg --verify (a throw-away GNUPGHOME). The CI installs
// both; there (CI=1) their absence fails the test.
func TestCSAFVerifiesWithSha256sumAndGPG(t *testing.T) {
	for _, bin := range []string{"sha256sum", "gpg"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "1" {
				t.Fatalf("%s is not installed (the CI installs it: .ci/run)", bin)
			}
			t.Skipf("%s is not installed", bin)
		}
	}
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.App.GenerateTeamKey(ctx, authz.System("test")); err != nil {
			t.Fatal(err)
		}
		a := f.published(t)
		dir := t.TempDir()
		name := path.Base(csafPath(a))
		for _, ext := range []string{"", ".sha256", ".asc"} {
			body := f.Do(f.NewRequest("GET", csafPath(a)+ext, nil)).Want(t, 200).Body
			if err := os.WriteFile(filepath.Join(dir, name+ext), body, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		key := f.Do(f.NewRequest("GET", "/team-key.asc", nil)).Want(t, 200).Body
		if err := os.WriteFile(filepath.Join(dir, "key.asc"), key, 0o600); err != nil {
			t.Fatal(err)
		}
		run := func(name string, args ...string) string {
			t.Helper()
			cmd := exec.Command(name, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GNUPGHOME="+filepath.Join(dir, "gnupg"), "LC_ALL=C")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", name, args, err, out)
			}
			return string(out)
		}
		if err := os.Mkdir(filepath.Join(dir, "gnupg"), 0o700); err != nil {
			t.Fatal(err)
		}
		run("sha256sum", "-c", name+".sha256")
		run("gpg", "--batch", "--import", "key.asc")
		out := run("gpg", "--batch", "--status-fd", "1", "--verify", name+".asc", name)
		if !strings.Contains(out, "[GNUPG:] GOODSIG") || !strings.Contains(out, "[GNUPG:] VALIDSIG") {
			t.Errorf("gpg --verify:\n%s", out)
		}
		// A changed byte no longer verifies.
		doc, _ := os.ReadFile(filepath.Join(dir, name))
		if err := os.WriteFile(filepath.Join(dir, name), bytes.Replace(doc, []byte("Path traversal"), []byte("Path Traversal"), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("gpg", "--batch", "--verify", name+".asc", name)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GNUPGHOME="+filepath.Join(dir, "gnupg"))
		if err := cmd.Run(); err == nil {
			t.Error("gpg verifies a changed document")
		}
	})
}
