package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode ISO-8859-*, Windows-125x, Shift_JIS… bodies and headers
	gomail "github.com/emersion/go-message/mail"

	"github.com/oss-sirt/sirt/internal/pgpkey"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Parse parses a raw RFC 5322 message with the default Limits, decrypting
// OpenPGP content with key (which may be nil when no team key exists; then
// encrypted mail is an error).
func Parse(raw []byte, key *pgpkey.Key) (*Message, error) {
	return Limits{}.Parse(raw, key)
}

// Parse parses a raw RFC 5322 message within the limits l.
//
// It is lenient where senders are sloppy (a malformed Date, an address
// list it cannot parse, a broken multipart end: recorded in Warnings) and
// strict where content would be lost or resources spent: a message over a
// limit (a *LimitError) and encrypted content it cannot decrypt are errors.
func (l Limits) Parse(raw []byte, key *pgpkey.Key) (*Message, error) {
	l = l.withDefaults()
	if int64(len(raw)) > l.MaxMessageBytes {
		return nil, &LimitError{What: "message size", Limit: l.MaxMessageBytes}
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !tolerable(err) {
		return nil, fmt.Errorf("mail: the message header is malformed: %w", err)
	}
	p := &parser{key: key, lim: l, msg: &Message{}}
	p.headers(gomail.Header{Header: e.Header})
	if err := p.walk(e, 0); err != nil {
		return nil, err
	}
	p.finish()
	return p.msg, nil
}

// tolerable reports whether a go-message error still left a readable
// entity: an unknown charset or transfer encoding is read as raw bytes.
func tolerable(err error) bool {
	return message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)
}

type parser struct {
	key *pgpkey.Key
	lim Limits
	msg *Message

	parts     int
	decrypted int64 // plaintext bytes produced by all decryptions, against MaxMessageBytes
	plain     []string
	html      []string
}

func (p *parser) warn(format string, args ...any) {
	if len(p.msg.Warnings) < 50 {
		p.msg.Warnings = append(p.msg.Warnings, fmt.Sprintf(format, args...))
	}
}

func (p *parser) headers(h gomail.Header) {
	m := p.msg
	if from := p.addresses(h, "From"); len(from) > 0 {
		m.From = from[0]
	}
	m.To = p.addresses(h, "To")
	m.Cc = p.addresses(h, "Cc")
	m.ReplyTo = p.addresses(h, "Reply-To")
	m.Subject = p.subject(h)
	m.MessageID = firstOr(msgIDs(h, "Message-Id"), "")
	m.InReplyTo = msgIDs(h, "In-Reply-To")
	m.References = msgIDs(h, "References")
	if d, err := h.Date(); err != nil {
		p.warn("the Date header %q is not a date; ignored", clean(h.Get("Date")))
	} else {
		m.Date = d
	}
}

func (p *parser) subject(h gomail.Header) string {
	s, err := h.Subject() // on error: the raw value, still the best we have
	if err != nil {
		p.warn("the Subject header could not be decoded; kept as sent")
	}
	return p.clean(s)
}

// addressRE finds bare addresses in a header go-message could not parse.
var addressRE = regexp.MustCompile(`[^\s<>()\[\]"',;:]+@[^\s<>()\[\]"',;:]+`)

func (p *parser) addresses(h gomail.Header, key string) []Address {
	if h.Get(key) == "" {
		return nil
	}
	list, err := h.AddressList(key)
	if err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: p.clean(a.Name), Addr: p.clean(a.Address)})
		}
		return out
	}
	raw := h.Get(key)
	var out []Address
	for _, a := range addressRE.FindAllString(raw, 100) {
		out = append(out, Address{Addr: p.clean(a)})
	}
	p.warn("the %s header %q is not a valid address list; took the addresses found in it", key, clean(raw))
	return out
}

var msgIDRE = regexp.MustCompile(`<([^<>\s]+)>`)

// msgIDs reads a Message-ID list leniently: the RFC 5322 form first, then
// anything between angle brackets, then bare words with an "@".
func msgIDs(h gomail.Header, key string) []string {
	raw := h.Get(key)
	if raw == "" {
		return nil
	}
	var ids []string
	if key == "Message-Id" {
		if id, err := h.MessageID(); err == nil && id != "" {
			ids = []string{id}
		}
	} else if l, err := h.MsgIDList(key); err == nil {
		ids = l
	}
	if len(ids) == 0 {
		for _, m := range msgIDRE.FindAllStringSubmatch(raw, 200) {
			ids = append(ids, m[1])
		}
	}
	if len(ids) == 0 {
		for _, f := range strings.Fields(raw) {
			if strings.Contains(f, "@") {
				ids = append(ids, strings.Trim(f, "<>,"))
			}
		}
	}
	for i := range ids {
		ids[i] = clean(ids[i])
	}
	return ids
}

func firstOr(l []string, def string) string {
	if len(l) > 0 {
		return l[0]
	}
	return def
}

func (p *parser) walk(e *message.Entity, depth int) error {
	if depth > p.lim.MaxDepth {
		return &LimitError{What: "MIME depth", Limit: int64(p.lim.MaxDepth)}
	}
	if err := p.countPart(); err != nil {
		return err
	}
	mt, params, err := e.Header.ContentType()
	if err != nil || mt == "" {
		mt, params = "text/plain", nil // RFC 2045 section 5.2
	}
	mt = strings.ToLower(mt)
	disp, _, _ := e.Header.ContentDisposition()
	ah := gomail.AttachmentHeader{Header: e.Header}
	filename, _ := ah.Filename()

	switch {
	case mt == "multipart/encrypted" && strings.EqualFold(params["protocol"], "application/pgp-encrypted"):
		return p.pgpMIME(e, depth)
	case mt == "multipart/signed" && strings.EqualFold(params["protocol"], "application/pgp-signature"):
		// RFC 3156 section 5: the first part is the content, the second
		// the signature, which we cannot check without the sender's key.
		p.msg.Signed = true
		return p.eachPart(e, depth, func(i int, part *message.Entity) error {
			if i == 0 {
				return p.walk(part, depth+1)
			}
			return p.countPart()
		})
	case strings.HasPrefix(mt, "multipart/"):
		return p.eachPart(e, depth, func(_ int, part *message.Entity) error {
			return p.walk(part, depth+1)
		})
	case (mt == "text/plain" || mt == "text/html") && !strings.EqualFold(disp, "attachment") && filename == "":
		body, err := p.readBody(e, p.lim.MaxMessageBytes)
		if err != nil {
			return err
		}
		if mt == "text/html" {
			p.html = append(p.html, body)
			return nil
		}
		text, err := p.inlinePGP(body)
		if err != nil {
			return err
		}
		p.plain = append(p.plain, text)
		return nil
	default:
		if mt == "message/rfc822" && filename == "" {
			filename = "forwarded-message.eml"
		}
		return p.attachment(e, mt, filename)
	}
}

func (p *parser) countPart() error {
	p.parts++
	if p.parts > p.lim.MaxParts {
		return &LimitError{What: "MIME parts", Limit: int64(p.lim.MaxParts)}
	}
	return nil
}

// eachPart calls fn for every part of a multipart entity. A damaged
// structure ends the walk with a warning: what was read is kept.
func (p *parser) eachPart(e *message.Entity, depth int, fn func(i int, part *message.Entity) error) error {
	mr := e.MultipartReader()
	if mr == nil {
		return nil
	}
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil && (part == nil || !tolerable(err)) {
			p.warn("the MIME structure is damaged after %d parts (%v); the rest of the message was not read", i, err)
			return nil
		}
		if err := fn(i, part); err != nil {
			return err
		}
	}
}

// readBody reads a text body, as valid UTF-8 with LF line ends.
func (p *parser) readBody(e *message.Entity, max int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(e.Body, max+1))
	if int64(len(b)) > max {
		return "", &LimitError{What: "message size", Limit: max}
	}
	if err != nil {
		p.warn("a text part could not be decoded completely (%v); kept what could be read", err)
	}
	return p.clean(strings.ReplaceAll(string(b), "\r\n", "\n")), nil
}

// pgpMIME opens an RFC 3156 multipart/encrypted entity and walks the MIME
// entity inside.
func (p *parser) pgpMIME(e *message.Entity, depth int) error {
	var ciphertext []byte
	err := p.eachPart(e, depth, func(i int, part *message.Entity) error {
		if err := p.countPart(); err != nil {
			return err
		}
		mt, _, _ := part.Header.ContentType()
		if i == 1 || (ciphertext == nil && strings.EqualFold(mt, "application/octet-stream")) {
			b, err := io.ReadAll(io.LimitReader(part.Body, p.lim.MaxMessageBytes+1))
			if err != nil {
				return fmt.Errorf("mail: the PGP/MIME encrypted part is damaged: %w", err)
			}
			ciphertext = b
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ciphertext == nil {
		return errors.New("mail: the PGP/MIME message has no encrypted part (want application/pgp-encrypted then application/octet-stream)")
	}
	d, err := p.decrypt(ciphertext, "the PGP/MIME message")
	if err != nil {
		return err
	}
	inner, err := message.Read(bytes.NewReader(d.Plaintext))
	if err != nil && !tolerable(err) {
		return fmt.Errorf("mail: the decrypted PGP/MIME content is not a MIME entity: %w", err)
	}
	// Protected headers (the draft "header protection" scheme, as
	// Thunderbird sends it): the inner Subject is the real one when the
	// outer one is a placeholder like "...".
	ih := gomail.Header{Header: inner.Header}
	if ih.Get("Subject") != "" {
		p.msg.Subject = p.subject(ih)
	}
	return p.walk(inner, depth+1)
}

// decrypt opens an OpenPGP message with the team key within the decrypted
// size budget, and notes encryption and signing on the message.
func (p *parser) decrypt(ciphertext []byte, what string) (*pgpkey.Decrypted, error) {
	if p.key == nil {
		return nil, fmt.Errorf("mail: %s is OpenPGP encrypted but no team key is configured to decrypt it", what)
	}
	d, err := p.key.DecryptMessage(bytes.NewReader(ciphertext), p.lim.MaxMessageBytes-p.decrypted)
	if errors.Is(err, pgpkey.ErrPlaintextTooLarge) {
		return nil, &LimitError{What: "decrypted size", Limit: p.lim.MaxMessageBytes}
	}
	if err != nil {
		return nil, fmt.Errorf("mail: cannot decrypt %s: %w", what, err)
	}
	p.decrypted += int64(len(d.Plaintext))
	p.msg.Encrypted = p.msg.Encrypted || d.Encrypted
	p.msg.Signed = p.msg.Signed || d.Signed
	return d, nil
}

const (
	beginPGP       = "-----BEGIN PGP "
	beginMessage   = "-----BEGIN PGP MESSAGE-----"
	endMessage     = "-----END PGP MESSAGE-----"
	beginClearsign = "-----BEGIN PGP SIGNED MESSAGE-----"
)

// inlinePGP replaces ASCII-armored PGP messages in a text body by their
// decrypted text, and clear-signed text by the text. Armor must start a line
// (quoted armor, "> -----BEGIN…", is left alone: it is someone's quote).
func (p *parser) inlinePGP(text string) (string, error) {
	if !strings.Contains(text, beginPGP) {
		return text, nil
	}
	var out strings.Builder
	for text != "" {
		i := indexAtLineStart(text, beginPGP)
		if i < 0 {
			out.WriteString(text)
			break
		}
		out.WriteString(text[:i])
		text = text[i:]
		switch {
		case strings.HasPrefix(text, beginMessage):
			end := strings.Index(text, endMessage)
			if end < 0 {
				p.warn("an inline PGP message has no END line; kept as sent")
				out.WriteString(text)
				return out.String(), nil
			}
			end += len(endMessage)
			d, err := p.decrypt([]byte(text[:end]), "an inline PGP message in the text")
			if err != nil {
				return "", err
			}
			out.WriteString(p.clean(strings.ReplaceAll(string(d.Plaintext), "\r\n", "\n")))
			text = text[end:]
		case strings.HasPrefix(text, beginClearsign):
			b, rest := clearsign.Decode([]byte(text))
			if b == nil {
				p.warn("a clear-signed block is damaged; kept as sent")
				text = copyLine(&out, text)
				continue
			}
			p.msg.Signed = true
			out.WriteString(p.clean(strings.ReplaceAll(string(b.Plaintext), "\r\n", "\n")))
			text = string(rest)
		default: // a public key or a detached signature: ordinary text
			text = copyLine(&out, text)
		}
	}
	return out.String(), nil
}

func indexAtLineStart(s, sub string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], sub)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || s[i-1] == '\n' {
			return i
		}
		off = i + 1
	}
}

// copyLine copies the first line of text (with its newline) to out and
// returns the rest.
func copyLine(out *strings.Builder, text string) string {
	n := strings.IndexByte(text, '\n') + 1
	if n == 0 {
		n = len(text)
	}
	out.WriteString(text[:n])
	return text[n:]
}

func (p *parser) attachment(e *message.Entity, mt, filename string) error {
	if len(p.msg.Attachments) >= p.lim.MaxAttachments {
		return &LimitError{What: "attachment count", Limit: int64(p.lim.MaxAttachments)}
	}
	name := cleanFilename(filename, len(p.msg.Attachments)+1)
	data, err := io.ReadAll(io.LimitReader(e.Body, p.lim.MaxAttachmentBytes+1))
	if int64(len(data)) > p.lim.MaxAttachmentBytes {
		return &LimitError{What: "attachment size", Limit: p.lim.MaxAttachmentBytes, Name: name}
	}
	if err != nil {
		p.warn("attachment %q could not be decoded completely (%v); kept what could be read", name, err)
	}
	a := Attachment{Filename: name, ContentType: mt, Data: data}
	if isPGPFile(a) {
		if err := p.decryptAttachment(&a); err != nil {
			return err
		}
	}
	p.msg.Attachments = append(p.msg.Attachments, a)
	return nil
}

// isPGPFile reports whether an attachment is an OpenPGP-encrypted file, as
// inline-PGP mailers (and people using gpg by hand) attach them.
func isPGPFile(a Attachment) bool {
	ext := strings.ToLower(path.Ext(a.Filename))
	switch {
	case bytes.HasPrefix(bytes.TrimLeft(a.Data, " \t\r\n"), []byte(beginMessage)):
		return ext == ".asc" || ext == ".pgp" || ext == ".gpg" || a.ContentType == "application/pgp-encrypted"
	case ext == ".pgp" || ext == ".gpg":
		return len(a.Data) > 0 && a.Data[0]&0x80 != 0 // an OpenPGP packet tag
	}
	return false
}

// decryptAttachment replaces an encrypted attachment by its plaintext. An
// attachment we cannot open is kept as sent, with a warning: it may be meant
// for someone else (a maintainer), and the report is still worth having.
func (p *parser) decryptAttachment(a *Attachment) error {
	if p.key == nil {
		p.warn("attachment %q is OpenPGP encrypted and no team key is configured; kept encrypted", a.Filename)
		return nil
	}
	budget := min(p.lim.MaxAttachmentBytes, p.lim.MaxMessageBytes-p.decrypted)
	d, err := p.key.DecryptMessage(bytes.NewReader(a.Data), budget)
	switch {
	case errors.Is(err, pgpkey.ErrPlaintextTooLarge):
		return &LimitError{What: "attachment size", Limit: p.lim.MaxAttachmentBytes, Name: a.Filename}
	case err != nil:
		p.warn("attachment %q is OpenPGP encrypted but could not be decrypted (%v); kept encrypted", a.Filename, err)
		return nil
	}
	p.decrypted += int64(len(d.Plaintext))
	p.msg.Encrypted = p.msg.Encrypted || d.Encrypted
	p.msg.Signed = p.msg.Signed || d.Signed
	name := strings.TrimSuffix(a.Filename, path.Ext(a.Filename))
	if d.FileName != "" && d.FileName != "_CONSOLE" {
		name = d.FileName
	}
	a.Filename = cleanFilename(name, 0)
	a.ContentType = "application/octet-stream"
	if t := mime.TypeByExtension(path.Ext(a.Filename)); t != "" {
		a.ContentType, _, _ = strings.Cut(t, ";")
	}
	a.Data = d.Plaintext
	return nil
}

// cleanFilename makes a sender's file name safe to show and store: the base
// name only, no control characters, at most 200 bytes; n numbers a
// replacement when nothing is left.
func cleanFilename(name string, n int) string {
	name = clean(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		return fmt.Sprintf("attachment-%d", n)
	}
	return name
}

// clean makes s text a database keeps (PostgreSQL refuses NUL) and sirt's text
// checks accept, without hiding what was there: bytes that are not UTF-8 become
// U+FFFD each, control characters their visible control pictures (validate.Printable).
func clean(s string) string {
	s, _ = validate.Printable(s)
	return s
}

// clean is the package clean for message content, counting what it replaced in
// Message.Replaced.
func (p *parser) clean(s string) string {
	s, n := validate.Printable(s)
	p.msg.Replaced += n
	return s
}

func (p *parser) finish() {
	m := p.msg
	switch {
	case len(p.plain) > 0:
		m.Text = strings.Join(p.plain, "\n")
	case len(p.html) > 0:
		m.Text = htmlToText(strings.Join(p.html, "\n"))
	}
	if len(p.html) > 0 {
		m.HTML = strings.Join(p.html, "\n")
	}
}
