package web

import (
	"strings"
	"testing"
)

// Package specifiers and versions are not e-mail addresses; real addresses still link.
func TestMarkdownDoesNotMailtoVersions(t *testing.T) {
	for _, src := range []string{"npm install x@1.2.0", "go get example.org/mod@v1.2.3", "pip install pkg==1.0 then left-pad@1.3.0"} {
		if got := string(Markdown(src)); strings.Contains(got, "mailto:") {
			t.Errorf("Markdown(%q) = %s: a version became a mailto link", src, got)
		}
	}
	if got := string(Markdown("write to security@example.org")); !strings.Contains(got, `href="mailto:security@example.org"`) {
		t.Errorf("a real address is no longer linked: %s", got)
	}
	if got := string(Markdown("see https://example.org/advisory")); !strings.Contains(got, `href="https://example.org/advisory"`) {
		t.Errorf("URLs are no longer linked: %s", got)
	}
}

func TestFieldWords(t *testing.T) {
	for in, want := range map[string]string{"reporter.email": "Your email", "affected[0].package.name": "Affected 1: package name",
		"public_date": "Public date", "decision_points.PSI": "Public Safety Impact", "cvss_v4": "CVSS v4.0 vector", "tracking_id": "Tracking id"} {
		if got := fieldLabel(in); got != want {
			t.Errorf("fieldLabel(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fieldID("affected[0].package.name"); got != "f-affected_0_package_name" {
		t.Errorf("fieldID: %q", got)
	}
	if got := ruleWords("embargo rule em.accept_without_proposal: there is no proposed embargo"); got != "There is no proposed embargo" {
		t.Errorf("ruleWords: %q", got)
	}
	if got := words("no_answer"); got != "no answer" {
		t.Errorf("words: %q", got)
	}
}
