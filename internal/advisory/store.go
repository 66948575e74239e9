package advisory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
)

const columns = `id, public_id, osv_id, case_id, source, state, document, author_id, approved_by,
	public_date, published_at, created_at, updated_at, revision, edited_by, pending_document, pending_state, pending_by,
	pending_approved_by`

func scanAdvisory(sc interface{ Scan(...any) error }) (*Advisory, error) {
	var a Advisory
	var doc string
	var caseID, author, approver sql.NullInt64
	var pd, pub sql.NullTime
	var state string
	var editedBy, pendingBy, pendingApprover sql.NullInt64
	var pendingDoc, pendingState sql.NullString
	if err := sc.Scan(&a.ID, &a.PublicID, &a.OSVID, &caseID, &a.Source, &state, &doc, &author, &approver,
		&pd, &pub, &a.CreatedAt, &a.UpdatedAt, &a.Revision, &editedBy, &pendingDoc, &pendingState, &pendingBy, &pendingApprover); err != nil {
		return nil, err
	}
	a.EditedBy = editedBy.Int64
	if a.EditedBy == 0 {
		a.EditedBy = author.Int64
	}
	if pendingDoc.Valid && pendingDoc.String != "" {
		a.Pending = &Pending{State: State(pendingState.String), Doc: &format.Advisory{}, EditedBy: pendingBy.Int64, ApprovedBy: pendingApprover.Int64}
		if err := json.Unmarshal([]byte(pendingDoc.String), a.Pending.Doc); err != nil {
			return nil, fmt.Errorf("advisory %s: stored pending revision is not readable: %w", a.PublicID, err)
		}
	}
	a.State = State(state)
	if caseID.Valid {
		a.CaseID = &caseID.Int64
	}
	a.AuthorID, a.ApprovedBy = author.Int64, approver.Int64
	if pd.Valid {
		t := pd.Time.UTC()
		a.PublicDate = &t
	}
	if pub.Valid {
		t := pub.Time.UTC()
		a.PublishedAt = &t
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.Doc = &format.Advisory{}
	if err := json.Unmarshal([]byte(doc), a.Doc); err != nil {
		return nil, fmt.Errorf("advisory %s: stored document is not readable: %w", a.PublicID, err)
	}
	a.Scores = scores(a.Doc)
	return &a, nil
}

// scores computes the CVSS scores of every vector of the document.
func scores(d *format.Advisory) []Score {
	var out []Score
	for _, s := range d.Severity {
		if s.Type != format.CVSSv2 && s.Type != format.CVSSv3 && s.Type != format.CVSSv4 {
			continue
		}
		score, sev, ver, err := format.ScoreCVSS(s.Score)
		if err != nil {
			continue
		}
		out = append(out, Score{Type: s.Type, Vector: s.Score, Score: score, Severity: sev, Version: ver})
	}
	return out
}

// get finds an advisory by public id, OSV id or numeric id.
func get(ctx context.Context, q db.Querier, ref string) (*Advisory, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, db.ErrNotFound
	}
	var row *sql.Row
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		row = q.QueryRow(ctx, "SELECT "+columns+" FROM advisories WHERE id = ?", n)
	} else {
		row = q.QueryRow(ctx, "SELECT "+columns+" FROM advisories WHERE public_id = ? OR osv_id = ? ORDER BY id LIMIT 1", ref, ref)
	}
	a, err := scanAdvisory(row)
	if db.NotFound(err) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("advisory: get %s: %w", ref, err)
	}
	return a, nil
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func nullCase(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}

func marshalDoc(d *format.Advisory) (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}

// insert stores a new advisory and its first revision.
func insert(ctx context.Context, q db.Querier, a *Advisory, actor authz.Actor, summary string) error {
	doc, err := marshalDoc(a.Doc)
	if err != nil {
		return err
	}
	a.EditedBy = a.AuthorID
	err = q.QueryRow(ctx, `INSERT INTO advisories (public_id, osv_id, case_id, source, state, title, document, author_id,
		approved_by, public_date, published_at, created_at, updated_at, revision, edited_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.PublicID, a.OSVID, nullCase(a.CaseID), a.Source, string(a.State), a.Title(), doc, nullInt(a.AuthorID),
		nullInt(a.ApprovedBy), nullTime(a.PublicDate), nullTime(a.PublishedAt), a.CreatedAt, a.UpdatedAt, a.Revision, nullInt(a.EditedBy)).Scan(&a.ID)
	if db.IsUniqueViolation(err) {
		return fmt.Errorf("advisory %s already exists (OSV id %s); change it instead of importing it again: %w", a.PublicID, a.OSVID, db.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("advisory: insert %s: %w", a.PublicID, err)
	}
	return insertRevision(ctx, q, a, actor, doc, summary)
}

func insertRevision(ctx context.Context, q db.Querier, a *Advisory, actor authz.Actor, doc, summary string) error {
	_, err := q.Exec(ctx, `INSERT INTO advisory_revisions (advisory_id, revision, at, actor_id, actor, state, summary, document)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Revision, a.UpdatedAt, nullInt(actor.UserID), actor.Label(), string(a.State), summary, doc)
	if err != nil {
		return fmt.Errorf("advisory: revision %d of %s: %w", a.Revision, a.PublicID, err)
	}
	a.Scores = scores(a.Doc)
	return nil
}

// save writes a changed advisory as the next revision, provided nobody saved another
// revision since it was read (prev): a lost update becomes db.ErrConflict.
func save(ctx context.Context, q db.Querier, a *Advisory, prev int, actor authz.Actor, summary string) error {
	doc, err := marshalDoc(a.Doc)
	if err != nil {
		return err
	}
	var pendingDoc, pendingState any
	var pendingBy, pendingApprover int64
	if a.Pending != nil {
		pd, err := marshalDoc(a.Pending.Doc)
		if err != nil {
			return err
		}
		pendingDoc, pendingState, pendingBy, pendingApprover = pd, string(a.Pending.State), a.Pending.EditedBy, a.Pending.ApprovedBy
	}
	a.Revision = prev + 1
	res, err := q.Exec(ctx, `UPDATE advisories SET state = ?, title = ?, document = ?, approved_by = ?, public_date = ?,
		published_at = ?, updated_at = ?, revision = ?, edited_by = ?, pending_document = ?, pending_state = ?, pending_by = ?,
		pending_approved_by = ? WHERE id = ? AND revision = ?`,
		string(a.State), a.Title(), doc, nullInt(a.ApprovedBy), nullTime(a.PublicDate), nullTime(a.PublishedAt), a.UpdatedAt,
		a.Revision, nullInt(a.EditedBy), pendingDoc, pendingState, nullInt(pendingBy), nullInt(pendingApprover), a.ID, prev)
	if err != nil {
		return fmt.Errorf("advisory: save %s: %w", a.PublicID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("advisory %s was changed by someone else (revision %d is no longer current); reload and try again: %w", a.PublicID, prev, db.ErrConflict)
	}
	return insertRevision(ctx, q, a, actor, doc, summary)
}

// ListOptions select a page of advisories.
type ListOptions struct {
	Before int64   // numeric id: list advisories older than this one (cursor); 0 = newest
	Limit  int     // default 50, at most 500
	States []State // only these states; nil = all
}

func list(ctx context.Context, q db.Querier, scope db.Filter, o ListOptions) ([]*Advisory, error) {
	where := "WHERE 1 = 1" + scope.Where()
	args := append([]any(nil), scope.Args...)
	if o.Before > 0 {
		where += " AND id < ?"
		args = append(args, o.Before)
	}
	if len(o.States) > 0 {
		where += " AND state IN (" + db.Placeholders(len(o.States)) + ")"
		for _, s := range o.States {
			args = append(args, string(s))
		}
	}
	if o.Limit <= 0 || o.Limit > 501 {
		o.Limit = 50
	}
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s FROM advisories %s ORDER BY id DESC LIMIT %d", columns, where, o.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("advisory: list: %w", err)
	}
	defer rows.Close()
	var out []*Advisory
	for rows.Next() {
		a, err := scanAdvisory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// published lists the public advisories (published or withdrawn), newest publication first.
func published(ctx context.Context, q db.Querier, limit int) ([]*Advisory, error) {
	lim := ""
	if limit > 0 {
		lim = fmt.Sprintf(" LIMIT %d", limit)
	}
	scope := authz.Scope(authz.Anonymous(), authz.KindAdvisory)
	rows, err := q.Query(ctx, "SELECT "+columns+" FROM advisories WHERE 1 = 1"+scope.Where()+
		" ORDER BY published_at DESC, id DESC"+lim, scope.Args...)
	if err != nil {
		return nil, fmt.Errorf("advisory: list published: %w", err)
	}
	defer rows.Close()
	var out []*Advisory
	for rows.Next() {
		a, err := scanAdvisory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func revisions(ctx context.Context, q db.Querier, id int64) ([]Revision, error) {
	rows, err := q.Query(ctx, `SELECT revision, at, actor_id, actor, state, summary FROM advisory_revisions
		WHERE advisory_id = ? ORDER BY revision DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("advisory: revisions: %w", err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		var actorID sql.NullInt64
		var st string
		if err := rows.Scan(&r.Revision, &r.At, &actorID, &r.Actor, &st, &r.Summary); err != nil {
			return nil, err
		}
		r.ActorID, r.State, r.At = actorID.Int64, State(st), r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// ofCase lists the advisories of case caseID in the given states, oldest first.
func ofCase(ctx context.Context, q db.Querier, caseID int64, states ...State) ([]*Advisory, error) {
	args := []any{caseID}
	for _, s := range states {
		args = append(args, string(s))
	}
	rows, err := q.Query(ctx, "SELECT "+columns+" FROM advisories WHERE case_id = ? AND state IN ("+db.Placeholders(len(states))+") ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("advisory: advisories of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []*Advisory
	for rows.Next() {
		a, err := scanAdvisory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
