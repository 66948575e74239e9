package cases

import (
	"math/rand"
	"testing"
	"time"
)

// TestModelRandomSequences drives the model with random sequences of embargo actions,
// facts and the PD transition from random parties, and checks after every step that no
// state the model forbids is reached: no embargo while the vulnerability is public, a
// fix deployed only once ready and ready only once the owner is aware, an exited
// embargo never coming back, facts never reverting, a refused event changing nothing.
func TestModelRandomSequences(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	refused, applied := 0, 0
	for run := 0; run < 2000; run++ {
		s := State{EM: EMNone, Facts: FactSet{}, Required: []int64{Team, 1, 2}}
		exited := false
		for step := 0; step < 40; step++ {
			ev := Event{Party: []int64{Team, 1, 2, 3}[rng.Intn(4)]}
			switch k := rng.Intn(10); {
			case k < 6:
				ev.Action = EmbargoActions[rng.Intn(len(EmbargoActions))]
				ev.Date = base.Add(time.Duration(1+rng.Intn(80*24)) * time.Hour)
			case k < 9:
				ev.Fact = Facts[rng.Intn(len(Facts))]
			default:
				ev.PDReached = true
			}
			next, err := Step(s, ev)
			if err != nil {
				refused++
				if _, ok := err.(*RuleError); !ok {
					t.Fatalf("seed %d: %+v: error %v is not a *RuleError", seed, ev, err)
				}
				if next.EM != s.EM || next.Round != s.Round || len(next.Facts) != len(s.Facts) {
					t.Fatalf("seed %d: a refused event changed the state: %+v → %+v", seed, s, next)
				}
				continue
			}
			applied++
			if err := next.Check(); err != nil {
				t.Fatalf("seed %d: after %+v from %+v: forbidden state: %v", seed, ev, s, err)
			}
			for f, on := range s.Facts {
				if on && !next.Facts[f] {
					t.Fatalf("seed %d: fact %s reverted", seed, f)
				}
			}
			if exited && next.EM != EMExited {
				t.Fatalf("seed %d: the embargo left eXited for %s", seed, next.EM)
			}
			if next.EM == EMActive && s.EM != EMActive && ev.Action != ActReject && !ev.PDReached {
				for _, p := range next.Required {
					if next.Answers[p] != AnswerAccepted {
						t.Fatalf("seed %d: active without party %d's consent: %+v", seed, p, next)
					}
				}
			}
			exited = next.EM == EMExited
			s = next
		}
	}
	t.Logf("%d events applied, %d refused", applied, refused)
	if refused == 0 || applied == 0 {
		t.Fatal("the random walk did not exercise both allowed and forbidden events")
	}
}

func TestModelRules(t *testing.T) {
	pd := time.Date(2026, 5, 12, 15, 0, 0, 0, time.UTC)
	s := State{EM: EMNone, Facts: FactSet{}, Required: []int64{Team, 7}}
	if _, err := Step(s, Event{Party: Team, Action: ActAccept}); err == nil || err.(*RuleError).Rule() != "em.accept_without_proposal" {
		t.Fatalf("accept without proposal: %v", err)
	}
	s, err := Step(s, Event{Party: Team, Action: ActPropose, Date: pd})
	if err != nil || s.EM != EMProposed {
		t.Fatalf("propose: %v %v", s.EM, err)
	}
	if got := s.HoldingUp(); len(got) != 1 || got[0] != 7 {
		t.Fatalf("holding up %v, want [7]", got)
	}
	s, _ = Step(s, Event{Party: 7, Action: ActAccept})
	if s.EM != EMActive || !s.PD.Equal(pd) {
		t.Fatalf("after every consent: %v %v", s.EM, s.PD)
	}
	if _, err := Step(s, Event{Party: Team, Fact: FactFixDeployed}); err == nil {
		t.Fatal("fix deployed before ready was allowed")
	}
	s, _ = Step(s, Event{Party: Team, Fact: FactPublicAware})
	if s.EM != EMExited {
		t.Fatalf("public aware left the embargo %s", s.EM)
	}
	if _, err := Step(State{EM: EMNone, Facts: FactSet{FactPublicAware: true}}, Event{Action: ActPropose, Date: pd}); err == nil || err.(*RuleError).Rule() != "em.public" {
		t.Fatalf("propose once public: %v", err)
	}
}
