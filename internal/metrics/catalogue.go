package metrics

// The typed event catalogue of the metrics area: every event this package appends has
// an action below and the payload type the catalogue names (a test checks both).
const (
	EvSLOUpdated     = "metrics.slo.updated"
	EvReportSnapshot = "metrics.report.snapshot"
)

// SLOEvent is the payload of EvSLOUpdated.
type SLOEvent struct {
	Key        string  `json:"key"`
	TargetDays float64 `json:"target_days"`
	Objective  float64 `json:"objective"`
}

// SnapshotEvent is the payload of EvReportSnapshot: a closed period's report was stored.
type SnapshotEvent struct {
	Period string `json:"period"`
	SHA256 string `json:"sha256"`
}

// Catalogue maps each action to a zero value of its payload type.
var Catalogue = map[string]any{
	EvSLOUpdated:     SLOEvent{},
	EvReportSnapshot: SnapshotEvent{},
}
