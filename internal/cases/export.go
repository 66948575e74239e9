package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// document builds the format-neutral advisory of a case: its vulnerabilities' severity
// and CWEs, its packages as affected ranges, TLP from the case, the team as publisher.
func (s *Service) document(c *Case, v *Vulnerability) *format.Advisory {
	d := &format.Advisory{ID: c.PublicID, OSVID: format.OSVIDFor(c.PublicID, ""), Title: c.Title, Summary: oneLine(c.Summary, c.Title),
		Details: c.Details, Modified: c.UpdatedAt, TLP: format.TLP(c.TLP), Publisher: s.Publisher()}
	vs := c.Vulnerabilities
	if v != nil {
		vs = []*Vulnerability{v}
		d.Title, d.Summary = v.Title, oneLine(v.Title, c.Title)
		if v.Description != "" {
			d.Details = v.Description
		}
	}
	for _, x := range vs {
		for _, sc := range x.Scores {
			t := format.CVSSv3
			if sc.Version == "4.0" {
				t = format.CVSSv4
			}
			d.Severity = append(d.Severity, format.Severity{Type: t, Score: sc.Vector})
		}
		if x.CWE != "" && !contains(d.CWEs, x.CWE) {
			d.CWEs = append(d.CWEs, x.CWE)
		}
		d.Aliases = append(d.Aliases, x.Aliases...)
		if strings.HasPrefix(x.Label, "CVE-") {
			d.Aliases = append(d.Aliases, x.Label)
		}
	}
	for _, p := range c.Packages {
		af := format.Affected{Package: format.Package{Ecosystem: p.Ecosystem, Name: p.Name, PURL: p.PURL}, Ranges: p.Ranges, Versions: p.Versions}
		if af.Package.Ecosystem == "" {
			af.Package.Ecosystem = "Generic"
		}
		if len(af.Ranges) == 0 && len(af.Versions) == 0 {
			continue // OSV needs ranges or versions
		}
		d.Affected = append(d.Affected, af)
	}
	for _, p := range c.Participants {
		if p.Role == string(authz.CaseFinder) && p.Name != "" {
			d.Credits = append(d.Credits, format.Credit{Name: p.Name, Type: "FINDER"})
		}
	}
	return d
}

func oneLine(s, fallback string) string {
	s = strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
	if s == "" {
		return fallback
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Export returns an OSV record or a CSAF VEX document of a case — while embargoed, for
// its read-in participants and the team only (authz ReadCase). The VEX carries every
// party's stated status for every package: affected, not affected with its VEX
// justification, fixed, under investigation; "unknown" (no answer yet) is left out,
// never reported as not affected.
func (s *Service) Export(ctx context.Context, actor authz.Actor, ref, kind string) ([]byte, error) {
	if err := s.check(ctx, actor, ref, authz.ReadCase); err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	if !c.content {
		return nil, authz.ErrReadInRequired
	}
	d := s.document(c, nil)
	switch kind {
	case "osv":
		if len(d.Affected) == 0 {
			return nil, validate.Field("packages", "an OSV record needs at least one affected package with versions or ranges")
		}
		return format.OSV(d)
	case "vex":
		var sts []format.ProductStatus
		for _, v := range c.Vulnerabilities {
			for _, st := range v.Statuses {
				vs := vexStatus(st.Status)
				if vs == "" {
					continue
				}
				for _, p := range c.Packages {
					ps := format.ProductStatus{Package: format.Package{Ecosystem: orDefault(p.Ecosystem, "Generic"), Name: p.Name, PURL: p.PURL},
						Version: versionOf(p), Status: vs, Impact: st.Statement}
					if vs == format.KnownNotAffected {
						ps.Justification = format.Justification(st.Justification)
					}
					sts = append(sts, ps)
				}
			}
		}
		return format.VEX(d, dedupe(sts), format.CSAFOptions{Now: s.clock.Now(), GeneratorVersion: s.cfg.Version})
	}
	return nil, validate.Field("format", "%q is not an export format (want osv or vex)", kind)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func versionOf(p *AffectedPackage) string {
	if len(p.Versions) > 0 {
		return p.Versions[0]
	}
	return ""
}

// dedupe keeps one status per product (the first stated), since VEX refuses
// contradicting statuses for one product.
func dedupe(sts []format.ProductStatus) []format.ProductStatus {
	seen := map[string]bool{}
	var out []format.ProductStatus
	for _, s := range sts {
		k := s.Package.Ecosystem + "|" + s.Package.Name + "|" + s.Version
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

func vexStatus(s string) format.VEXStatus {
	switch s {
	case "affected":
		return format.KnownAffected
	case "not_affected":
		return format.KnownNotAffected
	case "fixed":
		return format.Fixed
	case "under_investigation":
		return format.UnderInvestigation
	}
	return "" // unknown (no answer) and disputed are not product statuses
}

// AdvisoryDraft implements advisory.CaseSource: the draft of vulnerability vuln (its
// label or id) of a case, for those who may read the case.
func (s *Service) AdvisoryDraft(ctx context.Context, q db.Querier, actor authz.Actor, caseRef, vuln string) (advisory.CaseDraft, error) {
	a, err := s.open(ctx, q, actor, caseRef, authz.ReadCase)
	if err != nil {
		if db.NotFound(err) {
			return advisory.CaseDraft{}, err
		}
		return advisory.CaseDraft{}, db.ErrNotFound
	}
	c := a.c
	if err := s.fill(ctx, q, c); err != nil {
		return advisory.CaseDraft{}, err
	}
	var v *Vulnerability
	for _, x := range c.Vulnerabilities {
		if x.Label == vuln || fmt.Sprint(x.ID) == vuln || (vuln == "" && len(c.Vulnerabilities) == 1) {
			v = x
		}
	}
	if v == nil {
		return advisory.CaseDraft{}, fmt.Errorf("cases: %s has no vulnerability %q: %w", c.PublicID, vuln, db.ErrNotFound)
	}
	d := s.document(c, v)
	draft := advisory.Draft{Title: advisory.Str(d.Title), Summary: advisory.Str(d.Summary), Details: advisory.Str(d.Details), Aliases: d.Aliases,
		Affected: d.Affected, Severity: d.Severity, CWEs: d.CWEs, Credits: d.Credits, Change: "Drafted from case " + c.PublicID + " " + v.Label + "."}
	return advisory.CaseDraft{CaseID: c.ID, Case: a.az, Draft: draft}, nil
}
