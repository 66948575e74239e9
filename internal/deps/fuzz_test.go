package deps_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/oss-sirt/sirt/internal/deps"
)

// The importers take files from anywhere: whatever the bytes, they answer with a value
// or an error naming where, never a panic.

func FuzzParseEdges(f *testing.F) {
	f.Add([]byte(acceptanceCSV()[:2000]))
	f.Add([]byte("dependent,dependency,version_constraint\npkg:maven/a/b,pkg:maven/c/d,\nnot-a-purl,pkg:maven/c/d,\n"))
	f.Add([]byte("dependent,dependency,version_constraint\n\"pkg:npm/a\",\"pkg:npm/%40s/b@1\",\"^1.0 || ^2.0\"\n"))
	f.Add([]byte("\ufeffdependent,dependency,version_constraint\r\npkg:pypi/a,pkg:pypi/b,\">=1,<2\"\r\n"))
	f.Add([]byte("dependent,dependency,version_constraint\npkg:a,\"x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := deps.ParseEdgesForTest(b)
		var ie *deps.ImportError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("an error that names no line: %v", err)
		}
		if ie != nil && len(ie.Rows) == 0 {
			t.Fatal("an import error without rows")
		}
	})
}

func FuzzParseSBOM(f *testing.F) {
	for _, name := range []string{"cyclonedx-1.5.json", "cyclonedx-1.6.json", "spdx-2.3.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": {"oops": 1}}`))
	f.Add([]byte(`{"spdxVersion": "SPDX-2.2", "packages": [{"SPDXID": "a", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}]}], "relationships": [{"spdxElementId": "a", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "a"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := deps.ParseSBOMForTest(b)
		var pe *deps.PathError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("an error without a path: %v", err)
		}
	})
}

func FuzzConstraints(f *testing.F) {
	for _, c := range []string{"[2.0,2.15)", "(,1.0],[1.2,)", ">=1.0 <2.0", "^0.2.3", "~1.2", "1.x", "==2.14.1", "*", "~=1.4.2", "[1.0]", "^1 || ^2"} {
		f.Add(c, "2.14.1")
	}
	f.Fuzz(func(t *testing.T, c, v string) {
		deps.AdmitsForTest(c, v) // no panic, whatever the input
	})
}
