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

// Text checks a required or optional text field's length in characters. Text is
// taken as sent or refused, never silently changed (beyond trimming surrounding
// white space): invalid UTF-8, NUL and other control characters (tab, newline and
// carriage return excepted) are an error naming the field.
func (e *Errors) Text(field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	if v == "" && required {
		e.Add(field, "is required")
		return v
	}
	if msg := CheckText(v); msg != "" {
		e.Add(field, "%s", msg)
		return v
	}
	if n := utf8.RuneCountInString(v); n > max {
		e.Add(field, "is %d characters long; the limit is %d", n, max)
	}
	return v
}

// CheckText says what is wrong with v as text, or "" when nothing is: it must be
// valid UTF-8 without control characters other than tab, newline and carriage
// return, and without the noncharacters U+FFFE and U+FFFF (the API marks bytes that
// are not UTF-8 with U+FFFF, see JSONTextReader).
func CheckText(v string) string {
	for i, r := range v {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
				return fmt.Sprintf("is not valid UTF-8 text (byte 0x%02X at byte offset %d)", v[i], i)
			}
		case r == 0xFFFF || r == 0xFFFE:
			return fmt.Sprintf("is not valid UTF-8 text (bytes that are not UTF-8, or the noncharacter U+%04X, at byte offset %d)", r, i)
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
			return fmt.Sprintf("contains the control character U+%04X at byte offset %d (only tab, newline and carriage return are allowed)", r, i)
		}
	}
	return ""
}

// Printable returns v with what CheckText refuses made visible instead: bytes that
// are not UTF-8 become U+FFFD and control characters their Unicode control pictures
// (U+2400…). It also returns how many characters it replaced. For text sirt must keep
// although it was not typed into sirt (inbound mail): the original is kept aside.
func Printable(v string) (string, int) {
	if CheckText(v) == "" {
		return v, 0
	}
	var b strings.Builder
	n := 0
	for i, r := range v {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
				n++
			}
			b.WriteRune(utf8.RuneError)
		case r == 0xFFFF || r == 0xFFFE:
			n++
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(r)
		case r < 0x20:
			n++
			b.WriteRune(0x2400 + r)
		case r == 0x7F:
			n++
			b.WriteRune(0x2421)
		case r >= 0x80 && r <= 0x9F:
			n++
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), n
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
