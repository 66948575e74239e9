package knowledge

import "github.com/oss-sirt/sirt/internal/events"

// Catalogue is the knowledge area's typed event catalogue: each action with its payload
// type (events.CheckCatalogue holds every appended event to it in tests).
var Catalogue = events.Catalogue{
	ActionDocCreated:       DocEvent{},
	ActionDocUpdated:       DocEvent{},
	ActionPlaybookApplied:  PlaybookEvent{},
	ActionFeedbackAdded:    FeedbackEvent{},
	ActionFeedbackTriaged:  FeedbackEvent{},
	ActionCourseCreated:    CourseEvent{},
	ActionCourseCompletion: CourseEvent{},
	ActionOnboardingTick:   OnboardingEvent{},
}

func init() {
	events.Register("knowledge", []string{"doc.", "playbook.", "course.", "onboarding."}, Catalogue)
}
