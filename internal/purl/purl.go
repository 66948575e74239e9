// Package purl names packages the way the directory and the dependency graph key them:
// a package URL without version, qualifiers and subpath ("pkg:maven/g/a"). Versions and
// constraints belong to edges and SBOM entries, never to the package itself.
package purl

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// Package parses s as a package URL and returns its package key: type, namespace and
// name in canonical form, with any version, qualifiers and subpath dropped.
func Package(s string) (string, error) {
	p, err := Parse(s)
	if err != nil {
		return "", err
	}
	return Key(p), nil
}

// Parse parses a package URL, with an error that quotes it.
func Parse(s string) (packageurl.PackageURL, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "pkg:") {
		return packageurl.PackageURL{}, fmt.Errorf("%q is not a package URL (it must start with \"pkg:\")", s)
	}
	p, err := packageurl.FromString(s)
	if err != nil {
		return packageurl.PackageURL{}, fmt.Errorf("%q is not a valid package URL: %v", s, err)
	}
	if p.Type == "" || p.Name == "" {
		return packageurl.PackageURL{}, fmt.Errorf("%q is not a valid package URL: it needs a type and a name", s)
	}
	return p, nil
}

// Key is p's package key (no version, qualifiers or subpath).
func Key(p packageurl.PackageURL) string {
	k := packageurl.PackageURL{Type: p.Type, Namespace: p.Namespace, Name: p.Name}
	return k.ToString()
}

// Version is the version part of s ("" when it has none or does not parse).
func Version(s string) string {
	p, err := Parse(s)
	if err != nil {
		return ""
	}
	return p.Version
}
