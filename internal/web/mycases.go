package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/reqctx"
)

// "My cases": the home of a member (a maintainer, a vendor, a finder with an account).
// Each of their cases with what it asks of them — read in, answer the proposed public
// date, state their status for a vulnerability — the deadlines in their own time zone,
// and the forms to do it here (they post to the case's routes, which send them back).

type myAsk struct {
	What string // in words
	Kind string // read-in, embargo, status
	Href string
}

type myCase struct {
	C        *cases.Case
	Asks     []myAsk
	MyAnswer string
	// Answer: the embargo waits for this member's answer (accept / counter here).
	Answer bool
	// Changes are what happened on the case in the last two weeks, newest first (as
	// the member may see them): the in-app notice of what changed.
	Changes []events.Event
}

// changeWords says an event of a case's timeline in words: "case.embargo.proposed" →
// "embargo proposed".
func changeWords(action string) string {
	a := strings.TrimPrefix(action, "case.")
	a = strings.NewReplacer(".", " ", "_", " ").Replace(a)
	switch a {
	case "embargo propose":
		return "a public date was proposed"
	case "embargo counter":
		return "another public date was proposed (counter)"
	case "embargo accept":
		return "a party accepted the proposed date"
	case "embargo agreed":
		return "the embargo was agreed"
	case "embargo reject":
		return "a party rejected the proposed date"
	case "post added", "post":
		return "a new message"
	}
	return a
}

type myCasesPage struct {
	BasePage
	zoned
	Cases   []myCase
	Waiting int
	ErrCase string // the case whose form was refused (its fields carry the ids)
	Now     time.Time
}

// zoned shows instants in the viewer's own time zone (their account setting).
type zoned struct {
	Zone     *time.Location
	ZoneName string
}

func zoneOf(r *http.Request) zoned {
	z := zoned{Zone: time.UTC, ZoneName: "UTC"}
	if u := reqctx.User(r.Context()); u != nil && u.TimeZone != "" {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			z.Zone, z.ZoneName = loc, u.TimeZone
		}
	}
	return z
}

// Local is t in the viewer's zone.
func (z zoned) Local(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	return t.In(z.Zone).Format("Mon 2 Jan 2006 15:04 MST")
}

// Until says how far off t is, in words ("in 12 days", "2 hours ago").
func (z zoned) Until(v *time.Time, now time.Time) string {
	if v == nil {
		return ""
	}
	d := v.Sub(now)
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d >= 48*time.Hour:
		s = strconv.Itoa(int(d.Hours()/24)) + " days"
	case d >= 2*time.Hour:
		s = strconv.Itoa(int(d.Hours())) + " hours"
	default:
		s = strconv.Itoa(int(d.Minutes())) + " minutes"
	}
	if past {
		return s + " ago"
	}
	return "in " + s
}

func (h *Handlers) myCasesData(r *http.Request, a authz.Actor) (myCasesPage, error) {
	p := myCasesPage{BasePage: h.base(r, "My cases"), zoned: zoneOf(r), Now: h.app.Clock.Now()}
	list, err := h.app.Cases.List(r.Context(), a, cases.Query{Limit: 100})
	if err != nil {
		return p, err
	}
	for _, c := range list {
		mc := myCase{C: c}
		if c.Title == "" {
			if c.ReadInRequired {
				mc.Asks = append(mc.Asks, myAsk{Kind: "read-in", Href: "/cases/" + c.PublicID + "#read-in",
					What: "Read in: accept the confidentiality terms to see this case (you were added as " + c.Role + ")."})
			}
			p.add(mc)
			continue
		}
		full, err := h.app.Cases.Get(r.Context(), a, c.PublicID)
		if err != nil {
			return p, err
		}
		mc.C = full
		if evs, err := h.app.Cases.Timeline(r.Context(), a, c.PublicID, 0, 500); err == nil {
			since := p.Now.Add(-14 * 24 * time.Hour)
			for i := len(evs) - 1; i >= 0 && len(mc.Changes) < 5; i-- {
				if evs[i].At.After(since) {
					mc.Changes = append(mc.Changes, evs[i])
				}
			}
		}
		if e := full.Embargo; e != nil && (e.State == cases.EMProposed || e.State == cases.EMRevise) {
			for _, cs := range e.Consents {
				if cs.ParticipantID == full.MyParticipant && full.MyParticipant != 0 {
					mc.MyAnswer = string(cs.Answer)
					if cs.Answer != cases.AnswerAccepted {
						mc.Answer = true
						mc.Asks = append(mc.Asks, myAsk{Kind: "embargo", Href: "/cases/" + c.PublicID + "#embargo",
							What: "Answer the proposed public date: " + p.Local(e.ProposedDate) + " (" + p.Until(e.ProposedDate, p.Now) + ")."})
					}
				}
			}
		}
		if full.Role == string(authz.CaseOwner) || full.Role == string(authz.CaseCollaborator) || full.Role == string(authz.CaseDownstream) {
			for _, v := range full.Vulnerabilities {
				for _, st := range v.Statuses {
					if st.ParticipantID == full.MyParticipant && st.Status == "unknown" {
						mc.Asks = append(mc.Asks, myAsk{Kind: "status", Href: "/cases/" + c.PublicID + "#vulnerabilities",
							What: "Say whether you are affected by " + v.Label + " (" + v.Title + ")."})
					}
				}
			}
		}
		p.add(mc)
	}
	return p, nil
}

// add keeps the cases that ask something first.
func (p *myCasesPage) add(mc myCase) {
	if len(mc.Asks) > 0 {
		p.Cases = append(p.Cases[:p.Waiting], append([]myCase{mc}, p.Cases[p.Waiting:]...)...)
		p.Waiting++
		return
	}
	p.Cases = append(p.Cases, mc)
}

func (h *Handlers) myCases(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	p, err := h.myCasesData(r, a)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "mycases", p)
}

// backTo is where a case form sends the user after it: the case page, or "My cases"
// when the form was there.
func backTo(r *http.Request) string {
	if r.PostFormValue("back") == "/my-cases" {
		return "/my-cases"
	}
	return ""
}

// myCasesRefused shows "My cases" again with a refused form's messages and input.
func (h *Handlers) myCasesRefused(w http.ResponseWriter, r *http.Request, err error, field string) error {
	a, aerr := requireUser(r)
	if aerr != nil {
		return aerr
	}
	p, perr := h.myCasesData(r, a)
	if perr != nil {
		return perr
	}
	status, ok := formRefused(&p.BasePage, r, err, field)
	if !ok {
		return err
	}
	p.ErrCase = strings.TrimSpace(r.PathValue("id"))
	return h.render(w, r, status, "mycases", p)
}
