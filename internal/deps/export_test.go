package deps

import "bytes"

// ParseSBOMForTest exposes the SBOM decoder to the external tests.
func ParseSBOMForTest(b []byte) (*sbomDoc, error) { return parseSBOM(b) }

// ParseEdgesForTest exposes the edge-list parser to the external tests.
func ParseEdgesForTest(b []byte) error {
	_, err := parseEdges(bytes.NewReader(b), nil)
	return err
}

// AdmitsForTest exposes constraint matching.
func AdmitsForTest(c, v string) (ok, known bool) { return admits(c, v) }
