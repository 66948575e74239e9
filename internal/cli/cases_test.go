package cli_test

import (
	"encoding/json"
	"testing"
)

// TestCaseListShow: on an empty data directory the list is empty, --json is an array,
// and showing a case that does not exist fails.
func TestCaseListShow(t *testing.T) {
	data := t.TempDir()
	r := run(t, "", "case", "list", "--data", data).want(t, 0)
	if r.stdout != "" {
		t.Errorf("empty list: %q", r.stdout)
	}
	r = run(t, "", "case", "list", "--json", "--data", data).want(t, 0)
	var cs []any
	if err := json.Unmarshal([]byte(r.stdout), &cs); err != nil || cs == nil {
		t.Errorf("--json: %v: %q", err, r.stdout)
	}
	run(t, "", "case", "show", "OSS-SIRT-1999-0001", "--data", data).want(t, 1)
	run(t, "", "case", "show", "--data", data).want(t, 2)
}
