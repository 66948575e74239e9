package postmortem

import "github.com/oss-sirt/sirt/internal/events"

// The typed event catalogue of the post-mortems area: every event this package appends
// has an action below and the payload type the catalogue names (a test checks both).
const (
	EvCreated        = "postmortem.created"
	EvUpdated        = "postmortem.updated"
	EvAnnotated      = "postmortem.annotated"
	EvActionAdded    = "postmortem.action.added"
	EvActionStatus   = "postmortem.action.status"
	EvActionReminded = "postmortem.action.reminded"
	EvSubmitted      = "postmortem.submitted"
	EvPublished      = "postmortem.published"
	EvReturned       = "postmortem.returned"
	EvContentRead    = "postmortem.content_read"
)

// CreatedEvent is the payload of EvCreated.
type CreatedEvent struct {
	Kind         Kind   `json:"kind"`
	Case         string `json:"case,omitempty"`
	EngagementID int64  `json:"engagement_id,omitempty"`
}

// UpdatedEvent is the payload of EvUpdated: the sections changed and the new version.
type UpdatedEvent struct {
	Sections []string `json:"sections"`
	Version  int      `json:"version"`
}

// AnnotatedEvent is the payload of EvAnnotated.
type AnnotatedEvent struct {
	AnnotationID int64 `json:"annotation_id"`
	EventSeq     int64 `json:"event_seq"`
}

// ActionEvent is the payload of EvActionAdded and EvActionStatus.
type ActionEvent struct {
	ActionID int64  `json:"action_id"`
	Owner    string `json:"owner,omitempty"`
	Due      string `json:"due,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Status   string `json:"status"`
}

// ReminderEvent is the payload of EvActionReminded.
type ReminderEvent struct {
	ActionID int64  `json:"action_id"`
	Due      string `json:"due"`
	To       string `json:"to"`
	OutboxID int64  `json:"outbox_id"`
}

// StateEvent is the payload of EvSubmitted, EvPublished and EvReturned.
type StateEvent struct {
	From State `json:"from"`
	To   State `json:"to"`
}

// ContentReadEvent is the payload of EvContentRead: an admin who is not on the case read
// the post-mortem of its content (audited, as the case's own pages are).
type ContentReadEvent struct {
	Case string `json:"case"`
}

// Catalogue maps each action to a zero value of its payload type.
var Catalogue = events.Catalogue{
	EvCreated: CreatedEvent{}, EvUpdated: UpdatedEvent{}, EvAnnotated: AnnotatedEvent{}, EvActionAdded: ActionEvent{},
	EvActionStatus: ActionEvent{}, EvActionReminded: ReminderEvent{}, EvSubmitted: StateEvent{}, EvPublished: StateEvent{},
	EvReturned: StateEvent{}, EvContentRead: ContentReadEvent{},
}

func init() { events.Register("postmortems", []string{"postmortem."}, Catalogue) }
