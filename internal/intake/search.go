package intake

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
)

// searcher is the one place full-text search differs between the databases: SQLite
// keeps an FTS5 table in step with reports, PostgreSQL a generated tsvector column.
type searcher interface {
	// index (re)writes a report's searchable text inside the caller's transaction.
	index(ctx context.Context, q db.Querier, r *Report) error
	// match returns a condition on reports (aliased r) and its args for the query words.
	// prefix makes the last word match as a prefix too.
	match(words []string, prefix bool) (string, []any)
}

func newSearcher(d db.Dialect) searcher {
	if d == db.Postgres {
		return pgSearch{}
	}
	return sqliteSearch{}
}

type sqliteSearch struct{}

func (sqliteSearch) index(ctx context.Context, q db.Querier, r *Report) error {
	body := searchBody(r)
	if _, err := q.Exec(ctx, "DELETE FROM reports_fts WHERE rowid = ?", r.ID); err != nil {
		return fmt.Errorf("intake: search index: %w", err)
	}
	if _, err := q.Exec(ctx, "INSERT INTO reports_fts (rowid, summary, body) VALUES (?, ?, ?)", r.ID, r.Summary, body); err != nil {
		return fmt.Errorf("intake: search index: %w", err)
	}
	return nil
}

func (sqliteSearch) match(words []string, prefix bool) (string, []any) {
	// Each word quoted as an FTS5 string; the last one matches as a prefix only when
	// asked (a trailing * or autocomplete): prefix merging was most of search's CPU.
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if prefix && i == len(words)-1 {
			parts[i] += "*"
		}
	}
	return "r.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)", []any{strings.Join(parts, " AND ")}
}

type pgSearch struct{}

func (pgSearch) index(context.Context, db.Querier, *Report) error { return nil } // generated column

func (pgSearch) match(words []string, prefix bool) (string, []any) {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = strings.NewReplacer("'", "", "\\", "", ":", "", "&", "", "|", "", "!", "", "(", "", ")", "", "*", "").Replace(w)
		parts[i] = "'" + parts[i] + "'"
		if prefix && i == len(words)-1 {
			parts[i] += ":*"
		}
	}
	// listSQL drives this from the GIN index (see pgDriven).
	return "r.search @@ to_tsquery('simple', ?)", []any{strings.Join(parts, " & ")}
}

func searchBody(r *Report) string {
	var b strings.Builder
	b.WriteString(r.Project)
	for _, a := range r.Affected {
		b.WriteString(" " + a.Package.Ecosystem + " " + a.Package.Name + " " + a.Package.PURL)
	}
	for _, s := range []string{r.Details, r.Reproduction, r.Impact, r.PublicID, r.Reporter.Name, r.Reporter.Email, r.CWE} {
		b.WriteString("\n" + s)
	}
	return b.String()
}

// searchWords splits a query into words (letters and digits), lower-cased, at most 8,
// and reports whether the query ends with "*" (the last word is a prefix).
func searchWords(q string) ([]string, bool) {
	ws := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(ws) > 8 {
		ws = ws[:8]
	}
	return ws, strings.HasSuffix(strings.TrimSpace(q), "*")
}

// Query selects reports for a list.
type Query struct {
	Text       string   // full-text words; a trailing "*" makes the last word a prefix
	Prefix     bool     // the last word is a prefix (autocomplete)
	Brief      bool     // only the columns a list shows (see briefColumns)
	States     []string // empty: all
	Kind       string
	AssignedTo int64 // 0: anyone
	Unassigned bool
	Overdue    bool // acknowledgement or assessment due date passed while open
	Cluster    string
	Reporter   string // reporter email
	AfterID    int64  // cursor: reports with id < AfterID when newest first
	Limit      int
}

// briefColumns are what a list of reports shows (the triage queue, similar reports):
// a list page does not fetch 100 reports of 2.4 KB each. Other fields stay zero.
const briefColumns = "id, public_id, kind, source, state, summary, cluster_key, completeness, assignee_id, reporter_email, ack_due_at, assess_due_at, received_at, updated_at"

func scanBrief(sc db.Scanner) (*Report, error) {
	var r Report
	var assignee *int64
	if err := sc.Scan(&r.ID, &r.PublicID, &r.Kind, &r.Source, &r.State, &r.Summary, &r.ClusterKey, &r.Completeness, &assignee,
		&r.Reporter.Email, &r.AckDue, &r.AssessDue, &r.ReceivedAt, &r.UpdatedAt); err != nil {
		return nil, fmt.Errorf("intake: read report: %w", err)
	}
	if assignee != nil {
		r.Assignee = *assignee
	}
	r.Affected = []Affected{}
	return &r, nil
}

// List returns reports matching qu that actor may see, newest first.
//
// Query shapes (the plan tests in plan_test.go hold them): a filter on several states is
// a UNION ALL of one newest-first walk of (state, id) per state, each stopping at the
// limit, instead of sorting every matching row; "overdue" is the range due_at < now on
// its partial index; text search drives from the full-text index.
func (s *Service) List(ctx context.Context, actor authz.Actor, qu Query) ([]*Report, error) {
	scan := func(sc db.Scanner) (*Report, error) { return scanReport(sc) }
	if qu.Brief {
		scan = scanBrief
	}
	if sqlq, args, ok := s.windowSQL(actor, qu); ok {
		// A common word fills the first page from the newest reports alone; then those
		// are the page (every other match is older). A rarer word falls through to the
		// query driven by the text index, whose cost is the number of matches.
		out, err := db.All(ctx, s.db.Read(), scan, sqlq, args...)
		if err != nil {
			return nil, fmt.Errorf("intake: list reports: %w", err)
		}
		if len(out) == listLimit(qu) {
			return out, nil
		}
	}
	sqlq, args := s.listSQL(actor, qu)
	out, err := db.All(ctx, s.db.Read(), scan, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("intake: list reports: %w", err)
	}
	return out, nil
}

// listSQL builds List's query.
func (s *Service) listSQL(actor authz.Actor, qu Query) (string, []any) {
	scope := authz.Scope(actor, authz.KindReport)
	where := []string{"1 = 1"}
	var args []any
	if scope.SQL != "" {
		where = append(where, "("+strings.ReplaceAll(scope.SQL, "reporter_user_id", "r.reporter_user_id")+")")
		args = append(args, scope.Args...)
	}
	ws, prefix := searchWords(qu.Text)
	if len(ws) > 0 {
		cond, a := s.search.match(ws, prefix || qu.Prefix)
		where = append(where, cond)
		args = append(args, a...)
	}
	if qu.Kind != "" {
		where = append(where, "r.kind = ?")
		args = append(args, qu.Kind)
	}
	if qu.AssignedTo != 0 {
		where = append(where, "r.assignee_id = ?")
		args = append(args, qu.AssignedTo)
	}
	if qu.Unassigned {
		where = append(where, "r.assignee_id IS NULL")
	}
	pgDriven := false
	if qu.Overdue {
		// The overdue reports come from due_at's index (a few among all): newest-first
		// over the primary key would test every report older than the newest overdue one.
		if s.db != nil && s.db.Dialect() == db.Postgres {
			where = append(where, "r.due_at < ?")
			pgDriven = true
		} else {
			where = append(where, "r.id IN (SELECT id FROM reports WHERE due_at < ?)")
		}
		args = append(args, s.clock.Now())
	}
	if len(ws) > 0 && s.db != nil && s.db.Dialect() == db.Postgres {
		pgDriven = true
	}
	if qu.Cluster != "" {
		where = append(where, "r.cluster_key = ?")
		args = append(args, qu.Cluster)
	}
	if qu.Reporter != "" {
		where = append(where, "r.reporter_email = ?")
		args = append(args, strings.ToLower(qu.Reporter))
	}
	if qu.AfterID > 0 {
		where = append(where, "r.id < ?")
		args = append(args, qu.AfterID)
	}
	limit := listLimit(qu)
	cols := reportColumns
	if qu.Brief {
		cols = briefColumns
	}
	cols = "r." + strings.ReplaceAll(strings.Join(strings.Fields(cols), " "), ", ", ", r.")
	states := dedupe(qu.States)
	if pgDriven {
		// PostgreSQL, searching or overdue: the newest matching ids first, ordered by an
		// expression the primary key cannot serve (r.id + 0), so the planner cannot
		// choose to walk the primary key backwards testing every row until it has the
		// page (it does, with or without statistics, and reads half the table for a
		// rare word); the matches come from the GIN or due_at index and only their ids
		// are sorted.
		if len(states) > 0 {
			where = append(where, "r.state IN ("+db.Placeholders(len(states))+")")
			for _, st := range states {
				args = append(args, st)
			}
		}
		return fmt.Sprintf("SELECT %s FROM reports r WHERE r.id IN (SELECT r.id FROM reports r WHERE %s ORDER BY r.id + 0 DESC LIMIT %d) ORDER BY r.id DESC LIMIT %d",
			cols, strings.Join(where, " AND "), limit, limit), args
	}
	if len(states) > 1 && len(ws) == 0 && !qu.Overdue {
		// One index range per state, newest first, each cut at the limit.
		var branches []string
		var all []any
		for i, st := range states {
			branches = append(branches, fmt.Sprintf("SELECT id FROM (SELECT r.id FROM reports r WHERE %s AND r.state = ? ORDER BY r.id DESC LIMIT %d) s%d",
				strings.Join(where, " AND "), limit, i))
			all = append(append(all, args...), st)
		}
		return fmt.Sprintf("SELECT %s FROM reports r WHERE r.id IN (%s) ORDER BY r.id DESC LIMIT %d", cols, strings.Join(branches, " UNION ALL "), limit), all
	}
	if len(states) > 0 {
		where = append(where, "r.state IN ("+db.Placeholders(len(states))+")")
		for _, st := range states {
			args = append(args, st)
		}
	}
	return fmt.Sprintf("SELECT %s FROM reports r WHERE %s ORDER BY r.id DESC LIMIT %d", cols, strings.Join(where, " AND "), limit), args
}

func listLimit(qu Query) int {
	if qu.Limit <= 0 || qu.Limit > 1000 {
		return 50
	}
	return qu.Limit
}

// searchWindow is how many of the newest reports windowSQL searches.
const searchWindow = 500

// windowSQL is, on PostgreSQL, for the first page of a text search, the query over the
// newest searchWindow reports only (read backwards on the primary key, a fixed cost).
func (s *Service) windowSQL(actor authz.Actor, qu Query) (string, []any, bool) {
	if s.db == nil || s.db.Dialect() != db.Postgres || qu.AfterID != 0 {
		return "", nil, false
	}
	if ws, _ := searchWords(qu.Text); len(ws) == 0 {
		return "", nil, false
	}
	sqlq, args := s.listSQL(actor, qu)
	// listSQL's text-driven form is "… WHERE r.id IN (SELECT r.id FROM reports r WHERE
	// <conditions> ORDER BY r.id + 0 …": bound its inner reports to the window.
	const inner = "IN (SELECT r.id FROM reports r WHERE "
	i := strings.Index(sqlq, inner)
	if i < 0 {
		return "", nil, false
	}
	window := fmt.Sprintf("IN (SELECT r.id FROM (SELECT * FROM reports ORDER BY id DESC LIMIT %d) r WHERE ", searchWindow)
	return sqlq[:i] + window + sqlq[i+len(inner):], args, true
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
