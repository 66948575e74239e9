package mail

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/oss-sirt/sirt/internal/pgpkey"
)

// Outgoing is one message to send.
type Outgoing struct {
	// From is the author, "OSS-SIRT <security@example.org>" or a bare
	// address. It is also the SMTP envelope sender unless EnvelopeFrom is set.
	From         string
	EnvelopeFrom string
	To, Cc, Bcc  []string // Bcc goes into the envelope only
	ReplyTo      string   // e.g. ReplyAddress(intake, token)
	Subject      string
	Text         string // the plain-text body; required
	HTML         string // optional alternative, sent as multipart/alternative
	// MessageID is used exactly as given (angle brackets optional): an
	// outbox that retries a send must send the same ID so the recipient's
	// client shows one message. Empty means Compose makes one.
	MessageID  string
	InReplyTo  string
	References []string
	Date       time.Time // zero means now
	// Headers are extra header fields (e.g. "Auto-Submitted": "auto-replied").
	// Fields the composer owns (From, To, Content-Type, …) are refused.
	Headers     map[string]string
	Attachments []Attachment
	// EncryptTo is the recipient's armored public key. When set the whole
	// body (text, HTML, attachments) is encrypted to it as PGP/MIME
	// (RFC 3156); the header (Subject included) stays readable unless
	// HideSubject is set.
	EncryptTo []byte
	// HideSubject replaces the visible Subject of an encrypted message by
	// "..." and carries the real one inside (protected headers, as
	// Thunderbird does). Parse reads it back.
	HideSubject bool
	// SignWith signs the message: inside the encryption when EncryptTo is
	// set, else as PGP/MIME multipart/signed.
	SignWith *pgpkey.Key
}

// Recipients returns the envelope recipients: To, Cc and Bcc, bare.
func (o *Outgoing) Recipients() ([]string, error) {
	var rcpts []string
	for _, list := range [][]string{o.To, o.Cc, o.Bcc} {
		for _, s := range list {
			a, err := gomail.ParseAddress(s)
			if err != nil {
				return nil, fmt.Errorf("mail: recipient %q is not an address: %w", s, err)
			}
			rcpts = append(rcpts, a.Address)
		}
	}
	if len(rcpts) == 0 {
		return nil, errors.New("mail: the message has no recipients (To, Cc and Bcc are empty)")
	}
	return rcpts, nil
}

// ownedHeaders are set by Compose and may not come through Headers.
var ownedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "subject": true,
	"message-id": true, "in-reply-to": true, "references": true, "date": true,
	"mime-version": true, "content-type": true, "content-transfer-encoding": true,
	"content-disposition": true, "sender": true, "return-path": true,
}

// Compose renders o as an RFC 5322 message with CRLF line ends, ready for
// SMTP DATA. It returns the Message-ID used (without angle brackets).
func Compose(o *Outgoing) (raw []byte, messageID string, err error) {
	h, messageID, err := o.header()
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	switch {
	case len(o.EncryptTo) > 0:
		err = o.writeEncrypted(&buf, h)
	case o.SignWith != nil:
		err = o.writeSigned(&buf, h)
	default:
		err = o.writeContent(&buf, h.Header)
	}
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), messageID, nil
}

func (o *Outgoing) header() (gomail.Header, string, error) {
	var h gomail.Header
	from, err := gomail.ParseAddress(o.From)
	if err != nil {
		return h, "", fmt.Errorf("mail: From %q is not an address: %w", o.From, err)
	}
	if _, err := o.Recipients(); err != nil {
		return h, "", err
	}
	h.SetAddressList("From", []*gomail.Address{from})
	for _, f := range []struct {
		key  string
		list []string
	}{{"To", o.To}, {"Cc", o.Cc}} {
		var as []*gomail.Address
		for _, s := range f.list {
			a, _ := gomail.ParseAddress(s) // checked by Recipients
			as = append(as, a)
		}
		h.SetAddressList(f.key, as)
	}
	if o.ReplyTo != "" {
		a, err := gomail.ParseAddress(o.ReplyTo)
		if err != nil {
			return h, "", fmt.Errorf("mail: Reply-To %q is not an address: %w", o.ReplyTo, err)
		}
		h.SetAddressList("Reply-To", []*gomail.Address{a})
	}
	if strings.ContainsAny(o.Subject, "\r\n") {
		return h, "", errors.New("mail: the subject contains a line break")
	}
	h.SetSubject(o.Subject)
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	h.SetDate(date)

	id := o.MessageID
	if id == "" {
		_, host, _ := splitAddr(from.Address)
		id = NewMessageID("", host)
	}
	id, err = checkMsgID("Message-ID", id)
	if err != nil {
		return h, "", err
	}
	h.SetMessageID(id)
	if o.InReplyTo != "" {
		irt, err := checkMsgID("In-Reply-To", o.InReplyTo)
		if err != nil {
			return h, "", err
		}
		h.SetMsgIDList("In-Reply-To", []string{irt})
	}
	var refs []string
	for _, r := range o.References {
		r, err := checkMsgID("References", r)
		if err != nil {
			return h, "", err
		}
		refs = append(refs, r)
	}
	h.SetMsgIDList("References", refs)

	for k, v := range o.Headers {
		if ownedHeaders[strings.ToLower(k)] {
			return h, "", fmt.Errorf("mail: header %q is set from the Outgoing fields; set it there", k)
		}
		if k == "" || strings.ContainsAny(k, ": \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return h, "", fmt.Errorf("mail: header %q is not a valid header field (no colons, spaces or line breaks)", k)
		}
		h.SetText(k, v)
	}
	h.Set("MIME-Version", "1.0")
	return h, id, nil
}

// checkMsgID strips angle brackets and refuses what would break the header.
func checkMsgID(field, id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if id == "" || !strings.Contains(id, "@") || strings.ContainsAny(id, "<> \t\r\n\"") {
		return "", fmt.Errorf("mail: %s %q is not a message id like abc.123@example.org", field, id)
	}
	return id, nil
}

// writeContent writes the body entity (text, HTML alternative,
// attachments) with header h, which receives its Content-Type.
func (o *Outgoing) writeContent(w io.Writer, h message.Header) error {
	if o.Text == "" && o.HTML == "" {
		return errors.New("mail: the message has no body (Text is empty)")
	}
	top := func(h message.Header) (*message.Writer, error) { return message.CreateWriter(w, h) }
	if len(o.Attachments) == 0 {
		return writeAlternative(top, h, o.Text, o.HTML)
	}
	h.SetContentType("multipart/mixed", nil)
	mw, err := top(h)
	if err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	if err := writeAlternative(mw.CreatePart, message.Header{}, o.Text, o.HTML); err != nil {
		return err
	}
	for i, a := range o.Attachments {
		if a.Filename == "" {
			return fmt.Errorf("mail: attachment %d has no file name", i+1)
		}
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		var ah message.Header
		ah.SetContentType(ct, map[string]string{"name": a.Filename})
		ah.SetContentDisposition("attachment", map[string]string{"filename": a.Filename})
		ah.Set("Content-Transfer-Encoding", "base64")
		if err := writePart(mw.CreatePart, ah, a.Data); err != nil {
			return fmt.Errorf("mail: compose attachment %q: %w", a.Filename, err)
		}
	}
	return mw.Close()
}

// createFunc starts an entity with a header: message.CreateWriter for a
// whole message, (*message.Writer).CreatePart for a part.
type createFunc func(h message.Header) (*message.Writer, error)

func writePart(create createFunc, h message.Header, body []byte) error {
	pw, err := create(h)
	if err != nil {
		return err
	}
	if _, err := pw.Write(body); err != nil {
		return err
	}
	return pw.Close()
}

// writeAlternative writes text (and html, if any) as text/plain or
// multipart/alternative, with the fields of h added.
func writeAlternative(create createFunc, h message.Header, text, html string) error {
	textHeader := func(ct string) message.Header {
		var th message.Header
		th.SetContentType(ct, map[string]string{"charset": "utf-8"})
		th.Set("Content-Transfer-Encoding", "quoted-printable")
		return th
	}
	if html == "" {
		th := textHeader("text/plain")
		for f := h.Fields(); f.Next(); {
			th.Add(f.Key(), f.Value())
		}
		if err := writePart(create, th, []byte(text)); err != nil {
			return fmt.Errorf("mail: compose: %w", err)
		}
		return nil
	}
	h.SetContentType("multipart/alternative", nil)
	aw, err := create(h)
	if err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	if err := writePart(aw.CreatePart, textHeader("text/plain"), []byte(text)); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	if err := writePart(aw.CreatePart, textHeader("text/html"), []byte(html)); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	return aw.Close()
}

// innerContent renders the body entity on its own, with CRLF line ends, as
// PGP/MIME signs and encrypts it. protected adds the protected header
// fields (Subject, From, To, Cc, Date, Message-ID) to it.
func (o *Outgoing) innerContent(outer gomail.Header, protected bool) ([]byte, error) {
	var h message.Header
	if protected {
		for _, k := range []string{"Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-Id"} {
			if v := outer.Get(k); v != "" {
				h.Set(k, v)
			}
		}
	}
	var buf bytes.Buffer
	if err := o.writeContent(&buf, h); err != nil {
		return nil, err
	}
	return canonicalCRLF(buf.Bytes()), nil
}

// writeEncrypted writes an RFC 3156 multipart/encrypted message.
func (o *Outgoing) writeEncrypted(w io.Writer, h gomail.Header) error {
	rcpt, err := pgpkey.ReadPublicKey(o.EncryptTo)
	if err != nil {
		return fmt.Errorf("mail: the recipient's key (EncryptTo) cannot be used: %w", err)
	}
	inner, err := o.innerContent(h, true)
	if err != nil {
		return err
	}
	ct, err := pgpkey.Encrypt(inner, o.SignWith, rcpt)
	if err != nil {
		return fmt.Errorf("mail: encrypt: %w", err)
	}
	if o.HideSubject {
		h.SetSubject("...")
	}
	boundary := newBoundary()
	h.SetContentType("multipart/encrypted", map[string]string{"protocol": "application/pgp-encrypted", "boundary": boundary})
	mw, err := message.CreateWriter(w, h.Header)
	if err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	var b strings.Builder
	b.WriteString("This is an OpenPGP/MIME encrypted message (RFC 3156).\r\n")
	b.WriteString("--" + boundary + "\r\n")
	b.WriteString("Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n")
	b.WriteString("--" + boundary + "\r\n")
	b.WriteString("Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n")
	b.Write(canonicalCRLF(ct))
	b.WriteString("\r\n--" + boundary + "--\r\n")
	if _, err := io.WriteString(mw, b.String()); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	return nil
}

// writeSigned writes an RFC 3156 multipart/signed message.
func (o *Outgoing) writeSigned(w io.Writer, h gomail.Header) error {
	inner, err := o.innerContent(h, false)
	if err != nil {
		return err
	}
	sig, err := o.SignWith.Sign(inner)
	if err != nil {
		return fmt.Errorf("mail: sign: %w", err)
	}
	hash, err := pgpkey.SignatureHash(sig)
	if err != nil {
		return fmt.Errorf("mail: sign: %w", err)
	}
	boundary := newBoundary()
	h.SetContentType("multipart/signed", map[string]string{
		"micalg":   "pgp-" + hash,
		"protocol": "application/pgp-signature",
		"boundary": boundary,
	})
	mw, err := message.CreateWriter(w, h.Header)
	if err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("This is an OpenPGP/MIME signed message (RFC 3156).\r\n")
	b.WriteString("--" + boundary + "\r\n")
	b.Write(inner) // exactly the signed bytes; the CRLF before the next boundary belongs to it (RFC 2046)
	b.WriteString("\r\n--" + boundary + "\r\n")
	b.WriteString("Content-Type: application/pgp-signature; name=\"signature.asc\"\r\nContent-Description: OpenPGP digital signature\r\nContent-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n")
	b.Write(canonicalCRLF(sig))
	b.WriteString("\r\n--" + boundary + "--\r\n")
	if _, err := mw.Write(b.Bytes()); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	return nil
}

// canonicalCRLF turns every line end into CRLF.
func canonicalCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

func newBoundary() string {
	var b [18]byte
	rand.Read(b[:])
	return fmt.Sprintf("sirt-%x", b)
}
