package deps

// The typed event catalogue of the dependency graph: every event this package appends
// has an action below and the payload type the catalogue names (a test checks both).
const (
	EvEdgesImported = "deps.edges.imported"
	EvSBOMImported  = "deps.sbom.imported"
)

// EdgesImportedEvent is the payload of EvEdgesImported.
type EdgesImportedEvent struct {
	Name        string `json:"name,omitempty"` // the file name, as given
	Rows        int    `json:"rows"`
	Edges       int    `json:"edges"`
	Packages    int    `json:"packages"`
	NewPackages int    `json:"new_packages"`
}

// SBOMImportedEvent is the payload of EvSBOMImported.
type SBOMImportedEvent struct {
	SBOMID      int64  `json:"sbom_id"`
	Format      string `json:"format"`
	SpecVersion string `json:"spec_version"`
	Name        string `json:"name,omitempty"`
	Root        string `json:"root,omitempty"`
	Packages    int    `json:"packages"`
	Edges       int    `json:"edges"`
}

// Catalogue maps each action to a zero value of its payload type.
var Catalogue = map[string]any{
	EvEdgesImported: EdgesImportedEvent{},
	EvSBOMImported:  SBOMImportedEvent{},
}
