package cases

import (
	"fmt"
	"slices"
	"time"
)

// The multi-party CVD model of CERT/CC's Vultron ("A State-Based Model for Multi-Party
// CVD"), as pure functions over a small State: case-wide Embargo Management, the
// case-state facts, and each participant's Report Management state. The service loads a
// State, asks Step whether an event is allowed and what follows, and stores the result;
// the property test drives Step with random events and checks the invariants.

// EMState is the case-wide Embargo Management state.
type EMState string

// The Embargo Management states.
const (
	EMNone     EMState = "none"     // no embargo, none proposed
	EMProposed EMState = "proposed" // a public date is proposed, not yet agreed by every required party
	EMActive   EMState = "active"   // every required party agreed: the public date holds
	EMRevise   EMState = "revise"   // active, and a new public date is proposed
	EMExited   EMState = "exited"   // the embargo ended (public date reached, broken, or left); final
)

// RMState is one participant's Report Management state.
type RMState string

// The Report Management states.
const (
	RMStart    RMState = "start"
	RMReceived RMState = "received"
	RMInvalid  RMState = "invalid"
	RMValid    RMState = "valid"
	RMDeferred RMState = "deferred"
	RMAccepted RMState = "accepted"
	RMClosed   RMState = "closed"
)

// RMStates lists the Report Management states in order.
var RMStates = []RMState{RMStart, RMReceived, RMInvalid, RMValid, RMDeferred, RMAccepted, RMClosed}

// rmNext are the Report Management transitions of the model.
var rmNext = map[RMState][]RMState{
	RMStart:    {RMReceived},
	RMReceived: {RMInvalid, RMValid},
	RMInvalid:  {RMValid, RMClosed},
	RMValid:    {RMAccepted, RMDeferred},
	RMAccepted: {RMDeferred, RMClosed},
	RMDeferred: {RMAccepted, RMClosed},
}

// CheckRM says whether a participant may move from one Report Management state to another.
func CheckRM(from, to RMState) error {
	if !slices.Contains(RMStates, to) {
		return &RuleError{Code: "rm.unknown_state", Msg: fmt.Sprintf("report management: %q is not a state (want one of start, received, invalid, valid, deferred, accepted, closed)", to)}
	}
	if from == to {
		return nil
	}
	if !slices.Contains(rmNext[from], to) {
		return &RuleError{Code: "rm.transition", Msg: fmt.Sprintf("report management rule rm.transition: a participant in state %s cannot move to %s (from %s the model allows: %v)", from, to, from, rmNext[from])}
	}
	return nil
}

// Fact names a case-state fact.
type Fact string

// The case-state facts.
const (
	FactVendorAware     Fact = "vendor_aware" // the owner (vendor, maintainer) knows
	FactFixReady        Fact = "fix_ready"
	FactFixDeployed     Fact = "fix_deployed"
	FactPublicAware     Fact = "public_aware"
	FactExploitPublic   Fact = "exploit_public"
	FactAttacksObserved Fact = "attacks_observed"
)

// Facts lists the facts in the model's order.
var Facts = []Fact{FactVendorAware, FactFixReady, FactFixDeployed, FactPublicAware, FactExploitPublic, FactAttacksObserved}

// FactSet is which facts are true.
type FactSet map[Fact]bool

// Answer is a party's answer to an embargo proposal.
type Answer string

// The answers; no row is "no answer yet".
const (
	AnswerAccepted  Answer = "accepted"
	AnswerRejected  Answer = "rejected"
	AnswerCountered Answer = "countered"
	AnswerNone      Answer = "no_answer"
)

// Team is the party key of the team (its coordinators answer for it).
const Team int64 = 0

// State is what the model needs to know of a case.
type State struct {
	EM       EMState
	Round    int       // the current proposal's round (increases with every propose, counter, revise)
	Proposed time.Time // the proposed public date (proposed, revise)
	PD       time.Time // the agreed public date (active, revise; kept after exit)
	Facts    FactSet
	Required []int64          // parties whose consent makes an embargo active (Team always)
	Answers  map[int64]Answer // answers to the current round
}

// Clone returns a deep copy.
func (s State) Clone() State {
	c := s
	c.Facts = FactSet{}
	for k, v := range s.Facts {
		c.Facts[k] = v
	}
	c.Required = slices.Clone(s.Required)
	c.Answers = map[int64]Answer{}
	for k, v := range s.Answers {
		c.Answers[k] = v
	}
	return c
}

// EmbargoAction is what a party does to the embargo.
type EmbargoAction string

// The embargo actions of the API.
const (
	ActPropose EmbargoAction = "propose"
	ActAccept  EmbargoAction = "accept"
	ActReject  EmbargoAction = "reject"
	ActCounter EmbargoAction = "counter"
	ActRevise  EmbargoAction = "revise"
	ActExit    EmbargoAction = "exit"
)

// EmbargoActions lists the actions.
var EmbargoActions = []EmbargoAction{ActPropose, ActAccept, ActReject, ActCounter, ActRevise, ActExit}

// Event is one thing that happens to a case's state.
type Event struct {
	Party  int64         // who acts (Team or a participant's id)
	Action EmbargoAction // an embargo action, or "" for a fact
	Date   time.Time     // public date of propose, counter, revise
	Fact   Fact          // a fact becoming true
	// PDReached is the scheduled transition at the agreed public date.
	PDReached bool
}

// RuleError is a transition the model forbids (HTTP 409). Rule names the rule.
type RuleError struct {
	Code string
	Msg  string
}

func (e *RuleError) Error() string { return e.Msg }

// Rule names the broken rule, e.g. "em.accept_without_proposal".
func (e *RuleError) Rule() string { return e.Code }

func rule(code, format string, args ...any) error {
	return &RuleError{Code: code, Msg: fmt.Sprintf("embargo rule "+code+": "+format, args...)}
}

// publicReason names the fact that makes an embargo impossible, or "".
func (s State) publicReason() Fact {
	for _, f := range []Fact{FactPublicAware, FactExploitPublic, FactAttacksObserved} {
		if s.Facts[f] {
			return f
		}
	}
	return ""
}

// allAgreed reports whether every required party accepted the current round.
func (s State) allAgreed() bool {
	for _, p := range s.Required {
		if s.Answers[p] != AnswerAccepted {
			return false
		}
	}
	return true
}

// HoldingUp lists the required parties that have not accepted the current round.
func (s State) HoldingUp() []int64 {
	var out []int64
	for _, p := range s.Required {
		if s.Answers[p] != AnswerAccepted {
			out = append(out, p)
		}
	}
	return out
}

// Step applies ev to s: it returns the next state, or a *RuleError and s unchanged.
func Step(s State, ev Event) (State, error) {
	n := s.Clone()
	if n.Answers == nil {
		n.Answers = map[int64]Answer{}
	}
	if !slices.Contains(n.Required, Team) {
		n.Required = append([]int64{Team}, n.Required...)
	}
	switch {
	case ev.PDReached:
		if s.EM != EMActive && s.EM != EMRevise {
			return s, rule("em.pd_without_embargo", "the public date can only be reached by an active embargo (the embargo is %s)", s.EM)
		}
		n.EM, n.Proposed = EMExited, time.Time{} // a pending revision lapses with the embargo
		n.Facts[FactPublicAware] = true
		return n, nil
	case ev.Fact != "":
		return stepFact(s, n, ev.Fact)
	}
	switch ev.Action {
	case ActPropose:
		switch s.EM {
		case EMActive:
			return s, rule("em.propose_when_active", "an embargo is already active (public date %s); use revise to propose another date", fmtTime(s.PD))
		case EMProposed, EMRevise:
			return s, rule("em.propose_when_proposed", "a public date (%s) is already proposed; accept, reject or counter it", fmtTime(s.Proposed))
		case EMExited:
			return s, rule("em.exited", "the embargo has exited; an embargo cannot start again on this case")
		}
		if f := s.publicReason(); f != "" {
			return s, rule("em.public", "no embargo can be proposed once %s is true: the vulnerability is no longer secret", f)
		}
		n.EM = EMProposed
		n.newRound(ev.Party, ev.Date)
	case ActRevise:
		if s.EM != EMActive {
			return s, rule("em.revise_without_active", "only an active embargo can be revised (the embargo is %s); use propose or counter", s.EM)
		}
		n.EM = EMRevise
		n.newRound(ev.Party, ev.Date)
	case ActCounter:
		if s.EM != EMProposed && s.EM != EMRevise {
			return s, rule("em.counter_without_proposal", "there is no proposed public date to counter (the embargo is %s)", s.EM)
		}
		if f := s.publicReason(); f != "" && s.EM == EMProposed {
			return s, rule("em.public", "no embargo can start once %s is true", f)
		}
		n.newRound(ev.Party, ev.Date)
		n.Answers[ev.Party] = AnswerAccepted // a counter-proposal is its author's acceptance of its own date
	case ActAccept:
		if s.EM != EMProposed && s.EM != EMRevise {
			return s, rule("em.accept_without_proposal", "there is no proposed embargo to accept (the embargo is %s); propose a public date first", s.EM)
		}
		if f := s.publicReason(); f != "" && s.EM == EMProposed {
			return s, rule("em.public", "no embargo can start once %s is true", f)
		}
		n.Answers[ev.Party] = AnswerAccepted
		if n.allAgreed() {
			n.EM, n.PD, n.Proposed = EMActive, n.Proposed, time.Time{}
		}
	case ActReject:
		switch s.EM {
		case EMProposed:
			n.EM, n.Proposed = EMNone, time.Time{}
		case EMRevise:
			n.EM, n.Proposed = EMActive, time.Time{} // the agreed date stands
		default:
			return s, rule("em.reject_without_proposal", "there is no proposed embargo to reject (the embargo is %s)", s.EM)
		}
		n.Answers[ev.Party] = AnswerRejected
	case ActExit:
		if s.EM != EMActive && s.EM != EMRevise {
			return s, rule("em.exit_without_active", "there is no active embargo to exit (the embargo is %s)%s", s.EM,
				map[bool]string{true: "; reject the proposal instead", false: ""}[s.EM == EMProposed])
		}
		n.EM, n.Proposed = EMExited, time.Time{}
	default:
		return s, rule("em.unknown_action", "%q is not an embargo action (want propose, accept, reject, counter, revise or exit)", ev.Action)
	}
	return n, nil
}

func (n *State) newRound(party int64, date time.Time) {
	n.Round++
	n.Proposed = date
	n.Answers = map[int64]Answer{party: AnswerAccepted} // proposing is agreeing to one's own date
	if n.allAgreed() && n.EM == EMProposed {
		// Nobody else must agree (the team proposes on a case with no required party).
		n.EM, n.PD, n.Proposed = EMActive, date, time.Time{}
	}
	if n.allAgreed() && n.EM == EMRevise {
		n.EM, n.PD, n.Proposed = EMActive, date, time.Time{}
	}
}

func stepFact(s, n State, f Fact) (State, error) {
	if !slices.Contains(Facts, f) {
		return s, &RuleError{Code: "facts.unknown", Msg: fmt.Sprintf("case-state rule facts.unknown: %q is not a fact", f)}
	}
	if s.Facts[f] {
		return s, nil // facts only ever become true; saying it again changes nothing
	}
	switch f {
	case FactFixReady:
		if !s.Facts[FactVendorAware] {
			return s, &RuleError{Code: "facts.fix_ready_needs_vendor_aware", Msg: "case-state rule facts.fix_ready_needs_vendor_aware: a fix cannot be ready before the owner (vendor) is aware; set vendor_aware first"}
		}
	case FactFixDeployed:
		if !s.Facts[FactFixReady] {
			return s, &RuleError{Code: "facts.fix_deployed_needs_fix_ready", Msg: "case-state rule facts.fix_deployed_needs_fix_ready: a fix cannot be deployed before it is ready; set fix_ready first"}
		}
	}
	n.Facts[f] = true
	if f == FactExploitPublic {
		n.Facts[FactPublicAware] = true // a public exploit makes the vulnerability public
	}
	if n.publicReason() != "" {
		// The secret is out: an active embargo exits, a mere proposal lapses.
		switch s.EM {
		case EMActive, EMRevise:
			n.EM, n.Proposed = EMExited, time.Time{}
		case EMProposed:
			n.EM, n.Proposed = EMNone, time.Time{}
		}
	}
	return n, nil
}

// Check returns the first invariant of the model that s breaks, or nil.
func (s State) Check() error {
	if (s.EM == EMProposed || s.EM == EMActive || s.EM == EMRevise) && s.publicReason() != "" {
		return fmt.Errorf("embargo %s while %s", s.EM, s.publicReason())
	}
	if s.Facts[FactFixDeployed] && !s.Facts[FactFixReady] {
		return fmt.Errorf("fix deployed but not ready")
	}
	if s.Facts[FactFixReady] && !s.Facts[FactVendorAware] {
		return fmt.Errorf("fix ready but vendor not aware")
	}
	if s.Facts[FactExploitPublic] && !s.Facts[FactPublicAware] {
		return fmt.Errorf("exploit public but public not aware")
	}
	if (s.EM == EMActive || s.EM == EMRevise) && s.PD.IsZero() {
		return fmt.Errorf("embargo %s without a public date", s.EM)
	}
	if (s.EM == EMProposed || s.EM == EMRevise) && s.Proposed.IsZero() {
		return fmt.Errorf("embargo %s without a proposed date", s.EM)
	}
	if (s.EM == EMNone || s.EM == EMActive || s.EM == EMExited) && !s.Proposed.IsZero() {
		return fmt.Errorf("embargo %s with a pending proposal", s.EM)
	}
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}
