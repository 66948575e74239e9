package format

import (
	"os"
	"strings"
	"testing"
)

func TestIsSemVer(t *testing.T) {
	for v, want := range map[string]bool{"1.2.3": true, "0.0.0": true, "1.0.0-rc.1": true, "1.0.0+build.5": true, "1.0.0-alpha-a.b-c": true,
		"v1.2.3": false, "1.0": false, "1": false, "01.2.3": false, "1.2.3.4": false, "1.2.3-": false, "1.2.3-01": false, "": false} {
		if IsSemVer(v) != want {
			t.Errorf("IsSemVer(%q) = %v", v, !want)
		}
	}
}

func TestCheckRange(t *testing.T) {
	ok := Range{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: "1.4.2"}, {Introduced: "2.0.0-rc.1"}, {LastAffected: "2.1.0"}}}
	if p := CheckRange(ok); len(p) != 0 {
		t.Errorf("valid range: %v", p)
	}
	for _, tc := range []struct {
		r    Range
		path string
		want string
	}{
		{Range{Type: RangeSemver, Events: []Event{{Introduced: "v1.0.0"}, {Fixed: "1.2.0"}}}, "events[0].introduced", "without the v"},
		{Range{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: "1.0"}}}, "events[1].fixed", "three numbers"},
		{Range{Type: RangeEcosystem, Events: []Event{{Introduced: "1.0"}, {Fixed: "1.0"}}}, "events[1].fixed", "both introduced and fixed"},
		{Range{Type: RangeGit, Repo: "https://github.com/o/r", Events: []Event{{Introduced: "abc"}, {Fixed: "abc"}}}, "events[1].fixed", "both introduced and fixed"},
	} {
		p := CheckRange(tc.r)
		if len(p) != 1 || p[0].Path != tc.path || !strings.Contains(p[0].Message, tc.want) {
			t.Errorf("%+v: %+v, want %s: …%s", tc.r, p, tc.path, tc.want)
		}
	}
	// ECOSYSTEM versions are the ecosystem's: "1.0" is fine there.
	if p := CheckRange(Range{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "1.0"}}}); len(p) != 0 {
		t.Errorf("ECOSYSTEM 1.0: %v", p)
	}
}

// The OSV test data's "nondistinct" record (a commit both introduced and fixed) is
// refused on import, naming the event.
func TestImportRefusesNondistinct(t *testing.T) {
	data, err := os.ReadFile("testdata/osv/invalid/nondistinct-CVE-2018-5407.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImportOSV(data); err == nil || !strings.Contains(err.Error(), "$.affected[6].ranges[1].events[1].fixed") {
		t.Errorf("ImportOSV(nondistinct) = %v", err)
	}
}

func TestPackageFromPURL(t *testing.T) {
	for purl, want := range map[string]Package{
		"pkg:npm/%40scope/lib@1.2.3":                           {Ecosystem: "npm", Name: "@scope/lib", PURL: "pkg:npm/%40scope/lib"},
		"pkg:golang/github.com/gin-gonic/gin":                  {Ecosystem: "Go", Name: "github.com/gin-gonic/gin", PURL: "pkg:golang/github.com/gin-gonic/gin"},
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1": {Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"},
		"pkg:pypi/requests":                                    {Ecosystem: "PyPI", Name: "requests", PURL: "pkg:pypi/requests"},
		"pkg:deb/debian/openssl?distro=bookworm":               {Ecosystem: "Debian", Name: "openssl", PURL: "pkg:deb/debian/openssl"},
	} {
		got, err := PackageFromPURL(Package{PURL: purl})
		if err != nil || got != want {
			t.Errorf("PackageFromPURL(%s) = %+v, %v; want %+v", purl, got, err, want)
		}
	}
	for _, bad := range []string{"npm:lib", "pkg:unknowntype/x"} {
		if _, err := PackageFromPURL(Package{PURL: bad}); err == nil {
			t.Errorf("PackageFromPURL(%s) accepted", bad)
		}
	}
}

func TestParseRangeText(t *testing.T) {
	for _, tc := range []struct {
		text, eco string
		want      Range
	}{
		{">= 1.2.0, < 1.4.2", "Go", Range{Type: RangeSemver, Events: []Event{{Introduced: "1.2.0"}, {Fixed: "1.4.2"}}}},
		{"before v2.3.0", "npm", Range{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: "2.3.0"}}}},
		{"1.0.0 - 1.4.1", "Go", Range{Type: RangeSemver, Events: []Event{{Introduced: "1.0.0"}, {LastAffected: "1.4.1"}}}},
		{"all versions up to 1.9", "PyPI", Range{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {LastAffected: "1.9"}}}},
		{"<1.2", "Go", Range{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "1.2"}}}},
	} {
		got, ok := ParseRangeText(tc.text, tc.eco)
		if !ok || got.Type != tc.want.Type || len(got.Events) != len(tc.want.Events) {
			t.Errorf("ParseRangeText(%q) = %+v, %v; want %+v", tc.text, got, ok, tc.want)
			continue
		}
		for i := range got.Events {
			if got.Events[i] != tc.want.Events[i] {
				t.Errorf("ParseRangeText(%q) = %+v; want %+v", tc.text, got, tc.want)
			}
		}
	}
	for _, text := range []string{"", "the latest one", "1.2.0 fixed in 1.2.0"} {
		if r, ok := ParseRangeText(text, "Go"); ok {
			t.Errorf("ParseRangeText(%q) = %+v", text, r)
		}
	}
}
