package plan

import "github.com/oss-sirt/sirt/internal/events"

// Event actions of the plan.
const (
	EvImported         = "plan.imported"
	EvMilestoneUpdated = "plan.milestone.updated"
	EvTaskUpdated      = "plan.task.updated"
	EvHoursLogged      = "plan.hours.logged"
)

// ImportedEvent is the payload of EvImported: the import's counts, not its text.
type ImportedEvent struct {
	Name     string `json:"name"`
	Version  int    `json:"version"`
	SHA256   string `json:"sha256"`
	Total    Counts `json:"total"`
	Matched  Counts `json:"matched"`
	Added    Counts `json:"added"`
	Archived Counts `json:"archived"`
	Warnings int    `json:"warnings"`
}

// ItemUpdatedEvent is the payload of EvMilestoneUpdated and EvTaskUpdated: the fields
// the update changed.
type ItemUpdatedEvent struct {
	Status   Status       `json:"status,omitempty"`
	OwnerID  *int64       `json:"owner_id,omitempty"`
	Due      *string      `json:"due,omitempty"`
	Links    []ObjectLink `json:"links,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
}

// Catalogue is the plan's typed event catalogue (events.CheckCatalogue holds every
// appended event to it in tests).
var Catalogue = events.Catalogue{
	EvImported:         ImportedEvent{},
	EvMilestoneUpdated: ItemUpdatedEvent{},
	EvTaskUpdated:      ItemUpdatedEvent{},
	EvHoursLogged:      HourLog{},
}

func init() { events.Register("plan", []string{"plan."}, Catalogue) }
