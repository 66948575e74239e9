package directory_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/directory"
	"github.com/oss-sirt/sirt/internal/validate"
)

// FuzzParseOrgsCSV: the CSV reader never panics; what it accepts is valid input (names
// and kinds checked, packages are keys) and every refusal names a line.
func FuzzParseOrgsCSV(f *testing.F) {
	f.Add("name,kind,website,emails,packages,notes\nAlpha,vendor,https://a.example,psirt@a.example;x@a.example,pkg:npm/a pkg:pypi/b,hi\n")
	f.Add("name\n\"unterminated\n")
	f.Add("name,emails\nX,not-an-address\n")
	f.Add("\ufeffName,Kind\nY,distro\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		ins, err := directory.ParseOrgsCSV(strings.NewReader(s))
		if err != nil {
			fe, ok := validate.As(err)
			if !ok || len(fe) == 0 || !strings.HasPrefix(fe[0].Field, "line ") {
				t.Fatalf("refusal does not name a line: %v", err)
			}
			return
		}
		for _, in := range ins {
			if strings.TrimSpace(in.Name) == "" {
				t.Fatalf("accepted an empty name: %+v", in)
			}
			for _, p := range in.Packages {
				if !strings.HasPrefix(p, "pkg:") || strings.Contains(p, "@") && !strings.Contains(p, "%40") {
					t.Fatalf("accepted package %q is not a key", p)
				}
			}
		}
	})
}

// FuzzParseSecurityTxt: the parser never panics, and a file it accepts has a contact.
func FuzzParseSecurityTxt(f *testing.F) {
	f.Add([]byte(securityTxt(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))))
	f.Add([]byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b.example\n-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n"))
	f.Add([]byte("Contact: mailto:?\nExpires: 2030-13-45T99:00:00Z\n"))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := directory.ParseSecurityTxt(b, nil)
		if err != nil {
			return
		}
		if len(st.Contacts) == 0 {
			t.Fatal("accepted a file without Contact")
		}
		for _, e := range st.Emails() {
			if e == "" || bytes.ContainsAny([]byte(e), "\r\n") {
				t.Fatalf("bad address %q", e)
			}
		}
		_ = st.Expired(time.Now())
	})
}
