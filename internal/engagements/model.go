// Package engagements is the security-buddy programme and outreach: the list of
// candidate projects (with CSV import), engagements of a buddy with a project's
// maintainers (contact cycles, bi-weekly spot-checks for six months, hours against the
// plan's estimates, a retrospective exported as Markdown, HTML or PDF and aggregated for
// the year), outreach channels and campaigns, the printable services sheet and the
// welcome email.
//
// Every state change appends one event from the catalogue below in the same transaction;
// reminders and emails are jobs enqueued in that transaction and run with the injected
// clock. Who may see or do what is decided by internal/authz (authz.Engagement).
package engagements

import (
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
)

// Status is where an engagement stands.
type Status string

const (
	Proposed     Status = "proposed"
	Contacting   Status = "contacting"
	Active       Status = "active"
	WindingDown  Status = "winding_down"
	Closed       Status = "closed"
	Declined     Status = "declined"
	Unresponsive Status = "unresponsive"
)

// Statuses lists the statuses in their natural order.
var Statuses = []Status{Proposed, Contacting, Active, WindingDown, Closed, Declined, Unresponsive}

// transitions are the allowed moves between statuses; anything else is a 409.
var transitions = map[Status][]Status{
	Proposed:     {Contacting, Active, Declined, Closed},
	Contacting:   {Active, Declined, Unresponsive, Closed},
	Active:       {WindingDown, Closed},
	WindingDown:  {Active, Closed},
	Unresponsive: {Contacting, Closed},
	Declined:     {},
	Closed:       {},
}

// CanMove reports whether an engagement may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Origins are where an engagement came from.
var Origins = []string{"outreach", "help_request", "case"}

// ContactOutcomes are the results of one contact attempt.
var ContactOutcomes = []string{"no_answer", "answered", "declined"}

// ChannelKinds are the kinds of outreach channel.
var ChannelKinds = []string{"mailing_list", "conference", "webinar", "podcast", "blog", "foundation", "other"}

// The plan's estimates: "8 hrs of high visibility engagement, about 1 hr of bi-weekly
// engagement spot-checks for 6 months".
const (
	PlanEngagementHours = 8.0
	PlanSpotCheckHours  = 1.0
)

// Defaults of an engagement's rhythm.
const (
	DefaultContactEveryDays = 14
	DefaultMaxUnanswered    = 3
	DefaultCheckEveryDays   = 14
	DefaultActiveMonths     = 6
	// ReminderDaysBefore is how many days before a spot-check is due its buddy is
	// reminded, at ReminderHour in the buddy's time zone.
	ReminderDaysBefore = 2
	ReminderHour       = 9
)

// Project is a candidate for outreach.
type Project struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	RepoURL     string    `json:"repo_url"`
	Ecosystem   string    `json:"ecosystem"`
	Criticality string    `json:"criticality" doc:"Where the project's criticality comes from (e.g. OpenSSF criticality score, census)."`
	Contacts    string    `json:"contacts" doc:"The maintainers' contacts, one per line."`
	Notes       string    `json:"notes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Engagement is a buddy's engagement with one project.
type Engagement struct {
	ID               int64            `json:"id"`
	ProjectID        int64            `json:"project_id"`
	Project          string           `json:"project"`
	BuddyID          int64            `json:"buddy_id"`
	Buddy            string           `json:"buddy" doc:"The buddy's email address."`
	BackupID         int64            `json:"backup_id,omitempty"`
	Backup           string           `json:"backup,omitempty"`
	Origin           string           `json:"origin" enum:"outreach,help_request,case"`
	OriginRef        string           `json:"origin_ref,omitempty" doc:"The intake report or case it came from."`
	Goals            string           `json:"goals"`
	Status           Status           `json:"status" enum:"proposed,contacting,active,winding_down,closed,declined,unresponsive"`
	ContactEveryDays int              `json:"contact_every_days"`
	MaxUnanswered    int              `json:"max_unanswered"`
	CheckEveryDays   int              `json:"check_every_days"`
	ActiveMonths     int              `json:"active_months"`
	Start            string           `json:"start,omitempty" doc:"The first day of the active period, YYYY-MM-DD."`
	End              string           `json:"end,omitempty" doc:"The end of the active period (start + active_months)."`
	Outcome          string           `json:"outcome,omitempty"`
	ClosedAt         *time.Time       `json:"closed_at,omitempty"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
	Hours            *EngagementHours `json:"hours,omitempty"`
	Unanswered       int              `json:"unanswered" doc:"Contact attempts without an answer since the last answer."`
	Overdue          int              `json:"overdue" doc:"Spot-checks past their due date and not done."`

	retrospective string
}

// closedDay is the day the engagement closed, or far in the future while it runs.
func (e *Engagement) closedDay() string {
	if e.ClosedAt == nil {
		return "9999-12-31"
	}
	return e.ClosedAt.UTC().Format("2006-01-02")
}

// policy is what authz needs to know of e.
func (e *Engagement) policy() authz.Engagement {
	return authz.Engagement{BuddyID: e.BuddyID, BackupID: e.BackupID}
}

// ContactAttempt is one contact attempt.
type ContactAttempt struct {
	ID        int64     `json:"id"`
	Date      string    `json:"date"`
	Channel   string    `json:"channel"`
	Outcome   string    `json:"outcome" enum:"no_answer,answered,declined"`
	Notes     string    `json:"notes"`
	By        string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
}

// SpotCheck is one slot of the schedule, done or not, or an extra check.
type SpotCheck struct {
	ID      int64   `json:"id"`
	Seq     int     `json:"seq,omitempty" doc:"1 for the first scheduled spot-check; 0 for an extra one."`
	Due     string  `json:"due,omitempty"`
	Date    string  `json:"date,omitempty" doc:"The day it was done."`
	Hours   float64 `json:"hours"`
	Notes   string  `json:"notes,omitempty"`
	Risks   string  `json:"risks,omitempty"`
	Actions string  `json:"actions,omitempty"`
	By      string  `json:"by,omitempty"`
	State   string  `json:"state" enum:"done,upcoming,due,overdue,cancelled" doc:"overdue: past its due date and not done; cancelled: not done and the engagement is no longer active."`
	Overdue bool    `json:"overdue"`
}

// SpotCheckSchedule is an engagement's spot-check plan.
type SpotCheckSchedule struct {
	EngagementID int64       `json:"engagement_id"`
	Start        string      `json:"start"`
	End          string      `json:"end"`
	EveryDays    int         `json:"every_days"`
	SpotChecks   []SpotCheck `json:"spot_checks"`
	Extra        []SpotCheck `json:"extra" doc:"Spot-checks outside the schedule."`
}

// Hours compares logged hours with the plan's estimates.
type EngagementHours struct {
	Engagement          float64 `json:"engagement" doc:"High-visibility engagement hours logged."`
	SpotChecks          float64 `json:"spot_checks" doc:"Hours of the spot-checks done."`
	Total               float64 `json:"total"`
	PlannedEngagement   float64 `json:"planned_engagement"`
	PlannedSpotChecks   float64 `json:"planned_spot_checks"`
	PlannedTotal        float64 `json:"planned_total"`
	SpotChecksDone      int     `json:"spot_checks_done"`
	SpotChecksScheduled int     `json:"spot_checks_scheduled"`
}

// EngagementHourLog is one stint of high-visibility engagement work.
type EngagementHourLog struct {
	ID    int64   `json:"id"`
	Date  string  `json:"date"`
	Hours float64 `json:"hours"`
	Note  string  `json:"note"`
	By    string  `json:"by"`
}

// Channel is an outreach channel.
type Channel struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind" enum:"mailing_list,conference,webinar,podcast,blog,foundation,other"`
	URL       string    `json:"url"`
	Notes     string    `json:"notes"`
	CreatedAt time.Time `json:"created_at"`
}

// Campaign is an outreach campaign and its results.
type Campaign struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	ChannelID        int64     `json:"channel_id,omitempty"`
	Channel          string    `json:"channel,omitempty"`
	StartsOn         string    `json:"starts_on"`
	EndsOn           string    `json:"ends_on,omitempty"`
	Audience         string    `json:"audience"`
	Materials        string    `json:"materials"`
	ContactsReached  int       `json:"contacts_reached"`
	RequestsReceived int       `json:"requests_received" doc:"Help requests received that cite the campaign."`
	Results          string    `json:"results"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// RuleError is a request that breaks a state rule (HTTP 409).
type RuleError struct {
	Code string
	Msg  string
}

func (e *RuleError) Error() string { return e.Msg }

// Rule names the rule.
func (e *RuleError) Rule() string { return e.Code }

func ruleErr(code, format string, args ...any) error {
	return &RuleError{Code: code, Msg: fmt.Sprintf(format, args...)}
}
