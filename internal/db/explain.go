package db

import (
	"context"
	"regexp"
	"strings"
)

// Explain returns the plan the database chooses for query (written with ? placeholders),
// one node per line: EXPLAIN QUERY PLAN's details on SQLite, EXPLAIN's text on
// PostgreSQL. With noSeqScan, PostgreSQL plans with enable_seqscan off, so that a
// sequential scan in the plan means no index can serve the query at all, whatever the
// table's size and statistics (plan tests run on small tables).
func (d *DB) Explain(ctx context.Context, noSeqScan bool, query string, args ...any) (string, error) {
	if d.dialect == SQLite {
		rows, err := d.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return "", mapError(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				return "", err
			}
			b.WriteString(detail + "\n")
		}
		return b.String(), rows.Err()
	}
	tx, err := d.read.BeginTx(ctx, nil)
	if err != nil {
		return "", mapError(err)
	}
	defer func() { _ = tx.Rollback() }()
	if noSeqScan {
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return "", err
		}
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+d.rebind(query), args...)
	if err != nil {
		return "", mapError(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}

var (
	sqliteScan = regexp.MustCompile(`(?m)^SCAN (\w+)( AS \w+)?\s*$`)
	pgSeqScan  = regexp.MustCompile(`Seq Scan on (\w+)`)
)

// FullScans returns the tables of plan (from Explain) read in full without an index:
// on SQLite "SCAN t" (not "SCAN t USING INDEX …", not a virtual table's "SCAN t
// VIRTUAL TABLE INDEX …"), on PostgreSQL "Seq Scan on t". Only tables in big count.
func FullScans(plan string, big ...string) []string {
	var out []string
	want := map[string]bool{}
	for _, t := range big {
		want[t] = true
	}
	for _, m := range sqliteScan.FindAllStringSubmatch(plan, -1) {
		if want[m[1]] {
			out = append(out, m[1])
		}
	}
	for _, m := range pgSeqScan.FindAllStringSubmatch(plan, -1) {
		if want[m[1]] {
			out = append(out, m[1])
		}
	}
	return out
}

// SortsAll reports whether plan sorts the rows it selects (SQLite's "USE TEMP B-TREE
// FOR ORDER BY", PostgreSQL's Sort node) rather than reading them in order.
func SortsAll(plan string) bool {
	return strings.Contains(plan, "USE TEMP B-TREE FOR ORDER BY") || regexp.MustCompile(`(?m)^\s*(->\s*)?Sort\b`).MatchString(plan)
}
