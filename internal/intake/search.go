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
	match(words []string) (string, []any)
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

func (sqliteSearch) match(words []string) (string, []any) {
	// Each word quoted as an FTS5 string; the last one also matches as a prefix.
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if i == len(words)-1 {
			parts[i] += "*"
		}
	}
	return "r.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)", []any{strings.Join(parts, " AND ")}
}

type pgSearch struct{}

func (pgSearch) index(context.Context, db.Querier, *Report) error { return nil } // generated column

func (pgSearch) match(words []string) (string, []any) {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = strings.NewReplacer("'", "", "\\", "", ":", "", "&", "", "|", "", "!", "", "(", "", ")", "", "*", "").Replace(w)
		parts[i] = "'" + parts[i] + "'"
		if i == len(words)-1 {
			parts[i] += ":*"
		}
	}
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

// searchWords splits a query into words (letters and digits), lower-cased, at most 8.
func searchWords(q string) []string {
	ws := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(ws) > 8 {
		ws = ws[:8]
	}
	return ws
}

// Query selects reports for a list.
type Query struct {
	Text       string   // full-text words
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

// List returns reports matching qu that actor may see, newest first.
func (s *Service) List(ctx context.Context, actor authz.Actor, qu Query) ([]*Report, error) {
	scope := authz.Scope(actor, authz.KindReport)
	where := []string{"1 = 1"}
	var args []any
	if scope.SQL != "" {
		where = append(where, "("+strings.ReplaceAll(scope.SQL, "reporter_user_id", "r.reporter_user_id")+")")
		args = append(args, scope.Args...)
	}
	if ws := searchWords(qu.Text); len(ws) > 0 {
		cond, a := s.search.match(ws)
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(qu.States) > 0 {
		where = append(where, "r.state IN ("+db.Placeholders(len(qu.States))+")")
		for _, st := range qu.States {
			args = append(args, st)
		}
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
	if qu.Overdue {
		now := s.clock.Now()
		where = append(where, "((r.acknowledged_at IS NULL AND r.ack_due_at < ?) OR (r.triaged_at IS NULL AND r.assess_due_at < ?)) AND r.state IN ('new', 'acknowledged')")
		args = append(args, now, now)
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
	limit := qu.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	cols := "r." + strings.ReplaceAll(strings.Join(strings.Fields(reportColumns), " "), ", ", ", r.")
	rows, err := s.db.Read().Query(ctx, fmt.Sprintf("SELECT %s FROM reports r WHERE %s ORDER BY r.id DESC LIMIT %d", cols, strings.Join(where, " AND "), limit), args...)
	if err != nil {
		return nil, fmt.Errorf("intake: list reports: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
