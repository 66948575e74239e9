package ssvc

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Decision is the outcome of a decision table for one set of decision point values.
type Decision struct {
	Table string // the table's id, e.g. "ssvc:DT_COORD_TRIAGE:1.0.0", to record which version decided
	// Outcome is the outcome's name in lowercase: "decline", "track" or "coordinate" for
	// Coordinator Triage; "publish" or "do not publish" for Coordinator Publish.
	Outcome    string
	OutcomeKey string // e.g. "C"
	// Values are the inputs normalised to value keys, by decision point key: {"RP": "N", …}.
	Values map[string]string
	Row    int // index of the deciding row in Table.Mapping (the "row" column of CERT/CC's CSV)
}

// FieldPrefix is the start of every Error.Field: the object in which clients send the
// decision point values.
const FieldPrefix = "decision_points"

// Error is one problem with the input to Decide or ValuesFromList.
type Error struct {
	// Field names the input that is wrong, e.g. "decision_points.SC", ready for an HTTP
	// problem response. For a known decision point it uses the point's key; for an
	// unknown one, the name the client sent.
	Field   string
	Point   string  // the decision point's key, when the input was recognised as one
	Value   string  // the value that was given, if any
	Allowed []Value // the values the decision point accepts, if the problem is a value
	msg     string
}

func (e *Error) Error() string { return "ssvc: " + e.msg }

// Problems lists every *Error in err (Decide joins them when there are several), in the
// order Decide found them; nil if err holds none.
func Problems(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *Error:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}

// Decide looks up the outcome for input, a map from decision point to value.
//
// A decision point may be named by its key ("RP"), id ("ssvc:RP:1.0.0"), name ("Report
// Public") or snake_case name ("report_public"); a value by its key ("N"), name ("No") or
// snake_case name — all case-insensitive. Every input decision point must be given once,
// and nothing else. When the input is wrong, the error is an *Error, or several joined
// with errors.Join (see Problems), each naming its field and the allowed values: unknown
// names first in sorted order, then the table's decision points in table order.
func (t *Table) Decide(input map[string]string) (Decision, error) {
	values := make([]string, len(t.DecisionPoints))
	given := make([]string, len(t.DecisionPoints)) // the name each point was given as
	var unknown []error
	pointErr := make([]error, len(t.DecisionPoints)) // at most one problem per point

	names := make([]string, 0, len(input))
	for name := range input {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := input[name]
		i, ok := lookup(t.aliases, name)
		if !ok {
			unknown = append(unknown, t.unknownPoint(name))
			continue
		}
		if pointErr[i] != nil {
			continue
		}
		dp := &t.DecisionPoints[i]
		v, ok := dp.Value(raw)
		switch {
		case !ok:
			pointErr[i] = &Error{
				Field: FieldPrefix + "." + dp.Key, Point: dp.Key, Value: raw, Allowed: dp.Values,
				msg: fmt.Sprintf("decision point %q (%s): value %q is not one of %s", dp.Key, dp.Name, raw, dp.Allowed()),
			}
		case values[i] != "" && values[i] != v.Key:
			pointErr[i] = &Error{
				Field: FieldPrefix + "." + dp.Key, Point: dp.Key, Value: raw, Allowed: dp.Values,
				msg: fmt.Sprintf("decision point %q (%s) is given twice with different values, as %q and %q; give it once", dp.Key, dp.Name, given[i], name),
			}
		default:
			values[i], given[i] = v.Key, name
		}
	}
	errs := unknown
	for i, dp := range t.DecisionPoints {
		if pointErr[i] == nil && values[i] == "" {
			pointErr[i] = &Error{
				Field: FieldPrefix + "." + dp.Key, Point: dp.Key, Allowed: dp.Values,
				msg: fmt.Sprintf("decision point %q (%s) is missing; give one of %s", dp.Key, dp.Name, dp.Allowed()),
			}
		}
		if pointErr[i] != nil {
			errs = append(errs, pointErr[i])
		}
	}
	switch len(errs) {
	case 0:
	case 1:
		return Decision{}, errs[0]
	default:
		return Decision{}, errors.Join(errs...)
	}

	r, ok := t.rows[rowKey(values)]
	if !ok {
		// Parse checks that the table is complete, so this means a Table built by hand.
		return Decision{}, fmt.Errorf("ssvc: table %s has no row for %s; the table is incomplete", t.ID, strings.Join(values, "/"))
	}
	row := t.Mapping[r]
	out, _ := t.OutcomeValue(row.Outcome)
	d := Decision{
		Table:      t.ID,
		Outcome:    strings.ToLower(out.Name),
		OutcomeKey: out.Key,
		Values:     make(map[string]string, len(values)),
		Row:        r,
	}
	for i, dp := range t.DecisionPoints {
		d.Values[dp.Key] = values[i]
	}
	return d, nil
}

func (t *Table) unknownPoint(name string) *Error {
	e := &Error{Field: FieldPrefix + "." + name}
	if _, ok := lookup(outcomeAliases(&t.OutcomePoint), name); ok {
		e.msg = fmt.Sprintf("%q is the outcome of %s, which the table decides; leave it out", name, t.Name)
		return e
	}
	known := make([]string, len(t.DecisionPoints))
	for i, dp := range t.DecisionPoints {
		known[i] = dp.Key + " (" + dp.Name + ")"
	}
	e.msg = fmt.Sprintf("%q is not a decision point of %s; use one of %s", name, t.Name, strings.Join(known, ", "))
	return e
}

func outcomeAliases(dp *DecisionPoint) map[string]int {
	m := map[string]int{}
	for _, a := range dp.spellings() {
		m[a] = 0
	}
	return m
}

// KeyValue is one decision point value in list form, as some clients send them:
// [{"key": "RP", "value": "N"}, …].
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ValuesFromList turns the list form into the map Decide takes. It rejects an entry
// without a key and a key listed twice with different values (the same value twice is
// harmless); whether keys and values are known is Decide's business.
func ValuesFromList(list []KeyValue) (map[string]string, error) {
	m := make(map[string]string, len(list))
	first := make(map[string]int, len(list))
	var errs []error
	for i, kv := range list {
		field := fmt.Sprintf("%s[%d]", FieldPrefix, i)
		k := strings.TrimSpace(kv.Key)
		if k == "" {
			errs = append(errs, &Error{Field: field + ".key", Value: kv.Value,
				msg: fmt.Sprintf("entry %d has no key; give each entry the decision point it answers, e.g. {\"key\": \"RP\", \"value\": \"N\"}", i)})
			continue
		}
		if j, dup := first[strings.ToLower(k)]; dup {
			if !strings.EqualFold(strings.TrimSpace(list[j].Value), strings.TrimSpace(kv.Value)) {
				errs = append(errs, &Error{Field: field + ".key", Value: kv.Value,
					msg: fmt.Sprintf("entries %d and %d both answer %q, with %q and %q; give it once", j, i, k, list[j].Value, kv.Value)})
			}
			continue
		}
		first[strings.ToLower(k)] = i
		m[k] = kv.Value
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}
