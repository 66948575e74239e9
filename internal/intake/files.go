package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Files stores attachments on disk by content hash (DIR/ab/abcdef…); the database
// holds the metadata. Content is never served inline: downloads are attachments with
// nosniff, whatever the type.
type Files struct {
	Dir      string
	MaxBytes int64 // per file; default 10 MiB
	MaxFiles int   // per upload; default 10
}

// Attachment is a stored file's metadata.
type Attachment struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Upload is a file someone sends.
type Upload struct {
	Filename string
	Data     []byte
}

func (f *Files) limits() (int64, int) {
	mb, mf := f.MaxBytes, f.MaxFiles
	if mb <= 0 {
		mb = 10 << 20
	}
	if mf <= 0 {
		mf = 10
	}
	return mb, mf
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._+-]+`)

// cleanName keeps a file name readable and harmless (no paths, no control characters).
func cleanName(n string) string {
	n = filepath.Base(strings.ReplaceAll(n, "\\", "/"))
	n = strings.Trim(unsafeName.ReplaceAllString(n, "_"), "._")
	if n == "" {
		n = "attachment"
	}
	if len(n) > 120 {
		n = n[:120]
	}
	return n
}

// TooLargeError is an upload over the size or count limits: field errors (the web
// form shows them beside the file field) that the API answers with 413.
type TooLargeError struct{ Fields validate.Errors }

func (e *TooLargeError) Error() string  { return e.Fields.Error() }
func (e *TooLargeError) Unwrap() error  { return e.Fields }
func (e *TooLargeError) TooLarge() bool { return true }

// check validates uploads before anything is stored.
func (f *Files) check(ups []Upload) error {
	mb, mf := f.limits()
	if len(ups) > mf {
		return validate.Field("attachments", "%d files; the limit is %d per upload (zip them)", len(ups), mf)
	}
	var e validate.Errors
	var total int64
	for i, u := range ups {
		total += int64(len(u.Data))
		if int64(len(u.Data)) > mb {
			e.Add(fmt.Sprintf("attachments[%d]", i), "%s is larger than the limit of %d bytes (%d MiB)", cleanName(u.Filename), mb, mb>>20)
		}
	}
	if total > mb && len(ups) > 1 {
		e.Add("attachments", "the files add up to more than the limit of %d bytes (%d MiB)", mb, mb>>20)
	}
	if len(e) > 0 {
		return &TooLargeError{Fields: e}
	}
	return nil
}

// store writes the content to disk (fsynced) and records it in q for a report.
func (f *Files) store(ctx context.Context, q db.Querier, reportID int64, by string, u Upload, now time.Time) (*Attachment, error) {
	sum := sha256.Sum256(u.Data)
	h := hex.EncodeToString(sum[:])
	if err := f.write(h, u.Data); err != nil {
		return nil, err
	}
	a := &Attachment{Filename: cleanName(u.Filename), ContentType: sniff(u.Data), Size: int64(len(u.Data)), SHA256: h, UploadedBy: by, CreatedAt: now}
	err := q.QueryRow(ctx, "INSERT INTO attachments (report_id, filename, content_type, size, sha256, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		reportID, a.Filename, a.ContentType, a.Size, a.SHA256, a.UploadedBy, now).Scan(&a.ID)
	if err != nil {
		return nil, fmt.Errorf("intake: record attachment: %w", err)
	}
	return a, nil
}

// sniff names the content's type from its bytes (never from what the sender claims).
func sniff(b []byte) string {
	ct := http.DetectContentType(b)
	if strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/xml") {
		return "text/plain; charset=utf-8" // stored as is, but never to be rendered
	}
	return ct
}

func (f *Files) path(h string) string { return filepath.Join(f.Dir, h[:2], h) }

func (f *Files) write(h string, data []byte) error {
	p := f.path(h)
	if st, err := os.Stat(p); err == nil && st.Size() == int64(len(data)) {
		return nil // same content stored already
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("intake: attachments directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("intake: store attachment: %w", err)
	}
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	tmp.Close()
	return os.Rename(tmp.Name(), p)
}

// Open returns an attachment's content.
func (f *Files) Open(sha string) (*os.File, error) {
	if len(sha) != 64 {
		return nil, db.ErrNotFound
	}
	if _, err := hex.DecodeString(sha); err != nil {
		return nil, db.ErrNotFound
	}
	return os.Open(f.path(sha))
}

// Files returns the attachment store.
func (s *Service) Files() *Files { return s.files }
