package metrics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
)

// Units of an SLI.
const (
	UnitBusinessDays = "business_days"
	UnitCalendarDays = "calendar_days"
	UnitShare        = "share" // a fraction from 0 to 1
)

// Definition says what an SLI measures: what counts and from which events.
type Definition struct {
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Unit    string   `json:"unit"`
	Subject string   `json:"subject"` // report or case
	Start   string   `json:"start"`
	End     string   `json:"end"`
	Counts  string   `json:"counts"`
	Events  []string `json:"events"`
}

// Definitions lists the SLIs in the order pages show them.
var Definitions = []Definition{
	{Key: "time_to_acknowledge", Name: "Time to acknowledge", Unit: UnitBusinessDays, Subject: "report",
		Start: "the report was received (report.received)",
		End: "a person of the team first acted on it: a message to the finder, a triage decision, an assignment, a request for missing information, " +
			"parking, a duplicate merge or closing it. The automatic receipt (report.acknowledged, by the system) does not count.",
		Counts: "reports received in the period", Events: append([]string{"report.received"}, ackActions...)},
	{Key: "time_to_triage", Name: "Time to triage decision (initial assessment)", Unit: UnitBusinessDays, Subject: "report",
		Start: "the report was received (report.received)", End: "the first SSVC triage decision (report.triaged)",
		Counts: "reports received in the period", Events: []string{"report.received", "report.triaged"}},
	{Key: "time_to_first_owner_contact", Name: "Time to first owner contact", Unit: UnitBusinessDays, Subject: "case",
		Start: "the case was opened (case.opened)", End: "an owner (maintainer) was added to the case, or the vendor was marked aware (case.participant.added with role owner, case.facts vendor_aware)",
		Counts: "cases opened in the period", Events: []string{"case.opened", "case.participant.added", "case.facts"}},
	{Key: "time_to_fix_ready", Name: "Time to fix ready", Unit: UnitCalendarDays, Subject: "case",
		Start: "the case was opened (case.opened)", End: "a fix was marked ready (case.facts fix_ready)",
		Counts: "cases opened in the period", Events: []string{"case.opened", "case.facts"}},
	{Key: "time_to_disclosure", Name: "Time to public disclosure", Unit: UnitCalendarDays, Subject: "case",
		Start: "the case was opened (case.opened)", End: "the case became public: its public date was reached, the embargo was broken or released early, or an advisory of it was published",
		Counts: "cases opened in the period", Events: append([]string{"case.opened"}, disclosureActions...)},
	{Key: "embargo_length", Name: "Embargo length", Unit: UnitCalendarDays, Subject: "case",
		Start: "the embargo was agreed (case.embargo.agreed)", End: "the case became public (as for time to public disclosure)",
		Counts: "cases opened in the period whose embargo was agreed", Events: append([]string{"case.embargo.agreed"}, disclosureActions...)},
	{Key: "desirable_cvd_history", Name: "Cases with a desirable CVD history", Unit: UnitShare, Subject: "case",
		Start: "the case was opened (case.opened)",
		End: "the case became public. Its history is desirable when, of the facts recorded (case.facts), the vendor was aware, a fix was ready and a fix was deployed " +
			"before the public was aware; a fix was ready and deployed before an exploit was public; and a fix was deployed before attacks were observed",
		Counts: "cases opened in the period that are public", Events: []string{"case.opened", "case.facts"}},
	{Key: "notification_delivery", Name: "Notification delivery success", Unit: UnitShare, Subject: "message",
		Start: "a message was queued in the outbox (mail or webhook)",
		End: "it was sent, or it failed (its delivery job died after its retries). The share is sent / (sent + failed); held and pending messages are open. " +
			"The outbox records no events, so this one is read from the outbox table",
		Counts: "outbound messages queued in the period", Events: []string{}},
}

// Definition returns the definition of key.
func DefinitionOf(key string) (Definition, bool) {
	for _, d := range Definitions {
		if d.Key == key {
			return d, true
		}
	}
	return Definition{}, false
}

// SLO is a target: Objective of the items within TargetDays.
type SLO struct {
	TargetDays float64 `json:"target" doc:"The time target, in the SLI's unit (a share for share SLIs)."`
	Objective  float64 `json:"objective" doc:"The share of items that should meet the target (0.95 is 95 %)."`
}

// SLOResult is how a period did against its SLO.
type SLOResult struct {
	SLO
	// Compliance is the share of evaluated items that met the target (1 when none were evaluated).
	Compliance float64 `json:"compliance"`
	// Evaluated counts the items finished in time or not, plus those still open past their target.
	Evaluated int `json:"evaluated"`
	Met       int `json:"met"`
	// ErrorBudget is the share of the allowed misses still unspent (negative: overspent).
	ErrorBudget float64 `json:"error_budget"`
}

// SLI is one indicator over a period.
type SLI struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Unit string `json:"unit" enum:"business_days,calendar_days,share"`
	// N is the number of finished measurements (for shares, the items judged).
	N int `json:"n"`
	// P50 and P90 are percentiles of the finished measurements in Unit (none for shares).
	P50 *float64 `json:"p50"`
	P90 *float64 `json:"p90"`
	// CalendarP50 and CalendarP90 are the same in calendar days, for business-day SLIs.
	CalendarP50 *float64 `json:"p50_calendar_days,omitempty"`
	CalendarP90 *float64 `json:"p90_calendar_days,omitempty"`
	// Value is the share, for share SLIs.
	Value *float64 `json:"value,omitempty"`
	// Open counts items not finished yet.
	Open int        `json:"open"`
	SLO  *SLOResult `json:"slo"`
	// Breaches are the public ids of the reports or cases that missed the target.
	Breaches []string `json:"breaches"`
	Items    []Item   `json:"-"`
}

// Item is one measurement behind an SLI (the drill-down).
type Item struct {
	Ref      string     `json:"ref"`
	Kind     string     `json:"kind"` // report or case
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end,omitempty"`
	Value    *float64   `json:"value,omitempty"` // in the SLI's unit; for shares 1 (desirable) or 0
	Calendar *float64   `json:"calendar_days,omitempty"`
	Breached bool       `json:"breached"`
}

// DefaultSLOs are the policy's: acknowledge within AcknowledgeDays business days in 95 %
// of reports, assess within AssessmentDays in 90 %.
func (s *Service) DefaultSLOs() map[string]SLO {
	return map[string]SLO{
		"time_to_acknowledge": {TargetDays: float64(s.cfg.Policy.AcknowledgeDays), Objective: 0.95},
		"time_to_triage":      {TargetDays: float64(s.cfg.Policy.AssessmentDays), Objective: 0.90},
	}
}

// SLIs computes every indicator for p, measured now (staff).
func (s *Service) SLIs(ctx context.Context, actor authz.Actor, p Period) ([]SLI, error) {
	if err := authz.Can(actor, authz.ViewMetrics, nil); err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	d, err := s.load(ctx, p, now)
	if err != nil {
		return nil, err
	}
	slos, err := s.SLOs(ctx)
	if err != nil {
		return nil, err
	}
	out := s.compute(d, slos, now)
	return out, s.delivery(ctx, out, p, d.horizon, slos)
}

// delivery fills the notification_delivery SLI from the outbox.
func (s *Service) delivery(ctx context.Context, slis []SLI, p Period, horizon time.Time, slos map[string]SLO) error {
	end := p.To
	if horizon.Before(end) {
		end = horizon
	}
	var sent, failed, open int
	err := s.DB.Read().QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN state IN ('pending', 'held') THEN 1 ELSE 0 END), 0)
		FROM outbox WHERE created_at >= ? AND created_at < ?`, p.From, end).Scan(&sent, &failed, &open)
	if err != nil {
		return fmt.Errorf("metrics: outbox: %w", err)
	}
	for i := range slis {
		if slis[i].Key != "notification_delivery" {
			continue
		}
		x := &slis[i]
		x.N, x.Open = sent+failed, open
		if x.N > 0 {
			v := round4(float64(sent) / float64(x.N))
			x.Value = &v
		}
		if slo, ok := slos[x.Key]; ok {
			x.SLO = result(slo, x.N, sent)
		}
	}
	return nil
}

func (s *Service) compute(d *dataset, slos map[string]SLO, now time.Time) []SLI {
	cal := s.cfg.Calendar
	at := now
	if d.horizon.Before(at) {
		at = d.horizon
	}
	timed := func(ref, kind string, start time.Time, end *time.Time, unit string) Item {
		it := Item{Ref: ref, Kind: kind, Start: start, End: end}
		stop := at
		if end != nil {
			stop = *end
		}
		v := stop.Sub(start).Hours() / 24
		c := round2(v)
		if unit == UnitBusinessDays {
			v = cal.BusinessDaysBetween(start, stop)
		}
		v = round2(v)
		it.Value, it.Calendar = &v, &c
		return it
	}
	items := map[string][]Item{}
	for _, r := range d.reports {
		items["time_to_acknowledge"] = append(items["time_to_acknowledge"], timed(r.ref, "report", r.received, r.ack, UnitBusinessDays))
		items["time_to_triage"] = append(items["time_to_triage"], timed(r.ref, "report", r.received, r.triage, UnitBusinessDays))
	}
	for _, c := range d.cases {
		items["time_to_first_owner_contact"] = append(items["time_to_first_owner_contact"], timed(c.ref, "case", c.opened, c.owner, UnitBusinessDays))
		var fix *time.Time
		if t, ok := c.facts["fix_ready"]; ok {
			fix = &t
		}
		items["time_to_fix_ready"] = append(items["time_to_fix_ready"], timed(c.ref, "case", c.opened, fix, UnitCalendarDays))
		items["time_to_disclosure"] = append(items["time_to_disclosure"], timed(c.ref, "case", c.opened, c.disclose, UnitCalendarDays))
		if c.agreed != nil {
			items["embargo_length"] = append(items["embargo_length"], timed(c.ref, "case", *c.agreed, c.disclose, UnitCalendarDays))
		}
		if c.disclose != nil {
			v := 0.0
			if desirable(c.facts) {
				v = 1
			}
			items["desirable_cvd_history"] = append(items["desirable_cvd_history"], Item{Ref: c.ref, Kind: "case", Start: c.opened, End: c.disclose, Value: &v, Breached: v == 0})
		}
	}
	out := make([]SLI, 0, len(Definitions))
	for _, def := range Definitions {
		out = append(out, summarize(def, items[def.Key], slos))
	}
	return out
}

// summarize computes the percentiles, SLO compliance and breaches of one SLI.
func summarize(def Definition, items []Item, slos map[string]SLO) SLI {
	sli := SLI{Key: def.Key, Name: def.Name, Unit: def.Unit, Breaches: []string{}}
	slo, hasSLO := slos[def.Key]
	if def.Unit == UnitShare {
		good := 0
		for _, it := range items {
			if *it.Value == 1 {
				good++
			} else {
				sli.Breaches = append(sli.Breaches, it.Ref)
			}
		}
		sli.N = len(items)
		if sli.N > 0 {
			v := round4(float64(good) / float64(sli.N))
			sli.Value = &v
		}
		if hasSLO {
			sli.SLO = result(slo, sli.N, good)
		}
		sli.Items = items
		return sli
	}
	var vals, cals []float64
	evaluated, met := 0, 0
	for i := range items {
		it := &items[i]
		done := it.End != nil
		if done {
			sli.N++
			vals = append(vals, *it.Value)
			cals = append(cals, *it.Calendar)
		} else {
			sli.Open++
		}
		if !hasSLO {
			continue
		}
		switch {
		case done && *it.Value <= slo.TargetDays:
			evaluated++
			met++
		case done || *it.Value > slo.TargetDays:
			evaluated++
			it.Breached = true
			sli.Breaches = append(sli.Breaches, it.Ref)
		}
	}
	sli.P50, sli.P90 = percentile(vals, 50), percentile(vals, 90)
	if def.Unit == UnitBusinessDays {
		sli.CalendarP50, sli.CalendarP90 = percentile(cals, 50), percentile(cals, 90)
	}
	if hasSLO {
		sli.SLO = result(slo, evaluated, met)
	}
	sli.Items = items
	return sli
}

func result(slo SLO, evaluated, met int) *SLOResult {
	r := &SLOResult{SLO: slo, Evaluated: evaluated, Met: met, Compliance: 1, ErrorBudget: 1}
	if evaluated > 0 {
		r.Compliance = round4(float64(met) / float64(evaluated))
		allowed := (1 - slo.Objective) * float64(evaluated)
		missed := float64(evaluated - met)
		switch {
		case allowed > 0:
			r.ErrorBudget = round4(1 - missed/allowed)
		case missed > 0:
			r.ErrorBudget = -1
		}
	}
	return r
}

// percentile is the nearest-rank percentile of vs (nil for none).
func percentile(vs []float64, p int) *float64 {
	if len(vs) == 0 {
		return nil
	}
	s := slices.Clone(vs)
	sort.Float64s(s)
	rank := int(math.Ceil(float64(p) / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	v := s[rank-1]
	return &v
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round4(v float64) float64 { return math.Round(v*10000) / 10000 }

// desirablePairs are the orderings of the CVD model's desiderata that sirt records:
// the first fact should become true before the second. A pair is kept when the second
// happened and the first did not happen before it.
var desirablePairs = [][2]string{
	{"vendor_aware", "public_aware"},
	{"fix_ready", "public_aware"},
	{"fix_deployed", "public_aware"},
	{"fix_ready", "exploit_public"},
	{"fix_deployed", "exploit_public"},
	{"fix_deployed", "attacks_observed"},
}

// desirable reports whether a case's facts happened in the desirable order.
func desirable(facts map[string]time.Time) bool {
	for _, p := range desirablePairs {
		later, ok := facts[p[1]]
		if !ok {
			continue
		}
		if earlier, ok := facts[p[0]]; !ok || !earlier.Before(later) {
			return false
		}
	}
	return true
}
