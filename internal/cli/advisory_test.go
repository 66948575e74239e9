package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const osvRecords = "../advisory/format/testdata/osv"

// TestAdvisoryImportAndExport: import-osv prints the new id alone (flags after the file),
// refuses a schema-invalid record naming the JSON path, and export writes each format.
func TestAdvisoryImportAndExport(t *testing.T) {
	data := t.TempDir()
	r := run(t, "", "advisory", "import-osv", filepath.Join(osvRecords, "GO-2020-0001.json"), "--data", data).want(t, 0)
	if r.stdout != "GO-2020-0001\n" {
		t.Errorf("stdout %q, want the id alone", r.stdout)
	}
	r = run(t, "", "advisory", "import-osv", filepath.Join(osvRecords, "invalid", "nointroduced-CVE-2023-41045.json"), "--data", data).want(t, 1)
	if r.stdout != "" || !strings.Contains(r.stderr, "$.affected[0].ranges[0].events") {
		t.Errorf("invalid record: stdout %q stderr %q", r.stdout, r.stderr)
	}
	run(t, "", "advisory", "import-osv", "--data", data).want(t, 2)
	for _, f := range []string{"osv", "csaf", "vex", "cve"} {
		r = run(t, "", "advisory", "export", "GO-2020-0001", "--format", f, "--data", data).want(t, 0)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Errorf("export %s: %v", f, err)
		}
	}
	run(t, "", "advisory", "export", "GO-2020-0001", "--format", "pdf", "--data", data).want(t, 2)
	run(t, "", "advisory", "export", "NOPE-1", "--data", data).want(t, 1)
}
