// Package templates holds the team's message templates (acknowledgement, triage
// assessment, missing-elements checklist, embargoed notification, public advisory,
// embargo-break notice) as data: sirt ships its own wording, and admins replace it
// from the settings page. Templates are text/template sources; a key a template uses
// but the data lacks is an error, never a silent blank.
package templates

import (
	"context"
	"sort"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/settings"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Names of the built-in templates.
const (
	Acknowledgement        = "acknowledgement"
	AcknowledgementNoEmail = "acknowledgement_no_contact"
	Assessment             = "triage_assessment"
	Declined               = "triage_declined"
	Missing                = "sirt_ready_missing"
	NeedsReproduction      = "needs_reproduction"
	EmbargoedNotification  = "embargoed_notification"
	PublicAdvisory         = "public_advisory"
	EmbargoBreak           = "embargo_break"
	ReportMessage          = "report_message"
	EngagementWelcome      = "engagement_welcome"
)

// Default is one built-in template with the data keys it may use.
type Default struct {
	Name        string
	Description string
	Keys        []string
	mail.Template
}

var defaults = map[string]Default{
	Acknowledgement: {Name: Acknowledgement, Description: "Sent to the finder when a report arrives (they left an address).",
		Keys: []string{"Team", "TrackingID", "TrackingURL", "Summary", "AckDays", "AssessDays", "AssessBy"},
		Template: mail.Template{Subject: "[{{.Team}}] We received your report {{.TrackingID}}",
			Body: `Hello,

thank you for reporting "{{.Summary}}" to {{.Team}}. It has the tracking id {{.TrackingID}}.

What happens next: a responder on duty reads it and sends you an initial assessment within {{.AssessDays}} business days (by {{.AssessBy}}). Until the issue is fixed and disclosed, please keep it confidential; we treat everything you send as TLP:RED.

You can follow the report and answer us at any time through your private link (keep it to yourself; anyone with it can read the report):
{{.TrackingURL}}

Replying to this email works too.

{{.Team}}`}},
	AcknowledgementNoEmail: {Name: AcknowledgementNoEmail, Description: "Shown on the tracking page when the finder left no address.",
		Keys: []string{"Team", "TrackingID", "AssessDays"},
		Template: mail.Template{Subject: "Report {{.TrackingID}} received",
			Body: `Thank you. Your report has the tracking id {{.TrackingID}}. You left no address, so we cannot write to you: bookmark your private tracking link and check back — our initial assessment comes within {{.AssessDays}} business days, and you can answer our questions there.`}},
	Missing: {Name: Missing, Description: "Asks the finder for the SIRT-ready elements a report lacks.",
		Keys: []string{"Team", "TrackingID", "TrackingURL", "Missing"},
		Template: mail.Template{Subject: "[{{.Team}}] {{.TrackingID}}: what we still need",
			Body: `Hello,

before {{.TrackingID}} can go into coordinated disclosure it needs a few more things. Still missing:
{{range .Missing}}  - {{.}}
{{end}}
Send what you have through your tracking link ({{.TrackingURL}}) or by replying to this email. Partial answers help too.

{{.Team}}`}},
	NeedsReproduction: {Name: NeedsReproduction, Description: "Parks a report until the finder supplies a working reproduction.",
		Keys: []string{"Team", "TrackingID", "TrackingURL", "Until"},
		Template: mail.Template{Subject: "[{{.Team}}] {{.TrackingID}}: we could not reproduce this",
			Body: `Hello,

we tried and could not reproduce {{.TrackingID}} from what the report says. Please send a working reproduction — exact steps, versions and a proof of concept — through your tracking link ({{.TrackingURL}}) or by replying to this email.

If we hear nothing by {{.Until}}, we will close the report. You can reopen it any time by answering.

{{.Team}}`}},
	Assessment: {Name: Assessment, Description: "Initial assessment sent to the finder after triage.",
		Keys: []string{"Team", "TrackingID", "TrackingURL", "Outcome", "Rationale"},
		Template: mail.Template{Subject: "[{{.Team}}] {{.TrackingID}}: initial assessment",
			Body: `Hello,

we have assessed {{.TrackingID}}. Our decision: {{.Outcome}}.

{{.Rationale}}

Follow along and ask questions through your tracking link: {{.TrackingURL}}

{{.Team}}`}},
	Declined: {Name: Declined, Description: "Sent when triage declines a report (also used for bulk decline).",
		Keys: []string{"Team", "TrackingID", "TrackingURL", "Rationale"},
		Template: mail.Template{Subject: "[{{.Team}}] {{.TrackingID}}: we will not coordinate this report",
			Body: `Hello,

thank you for {{.TrackingID}}. After assessing it against our published triage criteria we will not coordinate it.

{{.Rationale}}

If you think we got this wrong, answer through your tracking link ({{.TrackingURL}}) with what we missed. You remain free to contact the project maintainers directly.

{{.Team}}`}},
	ReportMessage: {Name: ReportMessage, Description: "A responder's message to the finder.",
		Keys: []string{"Team", "TrackingID", "TrackingURL", "Body"},
		Template: mail.Template{Subject: "[{{.Team}}] {{.TrackingID}}: a message from the team",
			Body: `{{.Body}}

--
Reply to this email or use your tracking link: {{.TrackingURL}}
{{.Team}}`}},
	EmbargoedNotification: {Name: EmbargoedNotification, Description: "Embargoed notice to downstream parties before public disclosure.",
		Keys: []string{"Team", "CaseID", "Title", "PublicDate", "Summary", "CaseURL"},
		Template: mail.Template{Subject: "[{{.Team}}] EMBARGOED until {{.PublicDate}}: {{.Title}} ({{.CaseID}})",
			Body: `TLP:RED — do not share outside your security team before {{.PublicDate}}.

{{.Summary}}

Details, affected versions and fixes are in the case: {{.CaseURL}}
Please do not publish, commit fixes publicly or discuss this before the public date. Tell us at once if you learn it has become public.

{{.Team}}`}},
	EmbargoBreak: {Name: EmbargoBreak, Description: "Sent to every read-in party when an embargo breaks.",
		Keys: []string{"Team", "CaseID", "Title", "Reason", "NewPublicDate", "CaseURL"},
		Template: mail.Template{Subject: "[{{.Team}}] EMBARGO BROKEN: {{.Title}} ({{.CaseID}})",
			Body: `The embargo on {{.CaseID}} has ended early: {{.Reason}}

We are moving public disclosure to {{.NewPublicDate}}. Please ship fixes and guidance as fast as you safely can, and tell us what you learn about exploitation.

Case: {{.CaseURL}}
{{.Team}}`}},
	EngagementWelcome: {Name: EngagementWelcome, Description: "Welcome/invitation to a project's maintainers from their security buddy (engagements).",
		Keys: []string{"Team", "Project", "Buddy", "BuddyEmail", "ServicesURL", "HelpURL", "Message"},
		Template: mail.Template{Subject: "[{{.Team}}] Security help for {{.Project}}",
			Body: `Hello,

I am {{.Buddy}}, a volunteer with {{.Team}}, a security incident response team for open-source software. We would like to offer {{.Project}} a security buddy: someone who helps you with vulnerability reports, coordinated disclosure and hardening, at no cost and at your pace.

{{.Message}}

What we do, on one page: {{.ServicesURL}}
Ask us for help at any time: {{.HelpURL}}

If you would like to talk, just reply to this email ({{.BuddyEmail}}).

{{.Buddy}}
{{.Team}}`}},
	PublicAdvisory: {Name: PublicAdvisory, Description: "Announcement of a published advisory.",
		Keys: []string{"Team", "AdvisoryID", "Title", "Summary", "URL"},
		Template: mail.Template{Subject: "[{{.Team}}] {{.AdvisoryID}}: {{.Title}}",
			Body: `{{.Summary}}

Full advisory, affected versions and fixes: {{.URL}}

{{.Team}}`}},
}

// Defaults lists the built-in templates by name.
func Defaults() []Default {
	out := make([]Default, 0, len(defaults))
	for _, d := range defaults {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DefaultOf returns sirt's own text of template name.
func DefaultOf(name string) mail.Template { return defaults[name].Template }

// Known reports whether name is a template.
func Known(name string) bool { _, ok := defaults[name]; return ok }

// Store reads templates, preferring the team's edited versions.
type Store struct{ settings *settings.Service }

// New returns a Store.
func New(s *settings.Service) *Store { return &Store{settings: s} }

// Get returns the template name, edited or default.
func (st *Store) Get(ctx context.Context, name string) (mail.Template, error) {
	return st.GetTx(ctx, nil, name)
}

// GetTx is Get inside the caller's transaction q (nil: outside any transaction).
func (st *Store) GetTx(ctx context.Context, q db.Querier, name string) (mail.Template, error) {
	d := defaults[name]
	get := st.settings.Get
	if q != nil {
		get = func(ctx context.Context, key, def string) (string, error) { return st.settings.GetTx(ctx, q, key, def) }
	}
	subj, err := get(ctx, "template."+name+".subject", d.Subject)
	if err != nil {
		return d.Template, err
	}
	body, err := get(ctx, "template."+name+".body", d.Body)
	if err != nil {
		return d.Template, err
	}
	return mail.Template{Subject: subj, Body: body}, nil
}

// Render renders template name with data.
func (st *Store) Render(ctx context.Context, name string, data any) (string, string, error) {
	return st.RenderTx(ctx, nil, name, data)
}

// RenderTx renders template name with data inside the caller's transaction q.
func (st *Store) RenderTx(ctx context.Context, q db.Querier, name string, data any) (string, string, error) {
	t, err := st.GetTx(ctx, q, name)
	if err != nil {
		return "", "", err
	}
	return mail.Render(t, data)
}

// Set saves an edited template (admins), checking that it parses.
func (st *Store) Set(ctx context.Context, actor authz.Actor, name string, t mail.Template) error {
	if err := authz.Can(actor, authz.ManageSettings, nil); err != nil {
		return err
	}
	d, ok := defaults[name]
	if !ok {
		return db.ErrNotFound
	}
	if err := t.Validate(); err != nil {
		return validate.Field("body", "%s", err.Error())
	}
	// Render with every documented key present: a key the template uses that the data
	// will never have is caught now, not when a finder is waiting for the message.
	sample := map[string]any{}
	for _, k := range d.Keys {
		sample[k] = "x"
	}
	sample["Missing"] = []string{"x"}
	if _, _, err := mail.Render(t, sample); err != nil {
		return validate.Field("body", "%s", err.Error())
	}
	if err := st.settings.Set(ctx, actor, "template."+name+".subject", t.Subject); err != nil {
		return err
	}
	return st.settings.Set(ctx, actor, "template."+name+".body", t.Body)
}
