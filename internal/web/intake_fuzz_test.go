package web

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/oss-sirt/sirt/internal/validate"
)

// FuzzDecodeReportForm feeds arbitrary form bodies (urlencoded and multipart) through
// the report form decoder and the submission checks: they must never panic, and every
// refusal must be a field error a person can act on.
func FuzzDecodeReportForm(f *testing.F) {
	f.Add("summary=Path+traversal&details=steps&ecosystem=npm&package_name=tar-lite&versions=1.2.0%2C1.2.1", "application/x-www-form-urlencoded")
	f.Add("summary=&cvss_vector=AV%3AN&cwe=22&reporter_email=nope", "application/x-www-form-urlencoded")
	f.Add("summary=%00%ff%fe&versions=%2C%2C%2C&package_name=%0A", "application/x-www-form-urlencoded")
	f.Add("--b\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nXSS\r\n--b\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"../../x.html\"\r\n\r\n<script>\r\n--b--\r\n", "multipart/form-data; boundary=b")
	f.Add("--b\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\n", "multipart/form-data; boundary=b")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		req := httptest.NewRequest("POST", "/report", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", contentType)
		in, _, ups, err := decodeReportForm(req)
		if err != nil {
			if _, ok := validate.As(err); !ok {
				t.Fatalf("decode error is not a field error: %v", err)
			}
			return
		}
		for _, u := range ups {
			if len(u.Data) > maxUpload+1 {
				t.Fatalf("upload of %d bytes passed the limit", len(u.Data))
			}
		}
		if err := in.Normalize(); err != nil {
			fe, ok := validate.As(err)
			if !ok || len(fe) == 0 {
				t.Fatalf("normalize error is not a field error: %v", err)
			}
			return
		}
		if in.Summary == "" || !utf8.ValidString(in.Summary) || len([]rune(in.Summary)) > 300 {
			t.Fatalf("accepted a bad summary %q", in.Summary)
		}
		for _, a := range in.Affected {
			if a.Package.Name == "" && a.Package.PURL == "" {
				t.Fatalf("accepted a package without a name: %+v", a)
			}
		}
	})
}
