package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/ids"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/validate"
)

// NewCase opens a case: from a report (ReportID, the team only) or directly.
type NewCase struct {
	ReportID string `json:"report_id,omitempty" doc:"Open the case from this report (its tracking id); the case keeps the id."`
	Title    string `json:"title,omitempty" maxLength:"300" doc:"Required when not opened from a report."`
	Summary  string `json:"summary,omitempty" maxLength:"2000"`
	Details  string `json:"details,omitempty" maxLength:"200000" doc:"Markdown."`
	Project  string `json:"project,omitempty" maxLength:"300" doc:"The affected project. A maintainer opening their own case becomes its owner."`
	Terms    string `json:"terms,omitempty" maxLength:"20000" doc:"Confidentiality terms; default the team's."`
	Exercise bool   `json:"exercise,omitempty" doc:"A tabletop exercise (the team only): it never mails outside the team and never publishes."`
}

// Open opens a case. From a report: responders and admins; the case takes the report's
// tracking id, the report's finder becomes a participant (role finder), its affected
// packages, CVSS vector and CWE become the case's first vulnerability, and the report
// moves to "coordinating". Directly: staff (they become its coordinator) or a member
// maintainer for their own project (they become its owner, read in, and the team is
// asked to coordinate).
func (s *Service) Open(ctx context.Context, actor authz.Actor, in NewCase) (*Case, error) {
	if err := authz.Can(actor, authz.CreateCase, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.ReportID = strings.ToUpper(strings.TrimSpace(in.ReportID))
	in.Title = e.Text("title", strings.ReplaceAll(in.Title, "\n", " "), in.ReportID == "", 300)
	in.Summary = e.Text("summary", in.Summary, false, 2000)
	in.Details = e.Text("details", in.Details, false, 200_000)
	in.Project = e.Text("project", in.Project, false, 300)
	in.Terms = e.Text("terms", in.Terms, false, 20_000)
	if in.Terms == "" {
		in.Terms = DefaultTerms
	}
	if in.ReportID != "" && !actor.IsStaff() && !actor.IsSystem() {
		return nil, validate.Field("report_id", "only the team opens cases from reports; leave report_id out to open a case for your own project")
	}
	switch {
	case in.Exercise && !actor.IsStaff() && !actor.IsSystem():
		e.Add("exercise", "only the team runs exercises")
	case in.Exercise && in.ReportID != "":
		e.Add("exercise", "an exercise is opened directly, not from a real report (its finder would be mailed)")
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	var c *Case
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		c, err = s.openTx(ctx, q, actor, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, c.PublicID)
}

// OpenFromReportTx opens the case of a report inside q (triage to Coordinate: the
// decision and its case are one transaction) and returns the case id. A report that
// has its case already keeps it.
func (s *Service) OpenFromReportTx(ctx context.Context, q db.Querier, actor authz.Actor, reportID string) (string, error) {
	if err := authz.Can(actor, authz.CreateCase, nil); err != nil {
		return "", err
	}
	in := NewCase{ReportID: strings.ToUpper(strings.TrimSpace(reportID)), Terms: DefaultTerms}
	c, err := s.openTx(ctx, q, actor, in)
	var rule *RuleError
	if errors.As(err, &rule) && rule.Code == "cases.report_has_case" {
		return in.ReportID, nil
	}
	if err != nil {
		return "", err
	}
	return c.PublicID, nil
}

// openTx opens a checked NewCase inside q.
func (s *Service) openTx(ctx context.Context, q db.Querier, actor authz.Actor, in NewCase) (*Case, error) {
	var c *Case
	err := func() error {
		now := s.clock.Now()
		var rep *intake.Report
		var pid string
		if in.ReportID != "" {
			if s.intake == nil {
				return validate.Field("report_id", "reports are not available")
			}
			var err error
			rep, err = s.intake.ForUpdate(ctx, q, actor, in.ReportID, authz.TriageReport)
			if err != nil {
				if db.NotFound(err) {
					return validate.Field("report_id", "there is no report %s", in.ReportID)
				}
				return err
			}
			var n int
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM cases WHERE public_id = ? OR report_id = ?", rep.PublicID, rep.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &RuleError{Code: "cases.report_has_case", Msg: fmt.Sprintf("case rule cases.report_has_case: report %s already has case %s", rep.PublicID, rep.PublicID)}
			}
			pid = rep.PublicID
			if in.Title == "" {
				in.Title = rep.Summary
			}
			if in.Summary == "" {
				in.Summary = rep.Summary
			}
			if in.Details == "" {
				in.Details = reportDetails(rep)
			}
			if in.Project == "" {
				in.Project = rep.Project
			}
		} else {
			var err error
			if pid, err = ids.Next(ctx, q, s.cfg.IDPrefix, now); err != nil {
				return err
			}
		}
		var reportID any
		if rep != nil {
			reportID = rep.ID
		}
		c = &Case{PublicID: pid, Title: in.Title, Summary: in.Summary, Details: in.Details, Project: in.Project, Phase: "triage", TLP: "RED",
			Terms: in.Terms, CreatedAt: now, UpdatedAt: now, replyToken: mail.NewToken(), ReportID: in.ReportID,
			Embargo: &Embargo{State: EMNone}, Facts: &FactsView{}, state: State{EM: EMNone, Facts: FactSet{}}, PartiesVisible: DefaultPartiesVisible,
			Exercise: in.Exercise}
		if rep != nil {
			c.ReportID = rep.PublicID
			c.Phase = "validate"
		}
		err := q.QueryRow(ctx, `INSERT INTO cases (public_id, report_id, title, summary, details, project, phase, tlp, terms, em_state, reply_token, created_by, created_at, updated_at, exercise)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'none', ?, ?, ?, ?, ?) RETURNING id`,
			c.PublicID, reportID, c.Title, c.Summary, c.Details, c.Project, c.Phase, c.TLP, c.Terms, c.replyToken, nullUser(actor), now, now, c.Exercise).Scan(&c.ID)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return &RuleError{Code: "cases.id_taken", Msg: fmt.Sprintf("case rule cases.id_taken: a case %s exists already", c.PublicID)}
			}
			return fmt.Errorf("cases: open: %w", err)
		}
		if err := s.appendEvent(ctx, q, actor, c, "case.opened", nil, map[string]any{"report": c.ReportID, "phase": c.Phase}); err != nil {
			return err
		}
		// The opener's standing.
		switch {
		case actor.IsStaff():
			if _, err := s.addParticipant(ctx, q, actor, c, NewParticipant{Email: actor.Email, Role: string(authz.CaseCoordinator)}, &now); err != nil {
				return err
			}
		case actor.UserID != 0:
			if _, err := s.addParticipant(ctx, q, actor, c, NewParticipant{Email: actor.Email, Role: string(authz.CaseOwner), Organisation: in.Project}, &now); err != nil {
				return err
			}
			if err := s.applyFacts(ctx, q, authz.System("cases"), c, Team, []Fact{FactVendorAware}); err != nil {
				return err
			}
		}
		if rep == nil {
			return nil
		}
		if err := s.fromReport(ctx, q, actor, c, rep); err != nil {
			return err
		}
		return s.intake.MarkCoordinating(ctx, q, actor, rep, c.PublicID)
	}()
	return c, err
}

func reportDetails(r *intake.Report) string {
	var b strings.Builder
	b.WriteString(r.Details)
	for _, x := range []struct{ h, v string }{{"Trigger", r.Reproduction}, {"Proof of concept", r.PoC}, {"Impact", r.Impact},
		{"Proposed patch", r.Patch}, {"Tests", r.Tests}, {"Work-around", r.Workaround}} {
		if strings.TrimSpace(x.v) != "" {
			fmt.Fprintf(&b, "\n\n## %s\n\n%s", x.h, x.v)
		}
	}
	return strings.TrimSpace(b.String())
}

// fromReport carries what the report knows into the case: the finder as a participant,
// the affected packages, and the first vulnerability with the report's severity vector
// and CWE.
func (s *Service) fromReport(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, r *intake.Report) error {
	finders := []*intake.Report{r}
	dups, err := s.intake.DuplicatesOf(ctx, q, r.ID)
	if err != nil {
		return err
	}
	finders = append(finders, dups...) // their acknowledgement promised them credit too
	for _, fr := range finders {
		if fr.Reporter.Email == "" {
			continue
		}
		readIn := s.clock.Now() // the finder reported it: nothing to read in to
		np := NewParticipant{Email: fr.Reporter.Email, Name: fr.Reporter.Name, Credit: fr.Reporter.Credit, Role: string(authz.CaseFinder)}
		if _, err := s.addParticipant(ctx, q, actor, c, np, &readIn); err != nil && !IsRule(err) {
			if _, ok := validate.As(err); !ok {
				return err
			}
		}
	}
	v := NewVulnerability{Title: r.Summary, CWE: r.CWE}
	switch {
	case strings.HasPrefix(r.CVSSVector, "CVSS:4.0/"):
		v.CVSSv4 = r.CVSSVector
	case strings.HasPrefix(r.CVSSVector, "CVSS:3"):
		v.CVSSv3 = r.CVSSVector
	}
	if err := v.normalize(); err != nil {
		v.CVSSv3, v.CVSSv4, v.CWE = "", "", "" // the report's guesses did not parse: keep the vulnerability, drop them
	}
	if _, err := s.insertVuln(ctx, q, actor, c, v); err != nil {
		return err
	}
	for _, a := range r.Affected {
		p := NewAffectedPackage{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, PURL: a.Package.PURL, Versions: a.Versions}
		if a.Ranges != "" {
			// The finder's words are kept; when they read as a range, it is proposed as
			// the package's structured range, for the coordinator to confirm.
			words := []rune(a.Ranges)
			if len(words) > 400 {
				words = append(words[:400], '…')
			}
			p.Note = "Affected versions as reported: " + string(words)
			eco := a.Package.Ecosystem
			if eco == "" && a.Package.PURL != "" {
				if pk, err := format.PackageFromPURL(format.Package{PURL: a.Package.PURL}); err == nil {
					eco = pk.Ecosystem
				}
			}
			if rg, ok := format.ParseRangeText(a.Ranges, eco); ok {
				p.Ranges = []format.Range{rg}
				p.Note += " (proposed as the structured range: confirm it)"
			}
		}
		if err := p.normalize(); err != nil {
			p.PURL = ""
			if p.normalize() != nil {
				continue
			}
		}
		if _, err := s.insertPackage(ctx, q, actor, c, p); err != nil {
			return err
		}
	}
	return nil
}

// DuplicateMerged adds the finder of report dup, just merged into report orig, to orig's
// case (if it has one) as a finder, with the credit they asked for: their
// acknowledgement promised it (intake.SetOnMerged).
func (s *Service) DuplicateMerged(ctx context.Context, q db.Querier, actor authz.Actor, dup, orig *intake.Report) error {
	if dup.Reporter.Email == "" {
		return nil
	}
	c, err := s.load(ctx, q, orig.PublicID)
	if db.NotFound(err) {
		return nil // no case yet: opening it brings the duplicates' finders
	}
	if err != nil {
		return err
	}
	readIn := s.clock.Now()
	np := NewParticipant{Email: dup.Reporter.Email, Name: dup.Reporter.Name, Credit: dup.Reporter.Credit, Role: string(authz.CaseFinder)}
	if err := np.normalize(); err != nil {
		return nil // an address the case cannot take: the report keeps it
	}
	if _, err := s.addParticipant(ctx, q, actor, c, np, &readIn); err != nil && !IsRule(err) {
		if _, ok := validate.As(err); !ok {
			return err
		}
	}
	return nil
}

// IsRule reports whether err is a rule of the model or of cases (409).
func IsRule(err error) bool {
	var r interface{ Rule() string }
	return err != nil && asRule(err, &r)
}

// Get returns case ref as actor may see it: everything for the team and read-in
// participants; only existence and terms for a participant not yet read in; not found
// for everyone else. An admin's read of content is recorded in the audit trail.
func (s *Service) Get(ctx context.Context, actor authz.Actor, ref string) (*Case, error) {
	q := s.db.Read()
	a, err := s.open(ctx, q, actor, ref, authz.ReadCaseMeta)
	if err != nil {
		return nil, err
	}
	c := a.c
	if a.me != nil {
		c.Role, c.MyParticipant = a.me.Role, a.me.ID
		if a.can(actor, authz.ReadInternal) != nil {
			c.UpdatedAt = a.me.activity()
		}
	}
	if err := a.can(actor, authz.ReadCase); err != nil {
		return metaOnly(c, a.me != nil && !a.me.SeesContent()), nil
	}
	c.content = true
	if err := s.fill(ctx, q, c); err != nil {
		return nil, err
	}
	v, err := s.viewerFor(ctx, q, actor, a)
	if err != nil {
		return nil, err
	}
	if !v.team {
		v.redact(c)
		c.UpdatedAt = a.me.activity()
	}
	// Admins may read any case, and the operator's CLI too; each such read is an
	// audited event.
	if err := s.auditRead(ctx, actor, a, "case"); err != nil {
		return nil, err
	}
	return c, nil
}

// activity is when the participant last had something to see: their updated_since
// cursor (events they may not see do not move it).
func (p *Participant) activity() time.Time {
	if p.activityAt != nil {
		return *p.activityAt
	}
	return p.CreatedAt
}

func metaOnly(c *Case, readIn bool) *Case {
	return &Case{ID: c.ID, PublicID: c.PublicID, Terms: c.Terms, ReadInRequired: readIn, Role: c.Role, MyParticipant: c.MyParticipant,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// fill loads the parts of a case.
func (s *Service) fill(ctx context.Context, q db.Querier, c *Case) error {
	var err error
	if c.Participants, err = s.participants(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Vulnerabilities, err = s.vulns(ctx, q, c.ID, c.Participants); err != nil {
		return err
	}
	if c.Packages, err = s.packages(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Tasks, err = s.tasks(ctx, q, c.ID); err != nil {
		return err
	}
	return s.fillEmbargo(ctx, q, c)
}

// fillEmbargo sets the consents of the current round and who is holding it up.
func (s *Service) fillEmbargo(ctx context.Context, q db.Querier, c *Case) error {
	ps := c.Participants
	if ps == nil {
		var err error
		if ps, err = s.participants(ctx, q, c.ID); err != nil {
			return err
		}
	}
	st, answers, err := s.modelState(ctx, q, c, ps)
	if err != nil {
		return err
	}
	c.Embargo.Consents, c.Embargo.HoldingUp = nil, nil
	if c.Embargo.State != EMProposed && c.Embargo.State != EMRevise {
		return nil
	}
	// Every required party, then every other party that answered: an answer from a
	// party the embargo does not wait for is shown, not dropped.
	keys := append([]int64{}, st.Required...)
	for _, p := range ps {
		if _, ok := answers[p.ID]; ok && !slices.Contains(keys, p.ID) {
			keys = append(keys, p.ID)
		}
	}
	for _, key := range keys {
		required := slices.Contains(st.Required, key)
		cs := Consent{Party: s.cfg.Team + " (coordinators)", Answer: AnswerNone, Required: required}
		if key != Team {
			p := participantByID(ps, key)
			if p == nil {
				continue
			}
			cs.Party, cs.ParticipantID = p.Label(), p.ID
		}
		if a, ok := answers[key]; ok {
			cs.Answer, cs.By, cs.At, cs.Date = a.answer, a.actor, &a.at, a.date
		}
		if required && cs.Answer != AnswerAccepted {
			c.Embargo.HoldingUp = append(c.Embargo.HoldingUp, cs.Party)
		}
		c.Embargo.Consents = append(c.Embargo.Consents, cs)
	}
	if c.Embargo.ProposedDate != nil {
		for _, w := range s.cfg.Policy.CheckPublicDate(s.cfg.Calendar, *c.Embargo.ProposedDate) {
			c.Embargo.Warnings = append(c.Embargo.Warnings, w.Message)
		}
		if w := s.leadTimeWarning(*c.Embargo.ProposedDate); w != "" {
			c.Embargo.Warnings = append(c.Embargo.Warnings, w)
		}
	}
	return nil
}

type answerRow struct {
	answer Answer
	actor  string
	at     time.Time
	date   *time.Time
}

// modelState builds the model's State of case c with the answers of the current round.
func (s *Service) modelState(ctx context.Context, q db.Querier, c *Case, ps []*Participant) (State, map[int64]answerRow, error) {
	st := c.state.Clone()
	st.Required = requiredParties(ps)
	st.Answers = map[int64]Answer{}
	answers := map[int64]answerRow{}
	rows, err := q.Query(ctx, "SELECT member_id, answer, actor, at, public_date FROM case_consents WHERE case_id = ? AND round = ?", c.ID, st.Round)
	if err != nil {
		return st, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a answerRow
		var ans string
		if err := rows.Scan(&id, &ans, &a.actor, &a.at, &a.date); err != nil {
			return st, nil, err
		}
		a.answer, a.at, a.date = Answer(ans), a.at.UTC(), utcPtr(a.date)
		answers[id] = a
		st.Answers[id] = a.answer
	}
	return st, answers, rows.Err()
}

// Query selects cases to list.
type Query struct {
	UpdatedSince time.Time
	AfterID      int64
	Limit        int
}

// List returns the cases actor may know of (authz.Scope), with content only where the
// actor may read it.
func (s *Service) List(ctx context.Context, actor authz.Actor, qu Query) ([]*Case, error) {
	if actor.IsAnonymous() {
		return nil, authz.ErrUnauthenticated
	}
	scope := authz.Scope(actor, authz.KindCase)
	where := "1 = 1" + scope.Where()
	args := append([]any{}, scope.Args...)
	team := actor.IsSystem() || actor.IsStaff()
	if !qu.UpdatedSince.IsZero() {
		if team {
			where += " AND updated_at >= ?"
			args = append(args, qu.UpdatedSince.UTC())
		} else {
			// A participant's cursor moves only with events they may see
			// (authz.PartySeesEvent, recorded as their activity_at).
			where += " AND id IN (SELECT case_id FROM case_members WHERE user_id = ? AND removed_at IS NULL AND COALESCE(activity_at, created_at) >= ?)"
			args = append(args, actor.UserID, qu.UpdatedSince.UTC())
		}
	}
	if qu.AfterID > 0 {
		where += " AND id < ?"
		args = append(args, qu.AfterID)
	}
	limit := qu.Limit
	if limit <= 0 || limit > 501 {
		limit = 100
	}
	q := s.db.Read()
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s FROM cases WHERE %s ORDER BY id DESC LIMIT %d", caseColumns, where, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("cases: list: %w", err)
	}
	var cs []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	mine, err := s.memberships(ctx, q, ids, actor)
	if err != nil {
		return nil, err
	}
	out := make([]*Case, 0, len(cs))
	for _, c := range cs {
		a, err := openWith(actor, c, mine[c.ID], authz.ReadCaseMeta)
		if err != nil {
			continue // Scope and Can agree; be safe regardless
		}
		if a.me != nil {
			c.Role, c.MyParticipant = a.me.Role, a.me.ID
			if a.can(actor, authz.ReadInternal) != nil {
				c.UpdatedAt = a.me.activity()
				c.Embargo.ProposedBy = "" // named on the case itself, as the participant may see the proposer
			}
		}
		if a.can(actor, authz.ReadCase) != nil || (actor.Role == authz.RoleAdmin && a.me == nil) {
			// Lists never carry content for those who must read in, nor for admins
			// (whose content reads are audited one case at a time).
			out = append(out, metaOnly(c, a.me != nil && !a.me.SeesContent()))
			continue
		}
		c.content = true
		c.Embargo.Consents = nil
		out = append(out, c)
	}
	return out, nil
}

// Update is a change to a case's description (coordinators).
type CaseUpdate struct {
	Title   *string `json:"title,omitempty" maxLength:"300"`
	Summary *string `json:"summary,omitempty" maxLength:"2000"`
	Details *string `json:"details,omitempty" maxLength:"200000"`
	Project *string `json:"project,omitempty" maxLength:"300"`
	Phase   *string `json:"phase,omitempty" enum:"triage,validate,coordination,patch,test,document,distribute,disclose"`
	Terms   *string `json:"terms,omitempty" maxLength:"20000"`
	// PartiesVisible are the case roles that see the other parties by organisation name
	// (default owner, collaborator, finder; downstream and observers see only the
	// coordinators and themselves).
	PartiesVisible *[]string `json:"parties_visible,omitempty" doc:"Case roles that see the other parties (by organisation name only): any of finder, owner, collaborator, downstream, observer."`
}

// UpdateCase changes a case's description or lifecycle phase.
func (s *Service) UpdateCase(ctx context.Context, actor authz.Actor, ref string, up CaseUpdate) (*Case, error) {
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		c := a.c
		before := map[string]any{"title": c.Title, "phase": c.Phase}
		var e validate.Errors
		if up.Title != nil {
			c.Title = e.Text("title", *up.Title, true, 300)
		}
		if up.Summary != nil {
			c.Summary = e.Text("summary", *up.Summary, false, 2000)
		}
		if up.Details != nil {
			c.Details = e.Text("details", *up.Details, false, 200_000)
		}
		if up.Project != nil {
			c.Project = e.Text("project", *up.Project, false, 300)
		}
		if up.Terms != nil {
			c.Terms = e.Text("terms", *up.Terms, true, 20_000)
		}
		if up.Phase != nil {
			if !slices.Contains(Phases, *up.Phase) {
				e.Add("phase", "%q is not a phase (want one of %s)", *up.Phase, strings.Join(Phases, ", "))
			} else {
				c.Phase = *up.Phase
			}
		}
		if up.PartiesVisible != nil {
			before["parties_visible"] = c.PartiesVisible
			roles := []string{}
			for i, r := range *up.PartiesVisible {
				r = strings.TrimSpace(r)
				switch {
				case r == string(authz.CaseCoordinator):
					// coordinators always see every party
				case !slices.Contains([]string{"finder", "owner", "collaborator", "downstream", "observer"}, r):
					e.Add(fmt.Sprintf("parties_visible[%d]", i), "%q is not a case role (want finder, owner, collaborator, downstream or observer)", r)
				case !slices.Contains(roles, r):
					roles = append(roles, r)
				}
			}
			c.PartiesVisible = roles
		}
		if err := e.Err(); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE cases SET title = ?, summary = ?, details = ?, project = ?, phase = ?, terms = ?, parties_visible = ?, updated_at = ? WHERE id = ?",
			c.Title, c.Summary, c.Details, c.Project, c.Phase, c.Terms, strings.Join(c.PartiesVisible, ","), s.clock.Now(), c.ID); err != nil {
			return err
		}
		after := map[string]any{"title": c.Title, "phase": c.Phase}
		if up.PartiesVisible != nil {
			after["parties_visible"] = c.PartiesVisible
		}
		return s.appendEvent(ctx, q, actor, c, "case.updated", before, after)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, ref)
}
