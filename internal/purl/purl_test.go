package purl

import "testing"

func TestPackageDropsVersionQualifiersSubpath(t *testing.T) {
	for in, want := range map[string]string{
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1": "pkg:maven/org.apache.logging.log4j/log4j-core",
		"pkg:maven/org.apache.logging.log4j/log4j-core":        "pkg:maven/org.apache.logging.log4j/log4j-core",
		"pkg:npm/%40angular/core@16.0.0?arch=x64#lib/index.js": "pkg:npm/%40angular/core",
		"  pkg:golang/golang.org/x/net@v0.17.0 ":               "pkg:golang/golang.org/x/net",
		"pkg:pypi/django@4.2":                                  "pkg:pypi/django",
	} {
		got, err := Package(in)
		if err != nil {
			t.Fatalf("Package(%q): %v", in, err)
		}
		if got != want {
			t.Errorf("Package(%q) = %q, want %q", in, got, want)
		}
	}
	if v := Version("pkg:pypi/django@4.2"); v != "4.2" {
		t.Errorf("Version = %q", v)
	}
}

func TestPackageRefusesNonPurls(t *testing.T) {
	for _, in := range []string{"", "not-a-purl", "log4j-core", "pkg:", "pkg:maven"} {
		if _, err := Package(in); err == nil {
			t.Errorf("Package(%q) accepted", in)
		}
	}
}
