// Package validate carries input errors from the domain to the edge. A domain service
// returns *Errors naming each bad field; the API turns them into RFC 9457 problem
// details and the HTML forms show each message beside its field.
package validate

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string `json:"field"`   // JSON name of the field, dotted for nested ones
	Message string `json:"message"` // a sentence that says how to fix it
}

// Errors is a list of field errors; it is an error when non-empty.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Add appends an error for field.
func (e *Errors) Add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e as an error, or nil when empty.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// For returns the message for field, or "".
func (e Errors) For(field string) string {
	for _, f := range e {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// Field returns an error for one field.
func Field(field, format string, args ...any) error {
	return Errors{{Field: field, Message: fmt.Sprintf(format, args...)}}
}

// As extracts field errors from err.
func As(err error) (Errors, bool) {
	var e Errors
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Email checks an address and returns it normalised (lower case, trimmed).
func (e *Errors) Email(field, v string, required bool) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			e.Add(field, "an email address is required")
		}
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v, "@") || len(v) > 254 {
		e.Add(field, "%q is not an email address (want name@example.org)", v)
		return v
	}
	return strings.ToLower(v)
}

// Text checks a required or optional text field's length in characters.
func (e *Errors) Text(field, v string, required bool, max int) string {
	// NUL is never meaningful in text and PostgreSQL refuses it.
	v = strings.TrimSpace(strings.ReplaceAll(v, "\x00", ""))
	if v == "" && required {
		e.Add(field, "is required")
		return v
	}
	if n := utf8.RuneCountInString(v); n > max {
		e.Add(field, "is %d characters long; the limit is %d", n, max)
	}
	if !utf8.ValidString(v) {
		e.Add(field, "is not valid UTF-8 text")
	}
	return v
}

// OneOf checks that v is one of allowed.
func (e *Errors) OneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	e.Add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}
