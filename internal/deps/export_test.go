package deps

import "io"

var eof = io.EOF

// ParseSBOMForTest exposes the SBOM decoder to the external tests.
func ParseSBOMForTest(b []byte) (*sbomDoc, error) { return parseSBOM(b) }

// ParseEdgesForTest exposes the edge-list parser to the external tests.
func ParseEdgesForTest(b []byte) error {
	_, err := parseEdges(bytesReader(b), nil)
	return err
}

func bytesReader(b []byte) *bytesR { return &bytesR{b: b} }

type bytesR struct{ b []byte }

func (r *bytesR) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, eof
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// AdmitsForTest exposes constraint matching.
func AdmitsForTest(c, v string) (ok, known bool) { return admits(c, v) }
