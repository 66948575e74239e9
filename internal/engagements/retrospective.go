package engagements

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// MaxRetrospective is the longest retrospective text accepted.
const MaxRetrospective = 100_000

// Retrospective is an engagement's retrospective: the saved text, or the draft
// generated from the engagement's records when none was saved.
type Retrospective struct {
	EngagementID int64  `json:"engagement_id"`
	Markdown     string `json:"markdown"`
	Draft        bool   `json:"draft" doc:"true while the text is the generated draft (nobody saved an edited one)."`
}

// Retrospective returns the engagement's retrospective.
func (s *Service) Retrospective(ctx context.Context, actor authz.Actor, id int64) (*Retrospective, error) {
	q := s.DB.Read()
	e, err := s.load(ctx, q, actor, authz.ReadEngagement, id)
	if err != nil {
		return nil, err
	}
	if e.retrospective != "" {
		return &Retrospective{EngagementID: id, Markdown: e.retrospective}, nil
	}
	md, err := s.draft(ctx, q, actor, e)
	if err != nil {
		return nil, err
	}
	return &Retrospective{EngagementID: id, Markdown: md, Draft: true}, nil
}

// SaveRetrospective stores an edited retrospective; an empty text goes back to the
// generated draft.
func (s *Service) SaveRetrospective(ctx context.Context, actor authz.Actor, id int64, markdown string) (*Retrospective, error) {
	markdown = strings.ReplaceAll(markdown, "\x00", "")
	if len(markdown) > MaxRetrospective {
		return nil, validate.Field("markdown", "is %d bytes long; the limit is %d", len(markdown), MaxRetrospective)
	}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		if _, err := s.load(ctx, q, actor, authz.WorkEngagement, id); err != nil {
			return err
		}
		var at any
		if strings.TrimSpace(markdown) != "" {
			at = s.Clock.Now()
		} else {
			markdown = ""
		}
		if _, err := q.Exec(ctx, "UPDATE engagements SET retrospective = ?, retro_edited_at = ?, updated_at = ? WHERE id = ?", markdown, at, s.Clock.Now(), id); err != nil {
			return err
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvRetrospective, Subject: ref(id),
			After: RetrospectiveEvent{Characters: len([]rune(markdown)), Draft: markdown == ""}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Retrospective(ctx, actor, id)
}

var stageWords = map[Status]string{Proposed: "proposed", Contacting: "contacting the maintainers", Active: "active (spot-checks)",
	WindingDown: "winding down", Closed: "closed", Declined: "declined by the maintainers", Unresponsive: "unresponsive"}

// draft writes the retrospective from the engagement's records: its timeline (from the
// event log), hours against the plan, spot-checks, contact attempts and outcome, with
// headings for what helped and what did not for the buddy to fill in.
func (s *Service) draft(ctx context.Context, q db.Querier, actor authz.Actor, e *Engagement) (string, error) {
	if err := s.fill(ctx, q, e); err != nil {
		return "", err
	}
	evs, err := s.Events.List(ctx, q, actor, events.Query{Subject: &events.Ref{Type: "engagement", ID: fmt.Sprint(e.ID)}, Limit: 1000})
	if err != nil {
		return "", err
	}
	checks, err := s.spotChecks(ctx, q, e.ID, e.Status)
	if err != nil {
		return "", err
	}
	cs, err := contacts(ctx, q, e.ID)
	if err != nil {
		return "", err
	}
	hl, err := hourLogs(ctx, q, e.ID)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Retrospective: %s\n\n", e.Project)
	fmt.Fprintf(&b, "- Buddy: %s", e.Buddy)
	if e.Backup != "" {
		fmt.Fprintf(&b, " (backup: %s)", e.Backup)
	}
	fmt.Fprintf(&b, "\n- Origin: %s", strings.ReplaceAll(e.Origin, "_", " "))
	if e.OriginRef != "" {
		fmt.Fprintf(&b, " (%s)", e.OriginRef)
	}
	fmt.Fprintf(&b, "\n- Status: %s\n", stageWords[e.Status])
	if e.Start != "" {
		fmt.Fprintf(&b, "- Active period: %s to %s\n", e.Start, e.End)
	}
	if e.Goals != "" {
		fmt.Fprintf(&b, "\n## Goals\n\n%s\n", e.Goals)
	}

	b.WriteString("\n## Timeline\n\n")
	for _, ev := range evs {
		if line := timelineLine(ev); line != "" {
			fmt.Fprintf(&b, "- %s — %s (%s)\n", ev.At.Format("2006-01-02"), line, ev.Actor)
		}
	}

	h := e.Hours
	b.WriteString("\n## Hours\n\n| | Planned | Logged |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| High-visibility engagement | %s | %s |\n", num(h.PlannedEngagement), num(h.Engagement))
	fmt.Fprintf(&b, "| Spot-checks (%d of %d done) | %s | %s |\n", h.SpotChecksDone, h.SpotChecksScheduled, num(h.PlannedSpotChecks), num(h.SpotChecks))
	fmt.Fprintf(&b, "| **Total** | **%s** | **%s** |\n", num(h.PlannedTotal), num(h.Total))
	if len(hl) > 0 {
		b.WriteString("\nEngagement hours:\n\n")
		for _, x := range hl {
			fmt.Fprintf(&b, "- %s: %s h %s\n", x.Date, num(x.Hours), x.Note)
		}
	}

	b.WriteString("\n## Spot-checks\n\n")
	any := false
	for _, c := range checks {
		switch {
		case c.Date != "":
			any = true
			fmt.Fprintf(&b, "- %s", c.Date)
			if c.Due != "" {
				fmt.Fprintf(&b, " (check %d, due %s)", c.Seq, c.Due)
			} else {
				b.WriteString(" (extra)")
			}
			fmt.Fprintf(&b, ": %s h — %s", num(c.Hours), oneLine(c.Notes))
			if c.Risks != "" {
				fmt.Fprintf(&b, " Risks: %s", oneLine(c.Risks))
			}
			if c.Actions != "" {
				fmt.Fprintf(&b, " Actions: %s", oneLine(c.Actions))
			}
			b.WriteString("\n")
		case c.Overdue || (c.State == "cancelled" && c.Due < e.closedDay()):
			any = true
			fmt.Fprintf(&b, "- check %d due %s: not done\n", c.Seq, c.Due)
		}
	}
	if !any {
		b.WriteString("None recorded.\n")
	}

	if len(cs) > 0 {
		b.WriteString("\n## Contact attempts\n\n")
		for _, c := range cs {
			fmt.Fprintf(&b, "- %s", c.Date)
			if c.Channel != "" {
				fmt.Fprintf(&b, " via %s", c.Channel)
			}
			fmt.Fprintf(&b, ": %s", strings.ReplaceAll(c.Outcome, "_", " "))
			if c.Notes != "" {
				fmt.Fprintf(&b, " — %s", oneLine(c.Notes))
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("\n## Outcomes\n\n")
	if e.Outcome != "" {
		b.WriteString(e.Outcome + "\n")
	} else {
		b.WriteString("_What changed for the project: fixes, practices adopted, reports handled._\n")
	}
	b.WriteString("\n## What helped\n\n_To be written by the buddy._\n\n## What did not\n\n_To be written by the buddy._\n")
	return b.String(), nil
}

func timelineLine(ev events.Event) string {
	switch ev.Action {
	case EvCreated:
		var p CreatedEvent
		_ = json.Unmarshal(ev.After, &p)
		return fmt.Sprintf("engagement proposed (origin: %s)", strings.ReplaceAll(p.Origin, "_", " "))
	case EvStage:
		var p StageEvent
		_ = json.Unmarshal(ev.After, &p)
		line := "now " + stageWords[p.To]
		if p.Start != "" {
			line += fmt.Sprintf(", spot-checks from %s to %s", p.Start, p.End)
		}
		if p.Reason != "" {
			line += ": " + oneLine(p.Reason)
		}
		return line
	case EvContact:
		var p ContactEvent
		_ = json.Unmarshal(ev.After, &p)
		return fmt.Sprintf("contact attempt on %s: %s", p.Date, strings.ReplaceAll(p.Outcome, "_", " "))
	case EvSpotCheck:
		var p SpotCheckEvent
		_ = json.Unmarshal(ev.After, &p)
		return fmt.Sprintf("spot-check on %s, %s h", p.Date, num(p.Hours))
	case EvSpotCheckOverdue:
		var p ReminderEvent
		_ = json.Unmarshal(ev.After, &p)
		return fmt.Sprintf("spot-check due %s overdue", p.Due)
	case EvHours:
		var p HoursEvent
		_ = json.Unmarshal(ev.After, &p)
		return fmt.Sprintf("%s h of engagement logged for %s", num(p.Hours), p.Date)
	case EvWelcome:
		return "welcome email sent"
	}
	return ""
}

func num(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-" {
		return "0"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	md        = goldmark.New(goldmark.WithExtensions(extension.GFM))
	sanitizer = bluemonday.UGCPolicy()
)

// HTMLOf renders Markdown to sanitized HTML.
func HTMLOf(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src)) //nolint:gosec // escaped
	}
	return template.HTML(sanitizer.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized
}

// HTMLDocument wraps rendered Markdown in a standalone page (the HTML export).
func HTMLDocument(title, markdown string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n%s</body></html>\n",
		template.HTMLEscapeString(title), HTMLOf(markdown))
	return b.Bytes()
}

// Export renders the retrospective as md, html or pdf; it returns the bytes and the
// content type.
func (s *Service) Export(ctx context.Context, actor authz.Actor, id int64, format string) ([]byte, string, error) {
	r, err := s.Retrospective(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	return render(format, "Retrospective", r.Markdown, s.cfg.BaseURL)
}

func render(format, title, markdown, base string) ([]byte, string, error) {
	switch format {
	case "", "md":
		return []byte(markdown), "text/markdown; charset=utf-8", nil
	case "html":
		return HTMLDocument(title, markdown), "text/html; charset=utf-8", nil
	case "pdf":
		b, err := MarkdownPDF(markdown, base)
		return b, "application/pdf", err
	}
	return nil, "", validate.Field("format", "%q is not one of md, html, pdf", format)
}

// YearReport aggregates the engagements that ran in year into the year-one
// retrospective: counts by status, hours against the plan, and each engagement's
// outcome.
func (s *Service) YearReport(ctx context.Context, actor authz.Actor, year int, format string) ([]byte, string, error) {
	if err := authz.Can(actor, authz.ViewEngagements, nil); err != nil {
		return nil, "", err
	}
	if year < 2000 || year > 2200 {
		return nil, "", validate.Field("year", "give a year between 2000 and 2200")
	}
	all, err := s.List(ctx, actor, Query{})
	if err != nil {
		return nil, "", err
	}
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
	var in []Engagement
	for _, e := range all {
		started := e.Start != "" && e.Start <= to && (e.End == "" || e.End >= from)
		created := e.CreatedAt.Year() == year
		if started || created {
			in = append(in, e)
		}
	}
	counts := map[Status]int{}
	var tot EngagementHours
	for _, e := range in {
		counts[e.Status]++
		tot.Engagement += e.Hours.Engagement
		tot.SpotChecks += e.Hours.SpotChecks
		tot.PlannedEngagement += e.Hours.PlannedEngagement
		tot.PlannedSpotChecks += e.Hours.PlannedSpotChecks
		tot.SpotChecksDone += e.Hours.SpotChecksDone
		tot.SpotChecksScheduled += e.Hours.SpotChecksScheduled
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Security-buddy engagements: retrospective %d\n\n", year)
	fmt.Fprintf(&b, "%d engagements.\n\n| Status | Engagements |\n|---|---:|\n", len(in))
	for _, st := range Statuses {
		if counts[st] > 0 {
			fmt.Fprintf(&b, "| %s | %d |\n", stageWords[st], counts[st])
		}
	}
	b.WriteString("\n## Hours\n\n| | Planned | Logged |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| High-visibility engagement | %s | %s |\n", num(tot.PlannedEngagement), num(tot.Engagement))
	fmt.Fprintf(&b, "| Spot-checks (%d of %d done) | %s | %s |\n", tot.SpotChecksDone, tot.SpotChecksScheduled, num(tot.PlannedSpotChecks), num(tot.SpotChecks))
	fmt.Fprintf(&b, "| **Total** | **%s** | **%s** |\n", num(tot.PlannedEngagement+tot.PlannedSpotChecks), num(tot.Engagement+tot.SpotChecks))
	b.WriteString("\n## Engagements\n\n")
	for _, e := range in {
		fmt.Fprintf(&b, "### %s\n\n- Buddy: %s; %s", e.Project, e.Buddy, stageWords[e.Status])
		if e.Start != "" {
			fmt.Fprintf(&b, "; active %s to %s", e.Start, e.End)
		}
		fmt.Fprintf(&b, "\n- Hours: %s logged of %s planned\n", num(e.Hours.Total), num(e.Hours.PlannedTotal))
		if e.Outcome != "" {
			fmt.Fprintf(&b, "- Outcome: %s\n", oneLine(e.Outcome))
		}
		if helped := section(e.retrospective, "What helped"); helped != "" {
			fmt.Fprintf(&b, "- What helped: %s\n", oneLine(helped))
		}
		if not := section(e.retrospective, "What did not"); not != "" {
			fmt.Fprintf(&b, "- What did not: %s\n", oneLine(not))
		}
		b.WriteString("\n")
	}
	return render(format, fmt.Sprintf("Engagements %d", year), b.String(), s.cfg.BaseURL)
}

// section returns the text under a "## title" heading of a saved retrospective.
func section(md, title string) string {
	lines := strings.Split(md, "\n")
	var out []string
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, "## ") {
			in = strings.EqualFold(strings.TrimSpace(l[3:]), title)
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	t := strings.TrimSpace(strings.Join(out, "\n"))
	if strings.HasPrefix(t, "_To be written") {
		return ""
	}
	return t
}
