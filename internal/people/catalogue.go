package people

import "github.com/oss-sirt/sirt/internal/events"

// Catalogue is the people area's typed event catalogue: each action with its payload
// type (events.CheckCatalogue holds every appended event to it in tests).
var Catalogue = events.Catalogue{
	ActionProfileUpdated:    ProfileEvent{},
	ActionProfileAlumni:     ProfileEvent{},
	ActionScheduleCreated:   ScheduleEvent{},
	ActionOverrideAdded:     OverrideEvent{},
	ActionCandidateApplied:  CandidateEvent{},
	ActionCandidateMoved:    CandidateEvent{},
	ActionCandidateInvited:  CandidateEvent{},
	ActionCandidateNote:     NoteEvent{},
	ActionAgreementVersion:  AgreementEvent{},
	ActionAgreementAccepted: AgreementEvent{},
	ActionCohortCreated:     CohortEvent{},
	ActionOpeningCreated:    OpeningEvent{},
	ActionOpeningClosed:     OpeningEvent{},
}

func init() {
	events.Register("people", []string{"people.", "oncall.", "candidate.", "agreement.", "cohort.", "opening."}, Catalogue)
}
