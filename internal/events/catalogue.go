package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// The typed event catalogue. A domain registers the action prefixes it owns and, for
// each action, the payload type of its events' "after"; from then on every event it
// appends is checked against the catalogue in tests (testapp subscribes to every app's
// log and fails the test on an unknown action or a payload with fields its type does not
// declare). Metrics, post-mortems and webhooks read payloads through these types
// instead of re-parsing maps. Domains not yet registered are not checked.

// Catalogue maps each action of a domain to a zero value of its payload type (nil: the
// event carries no payload).
type Catalogue map[string]any

type domain struct {
	name     string
	prefixes []string
	actions  Catalogue
}

var (
	catMu   sync.RWMutex
	domains []domain
)

// Register declares that domain name owns the actions starting with prefixes (each
// ending in ".") and that c lists every one of them. It is called from the domain's
// package init; registering a prefix twice panics.
func Register(name string, prefixes []string, c Catalogue) {
	catMu.Lock()
	defer catMu.Unlock()
	for _, p := range prefixes {
		if !strings.HasSuffix(p, ".") {
			panic(fmt.Sprintf("events: %s: prefix %q must end in \".\"", name, p))
		}
		for _, d := range domains {
			for _, q := range d.prefixes {
				if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
					panic(fmt.Sprintf("events: %s: prefix %q overlaps %s's %q", name, p, d.name, q))
				}
			}
		}
	}
	for a := range c {
		if !hasAnyPrefix(a, prefixes) {
			panic(fmt.Sprintf("events: %s: action %q is outside its prefixes %v", name, a, prefixes))
		}
	}
	domains = append(domains, domain{name: name, prefixes: prefixes, actions: c})
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Payload returns a new pointer to action's payload type, for decoding an event's
// "after"; ok is false when no registered domain declares the action.
func Payload(action string) (v any, ok bool) {
	catMu.RLock()
	defer catMu.RUnlock()
	for _, d := range domains {
		if zero, found := d.actions[action]; found {
			if zero == nil {
				return nil, true
			}
			return reflect.New(reflect.TypeOf(zero)).Interface(), true
		}
	}
	return nil, false
}

// CheckCatalogue reports whether e conforms to its domain's catalogue: nil for an
// action no registered domain owns, an error for an owned action the catalogue does not
// list or a payload with fields its type does not declare.
func CheckCatalogue(e Event) error {
	catMu.RLock()
	var owner *domain
	for i := range domains {
		if hasAnyPrefix(e.Action, domains[i].prefixes) {
			owner = &domains[i]
		}
	}
	catMu.RUnlock()
	if owner == nil {
		return nil
	}
	zero, ok := owner.actions[e.Action]
	if !ok {
		return fmt.Errorf("event %s is not in the %s catalogue", e.Action, owner.name)
	}
	if zero == nil || len(e.After) == 0 || string(e.After) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(e.After))
	dec.DisallowUnknownFields()
	if err := dec.Decode(reflect.New(reflect.TypeOf(zero)).Interface()); err != nil {
		return fmt.Errorf("event %s: payload %s does not decode into %T: %v", e.Action, e.After, zero, err)
	}
	return nil
}
