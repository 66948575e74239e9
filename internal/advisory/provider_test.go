package advisory_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
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
