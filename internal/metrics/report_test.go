package metrics_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/metrics -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./internal/metrics -run TestReport -update rewrites it):\n%s", name, got)
	}
}

// A closed quarter's report is stored on first generation and served identical after,
// even when the history it was computed from changes later; it renders the same golden
// Markdown, CSV and HTML on both databases, and a PDF with its text.
func TestReportSnapshotGoldenAndPDF(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		svc, clk := fixture(t, d)
		ctx := context.Background()
		pgm := authz.User(1, "pgm@example.org", authz.RolePgM)
		if _, err := svc.TACReport(ctx, authz.User(2, "m@example.org", authz.RoleMember), metrics.Quarter(2026, 2)); err != authz.ErrNotFound {
			t.Errorf("member: %v, want not found", err)
		}
		if _, err := svc.TACReport(ctx, authz.User(3, "r@example.org", authz.RoleResponder), metrics.Quarter(2026, 2)); err != authz.ErrNotFound {
			t.Errorf("responder: %v, want not found", err)
		}
		// Q2 is running: computed live, the same numbers twice.
		live1, err := svc.TACReport(ctx, pgm, metrics.Quarter(2026, 2))
		if err != nil {
			t.Fatal(err)
		}
		live2, _ := svc.TACReport(ctx, pgm, metrics.Quarter(2026, 2))
		if live1.Markdown("") != live2.Markdown("") || live1.Closed {
			t.Error("a running quarter's report differs twice in a row, or says it is closed")
		}
		clk.Set(time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC))
		r1, err := svc.TACReport(ctx, pgm, metrics.Quarter(2026, 2))
		if err != nil {
			t.Fatal(err)
		}
		// Later history (a late acknowledgement of R-C) does not change the snapshot.
		h := history{t: t, d: d, clk: clk, log: svc.Events}
		h.add("2026-07-03T08:00:00Z", person, "report.triaged", "report", "R-C", 0, nil)
		clk.Set(time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC))
		r2, err := svc.TACReport(ctx, pgm, metrics.Quarter(2026, 2))
		if err != nil {
			t.Fatal(err)
		}
		md := r2.Markdown("https://sirt.example.org")
		if r1.Markdown("https://sirt.example.org") != md || !r2.Closed {
			t.Error("the closed quarter's report changed")
		}
		golden(t, "2026-Q2.md", []byte(md))
		golden(t, "2026-Q2.csv", r2.CSV())
		html, err := r2.HTML()
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "2026-Q2.html", html)
		if !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "<title") || !strings.Contains(string(html), "<desc") {
			t.Error("the HTML report has no accessible SVG chart")
		}
		if !strings.Contains(md, "![Reports received per month](https://sirt.example.org/tac/2026-Q2/chart-1.svg)") {
			t.Error("the Markdown report has no chart images")
		}
		pdf, err := r2.PDF("https://sirt.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %.20q", pdf)
		}
		for _, want := range []string{"Quarterly report to the TAC", "Time to acknowledge"} {
			if !pdfContains(pdf, want) {
				t.Errorf("the PDF does not contain %q", want)
			}
		}
		checkCatalogue(t, d)
	})
}

// pdfContains looks for text in the PDF's content streams (fpdf compresses them with
// zlib and writes the text of a line as one string).
func pdfContains(pdf []byte, text string) bool {
	if bytes.Contains(pdf, []byte(text)) {
		return true
	}
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			return false
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			return false
		}
		if zr, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			if plain, err := io.ReadAll(zr); (err == nil || err == io.ErrUnexpectedEOF) && bytes.Contains(plain, []byte(text)) {
				return true
			}
		}
		rest = rest[j:]
	}
}
