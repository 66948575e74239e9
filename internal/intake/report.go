package intake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/idem"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/validate"
)

// newToken returns a random URL-safe token with 256 bits of entropy.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	s := sha256.Sum256([]byte(t))
	return hex.EncodeToString(s[:])
}

// TrackingURL is the finder's private link for a tracking token.
func (s *Service) TrackingURL(token string) string { return s.cfg.BaseURL + "/track/" + token }

// Submit records a report from actor (anonymous for the public form and API) and
// returns the finder's receipt. The report, its event and its acknowledgement job are
// one transaction: when Submit returns, the report survives a crash.
func (s *Service) Submit(ctx context.Context, actor authz.Actor, source string, in Submission) (*Report, *Receipt, error) {
	return s.SubmitWithFiles(ctx, actor, source, in, nil)
}

// SubmitWithFiles records a report with the files sent along with it (the web form):
// the report and its files are one transaction, so a file that cannot be taken (too
// large, too many) refuses the whole submission and nothing is stored.
func (s *Service) SubmitWithFiles(ctx context.Context, actor authz.Actor, source string, in Submission, files []Upload) (*Report, *Receipt, error) {
	err := in.Normalize()
	if len(files) > 0 {
		if s.files == nil {
			return nil, nil, validate.Field("attachments", "this server takes no files")
		}
		if ferr := s.files.check(files); ferr != nil {
			if err == nil {
				return nil, nil, ferr
			}
			fe, _ := validate.As(err)
			if tl, ok := ferr.(*TooLargeError); ok {
				tl.Fields = append(fe, tl.Fields...)
				return nil, nil, tl
			}
			ff, _ := validate.As(ferr)
			return nil, nil, append(fe, ff...)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var r *Report
	var token string
	err = s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		if r, token, err = s.insert(ctx, q, actor, source, in, ""); err != nil {
			return err
		}
		if len(files) > 0 {
			if _, err := s.addMessage(ctx, q, actor, r, "finder", "finder", source, fmt.Sprintf("Sent %d file(s) with the report.", len(files))); err != nil {
				return err
			}
		}
		for _, f := range files {
			if _, err := s.files.store(ctx, q, r.ID, "finder", f, s.clock.Now()); err != nil {
				return err
			}
		}
		return idem.Record(ctx, q, http.StatusCreated, &Receipt{ID: r.PublicID, TrackingURL: s.TrackingURL(token)})
	})
	if err != nil {
		return nil, nil, err
	}
	return r, &Receipt{ID: r.PublicID, TrackingURL: s.TrackingURL(token)}, nil
}

func (s *Service) insert(ctx context.Context, q db.Querier, actor authz.Actor, source string, in Submission, messageID string) (*Report, string, error) {
	now := s.clock.Now()
	pid, err := s.nextID(ctx, q)
	if err != nil {
		return nil, "", err
	}
	token := newToken()
	r := &Report{PublicID: pid, Kind: in.Kind, Pathway: in.Pathway, Source: source, State: StateNew, Summary: in.Summary,
		Details: in.Details, Project: in.Project, Affected: in.Affected, Reproduction: in.Reproduction, PoC: in.PoC,
		Impact: in.Impact, Severity: in.Severity, CVSSVector: in.CVSSVector, CWE: in.CWE, Exploitation: in.Exploitation,
		Publicity: in.Publicity, SharedWith: in.SharedWith, Patch: in.ProposedPatch, Tests: in.Tests, Workaround: in.Workaround,
		Disclosure: in.Disclosure, Reporter: in.Reporter, ReceivedAt: now, UpdatedAt: now, replyToken: mail.NewToken(),
		AckDue: s.cfg.Policy.AcknowledgeBy(s.cfg.Calendar, now), AssessDue: s.cfg.Policy.AssessBy(s.cfg.Calendar, now), holdAck: in.holdAck}
	if r.Affected == nil {
		r.Affected = []Affected{}
	}
	if actor.UserID != 0 {
		r.ReporterUser = actor.UserID
		if r.Reporter.Email == "" {
			r.Reporter.Email = actor.Email
		}
	}
	r.ClusterKey = clusterKey(r)
	r.computeReadiness()
	aff, _ := json.Marshal(r.Affected)
	var reporterUser any
	if r.ReporterUser != 0 {
		reporterUser = r.ReporterUser
	}
	err = q.QueryRow(ctx, `INSERT INTO reports (public_id, kind, pathway, source, state, summary, details, reproduction, impact, severity,
		cvss_vector, exploitation, publicity, proposed_patch, tests, poc, cwe, workaround, shared_with, disclosure, project, affected_json,
		reporter_name, reporter_email, reporter_credit, reporter_user_id, tracking_hash, reply_token, cluster_key, completeness,
		ack_due_at, assess_due_at, due_at, mail_message_id, received_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.PublicID, r.Kind, r.Pathway, r.Source, r.State, r.Summary, r.Details, r.Reproduction, r.Impact, r.Severity,
		r.CVSSVector, r.Exploitation, r.Publicity, r.Patch, r.Tests, r.PoC, r.CWE, r.Workaround, r.SharedWith, r.Disclosure, r.Project, string(aff),
		r.Reporter.Name, r.Reporter.Email, r.Reporter.Credit, reporterUser, hashToken(token), r.replyToken, r.ClusterKey, r.Completeness,
		r.AckDue, r.AssessDue, r.dueAt(), messageID, now, now).Scan(&r.ID)
	if err != nil {
		return nil, "", fmt.Errorf("intake: store report: %w", err)
	}
	if err := s.search.index(ctx, q, r); err != nil {
		return nil, "", err
	}
	if _, err := s.events.Append(ctx, q, actor, events.Entry{Action: "report.received", Subject: r.Ref(),
		After: map[string]any{"kind": r.Kind, "source": r.Source, "pathway": r.Pathway, "completeness": r.Completeness}}); err != nil {
		return nil, "", err
	}
	if err := s.ackTx(ctx, q, r, token); err != nil {
		return nil, "", err
	}
	return r, token, nil
}

const reportColumns = `id, public_id, kind, pathway, source, state, summary, details, reproduction, impact, severity, cvss_vector,
	exploitation, publicity, proposed_patch, tests, poc, cwe, workaround, shared_with, disclosure, project, affected_json,
	reporter_name, reporter_email, reporter_credit, reporter_user_id, reply_token, assignee_id, duplicate_of, cluster_key,
	ssvc_json, outcome, rationale, triaged_at, acknowledged_at, ack_due_at, assess_due_at, parked_until, closed_at, mail_message_id, received_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanReport(sc scanner) (*Report, error) {
	var r Report
	var aff string
	var reporterUser, assignee, dup *int64
	var ssvc *string
	err := sc.Scan(&r.ID, &r.PublicID, &r.Kind, &r.Pathway, &r.Source, &r.State, &r.Summary, &r.Details, &r.Reproduction, &r.Impact,
		&r.Severity, &r.CVSSVector, &r.Exploitation, &r.Publicity, &r.Patch, &r.Tests, &r.PoC, &r.CWE, &r.Workaround, &r.SharedWith,
		&r.Disclosure, &r.Project, &aff, &r.Reporter.Name, &r.Reporter.Email, &r.Reporter.Credit, &reporterUser, &r.replyToken,
		&assignee, &dup, &r.ClusterKey, &ssvc, &r.Outcome, &r.Rationale, &r.TriagedAt, &r.AckAt, &r.AckDue, &r.AssessDue,
		&r.ParkedUntil, &r.ClosedAt, &r.messageID, &r.ReceivedAt, &r.UpdatedAt)
	if err != nil {
		if db.NotFound(err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("intake: read report: %w", err)
	}
	if err := json.Unmarshal([]byte(aff), &r.Affected); err != nil || r.Affected == nil {
		r.Affected = []Affected{}
	}
	if reporterUser != nil {
		r.ReporterUser = *reporterUser
	}
	if assignee != nil {
		r.Assignee = *assignee
	}
	r.duplicateOfID = dup
	if ssvc != nil {
		r.SSVC = json.RawMessage(*ssvc)
	}
	r.computeReadiness()
	return &r, nil
}

// load reads a report by public id, or by numeric id when ref is a number.
func (s *Service) load(ctx context.Context, q db.Querier, ref string) (*Report, error) {
	r, err := scanReport(q.QueryRow(ctx, "SELECT "+reportColumns+" FROM reports WHERE public_id = ?", strings.ToUpper(strings.TrimSpace(ref))))
	if err != nil {
		return nil, err
	}
	if r.duplicateOfID != nil {
		_ = q.QueryRow(ctx, "SELECT public_id FROM reports WHERE id = ?", *r.duplicateOfID).Scan(&r.DuplicateOf)
	}
	return r, nil
}

func (s *Service) loadByID(ctx context.Context, q db.Querier, id int64) (*Report, error) {
	return scanReport(q.QueryRow(ctx, "SELECT "+reportColumns+" FROM reports WHERE id = ?", id))
}

// Get returns a report the actor may read (404 otherwise, never 403).
func (s *Service) Get(ctx context.Context, actor authz.Actor, ref string) (*Report, error) {
	r, err := s.load(ctx, s.db.Read(), ref)
	if err != nil {
		return nil, err
	}
	if err := authz.Can(actor, authz.ReadReport, r.AuthzObject()); err != nil {
		return nil, ErrNotFound
	}
	return r, nil
}

// ForUpdate loads a report inside a transaction and checks actor may do action on it.
func (s *Service) ForUpdate(ctx context.Context, q db.Querier, actor authz.Actor, ref string, action authz.Action) (*Report, error) {
	r, err := s.load(ctx, q, ref)
	if err != nil {
		return nil, err
	}
	if err := authz.Can(actor, authz.ReadReport, r.AuthzObject()); err != nil {
		return nil, ErrNotFound
	}
	if err := authz.Can(actor, action, r.AuthzObject()); err != nil {
		return nil, err
	}
	return r, nil
}

// setState changes a report's state with an event, inside q.
func (s *Service) setState(ctx context.Context, q db.Querier, actor authz.Actor, r *Report, state, action string, extra map[string]any) error {
	now := s.clock.Now()
	closed := any(nil)
	if state == StateDeclined || state == StateClosed || state == StateDuplicate {
		closed = now
	}
	old := r.State
	r.State = state
	if _, err := q.Exec(ctx, "UPDATE reports SET state = ?, closed_at = ?, due_at = ?, updated_at = ? WHERE id = ?", state, closed, r.dueAt(), now, r.ID); err != nil {
		r.State = old
		return fmt.Errorf("intake: report %s state: %w", r.PublicID, err)
	}
	after := map[string]any{"state": state}
	for k, v := range extra {
		after[k] = v
	}
	_, err := s.events.Append(ctx, q, actor, events.Entry{Action: action, Subject: r.Ref(), Before: map[string]any{"state": old}, After: after})
	return err
}

// dueAt is the value of the due_at column: the report's next deadline while it is open
// (new or acknowledged) — acknowledgement first, then initial assessment — and NULL
// once it has none. Every write of state, acknowledged_at or triaged_at writes it, so
// "overdue" is an indexed range (due_at < now).
func (r *Report) dueAt() any {
	if r.State != StateNew && r.State != StateAcknowledged {
		return nil
	}
	if r.AckAt == nil && (r.TriagedAt != nil || r.AckDue.Before(r.AssessDue)) {
		return r.AckDue
	}
	if r.TriagedAt == nil {
		return r.AssessDue
	}
	return nil
}

// clusterKey groups near-duplicate reports: the first affected package and the
// distinctive words of the summary, so the same bug reported by several finders (or
// generated many times over) lands in one cluster.
func clusterKey(r *Report) string {
	pkg := strings.ToLower(r.Project)
	if len(r.Affected) > 0 {
		pkg = strings.ToLower(r.Affected[0].Package.Ecosystem + "/" + r.Affected[0].Package.Name)
	}
	words := significantWords(r.Summary)
	if len(words) > 4 {
		words = words[:4]
	}
	return pkg + "|" + strings.Join(words, " ")
}

var stopWords = map[string]bool{"a": true, "an": true, "the": true, "in": true, "of": true, "on": true, "for": true, "to": true,
	"and": true, "or": true, "via": true, "with": true, "by": true, "when": true, "is": true, "at": true, "from": true, "variant": true}

// significantWords returns the summary's lower-case words minus stop words and
// numbers, sorted, so "Heap overflow in image decoder" ≈ "image decoder heap overflow".
func significantWords(s string) []string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	seen := map[string]bool{}
	var out []string
	for _, f := range fields {
		if stopWords[f] || len(f) < 3 || strings.Trim(f, "0123456789") == "" || seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	sortStrings(out)
	return out
}

func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// Similarity is the Jaccard similarity of two summaries' significant words.
func Similarity(a, b string) float64 {
	wa, wb := significantWords(a), significantWords(b)
	if len(wa) == 0 && len(wb) == 0 {
		return 0
	}
	set := map[string]int{}
	for _, w := range wa {
		set[w] |= 1
	}
	for _, w := range wb {
		set[w] |= 2
	}
	both := 0
	for _, v := range set {
		if v == 3 {
			both++
		}
	}
	return float64(both) / float64(len(set))
}
