package format

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"
)

// semverPattern is SemVer 2.0.0 (semver.org): MAJOR.MINOR.PATCH with optional
// pre-release and build metadata, no leading "v", no leading zeros.
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// IsSemVer reports whether v is a SemVer 2.0 version ("1.2.3", "1.0.0-rc.1"; not
// "v1.2.3", not "1.0").
func IsSemVer(v string) bool { return semverPattern.MatchString(v) }

// RangeProblem is one semantic problem of an affected range, at a path relative to
// the range ("events[1].fixed").
type RangeProblem struct {
	Path, Message string
}

// CheckRange finds what the OSV schema accepts but OSV's semantics refuse: SEMVER
// events that are not SemVer 2.0 versions (introduced "0" aside), and a version that
// is both introduced and fixed (an empty interval, the OSV linter's "nondistinct"
// case).
func CheckRange(r Range) []RangeProblem {
	var out []RangeProblem
	introduced := map[string]bool{}
	for _, e := range r.Events {
		if e.Introduced != "" {
			introduced[e.Introduced] = true
		}
	}
	for i, e := range r.Events {
		for _, f := range []struct{ name, v string }{{"introduced", e.Introduced}, {"fixed", e.Fixed}, {"last_affected", e.LastAffected}, {"limit", e.Limit}} {
			if f.v == "" || f.name == "introduced" && f.v == "0" || f.name == "limit" && f.v == "*" {
				continue
			}
			if r.Type == RangeSemver && !IsSemVer(f.v) {
				hint := ""
				if strings.HasPrefix(f.v, "v") && IsSemVer(f.v[1:]) {
					hint = fmt.Sprintf(" (write %s, without the v)", f.v[1:])
				} else if regexp.MustCompile(`^\d+(\.\d+)?$`).MatchString(f.v) {
					hint = " (SemVer has three numbers: MAJOR.MINOR.PATCH)"
				}
				out = append(out, RangeProblem{fmt.Sprintf("events[%d].%s", i, f.name), fmt.Sprintf("%q is not a SemVer 2.0 version%s; use an ECOSYSTEM range for other version schemes", f.v, hint)})
			}
		}
		if e.Fixed != "" && introduced[e.Fixed] {
			out = append(out, RangeProblem{fmt.Sprintf("events[%d].fixed", i), fmt.Sprintf("%s is both introduced and fixed: the range would be empty", e.Fixed)})
		}
	}
	return out
}

// purlEcosystems maps purl types to OSV ecosystems.
var purlEcosystems = map[string]string{"golang": "Go", "npm": "npm", "pypi": "PyPI", "maven": "Maven", "gem": "RubyGems",
	"cargo": "crates.io", "nuget": "NuGet", "composer": "Packagist", "hex": "Hex", "pub": "Pub", "hackage": "Hackage",
	"cran": "CRAN", "swift": "SwiftURL", "cocoapods": "CocoaPods", "conan": "ConanCenter", "bitnami": "Bitnami"}

// PackageFromPURL fills in the ecosystem and name of a package given as a purl alone
// ("pkg:npm/%40scope/lib@1.2.3" → npm, @scope/lib). It reports an error when the purl
// does not parse or its type has no OSV ecosystem; a package that already has both is
// returned as it is.
func PackageFromPURL(p Package) (Package, error) {
	if p.PURL == "" || p.Ecosystem != "" && p.Name != "" {
		return p, nil
	}
	u, err := packageurl.FromString(strings.TrimSpace(p.PURL))
	if err != nil || u.Type == "" || u.Name == "" {
		return p, fmt.Errorf("%q is not a valid package URL (pkg:type/namespace/name)", p.PURL)
	}
	eco, name := purlEcosystems[u.Type], u.Name
	switch u.Type {
	case "golang", "composer", "swift":
		if u.Namespace != "" {
			name = u.Namespace + "/" + u.Name
		}
	case "npm":
		if u.Namespace != "" {
			name = "@" + strings.TrimPrefix(u.Namespace, "@") + "/" + u.Name
		}
	case "maven":
		if u.Namespace != "" {
			name = u.Namespace + ":" + u.Name
		}
	case "deb":
		eco = map[string]string{"debian": "Debian", "ubuntu": "Ubuntu"}[strings.ToLower(u.Namespace)]
	case "apk":
		if strings.EqualFold(u.Namespace, "alpine") {
			eco = "Alpine"
		}
	case "rpm":
		eco = map[string]string{"redhat": "Red Hat", "almalinux": "AlmaLinux", "rocky-linux": "Rocky Linux", "suse": "SUSE", "opensuse": "openSUSE"}[strings.ToLower(u.Namespace)]
	}
	if eco == "" {
		return p, fmt.Errorf("%q: packages of type %q have no OSV ecosystem; give the ecosystem and name", p.PURL, u.Type)
	}
	if p.Ecosystem == "" {
		p.Ecosystem = eco
	}
	if p.Name == "" {
		p.Name = name
	}
	u.Version, u.Qualifiers, u.Subpath = "", nil, ""
	p.PURL = u.ToString()
	return p, nil
}

var (
	rangeWord    = regexp.MustCompile(`(?i)(>=|=>|<=|=<|>|<|\bfrom\b|\bsince\b|\bbefore\b|\bprior to\b|\bfixed in\b|\bup to( and including)?\b|\bthrough\b|\buntil\b|-|\bto\b)?\s*v?(\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.+-]*)?)`)
	semverEcosys = map[string]bool{"Go": true, "npm": true, "crates.io": true, "Hex": true, "Pub": true, "NuGet": true}
)

// ParseRangeText reads a range written in words, as finders do (">= 1.2.0, < 1.4.2",
// "1.0.0 - 1.4.1", "before 2.3.0", "fixed in 2.3.0", "up to 1.9"), as an OSV range of
// the ecosystem's versions: SEMVER for the ecosystems that use SemVer when every
// version is one, ECOSYSTEM otherwise. ok is false when the text says nothing the
// parser understands; the range always passes CheckRange.
func ParseRangeText(text, ecosystem string) (r Range, ok bool) {
	eco, _, _ := strings.Cut(ecosystem, ":")
	var events []Event
	lower := ""
	all := true
	for _, m := range rangeWord.FindAllStringSubmatch(text, 8) {
		op, v := strings.ToLower(strings.TrimSpace(m[1])), m[3]
		all = all && IsSemVer(v)
		switch op {
		case ">=", "=>", "from", "since", ">":
			lower = v
		case "<", "before", "prior to", "fixed in", "until":
			events = append(events, Event{Introduced: orDefault(lower, "0")}, Event{Fixed: v})
			lower = ""
		case "<=", "=<", "up to", "up to and including", "through", "-", "to":
			if op == "-" || op == "to" {
				if lower == "" && len(events) == 0 {
					lower = v // "1.0.0 - 1.4.1": the first number is the start
					continue
				}
			}
			events = append(events, Event{Introduced: orDefault(lower, "0")}, Event{LastAffected: v})
			lower = ""
		default:
			if lower == "" {
				lower = v
			} else {
				events = append(events, Event{Introduced: lower}, Event{LastAffected: v})
				lower = ""
			}
		}
	}
	if lower != "" && len(events) == 0 && strings.Contains(text, ">") {
		events = append(events, Event{Introduced: lower})
	}
	if len(events) == 0 {
		return Range{}, false
	}
	r = Range{Type: RangeEcosystem, Events: events}
	if semverEcosys[eco] && all {
		r.Type = RangeSemver
	}
	if len(CheckRange(r)) > 0 {
		return Range{}, false
	}
	return r, true
}
