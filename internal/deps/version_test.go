package deps_test

import (
	"testing"

	"github.com/oss-sirt/sirt/internal/deps"
)

func TestConstraints(t *testing.T) {
	for _, c := range []struct {
		constraint, version string
		ok, known           bool
	}{
		{"[2.0,2.15)", "2.14.1", true, true},
		{"[2.0,2.15)", "2.15.0", false, true},
		{"[2.0,2.15)", "2.0", true, true},
		{"(2.0,2.15)", "2.0", false, true},
		{"(,1.0],[1.2,)", "1.1", false, true},
		{"(,1.0],[1.2,)", "1.3", true, true},
		{"[1.0]", "1.0.0", true, true},
		{">=1.0 <2.0", "1.5", true, true},
		{">=1.0,<2.0", "2.0", false, true},
		{"^1.2.3", "1.9.0", true, true},
		{"^1.2.3", "2.0.0", false, true},
		{"^0.2.3", "0.3.0", false, true},
		{"~1.2", "1.2.9", true, true},
		{"~1.2", "1.3.0", false, true},
		{"~=1.4.2", "1.4.9", true, true},
		{"~=1.4.2", "1.5.0", false, true},
		{"1.x", "1.7.2", true, true},
		{"1.x", "2.0.0", false, true},
		{"2.14.1", "2.14.1", true, true},
		{"2.14.1", "2.15.0", false, true},
		{"2.15.0-rc1", "2.15.0", false, true},
		{"^1 || ^2", "2.5.0", true, true},
		{"", "9", true, true},
		{"latest.release", "1.0", true, false},
		{"${log4j.version}", "2.14.1", true, false},
	} {
		ok, known := deps.AdmitsForTest(c.constraint, c.version)
		if ok != c.ok || known != c.known {
			t.Errorf("%q admits %q: %v (known %v), want %v (known %v)", c.constraint, c.version, ok, known, c.ok, c.known)
		}
	}
}
