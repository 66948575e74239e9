package plan

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Export formats.
const (
	FormatMarkdown = "md"
	FormatCSV      = "csv"
)

// Export writes the plan status as Markdown (a report for the TAC) or CSV (one row per
// milestone and task), and returns the content type with it.
func (s *Service) Export(ctx context.Context, actor authz.Actor, format string) ([]byte, string, error) {
	if format != FormatMarkdown && format != FormatCSV {
		return nil, "", validate.Field("format", "%q is not an export format (want md or csv)", format)
	}
	o, err := s.Overview(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	if format == FormatCSV {
		b, err := o.CSV()
		return b, "text/csv; charset=utf-8", err
	}
	return o.Markdown(), "text/markdown; charset=utf-8", nil
}

// FormatBounds writes a range as "8–10", "8", "≥8" or "?".
func FormatBounds(b Bounds) string {
	switch {
	case b.Min == nil && b.Max == nil:
		return "?"
	case b.Max == nil:
		return "≥" + num(*b.Min)
	case b.Min == nil:
		return "≤" + num(*b.Max)
	case *b.Min == *b.Max:
		return num(*b.Min)
	}
	return num(*b.Min) + "–" + num(*b.Max)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func numPtr(f *float64) string {
	if f == nil {
		return ""
	}
	return num(*f)
}

// StatusLabel is how people read a status.
func StatusLabel(s Status) string {
	switch s {
	case NotStarted:
		return "not started"
	case InProgress:
		return "in progress"
	}
	return string(s)
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// Markdown is the status report.
func (o *Overview) Markdown() []byte {
	var b bytes.Buffer
	d := o.Dashboard
	fmt.Fprintf(&b, "# Plan status, %s\n\n", d.AsOf)
	t := d.Total
	fmt.Fprintf(&b, "- Milestones done: %d of %d\n- Tasks done: %d of %d\n", t.MilestonesDone, t.Milestones, t.TasksDone, t.Tasks)
	fmt.Fprintf(&b, "- Estimated hours: %s (%d milestones without an estimate); logged: %s\n", FormatBounds(t.EstimatedHours), t.Unestimated, num(t.LoggedHours))
	fmt.Fprintf(&b, "- Volunteers needed for open milestones: %s", FormatBounds(t.VolunteersNeeded))
	if t.PgMNeeded > 0 {
		fmt.Fprintf(&b, " + %s PgM", num(t.PgMNeeded))
	}
	fmt.Fprintf(&b, "; assigned: %d\n\n", t.VolunteersAssigned)

	b.WriteString("## Progress by section\n\n| Section | Milestones | Tasks | Estimated hours | Logged hours | Volunteers needed | Assigned | Waiting on |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "| %s%s | %d/%d | %d/%d | %s | %s | %s | %d | %s |\n", strings.Repeat("  ", s.Depth), mdEscape(strings.TrimSpace(s.Number+" "+s.Title)),
			s.MilestonesDone, s.Milestones, s.TasksDone, s.Tasks, FormatBounds(s.EstimatedHours), num(s.LoggedHours), FormatBounds(s.VolunteersNeeded),
			s.VolunteersAssigned, joinSections(s.DependsOn))
	}
	b.WriteString("\n## Progress by stage\n\n| Stage | Milestones | Tasks | Estimated hours | Logged hours |\n|---|---|---|---|---|\n")
	for _, s := range d.Stages {
		name := s.Stage
		if name == "" {
			name = "no stage"
		}
		fmt.Fprintf(&b, "| %s | %d/%d | %d/%d | %s | %s |\n", name, s.MilestonesDone, s.Milestones, s.TasksDone, s.Tasks, FormatBounds(s.EstimatedHours), num(s.LoggedHours))
	}
	items := func(title string, refs []ItemRef) {
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		if len(refs) == 0 {
			b.WriteString("None.\n")
			return
		}
		for _, r := range refs {
			fmt.Fprintf(&b, "- %s %s: %s (%s", r.Section, r.Code, mdEscape(r.Title), StatusLabel(r.Status))
			if r.Owner != "" {
				fmt.Fprintf(&b, ", %s", r.Owner)
			}
			fmt.Fprintf(&b, ") — %s\n", r.Reason)
		}
	}
	items("Blocked", d.Blocked)
	items("Overdue", d.Overdue)

	for _, p := range o.Plans {
		walkSections(p.Sections, func(s *TrackedSection) {
			fmt.Fprintf(&b, "\n## %s\n\n", mdEscape(s.Name()))
			if len(s.Dependencies) > 0 {
				var deps []string
				for _, dp := range s.Dependencies {
					state := "not done"
					if dp.Done {
						state = "done"
					}
					deps = append(deps, dp.Section+" ("+state+")")
				}
				fmt.Fprintf(&b, "Depends on %s.\n\n", strings.Join(uniq(deps), ", "))
			}
			if len(s.Milestones) == 0 && len(s.Tasks) == 0 {
				b.WriteString("No milestones.\n")
			}
			for _, m := range s.Milestones {
				box := " "
				if m.Done() {
					box = "x"
				}
				fmt.Fprintf(&b, "- [%s] **%s** %s — %s", box, m.Code, mdEscape(m.Title), StatusLabel(m.Status))
				if m.Owner != nil {
					fmt.Fprintf(&b, ", owner %s", m.Owner.Label())
				}
				if m.Due != "" {
					fmt.Fprintf(&b, ", due %s", m.Due)
				}
				if m.Estimate.TotalHours.Known() {
					fmt.Fprintf(&b, ", estimate %s h", FormatBounds(m.Estimate.TotalHours))
					if m.Estimate.Stage != "" {
						fmt.Fprintf(&b, " (%s)", m.Estimate.Stage)
					}
				}
				fmt.Fprintf(&b, ", logged %s h\n", num(m.LoggedHours))
				mdTasks(&b, m.Tasks, 1)
			}
			mdTasks(&b, s.Tasks, 0)
		})
	}
	return b.Bytes()
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func mdTasks(b *bytes.Buffer, ts []*TrackedTask, depth int) {
	for _, k := range ts {
		box := " "
		if k.Done {
			box = "x"
		}
		fmt.Fprintf(b, "%s- [%s] %s", strings.Repeat("  ", depth), box, mdEscape(k.Text))
		if k.Status != NotStarted && k.Status != Done {
			fmt.Fprintf(b, " — %s", StatusLabel(k.Status))
		}
		if k.Owner != nil {
			fmt.Fprintf(b, " (%s)", k.Owner.Label())
		}
		b.WriteString("\n")
		mdTasks(b, k.Tasks, depth+1)
	}
}

// CSVHeader is the first row of the CSV export.
var CSVHeader = []string{"plan", "section", "section_title", "type", "id", "milestone", "title", "status", "owner", "due",
	"volunteers_min", "volunteers_max", "total_hours_min", "total_hours_max", "stage", "logged_hours", "line"}

// CSV is one row per milestone and task.
func (o *Overview) CSV() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(CSVHeader)
	for _, p := range o.Plans {
		walkSections(p.Sections, func(s *TrackedSection) {
			task := func(k *TrackedTask, code string) {
				owner := ""
				if k.Owner != nil {
					owner = k.Owner.Email
				}
				_ = w.Write([]string{p.Name, s.Number, s.Title, "task", fmt.Sprint(k.ID), code, csvSafe(k.Text), string(k.Status), owner, k.Due,
					"", "", "", "", "", num(k.LoggedHours), fmt.Sprint(k.Line)})
			}
			for _, m := range s.Milestones {
				owner := ""
				if m.Owner != nil {
					owner = m.Owner.Email
				}
				e := m.Estimate
				_ = w.Write([]string{p.Name, s.Number, s.Title, "milestone", fmt.Sprint(m.ID), m.Code, csvSafe(m.Title), string(m.Status), owner, m.Due,
					numPtr(e.Volunteers.Min), numPtr(e.Volunteers.Max), numPtr(e.TotalHours.Min), numPtr(e.TotalHours.Max), e.Stage, num(m.LoggedHours), fmt.Sprint(m.Line)})
				walkTasks(m.Tasks, func(k *TrackedTask) { task(k, m.Code) })
			}
			walkTasks(s.Tasks, func(k *TrackedTask) { task(k, "") })
		})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// FormatHours writes hours without trailing zeros.
func FormatHours(h float64) string { return num(h) }

// String writes the range as FormatBounds does (templates print it).
func (b Bounds) String() string { return FormatBounds(b) }

// Label is how people read the status.
func (s Status) Label() string { return StatusLabel(s) }
