package format

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"
)

// productBuilder turns affected packages (or VEX statuses) into a CSAF
// product tree and the product-level parts of the vulnerability.
type productBuilder struct {
	vendors []*vendorNode
	ids     map[string]string // vendor, product, category, name → product id
	n       int

	affected, fixed, notAffected, investigating []string

	flagOrder    []Justification
	flagIDs      map[Justification][]string
	threats      []csafThreat
	hasImpact    bool
	remediations []csafRemediation
	// entryAffected[i] are the known_affected ids of Advisory.Affected[i],
	// which scores from affected[i].severity apply to.
	entryAffected [][]string
}

type vendorNode struct {
	name     string
	products []*productNode
}

type productNode struct {
	name   string
	leaves []csafBranch
}

func newProductBuilder() *productBuilder {
	return &productBuilder{ids: map[string]string{}, flagIDs: map[Justification][]string{}}
}

func (pb *productBuilder) empty() bool { return pb.n == 0 }

// resetStatuses starts the statuses of the next vulnerability; the product
// tree stays.
func (pb *productBuilder) resetStatuses() {
	pb.affected, pb.fixed, pb.notAffected, pb.investigating = nil, nil, nil, nil
	pb.flagOrder, pb.flagIDs = nil, map[Justification][]string{}
	pb.threats, pb.hasImpact, pb.remediations, pb.entryAffected = nil, false, nil, nil
}

// add returns the id of the product at vendor/product/category:name,
// defining it on first use.
func (pb *productBuilder) add(vendor, product, category, name, fullName, purl string) string {
	key := strings.Join([]string{vendor, product, category, name}, "\x00")
	if id, ok := pb.ids[key]; ok {
		return id
	}
	pb.n++
	id := fmt.Sprintf("CSAFPID-%04d", pb.n)
	pb.ids[key] = id
	var v *vendorNode
	for _, x := range pb.vendors {
		if x.name == vendor {
			v = x
		}
	}
	if v == nil {
		v = &vendorNode{name: vendor}
		pb.vendors = append(pb.vendors, v)
	}
	var p *productNode
	for _, x := range v.products {
		if x.name == product {
			p = x
		}
	}
	if p == nil {
		p = &productNode{name: product}
		v.products = append(v.products, p)
	}
	fp := &csafProduct{Name: fullName, ProductID: id}
	if purl != "" {
		fp.Helper = &csafHelper{PURL: purl}
	}
	p.leaves = append(p.leaves, csafBranch{Category: category, Name: name, Product: fp})
	return id
}

// commitRef gives product id the web address of its commit (a generic URI
// helper), when there is one.
func (pb *productBuilder) commitRef(id, u string) {
	if u == "" {
		return
	}
	for _, v := range pb.vendors {
		for _, p := range v.products {
			for i := range p.leaves {
				if fp := p.leaves[i].Product; fp != nil && fp.ProductID == id && fp.Helper == nil {
					fp.Helper = &csafHelper{GenericURIs: []csafGenericURI{{Namespace: "https://git-scm.com/docs/gitglossary#def_commit_object", URI: u}}}
				}
			}
		}
	}
}

func (pb *productBuilder) tree() []csafBranch {
	var out []csafBranch
	for _, v := range pb.vendors {
		vb := csafBranch{Category: "vendor", Name: v.name}
		for _, p := range v.products {
			vb.Branches = append(vb.Branches, csafBranch{Category: "product_name", Name: p.name, Branches: p.leaves})
		}
		out = append(out, vb)
	}
	return out
}

func appendUnique(ids []string, id ...string) []string {
	for _, x := range id {
		if !slices.Contains(ids, x) {
			ids = append(ids, x)
		}
	}
	return ids
}

// product names what an Affected entry is about.
type product struct {
	vendor, name string
	purl         string // without version
	versType     string // vers versioning scheme
}

func productOf(af Affected) product {
	if !af.Package.IsZero() {
		p := product{name: af.Package.Name}
		if p.name == "" {
			p.name = af.Package.PURL
		}
		p.purl, p.versType = purlFor(af.Package)
		p.vendor = vendorOf(af.Package, p.purl)
		return p
	}
	for _, r := range af.Ranges {
		if r.Repo != "" {
			return repoProduct(r.Repo)
		}
	}
	return product{vendor: "unknown", name: "unknown product", versType: "generic"}
}

// distributions are the ecosystems whose packages their distribution maintains.
var distributions = map[string]string{"Debian": "Debian", "Ubuntu": "Canonical (Ubuntu)", "Alpine": "Alpine Linux",
	"Red Hat": "Red Hat", "AlmaLinux": "AlmaLinux", "Rocky Linux": "Rocky Linux", "SUSE": "SUSE", "openSUSE": "openSUSE",
	"openEuler": "openEuler", "Mageia": "Mageia", "Bitnami": "Bitnami", "Android": "Google (Android)", "Linux": "The Linux kernel developers"}

// forges are the code hosts whose paths start with the owning organisation.
var forges = map[string]bool{"github.com": true, "gitlab.com": true, "bitbucket.org": true, "codeberg.org": true, "sr.ht": true, "git.sr.ht": true}

// vendorOf names who maintains a package, for the CSAF vendor branch: the
// distribution of a distribution's package; else the organisation the name
// or purl carries (the owner of a Go module on a forge, the golang.org/x
// project, an npm scope, a Maven group, a Packagist or purl namespace); else,
// for registries without organisations (PyPI, crates.io, RubyGems…), the
// package's own maintainers, named after the package. Never the ecosystem.
func vendorOf(pkg Package, purl string) string {
	eco, _, _ := strings.Cut(pkg.Ecosystem, ":")
	if d, ok := distributions[eco]; ok {
		return d
	}
	name := pkg.Name
	if eco == "Go" {
		segs := strings.Split(name, "/")
		switch {
		case len(segs) >= 2 && forges[segs[0]]:
			return segs[1]
		case strings.HasPrefix(name, "golang.org/x/") || name == "stdlib" || name == "toolchain":
			return "The Go Authors"
		case len(segs) >= 1 && strings.Contains(segs[0], "."):
			return segs[0]
		}
	}
	if u, err := packageurl.FromString(purl); err == nil && purl != "" {
		if ns := strings.TrimPrefix(u.Namespace, "@"); ns != "" && u.Type != "deb" && u.Type != "rpm" && u.Type != "apk" {
			if u.Type == "golang" {
				if segs := strings.Split(ns, "/"); len(segs) >= 2 && forges[segs[0]] {
					return segs[1]
				}
			}
			return ns
		}
	}
	if name == "" {
		return "unknown vendor"
	}
	return name + " maintainers"
}

// repoProduct names a git repository: vendor is its owner (or host), name
// its URL, purl pkg:github/… for GitHub.
func repoProduct(repo string) product {
	repo = strings.TrimSuffix(strings.TrimSuffix(repo, "/"), ".git")
	p := product{vendor: "GIT", name: repo, versType: "git"}
	u, err := url.Parse(repo)
	if err != nil || u.Host == "" {
		return p
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	p.vendor = u.Host
	if len(segs) >= 2 && segs[0] != "" {
		p.vendor = segs[0]
	}
	if u.Host == "github.com" && len(segs) == 2 {
		p.purl = packageurl.NewPackageURL("github", segs[0], segs[1], "", nil, "").ToString()
	}
	return p
}

// purlFor returns the package URL (without version) of an OSV package and
// the vers scheme of its versions. A package's own purl wins.
func purlFor(p Package) (purl, versType string) {
	eco, release, _ := strings.Cut(p.Ecosystem, ":")
	typ, ns, name := "", "", p.Name
	var quals packageurl.Qualifiers
	switch eco {
	case "Go":
		typ = "golang"
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case "npm":
		typ = "npm"
		if strings.HasPrefix(name, "@") {
			ns, name, _ = strings.Cut(name, "/")
		}
	case "PyPI":
		typ = "pypi"
		name = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
	case "Maven":
		typ = "maven"
		ns, name, _ = strings.Cut(name, ":")
		if name == "" {
			ns, name = "", ns
		}
	case "RubyGems":
		typ = "gem"
	case "crates.io":
		typ = "cargo"
	case "NuGet":
		typ = "nuget"
	case "Packagist":
		typ = "composer"
		if i := strings.Index(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case "Hex":
		typ = "hex"
	case "Pub":
		typ = "pub"
	case "Hackage":
		typ = "hackage"
	case "CRAN":
		typ = "cran"
	case "Debian", "Ubuntu":
		typ, ns = "deb", strings.ToLower(eco)
		if release != "" {
			quals = packageurl.QualifiersFromMap(map[string]string{"distro": strings.ToLower(eco) + "-" + release})
		}
	case "Alpine":
		typ, ns = "apk", "alpine"
		if release != "" {
			quals = packageurl.QualifiersFromMap(map[string]string{"distro": release})
		}
	case "Red Hat", "AlmaLinux", "Rocky Linux", "SUSE", "openSUSE", "openEuler", "Mageia":
		typ, ns = "rpm", map[string]string{"Red Hat": "redhat", "AlmaLinux": "almalinux", "Rocky Linux": "rocky-linux",
			"SUSE": "suse", "openSUSE": "opensuse", "openEuler": "openeuler", "Mageia": "mageia"}[eco]
	case "Bitnami":
		typ = "bitnami"
	}
	versType = typ
	if p.PURL != "" {
		if u, err := packageurl.FromString(p.PURL); err == nil {
			u.Version = ""
			return u.ToString(), orDefault(versType, u.Type)
		}
	}
	if versType == "" {
		versType = "generic"
	}
	if typ == "" || name == "" {
		return "", versType
	}
	return packageurl.NewPackageURL(typ, ns, name, "", quals, "").ToString(), versType
}

// withVersion returns purl at version.
func withVersion(purl, version string) string {
	if purl == "" {
		return ""
	}
	u, err := packageurl.FromString(purl)
	if err != nil {
		return ""
	}
	u.Version = version
	return u.ToString()
}

// constraints renders the affected intervals of a range's events as vers
// constraints (">=1.0.0", "<1.2.3", "<=2.0"); "introduced 0" has no lower
// bound. all reports a range that covers every version.
func constraints(events []Event) (cs []string, all bool) {
	open := false
	for _, e := range events {
		switch {
		case e.Introduced != "":
			if e.Introduced != "0" {
				cs = append(cs, ">="+e.Introduced)
			}
			open = true
		case e.Fixed != "":
			cs = append(cs, "<"+e.Fixed)
			open = false
		case e.Limit != "":
			cs = append(cs, "<"+e.Limit)
			open = false
		case e.LastAffected != "":
			cs = append(cs, "<="+e.LastAffected)
			open = false
		}
	}
	if len(cs) == 0 && open {
		return nil, true
	}
	return cs, false
}

// commitRange describes the commits of a GIT range by their commit ids:
// "from commit a1b2c3… before commit d4e5f6…".
func commitRange(events []Event) string {
	var parts []string
	for _, e := range events {
		switch {
		case e.Introduced == "0":
			parts = append(parts, "from the first commit")
		case e.Introduced != "":
			parts = append(parts, "from commit "+e.Introduced)
		case e.Fixed != "":
			parts = append(parts, "before commit "+e.Fixed)
		case e.Limit != "":
			parts = append(parts, "before commit "+e.Limit)
		case e.LastAffected != "":
			parts = append(parts, "up to commit "+e.LastAffected)
		}
	}
	return strings.Join(parts, " ")
}

// commitURL is the web address of a commit of repo on a forge that has one
// (https://github.com/o/r/commit/<id>), or "".
func commitURL(repo, commit string) string {
	repo = strings.TrimSuffix(strings.TrimSuffix(repo, "/"), ".git")
	u, err := url.Parse(repo)
	if err != nil || u.Scheme != "https" || !forges[u.Host] {
		return ""
	}
	sep := "/commit/"
	if u.Host == "gitlab.com" {
		sep = "/-/commit/"
	} else if u.Host == "bitbucket.org" {
		sep = "/commits/"
	}
	return repo + sep + commit
}

// rangeNames returns the branch name (a vers string, or for GIT a plain
// description, as commits have no order vers could express) and the human
// version part of the product name.
func rangeNames(p product, r Range) (branch, human string) {
	cs, all := constraints(r.Events)
	if r.Type == RangeGit {
		if all {
			return "all commits of " + r.Repo, "all commits"
		}
		d := commitRange(r.Events)
		return d, d
	}
	if all {
		return "vers:" + p.versType + "/*", "all versions"
	}
	return "vers:" + p.versType + "/" + strings.Join(cs, "|"), strings.Join(cs, ", ")
}

// fromAffected derives the products and their statuses from the advisory's
// affected ranges: each range is known_affected, each fixed version fixed.
func (pb *productBuilder) fromAffected(a *Advisory) error {
	for _, af := range a.Affected {
		p := productOf(af)
		var entry []string
		for _, r := range af.Ranges {
			branch, human := rangeNames(p, r)
			id := pb.add(p.vendor, p.name, "product_version_range", branch, p.name+" "+human, p.purl)
			entry = appendUnique(entry, id)
			pb.affected = appendUnique(pb.affected, id)
			var fixes []string
			for _, e := range r.Events {
				if e.Fixed == "" {
					continue
				}
				var fid string
				if r.Type == RangeGit {
					// A fixing commit, referenced as a commit (its URL), not as a purl version.
					fid = pb.add(p.vendor, p.name, "product_version", "commit "+e.Fixed, p.name+" at commit "+e.Fixed, "")
					pb.commitRef(fid, commitURL(orDefault(r.Repo, p.name), e.Fixed))
				} else {
					fid = pb.add(p.vendor, p.name, "product_version", e.Fixed, p.name+" "+e.Fixed, withVersion(p.purl, e.Fixed))
				}
				pb.fixed = appendUnique(pb.fixed, fid)
				fixes = append(fixes, e.Fixed)
			}
			pb.remediate([]string{id}, p.name, fixes, "")
		}
		if len(af.Ranges) == 0 {
			var ids []string
			for _, ver := range af.Versions {
				ids = appendUnique(ids, pb.add(p.vendor, p.name, "product_version", ver, p.name+" "+ver, withVersion(p.purl, ver)))
			}
			if len(ids) == 0 {
				ids = []string{pb.add(p.vendor, p.name, "product_version_range", "vers:"+p.versType+"/*", p.name+" all versions", p.purl)}
			}
			entry = appendUnique(entry, ids...)
			pb.affected = appendUnique(pb.affected, ids...)
			pb.remediate(ids, p.name, nil, "")
		}
		pb.entryAffected = append(pb.entryAffected, entry)
	}
	return nil
}

// remediate records the action statement for known_affected products ids.
func (pb *productBuilder) remediate(ids []string, name string, fixes []string, action string) {
	r := csafRemediation{ProductIDs: ids}
	switch {
	case action != "" && len(fixes) > 0:
		r.Category, r.Details = "vendor_fix", action
	case action != "":
		r.Category, r.Details = "mitigation", action
	case len(fixes) == 1:
		r.Category, r.Details = "vendor_fix", fmt.Sprintf("Update %s to version %s or later.", name, fixes[0])
	case len(fixes) > 1:
		r.Category, r.Details = "vendor_fix", fmt.Sprintf("Update %s to a fixed version: %s.", name, strings.Join(fixes, ", "))
	default:
		r.Category, r.Details = "none_available", fmt.Sprintf("No fixed version of %s is known.", name)
	}
	pb.remediations = append(pb.remediations, r)
}

// fromStatuses makes one product per VEX statement.
func (pb *productBuilder) fromStatuses(a *Advisory, statuses []ProductStatus) error {
	var defaultImpact []string
	for i, s := range statuses {
		where := fmt.Sprintf("VEX export of %s: statuses[%d]", a.trackingID(), i)
		if s.Package.Name == "" && s.Package.PURL == "" {
			return fmt.Errorf("%s names no package (set Package.Name)", where)
		}
		if strings.TrimSpace(s.Version) == "" && s.Range == nil {
			return &MissingError{Format: FormatCSAF, ID: a.trackingID(), What: fmt.Sprintf("version for the status of %s (statuses[%d]: give a version or a version range of the package)", s.Package.Name, i)}
		}
		p := productOf(Affected{Package: s.Package})
		full := p.name
		if s.Vendor != "" {
			p.vendor, full = s.Vendor, s.Vendor+" "+p.name
		}
		category, branch, human, purl := "product_version", s.Version, s.Version, withVersion(p.purl, s.Version)
		switch {
		case s.Range != nil:
			category, purl = "product_version_range", p.purl
			branch, human = rangeNames(p, *s.Range)
		case strings.HasPrefix(s.Version, "vers:"):
			category, purl = "product_version_range", p.purl
		}
		id := pb.add(p.vendor, p.name, category, branch, full+" "+human, purl)
		switch s.Status {
		case KnownAffected:
			pb.affected = appendUnique(pb.affected, id)
			pb.remediate([]string{id}, p.name, fixedVersionsOf(a, s.Package), s.Action)
			if s.Impact != "" {
				pb.threats = append(pb.threats, csafThreat{Category: "impact", Details: s.Impact, ProductIDs: []string{id}})
			} else {
				defaultImpact = append(defaultImpact, id)
			}
		case KnownNotAffected:
			pb.notAffected = appendUnique(pb.notAffected, id)
			switch s.Justification {
			case "":
			case ComponentNotPresent, VulnerableCodeNotPresent, VulnerableCodeCannotBeControlledByAdversary,
				VulnerableCodeNotInExecutePath, InlineMitigationsAlreadyExist:
				if _, ok := pb.flagIDs[s.Justification]; !ok {
					pb.flagOrder = append(pb.flagOrder, s.Justification)
				}
				pb.flagIDs[s.Justification] = appendUnique(pb.flagIDs[s.Justification], id)
			default:
				return fmt.Errorf("%s: justification %q is not a VEX justification (want component_not_present, vulnerable_code_not_present, vulnerable_code_cannot_be_controlled_by_adversary, vulnerable_code_not_in_execute_path or inline_mitigations_already_exist)", where, s.Justification)
			}
			if s.Impact != "" {
				pb.threats = append(pb.threats, csafThreat{Category: "impact", Details: s.Impact, ProductIDs: []string{id}})
			}
		case Fixed:
			pb.fixed = appendUnique(pb.fixed, id)
		case UnderInvestigation:
			pb.investigating = appendUnique(pb.investigating, id)
		default:
			return fmt.Errorf("%s: status %q is not a VEX status (want known_affected, known_not_affected, fixed or under_investigation)", where, s.Status)
		}
	}
	if len(defaultImpact) > 0 {
		pb.threats = append(pb.threats, csafThreat{Category: "impact", Details: a.title(), ProductIDs: defaultImpact})
	}
	pb.hasImpact = true
	return nil
}

// fixedVersionsOf lists the fixed versions the advisory knows for p.
func fixedVersionsOf(a *Advisory, p Package) []string {
	var out []string
	for _, af := range a.Affected {
		if af.Package.Ecosystem != p.Ecosystem || af.Package.Name != p.Name {
			continue
		}
		for _, r := range af.Ranges {
			for _, e := range r.Events {
				if e.Fixed != "" {
					out = appendUnique(out, e.Fixed)
				}
			}
		}
	}
	return out
}

func (pb *productBuilder) flags() []csafFlag {
	var out []csafFlag
	for _, j := range pb.flagOrder {
		out = append(out, csafFlag{Label: j, ProductIDs: pb.flagIDs[j]})
	}
	return out
}

// scores turns the CVSS v3.x and v2 vectors of the advisory into CSAF
// scores of the affected products. CSAF 2.0 has no place for CVSS v4.0.
func (pb *productBuilder) scores(a *Advisory) ([]csafScore, error) {
	var out []csafScore
	add := func(where string, sev []Severity, products []string) error {
		scored, err := scoredSeverities(FormatCSAF, where, sev)
		if err != nil {
			return err
		}
		for _, s := range scored {
			if len(products) == 0 {
				continue
			}
			c := &csafCVSS{Version: s.version, VectorString: s.vector, BaseScore: s.score}
			switch s.version {
			case "3.0", "3.1":
				c.BaseSeverity = s.severity
				out = append(out, csafScore{Products: products, CVSSv3: c})
			case "2.0":
				out = append(out, csafScore{Products: products, CVSSv2: c})
			}
		}
		return nil
	}
	if err := add("severity", a.Severity, pb.affected); err != nil {
		return nil, err
	}
	for i, af := range a.Affected {
		if i < len(pb.entryAffected) {
			if err := add(fmt.Sprintf("affected[%d].severity", i), af.Severity, pb.entryAffected[i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// csafProfileProblems checks the rules of CSAF 2.0 section 6.1 that the
// JSON schema cannot: product ids defined once and every referenced id
// defined (6.1.1, 6.1.2), no product in contradicting statuses (6.1.6), and
// the profile rules of 6.1.27 for security advisories and VEX.
func csafProfileProblems(doc *csafDoc) []Problem {
	var probs []Problem
	add := func(path, rule, msg string) { probs = append(probs, Problem{Path: path, Rule: rule, Message: msg}) }
	defined := map[string]bool{}
	var walk func(path string, bs []csafBranch)
	walk = func(path string, bs []csafBranch) {
		for i, b := range bs {
			p := fmt.Sprintf("%s[%d]", path, i)
			if b.Product != nil {
				if defined[b.Product.ProductID] {
					add(p+".product.product_id", "6.1.2", "product id "+b.Product.ProductID+" is defined more than once")
				}
				defined[b.Product.ProductID] = true
			}
			walk(p+".branches", b.Branches)
		}
	}
	vex := doc.Document.Category == CSAFVEX
	if doc.ProductTree == nil {
		add("$", "6.1.27.4", "the document has no product_tree")
	} else {
		walk("$.product_tree.branches", doc.ProductTree.Branches)
	}
	if len(doc.Vulnerabilities) == 0 {
		add("$", "6.1.27.11", "the document has no vulnerabilities")
	}
	for vi, v := range doc.Vulnerabilities {
		vp := fmt.Sprintf("$.vulnerabilities[%d]", vi)
		refs := func(path string, ids []string) {
			for i, id := range ids {
				if !defined[id] {
					add(fmt.Sprintf("%s[%d]", path, i), "6.1.1", "product id "+id+" is not defined in the product tree")
				}
			}
		}
		if len(v.Notes) == 0 {
			add(vp, "6.1.27.5", "the vulnerability has no notes")
		}
		if vex && v.CVE == "" && len(v.IDs) == 0 {
			add(vp, "6.1.27.8", "the vulnerability has neither cve nor ids")
		}
		st := v.ProductStatus
		if st == nil {
			add(vp, "6.1.27.6", "the vulnerability has no product_status")
			continue
		}
		if vex && len(st.Fixed)+len(st.KnownAffected)+len(st.KnownNotAffected)+len(st.UnderInvestigation) == 0 {
			add(vp+".product_status", "6.1.27.7", "no product is fixed, known_affected, known_not_affected or under_investigation")
		}
		group := map[string]string{}
		for _, g := range []struct {
			name string
			ids  []string
		}{{"fixed", st.Fixed}, {"known_affected", st.KnownAffected}, {"known_not_affected", st.KnownNotAffected}, {"under_investigation", st.UnderInvestigation}} {
			refs(vp+".product_status."+g.name, g.ids)
			for i, id := range g.ids {
				if prev, ok := group[id]; ok && prev != g.name {
					add(fmt.Sprintf("%s.product_status.%s[%d]", vp, g.name, i), "6.1.6", "product "+id+" is both "+prev+" and "+g.name)
				}
				group[id] = g.name
			}
		}
		justified, actioned := map[string]bool{}, map[string]bool{}
		for i, f := range v.Flags {
			refs(fmt.Sprintf("%s.flags[%d].product_ids", vp, i), f.ProductIDs)
			for _, id := range f.ProductIDs {
				justified[id] = true
			}
		}
		for i, t := range v.Threats {
			refs(fmt.Sprintf("%s.threats[%d].product_ids", vp, i), t.ProductIDs)
			if t.Category == "impact" {
				for _, id := range t.ProductIDs {
					justified[id] = true
				}
			}
		}
		for i, r := range v.Remediations {
			refs(fmt.Sprintf("%s.remediations[%d].product_ids", vp, i), r.ProductIDs)
			for _, id := range r.ProductIDs {
				actioned[id] = true
			}
		}
		for i, s := range v.Scores {
			refs(fmt.Sprintf("%s.scores[%d].products", vp, i), s.Products)
		}
		if vex {
			for i, id := range st.KnownNotAffected {
				if !justified[id] {
					add(fmt.Sprintf("%s.product_status.known_not_affected[%d]", vp, i), "6.1.27.9",
						"product "+id+" is known_not_affected without an impact statement (give a justification or an impact)")
				}
			}
			for i, id := range st.KnownAffected {
				if !actioned[id] {
					add(fmt.Sprintf("%s.product_status.known_affected[%d]", vp, i), "6.1.27.10",
						"product "+id+" is known_affected without an action statement (a remediation)")
				}
			}
		}
	}
	return probs
}
