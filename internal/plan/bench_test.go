package plan

import (
	"fmt"
	"strings"
	"testing"
)

// bigPlan is a plan of n sections with 10 milestones of 5 tasks each and an
// estimate table, about 70 lines per section.
func bigPlan(n int) []byte {
	var b strings.Builder
	for s := 1; s <= n; s++ {
		fmt.Fprintf(&b, "## 3.%d Section number %d\nDepends on :x: [2.1](u).\n\n", s, s)
		for m := 1; m <= 10; m++ {
			fmt.Fprintf(&b, "- **M%d**: milestone %d of section %d about topic %d\n", m, m, s, m*s)
			for t := 1; t <= 5; t++ {
				fmt.Fprintf(&b, "  - [ ] task %d of milestone %d in section %d, see #%d\n", t, m, s, t)
			}
		}
		b.WriteString("\n| Milestone | Estimated Volunteers | Estimated Individual Hours | Estimated Total Hours | Stage |\n|---|---|---|---|---|\n")
		for m := 1; m <= 10; m++ {
			fmt.Fprintf(&b, "| M%d | 4-5 | 2 | 8-10 | ➡️ Y1 |\n", m)
		}
		b.WriteString("> Estimated Total Combined Volunteer Hours: 80-100\n\n")
	}
	return []byte(b.String())
}

func BenchmarkParse(b *testing.B) {
	src := bigPlan(20)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Parse(src)
	}
}

func BenchmarkMatch(b *testing.B) {
	prev, next := Parse(bigPlan(20)), Parse(bigPlan(20))
	for b.Loop() {
		Match(prev, next)
	}
}

// BenchmarkParseNestedBullets is the worst case for finding the checkbox
// items under plain bullets: 20000 lines of ever deeper plain bullets, with
// a checkbox at the bottom. It is linear in the lines (issue 15).
func BenchmarkParseNestedBullets(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# 1.0 Deep\n")
	for i := range 20000 {
		fmt.Fprintf(&sb, "%s- step %d\n", strings.Repeat(" ", 2*(i%100)), i)
	}
	sb.WriteString(strings.Repeat(" ", 200) + "- [ ] the task\n")
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Parse(src)
	}
}
