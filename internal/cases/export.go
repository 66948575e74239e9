package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// document builds the format-neutral advisory of vulnerability v of a case: its
// severity, CWE and aliases, the packages affected by it as affected ranges, TLP from
// the case, the team as publisher. With v nil it is the case as a whole (title, summary,
// details, TLP and publisher only: no vulnerability's data is mixed into another's).
func (s *Service) document(c *Case, v *Vulnerability) *format.Advisory {
	d := &format.Advisory{ID: c.PublicID, OSVID: format.OSVIDFor(c.PublicID, ""), Title: c.Title, Summary: oneLine(c.Summary, c.Title),
		Details: c.Details, Modified: c.UpdatedAt, TLP: format.TLP(c.TLP), Publisher: s.Publisher()}
	if v == nil {
		return d
	}
	if len(c.Vulnerabilities) > 1 {
		id := c.PublicID + "-" + v.Label
		d.ID, d.OSVID = id, format.OSVIDFor(id, "")
	}
	d.Title, d.Summary = v.Title, oneLine(v.Title, c.Title)
	if v.Description != "" {
		d.Details = v.Description
	}
	if strings.TrimSpace(d.Details) == "" {
		d.Details = d.Summary
	}
	for _, sc := range v.Scores {
		t := format.CVSSv3
		if sc.Version == "4.0" {
			t = format.CVSSv4
		}
		d.Severity = append(d.Severity, format.Severity{Type: t, Score: sc.Vector})
	}
	if v.CWE != "" {
		d.CWEs = []string{v.CWE}
	}
	for _, a := range v.Aliases {
		if !contains(d.Aliases, a) && a != d.ID {
			d.Aliases = append(d.Aliases, a)
		}
	}
	if strings.HasPrefix(v.Label, "CVE-") && !contains(d.Aliases, v.Label) {
		d.Aliases = append(d.Aliases, v.Label)
	}
	for _, p := range packagesOf(c, v) {
		af := format.Affected{Package: packageOf(p), Ranges: p.Ranges, Versions: p.Versions}
		if len(af.Ranges) == 0 && len(af.Versions) == 0 {
			continue // OSV needs ranges or versions
		}
		d.Affected = append(d.Affected, af)
	}
	// Finders are credited as they asked, verbatim (the credit of their report), else
	// by name; the finders of merged duplicate reports are finders of the case too.
	for _, p := range c.Participants {
		name := strings.TrimSpace(p.Credit)
		if name == "" {
			name = p.Name
		}
		if p.Role == string(authz.CaseFinder) && name != "" && !slices.ContainsFunc(d.Credits, func(c format.Credit) bool { return c.Name == name }) {
			d.Credits = append(d.Credits, format.Credit{Name: name, Type: "FINDER"})
		}
	}
	return d
}

// packagesOf lists the packages of case c affected by vulnerability v: those naming v
// and those naming no vulnerability (affected by all of them).
func packagesOf(c *Case, v *Vulnerability) []*AffectedPackage {
	var out []*AffectedPackage
	for _, p := range c.Packages {
		if len(p.Vulnerabilities) == 0 || contains(p.Vulnerabilities, v.Label) {
			out = append(out, p)
		}
	}
	return out
}

func packageOf(p *AffectedPackage) format.Package {
	return format.Package{Ecosystem: orDefault(p.Ecosystem, "Generic"), Name: p.Name, PURL: p.PURL}
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

// exportable loads case ref for an export by actor: while embargoed, its read-in
// participants and the team only (authz ReadCase).
func (s *Service) exportable(ctx context.Context, actor authz.Actor, ref string) (*Case, error) {
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
	return c, nil
}

// Export returns the OSV record or the CSAF VEX document of a case. OSV: one record per
// vulnerability — the record itself for a case with one, a JSON array of records for a
// case with several (ExportVulnerability gives one). VEX: one document with one
// vulnerability entry per vulnerability. An export that cannot be made is a field error
// (422) naming what is missing, never an internal error.
func (s *Service) Export(ctx context.Context, actor authz.Actor, ref, kind string) ([]byte, error) {
	c, err := s.exportable(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "osv":
		if len(c.Vulnerabilities) == 0 {
			return nil, validate.Field("vulnerabilities", "%s has no vulnerability: an OSV record describes one; add a vulnerability first", c.PublicID)
		}
		if len(c.Vulnerabilities) == 1 {
			return s.osv(c, c.Vulnerabilities[0])
		}
		var out []json.RawMessage
		for _, v := range c.Vulnerabilities {
			b, err := s.osv(c, v)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		return json.Marshal(out)
	case "vex":
		return s.vex(c, c.Vulnerabilities)
	}
	return nil, validate.Field("format", "%q is not an export format (want osv or vex)", kind)
}

// ExportVulnerability returns the OSV record or CSAF VEX document of one vulnerability
// (its label or id) of a case.
func (s *Service) ExportVulnerability(ctx context.Context, actor authz.Actor, ref, vuln, kind string) ([]byte, error) {
	c, err := s.exportable(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	var v *Vulnerability
	for _, x := range c.Vulnerabilities {
		if x.Label == vuln || fmt.Sprint(x.ID) == vuln {
			v = x
		}
	}
	if v == nil {
		return nil, fmt.Errorf("cases: %s has no vulnerability %q: %w", c.PublicID, vuln, db.ErrNotFound)
	}
	switch kind {
	case "osv":
		return s.osv(c, v)
	case "vex":
		return s.vex(c, []*Vulnerability{v})
	}
	return nil, validate.Field("format", "%q is not an export format (want osv or vex)", kind)
}

func (s *Service) osv(c *Case, v *Vulnerability) ([]byte, error) {
	d := s.document(c, v)
	if len(d.Affected) == 0 {
		return nil, validate.Field("packages", "the OSV record of %s %s needs at least one affected package with versions or ranges (a package of the case naming no vulnerability, or naming %s)",
			c.PublicID, v.Label, v.Label)
	}
	return exportErr(format.OSV(d))
}

// vex is the CSAF VEX document of vulnerabilities vs of case c: for each, every party's
// stated status (unknown — no answer yet — and disputed are left out, never reported as
// not affected) about its own product (a party's product is its own product id: the
// package as that organisation ships it), for each version range and version of each
// package affected by the vulnerability.
func (s *Service) vex(c *Case, vs []*Vulnerability) ([]byte, error) {
	if len(vs) == 0 {
		return nil, validate.Field("vulnerabilities", "%s has no vulnerability: a VEX document states the status of products for one; add a vulnerability first", c.PublicID)
	}
	parties := map[int64]*Participant{}
	for _, p := range c.Participants {
		parties[p.ID] = p
	}
	doc := s.document(c, nil)
	var entries []format.VEXVulnerability
	stated := 0
	for _, v := range vs {
		sts, n := vexStatuses(c, v, parties)
		stated += n
		entries = append(entries, format.VEXVulnerability{Advisory: s.document(c, v), Statuses: sts})
	}
	if len(c.Packages) == 0 {
		return nil, validate.Field("packages", "%s has no affected package: a VEX document states the status of products; add the affected packages first", c.PublicID)
	}
	if stated == 0 {
		return nil, validate.Field("statuses", "no party of %s has stated a status yet (affected, not_affected, fixed or under_investigation): a VEX document needs at least one", c.PublicID)
	}
	for i, e := range entries {
		if len(e.Statuses) == 0 {
			return nil, validate.Field("statuses", "no party has stated a status for %s of %s on a package it affects: a VEX document needs one for every vulnerability (export the others one by one)",
				vs[i].Label, c.PublicID)
		}
	}
	if len(vs) == 1 {
		return exportErr(format.VEX(entries[0].Advisory, entries[0].Statuses, format.CSAFOptions{Now: s.clock.Now(), GeneratorVersion: s.cfg.Version}))
	}
	return exportErr(format.VEXDocument(doc, entries, format.CSAFOptions{Now: s.clock.Now(), GeneratorVersion: s.cfg.Version}))
}

// vexStatuses are the VEX product statuses the parties of case c stated about
// vulnerability v (unknown and disputed are left out, never reported as not affected),
// each about the party's own product, and how many statements they come from.
func vexStatuses(c *Case, v *Vulnerability, parties map[int64]*Participant) ([]format.ProductStatus, int) {
	var sts []format.ProductStatus
	stated := 0
	pkgs := packagesOf(c, v)
	for _, st := range v.Statuses {
		vs := vexStatus(st.Status)
		if vs == "" {
			continue
		}
		if vs == format.KnownNotAffected && st.Justification == "" && st.Statement == "" && !c.isPublic() {
			// Another party's private statement (the viewer sees the claim, not its
			// reasons): CSAF cannot state not-affected without them (6.1.27.9), and
			// the party has not made them public.
			continue
		}
		stated++
		vendor := st.Party
		if p := parties[st.ParticipantID]; p != nil && p.Organisation != "" {
			vendor = p.Organisation
		}
		for _, p := range pkgs {
			base := format.ProductStatus{Package: packageOf(p), Status: vs, Impact: st.Statement, Vendor: vendor}
			if vs == format.KnownNotAffected {
				base.Justification = format.Justification(st.Justification)
			}
			for _, ver := range versionsOf(p) {
				x := base
				x.Version, x.Range = ver.version, ver.rng
				sts = append(sts, x)
			}
		}
	}
	return sts, stated
}

// AdvisoryVEX returns the product statuses the parties of case caseID stated about the
// vulnerability an advisory of the case is about (the case's only vulnerability, or the
// one whose label or aliases the advisory carries), as actor may see them; none when the
// advisory matches no vulnerability or nobody stated a status.
func (s *Service) AdvisoryVEX(ctx context.Context, q db.Querier, actor authz.Actor, caseID int64, aliases []string) ([]format.ProductStatus, error) {
	c, err := s.loadByID(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	a, err := s.openCase(ctx, q, actor, c, authz.ReadCase)
	if err != nil {
		return nil, nil // the advisory's own statuses, then
	}
	c = a.c
	if err := s.fill(ctx, q, c); err != nil {
		return nil, err
	}
	var v *Vulnerability
	for _, x := range c.Vulnerabilities {
		if len(c.Vulnerabilities) == 1 || slices.Contains(aliases, x.Label) || slices.ContainsFunc(x.Aliases, func(al string) bool { return slices.Contains(aliases, al) }) {
			v = x
			break
		}
	}
	if v == nil {
		return nil, nil
	}
	parties := map[int64]*Participant{}
	for _, p := range c.Participants {
		parties[p.ID] = p
	}
	sts, _ := vexStatuses(c, v, parties)
	return sts, nil
}

// exportErr turns a refusal of the format package into a field error (422).
func exportErr(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, validate.Field("export", "%s", err.Error())
	}
	return b, nil
}

type versionSpec struct {
	version string
	rng     *format.Range
}

// versionsOf lists what a package's statuses are about: each OSV range, each listed
// version, or — with neither — every version.
func versionsOf(p *AffectedPackage) []versionSpec {
	var out []versionSpec
	for i := range p.Ranges {
		out = append(out, versionSpec{rng: &p.Ranges[i]})
	}
	for _, v := range p.Versions {
		out = append(out, versionSpec{version: v})
	}
	if len(out) == 0 {
		out = append(out, versionSpec{rng: &format.Range{Type: format.RangeEcosystem, Events: []format.Event{{Introduced: "0"}}}})
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
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
	// The details start from the public template, never from the case's text: that is
	// the finder's report (proof of concept, exploit steps), confidential until the team
	// writes what the public should read.
	draft := advisory.Draft{Title: advisory.Str(d.Title), Summary: advisory.Str(d.Summary), Details: advisory.Str(publicDetails(c, v)), Aliases: d.Aliases,
		Affected: d.Affected, Severity: d.Severity, CWEs: d.CWEs, Credits: d.Credits, Change: "Drafted from case " + c.PublicID + " " + v.Label + "."}
	return advisory.CaseDraft{CaseID: c.ID, Case: a.az, Draft: draft}, nil
}

// publicDetails is the template an advisory's details start from: the headings of a
// public advisory with what to write under each, the vulnerability named.
func publicDetails(c *Case, v *Vulnerability) string {
	pkgs := make([]string, 0, len(c.Packages))
	for _, p := range packagesOf(c, v) {
		if p.Name != "" {
			pkgs = append(pkgs, p.Name)
		}
	}
	what := "the affected package"
	if len(pkgs) > 0 {
		what = strings.Join(pkgs, ", ")
	}
	return "## Impact\n\n" + v.Title + " in " + what + ". _Say what an attacker can do and who is affected; describe the effect, not the exploit._\n\n" +
		"## Patches\n\n_Which versions fix it, and how to upgrade._\n\n" +
		"## Workarounds\n\n_What users can do until they upgrade, or \"None known\"._\n\n" +
		"## References\n\n_The fix (commit or release notes)._\n"
}
