package web

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/people"
)

// The dashboard is the responder's work queue: where the day starts. Reports to
// acknowledge and to triage, soonest deadline first; cases that wait for the team;
// advisories that wait for a second responder (not the one who wrote them); who is on
// intake duty. Admins also see failed jobs.

type dashboardPage struct {
	BasePage
	zoned
	Now         time.Time
	OnDuty      *people.OnDuty
	ToAck       []*intake.Report
	ToTriage    []*intake.Report
	CasesWait   []caseWait
	Reviews     []*advisory.Advisory
	MyReviews   []*advisory.Advisory // in review, written by me: waiting for someone else
	FailedJobs  int
	PendingJobs int
	Admin       bool
}

type caseWait struct {
	C   *cases.Case
	Why string
	Due *time.Time
}

// Overdue says whether t has passed.
func (p dashboardPage) Overdue(t time.Time) bool { return !t.IsZero() && t.Before(p.Now) }

// skip ignores a part of the queue the viewer's role may not see.
func skip(err error) error {
	if errors.Is(err, authz.ErrForbidden) || errors.Is(err, db.ErrNotFound) {
		return nil
	}
	return err
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ViewDashboard, nil); err != nil {
		if !a.IsStaff() {
			// A member's home is "My cases" (a bookmark or a sign-in link to the dashboard).
			http.Redirect(w, r, "/my-cases", http.StatusSeeOther)
			return nil
		}
		return err
	}
	ctx := r.Context()
	p := dashboardPage{BasePage: h.base(r, "Dashboard"), zoned: zoneOf(r), Now: h.app.Clock.Now(), Admin: a.Role == authz.RoleAdmin}
	if p.OnDuty, err = h.app.People.OnDutyNow(ctx, a); skip(err) != nil {
		return err
	}
	reps, err := h.app.Intake.List(ctx, a, intake.Query{States: []string{intake.StateNew, intake.StateAcknowledged, intake.StateNeedsRepro}, Limit: 200})
	if skip(err) != nil {
		return err
	}
	for _, rep := range reps {
		if rep.State == intake.StateNew {
			p.ToAck = append(p.ToAck, rep)
		} else {
			p.ToTriage = append(p.ToTriage, rep)
		}
	}
	sort.SliceStable(p.ToAck, func(i, j int) bool { return p.ToAck[i].AckDue.Before(p.ToAck[j].AckDue) })
	sort.SliceStable(p.ToTriage, func(i, j int) bool { return p.ToTriage[i].AssessDue.Before(p.ToTriage[j].AssessDue) })
	if a.IsStaff() && a.Role != authz.RolePgM {
		if err := h.casesWaiting(r, a, &p); err != nil {
			return err
		}
	}
	advs, err := h.app.Advisories.List(ctx, a, advisory.ListOptions{Limit: 200})
	if skip(err) != nil {
		return err
	}
	for _, adv := range advs {
		inReview, editor := adv.State == advisory.StateReview, adv.EditedBy
		if adv.Pending != nil && adv.Pending.State == advisory.StateReview {
			inReview, editor = true, adv.Pending.EditedBy
		}
		if !inReview {
			continue
		}
		if editor == a.UserID {
			p.MyReviews = append(p.MyReviews, adv)
		} else {
			p.Reviews = append(p.Reviews, adv)
		}
	}
	if p.Admin {
		counts, err := h.app.Jobs.Counts(ctx)
		if err != nil {
			return err
		}
		p.FailedJobs, p.PendingJobs = counts["dead"], counts["pending"]
	}
	return h.render(w, r, http.StatusOK, "dashboard", p)
}

// casesWaiting lists the open cases whose next step is the team's: a public date
// proposed by another party that the team has not answered, parties not yet read in,
// an agreed public date within two weeks.
func (h *Handlers) casesWaiting(r *http.Request, a authz.Actor, p *dashboardPage) error {
	list, err := h.app.Cases.List(r.Context(), a, cases.Query{Limit: 200})
	if skip(err) != nil {
		return err
	}
	for _, c := range list {
		if c.ClosedAt != nil || c.Embargo == nil {
			continue
		}
		switch c.Embargo.State {
		case cases.EMProposed, cases.EMRevise:
			full, err := h.app.Cases.Get(r.Context(), a, c.PublicID)
			if err != nil {
				if skip(err) == nil {
					continue
				}
				return err
			}
			for _, cs := range full.Embargo.Consents {
				if cs.ParticipantID == 0 && cs.Answer != cases.AnswerAccepted {
					p.CasesWait = append(p.CasesWait, caseWait{C: full, Why: "a public date is proposed; the team has not answered", Due: full.Embargo.ProposedDate})
				}
			}
		case cases.EMActive:
			if pd := c.Embargo.PublicDate; pd != nil && pd.Sub(p.Now) < 14*24*time.Hour {
				p.CasesWait = append(p.CasesWait, caseWait{C: c, Why: "the agreed public date is near: are the advisory and the fix ready?", Due: pd})
			}
		case cases.EMNone:
			if c.Phase != "" && c.Phase != "disclose" {
				p.CasesWait = append(p.CasesWait, caseWait{C: c, Why: "no public date proposed yet"})
			}
		}
	}
	sort.SliceStable(p.CasesWait, func(i, j int) bool {
		di, dj := p.CasesWait[i].Due, p.CasesWait[j].Due
		switch {
		case di == nil:
			return false
		case dj == nil:
			return true
		}
		return di.Before(*dj)
	})
	return nil
}
