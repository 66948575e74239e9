package ssvc

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rawOracle reads a table file with nothing but encoding/json maps, independently of
// the parser under test, so the tests compare the parser with the file itself.
type rawOracle struct {
	Outcome        string              `json:"outcome"`
	DecisionPoints map[string]rawPoint `json:"decision_points"`
	Mapping        []map[string]string `json:"mapping"`
}

func readOracle(t *testing.T, file string) rawOracle {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("data", file))
	if err != nil {
		t.Fatal(err)
	}
	var o rawOracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func snake(s string) string {
	return strings.NewReplacer(" ", "_", "/", "_").Replace(strings.ToLower(s))
}

type tableCase struct {
	name string
	file string
	csv  string
	load func() (*Table, error)
}

var tables = []tableCase{
	{"triage", "coordinator_triage_1_0_0.json", "coordinator_triage_1_0_0.csv", CoordinatorTriage},
	{"publish", "coordinator_publish_decision_table_1_0_0.json", "coordinator_publish_decision_table_1_0_0.csv", CoordinatorPublish},
}

// forEachTable runs f as a subtest for each embedded table.
func forEachTable(t *testing.T, f func(t *testing.T, tc tableCase, tb *Table)) {
	for _, tc := range tables {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			f(t, tc, tb)
		})
	}
}

func mustTriage(t *testing.T) *Table {
	t.Helper()
	tb, err := CoordinatorTriage()
	if err != nil {
		t.Fatalf("CoordinatorTriage: %v", err)
	}
	return tb
}

// spellings are the ways clients send one row's values (see the intake acceptance check).
var spellings = []struct {
	name  string
	point func(id string, p rawPoint) string
	value func(v Value) string
}{
	{"keys", func(_ string, p rawPoint) string { return p.Key }, func(v Value) string { return v.Key }},
	{"lowercase keys", func(_ string, p rawPoint) string { return strings.ToLower(p.Key) }, func(v Value) string { return strings.ToLower(v.Key) }},
	{"ids", func(id string, _ rawPoint) string { return id }, func(v Value) string { return v.Key }},
	{"names", func(_ string, p rawPoint) string { return p.Name }, func(v Value) string { return v.Name }},
	{"snake names", func(_ string, p rawPoint) string { return snake(p.Name) }, func(v Value) string { return snake(v.Name) }},
	{"snake point, lowercase value name", func(_ string, p rawPoint) string { return snake(p.Name) }, func(v Value) string { return strings.ToLower(v.Name) }},
	{"snake point, value key", func(_ string, p rawPoint) string { return snake(p.Name) }, func(v Value) string { return v.Key }},
	{"upper names", func(_ string, p rawPoint) string { return strings.ToUpper(p.Name) }, func(v Value) string { return strings.ToUpper(v.Name) }},
}

func valueOf(p rawPoint, key string) Value {
	for _, v := range p.Values {
		if v.Key == key {
			return Value{Key: v.Key, Name: v.Name, Description: v.Definition}
		}
	}
	panic("no value " + key)
}

func TestEveryRowDecidesItsOutcome(t *testing.T) {
	forEachTable(t, func(t *testing.T, tc tableCase, tb *Table) {
		o := readOracle(t, tc.file)
		if len(tb.Mapping) != len(o.Mapping) {
			t.Fatalf("parsed %d rows, file has %d", len(tb.Mapping), len(o.Mapping))
		}
		outPoint := o.DecisionPoints[o.Outcome]
		for r, row := range o.Mapping {
			want := valueOf(outPoint, row[o.Outcome])
			for _, sp := range spellings {
				in := map[string]string{}
				for id, vk := range row {
					if id == o.Outcome {
						continue
					}
					p := o.DecisionPoints[id]
					in[sp.point(id, p)] = sp.value(valueOf(p, vk))
				}
				d, err := tb.Decide(in)
				if err != nil {
					t.Fatalf("row %d by %s: %v", r, sp.name, err)
				}
				if d.Outcome != strings.ToLower(want.Name) || d.OutcomeKey != want.Key || d.Row != r {
					t.Fatalf("row %d by %s: got outcome %q (%s) row %d, want %q (%s) row %d",
						r, sp.name, d.Outcome, d.OutcomeKey, d.Row, strings.ToLower(want.Name), want.Key, r)
				}
				for id, vk := range row {
					if id != o.Outcome && d.Values[o.DecisionPoints[id].Key] != vk {
						t.Fatalf("row %d by %s: Values[%s] = %q, want %q", r, sp.name, o.DecisionPoints[id].Key, d.Values[o.DecisionPoints[id].Key], vk)
					}
				}
			}
			// The list form, as {"decision_points": [{"key": "RP", "value": "N"}, …]}.
			var list []KeyValue
			for id, vk := range row {
				if id != o.Outcome {
					list = append(list, KeyValue{Key: o.DecisionPoints[id].Key, Value: vk})
				}
			}
			m, err := ValuesFromList(list)
			if err != nil {
				t.Fatalf("row %d list form: %v", r, err)
			}
			if d, err := tb.Decide(m); err != nil || d.OutcomeKey != want.Key {
				t.Fatalf("row %d list form: got %+v, %v; want %s", r, d, err, want.Key)
			}
		}
	})
}

// TestCSVAgrees checks the parsed table against CERT/CC's CSV rendering of it, which
// spells values by lowercase name and numbers the rows.
func TestCSVAgrees(t *testing.T) {
	forEachTable(t, func(t *testing.T, tc tableCase, tb *Table) {
		f, err := os.Open(filepath.Join("testdata", tc.csv))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head, recs := recs[0], recs[1:]
		if len(recs) != len(tb.Mapping) {
			t.Fatalf("CSV has %d rows, table %d", len(recs), len(tb.Mapping))
		}
		for _, rec := range recs {
			in := map[string]string{}
			for j := 1; j < len(rec)-1; j++ {
				name := head[j][:strings.LastIndex(head[j], " v")] // "Report Public v1.0.0"
				in[name] = rec[j]
			}
			d, err := tb.Decide(in)
			if err != nil {
				t.Fatalf("CSV row %s: %v", rec[0], err)
			}
			if d.Outcome != rec[len(rec)-1] || strconv.Itoa(d.Row) != rec[0] {
				t.Fatalf("CSV row %s: got %q at row %d, want %q", rec[0], d.Outcome, d.Row, rec[len(rec)-1])
			}
		}
	})
}

// TestTableComplete enumerates every combination of input values independently of the
// parser and checks each appears in the file's mapping exactly once.
func TestTableComplete(t *testing.T) {
	forEachTable(t, func(t *testing.T, tc tableCase, tb *Table) {
		o := readOracle(t, tc.file)
		var ids []string
		for _, dp := range tb.DecisionPoints {
			ids = append(ids, dp.ID)
		}
		if len(ids) != len(o.DecisionPoints)-1 {
			t.Fatalf("table has %d input points, file %d", len(ids), len(o.DecisionPoints)-1)
		}
		seen := map[string]int{}
		for _, row := range o.Mapping {
			var k []string
			for _, id := range ids {
				k = append(k, row[id])
			}
			seen[strings.Join(k, "/")]++
		}
		combos := [][]string{nil}
		for _, id := range ids {
			var next [][]string
			for _, c := range combos {
				for _, v := range o.DecisionPoints[id].Values {
					next = append(next, append(append([]string(nil), c...), v.Key))
				}
			}
			combos = next
		}
		for _, c := range combos {
			if n := seen[strings.Join(c, "/")]; n != 1 {
				t.Errorf("combination %s appears %d times, want exactly once", strings.Join(c, "/"), n)
			}
		}
		if len(combos) != len(o.Mapping) || tb.Combinations() != len(combos) {
			t.Errorf("%d combinations, %d rows, Combinations() = %d", len(combos), len(o.Mapping), tb.Combinations())
		}
	})
}

func TestTableShape(t *testing.T) {
	tb := mustTriage(t)
	var keys []string
	for _, dp := range tb.DecisionPoints {
		keys = append(keys, dp.Key)
	}
	if got, want := strings.Join(keys, " "), "RP SCON RC SC SE U PSI"; got != want {
		t.Errorf("decision points in order %q, want %q (the file's order)", got, want)
	}
	if tb.Outcome != "ssvc:COORDINATE:1.0.1" || tb.ID != "ssvc:DT_COORD_TRIAGE:1.0.0" || tb.Name != "Coordinator Triage" {
		t.Errorf("table %s %q outcome %s", tb.ID, tb.Name, tb.Outcome)
	}
	dp, ok := tb.DecisionPoint("report_public")
	if !ok || dp.ID != "ssvc:RP:1.0.0" || dp.Description == "" || len(dp.Values) != 2 || dp.Values[0] != (Value{"Y", "Yes", "A public report of the vulnerability exists."}) {
		t.Errorf("DecisionPoint(report_public) = %+v, %v", dp, ok)
	}
	again, _ := CoordinatorTriage()
	if again != tb {
		t.Error("CoordinatorTriage parsed the table twice; want one shared table")
	}
	for _, name := range []string{"coordinator_publish", "DT_COORD_PUBLISH", "Coordinator_Publish"} {
		if p, err := Load(name); err != nil || p.Key != "DT_COORD_PUBLISH" {
			t.Errorf("Load(%q) = %v, %v", name, p, err)
		}
	}
	if _, err := Load("coordinator_deploy"); err == nil || !strings.Contains(err.Error(), "coordinator_publish, coordinator_triage") {
		t.Errorf("Load(unknown) error %v, want one listing the tables", err)
	}
}

// The acceptance check's example body decides as the file says.
func TestAcceptanceExample(t *testing.T) {
	tb := mustTriage(t)
	in := map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}
	d, err := tb.Decide(in)
	if err != nil {
		t.Fatal(err)
	}
	o := readOracle(t, "coordinator_triage_1_0_0.json")
	for _, row := range o.Mapping {
		match := true
		for id, vk := range row {
			if id != o.Outcome && in[o.DecisionPoints[id].Key] != vk {
				match = false
			}
		}
		if match {
			want := strings.ToLower(valueOf(o.DecisionPoints[o.Outcome], row[o.Outcome]).Name)
			if d.Outcome != want {
				t.Fatalf("outcome %q, want %q", d.Outcome, want)
			}
			return
		}
	}
	t.Fatal("no row in the file matches the example")
}

func TestDecideErrors(t *testing.T) {
	tb := mustTriage(t)
	good := func() map[string]string {
		return map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}
	}
	tests := []struct {
		name   string
		change func(m map[string]string)
		want   []string // messages, in order
		fields []string
	}{
		{
			name:   "unknown value",
			change: func(m map[string]string) { m["SC"] = "Q" },
			want:   []string{`ssvc: decision point "SC" (Supplier Cardinality): value "Q" is not one of O (One), M (Multiple)`},
			fields: []string{"decision_points.SC"},
		},
		{
			name:   "unknown value by name spelling",
			change: func(m map[string]string) { delete(m, "SCON"); m["supplier_contacted"] = "maybe" },
			want:   []string{`ssvc: decision point "SCON" (Supplier Contacted): value "maybe" is not one of N (No), Y (Yes)`},
			fields: []string{"decision_points.SCON"},
		},
		{
			name:   "missing",
			change: func(m map[string]string) { delete(m, "PSI") },
			want:   []string{`ssvc: decision point "PSI" (Public Safety Impact) is missing; give one of M (Minimal), S (Significant)`},
			fields: []string{"decision_points.PSI"},
		},
		{
			name:   "unknown point",
			change: func(m map[string]string) { m["exploitation"] = "active" },
			want: []string{`ssvc: "exploitation" is not a decision point of Coordinator Triage; use one of RP (Report Public), SCON (Supplier Contacted), ` +
				`RC (Report Credibility), SC (Supplier Cardinality), SE (Supplier Engagement), U (Utility), PSI (Public Safety Impact)`},
			fields: []string{"decision_points.exploitation"},
		},
		{
			name:   "outcome given",
			change: func(m map[string]string) { m["COORDINATE"] = "C" },
			want:   []string{`ssvc: "COORDINATE" is the outcome of Coordinator Triage, which the table decides; leave it out`},
			fields: []string{"decision_points.COORDINATE"},
		},
		{
			name:   "twice, different values",
			change: func(m map[string]string) { m["report_public"] = "yes" },
			want:   []string{`ssvc: decision point "RP" (Report Public) is given twice with different values, as "RP" and "report_public"; give it once`},
			fields: []string{"decision_points.RP"},
		},
		{
			name: "several problems, all reported",
			change: func(m map[string]string) {
				delete(m, "RP")
				m["U"] = "X"
				m["zzz"] = "1"
			},
			want: []string{
				`ssvc: "zzz" is not a decision point`,
				`ssvc: decision point "RP" (Report Public) is missing`,
				`ssvc: decision point "U" (Utility): value "X" is not one of L (Laborious), E (Efficient), S (Super Effective)`,
			},
			fields: []string{"decision_points.zzz", "decision_points.RP", "decision_points.U"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good()
			tt.change(m)
			_, err := tb.Decide(m)
			if err == nil {
				t.Fatal("Decide accepted bad input")
			}
			probs := Problems(err)
			if len(probs) != len(tt.want) {
				t.Fatalf("got %d problems (%v), want %d", len(probs), err, len(tt.want))
			}
			for i, p := range probs {
				if !strings.HasPrefix(p.Error(), tt.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, p.Error(), tt.want[i])
				}
				if p.Field != tt.fields[i] {
					t.Errorf("problem %d: field %q, want %q", i, p.Field, tt.fields[i])
				}
			}
			var first *Error
			if !errors.As(err, &first) || first != probs[0] {
				t.Errorf("errors.As did not find the first problem in %v", err)
			}
		})
	}
	// The same value twice under two spellings is not a conflict.
	m := good()
	m["Report Public"] = "no"
	if _, err := tb.Decide(m); err != nil {
		t.Errorf("same value under two spellings: %v", err)
	}
	// An unknown value lists the allowed values in the typed error, for forms.
	m = good()
	m["RC"] = "meh"
	probs := Problems(func() error { _, err := tb.Decide(m); return err }())
	if len(probs) != 1 || probs[0].Point != "RC" || probs[0].Value != "meh" || len(probs[0].Allowed) != 2 || probs[0].Allowed[1].Key != "C" {
		t.Errorf("problem = %+v", probs)
	}
}

func TestValuesFromList(t *testing.T) {
	m, err := ValuesFromList([]KeyValue{{"RP", "N"}, {"rp", "n"}, {"SC", "M"}})
	if err != nil || len(m) != 2 || m["RP"] != "N" || m["SC"] != "M" {
		t.Errorf("ValuesFromList = %v, %v", m, err)
	}
	_, err = ValuesFromList([]KeyValue{{"RP", "N"}, {"", "Y"}, {"rp", "Y"}})
	probs := Problems(err)
	if len(probs) != 2 || probs[0].Field != "decision_points[1].key" || probs[1].Field != "decision_points[2].key" ||
		!strings.Contains(probs[1].Error(), `entries 0 and 2 both answer "rp"`) {
		t.Errorf("problems = %v", err)
	}
}

func TestCriteria(t *testing.T) {
	forEachTable(t, func(t *testing.T, tc tableCase, tb *Table) {
		c := tb.Criteria()
		if c.Combinations != len(tb.Mapping) || len(c.Rows) != len(tb.Mapping) || len(c.DecisionPoints) != len(tb.DecisionPoints) {
			t.Fatalf("criteria %d combinations, %d rows", c.Combinations, len(c.Rows))
		}
		total := 0
		for _, o := range c.Outcomes {
			total += o.Rows
			for _, p := range o.Points {
				sum := 0
				for _, v := range p.Values {
					sum += v.Rows
				}
				if sum != o.Rows {
					t.Errorf("%s: point %s counts %d rows, outcome has %d", o.Name, p.Key, sum, o.Rows)
				}
			}
			for _, r := range o.Requires {
				for _, row := range c.Rows {
					if row.Outcome.Key == o.Key && row.Values[indexOf(tb, r.Point.Key)] != r.Value {
						t.Errorf("%s requires %s=%s but a row has %v", o.Name, r.Point.Key, r.Value.Key, row.Values)
					}
				}
			}
		}
		if total != c.Combinations {
			t.Errorf("outcomes cover %d rows of %d", total, c.Combinations)
		}
	})
	// The figures the criteria page will show for triage, from CERT/CC's CSV.
	c := mustTriage(t).Criteria()
	got := map[string]int{}
	for _, o := range c.Outcomes {
		got[o.Name] = o.Rows
	}
	if got["Decline"] != 150 || got["Track"] != 15 || got["Coordinate"] != 27 {
		t.Errorf("outcome counts %v, want Decline 150, Track 15, Coordinate 27", got)
	}
	var req []string
	for _, r := range c.Outcomes[1].Requires {
		req = append(req, r.Point.Name+": "+r.Value.Name)
	}
	if strings.Join(req, "; ") != "Report Public: No; Supplier Contacted: Yes" {
		t.Errorf("Track requires %q", req)
	}
}

func indexOf(tb *Table, key string) int {
	for i, dp := range tb.DecisionPoints {
		if dp.Key == key {
			return i
		}
	}
	return -1
}

func TestParseRejectsMalformedTables(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join("data", "coordinator_publish_decision_table_1_0_0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(orig); err != nil {
		t.Fatalf("Parse(original): %v", err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(orig, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	mapping := func(m map[string]any) []any { return m["mapping"].([]any) }
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"not JSON", []byte("{"), "not a decision table"},
		{"row missing", edit(func(m map[string]any) { m["mapping"] = mapping(m)[1:] }), "mapping has 26 rows but the decision points have 27 combinations"},
		{"row twice", edit(func(m map[string]any) { m["mapping"] = append(mapping(m)[1:], mapping(m)[1]) }), "are the same combination"},
		{"unknown value", edit(func(m map[string]any) { mapping(m)[3].(map[string]any)["ssvc:E:1.1.0"] = "Z" }), `mapping row 3: "Z" is not a value of ssvc:E:1.1.0`},
		{"unknown outcome", edit(func(m map[string]any) { mapping(m)[0].(map[string]any)["ssvc:PUBLISH:1.0.0"] = "Z" }), `outcome "Z" is not a value`},
		{"no outcome point", edit(func(m map[string]any) { m["outcome"] = "ssvc:NOPE:1.0.0" }), `the outcome "ssvc:NOPE:1.0.0" is not among its decision points`},
		{"id mismatch", edit(func(m map[string]any) {
			dps := m["decision_points"].(map[string]any)
			dps["ssvc:E:1.1.0"].(map[string]any)["version"] = "9.9.9"
		}), `has namespace, key and version "ssvc:E:9.9.9"`},
		{"row short", edit(func(m map[string]any) { delete(mapping(m)[2].(map[string]any), "ssvc:PVA:1.0.0") }), "mapping row 2 has 3 entries, want 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestInlinePointsMatchStandaloneFiles(t *testing.T) {
	points, err := standalonePoints()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tables {
		tb, _ := tc.load()
		for _, dp := range append([]DecisionPoint{tb.OutcomePoint}, tb.DecisionPoints...) {
			if _, ok := points[dp.ID]; !ok {
				t.Errorf("%s: no standalone file for %s in data/decision_points", tc.name, dp.ID)
			}
		}
	}
	// A drifted inline copy is refused.
	b, _ := os.ReadFile(filepath.Join("data", "coordinator_publish_decision_table_1_0_0.json"))
	b = []byte(strings.Replace(string(b), "Public PoC", "Public Proof", 1))
	if _, err := parseTable("x.json", b, points); err == nil || !strings.Contains(err.Error(), "differs from the standalone file") {
		t.Errorf("drifted decision point: %v", err)
	}
}
