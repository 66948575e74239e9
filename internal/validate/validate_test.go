package validate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/oss-sirt/sirt/internal/validate"
)

func TestErrors(t *testing.T) {
	var e validate.Errors
	if e.Err() != nil {
		t.Fatal("empty errors are an error")
	}
	if got := e.Email("email", "  Someone@Example.org ", true); got != "someone@example.org" {
		t.Fatalf("email normalised to %q", got)
	}
	e.Email("to", "not an address", true)
	e.Email("cc", "", true)
	e.Email("bcc", "", false)
	e.Text("title", "   ", true, 10)
	e.Text("summary", strings.Repeat("é", 11), false, 10)
	e.OneOf("role", "root", "admin", "member")
	e.OneOf("state", "open", "open", "closed")
	err := e.Err()
	fe, ok := validate.As(fmt.Errorf("wrapped: %w", err))
	if !ok {
		t.Fatal("As does not see through wrapping")
	}
	for _, f := range []string{"to", "cc", "title", "summary", "role"} {
		if fe.For(f) == "" {
			t.Errorf("no error for %s in %v", f, fe)
		}
	}
	for _, f := range []string{"email", "bcc", "state"} {
		if fe.For(f) != "" {
			t.Errorf("unexpected error for %s: %s", f, fe.For(f))
		}
	}
	if !strings.Contains(err.Error(), "role: \"root\" is not one of admin, member") {
		t.Errorf("message %q", err.Error())
	}
	if _, ok := validate.As(errors.New("other")); ok {
		t.Error("As accepted a plain error")
	}
	if fe, _ := validate.As(validate.Field("x", "is %d", 3)); fe.For("x") != "is 3" {
		t.Errorf("Field: %v", fe)
	}
}

func TestTextIsRefusedNeverChanged(t *testing.T) {
	for _, c := range []struct {
		name, v string
		bad     bool
	}{
		{"plain", "Path traversal in tar-lite", false},
		{"tab newline cr", "line one\r\n\tline two", false},
		{"unicode", "Überlauf in 画像 decoder 🐛", false},
		{"FF FE", "summary \xff\xfe here", true},
		{"truncated sequence", "caf\xc3", true},
		{"NUL", "a\x00b", true},
		{"bell", "a\x07b", true},
		{"escape", "a\x1b[31mred", true},
		{"DEL", "a\x7fb", true},
		{"C1", "a\u0085b", true},
		{"noncharacter", "a\uffffb", true},
	} {
		var e validate.Errors
		got := e.Text("summary", c.v, true, 1000)
		if bad := e.For("summary") != ""; bad != c.bad {
			t.Errorf("%s: error %q, want error: %v", c.name, e.For("summary"), c.bad)
		}
		if c.bad && got != strings.TrimSpace(c.v) {
			t.Errorf("%s: value changed to %q", c.name, got)
		}
		if p, n := validate.Printable(c.v); c.bad != (n > 0) || validate.CheckText(p) != "" {
			t.Errorf("%s: Printable = %q, %d", c.name, p, n)
		}
	}
}

func TestJSONTextReaderMarksInvalidBytes(t *testing.T) {
	in := "{\"summary\": \"a\xff\xfeb\", \"details\": \"caf\xc3\xa9 ok\", \"tail\": \"x\xe2\x82\"}"
	// Read one byte at a time so sequences are split between reads.
	out, err := io.ReadAll(validate.JSONTextReader(iotest.OneByteReader(strings.NewReader(in))))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"summary\": \"a\\uffff\\uffffb\", \"details\": \"caf\xc3\xa9 ok\", \"tail\": \"x\\uffff\\uffff\"}"
	if string(out) != want {
		t.Fatalf("got  %q\nwant %q", out, want)
	}
	var v struct{ Summary, Details string }
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	var e validate.Errors
	e.Text("summary", v.Summary, true, 100)
	e.Text("details", v.Details, true, 100)
	if e.For("summary") == "" || e.For("details") != "" {
		t.Fatalf("errors %v", e)
	}
}
