package mail

import (
	"errors"
	"fmt"
	"time"
)

// Address is a mailbox: a display name (possibly empty) and an address.
type Address struct {
	Name string
	Addr string
}

// String formats a as "Name <addr>" or just "addr".
func (a Address) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return fmt.Sprintf("%q <%s>", a.Name, a.Addr)
}

// Attachment is a file carried by a message, inbound or outbound.
type Attachment struct {
	// Filename is a plain base name: Parse strips directories and control
	// characters, so it is safe to show but not to use as a path as is.
	Filename string
	// ContentType is the media type without parameters, e.g. "application/pdf".
	// It is what the sender claimed: never serve an attachment inline on
	// the strength of it.
	ContentType string
	Data        []byte
}

// Message is a parsed inbound mail.
type Message struct {
	From    Address
	To      []Address
	Cc      []Address
	ReplyTo []Address
	Subject string
	// MessageID, InReplyTo and References are message identifiers without
	// angle brackets, as ParseMessageID and NewMessageID use them.
	MessageID  string
	InReplyTo  []string
	References []string
	// Date is the sender's Date header; zero when it is missing or unreadable.
	Date time.Time
	// Text is the body as plain text: the text/plain parts, or else the
	// HTML parts crudely converted to text. Inline PGP blocks are replaced
	// by their decrypted or verified content.
	Text string
	// HTML is the raw text/html body if there was one. It is untrusted
	// markup: sanitize before showing, or better, show Text.
	HTML        string
	Attachments []Attachment
	// Encrypted reports that (some of) the content arrived OpenPGP
	// encrypted and was decrypted with the team key.
	Encrypted bool
	// Signed reports that the content carried an OpenPGP signature
	// (PGP/MIME, inside the encryption, or clear-signed). The signature is
	// not verified: sirt does not hold finders' keys.
	Signed bool
	// Replaced counts the characters of the subject, addresses and text that were
	// not text (bytes that are not UTF-8, control characters other than tab and
	// newline) and were replaced by visible stand-ins; the raw message has them.
	Replaced int
	// Warnings lists things Parse recovered from, in words a responder can
	// act on (a malformed header, an attachment encrypted for another key).
	Warnings []string
}

// Limits bound what Parse accepts. Zero fields take the defaults below.
type Limits struct {
	MaxMessageBytes    int64 // raw message size, and decrypted size; default 25 MiB
	MaxAttachments     int   // default 20
	MaxAttachmentBytes int64 // per attachment, decoded; default 10 MiB
	MaxParts           int   // MIME parts in total, nested ones included; default 100
	MaxDepth           int   // MIME nesting depth, decrypted layers included; default 10
}

// Default limits.
const (
	DefaultMaxMessageBytes    = 25 << 20
	DefaultMaxAttachments     = 20
	DefaultMaxAttachmentBytes = 10 << 20
	DefaultMaxParts           = 100
	DefaultMaxDepth           = 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachments
	}
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// ErrLimit is matched (errors.Is) by every *LimitError.
var ErrLimit = errors.New("mail: message exceeds a limit")

// LimitError says which of the Limits a message exceeded.
type LimitError struct {
	What  string // "message size", "decrypted size", "attachment count", "attachment size", "MIME parts", "MIME depth"
	Limit int64
	Name  string // the attachment's file name, for "attachment size"
}

func (e *LimitError) Error() string {
	switch e.What {
	case "message size":
		return fmt.Sprintf("mail: the message is larger than the limit of %s", bytesString(e.Limit))
	case "decrypted size":
		return fmt.Sprintf("mail: the decrypted message is larger than the limit of %s", bytesString(e.Limit))
	case "attachment count":
		return fmt.Sprintf("mail: the message has more than %d attachments, the limit", e.Limit)
	case "attachment size":
		return fmt.Sprintf("mail: attachment %q is larger than the limit of %s per attachment", e.Name, bytesString(e.Limit))
	case "MIME parts":
		return fmt.Sprintf("mail: the message has more than %d MIME parts, the limit", e.Limit)
	case "MIME depth":
		return fmt.Sprintf("mail: the message nests MIME parts deeper than %d levels, the limit", e.Limit)
	}
	return fmt.Sprintf("mail: the message exceeds the %s limit of %d", e.What, e.Limit)
}

// Is makes errors.Is(err, ErrLimit) work.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

func bytesString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
