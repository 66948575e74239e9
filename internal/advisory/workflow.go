package advisory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/ids"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/validate"
)

// policy returns what authz needs to know of a.
func (s *Service) policy(ctx context.Context, q db.Querier, actor authz.Actor, a *Advisory) (authz.Advisory, error) {
	p := authz.Advisory{Published: a.Published(), AuthorID: a.AuthorID}
	if a.CaseID != nil {
		if s.cases == nil {
			// A case advisory without the cases package: treat it as embargoed case
			// material nobody outside the team is read into.
			p.Case = &authz.Case{Embargoed: !a.Published()}
			return p, nil
		}
		c, err := s.cases.Case(ctx, q, actor, *a.CaseID)
		if err != nil {
			return p, err
		}
		p.Case = &c
	}
	return p, nil
}

// load reads an advisory and checks that actor may do action on it.
func (s *Service) load(ctx context.Context, q db.Querier, actor authz.Actor, ref string, action authz.Action) (*Advisory, error) {
	a, err := get(ctx, q, ref)
	if err != nil {
		return nil, err
	}
	p, err := s.policy(ctx, q, actor, a)
	if err != nil {
		return nil, err
	}
	if err := authz.Can(actor, action, p); err != nil {
		return nil, err
	}
	return a, nil
}

func caseIDOf(a *Advisory) int64 {
	if a.CaseID == nil {
		return 0
	}
	return *a.CaseID
}

// event appends an event about a; after says what changed (never the embargoed text).
func (s *Service) event(ctx context.Context, q db.Querier, actor authz.Actor, action string, a *Advisory, before, after any) error {
	_, err := s.events.Append(ctx, q, actor, events.Entry{Action: action, Subject: a.Ref(), CaseID: caseIDOf(a), Before: before, After: after})
	return err
}

type stateChange struct {
	State      State      `json:"state"`
	Revision   int        `json:"revision"`
	PublicDate *time.Time `json:"public_date,omitempty"`
}

func changeOf(a *Advisory) stateChange {
	return stateChange{State: a.State, Revision: a.Revision, PublicDate: a.PublicDate}
}

// Create drafts a standalone advisory (not from a case) from d; it gets the team's next
// public id.
func (s *Service) Create(ctx context.Context, actor authz.Actor, d Draft) (*Advisory, error) {
	if err := authz.Can(actor, authz.ImportAdvisory, nil); err != nil {
		return nil, err
	}
	var a *Advisory
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		a, err = s.createTx(ctx, q, actor, d, nil)
		return err
	})
	return a, err
}

// CreateFromCase drafts the advisory of vulnerability vuln of a case, prefilled from the
// case (see CaseSource). Until the cases package is wired in, every case is unknown and
// the answer is db.ErrNotFound.
//
// For the cases engineer: implement CaseSource in package cases, call
// app.Advisories.SetCases(casesService) in app.New, and POST /api/v1/advisories with
// {"case_id", "vulnerability"} works as it is.
func (s *Service) CreateFromCase(ctx context.Context, actor authz.Actor, caseRef, vuln string) (*Advisory, error) {
	if actor.IsAnonymous() {
		return nil, authz.ErrUnauthenticated
	}
	if s.cases == nil {
		return nil, fmt.Errorf("advisory: no case %q: %w", caseRef, db.ErrNotFound)
	}
	var a *Advisory
	err := s.db.InTx(ctx, func(q db.Querier) error {
		cd, err := s.cases.AdvisoryDraft(ctx, q, actor, caseRef, vuln)
		if err != nil {
			return err
		}
		if err := authz.Can(actor, authz.EditAdvisory, authz.Advisory{AuthorID: actor.UserID, Case: &cd.Case}); err != nil {
			return err
		}
		a, err = s.createTx(ctx, q, actor, cd.Draft, &cd.CaseID)
		return err
	})
	return a, err
}

func (s *Service) createTx(ctx context.Context, q db.Querier, actor authz.Actor, d Draft, caseID *int64) (*Advisory, error) {
	now := s.clock.Now()
	doc := &format.Advisory{Modified: now, TLP: format.TLPRed}
	if err := d.apply(doc); err != nil {
		return nil, err
	}
	if strings.TrimSpace(doc.Summary) == "" && strings.TrimSpace(doc.Title) == "" {
		return nil, validate.Field("summary", "is required: one line saying what the vulnerability is")
	}
	pid, err := ids.Next(ctx, q, s.cfg.IDPrefix, now)
	if err != nil {
		return nil, err
	}
	doc.ID, doc.OSVID = pid, format.OSVIDFor(pid, s.cfg.OSVPrefix)
	if err := checkDocument(doc); err != nil {
		return nil, err
	}
	a := &Advisory{PublicID: pid, OSVID: doc.OSVID, CaseID: caseID, Source: SourceTeam, State: StateDraft, Doc: doc,
		AuthorID: actor.UserID, CreatedAt: now, UpdatedAt: now, Revision: 1}
	if err := insert(ctx, q, a, actor, orDefault(d.Change, "Drafted.")); err != nil {
		return nil, err
	}
	return a, s.event(ctx, q, actor, "advisory.created", a, nil, changeOf(a))
}

// Import makes a draft from an OSV record (any schema version). The record must pass
// the OSV schema: a record that does not is refused with the *format.ValidationError
// naming each JSON path ("$.affected[0].ranges[0].events"). The draft keeps the record's
// id as its public id and OSV id, and its aliases; it is unpublished (TLP:RED) like
// every draft, whatever the record says about its own publication.
func (s *Service) Import(ctx context.Context, actor authz.Actor, data []byte) (*Advisory, error) {
	if err := authz.Can(actor, authz.ImportAdvisory, nil); err != nil {
		return nil, err
	}
	doc, err := format.ImportOSV(data)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	doc.ID = doc.OSVID
	doc.TLP = format.TLPRed
	a := &Advisory{PublicID: doc.OSVID, OSVID: doc.OSVID, Source: SourceImported, State: StateDraft, Doc: doc,
		AuthorID: actor.UserID, CreatedAt: now, UpdatedAt: now, Revision: 1}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		if err := insert(ctx, q, a, actor, "Imported from OSV record "+doc.OSVID+"."); err != nil {
			return err
		}
		return s.event(ctx, q, actor, "advisory.imported", a, nil, changeOf(a))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Get returns one advisory by public id, OSV id or number.
func (s *Service) Get(ctx context.Context, actor authz.Actor, ref string) (*Advisory, error) {
	a, err := s.load(ctx, s.db.Read(), actor, ref, authz.ReadAdvisory)
	if err != nil {
		return nil, err
	}
	return hidePending(actor, a), nil
}

// hidePending drops the pending revision of a published advisory for anyone but the
// team: it is unpublished text.
func hidePending(actor authz.Actor, a *Advisory) *Advisory {
	if actor.Role != authz.RoleResponder && actor.Role != authz.RoleAdmin {
		a.Pending = nil
	}
	return a
}

// List returns a page of advisories the actor may see, newest first.
func (s *Service) List(ctx context.Context, actor authz.Actor, o ListOptions) ([]*Advisory, error) {
	if err := authz.Can(actor, authz.ListAdvisories, nil); err != nil {
		return nil, err
	}
	as, err := list(ctx, s.db.Read(), authz.Scope(actor, authz.KindAdvisory), o)
	for _, a := range as {
		hidePending(actor, a)
	}
	return as, err
}

// Revisions returns the revision history of an advisory, newest first.
func (s *Service) Revisions(ctx context.Context, actor authz.Actor, ref string) ([]Revision, error) {
	a, err := s.Get(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	return revisions(ctx, s.db.Read(), a.ID)
}

// change runs one workflow step on an advisory in one transaction: load and authorize,
// let step change it (or refuse), save it as the next revision, append the event, and
// let after enqueue follow-up jobs.
func (s *Service) change(ctx context.Context, actor authz.Actor, ref string, action authz.Action, event string,
	step func(q db.Querier, a *Advisory, now time.Time) (summary string, err error)) (*Advisory, error) {
	var out *Advisory
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.load(ctx, q, actor, ref, action)
		if err != nil {
			return err
		}
		before, prev, now := changeOf(a), a.Revision, s.clock.Now()
		summary, err := step(q, a, now)
		if err != nil {
			return err
		}
		a.UpdatedAt = now
		if err := save(ctx, q, a, prev, actor, summary); err != nil {
			return err
		}
		out = a
		return s.event(ctx, q, actor, event, a, before, changeOf(a))
	})
	return out, err
}

// Update changes an advisory. ifRevision, when not 0, must be the revision the change
// was made to (optimistic locking).
//
// Four eyes hold for every change: the one who changed the content becomes its last
// editor, who cannot approve it. An approved or scheduled advisory that is changed goes
// back to review (the approval was for other text, and the pending publication is
// superseded). A change to a published (or withdrawn) advisory does not touch the public
// document: it becomes the pending next revision, in review, and replaces the public
// document only once a second responder approved it and it is published.
func (s *Service) Update(ctx context.Context, actor authz.Actor, ref string, d Draft, ifRevision int) (*Advisory, error) {
	return s.change(ctx, actor, ref, authz.EditAdvisory, "advisory.updated", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		if ifRevision != 0 && ifRevision != a.Revision {
			return "", fmt.Errorf("advisory %s is at revision %d, not %d: someone else changed it; reload and try again: %w",
				a.PublicID, a.Revision, ifRevision, db.ErrConflict)
		}
		doc := a.Doc
		if a.Published() {
			doc = clone(a.Doc)
			if a.Pending != nil {
				doc = clone(a.Pending.Doc)
			}
		}
		if err := d.apply(doc); err != nil {
			return "", err
		}
		if strings.TrimSpace(doc.Summary) == "" && strings.TrimSpace(doc.Title) == "" {
			return "", validate.Field("summary", "is required: one line saying what the vulnerability is")
		}
		doc.Modified = now
		if err := checkDocument(doc); err != nil {
			return "", err
		}
		summary := orDefault(strings.TrimSpace(d.Change), "Updated.")
		if a.Published() {
			a.Pending = &Pending{State: StateReview, Doc: doc, EditedBy: actor.UserID}
			return summary + " Proposed as the next public revision, in review: the published revision stays served until a second responder approves this one and it is published.", nil
		}
		a.EditedBy = actor.UserID
		switch a.State {
		case StateApproved, StateScheduled:
			a.State, a.ApprovedBy, a.PublicDate = StateReview, 0, nil
			summary += " Changed after approval: back in review; a second responder must approve it again."
		}
		return summary, nil
	})
}

// Submit asks for review: a second responder approves.
func (s *Service) Submit(ctx context.Context, actor authz.Actor, ref string) (*Advisory, error) {
	return s.change(ctx, actor, ref, authz.EditAdvisory, "advisory.submitted", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		if a.State != StateDraft {
			return "", &stateError{fmt.Sprintf("advisory %s is %s; only a draft is submitted for review", a.PublicID, a.State)}
		}
		a.State = StateReview
		return "Submitted for review.", nil
	})
}

// Approve records the review of a responder other than the author (authz refuses the
// author) and other than whoever last changed the content (a reviewer cannot approve
// their own rewrite). A draft may be approved directly: the approval is the review. On
// a published advisory it approves the pending next revision.
func (s *Service) Approve(ctx context.Context, actor authz.Actor, ref string) (*Advisory, error) {
	return s.change(ctx, actor, ref, authz.ApproveAdvisory, "advisory.approved", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		if a.Published() {
			if a.Pending == nil || a.Pending.State != StateReview {
				return "", &stateError{fmt.Sprintf("advisory %s is %s with no revision in review; change it first (the change is reviewed as its next revision)", a.PublicID, a.State)}
			}
			if a.Pending.EditedBy == actor.UserID {
				return "", fmt.Errorf("advisory %s: you wrote its pending revision; a second responder must approve it (four eyes): %w", a.PublicID, authz.ErrForbidden)
			}
			if err := checkDocument(a.Pending.Doc); err != nil {
				return "", err
			}
			a.Pending.State, a.Pending.ApprovedBy = StateApproved, actor.UserID
			return "Next public revision approved by " + actor.Label() + ".", nil
		}
		if a.State != StateDraft && a.State != StateReview {
			return "", &stateError{fmt.Sprintf("advisory %s is %s; only a draft or an advisory in review is approved", a.PublicID, a.State)}
		}
		if a.EditedBy != 0 && a.EditedBy == actor.UserID {
			return "", fmt.Errorf("advisory %s: you made its last change; a second responder must approve it (four eyes): %w", a.PublicID, authz.ErrForbidden)
		}
		if err := checkDocument(a.Doc); err != nil {
			return "", err
		}
		a.State, a.ApprovedBy = StateApproved, actor.UserID
		return "Approved by " + actor.Label() + ".", nil
	})
}

// PublishArgs are the arguments of the advisory.publish job.
type PublishArgs struct {
	Advisory   int64     `json:"advisory"`
	PublicDate time.Time `json:"public_date"`
}

// Schedule sets the public date of an approved advisory and enqueues its publication
// at that instant. Scheduling again moves the date: the job of the earlier date finds
// the advisory's public date changed and does nothing. An advisory of a case under
// embargo cannot be scheduled before the case's agreed public date (*EmbargoError, 409);
// a zero pd means the case's agreed public date.
func (s *Service) Schedule(ctx context.Context, actor authz.Actor, ref string, pd time.Time) (*Advisory, error) {
	pd = pd.UTC().Truncate(time.Microsecond)
	return s.change(ctx, actor, ref, authz.EditAdvisory, "advisory.scheduled", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		if a.State != StateApproved && a.State != StateScheduled {
			return "", &stateError{fmt.Sprintf("advisory %s is %s; it must be approved by a second responder before it is scheduled", a.PublicID, a.State)}
		}
		if pd.IsZero() {
			ce, err := s.caseEmbargo(ctx, q, a)
			if err != nil {
				return "", err
			}
			if ce.PublicDate == nil {
				return "", validate.Field("public_date", "is required: an instant with its time zone (the advisory has no case with an agreed public date to follow)")
			}
			pd = ce.PublicDate.UTC()
		}
		if !pd.After(now) {
			return "", validate.Field("public_date", "%s is not in the future (now is %s); use publish to publish now",
				pd.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		if err := s.releasable(ctx, q, a, pd); err != nil {
			return "", err
		}
		if err := s.enqueuePublish(ctx, q, a, pd); err != nil {
			return "", err
		}
		return "Scheduled for publication at " + pd.Format(time.RFC3339) + ".", nil
	})
}

func (s *Service) enqueuePublish(ctx context.Context, q db.Querier, a *Advisory, pd time.Time) error {
	a.State, a.PublicDate = StateScheduled, &pd
	_, err := s.jobs.Enqueue(ctx, q, JobPublish, PublishArgs{Advisory: a.ID, PublicDate: pd},
		jobs.Options{RunAt: pd, UniqueKey: fmt.Sprintf("%s:%d:%s", JobPublish, a.ID, pd.Format(time.RFC3339Nano)), Priority: 10})
	return err
}

// caseEmbargo asks the cases (through the guard) for the embargo of a's case; an
// advisory without a case has none.
func (s *Service) caseEmbargo(ctx context.Context, q db.Querier, a *Advisory) (CaseEmbargo, error) {
	if a.CaseID == nil {
		return CaseEmbargo{Public: true}, nil
	}
	if s.guard == nil {
		return CaseEmbargo{CaseID: fmt.Sprint(*a.CaseID)}, nil
	}
	return s.guard.CaseEmbargo(ctx, q, *a.CaseID)
}

// releasable checks the embargo rule: an advisory of a case is published no earlier
// than the case's agreed public date, unless the case is public already (the date was
// reached, or a coordinator recorded an early release or an embargo break).
func (s *Service) releasable(ctx context.Context, q db.Querier, a *Advisory, at time.Time) error {
	if a.CaseID != nil {
		// A tabletop exercise never publishes.
		var exercise bool
		if err := q.QueryRow(ctx, "SELECT exercise FROM cases WHERE id = ?", *a.CaseID).Scan(&exercise); err != nil && !db.NotFound(err) {
			return err
		}
		if exercise {
			return &stateError{fmt.Sprintf("advisory %s belongs to an exercise case; an exercise is never published", a.PublicID)}
		}
	}
	ce, err := s.caseEmbargo(ctx, q, a)
	if err != nil {
		return err
	}
	if ce.Public || (ce.PublicDate != nil && !at.Before(*ce.PublicDate)) {
		return nil
	}
	return &EmbargoError{Advisory: a.PublicID, Case: ce.CaseID, PublicDate: ce.PublicDate, At: at}
}

// Publish publishes an approved (or scheduled) advisory now — refused with
// *EmbargoError (409) before its case's public date. On a published advisory it
// publishes the approved pending revision.
func (s *Service) Publish(ctx context.Context, actor authz.Actor, ref string) (*Advisory, error) {
	return s.change(ctx, actor, ref, authz.EditAdvisory, "advisory.published", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		if a.Published() {
			if a.Pending == nil {
				return "", &stateError{fmt.Sprintf("advisory %s is %s already; a change is reviewed as its next revision and published then", a.PublicID, a.State)}
			}
			if a.Pending.State != StateApproved {
				return "", &stateError{fmt.Sprintf("the next revision of advisory %s is in review; a second responder approves it before it is published", a.PublicID)}
			}
			a.Doc = a.Pending.Doc
			a.Doc.Modified = now
			a.ApprovedBy, a.EditedBy = a.Pending.ApprovedBy, a.Pending.EditedBy
			a.Pending = nil
			addPublicRevision(a.Doc, now, "Updated.")
			return "Published the next revision.", nil
		}
		if a.State != StateApproved && a.State != StateScheduled {
			return "", &stateError{fmt.Sprintf("advisory %s is %s; it must be approved by a second responder before it is published", a.PublicID, a.State)}
		}
		if err := s.releasable(ctx, q, a, now); err != nil {
			return "", err
		}
		return publish(a, now), nil
	})
}

// publish turns a into its published form at now; the caller saves it. TLP becomes
// CLEAR, the document gets its publication time (an imported record keeps its own) and
// its first public revision.
func publish(a *Advisory, now time.Time) string {
	a.State = StatePublished
	if a.PublishedAt == nil {
		t := now
		a.PublishedAt = &t
	}
	a.Doc.TLP = format.TLPClear
	if a.Doc.Published.IsZero() {
		a.Doc.Published = now
	}
	a.Doc.Modified = now
	addPublicRevision(a.Doc, now, "Initial public release.")
	return "Published."
}

// addPublicRevision appends the next entry of the public (CSAF) revision history.
func addPublicRevision(d *format.Advisory, now time.Time, summary string) {
	d.Revisions = append(d.Revisions, format.Revision{Number: strconv.Itoa(len(d.Revisions) + 1), Date: now, Summary: summary})
}

// runPublishJob publishes the advisory of a scheduled publication when the job comes
// due. It does nothing when the advisory is no longer scheduled for that instant
// (rescheduled, changed back to draft, published already), so running it twice, or
// after a restart, publishes at most once.
func (s *Service) runPublishJob(ctx context.Context, j jobs.Job) error {
	var args PublishArgs
	if err := j.Decode(&args); err != nil {
		return jobs.Cancel(err)
	}
	actor := authz.System(JobPublish)
	return s.db.InTx(ctx, func(q db.Querier) error {
		a, err := get(ctx, q, strconv.FormatInt(args.Advisory, 10))
		if db.NotFound(err) {
			return nil // deleted: nothing to publish
		}
		if err != nil {
			return err
		}
		if a.State != StateScheduled || a.PublicDate == nil || !a.PublicDate.Equal(args.PublicDate.UTC()) {
			return nil // superseded
		}
		now := s.clock.Now()
		if now.Before(*a.PublicDate) {
			return fmt.Errorf("advisory %s: publication job ran before its public date %s", a.PublicID, a.PublicDate.Format(time.RFC3339))
		}
		if err := s.releasable(ctx, q, a, now); err != nil {
			var ee *EmbargoError
			if errors.As(err, &ee) {
				return nil // the case's date moved later without us: the advisory waits for it
			}
			var se *stateError
			if errors.As(err, &se) {
				return nil // an exercise: never published
			}
			return err
		}
		before, prev := changeOf(a), a.Revision
		summary := publish(a, now)
		a.UpdatedAt = now
		if err := save(ctx, q, a, prev, actor, summary+" (scheduled)"); err != nil {
			return err
		}
		return s.event(ctx, q, actor, "advisory.published", a, before, changeOf(a))
	})
}

// Withdraw withdraws a published advisory: it stays public, marked withdrawn (OSV
// withdrawn time set), so that those who consumed it learn of the withdrawal.
func (s *Service) Withdraw(ctx context.Context, actor authz.Actor, ref, reason string) (*Advisory, error) {
	reason = strings.TrimSpace(reason)
	return s.change(ctx, actor, ref, authz.EditAdvisory, "advisory.withdrawn", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		if a.State != StatePublished {
			return "", &stateError{fmt.Sprintf("advisory %s is %s; only a published advisory is withdrawn (an unpublished one is simply not published)", a.PublicID, a.State)}
		}
		if len(reason) > 2000 {
			return "", validate.Field("reason", "is %d characters long; the limit is 2000", len(reason))
		}
		a.State = StateWithdrawn
		a.Doc.Withdrawn, a.Doc.Modified = now, now
		summary := "Withdrawn."
		if reason != "" {
			summary = "Withdrawn: " + reason
		}
		addPublicRevision(a.Doc, now, summary)
		return summary, nil
	})
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// IsFormatError reports whether err is an export or import refusal of the format
// package (invalid document, missing data, withdrawn), which callers show as 422.
func IsFormatError(err error) bool {
	var ve *format.ValidationError
	var me *format.MissingError
	return errors.As(err, &ve) || errors.As(err, &me) || errors.Is(err, format.ErrWithdrawn)
}

// CasePublic makes the advisories of case caseID follow the case into the open, in the
// caller's transaction (the cases package calls it when the case goes public). early is
// an early release or an embargo break: every approved or scheduled advisory is
// scheduled for now. Otherwise (the public date was reached) the scheduled advisories
// due by now are. Their publication jobs publish them after the commit. It returns how
// many advisories will publish.
func (s *Service) CasePublic(ctx context.Context, q db.Querier, caseID int64, early bool) (int, error) {
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	states := []State{StateScheduled}
	if early {
		states = append(states, StateApproved)
	}
	as, err := ofCase(ctx, q, caseID, states...)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range as {
		if !early && (a.PublicDate == nil || a.PublicDate.After(now)) {
			continue
		}
		if err := s.follow(ctx, q, a, now, "The case went public: publication at "+now.Format(time.RFC3339)+"."); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// CaseDateMoved moves the publication of the scheduled advisories of case caseID when
// its agreed public date moves from from to to: those scheduled for the old date, or
// now before the new one, follow to the new date. Those scheduled later stay.
func (s *Service) CaseDateMoved(ctx context.Context, q db.Querier, caseID int64, from, to time.Time) (int, error) {
	as, err := ofCase(ctx, q, caseID, StateScheduled)
	if err != nil {
		return 0, err
	}
	to = to.UTC().Truncate(time.Microsecond)
	n := 0
	for _, a := range as {
		if a.PublicDate == nil || (!a.PublicDate.Equal(from) && !a.PublicDate.Before(to)) || a.PublicDate.Equal(to) {
			continue
		}
		if err := s.follow(ctx, q, a, to, "The case's public date moved: publication moved to "+to.Format(time.RFC3339)+"."); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// follow reschedules a for pd on behalf of its case.
func (s *Service) follow(ctx context.Context, q db.Querier, a *Advisory, pd time.Time, summary string) error {
	actor := authz.System("cases")
	before, prev := changeOf(a), a.Revision
	if err := s.enqueuePublish(ctx, q, a, pd); err != nil {
		return err
	}
	a.UpdatedAt = s.clock.Now()
	if err := save(ctx, q, a, prev, actor, summary); err != nil {
		return err
	}
	return s.event(ctx, q, actor, "advisory.scheduled", a, before, changeOf(a))
}
