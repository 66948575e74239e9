package directory

// The typed event catalogue of the directory: every event this package appends has an
// action below and the payload type the catalogue names (a test checks both).
const (
	EvOrgCreated        = "directory.org.created"
	EvOrgUpdated        = "directory.org.updated"
	EvOrgMerged         = "directory.org.merged"
	EvOrgsImported      = "directory.orgs.imported"
	EvNotificationSent  = "directory.notification.sent"
	EvNotificationRetry = "directory.notification.retried"
	EvOrgsInvited       = "directory.orgs.invited"
	EvSirenListCreated  = "siren.list.created"
	EvSirenApplied      = "siren.subscriber.applied"
	EvSirenDecided      = "siren.subscriber.decided"
)

// OrgEvent is the payload of EvOrgCreated and EvOrgUpdated (Before and After).
type OrgEvent struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Contacts []string `json:"contacts"` // addresses (keys and URLs are in the row)
	Packages []string `json:"packages"`
	Source   string   `json:"source,omitempty"` // "csv", "security.txt"
}

// MergeEvent is the payload of EvOrgMerged (subject: the organisation kept).
type MergeEvent struct {
	From     int64  `json:"from"`
	FromName string `json:"from_name"`
	Contacts int    `json:"contacts_moved"`
	Packages int    `json:"packages_moved"`
}

// ImportEvent is the payload of EvOrgsImported.
type ImportEvent struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// NotificationEvent is the payload of EvNotificationSent (subject: the case).
type NotificationEvent struct {
	NotificationID int64  `json:"notification_id"`
	Target         string `json:"target"`
	Recipients     int    `json:"recipients"`
	TLP            string `json:"tlp"`
}

// RetryEvent is the payload of EvNotificationRetry.
type RetryEvent struct {
	NotificationID int64 `json:"notification_id"`
	Retried        int   `json:"retried"`
}

// InviteEvent is the payload of EvOrgsInvited (subject: the case).
type InviteEvent struct {
	Orgs         []int64 `json:"orgs"`
	Participants int     `json:"participants"`
}

// SirenListEvent is the payload of EvSirenListCreated.
type SirenListEvent struct {
	Name string `json:"name"`
}

// SirenSubscriberEvent is the payload of EvSirenApplied and EvSirenDecided.
type SirenSubscriberEvent struct {
	ListID int64  `json:"list_id"`
	Email  string `json:"email"`
	State  string `json:"state"`
}

// Catalogue maps every action to its payload type (catalogue_test checks appended events).
var Catalogue = map[string]any{
	EvOrgCreated:        OrgEvent{},
	EvOrgUpdated:        OrgEvent{},
	EvOrgMerged:         MergeEvent{},
	EvOrgsImported:      ImportEvent{},
	EvNotificationSent:  NotificationEvent{},
	EvNotificationRetry: RetryEvent{},
	EvOrgsInvited:       InviteEvent{},
	EvSirenListCreated:  SirenListEvent{},
	EvSirenApplied:      SirenSubscriberEvent{},
	EvSirenDecided:      SirenSubscriberEvent{},
}
