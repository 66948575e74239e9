// Package devseed fills a migrated database with a busy year of realistic, synthetic
// data — reports of ~2.4 KB, cases opened from some of them, and a hash-chained event
// log — for benchmarks and for trying sirt at scale (`sirt dev seed`). It writes with
// multi-row INSERTs in large transactions, bypassing the services, and runs ANALYZE at
// the end so the planner has statistics at once.
package devseed

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// Options sizes the data set.
type Options struct {
	Reports int
	Cases   int // at most Reports
	Events  int
	Seed    int64
	// Now is the end of the year the data covers (default: the current time).
	Now time.Time
	// Progress, when set, receives a line per table.
	Progress io.Writer
	// NoAnalyze skips the final ANALYZE (plan tests check plans without statistics too).
	NoAnalyze bool
}

// Stats are what Seed wrote.
type Stats struct {
	Reports, Cases, Events int
	Took                   time.Duration
}

// RareWord occurs in exactly one seeded report's details (when there are any reports);
// NoHitWord occurs in none. Benchmarks search for them.
const (
	RareWord  = "quuxolation"
	NoHitWord = "zzyzxnohit"
)

// Prefix is the tracking-id prefix of seeded reports and cases.
const Prefix = "SEED"

// batch is the number of rows per INSERT statement.
const batch = 200

// Seed writes the data set into d, which must be migrated and may already hold data
// (seeded rows get ids after the existing ones; the event chain is continued).
func Seed(ctx context.Context, d *db.DB, o Options) (Stats, error) {
	start := time.Now()
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Cases > o.Reports {
		o.Cases = o.Reports
	}
	g := &gen{rnd: rand.New(rand.NewSource(o.Seed + 1)), now: o.Now, dialect: d.Dialect()}
	g.vocab()
	var st Stats
	var userID int64
	err := d.InTx(ctx, func(q db.Querier) error {
		err := q.QueryRow(ctx, "SELECT id FROM users WHERE email = ?", "seed-responder@example.org").Scan(&userID)
		if db.NotFound(err) {
			err = q.QueryRow(ctx, `INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, 'responder', ?, ?) RETURNING id`,
				"seed-responder@example.org", "Seed Responder", o.Now, o.Now).Scan(&userID)
		}
		if err != nil {
			return err
		}
		return q.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM reports").Scan(&g.reportBase)
	})
	if err != nil {
		return st, fmt.Errorf("devseed: %w", err)
	}
	g.user = userID
	if err := g.reports(ctx, d, o.Reports, o.Cases); err != nil {
		return st, err
	}
	st.Reports = o.Reports
	progress(o.Progress, "reports", o.Reports, start)
	if err := g.cases(ctx, d, o.Cases); err != nil {
		return st, err
	}
	st.Cases = o.Cases
	progress(o.Progress, "cases", o.Cases, start)
	if err := g.events(ctx, d, o.Reports, o.Cases, o.Events); err != nil {
		return st, err
	}
	st.Events = o.Events
	progress(o.Progress, "events", o.Events, start)
	if !o.NoAnalyze {
		if err := Analyze(ctx, d); err != nil {
			return st, err
		}
	}
	st.Took = time.Since(start)
	return st, nil
}

// Analyze refreshes the planner's statistics after a bulk load, so plans do not depend
// on the server's autovacuum (PostgreSQL) or on an ANALYZE never run (SQLite).
func Analyze(ctx context.Context, d *db.DB) error {
	if _, err := d.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("devseed: analyze: %w", err)
	}
	return nil
}

func progress(w io.Writer, what string, n int, start time.Time) {
	if w != nil {
		fmt.Fprintf(w, "%-8s %9d rows  %6.1fs\n", what, n, time.Since(start).Seconds())
	}
}

type gen struct {
	rnd        *rand.Rand
	now        time.Time
	dialect    db.Dialect
	user       int64
	reportBase int64
	caseBase   int64
	words      []string
	pkgs       []string
	// per report (index i = id - reportBase - 1): received time and public id.
	received []time.Time
	pids     []string
	caseIDs  []int64
}

var (
	ecosystems = []string{"npm", "PyPI", "Go", "crates.io", "Maven", "RubyGems", "Packagist", "NuGet"}
	flaws      = []string{"Heap overflow", "Use after free", "SQL injection", "Cross-site scripting", "Path traversal",
		"Server-side request forgery", "Denial of service", "Integer overflow", "Authentication bypass", "Prototype pollution",
		"Command injection", "Out-of-bounds read", "Deserialization of untrusted data", "Open redirect", "XML external entity"}
	parts = []string{"parser", "decoder", "URL handling", "session cookie", "template engine", "archive extraction",
		"image loader", "header parsing", "config loader", "plugin API", "regex engine", "TLS handshake"}
	states = []struct {
		name string
		pct  int
	}{{"new", 1}, {"acknowledged", 2}, {"tracking", 20}, {"declined", 30}, {"duplicate", 10}, {"closed", 7}} // the rest: coordinating (cases)
)

func (g *gen) vocab() {
	syll := []string{"ka", "lo", "mi", "ra", "ten", "vor", "ul", "sin", "de", "pra", "ko", "zu", "ber", "an", "tis", "gol", "fe", "nex"}
	seen := map[string]bool{}
	for len(g.words) < 4000 {
		n := 2 + g.rnd.Intn(3)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(syll[g.rnd.Intn(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			g.words = append(g.words, w)
		}
	}
	for i := 0; i < 3000; i++ {
		g.pkgs = append(g.pkgs, fmt.Sprintf("%s-%s%d", g.words[g.rnd.Intn(500)], g.words[g.rnd.Intn(500)], i))
	}
}

// text returns about n bytes of words, Zipf-like so some words are common and most rare.
func (g *gen) text(n int) string {
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		i := int(float64(len(g.words)) * g.rnd.Float64() * g.rnd.Float64() * g.rnd.Float64())
		b.WriteString(g.words[i])
		if g.rnd.Intn(12) == 0 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func (g *gen) token() string {
	var b [16]byte
	g.rnd.Read(b[:])
	return hex.EncodeToString(b[:])
}

// insertRows writes rows (each len(cols) values) with multi-row INSERTs in one
// transaction per 20 statements.
func insertRows(ctx context.Context, d *db.DB, table, cols string, ncols int, rows [][]any) error {
	one := "(" + db.Placeholders(ncols) + ")"
	for len(rows) > 0 {
		chunk := rows
		if len(chunk) > batch*20 {
			chunk = rows[:batch*20]
		}
		rows = rows[len(chunk):]
		err := d.InTx(ctx, func(q db.Querier) error {
			for c := chunk; len(c) > 0; {
				part := c
				if len(part) > batch {
					part = c[:batch]
				}
				c = c[len(part):]
				args := make([]any, 0, len(part)*ncols)
				for _, r := range part {
					args = append(args, r...)
				}
				sqlq := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", len(part)), ", ")
				if _, err := q.Exec(ctx, sqlq, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("devseed: %s: %w", table, err)
		}
	}
	return nil
}

const reportCols = `id, public_id, kind, source, state, summary, details, reproduction, impact, severity, cwe, project, affected_json,
	reporter_name, reporter_email, tracking_hash, reply_token, assignee_id, cluster_key, completeness, outcome, triaged_by, triaged_at,
	acknowledged_at, ack_due_at, assess_due_at, due_at, closed_at, received_at, updated_at`

func (g *gen) reports(ctx context.Context, d *db.DB, n, ncases int) error {
	year := g.now.Add(-365 * 24 * time.Hour)
	g.received = make([]time.Time, n)
	g.pids = make([]string, n)
	var rows, fts [][]any
	flush := func() error {
		if err := insertRows(ctx, d, "reports", reportCols, 30, rows); err != nil {
			return err
		}
		if g.dialect == db.SQLite {
			if err := insertRows(ctx, d, "reports_fts", "rowid, summary, body", 3, fts); err != nil {
				return err
			}
		}
		rows, fts = rows[:0], fts[:0]
		return nil
	}
	for i := 0; i < n; i++ {
		id := g.reportBase + int64(i) + 1
		at := year.Add(time.Duration(float64(365*24*time.Hour) * float64(i) / float64(n))).Truncate(time.Second)
		g.received[i] = at
		pid := fmt.Sprintf("%s-%d-%06d", Prefix, at.Year(), id)
		g.pids[i] = pid
		state := "coordinating"
		if i < n-ncases || ncases == 0 {
			// Reports opened into cases are spread evenly; the others draw a state, open
			// ones more often among the recent.
			p := g.rnd.Intn(100 - ncases*100/max(n, 1) + 1)
			acc := 0
			state = "closed"
			for _, s := range states {
				acc += s.pct
				if p < acc {
					state = s.name
					break
				}
			}
			if i > n-n/20 && g.rnd.Intn(3) == 0 {
				state = "new"
			}
		}
		eco := ecosystems[g.rnd.Intn(len(ecosystems))]
		pkg := g.pkgs[g.rnd.Intn(len(g.pkgs))]
		flaw := flaws[g.rnd.Intn(len(flaws))]
		part := parts[g.rnd.Intn(len(parts))]
		summary := fmt.Sprintf("%s in %s %s", flaw, pkg, part)
		details := g.text(1500)
		if i == n/2 {
			details += " " + RareWord
		}
		repro := g.text(550)
		impact := g.text(250)
		aff, _ := json.Marshal([]map[string]any{{"package": map[string]string{"ecosystem": eco, "name": pkg,
			"purl": "pkg:" + strings.ToLower(eco) + "/" + pkg}, "versions": "< 1." + fmt.Sprint(g.rnd.Intn(20))}})
		ackDue := at.Add(48 * time.Hour)
		assessDue := at.Add(7 * 24 * time.Hour)
		var ackAt, triagedAt, closedAt, assignee, triagedBy, due any
		outcome := ""
		open := state == "new" || state == "acknowledged"
		if state != "new" {
			ackAt = at.Add(time.Duration(1+g.rnd.Intn(40)) * time.Hour)
		}
		if !open {
			triagedAt = at.Add(time.Duration(24+g.rnd.Intn(120)) * time.Hour)
			triagedBy = g.user
			outcome = map[string]string{"tracking": "track", "coordinating": "coordinate", "declined": "decline"}[state]
			assignee = g.user
		}
		if state == "declined" || state == "duplicate" || state == "closed" {
			closedAt = triagedAt
		}
		if open {
			due = assessDue
			if state == "new" && ackDue.Before(assessDue) {
				due = ackDue
			}
		}
		email := fmt.Sprintf("finder%d@example.net", g.rnd.Intn(n/4+1))
		rows = append(rows, []any{id, pid, "vulnerability", []string{"web", "api", "email"}[g.rnd.Intn(3)], state, summary, details, repro, impact,
			[]string{"low", "medium", "high", "critical"}[g.rnd.Intn(4)], fmt.Sprintf("CWE-%d", 20+g.rnd.Intn(900)), pkg, string(aff),
			"Finder " + g.words[g.rnd.Intn(len(g.words))], email, g.token(), g.token(), assignee,
			strings.ToLower(eco+"/"+pkg) + "|" + strings.ToLower(part), 60 + g.rnd.Intn(40), outcome, triagedBy, triagedAt,
			ackAt, ackDue, assessDue, due, closedAt, at, at})
		if g.dialect == db.SQLite {
			body := pkg + " " + eco + " " + pkg + " pkg:" + strings.ToLower(eco) + "/" + pkg + "\n" + details + "\n" + repro + "\n" + impact + "\n" + pid
			fts = append(fts, []any{id, summary, body})
		}
		if len(rows) >= 4000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// Keep the tracking-id counters ahead of the seeded ids.
	return d.InTx(ctx, func(q db.Querier) error {
		for y := year.Year(); y <= g.now.Year(); y++ {
			name := fmt.Sprintf("%s-%d", Prefix, y)
			if _, err := q.Exec(ctx, `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
				name, g.reportBase+int64(n)); err != nil {
				return err
			}
		}
		return nil
	})
}

const caseCols = `id, public_id, report_id, title, summary, details, project, phase, tlp, terms, em_state, reply_token, created_by, created_at, updated_at, closed_at`

var casePhases = []string{"triage", "validate", "coordination", "patch", "test", "document", "distribute", "disclose"}

func (g *gen) cases(ctx context.Context, d *db.DB, n int) error {
	if n == 0 {
		return nil
	}
	if err := d.Read().QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM cases").Scan(&g.caseBase); err != nil {
		return fmt.Errorf("devseed: cases: %w", err)
	}
	total := len(g.received)
	var rows, members [][]any
	for i := 0; i < n; i++ {
		ri := total - n + i // the last n reports are "coordinating"
		id := g.caseBase + int64(i) + 1
		g.caseIDs = append(g.caseIDs, id)
		at := g.received[ri].Add(72 * time.Hour)
		phase := casePhases[min(len(casePhases)-1, (n-i)*len(casePhases)/n)]
		tlp, em := "RED", "active"
		var closed any
		if phase == "disclose" {
			tlp, em, closed = "CLEAR", "exited", at.Add(60*24*time.Hour)
		}
		rows = append(rows, []any{id, "C" + g.pids[ri], g.reportBase + int64(ri) + 1, "Case: " + g.text(40), g.text(300), g.text(900),
			g.pkgs[g.rnd.Intn(len(g.pkgs))], phase, tlp, "Embargoed until the agreed date.", em, g.token(), g.user, at, at, closed})
		members = append(members, []any{id, g.user, "seed-responder@example.org", "Seed Responder", "coordinator", at, g.token(), g.token(), at, at})
	}
	if err := insertRows(ctx, d, "cases", caseCols, 16, rows); err != nil {
		return err
	}
	return insertRows(ctx, d, "case_members", "case_id, user_id, email, name, case_role, read_in_at, reply_token, private_token, created_at, updated_at", 10, members)
}

var reportActions = []string{"report.received", "report.acknowledged", "report.message.finder", "report.assigned", "report.triaged", "report.message.staff"}
var caseActions = []string{"case.post.added", "case.participant.added", "case.embargo.proposed", "case.task.updated", "case.phase.changed", "case.status.updated"}

func (g *gen) events(ctx context.Context, d *db.DB, nreports, ncases, n int) error {
	if n == 0 {
		return nil
	}
	var seq int64
	var prev string
	if err := d.Read().QueryRow(ctx, "SELECT seq, hash FROM event_chain WHERE id = 1").Scan(&seq, &prev); err != nil {
		return fmt.Errorf("devseed: events: %w", err)
	}
	start := g.now.Add(-365 * 24 * time.Hour)
	step := float64(365*24*time.Hour) / float64(n)
	rows := make([][]any, 0, 4000)
	for i := 0; i < n; i++ {
		seq++
		e := events.Event{Seq: seq, At: start.Add(time.Duration(step * float64(i))).Truncate(time.Microsecond), ActorID: g.user,
			Actor: "seed-responder@example.org", PrevHash: prev}
		if ncases > 0 && g.rnd.Intn(2) == 0 {
			ci := g.rnd.Intn(ncases)
			e.Action = caseActions[g.rnd.Intn(len(caseActions))]
			e.CaseID = g.caseIDs[ci]
			e.Subject = events.Ref{Type: "case", ID: "C" + g.pids[nreports-ncases+ci]}
		} else if nreports > 0 {
			ri := min(nreports-1, int(float64(nreports)*float64(i)/float64(n))+g.rnd.Intn(50))
			e.Action = reportActions[g.rnd.Intn(len(reportActions))]
			e.Subject = events.Ref{Type: "report", ID: g.pids[ri]}
		} else {
			e.Action = "user.login"
			e.Subject = events.Ref{Type: "user", ID: fmt.Sprint(g.user)}
		}
		e.After = json.RawMessage(fmt.Sprintf(`{"note":%q}`, g.text(60)))
		events.Seal(&e)
		prev = e.Hash
		var caseID any
		if e.CaseID != 0 {
			caseID = e.CaseID
		}
		rows = append(rows, []any{e.Seq, e.At, e.ActorID, e.Actor, e.Action, e.Subject.Type, e.Subject.ID, caseID, string(e.After), e.PrevHash, e.Hash})
		if len(rows) == cap(rows) || i == n-1 {
			if err := insertRows(ctx, d, "events", "seq, at, actor_id, actor, action, subject_type, subject_id, case_id, after_json, prev_hash, hash", 11, rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	return d.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "UPDATE event_chain SET seq = ?, hash = ? WHERE id = 1", seq, prev)
		return err
	})
}
