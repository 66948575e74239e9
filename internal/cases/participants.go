package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Participant is a person or an organisation's contact on a case. A participant is
// either a user (UserID set: they sign in and act themselves) or an email contact
// without an account (UserID 0: they are notified by mail, answer by replying, and the
// team records their answers for them).
type Participant struct {
	ID           int64      `json:"id"`
	UserID       int64      `json:"user_id,omitempty"`
	Email        string     `json:"email,omitempty"`
	Name         string     `json:"name,omitempty"`
	Credit       string     `json:"credit,omitempty" doc:"How the finder asked to be credited (verbatim in advisories)."`
	Organisation string     `json:"organisation,omitempty"`
	Role         string     `json:"role" enum:"coordinator,finder,owner,collaborator,downstream,observer"`
	Required     bool       `json:"required" doc:"Whether this party's consent is needed for the embargo to become active."`
	ReadInAt     *time.Time `json:"read_in_at,omitempty"`
	RMState      RMState    `json:"rm_state" doc:"Vultron Report Management state: start, received, invalid, valid, deferred, accepted, closed."`
	TrackingID   string     `json:"tracking_id,omitempty" doc:"The party's own tracking id for this case."`
	HasKey       bool       `json:"has_pgp_key"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Limited marks another party shown by organisation and role only (the case's terms
	// let the caller's role see the other parties).
	Limited bool `json:"limited,omitempty" doc:"Another party, shown to you by organisation and role only."`

	pgpKey       string
	replyToken   string
	privateToken string
	removedAt    *time.Time
	activityAt   *time.Time // the last event this participant may see
}

// Label is how the participant is named on pages and in consents.
func (p *Participant) Label() string {
	n := p.Email
	if p.Name != "" {
		n = p.Name
	}
	if p.Organisation != "" {
		n += " (" + p.Organisation + ")"
	}
	return n + ", " + p.Role
}

// SeesContent reports whether the participant may read the case.
func (p *Participant) SeesContent() bool {
	return p.ReadInAt != nil || !authz.CaseRole(p.Role).NeedsReadIn()
}

const memberColumns = `id, user_id, email, name, organisation, case_role, required, read_in_at, rm_state, tracking_id, pgp_key,
	reply_token, private_token, created_at, updated_at, removed_at, activity_at, credit`

func scanParticipant(sc scanner) (*Participant, error) {
	var p Participant
	var uid *int64
	var rm string
	err := sc.Scan(&p.ID, &uid, &p.Email, &p.Name, &p.Organisation, &p.Role, &p.Required, &p.ReadInAt, &rm, &p.TrackingID, &p.pgpKey,
		&p.replyToken, &p.privateToken, &p.CreatedAt, &p.UpdatedAt, &p.removedAt, &p.activityAt, &p.Credit)
	if err != nil {
		if db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, fmt.Errorf("cases: read participant: %w", err)
	}
	if uid != nil {
		p.UserID = *uid
	}
	p.RMState = RMState(rm)
	p.HasKey = p.pgpKey != ""
	p.ReadInAt, p.removedAt, p.activityAt = utcPtr(p.ReadInAt), utcPtr(p.removedAt), utcPtr(p.activityAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// participants are the case's current participants (not those removed).
func (s *Service) participants(ctx context.Context, q db.Querier, caseID int64) ([]*Participant, error) {
	return s.participantsWhere(ctx, q, caseID, " AND removed_at IS NULL")
}

// everyParticipant includes those removed, to name them in the record.
func (s *Service) everyParticipant(ctx context.Context, q db.Querier, caseID int64) ([]*Participant, error) {
	return s.participantsWhere(ctx, q, caseID, "")
}

func (s *Service) participantsWhere(ctx context.Context, q db.Querier, caseID int64, cond string) ([]*Participant, error) {
	rows, err := q.Query(ctx, "SELECT "+memberColumns+" FROM case_members WHERE case_id = ?"+cond+" ORDER BY id", caseID)
	if err != nil {
		return nil, fmt.Errorf("cases: participants: %w", err)
	}
	defer rows.Close()
	var out []*Participant
	for rows.Next() {
		p, err := scanParticipant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func participantByID(ps []*Participant, id int64) *Participant {
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// NewParticipant is who to add to a case.
type NewParticipant struct {
	Email        string `json:"email" doc:"The person's address. An existing user is linked to their account; anyone else becomes an email contact who is notified by mail."`
	Role         string `json:"role" enum:"coordinator,finder,owner,collaborator,downstream,observer"`
	Name         string `json:"name,omitempty"`
	Organisation string `json:"organisation,omitempty" doc:"The organisation the person speaks for (its webhooks get the case's events once read in)."`
	Required     *bool  `json:"required,omitempty" doc:"Must this party consent to the embargo? Default: yes for owners and finders."`
	PGPKey       string `json:"pgp_key,omitempty" doc:"An armored OpenPGP public key: mail to this participant is encrypted to it."`
	Credit       string `json:"credit,omitempty" maxLength:"200" doc:"How a finder asked to be credited, used verbatim in advisories."`
}

func (in *NewParticipant) normalize() error {
	var e validate.Errors
	in.Email = e.Email("email", in.Email, true)
	roles := make([]string, len(authz.CaseRoles))
	for i, r := range authz.CaseRoles {
		roles[i] = string(r)
	}
	in.Role = strings.TrimSpace(in.Role)
	e.OneOf("role", in.Role, roles...)
	in.Name = e.Text("name", in.Name, false, 200)
	in.Credit = e.Text("credit", in.Credit, false, 200)
	in.Organisation = e.Text("organisation", in.Organisation, false, 200)
	in.PGPKey = e.Text("pgp_key", in.PGPKey, false, 100_000)
	if in.PGPKey != "" && !strings.Contains(in.PGPKey, "BEGIN PGP PUBLIC KEY BLOCK") {
		e.Add("pgp_key", "is not an armored OpenPGP public key (want -----BEGIN PGP PUBLIC KEY BLOCK-----)")
	}
	return e.Err()
}

// AddParticipant adds a person to a case (coordinators only). A participant in a role
// that needs read-in sees only the case's existence and terms until they accept them.
func (s *Service) AddParticipant(ctx context.Context, actor authz.Actor, ref string, in NewParticipant) (*Participant, error) {
	if err := in.normalize(); err != nil {
		// Someone who may not coordinate the case learns nothing, not even field errors.
		if err2 := s.check(ctx, actor, ref, authz.CoordinateCase); err2 != nil {
			return nil, err2
		}
		return nil, err
	}
	var p *Participant
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		p, err = s.addParticipant(ctx, q, actor, a.c, in, nil)
		return err
	})
	return p, err
}

// AddParticipantIn is AddParticipant inside the caller's transaction q (the directory
// adds organisations' contacts to a case in one action).
func (s *Service) AddParticipantIn(ctx context.Context, q db.Querier, actor authz.Actor, ref string, in NewParticipant) (*Participant, error) {
	a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	return s.addParticipant(ctx, q, actor, a.c, in, nil)
}

// check authorizes action on ref outside a transaction.
func (s *Service) check(ctx context.Context, actor authz.Actor, ref string, action authz.Action) error {
	_, err := s.open(ctx, s.db.Read(), actor, ref, action)
	return err
}

// addParticipant inserts a participant inside q. readIn marks them read in already (the
// maintainer who opens their own case).
func (s *Service) addParticipant(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, in NewParticipant, readIn *time.Time) (*Participant, error) {
	var userID any
	var uid int64
	var urole string
	err := q.QueryRow(ctx, "SELECT id, role FROM users WHERE email = ? AND disabled_at IS NULL", in.Email).Scan(&uid, &urole)
	switch {
	case err == nil:
		userID = uid
	case db.NotFound(err):
	default:
		return nil, err
	}
	if in.Role == string(authz.CaseCoordinator) && urole != string(authz.RoleResponder) && urole != string(authz.RoleAdmin) {
		return nil, validate.Field("role", "coordinators are the team's responders; %s is not one (use owner, collaborator, downstream or observer)", in.Email)
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM case_members WHERE case_id = ? AND removed_at IS NULL AND (email = ? OR (user_id IS NOT NULL AND user_id = ?))", c.ID, in.Email, uid).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, &RuleError{Code: "participants.duplicate", Msg: fmt.Sprintf("participants rule participants.duplicate: %s is already a participant of %s", in.Email, c.PublicID)}
	}
	required := in.Role == string(authz.CaseOwner) || in.Role == string(authz.CaseFinder)
	if in.Required != nil {
		required = *in.Required
	}
	if in.Role == string(authz.CaseCoordinator) {
		required = false // the team answers as one party
	}
	now := s.clock.Now()
	p := &Participant{UserID: uid, Email: in.Email, Name: in.Name, Organisation: in.Organisation, Role: in.Role, Required: required, Credit: in.Credit,
		RMState: RMReceived, CreatedAt: now, UpdatedAt: now, pgpKey: in.PGPKey, replyToken: mail.NewToken(), privateToken: mail.NewToken(), HasKey: in.PGPKey != ""}
	if readIn != nil {
		p.ReadInAt = readIn
	}
	err = q.QueryRow(ctx, `INSERT INTO case_members (case_id, user_id, email, name, organisation, case_role, required, read_in_at, read_in_by,
		rm_state, pgp_key, reply_token, private_token, created_at, updated_at, credit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.ID, userID, p.Email, p.Name, p.Organisation, p.Role, p.Required, p.ReadInAt, nullUser(actor), string(p.RMState), p.pgpKey,
		p.replyToken, p.privateToken, now, now, p.Credit).Scan(&p.ID)
	if err != nil {
		return nil, fmt.Errorf("cases: add participant: %w", err)
	}
	if err := s.appendEvent(ctx, q, actor, c, "case.participant.added", nil, map[string]any{"participant_id": p.ID, "role": p.Role,
		"organisation": p.Organisation, "account": uid != 0, "required": p.Required}); err != nil {
		return nil, err
	}
	return p, s.invite(ctx, q, c, p)
}

// membershipOf is participant p's standing on case c as the policy needs it.
func (c *Case) membershipOf(p *Participant) *authz.Membership {
	return &authz.Membership{Role: authz.CaseRole(p.Role), ReadIn: p.ReadInAt != nil, ParticipantID: p.ID,
		SeesParties: slices.Contains(c.PartiesVisible, p.Role)}
}

// RemoveParticipant takes a participant off a case (coordinators). Their access ends in
// the same transaction: their next page or API read of the case is a 404, their
// webhooks and mail stop. Their row stays (removed) so the record still names who
// said what. Removing is an audited event with the reason.
func (s *Service) RemoveParticipant(ctx context.Context, actor authz.Actor, ref string, pid int64, reason string) error {
	var e validate.Errors
	reason = e.Text("reason", reason, false, 2000)
	return s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		ps, err := s.participants(ctx, q, a.c.ID)
		if err != nil {
			return err
		}
		p := participantByID(ps, pid)
		if p == nil {
			return db.ErrNotFound
		}
		if p.Role == string(authz.CaseCoordinator) {
			n := 0
			for _, x := range ps {
				if x.Role == string(authz.CaseCoordinator) {
					n++
				}
			}
			if n == 1 {
				return &RuleError{Code: "participants.last_coordinator", Msg: "participants rule participants.last_coordinator: a case keeps at least one coordinator; add another before removing " + p.Email}
			}
		}
		now := s.clock.Now()
		if _, err := q.Exec(ctx, "UPDATE case_members SET removed_at = ?, updated_at = ? WHERE id = ? AND removed_at IS NULL", now, now, p.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, q, actor, a.c, "case.participant.removed", map[string]any{"role": p.Role, "read_in": p.ReadInAt != nil},
			map[string]any{"participant_id": p.ID, "role": p.Role, "organisation": p.Organisation, "reason": reason})
	})
}

// invite tells a new participant about the case: that it exists and how to read in.
// Nothing of its content is in the message.
func (s *Service) invite(ctx context.Context, q db.Querier, c *Case, p *Participant) error {
	if s.outbox == nil || p.Email == "" || p.Role == string(authz.CaseCoordinator) {
		return nil
	}
	var body string
	if p.UserID != 0 {
		body = fmt.Sprintf("You were added to case %s of %s as %s.\n\n", c.PublicID, s.cfg.Team, p.Role)
		if p.SeesContent() {
			body += "Sign in to read it: " + s.URL(c) + "\n"
		} else {
			body += "Before you can read it, sign in and accept the case's confidentiality terms:\n\n" + c.Terms + "\n\n" + s.URL(c) + "\n"
		}
	} else {
		body = fmt.Sprintf("%s is coordinating a vulnerability that concerns you (%s), and added you as %s.\n\n"+
			"The case is under embargo. Before we share its details, please confirm by replying to this message that you accept these terms:\n\n%s\n",
			s.cfg.Team, c.PublicID, p.Role, c.Terms)
	}
	_, err := s.queueMail(ctx, q, c, p, fmt.Sprintf("[%s] %s: you were added to a case", s.cfg.Team, c.PublicID), body, "case.invitation", false)
	return err
}

// ReadIn records that the actor accepts the case's confidentiality terms. It is an
// event in the audit trail; afterwards the participant sees the case.
func (s *Service) ReadIn(ctx context.Context, actor authz.Actor, ref string) (*Case, error) {
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.ReadIn)
		if err != nil {
			return err
		}
		if a.me == nil {
			return &RuleError{Code: "readin.not_participant", Msg: "read-in rule readin.not_participant: only a participant of the case reads in; the team sees cases without it"}
		}
		if a.me.ReadInAt != nil {
			return nil // already read in: idempotent
		}
		now := s.clock.Now()
		if _, err := q.Exec(ctx, "UPDATE case_members SET read_in_at = ?, read_in_by = ?, updated_at = ? WHERE id = ?", now, nullUser(actor), now, a.me.ID); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, q, actor, a.c, "case.participant.read_in", nil, map[string]any{"participant_id": a.me.ID, "role": a.me.Role, "terms": a.c.Terms}); err != nil {
			return err
		}
		if a.me.Role == string(authz.CaseOwner) && !a.c.state.Facts[FactVendorAware] {
			// The owner now knows: the model's "vendor aware".
			return s.applyFacts(ctx, q, authz.System("cases"), a.c, Team, []Fact{FactVendorAware})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, ref)
}

// ParticipantUpdate changes a participant: their own tracking id and Report Management
// state (the participant or a coordinator), whether their consent is required
// (coordinators).
type ParticipantUpdate struct {
	TrackingID *string  `json:"tracking_id,omitempty" maxLength:"200" doc:"The party's own id for this case."`
	RMState    *RMState `json:"rm_state,omitempty" enum:"start,received,invalid,valid,deferred,accepted,closed"`
	Required   *bool    `json:"required,omitempty"`
	PGPKey     *string  `json:"pgp_key,omitempty"`
}

// UpdateParticipant applies up to participant pid of case ref.
func (s *Service) UpdateParticipant(ctx context.Context, actor authz.Actor, ref string, pid int64, up ParticipantUpdate) (*Participant, error) {
	var p *Participant
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.ReadCaseMeta)
		if err != nil {
			return err
		}
		coord := a.can(actor, authz.CoordinateCase) == nil
		self := a.me != nil && a.me.ID == pid
		if !coord && !self {
			if err := a.can(actor, authz.ReadCase); err != nil {
				return err
			}
			return authz.ErrForbidden
		}
		if self && !coord {
			if err := a.can(actor, authz.ReadCase); err != nil {
				return err
			}
		}
		ps, err := s.participants(ctx, q, a.c.ID)
		if err != nil {
			return err
		}
		if p = participantByID(ps, pid); p == nil {
			return db.ErrNotFound
		}
		before := map[string]any{"tracking_id": p.TrackingID, "rm_state": p.RMState, "required": p.Required}
		var e validate.Errors
		if up.TrackingID != nil {
			p.TrackingID = e.Text("tracking_id", *up.TrackingID, false, 200)
		}
		if up.Required != nil {
			if !coord {
				return authz.ErrForbidden
			}
			p.Required = *up.Required
		}
		if up.PGPKey != nil {
			k := e.Text("pgp_key", *up.PGPKey, false, 100_000)
			if k != "" && !strings.Contains(k, "BEGIN PGP PUBLIC KEY BLOCK") {
				e.Add("pgp_key", "is not an armored OpenPGP public key")
			}
			p.pgpKey, p.HasKey = k, k != ""
		}
		if err := e.Err(); err != nil {
			return err
		}
		if up.RMState != nil {
			if err := CheckRM(p.RMState, *up.RMState); err != nil {
				return err
			}
			p.RMState = *up.RMState
		}
		p.UpdatedAt = s.clock.Now()
		if _, err := q.Exec(ctx, "UPDATE case_members SET tracking_id = ?, rm_state = ?, required = ?, pgp_key = ?, updated_at = ? WHERE id = ?",
			p.TrackingID, string(p.RMState), p.Required, p.pgpKey, p.UpdatedAt, p.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, q, actor, a.c, "case.participant.updated", before,
			map[string]any{"participant_id": p.ID, "tracking_id": p.TrackingID, "rm_state": p.RMState, "required": p.Required})
	})
	return p, err
}

// requiredParties are the party keys whose consent an embargo needs: the team and
// every required participant.
func requiredParties(ps []*Participant) []int64 {
	out := []int64{Team}
	for _, p := range ps {
		if p.Required && p.Role != string(authz.CaseCoordinator) && !slices.Contains(out, p.ID) {
			out = append(out, p.ID)
		}
	}
	return out
}

// redact leaves in c what viewer v may see: the coordinators and v's own record in full;
// other parties by organisation name and role only, and only when the case's terms let
// v's role see them; their statuses likewise, with justification and statement only
// once the party marked it public or the case is public; embargo answers named as v may
// see the parties.
func (v *viewer) redact(c *Case) {
	if v.team {
		return
	}
	ps := []*Participant{}
	for _, p := range c.Participants {
		switch {
		case !v.other(p):
			ps = append(ps, p)
		case v.visible(p):
			ps = append(ps, &Participant{ID: p.ID, Organisation: p.Organisation, Role: p.Role, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Limited: true})
		}
	}
	c.Participants = ps
	public := c.isPublic()
	for _, vu := range c.Vulnerabilities {
		sts := []PartyStatus{}
		for _, st := range vu.Statuses {
			p := v.byID[st.ParticipantID]
			switch {
			case p == nil:
			case !v.other(p):
				sts = append(sts, st)
			case v.visible(p):
				x := PartyStatus{ParticipantID: st.ParticipantID, Party: v.name(p), Status: st.Status, StatementPublic: st.StatementPublic}
				if st.StatementPublic || public {
					x.Justification, x.Statement = st.Justification, st.Statement
				}
				sts = append(sts, x)
			}
		}
		vu.Statuses = sts
	}
	if c.Embargo != nil {
		c.Embargo.ProposedBy = v.label(c.Embargo.ProposedBy)
		c.Embargo.HoldingUp = nil
		for i, cs := range c.Embargo.Consents {
			if p := v.byID[cs.ParticipantID]; cs.ParticipantID != 0 && v.other(p) {
				cs.Party, cs.By = v.name(p), ""
				if !v.visible(p) {
					cs.ParticipantID = 0
				}
			} else {
				cs.By = v.label(cs.By)
			}
			c.Embargo.Consents[i] = cs
			if cs.Required && cs.Answer != AnswerAccepted {
				c.Embargo.HoldingUp = append(c.Embargo.HoldingUp, cs.Party)
			}
		}
	}
}

// isPublic reports whether the case is public (its public date reached, or the
// vulnerability public otherwise): party statements are then no longer the team's alone.
func (c *Case) isPublic() bool {
	return c.TLP == "CLEAR" || (c.state.Facts != nil && c.state.Facts[FactPublicAware])
}
