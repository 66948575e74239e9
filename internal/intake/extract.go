package intake

import (
	"regexp"
	"strings"

	"github.com/oss-sirt/sirt/internal/purl"
)

// A mailed report has only a subject and a body; the finder may still have written what
// the web form asks for. extractFields reads it from the body — the CVSS vector, the CWE,
// packages (purls, or "Package:" / "Ecosystem:" lines) and their versions ("Versions:"
// or "Affected versions:" lines, kept as the free-text range the form has) — leaving the
// body as it is. Only values that pass the form's own checks are taken.
var (
	mailCVSS      = regexp.MustCompile(`\bCVSS:(?:4\.0|3\.[01])/[A-Z]{1,3}:[A-Za-z](?:/[A-Z]{1,3}:[A-Za-z])*`)
	mailCWE       = regexp.MustCompile(`(?i)\bCWE-[1-9][0-9]{0,5}\b`)
	mailPURL      = regexp.MustCompile(`\bpkg:[a-z][a-z0-9.+-]*/[^\s"'<>()\[\],;]+`)
	mailField     = regexp.MustCompile(`(?im)^[ \t*\->]*(package|ecosystem|component|(?:affected )?versions?|affected|fixed in|range)[ \t]*:[ \t]*(.+?)[ \t]*$`)
	mailEcosystem = map[string]string{}
)

func init() {
	for _, e := range []string{"Go", "npm", "PyPI", "Maven", "RubyGems", "crates.io", "NuGet", "Packagist", "Hex", "Pub", "Hackage", "CRAN",
		"Debian", "Ubuntu", "Alpine", "SwiftURL", "CocoaPods", "ConanCenter", "GitHub Actions"} {
		mailEcosystem[strings.ToLower(e)] = e
	}
	mailEcosystem["golang"], mailEcosystem["pip"], mailEcosystem["cargo"], mailEcosystem["rust"] = "Go", "PyPI", "crates.io", "crates.io"
	mailEcosystem["composer"], mailEcosystem["gem"], mailEcosystem["rubygem"] = "Packagist", "RubyGems", "RubyGems"
}

func extractFields(sub *Submission, body string) {
	if sub.CVSSVector == "" {
		sub.CVSSVector = mailCVSS.FindString(body)
	}
	if sub.CWE == "" {
		sub.CWE = strings.ToUpper(mailCWE.FindString(body))
	}
	seen := map[string]bool{}
	for _, a := range sub.Affected {
		seen[a.Package.PURL+"\x00"+a.Package.Name] = true
	}
	add := func(a Affected) {
		k := a.Package.PURL + "\x00" + a.Package.Name
		if len(sub.Affected) < 20 && !seen[k] {
			seen[k] = true
			sub.Affected = append(sub.Affected, a)
		}
	}
	for _, m := range mailPURL.FindAllString(body, 20) {
		m = strings.TrimRight(m, ".")
		p, err := purl.Parse(m)
		if err != nil || len(m) > 500 {
			continue
		}
		a := Affected{Package: Package{PURL: purl.Key(p)}}
		if p.Version != "" && len(p.Version) <= 100 {
			a.Versions = []string{p.Version}
		}
		add(a)
	}
	var eco, name, versions string
	for _, m := range mailField.FindAllStringSubmatch(body, 50) {
		v := strings.Trim(m[2], "`*_ ")
		switch key := strings.ToLower(m[1]); {
		case key == "ecosystem":
			eco = mailEcosystem[strings.ToLower(v)]
		case key == "package" || key == "component":
			if !strings.HasPrefix(v, "pkg:") && len(v) <= 300 && !strings.ContainsAny(v, " \t") {
				name = v
			}
		default:
			if len(v) <= 500 {
				versions = v
				if key == "fixed in" {
					versions = "fixed in " + v
				}
			}
		}
	}
	if name != "" {
		add(Affected{Package: Package{Ecosystem: eco, Name: name}, Ranges: versions})
	} else if versions != "" && len(sub.Affected) > 0 && sub.Affected[0].Ranges == "" && len(sub.Affected[0].Versions) == 0 {
		sub.Affected[0].Ranges = versions
	}
}
