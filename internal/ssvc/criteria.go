package ssvc

// Criteria is a table seen by the public "triage criteria" page: the questions with their
// explanations, how the combinations divide among the outcomes, and the full table.
type Criteria struct {
	Table          string // the table's id
	Name           string
	Description    string
	Version        string
	DecisionPoints []DecisionPoint
	Combinations   int              // number of rows, every combination of values once
	Outcomes       []OutcomeSummary // in the outcome point's value order
	Rows           []CriteriaRow    // the mapping, spelled out
}

// OutcomeSummary says which combinations lead to one outcome.
type OutcomeSummary struct {
	Value     // the outcome: key, name, description
	Rows  int // how many combinations lead to it
	// Points counts, per input decision point, how many of those combinations have
	// each value; e.g. for Coordinate, Report Credibility: Credible 60, Not Credible 0.
	Points []PointSummary
	// Requires lists the decision point values every combination leading to this
	// outcome shares, e.g. "Report Credibility: Credible" for Coordinate.
	Requires []Requirement
}

// PointSummary counts rows by value for one decision point.
type PointSummary struct {
	Key, Name string
	Values    []ValueCount
}

// ValueCount is a value and the number of rows with it.
type ValueCount struct {
	Value
	Rows int
}

// Requirement is a decision point value that an outcome always has.
type Requirement struct {
	Point DecisionPoint
	Value Value
}

// CriteriaRow is one row of the mapping with values spelled out.
type CriteriaRow struct {
	Values  []Value // in Criteria.DecisionPoints order
	Outcome Value
}

// Criteria returns the view of t the public triage criteria page renders, computed from
// the same table Decide uses.
func (t *Table) Criteria() Criteria {
	c := Criteria{
		Table: t.ID, Name: t.Name, Description: t.Description, Version: t.Version,
		DecisionPoints: t.DecisionPoints,
		Combinations:   len(t.Mapping),
	}
	outIdx := make(map[string]int, len(t.OutcomePoint.Values))
	for i, v := range t.OutcomePoint.Values {
		outIdx[v.Key] = i
		s := OutcomeSummary{Value: v, Points: make([]PointSummary, len(t.DecisionPoints))}
		for j, dp := range t.DecisionPoints {
			ps := PointSummary{Key: dp.Key, Name: dp.Name, Values: make([]ValueCount, len(dp.Values))}
			for k, dv := range dp.Values {
				ps.Values[k].Value = dv
			}
			s.Points[j] = ps
		}
		c.Outcomes = append(c.Outcomes, s)
	}
	for _, row := range t.Mapping {
		o := &c.Outcomes[outIdx[row.Outcome]]
		o.Rows++
		cr := CriteriaRow{Values: make([]Value, len(row.Values))}
		cr.Outcome, _ = t.OutcomeValue(row.Outcome)
		for j, vk := range row.Values {
			k, _ := t.DecisionPoints[j].valueIndex(vk)
			o.Points[j].Values[k].Rows++
			cr.Values[j] = t.DecisionPoints[j].Values[k]
		}
		c.Rows = append(c.Rows, cr)
	}
	for i := range c.Outcomes {
		o := &c.Outcomes[i]
		if o.Rows == 0 {
			continue
		}
		for j, ps := range o.Points {
			if len(ps.Values) < 2 {
				continue // a one-valued point says nothing
			}
			for _, vc := range ps.Values {
				if vc.Rows == o.Rows {
					o.Requires = append(o.Requires, Requirement{Point: t.DecisionPoints[j], Value: vc.Value})
				}
			}
		}
	}
	return c
}
