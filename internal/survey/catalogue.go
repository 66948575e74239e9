package survey

import "github.com/oss-sirt/sirt/internal/events"

// The typed event catalogue of the surveys area: every event this package appends has
// an action below and the payload type the catalogue names (a test checks both). No
// payload holds an answer or anything of a respondent: a response event says only that
// one more response arrived.
const (
	EvCreated      = "survey.created"
	EvUpdated      = "survey.updated"
	EvInvited      = "survey.invited"
	EvReminded     = "survey.reminded"
	EvResponse     = "survey.response"
	EvCaseFeedback = "survey.case_feedback"
)

// SurveyEvent is the payload of EvCreated and EvUpdated.
type SurveyEvent struct {
	Title      string `json:"title"`
	Audience   string `json:"audience"`
	Anonymous  bool   `json:"anonymous"`
	MinN       int    `json:"min_n"`
	Questions  int    `json:"questions"`
	Statements int    `json:"statements"`
	CaseID     int64  `json:"case_id,omitempty"`
}

// InviteEvent is the payload of EvInvited and EvReminded: how many e-mails were queued.
type InviteEvent struct {
	Recipients int `json:"recipients"`
}

// ResponseEvent is the payload of EvResponse: the survey's count of responses after it.
type ResponseEvent struct {
	Responses int `json:"responses"`
}

// CaseFeedbackEvent is the payload of EvCaseFeedback (subject: the case).
type CaseFeedbackEvent struct {
	SurveyID   int64 `json:"survey_id"`
	Recipients int   `json:"recipients"`
}

// Catalogue maps each action to a zero value of its payload type.
var Catalogue = events.Catalogue{
	EvCreated: SurveyEvent{}, EvUpdated: SurveyEvent{}, EvInvited: InviteEvent{}, EvReminded: InviteEvent{},
	EvResponse: ResponseEvent{}, EvCaseFeedback: CaseFeedbackEvent{},
}

func init() { events.Register("surveys", []string{"survey."}, Catalogue) }
