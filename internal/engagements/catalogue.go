package engagements

import "github.com/oss-sirt/sirt/internal/events"

// The typed event catalogue of the engagements area: every event this package appends
// has an action below and the payload type the catalogue names (a test checks both).
const (
	EvProjectCreated    = "engagement.project.created"
	EvProjectUpdated    = "engagement.project.updated"
	EvCreated           = "engagement.created"
	EvStage             = "engagement.stage"
	EvContact           = "engagement.contact"
	EvSpotCheck         = "engagement.spot_check"
	EvSpotCheckReminded = "engagement.spot_check.reminded"
	EvSpotCheckOverdue  = "engagement.spot_check.overdue"
	EvContactReminded   = "engagement.contact.reminded"
	EvHours             = "engagement.hours"
	EvRetrospective     = "engagement.retrospective"
	EvWelcome           = "engagement.welcome"
	EvChannelCreated    = "outreach.channel.created"
	EvCampaignCreated   = "outreach.campaign.created"
	EvCampaignUpdated   = "outreach.campaign.updated"
)

// ProjectEvent is the payload of EvProjectCreated and EvProjectUpdated.
type ProjectEvent struct {
	Name      string `json:"name"`
	RepoURL   string `json:"repo_url"`
	Ecosystem string `json:"ecosystem"`
	Source    string `json:"source,omitempty"` // "csv" for an import
}

// CreatedEvent is the payload of EvCreated.
type CreatedEvent struct {
	ProjectID int64  `json:"project_id"`
	Project   string `json:"project"`
	BuddyID   int64  `json:"buddy_id"`
	BackupID  int64  `json:"backup_id,omitempty"`
	Origin    string `json:"origin"`
	Status    Status `json:"status"`
}

// StageEvent is the payload of EvStage (Before: the old status, After: this).
type StageEvent struct {
	From   Status `json:"from"`
	To     Status `json:"to"`
	Start  string `json:"start,omitempty"`
	End    string `json:"end,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// ContactEvent is the payload of EvContact.
type ContactEvent struct {
	ContactID  int64  `json:"contact_id"`
	Date       string `json:"date"`
	Channel    string `json:"channel"`
	Outcome    string `json:"outcome"`
	Unanswered int    `json:"unanswered"`
}

// SpotCheckEvent is the payload of EvSpotCheck.
type SpotCheckEvent struct {
	SpotCheckID int64   `json:"spot_check_id"`
	Seq         int     `json:"seq,omitempty"`
	Due         string  `json:"due,omitempty"`
	Date        string  `json:"date"`
	Hours       float64 `json:"hours"`
}

// ReminderEvent is the payload of EvSpotCheckReminded, EvSpotCheckOverdue and EvContactReminded.
type ReminderEvent struct {
	SpotCheckID int64  `json:"spot_check_id,omitempty"`
	Due         string `json:"due"`
	To          string `json:"to,omitempty"`
	OutboxID    int64  `json:"outbox_id,omitempty"`
}

// HoursEvent is the payload of EvHours.
type HoursEvent struct {
	HoursID int64   `json:"hours_id"`
	Date    string  `json:"date"`
	Hours   float64 `json:"hours"`
}

// RetrospectiveEvent is the payload of EvRetrospective.
type RetrospectiveEvent struct {
	Characters int  `json:"characters"`
	Draft      bool `json:"draft"` // reset to the generated draft
}

// WelcomeEvent is the payload of EvWelcome.
type WelcomeEvent struct {
	To       string `json:"to"`
	OutboxID int64  `json:"outbox_id"`
}

// ChannelEvent is the payload of EvChannelCreated.
type ChannelEvent struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// CampaignEvent is the payload of EvCampaignCreated and EvCampaignUpdated.
type CampaignEvent struct {
	Name             string `json:"name"`
	ChannelID        int64  `json:"channel_id,omitempty"`
	StartsOn         string `json:"starts_on"`
	ContactsReached  int    `json:"contacts_reached"`
	RequestsReceived int    `json:"requests_received"`
}

// Catalogue maps each action to a zero value of its payload type.
var Catalogue = events.Catalogue{
	EvProjectCreated: ProjectEvent{}, EvProjectUpdated: ProjectEvent{}, EvCreated: CreatedEvent{}, EvStage: StageEvent{},
	EvContact: ContactEvent{}, EvSpotCheck: SpotCheckEvent{}, EvSpotCheckReminded: ReminderEvent{}, EvSpotCheckOverdue: ReminderEvent{},
	EvContactReminded: ReminderEvent{}, EvHours: HoursEvent{}, EvRetrospective: RetrospectiveEvent{}, EvWelcome: WelcomeEvent{},
	EvChannelCreated: ChannelEvent{}, EvCampaignCreated: CampaignEvent{}, EvCampaignUpdated: CampaignEvent{},
}

func init() { events.Register("engagements", []string{"engagement.", "outreach."}, Catalogue) }
