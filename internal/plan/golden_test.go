package plan

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden JSON and text files in testdata/golden from the parser's output")

// goldenInputs are the plan files with a committed golden JSON: the seed plans
// from ../shared/seeds and the plans written for these tests.
func goldenInputs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/seeds/*.txt", "testdata/plans/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 13 {
		t.Fatalf("found %d plan files under testdata, want the 3 seeds and the test plans", len(files))
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, in := range goldenInputs(t) {
		name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(src).JSON()
			if err != nil {
				t.Fatal(err)
			}
			// The text golden: a reading of the plan one fact a line.
			text := []byte(summary(Parse(src)))
			goldenText := filepath.Join("testdata", "golden", name+".txt")
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(goldenText, text, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want, err := os.ReadFile(goldenText); err != nil {
				t.Errorf("%v (run go test ./internal/plan -run TestGolden -update to create it)", err)
			} else if !bytes.Equal(text, want) {
				t.Errorf("summary of %s differs from %s:\n%s\nIf the change is intended, rerun with -update and review the diff.", in, goldenText, firstDiff(string(want), string(text)))
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/plan -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Parse(%s) differs from %s:\n%s\nIf the change is intended, rerun with -update and review the diff.", in, golden, firstDiff(string(want), string(got)))
			}
			// The output is stable: a second parse gives the same bytes.
			again, _ := Parse(src).JSON()
			if !bytes.Equal(got, again) {
				t.Errorf("Parse(%s) gave different JSON on a second run", in)
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}
