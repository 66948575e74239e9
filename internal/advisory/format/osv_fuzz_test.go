package format

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzImportOSV feeds ImportOSV arbitrary bytes, starting from the real records in
// testdata/osv and the seeds in testdata/fuzz/FuzzImportOSV (truncated, mistyped and
// oversized variants): it must never panic, must be deterministic, and what it accepts
// must carry what the schema requires.
func FuzzImportOSV(f *testing.F) {
	files, _ := filepath.Glob("testdata/osv/*.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return // the HTTP edges cap bodies far below this
		}
		a, err := ImportOSV(data)
		if err != nil {
			if a != nil {
				t.Fatal("an advisory returned with an error")
			}
			if strings.Contains(err.Error(), "\x00") {
				t.Fatalf("the error carries a NUL byte: %q", err)
			}
			return
		}
		if a.OSVID == "" {
			t.Fatal("accepted a record without an id")
		}
		if a.Modified.IsZero() {
			t.Fatal("accepted a record without modified")
		}
		if a.Title != strings.TrimSpace(a.Title) {
			t.Fatalf("title %q not trimmed", a.Title)
		}
		if !json.Valid(data) {
			t.Fatal("accepted bytes that are not JSON")
		}
		b, err := ImportOSV(bytes.Clone(data))
		if err != nil || b.OSVID != a.OSVID || !b.Modified.Equal(a.Modified) || len(b.Affected) != len(a.Affected) {
			t.Fatalf("a second import of the same bytes differs: %v", err)
		}
	})
}
