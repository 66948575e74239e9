package format

import "testing"

func TestScoreCVSS(t *testing.T) {
	for _, tc := range []struct {
		vector, severity, version string
		score                     float64
	}{
		// CVSS v3.1 specification examples and well-known vectors.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CRITICAL", "3.1", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "MEDIUM", "3.1", 6.1},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "HIGH", "3.1", 7.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N", "MEDIUM", "3.1", 5.3},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "NONE", "3.1", 0},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CRITICAL", "3.0", 9.8},
		// CVSS v4.0, scores as FIRST's calculator gives them.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CRITICAL", "4.0", 9.3},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "CRITICAL", "4.0", 10},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", "HIGH", "4.0", 7.9},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "NONE", "4.0", 0},
		{"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "LOW", "4.0", 1},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", "CRITICAL", "4.0", 9.1}, // CVSS-BT
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L", "MEDIUM", "4.0", 5.2},
		// CVSS v2 (NVD severities).
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", "HIGH", "2.0", 7.5},
		{"AV:N/AC:M/Au:N/C:N/I:P/A:N", "MEDIUM", "2.0", 4.3},
	} {
		score, severity, version, err := ScoreCVSS(tc.vector)
		if err != nil || score != tc.score || severity != tc.severity || version != tc.version {
			t.Errorf("ScoreCVSS(%s) = %v %s %s %v, want %v %s %s", tc.vector, score, severity, version, err, tc.score, tc.severity, tc.version)
		}
	}
	for _, bad := range []string{"", "9.8", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:4.0/AV:N/AC:L", "CVSS:2.0/AV:N"} {
		if _, _, _, err := ScoreCVSS(bad); err == nil {
			t.Errorf("ScoreCVSS(%q) accepted it", bad)
		}
	}
}
