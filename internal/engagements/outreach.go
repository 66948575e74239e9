package engagements

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

// ---- CSV import of projects ----

// MaxCSV is the largest projects file accepted.
const MaxCSV = 4 << 20

// ProjectImportResult summarises a projects import.
type ProjectImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// csvColumns maps accepted header names to ProjectInput fields.
var csvColumns = map[string]string{
	"name": "name", "project": "name", "repo_url": "repo_url", "repo": "repo_url", "url": "repo_url", "repository": "repo_url",
	"ecosystem": "ecosystem", "criticality": "criticality", "criticality_source": "criticality", "contacts": "contacts",
	"maintainers": "contacts", "notes": "notes",
}

// ImportProjects reads a CSV file with a header row (name, repo_url, ecosystem,
// criticality, contacts, notes; name is required) and adds its projects, updating
// those whose name exists. All or nothing: a bad row is a field error naming its line.
func (s *Service) ImportProjects(ctx context.Context, actor authz.Actor, r io.Reader) (*ProjectImportResult, error) {
	if err := authz.Can(actor, authz.ManageEngagements, nil); err != nil {
		return nil, err
	}
	cr := csv.NewReader(io.LimitReader(r, MaxCSV+1))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, validate.Field("file", "the file is empty (want a header row: name,repo_url,ecosystem,…)")
	}
	if err != nil {
		return nil, validate.Field("file", "line 1: %v", err)
	}
	cols := make([]string, len(header))
	hasName := false
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		cols[i] = csvColumns[k]
		hasName = hasName || cols[i] == "name"
	}
	if !hasName {
		return nil, validate.Field("file", "the header row has no name column (want name,repo_url,ecosystem,criticality,contacts,notes)")
	}
	var rows []ProjectInput
	var e validate.Errors
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, validate.Field("file", "%v", err)
		}
		var in ProjectInput
		for i, v := range rec {
			if i >= len(cols) {
				break
			}
			switch cols[i] {
			case "name":
				in.Name = v
			case "repo_url":
				in.RepoURL = v
			case "ecosystem":
				in.Ecosystem = v
			case "criticality":
				in.Criticality = v
			case "contacts":
				in.Contacts = v
			case "notes":
				in.Notes = v
			}
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		in.check(&e, fmt.Sprintf("line %d: ", line))
		if prev, ok := seen[in.Name]; ok && in.Name != "" {
			e.Add(fmt.Sprintf("line %d: name", line), "%q is also on line %d", in.Name, prev)
		}
		seen[in.Name] = line
		rows = append(rows, in)
		if len(e) > 50 {
			break
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, validate.Field("file", "the file has a header but no projects")
	}
	res := &ProjectImportResult{}
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		*res = ProjectImportResult{}
		for _, in := range rows {
			_, created, err := s.upsertProject(ctx, q, actor, in, true, "csv")
			if err != nil {
				return err
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		return nil
	})
	return res, err
}

// ---- outreach channels and campaigns ----

// ChannelInput creates an outreach channel.
type ChannelInput struct {
	Name  string `json:"name" maxLength:"200"`
	Kind  string `json:"kind" enum:"mailing_list,conference,webinar,podcast,blog,foundation,other"`
	URL   string `json:"url,omitempty" maxLength:"500"`
	Notes string `json:"notes,omitempty" maxLength:"5000"`
}

func checkURL(e *validate.Errors, field, v string) string {
	v = e.Text(field, v, false, 500)
	if v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			e.Add(field, "%q is not a web address (want https://host/path)", v)
		}
	}
	return v
}

// CreateChannel adds an outreach channel (programme manager, admins).
func (s *Service) CreateChannel(ctx context.Context, actor authz.Actor, in ChannelInput) (*Channel, error) {
	if err := authz.Can(actor, authz.ManageEngagements, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Name = e.Text("name", in.Name, true, 200)
	e.OneOf("kind", in.Kind, ChannelKinds...)
	in.URL = checkURL(&e, "url", in.URL)
	in.Notes = e.Text("notes", in.Notes, false, 5000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	c := &Channel{Name: in.Name, Kind: in.Kind, URL: in.URL, Notes: in.Notes, CreatedAt: s.Clock.Now().UTC()}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM outreach_channels WHERE name = ?", in.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return validate.Field("name", "there is already a channel named %q", in.Name)
		}
		if err := q.QueryRow(ctx, "INSERT INTO outreach_channels (name, kind, url, notes, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			in.Name, in.Kind, in.URL, in.Notes, c.CreatedAt).Scan(&c.ID); err != nil {
			return err
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvChannelCreated, Subject: events.Ref{Type: "outreach_channel", ID: fmt.Sprint(c.ID)},
			After: ChannelEvent{Name: c.Name, Kind: c.Kind}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Channels lists the outreach channels.
func (s *Service) Channels(ctx context.Context, actor authz.Actor) ([]Channel, error) {
	if err := authz.Can(actor, authz.ViewEngagements, nil); err != nil {
		return nil, err
	}
	f := authz.Scope(actor, authz.KindProject)
	rows, err := s.DB.Read().Query(ctx, "SELECT id, name, kind, url, notes, created_at FROM outreach_channels WHERE 1 = 1"+f.Where()+" ORDER BY name", f.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		var c Channel
		if err := rows.Scan(&c.ID, &c.Name, &c.Kind, &c.URL, &c.Notes, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// CampaignInput creates a campaign or (every field optional) updates its results.
type CampaignInput struct {
	Name             string `json:"name,omitempty" maxLength:"200"`
	ChannelID        int64  `json:"channel_id,omitempty"`
	StartsOn         string `json:"starts_on,omitempty" doc:"YYYY-MM-DD"`
	EndsOn           string `json:"ends_on,omitempty" doc:"YYYY-MM-DD"`
	Audience         string `json:"audience,omitempty" maxLength:"1000"`
	Materials        string `json:"materials,omitempty" maxLength:"5000" doc:"Slides, posts, links."`
	ContactsReached  *int   `json:"contacts_reached,omitempty"`
	RequestsReceived *int   `json:"requests_received,omitempty"`
	Results          string `json:"results,omitempty" maxLength:"5000"`
}

func (in *CampaignInput) check(e *validate.Errors, create bool) {
	in.Name = e.Text("name", in.Name, create, 200)
	for _, f := range []struct {
		name string
		v    *string
		req  bool
	}{{"starts_on", &in.StartsOn, create}, {"ends_on", &in.EndsOn, false}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" {
			if f.req {
				e.Add(f.name, "is required (YYYY-MM-DD)")
			}
			continue
		}
		if !dateOK(*f.v) {
			e.Add(f.name, "%q is not a date (want YYYY-MM-DD)", *f.v)
		}
	}
	if in.EndsOn != "" && in.StartsOn != "" && in.EndsOn < in.StartsOn {
		e.Add("ends_on", "%s is before the start %s", in.EndsOn, in.StartsOn)
	}
	in.Audience = e.Text("audience", in.Audience, false, 1000)
	in.Materials = e.Text("materials", in.Materials, false, 5000)
	in.Results = e.Text("results", in.Results, false, 5000)
	for name, v := range map[string]*int{"contacts_reached": in.ContactsReached, "requests_received": in.RequestsReceived} {
		if v != nil && (*v < 0 || *v > 10_000_000) {
			e.Add(name, "%d is not a count (want 0 or more)", *v)
		}
	}
}

func dateOK(s string) bool {
	_, err := parseDate(s)
	return err == nil
}

// CreateCampaign adds a campaign (programme manager, admins).
func (s *Service) CreateCampaign(ctx context.Context, actor authz.Actor, in CampaignInput) (*Campaign, error) {
	if err := authz.Can(actor, authz.ManageEngagements, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.check(&e, true)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		if err := checkChannel(ctx, q, in.ChannelID); err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := q.QueryRow(ctx, `INSERT INTO outreach_campaigns (name, channel_id, starts_on, ends_on, audience, materials, contacts_reached, requests_received, results, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, nullID(in.ChannelID), in.StartsOn, in.EndsOn, in.Audience, in.Materials,
			deref(in.ContactsReached), deref(in.RequestsReceived), in.Results, now, now).Scan(&id); err != nil {
			return err
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvCampaignCreated, Subject: events.Ref{Type: "outreach_campaign", ID: fmt.Sprint(id)},
			After: CampaignEvent{Name: in.Name, ChannelID: in.ChannelID, StartsOn: in.StartsOn, ContactsReached: deref(in.ContactsReached), RequestsReceived: deref(in.RequestsReceived)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.campaign(ctx, s.DB.Read(), id)
}

// UpdateCampaign changes a campaign's fields that are given (dates, results, counts).
func (s *Service) UpdateCampaign(ctx context.Context, actor authz.Actor, id int64, in CampaignInput) (*Campaign, error) {
	if err := authz.Can(actor, authz.ManageEngagements, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.check(&e, false)
	if err := e.Err(); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		c, err := s.campaign(ctx, q, id)
		if err != nil {
			return err
		}
		if in.Name != "" {
			c.Name = in.Name
		}
		if in.ChannelID != 0 {
			if err := checkChannel(ctx, q, in.ChannelID); err != nil {
				return err
			}
			c.ChannelID = in.ChannelID
		}
		for _, f := range []struct{ in, out *string }{{&in.StartsOn, &c.StartsOn}, {&in.EndsOn, &c.EndsOn}, {&in.Audience, &c.Audience},
			{&in.Materials, &c.Materials}, {&in.Results, &c.Results}} {
			if *f.in != "" {
				*f.out = *f.in
			}
		}
		if c.EndsOn != "" && c.EndsOn < c.StartsOn {
			return validate.Field("ends_on", "%s is before the start %s", c.EndsOn, c.StartsOn)
		}
		if in.ContactsReached != nil {
			c.ContactsReached = *in.ContactsReached
		}
		if in.RequestsReceived != nil {
			c.RequestsReceived = *in.RequestsReceived
		}
		if _, err := q.Exec(ctx, `UPDATE outreach_campaigns SET name = ?, channel_id = ?, starts_on = ?, ends_on = ?, audience = ?, materials = ?, contacts_reached = ?,
			requests_received = ?, results = ?, updated_at = ? WHERE id = ?`, c.Name, nullID(c.ChannelID), c.StartsOn, c.EndsOn, c.Audience, c.Materials,
			c.ContactsReached, c.RequestsReceived, c.Results, s.Clock.Now(), id); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvCampaignUpdated, Subject: events.Ref{Type: "outreach_campaign", ID: fmt.Sprint(id)},
			After: CampaignEvent{Name: c.Name, ChannelID: c.ChannelID, StartsOn: c.StartsOn, ContactsReached: c.ContactsReached, RequestsReceived: c.RequestsReceived}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.campaign(ctx, s.DB.Read(), id)
}

func checkChannel(ctx context.Context, q db.Querier, id int64) error {
	if id == 0 {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM outreach_channels WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return validate.Field("channel_id", "there is no channel %d", id)
	}
	return nil
}

const campaignColumns = `c.id, c.name, COALESCE(c.channel_id, 0), COALESCE(ch.name, ''), c.starts_on, c.ends_on, c.audience, c.materials, c.contacts_reached,
	c.requests_received, c.results, c.created_at, c.updated_at`

func scanCampaign(s interface{ Scan(...any) error }) (*Campaign, error) {
	var c Campaign
	if err := s.Scan(&c.ID, &c.Name, &c.ChannelID, &c.Channel, &c.StartsOn, &c.EndsOn, &c.Audience, &c.Materials, &c.ContactsReached,
		&c.RequestsReceived, &c.Results, &c.CreatedAt, &c.UpdatedAt); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func (s *Service) campaign(ctx context.Context, q db.Querier, id int64) (*Campaign, error) {
	return scanCampaign(q.QueryRow(ctx, "SELECT "+campaignColumns+" FROM outreach_campaigns c LEFT JOIN outreach_channels ch ON ch.id = c.channel_id WHERE c.id = ?", id))
}

// Campaigns lists the campaigns, newest start first.
func (s *Service) Campaigns(ctx context.Context, actor authz.Actor) ([]Campaign, error) {
	if err := authz.Can(actor, authz.ViewEngagements, nil); err != nil {
		return nil, err
	}
	f := authz.Scope(actor, authz.KindProject)
	rows, err := s.DB.Read().Query(ctx, "SELECT "+campaignColumns+" FROM outreach_campaigns c LEFT JOIN outreach_channels ch ON ch.id = c.channel_id WHERE 1 = 1"+
		f.Where()+" ORDER BY c.starts_on DESC, c.id DESC", f.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// ---- the welcome email ----

// WelcomeInput sends the welcome/invitation email to a project.
type WelcomeInput struct {
	To      string `json:"to,omitempty" doc:"The address; default the first address in the project's contacts."`
	Message string `json:"message,omitempty" maxLength:"5000" doc:"A personal paragraph for the template's {{.Message}}."`
}

// WelcomeResult says where the message went.
type WelcomeResult struct {
	To       string `json:"to"`
	Subject  string `json:"subject"`
	OutboxID int64  `json:"outbox_id"`
}

// SendWelcome renders the editable engagement_welcome template and queues it in the
// outbox (sent by its job), with an event, in one transaction.
func (s *Service) SendWelcome(ctx context.Context, actor authz.Actor, id int64, in WelcomeInput) (*WelcomeResult, error) {
	var e validate.Errors
	in.To = e.Email("to", in.To, false)
	in.Message = e.Text("message", in.Message, false, 5000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var res *WelcomeResult
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		eng, err := s.load(ctx, q, actor, authz.WorkEngagement, id)
		if err != nil {
			return err
		}
		if eng.Status == Closed || eng.Status == Declined {
			return ruleErr("engagement.welcome", "the engagement is %s", eng.Status)
		}
		p, err := getProject(ctx, q, eng.ProjectID)
		if err != nil {
			return err
		}
		to := in.To
		if to == "" {
			to = firstEmail(p.Contacts)
		}
		if to == "" {
			return validate.Field("to", "give an address: the project's contacts have none")
		}
		buddy, err := account.UserByIDTx(ctx, q, eng.BuddyID)
		if err != nil {
			return err
		}
		name := buddy.Name
		if name == "" {
			name = buddy.Email
		}
		base := strings.TrimRight(s.cfg.BaseURL, "/")
		subj, body, err := s.Templates.RenderTx(ctx, q, templates.EngagementWelcome, map[string]any{"Team": s.cfg.Team, "Project": p.Name, "Buddy": name,
			"BuddyEmail": buddy.Email, "ServicesURL": base + "/services", "HelpURL": base + "/help", "Message": in.Message})
		if err != nil {
			return validate.Field("template", "the engagement_welcome template does not render: %v", err)
		}
		oid, err := s.Outbox.Queue(ctx, q, notify.Message{To: to, Subject: subj, Body: body, ReplyTo: buddy.Email, Purpose: outboxPurposeWl})
		if err != nil {
			return err
		}
		res = &WelcomeResult{To: to, Subject: subj, OutboxID: oid}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvWelcome, Subject: ref(id), After: WelcomeEvent{To: to, OutboxID: oid}})
		return err
	})
	return res, err
}

// firstEmail finds the first address in free text.
func firstEmail(s string) string {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == ' ' || r == '<' || r == '>' }) {
		var e validate.Errors
		if v := e.Email("x", strings.TrimPrefix(f, "mailto:"), false); v != "" && len(e) == 0 {
			return v
		}
	}
	return ""
}

// ---- the services sheet ----

// ServicesSheet is the one-page services sheet's content.
type ServicesSheet struct {
	Team     string
	Markdown string // the public services text
	Contacts []string
}

// SheetMarkdown is the sheet as Markdown: the services text and how to reach the team.
func (sh ServicesSheet) SheetMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: what we do\n\n%s\n\n## How to reach us\n\n", sh.Team, strings.TrimSpace(sh.Markdown))
	for _, c := range sh.Contacts {
		fmt.Fprintf(&b, "- %s\n", c)
	}
	return b.String()
}

// PDF renders the sheet on one A4 page (the text is shrunk until it fits).
func (sh ServicesSheet) PDF(base string) ([]byte, error) {
	src := sh.SheetMarkdown()
	var out []byte
	for size := 11.0; size >= 6; size-- {
		b, err := markdownPDF(src, base, size)
		if err != nil {
			return nil, err
		}
		out = b
		if pages(b) <= 1 {
			break
		}
	}
	return out, nil
}

// pages counts the pages of a PDF fpdf wrote.
func pages(b []byte) int {
	return strings.Count(string(b), "/Type /Page\n") + strings.Count(string(b), "/Type /Page ")
}

func parseDate(s string) (string, error) {
	d, err := calendar.ParseDate(s)
	if err != nil || d.String() != s {
		return "", fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	return s, nil
}
