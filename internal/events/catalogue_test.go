package events_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/events"
)

type widgetMade struct {
	Name string `json:"name"`
}

func init() {
	events.Register("widgets (test)", []string{"widget."}, events.Catalogue{"widget.made": widgetMade{}, "widget.gone": nil})
}

func TestCatalogueChecksOwnedActions(t *testing.T) {
	for _, c := range []struct {
		action, after string
		want          string // "" = conforms
	}{
		{"widget.made", `{"name": "w"}`, ""},
		{"widget.gone", ``, ""},
		{"widget.made", `{"name": "w", "secret": 1}`, "does not decode"},
		{"widget.melted", `{}`, "not in the widgets (test) catalogue"},
		{"gadget.made", `{"anything": true}`, ""}, // not owned: not checked
	} {
		err := events.CheckCatalogue(events.Event{Action: c.action, After: json.RawMessage(c.after)})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %s: %v", c.action, c.after, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %s: got %v, want an error containing %q", c.action, c.after, err, c.want)
		}
	}
	if v, ok := events.Payload("widget.made"); !ok {
		t.Error("no payload type for widget.made")
	} else if _, isPtr := v.(*widgetMade); !isPtr {
		t.Errorf("payload type %T", v)
	}
}

func TestRegisterRefusesOverlaps(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("an overlapping prefix was accepted")
		}
	}()
	events.Register("more widgets", []string{"widget.blue."}, nil)
}
