package postmortem

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/events"
)

// caseEvent is what the policy needs to know of a case event (as the cases package
// records it: the participant it is about in its change).
func caseEvent(e events.Event) authz.CaseEvent {
	var x struct {
		ParticipantID int64 `json:"participant_id"`
	}
	_ = json.Unmarshal(e.After, &x)
	return authz.CaseEvent{Action: e.Action, Party: x.ParticipantID}
}

// summaryKeys are the fields of an event's change a summary names: states, phases,
// dates and titles, never a party's name or address or a message's text.
var summaryKeys = []string{"phase", "state", "from", "to", "status", "fact", "facts", "round", "public_date", "title", "role", "kind", "severity"}

// describe is a one-line summary of e: its action in words and, for the team, the
// states and dates it changed.
func describe(e events.Event, team bool) string {
	words := strings.NewReplacer(".", " ", "_", " ").Replace(e.Action)
	if words != "" {
		words = strings.ToUpper(words[:1]) + words[1:]
	}
	if !team {
		return words
	}
	var m map[string]any
	if json.Unmarshal(e.After, &m) != nil || len(m) == 0 {
		return words
	}
	var parts []string
	for _, k := range summaryKeys {
		v, ok := m[k]
		if !ok || v == nil || v == "" {
			continue
		}
		switch x := v.(type) {
		case string, float64, bool:
			s := fmt.Sprint(x)
			if len(s) > 80 {
				s = s[:80] + "…"
			}
			parts = append(parts, k+": "+s)
		case []any:
			var xs []string
			for _, y := range x {
				xs = append(xs, fmt.Sprint(y))
			}
			sort.Strings(xs)
			parts = append(parts, k+": "+strings.Join(xs, ", "))
		}
	}
	if len(parts) == 0 {
		return words
	}
	return words + " (" + strings.Join(parts, "; ") + ")"
}
