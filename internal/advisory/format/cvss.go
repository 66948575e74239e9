package format

import (
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// The qualitative severities of CVSS v3 and v4, as CVSS and the CVE and
// CSAF schemas spell them.
const (
	SeverityNone     = "NONE"
	SeverityLow      = "LOW"
	SeverityMedium   = "MEDIUM"
	SeverityHigh     = "HIGH"
	SeverityCritical = "CRITICAL"
)

// ScoreCVSS parses a CVSS vector and computes its score and qualitative
// severity. version is "2.0", "3.0", "3.1" or "4.0", from the vector's
// prefix ("CVSS:3.1/…", "CVSS:4.0/…"; v2 vectors have none).
//
// For v3 the score is the base score. For v4 it is the CVSS-B score, or
// CVSS-BT/BE/BTE when the vector carries threat or environmental metrics,
// as FIRST's calculator computes it. v2 has no official severity scale;
// NVD's (LOW < 4.0 ≤ MEDIUM < 7.0 ≤ HIGH) is returned.
func ScoreCVSS(vector string) (score float64, severity string, version string, err error) {
	vector = strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			return 0, "", "", cvssError(vector, err)
		}
		score = round1(v.Score())
		severity, err = gocvss40.Rating(score)
		return score, severity, "4.0", err
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		v, err := gocvss31.ParseVector(vector)
		if err != nil {
			return 0, "", "", cvssError(vector, err)
		}
		score = round1(v.BaseScore())
		severity, err = gocvss31.Rating(score)
		return score, severity, "3.1", err
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		v, err := gocvss30.ParseVector(vector)
		if err != nil {
			return 0, "", "", cvssError(vector, err)
		}
		score = round1(v.BaseScore())
		severity, err = gocvss30.Rating(score)
		return score, severity, "3.0", err
	case strings.HasPrefix(vector, "AV:"), strings.HasPrefix(vector, "(AV:"):
		v, err := gocvss20.ParseVector(strings.Trim(vector, "()"))
		if err != nil {
			return 0, "", "", cvssError(vector, err)
		}
		score = round1(v.BaseScore())
		switch {
		case score >= 7:
			severity = SeverityHigh
		case score >= 4:
			severity = SeverityMedium
		default:
			severity = SeverityLow
		}
		return score, severity, "2.0", nil
	}
	return 0, "", "", fmt.Errorf("cvss: %q is not a CVSS vector (want CVSS:4.0/…, CVSS:3.1/…, CVSS:3.0/… or a v2 vector AV:…)", vector)
}

func cvssError(vector string, err error) error {
	return fmt.Errorf("cvss: vector %q is not valid: %w", vector, err)
}

// round1 removes the binary noise of a score computed to one decimal, so that
// it marshals as 9.8 and matches the schemas' enumerations of scores.
func round1(f float64) float64 { return math.Round(f*10) / 10 }

// cvssScore is a scored Severity.
type cvssScore struct {
	vector   string
	score    float64
	severity string
	version  string
}

// scoredSeverities scores every CVSS entry of sev; entries of other types
// are skipped and a vector that does not parse is an error naming where it is.
func scoredSeverities(format, where string, sev []Severity) ([]cvssScore, error) {
	var out []cvssScore
	for i, s := range sev {
		switch s.Type {
		case CVSSv2, CVSSv3, CVSSv4:
		default:
			continue
		}
		score, severity, version, err := ScoreCVSS(s.Score)
		if err != nil {
			return nil, fmt.Errorf("%s export: %s[%d]: %w", format, where, i, err)
		}
		out = append(out, cvssScore{vector: s.Score, score: score, severity: severity, version: version})
	}
	return out, nil
}
