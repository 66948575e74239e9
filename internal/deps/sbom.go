package deps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/validate"
)

// SBOMs: CycloneDX JSON (spec 1.2 to 1.6) and SPDX JSON (2.2, 2.3). Each is decoded
// into typed structs one array element at a time, so an error names its place in the
// document ("components[3].purl: …", "relationships[0]: want an object, got a
// string"). What goes into the graph: every component/package with a purl, and the
// edges between them — CycloneDX's dependencies (by bom-ref), SPDX's DEPENDS_ON,
// DEPENDENCY_OF and CONTAINS relationships; a document without any makes the root
// (metadata.component, documentDescribes) depend on every other package.

// MaxSBOM is the largest SBOM accepted (bytes).
const MaxSBOM = 64 << 20

// PathError is a refused SBOM: Path is where in the document, as a JSON path.
type PathError struct {
	Path    string
	Message string
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Unwrap gives the error as a field error (the path, or "sbom"), so the web and the API
// answer 422.
func (e *PathError) Unwrap() error {
	f := e.Path
	if f == "" {
		f = "sbom"
	}
	return validate.Errors{{Field: f, Message: e.Message}}
}

func pathErr(path, format string, args ...any) error {
	return &PathError{Path: path, Message: fmt.Sprintf(format, args...)}
}

// decodeAt decodes raw into v, naming path in any error.
func decodeAt(path string, raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := path
		if te.Field != "" {
			if p != "" {
				p += "."
			}
			p += te.Field
		}
		return pathErr(p, "want %s, got %s", kindName(te.Type), article(te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return pathErr(path, "not valid JSON: %v", se)
	}
	return pathErr(path, "%v", err)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Uint, reflect.Uint64:
		return "a number"
	}
	return t.String()
}

func article(v string) string {
	switch {
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "object":
		return "an object"
	case v == "array":
		return "an array"
	case v == "string":
		return "a string"
	case v == "bool":
		return "true or false"
	}
	return v
}

// array decodes a JSON array (absent or null: none) into its raw elements.
func array(path string, raw json.RawMessage) ([]json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var out []json.RawMessage
	if err := decodeAt(path, raw, &out); err != nil {
		var pe *PathError
		if errors.As(err, &pe) && pe.Path == path {
			return nil, pathErr(path, "want an array, got %s", jsonKind(raw))
		}
		return nil, err
	}
	return out, nil
}

func jsonKind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

// sbomDoc is a decoded SBOM, whatever its format.
type sbomDoc struct {
	format, spec, name, serial string
	root                       int32 // -1: none
	g                          *graph
	entries                    []sbomEntry
}

type sbomEntry struct {
	pkg          int32
	ref, purl, v string
}

// ---- CycloneDX ----

type cdxTop struct {
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Metadata     json.RawMessage `json:"metadata"`
	Components   json.RawMessage `json:"components"`
	Dependencies json.RawMessage `json:"dependencies"`
}

type cdxMetadata struct {
	Component json.RawMessage `json:"component"`
}

type cdxComponent struct {
	Type       string          `json:"type"`
	BOMRef     string          `json:"bom-ref"`
	Group      string          `json:"group"`
	Name       string          `json:"name"`
	Version    string          `json:"version"`
	PURL       string          `json:"purl"`
	Components json.RawMessage `json:"components"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

var cdxVersions = []string{"1.2", "1.3", "1.4", "1.5", "1.6"}

func parseCycloneDX(top cdxTop) (*sbomDoc, error) {
	if !slices.Contains(cdxVersions, top.SpecVersion) {
		return nil, pathErr("specVersion", "%q is not a CycloneDX version sirt reads (1.2 to 1.6)", top.SpecVersion)
	}
	doc := &sbomDoc{format: "CycloneDX", spec: top.SpecVersion, serial: top.SerialNumber, root: -1, g: newGraph()}
	refs := map[string]int32{} // bom-ref → package
	var children [][2]int32    // nested components: parent, child
	var add func(path string, raw json.RawMessage) (int32, error)
	add = func(path string, raw json.RawMessage) (int32, error) {
		var c cdxComponent
		if err := decodeAt(path, raw, &c); err != nil {
			return -1, err
		}
		if jsonKind(raw) != "an object" {
			return -1, pathErr(path, "want an object, got %s", jsonKind(raw))
		}
		n := int32(-1)
		if strings.TrimSpace(c.PURL) != "" {
			p, err := purl.Parse(c.PURL)
			if err != nil {
				return -1, pathErr(path+".purl", "%s", err.Error())
			}
			n = doc.g.intern(purl.Key(p), p.Type)
			v := p.Version
			if v == "" {
				v = c.Version
			}
			doc.entries = append(doc.entries, sbomEntry{pkg: n, ref: c.BOMRef, purl: c.PURL, v: v})
			if c.BOMRef != "" {
				refs[c.BOMRef] = n
			}
		}
		kids, err := array(path+".components", c.Components)
		if err != nil {
			return -1, err
		}
		for i, k := range kids {
			m, err := add(fmt.Sprintf("%s.components[%d]", path, i), k)
			if err != nil {
				return -1, err
			}
			if n >= 0 && m >= 0 && m != n {
				children = append(children, [2]int32{n, m})
			}
		}
		return n, nil
	}
	if len(top.Metadata) > 0 && string(top.Metadata) != "null" {
		var md cdxMetadata
		if err := decodeAt("metadata", top.Metadata, &md); err != nil {
			return nil, err
		}
		if len(md.Component) > 0 && string(md.Component) != "null" {
			var c cdxComponent
			if err := decodeAt("metadata.component", md.Component, &c); err == nil {
				doc.name = strings.TrimSpace(strings.Trim(c.Group+"/"+c.Name, "/"))
			}
			r, err := add("metadata.component", md.Component)
			if err != nil {
				return nil, err
			}
			doc.root = r
		}
	}
	comps, err := array("components", top.Components)
	if err != nil {
		return nil, err
	}
	var top1 []int32
	for i, raw := range comps {
		n, err := add(fmt.Sprintf("components[%d]", i), raw)
		if err != nil {
			return nil, err
		}
		if n >= 0 {
			top1 = append(top1, n)
		}
	}
	deps, err := array("dependencies", top.Dependencies)
	if err != nil {
		return nil, err
	}
	versionOf := map[int32]string{}
	for _, e := range doc.entries {
		versionOf[e.pkg] = e.v
	}
	link := func(from, to int32) {
		if from >= 0 && to >= 0 && from != to {
			doc.g.edges = append(doc.g.edges, edge{dependent: from, dependency: to, constraint: doc.g.constraint(versionOf[to])})
		}
	}
	for i, raw := range deps {
		path := fmt.Sprintf("dependencies[%d]", i)
		if jsonKind(raw) != "an object" {
			return nil, pathErr(path, "want an object, got %s", jsonKind(raw))
		}
		var d cdxDependency
		if err := decodeAt(path, raw, &d); err != nil {
			return nil, err
		}
		if d.Ref == "" {
			return nil, pathErr(path+".ref", "missing: the bom-ref of a component")
		}
		from, ok := refs[d.Ref]
		if !ok {
			continue // a component without a purl (a file, the unnamed app): not in the graph
		}
		for _, to := range d.DependsOn {
			if n, ok := refs[to]; ok {
				link(from, n)
			}
		}
	}
	if len(deps) == 0 {
		for _, n := range top1 {
			link(doc.root, n)
		}
		for _, pc := range children {
			link(pc[0], pc[1])
		}
	}
	return doc, nil
}

// ---- SPDX ----

type spdxTop struct {
	SPDXVersion       string          `json:"spdxVersion"`
	SPDXID            string          `json:"SPDXID"`
	Name              string          `json:"name"`
	DocumentNamespace string          `json:"documentNamespace"`
	DocumentDescribes []string        `json:"documentDescribes"`
	Packages          json.RawMessage `json:"packages"`
	Relationships     json.RawMessage `json:"relationships"`
}

type spdxPackage struct {
	SPDXID       string          `json:"SPDXID"`
	Name         string          `json:"name"`
	VersionInfo  string          `json:"versionInfo"`
	ExternalRefs json.RawMessage `json:"externalRefs"`
}

type spdxRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

func parseSPDX(top spdxTop) (*sbomDoc, error) {
	if top.SPDXVersion != "SPDX-2.2" && top.SPDXVersion != "SPDX-2.3" {
		return nil, pathErr("spdxVersion", "%q is not an SPDX version sirt reads (SPDX-2.2, SPDX-2.3)", top.SPDXVersion)
	}
	doc := &sbomDoc{format: "SPDX", spec: strings.TrimPrefix(top.SPDXVersion, "SPDX-"), name: top.Name, serial: top.DocumentNamespace, root: -1, g: newGraph()}
	ids := map[string]int32{} // SPDXID → package
	pkgs, err := array("packages", top.Packages)
	if err != nil {
		return nil, err
	}
	var all []int32
	for i, raw := range pkgs {
		path := fmt.Sprintf("packages[%d]", i)
		if jsonKind(raw) != "an object" {
			return nil, pathErr(path, "want an object, got %s", jsonKind(raw))
		}
		var p spdxPackage
		if err := decodeAt(path, raw, &p); err != nil {
			return nil, err
		}
		refs, err := array(path+".externalRefs", p.ExternalRefs)
		if err != nil {
			return nil, err
		}
		for j, rr := range refs {
			rpath := fmt.Sprintf("%s.externalRefs[%d]", path, j)
			var r spdxRef
			if err := decodeAt(rpath, rr, &r); err != nil {
				return nil, err
			}
			if !strings.EqualFold(r.ReferenceType, "purl") {
				continue
			}
			pu, err := purl.Parse(r.ReferenceLocator)
			if err != nil {
				return nil, pathErr(rpath+".referenceLocator", "%s", err.Error())
			}
			n := doc.g.intern(purl.Key(pu), pu.Type)
			v := pu.Version
			if v == "" {
				v = p.VersionInfo
			}
			doc.entries = append(doc.entries, sbomEntry{pkg: n, ref: p.SPDXID, purl: r.ReferenceLocator, v: v})
			if _, seen := ids[p.SPDXID]; !seen && p.SPDXID != "" {
				ids[p.SPDXID] = n
				all = append(all, n)
			}
			break
		}
	}
	versionOf := map[int32]string{}
	for _, e := range doc.entries {
		versionOf[e.pkg] = e.v
	}
	link := func(from, to int32) {
		if from >= 0 && to >= 0 && from != to {
			doc.g.edges = append(doc.g.edges, edge{dependent: from, dependency: to, constraint: doc.g.constraint(versionOf[to])})
		}
	}
	rootID := ""
	if len(top.DocumentDescribes) > 0 {
		rootID = top.DocumentDescribes[0]
	}
	rels, err := array("relationships", top.Relationships)
	if err != nil {
		return nil, err
	}
	linked := false
	for i, raw := range rels {
		path := fmt.Sprintf("relationships[%d]", i)
		if jsonKind(raw) != "an object" {
			return nil, pathErr(path, "want an object, got %s", jsonKind(raw))
		}
		var r spdxRelationship
		if err := decodeAt(path, raw, &r); err != nil {
			return nil, err
		}
		a, aok := ids[r.Element]
		b, bok := ids[r.Related]
		switch t := strings.ToUpper(r.Type); {
		case t == "DESCRIBES" && r.Element == top.SPDXID && rootID == "":
			rootID = r.Related
		case t == "DESCRIBED_BY" && r.Related == top.SPDXID && rootID == "":
			rootID = r.Element
		case !aok || !bok:
		case t == "DEPENDS_ON" || t == "CONTAINS":
			link(a, b)
			linked = true
		case t == "DEPENDENCY_OF" || t == "CONTAINED_BY" || strings.HasSuffix(t, "_DEPENDENCY_OF"):
			link(b, a)
			linked = true
		}
	}
	if n, ok := ids[rootID]; ok {
		doc.root = n
	}
	if !linked {
		for _, n := range all {
			link(doc.root, n)
		}
	}
	return doc, nil
}

// parseSBOM decodes a CycloneDX or SPDX JSON document.
func parseSBOM(b []byte) (*sbomDoc, error) {
	if len(b) > MaxSBOM {
		return nil, pathErr("", "the document is larger than %d MiB", MaxSBOM>>20)
	}
	if k := jsonKind(b); k != "an object" {
		if !json.Valid(b) {
			var v any
			return nil, decodeAt("", b, &v)
		}
		return nil, pathErr("", "want a JSON object (a CycloneDX or SPDX document), got %s", k)
	}
	var probe map[string]json.RawMessage
	if err := decodeAt("", b, &probe); err != nil {
		return nil, err
	}
	switch {
	case probe["bomFormat"] != nil:
		var top cdxTop
		if err := decodeAt("", b, &top); err != nil {
			return nil, err
		}
		if top.BOMFormat != "CycloneDX" {
			return nil, pathErr("bomFormat", "%q is not CycloneDX", top.BOMFormat)
		}
		return parseCycloneDX(top)
	case probe["spdxVersion"] != nil:
		var top spdxTop
		if err := decodeAt("", b, &top); err != nil {
			return nil, err
		}
		return parseSPDX(top)
	}
	return nil, pathErr("", "neither a CycloneDX document (bomFormat) nor an SPDX one (spdxVersion)")
}

// SBOMImport is the outcome of an SBOM import.
type SBOMImport struct {
	ID          int64  `json:"id"`
	Format      string `json:"format" doc:"CycloneDX or SPDX."`
	SpecVersion string `json:"spec_version"`
	Name        string `json:"name,omitempty"`
	Root        string `json:"root,omitempty" doc:"The package the SBOM describes."`
	Packages    int    `json:"packages"`
	Edges       int    `json:"edges"`
	Duplicate   bool   `json:"duplicate,omitempty" doc:"The same document was imported before (nothing changed)."`
}

// ImportSBOM adds an SBOM's packages and dependencies to the graph. The same document
// twice is imported once (Duplicate). A bad document is a *PathError naming where.
func (s *Service) ImportSBOM(ctx context.Context, actor authz.Actor, b []byte, o ImportOptions) (*SBOMImport, error) {
	if err := authz.Can(actor, authz.ImportDeps, nil); err != nil {
		return nil, err
	}
	doc, err := parseSBOM(b)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	out := &SBOMImport{Format: doc.format, SpecVersion: doc.spec, Name: doc.name, Packages: len(doc.g.keys)}
	if doc.root >= 0 {
		out.Root = doc.g.keys[doc.root]
	}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		var id int64
		err := q.QueryRow(ctx, "SELECT id FROM dep_sboms WHERE sha256 = ?", hash).Scan(&id)
		if err == nil {
			out.ID, out.Duplicate = id, true
			return nil
		}
		if !db.NotFound(err) {
			return err
		}
		now := s.clock.Now().UTC()
		ids, _, err := resolve(ctx, q, doc.g, now, nil)
		if err != nil {
			return err
		}
		var root any
		if doc.root >= 0 {
			root = ids[doc.root]
		}
		if err := q.QueryRow(ctx, `INSERT INTO dep_sboms (format, spec_version, name, serial, sha256, root_package_id, components, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, doc.format, doc.spec, doc.name, doc.serial, hash, root, len(doc.entries), now).Scan(&id); err != nil {
			return fmt.Errorf("deps: add SBOM: %w", err)
		}
		out.ID = id
		for _, e := range doc.entries {
			if _, err := q.Exec(ctx, "INSERT INTO dep_sbom_entries (sbom_id, package_id, ref, purl, version) VALUES (?, ?, ?, ?, ?)",
				id, ids[e.pkg], e.ref, e.purl, e.v); err != nil {
				return fmt.Errorf("deps: add SBOM entries: %w", err)
			}
		}
		n, err := writeEdges(ctx, q, doc.g, ids, fmt.Sprintf("sbom:%d", id), nil)
		if err != nil {
			return err
		}
		out.Edges = n
		if err := bumpVersion(ctx, q, now); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: EvSBOMImported, Subject: events.Ref{Type: "sbom", ID: fmt.Sprint(id)},
			After: SBOMImportedEvent{SBOMID: id, Format: doc.format, SpecVersion: doc.spec, Name: doc.name, Root: out.Root, Packages: out.Packages, Edges: n}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
