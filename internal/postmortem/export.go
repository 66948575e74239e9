package postmortem

import (
	"context"
	"fmt"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/engagements"
	"github.com/oss-sirt/sirt/internal/validate"
)

// summaryLimit keeps each section of the executive summary to about a paragraph, so the
// summary stays one page.
const summaryLimit = 900

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len([]rune(s)) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexAny(string(r), " \n"); i > n/2 {
		return string(r)[:i] + " …"
	}
	return string(r) + "…"
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "/"), "\n", " ") }

// SummaryMarkdown is the one-page executive summary for stakeholders.
func (s *Service) SummaryMarkdown(ctx context.Context, actor authz.Actor, id int64) (string, *Postmortem, error) {
	p, err := s.Get(ctx, actor, id)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Post-mortem: %s\n\n", p.Title)
	subject := fmt.Sprintf("Engagement %d", p.EngagementID)
	if p.Case != "" {
		subject = "Case " + p.Case
	}
	fmt.Fprintf(&b, "%s · %s · %s", subject, strings.ReplaceAll(string(p.Kind), "_", " "), strings.ReplaceAll(string(p.State), "_", " "))
	if p.PublishedAt != nil {
		fmt.Fprintf(&b, " %s", p.PublishedAt.Format("2006-01-02"))
	}
	if n := len(p.Timeline); n > 0 {
		fmt.Fprintf(&b, " · %d events from %s to %s", n, p.Timeline[0].At[:10], p.Timeline[n-1].At[:10])
	}
	b.WriteString("\n\n")
	if p.Kind == KindExercise {
		b.WriteString("This was a tabletop exercise: nothing was mailed outside the team or published.\n\n")
	}
	for _, sec := range []struct{ key, title string }{{"summary", "Summary"}, {"impact", "Impact"}, {"lessons", "Lessons"}} {
		text := clip(p.Section(sec.key), summaryLimit)
		if text == "" {
			text = "_Not written yet._"
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", sec.title, text)
	}
	if len(p.Actions) > 0 {
		b.WriteString("## Action items\n\n| Action | Kind | Owner | Due | Status |\n|---|---|---|---|---|\n")
		for i, a := range p.Actions {
			if i == 8 {
				fmt.Fprintf(&b, "| … and %d more | | | | |\n", len(p.Actions)-8)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(a.Title), a.Kind, cell(a.Owner), a.Due, a.Status)
		}
		b.WriteString("\n")
	}
	if p.Feedback != nil {
		fmt.Fprintf(&b, "## Participant feedback (%d responses)\n\n%s\n\n", p.Feedback.Responses, clip(p.Feedback.Markdown, summaryLimit))
	}
	fmt.Fprintf(&b, "Full post-mortem: [%s/postmortems/%d](/postmortems/%d)\n", s.cfg.BaseURL, p.ID, p.ID)
	return b.String(), p, nil
}

// Summary renders the executive summary as md, html or pdf: the bytes and content type.
func (s *Service) Summary(ctx context.Context, actor authz.Actor, id int64, format string) ([]byte, string, error) {
	md, p, err := s.SummaryMarkdown(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	if format != "" && format != "md" && format != "html" && format != "pdf" {
		return nil, "", validate.Field("format", "%q is not one of md, html, pdf", format)
	}
	return render(format, "Post-mortem: "+p.Title, md, s.cfg.BaseURL)
}

func render(format, title, md, base string) ([]byte, string, error) {
	switch format {
	case "html":
		return engagements.HTMLDocument(title, md), "text/html; charset=utf-8", nil
	case "pdf":
		b, err := engagements.MarkdownPDF(md, base)
		return b, "application/pdf", err
	}
	return []byte(md), "text/markdown; charset=utf-8", nil
}

// Lessons is the "lessons for other working groups" export: the lessons, contributing
// factors and prevent/process action items of every published post-mortem the actor may
// see, as Markdown.
func (s *Service) Lessons(ctx context.Context, actor authz.Actor) (string, error) {
	ps, err := s.List(ctx, actor)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Lessons for other working groups\n\nFrom the published post-mortems of %s.\n\n", s.cfg.Team)
	n := 0
	for _, p := range ps {
		if p.State != Published {
			continue
		}
		n++
		full, err := s.Get(ctx, actor, p.ID)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "## %s\n\n", full.Title)
		if full.PublishedAt != nil {
			fmt.Fprintf(&b, "Published %s", full.PublishedAt.Format("2006-01-02"))
			if full.Kind == KindExercise {
				b.WriteString(" (a tabletop exercise)")
			}
			b.WriteString(".\n\n")
		}
		if t := strings.TrimSpace(full.Lessons); t != "" {
			fmt.Fprintf(&b, "### Lessons\n\n%s\n\n", t)
		}
		if t := strings.TrimSpace(full.ContributingFactors); t != "" {
			fmt.Fprintf(&b, "### Contributing factors\n\n%s\n\n", t)
		}
		var items []string
		for _, a := range full.Actions {
			if a.Kind != "mitigate" && a.Status != "dropped" {
				items = append(items, fmt.Sprintf("- %s (%s, %s)", a.Title, a.Kind, a.Status))
			}
		}
		if len(items) > 0 {
			fmt.Fprintf(&b, "### What we are changing\n\n%s\n\n", strings.Join(items, "\n"))
		}
	}
	if n == 0 {
		b.WriteString("No post-mortem is published yet.\n")
	}
	return b.String(), nil
}
