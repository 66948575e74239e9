package validate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

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
