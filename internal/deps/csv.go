package deps

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The bulk edge list: CSV with the header dependent,dependency,version_constraint, one
// edge a row, purls in the first two columns (a version, qualifiers or subpath are
// dropped: the graph is of packages), the constraint possibly empty or quoted.

// MaxConstraint is the longest version constraint kept.
const MaxConstraint = 500

// maxRowErrors is how many bad rows an import reports before it stops reading.
const maxRowErrors = 20

var csvColumns = []string{"dependent", "dependency", "version_constraint"}

// RowError is a refused row of an edge list: line and column as a spreadsheet counts
// them (1-based).
type RowError struct {
	Line, Column int
	Message      string
}

func (e RowError) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %d (%s): %s", e.Line, e.Column, csvColumns[e.Column-1], e.Message)
}

// ImportError lists every refused row (up to a limit); nothing was imported.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	var b strings.Builder
	for i, r := range e.Rows {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(r.Error())
	}
	if len(e.Rows) >= maxRowErrors {
		b.WriteString("\n(stopped after this many errors)")
	}
	return b.String()
}

// Unwrap gives the rows as field errors ("csv"), so the web and the API answer 422.
func (e *ImportError) Unwrap() error {
	out := make(validate.Errors, len(e.Rows))
	for i, r := range e.Rows {
		out[i] = validate.FieldError{Field: "csv", Message: r.Error()}
	}
	return out
}

// graph is a parsed import: packages numbered from 0 in the order first seen, and edges
// between those numbers with an interned constraint.
type graph struct {
	keys        []string         // number → package key
	types       []string         // number → purl type
	byKey       map[string]int32 // package key → number
	raw         map[string]int32 // purl as written → number (spares parsing repeats)
	constraints []string
	byCons      map[string]int32
	edges       []edge
	rows        int
}

type edge struct {
	dependent, dependency, constraint int32
}

func newGraph() *graph {
	return &graph{byKey: map[string]int32{}, raw: map[string]int32{}, constraints: []string{""}, byCons: map[string]int32{"": 0}}
}

// pkg interns a purl as written; the error names what is wrong with it.
func (g *graph) pkg(s string) (int32, error) {
	if n, ok := g.raw[s]; ok {
		return n, nil
	}
	p, err := purl.Parse(s)
	if err != nil {
		return 0, err
	}
	n := g.intern(purl.Key(p), p.Type)
	if len(g.raw) < 4_000_000 { // a cache, bounded: versioned purls may all differ
		g.raw[strings.Clone(s)] = n
	}
	return n, nil
}

func (g *graph) intern(key, typ string) int32 {
	if n, ok := g.byKey[key]; ok {
		return n
	}
	n := int32(len(g.keys))
	g.keys = append(g.keys, key)
	g.types = append(g.types, typ)
	g.byKey[key] = n
	return n
}

func (g *graph) constraint(c string) int32 {
	if n, ok := g.byCons[c]; ok {
		return n
	}
	n := int32(len(g.constraints))
	c = strings.Clone(c)
	g.constraints = append(g.constraints, c)
	g.byCons[c] = n
	return n
}

// parseEdges reads an edge list. Every row is checked before anything is written; the
// error is an *ImportError naming line and column. progress, when set, is called every
// progressEvery rows.
func parseEdges(r io.Reader, progress func(rows int)) (*graph, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	g := newGraph()
	var bad []RowError
	fail := func(e RowError) bool {
		bad = append(bad, e)
		return len(bad) >= maxRowErrors
	}
	header := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if fail(RowError{Line: pe.Line, Message: fmt.Sprintf("not valid CSV (at character %d): %v", pe.Column, pe.Err)}) {
					break
				}
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					break // the reader cannot find where the next row starts
				}
				continue
			}
			return nil, err
		}
		line := 0
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if header {
			header = false
			if len(rec) > 0 {
				rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			}
			if len(rec) != 3 || !strings.EqualFold(strings.TrimSpace(rec[0]), "dependent") || !strings.EqualFold(strings.TrimSpace(rec[1]), "dependency") ||
				!strings.EqualFold(strings.TrimSpace(rec[2]), "version_constraint") {
				return nil, &ImportError{Rows: []RowError{{Line: line, Message: fmt.Sprintf("the header must be %s, got %q", strings.Join(csvColumns, ","), strings.Join(rec, ","))}}}
			}
			continue
		}
		g.rows++
		if progress != nil && g.rows%progressEvery == 0 {
			progress(g.rows)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			g.rows--
			continue // a blank line
		}
		if len(rec) != 3 {
			if fail(RowError{Line: line, Message: fmt.Sprintf("want 3 columns (%s), got %d", strings.Join(csvColumns, ","), len(rec))}) {
				break
			}
			continue
		}
		var ids [2]int32
		ok := true
		for i := 0; i < 2; i++ {
			n, err := g.pkg(rec[i])
			if err != nil {
				ok = false
				if fail(RowError{Line: line, Column: i + 1, Message: err.Error()}) {
					break
				}
				continue
			}
			ids[i] = n
		}
		c := strings.TrimSpace(rec[2])
		if len(c) > MaxConstraint || !utf8.ValidString(c) {
			ok = false
			fail(RowError{Line: line, Column: 3, Message: fmt.Sprintf("a version constraint of at most %d characters of UTF-8 text", MaxConstraint)})
		}
		if len(bad) >= maxRowErrors {
			break
		}
		if !ok || ids[0] == ids[1] {
			continue // a package depending on itself (another version of it) is no edge
		}
		g.edges = append(g.edges, edge{dependent: ids[0], dependency: ids[1], constraint: g.constraint(c)})
	}
	if header && len(bad) == 0 {
		return nil, &ImportError{Rows: []RowError{{Line: 1, Message: "the file is empty: want the header " + strings.Join(csvColumns, ",")}}}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	return g, nil
}

const progressEvery = 250_000
