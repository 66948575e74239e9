package plan

import (
	"strings"
	"testing"
)

// A burn-up of one day says so, in the picture and in its description.
func TestBurnupOneDaySaysSo(t *testing.T) {
	svg := BurnupSVG([]BurnupPoint{{Date: "2026-03-02", Scope: 12, Done: 3}})
	for _, want := range []string{"Only one day of data so far", "<circle", "12 milestones and tasks"} {
		if !strings.Contains(svg, want) {
			t.Errorf("one-day burn-up lacks %q", want)
		}
	}
	if svg := BurnupSVG([]BurnupPoint{{Date: "2026-03-02", Scope: 12}, {Date: "2026-03-03", Scope: 12, Done: 4}}); strings.Contains(svg, "Only one day") {
		t.Errorf("two days still say one day")
	}
}
