package ssvc

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

// data holds the CERT/CC SSVC files exactly as published; see data/LICENSE-SSVC-data.
//
//go:embed data
var data embed.FS

// Table is a parsed SSVC decision table: input decision points, the outcome decision
// point, and the mapping from every combination of input values to an outcome value.
type Table struct {
	ID          string // namespace:key:version, e.g. "ssvc:DT_COORD_TRIAGE:1.0.0"
	Key         string // e.g. "DT_COORD_TRIAGE"
	Name        string // e.g. "Coordinator Triage"
	Description string
	Version     string
	// Outcome is the id of the outcome decision point, e.g. "ssvc:COORDINATE:1.0.1".
	Outcome string
	// OutcomePoint is that decision point; its values are the possible outcomes.
	OutcomePoint DecisionPoint
	// DecisionPoints are the inputs, in the order the table lists them (the outcome
	// point is not among them).
	DecisionPoints []DecisionPoint
	// Mapping is the table's rows in file order; Row i of a Decision is Mapping[i].
	Mapping []Row

	rows    map[string]int // joined value keys -> row index
	aliases map[string]int // folded spelling -> index into DecisionPoints
}

// Row is one line of a decision table.
type Row struct {
	// Values are value keys, one per decision point, in Table.DecisionPoints order.
	Values []string
	// Outcome is the value key of the outcome decision point, e.g. "C".
	Outcome string
}

// DecisionPoint is one question of a decision table with its allowed answers.
type DecisionPoint struct {
	ID          string // namespace:key:version, e.g. "ssvc:RP:1.0.0"
	Namespace   string // e.g. "ssvc"
	Key         string // e.g. "RP"
	Name        string // e.g. "Report Public"
	Description string
	Version     string
	Values      []Value // in the order CERT/CC lists them

	aliases map[string]int // folded spelling -> index into Values
}

// Value is one allowed answer to a decision point.
type Value struct {
	Key         string // e.g. "Y"
	Name        string // e.g. "Yes"
	Description string
}

// Value returns the value of dp whose key, name or snake_case name is s (case-insensitive).
func (dp *DecisionPoint) Value(s string) (Value, bool) {
	i, ok := lookup(dp.aliases, s)
	if !ok {
		return Value{}, false
	}
	return dp.Values[i], true
}

// Allowed lists dp's values as "N (No), Y (Yes)", for error messages and forms.
func (dp *DecisionPoint) Allowed() string {
	parts := make([]string, len(dp.Values))
	for i, v := range dp.Values {
		parts[i] = v.Key + " (" + v.Name + ")"
	}
	return strings.Join(parts, ", ")
}

// DecisionPoint returns the input decision point of t whose key, id, name or snake_case
// name is s (case-insensitive). The outcome point is not an input and is not found.
func (t *Table) DecisionPoint(s string) (*DecisionPoint, bool) {
	i, ok := lookup(t.aliases, s)
	if !ok {
		return nil, false
	}
	return &t.DecisionPoints[i], true
}

// OutcomeValue returns the outcome value with key k, e.g. "D" → Decline.
func (t *Table) OutcomeValue(k string) (Value, bool) {
	return t.OutcomePoint.Value(k)
}

// Table files by the short names Load accepts.
var tableFiles = map[string]string{
	"coordinator_triage":  "coordinator_triage_1_0_0.json",
	"coordinator_publish": "coordinator_publish_decision_table_1_0_0.json",
}

// Names lists the tables Load knows, sorted.
func Names() []string {
	names := make([]string, 0, len(tableFiles))
	for n := range tableFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// loaders parse each embedded table at most once; tables are read-only after parsing,
// so every caller shares the same *Table.
var loaders = func() map[string]func() (*Table, error) {
	m := make(map[string]func() (*Table, error), len(tableFiles))
	for name, file := range tableFiles {
		m[name] = sync.OnceValues(func() (*Table, error) {
			b, err := data.ReadFile(path.Join("data", file))
			if err != nil {
				return nil, fmt.Errorf("ssvc: read embedded table %s: %w", file, err)
			}
			points, err := standalonePoints()
			if err != nil {
				return nil, err
			}
			return parseTable(file, b, points)
		})
	}
	return m
}()

// Load returns the embedded decision table called name: one of Names(), or a table's
// key ("DT_COORD_TRIAGE"), case-insensitive. The table is parsed once and shared.
func Load(name string) (*Table, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "dt_coord_triage":
		n = "coordinator_triage"
	case "dt_coord_publish":
		n = "coordinator_publish"
	}
	load, ok := loaders[n]
	if !ok {
		return nil, fmt.Errorf("ssvc: there is no decision table %q; use one of %s", name, strings.Join(Names(), ", "))
	}
	return load()
}

// CoordinatorTriage returns CERT/CC's Coordinator Triage table (Decline / Track / Coordinate).
func CoordinatorTriage() (*Table, error) { return Load("coordinator_triage") }

// CoordinatorPublish returns CERT/CC's Coordinator Publish table (Publish / Do Not Publish).
func CoordinatorPublish() (*Table, error) { return Load("coordinator_publish") }

// Parse reads a decision table in SSVC schema 2.0.0 JSON (as published by CERT/CC), for
// teams that load their own tables. It checks what Decide relies on: ids match their
// parts, every row names a known value of every decision point, and every combination of
// input values appears exactly once.
func Parse(b []byte) (*Table, error) {
	return parseTable("table", b, nil)
}

// rawPoint is a decision point as SSVC schema 2.0.0 spells it.
type rawPoint struct {
	Namespace  string `json:"namespace"`
	Key        string `json:"key"`
	Version    string `json:"version"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
	Values     []struct {
		Key        string `json:"key"`
		Name       string `json:"name"`
		Definition string `json:"definition"`
	} `json:"values"`
}

// orderedPoints keeps the decision points in file order: a Go map would lose the order
// the table's authors chose, which is the order forms and the criteria page show.
type orderedPoints struct {
	ids    []string
	points []rawPoint
}

func (o *orderedPoints) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("decision_points is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		id, _ := tok.(string)
		var p rawPoint
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("decision point %s: %w", id, err)
		}
		o.ids = append(o.ids, id)
		o.points = append(o.points, p)
	}
	_, err := dec.Token()
	return err
}

type rawTable struct {
	Namespace      string              `json:"namespace"`
	Key            string              `json:"key"`
	Version        string              `json:"version"`
	Name           string              `json:"name"`
	Definition     string              `json:"definition"`
	DecisionPoints orderedPoints       `json:"decision_points"`
	Outcome        string              `json:"outcome"`
	Mapping        []map[string]string `json:"mapping"`
}

func parseTable(file string, b []byte, standalone map[string]DecisionPoint) (*Table, error) {
	fail := func(format string, args ...any) (*Table, error) {
		return nil, fmt.Errorf("ssvc: %s: "+format+"; fix the data file (CERT/CC publishes the originals in the SSVC repository)", append([]any{file}, args...)...)
	}
	var raw rawTable
	if err := json.Unmarshal(b, &raw); err != nil {
		return fail("not a decision table: %v", err)
	}
	if raw.Key == "" || raw.Name == "" || raw.Version == "" {
		return fail("key, name and version must all be set")
	}
	t := &Table{
		ID:          raw.Namespace + ":" + raw.Key + ":" + raw.Version,
		Key:         raw.Key,
		Name:        raw.Name,
		Description: raw.Definition,
		Version:     raw.Version,
		Outcome:     raw.Outcome,
		aliases:     map[string]int{},
	}
	var ids []string // input ids, in order
	outcomeFound := false
	for i, id := range raw.DecisionPoints.ids {
		dp, err := newDecisionPoint(id, raw.DecisionPoints.points[i])
		if err != nil {
			return fail("%v", err)
		}
		if s, ok := standalone[id]; ok && !samePoint(s, dp) {
			return fail("decision point %s differs from the standalone file of the same id in data/decision_points", id)
		}
		if id == raw.Outcome {
			t.OutcomePoint = dp
			outcomeFound = true
			continue
		}
		for _, a := range dp.spellings() {
			if j, dup := t.aliases[a]; dup && j != len(t.DecisionPoints) {
				return fail("decision points %s and %s are both spelled %q", t.DecisionPoints[j].ID, id, a)
			}
			t.aliases[a] = len(t.DecisionPoints)
		}
		t.DecisionPoints = append(t.DecisionPoints, dp)
		ids = append(ids, id)
	}
	if !outcomeFound {
		return fail("the outcome %q is not among its decision points", raw.Outcome)
	}
	if len(t.DecisionPoints) == 0 {
		return fail("there are no input decision points")
	}

	t.rows = make(map[string]int, len(raw.Mapping))
	for r, m := range raw.Mapping {
		if len(m) != len(ids)+1 {
			return fail("mapping row %d has %d entries, want %d (every decision point and the outcome)", r, len(m), len(ids)+1)
		}
		row := Row{Values: make([]string, len(ids))}
		for i, id := range ids {
			v, ok := m[id]
			if !ok {
				return fail("mapping row %d has no value for %s", r, id)
			}
			if _, ok := t.DecisionPoints[i].valueIndex(v); !ok {
				return fail("mapping row %d: %q is not a value of %s", r, v, id)
			}
			row.Values[i] = v
		}
		row.Outcome = m[raw.Outcome]
		if _, ok := t.OutcomePoint.valueIndex(row.Outcome); !ok {
			return fail("mapping row %d: outcome %q is not a value of %s", r, row.Outcome, raw.Outcome)
		}
		k := rowKey(row.Values)
		if prev, dup := t.rows[k]; dup {
			return fail("mapping rows %d and %d are the same combination", prev, r)
		}
		t.rows[k] = r
		t.Mapping = append(t.Mapping, row)
	}
	// With no duplicate rows, the table covers every combination exactly when it has as
	// many rows as there are combinations.
	if want := t.Combinations(); len(t.Mapping) != want {
		return fail("mapping has %d rows but the decision points have %d combinations; every combination needs exactly one row", len(t.Mapping), want)
	}
	return t, nil
}

// Combinations is the number of distinct inputs: the product of the decision points'
// value counts. A complete table has exactly this many rows.
func (t *Table) Combinations() int {
	n := 1
	for _, dp := range t.DecisionPoints {
		n *= len(dp.Values)
	}
	return n
}

func newDecisionPoint(id string, p rawPoint) (DecisionPoint, error) {
	if want := p.Namespace + ":" + p.Key + ":" + p.Version; id != want {
		return DecisionPoint{}, fmt.Errorf("decision point listed as %q has namespace, key and version %q", id, want)
	}
	if p.Name == "" || len(p.Values) == 0 {
		return DecisionPoint{}, fmt.Errorf("decision point %s needs a name and at least one value", id)
	}
	dp := DecisionPoint{
		ID: id, Namespace: p.Namespace, Key: p.Key, Name: p.Name,
		Description: p.Definition, Version: p.Version,
		aliases: map[string]int{},
	}
	for i, v := range p.Values {
		if v.Key == "" || v.Name == "" {
			return DecisionPoint{}, fmt.Errorf("decision point %s: value %d needs a key and a name", id, i)
		}
		for _, a := range []string{strings.ToLower(v.Key), fold(v.Key), fold(v.Name)} {
			if j, dup := dp.aliases[a]; dup && j != i {
				return DecisionPoint{}, fmt.Errorf("decision point %s: values %s and %s are both spelled %q", id, dp.Values[j].Key, v.Key, a)
			}
			dp.aliases[a] = i
		}
		dp.Values = append(dp.Values, Value{Key: v.Key, Name: v.Name, Description: v.Definition})
	}
	return dp, nil
}

// spellings are the folded forms a client may use for a decision point.
func (dp *DecisionPoint) spellings() []string {
	return []string{strings.ToLower(dp.Key), strings.ToLower(dp.ID), fold(dp.Key), fold(dp.Name), fold(dp.ID)}
}

// valueIndex finds a value by its exact key, as the table's mapping spells it.
func (dp *DecisionPoint) valueIndex(key string) (int, bool) {
	for i, v := range dp.Values {
		if v.Key == key {
			return i, true
		}
	}
	return 0, false
}

func samePoint(a, b DecisionPoint) bool {
	if a.ID != b.ID || a.Name != b.Name || a.Description != b.Description || len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		if a.Values[i] != b.Values[i] {
			return false
		}
	}
	return true
}

// standalonePoints reads data/decision_points once; each table's inline copy of a
// decision point must agree with the standalone file, so the two cannot drift apart
// when someone updates one of them.
var standalonePoints = sync.OnceValues(func() (map[string]DecisionPoint, error) {
	entries, err := fs.ReadDir(data, "data/decision_points")
	if err != nil {
		return nil, fmt.Errorf("ssvc: read embedded decision points: %w", err)
	}
	m := make(map[string]DecisionPoint, len(entries))
	for _, e := range entries {
		name := path.Join("data/decision_points", e.Name())
		b, err := data.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("ssvc: read %s: %w", name, err)
		}
		var p rawPoint
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("ssvc: %s is not a decision point: %v; fix the data file", name, err)
		}
		id := p.Namespace + ":" + p.Key + ":" + p.Version
		dp, err := newDecisionPoint(id, p)
		if err != nil {
			return nil, fmt.Errorf("ssvc: %s: %v; fix the data file", name, err)
		}
		m[id] = dp
	}
	return m, nil
})

// fold reduces a spelling to lowercase letters and digits, so "Report Public",
// "report_public", "report-public" and "REPORTPUBLIC" are one name.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func lookup(aliases map[string]int, s string) (int, bool) {
	s = strings.TrimSpace(s)
	if i, ok := aliases[strings.ToLower(s)]; ok {
		return i, true
	}
	f := fold(s)
	if f == "" {
		return 0, false
	}
	i, ok := aliases[f]
	return i, ok
}

func rowKey(values []string) string { return strings.Join(values, "\x00") }
