package survey

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
)

// How results are counted. A Likert question linked to a statement has a polarity: with
// "affirms" (the default) agreeing — 4 or 5 — affirms the statement and disagreeing — 1
// or 2 — disputes it; with "disputes" it is the other way round ("I know whom to
// contact" disputes "projects cannot reach each other": its 1s and 2s affirm the
// statement). 3 is neutral. n counts the Likert answers given to the statement's
// questions; mean is their raw mean on the 1–5 scale as asked, and agreement the mean on
// the statement's scale (polarity applied: 5 fully affirms, 1 fully disputes). A group
// (a statement, a statement within an audience, a question) answered by fewer
// respondents than the survey's min_n shows only its n: its counts, means and quotes
// are hidden (null).

// SurveyResults are a survey's results.
type SurveyResults struct {
	Statements []SurveyStatementResult `json:"statements" doc:"One per problem statement, in the survey's order."`
	Questions  []SurveyQuestionResult  `json:"questions" doc:"Per-question distributions."`
	SurveyID   int64                   `json:"survey_id"`
	Title      string                  `json:"title"`
	Audience   string                  `json:"audience"`
	Anonymous  bool                    `json:"anonymous"`
	Responses  int                     `json:"responses"`
	MinN       int                     `json:"min_n"`
	Hidden     bool                    `json:"hidden" doc:"Fewer responses than min_n: every group is hidden."`
}

// SurveyStatementResult is how far respondents affirm or dispute one statement.
type SurveyStatementResult struct {
	Key        string              `json:"key"`
	Text       string              `json:"text"`
	Affirm     *int                `json:"affirm"`
	Dispute    *int                `json:"dispute"`
	Neutral    *int                `json:"neutral"`
	N          int                 `json:"n"`
	Mean       *float64            `json:"mean" doc:"Raw mean of the Likert answers (1–5), rounded to 4 places."`
	Agreement  *float64            `json:"agreement" doc:"Mean on the statement's scale: 5 fully affirms, 1 fully disputes."`
	Hidden     bool                `json:"hidden"`
	Quotes     []string            `json:"quotes" doc:"Free-text answers to the questions linked to the statement."`
	ByAudience []SurveyGroupResult `json:"by_audience"`
	Questions  []string            `json:"questions" doc:"Keys of the questions that test it."`
}

// SurveyGroupResult is a statement's result within one audience.
type SurveyGroupResult struct {
	Audience  string   `json:"audience"`
	Affirm    *int     `json:"affirm"`
	Dispute   *int     `json:"dispute"`
	Neutral   *int     `json:"neutral"`
	N         int      `json:"n"`
	Mean      *float64 `json:"mean"`
	Agreement *float64 `json:"agreement"`
	Hidden    bool     `json:"hidden"`
}

// SurveyCount is how many answers chose one value.
type SurveyCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// SurveyQuestionResult is one question's distribution.
type SurveyQuestionResult struct {
	Key       string        `json:"key"`
	Text      string        `json:"text"`
	Kind      string        `json:"kind"`
	Statement string        `json:"statement,omitempty"`
	Polarity  string        `json:"polarity,omitempty"`
	N         int           `json:"n" doc:"Responses that answered it."`
	Hidden    bool          `json:"hidden"`
	Counts    []SurveyCount `json:"counts,omitempty" doc:"likert (1–5), single and multi (each option)."`
	Mean      *float64      `json:"mean,omitempty" doc:"likert and number."`
	Min       *float64      `json:"min,omitempty"`
	Max       *float64      `json:"max,omitempty"`
	Quotes    []string      `json:"quotes,omitempty" doc:"text answers."`
}

// Response is one stored response.
type Response struct {
	ID          int64
	Audience    string
	SubmittedOn string
	Answers     Answers
}

func (s *Service) responses(ctx context.Context, q db.Querier, id int64) ([]Response, error) {
	rows, err := q.Query(ctx, "SELECT id, audience, submitted_on, answers FROM survey_responses WHERE survey_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Response
	for rows.Next() {
		var r Response
		var raw string
		if err := rows.Scan(&r.ID, &r.Audience, &r.SubmittedOn, &raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &r.Answers); err != nil {
			return nil, fmt.Errorf("survey: response %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Results computes a survey's results (staff).
func (s *Service) Results(ctx context.Context, actor authz.Actor, id int64) (*SurveyResults, error) {
	if err := authz.Can(actor, authz.ViewSurveys, nil); err != nil {
		return nil, err
	}
	sv, err := s.get(ctx, s.DB.Read(), id)
	if err != nil {
		return nil, err
	}
	rs, err := s.responses(ctx, s.DB.Read(), id)
	if err != nil {
		return nil, err
	}
	return Compute(sv, rs), nil
}

func round4(f float64) *float64 {
	v := math.Round(f*10000) / 10000
	return &v
}

func intp(n int) *int { return &n }

type tally struct {
	affirm, dispute, neutral, n, respondents int
	sum, agree                               float64
}

func (t *tally) add(v int, polarity string) {
	t.n++
	t.sum += float64(v)
	a := v
	if polarity == Disputes {
		a = 6 - v
	}
	t.agree += float64(a)
	switch {
	case a >= 4:
		t.affirm++
	case a <= 2:
		t.dispute++
	default:
		t.neutral++
	}
}

// Compute is the results of responses rs to sv.
func Compute(sv *Survey, rs []Response) *SurveyResults {
	res := &SurveyResults{SurveyID: sv.ID, Title: sv.Title, Audience: sv.Audience, Anonymous: sv.Anonymous, Responses: len(rs), MinN: sv.MinN,
		Hidden: len(rs) < sv.MinN, Statements: []SurveyStatementResult{}, Questions: []SurveyQuestionResult{}}
	hide := func(respondents int) bool { return respondents < sv.MinN }
	for _, st := range sv.Statements {
		r := SurveyStatementResult{Key: st.Key, Text: st.Text, Quotes: []string{}, ByAudience: []SurveyGroupResult{}, Questions: []string{}}
		var all tally
		groups := map[string]*tally{}
		for _, q := range sv.Questions {
			if q.Statement == st.Key {
				r.Questions = append(r.Questions, q.Key)
			}
		}
		for _, resp := range rs {
			answered := false
			for _, q := range sv.Questions {
				if q.Statement != st.Key {
					continue
				}
				vals := resp.Answers[q.Key]
				if len(vals) == 0 {
					continue
				}
				switch q.Kind {
				case KindLikert:
					v, err := strconv.Atoi(vals[0])
					if err != nil {
						continue
					}
					answered = true
					all.add(v, q.Polarity)
					g := groups[resp.Audience]
					if g == nil {
						g = &tally{}
						groups[resp.Audience] = g
					}
					g.add(v, q.Polarity)
				case KindText:
					r.Quotes = append(r.Quotes, vals[0])
				}
			}
			if answered {
				all.respondents++
				groups[resp.Audience].respondents++
			}
		}
		r.N = all.n
		r.Hidden = hide(all.respondents)
		if !r.Hidden {
			r.Affirm, r.Dispute, r.Neutral = intp(all.affirm), intp(all.dispute), intp(all.neutral)
			if all.n > 0 {
				r.Mean, r.Agreement = round4(all.sum/float64(all.n)), round4(all.agree/float64(all.n))
			}
		} else {
			r.Quotes = []string{}
		}
		auds := make([]string, 0, len(groups))
		for a := range groups {
			auds = append(auds, a)
		}
		sort.Strings(auds)
		for _, a := range auds {
			t := groups[a]
			g := SurveyGroupResult{Audience: a, N: t.n, Hidden: hide(t.respondents)}
			if !g.Hidden {
				g.Affirm, g.Dispute, g.Neutral = intp(t.affirm), intp(t.dispute), intp(t.neutral)
				g.Mean, g.Agreement = round4(t.sum/float64(t.n)), round4(t.agree/float64(t.n))
			}
			r.ByAudience = append(r.ByAudience, g)
		}
		res.Statements = append(res.Statements, r)
	}
	for _, q := range sv.Questions {
		qr := SurveyQuestionResult{Key: q.Key, Text: q.Text, Kind: q.Kind, Statement: q.Statement, Polarity: q.Polarity}
		counts := map[string]int{}
		var sum float64
		var nums []float64
		var quotes []string
		for _, resp := range rs {
			vals := resp.Answers[q.Key]
			if len(vals) == 0 {
				continue
			}
			qr.N++
			for _, v := range vals {
				counts[v]++
			}
			switch q.Kind {
			case KindLikert, KindNumber:
				if f, err := strconv.ParseFloat(vals[0], 64); err == nil {
					sum += f
					nums = append(nums, f)
				}
			case KindText:
				quotes = append(quotes, vals[0])
			}
		}
		qr.Hidden = hide(qr.N)
		if !qr.Hidden {
			switch q.Kind {
			case KindLikert:
				for i := 1; i <= 5; i++ {
					qr.Counts = append(qr.Counts, SurveyCount{Value: strconv.Itoa(i), Count: counts[strconv.Itoa(i)]})
				}
			case KindSingle, KindMulti:
				for _, o := range q.Options {
					qr.Counts = append(qr.Counts, SurveyCount{Value: o, Count: counts[o]})
				}
			case KindText:
				qr.Quotes = quotes
			}
			if len(nums) > 0 {
				qr.Mean = round4(sum / float64(len(nums)))
				mn, mx := nums[0], nums[0]
				for _, f := range nums {
					mn, mx = math.Min(mn, f), math.Max(mx, f)
				}
				if q.Kind == KindNumber {
					qr.Min, qr.Max = &mn, &mx
				}
			}
		}
		res.Questions = append(res.Questions, qr)
	}
	return res
}

// CSV is one row per response: the response's number, the day it came, its audience,
// then one column per question (its key); a multi answer's values are joined by "; ".
// A survey with fewer responses than its min_n has no CSV (409): it would show them.
func (s *Service) CSV(ctx context.Context, actor authz.Actor, id int64) ([]byte, error) {
	if err := authz.Can(actor, authz.ViewSurveys, nil); err != nil {
		return nil, err
	}
	sv, err := s.get(ctx, s.DB.Read(), id)
	if err != nil {
		return nil, err
	}
	rs, err := s.responses(ctx, s.DB.Read(), id)
	if err != nil {
		return nil, err
	}
	if len(rs) > 0 && len(rs) < sv.MinN {
		return nil, ruleError(fmt.Sprintf("%d responses, fewer than the survey's minimum of %d: they stay hidden", len(rs), sv.MinN))
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"response", "submitted_on", "audience"}
	for _, q := range sv.Questions {
		head = append(head, q.Key)
	}
	_ = w.Write(head)
	for i, r := range rs {
		row := []string{strconv.Itoa(i + 1), r.SubmittedOn, r.Audience}
		for _, q := range sv.Questions {
			row = append(row, csvSafe(strings.Join(r.Answers[q.Key], "; ")))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from running a free-text answer as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "'" + v
		}
	}
	return v
}

// Markdown is the survey's summary report (staff).
func (s *Service) Markdown(ctx context.Context, actor authz.Actor, id int64) (string, error) {
	res, err := s.Results(ctx, actor, id)
	if err != nil {
		return "", err
	}
	return Report(res, 1), nil
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 2, 64)
}

func intPtr(p *int) string {
	if p == nil {
		return "–"
	}
	return strconv.Itoa(*p)
}

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
}

// Report renders results as Markdown; level is the level of its top heading.
func Report(res *SurveyResults, level int) string {
	h := func(n int) string { return strings.Repeat("#", level+n) + " " }
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n\n", h(0), res.Title)
	kind := "identified"
	if res.Anonymous {
		kind = "anonymous"
	}
	fmt.Fprintf(&b, "%d responses · audience: %s · %s · groups of fewer than %d respondents are hidden.\n\n", res.Responses, res.Audience, kind, res.MinN)
	if res.Hidden {
		b.WriteString("Too few responses to show results.\n")
		return b.String()
	}
	if len(res.Statements) > 0 {
		fmt.Fprintf(&b, "%sProblem statements\n\n", h(1))
		b.WriteString("| Statement | n | Affirm | Neutral | Dispute | Mean (1–5) | Agreement |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, st := range res.Statements {
			fmt.Fprintf(&b, "| **%s**: %s | %d | %s | %s | %s | %s | %s |\n", st.Key, mdCell(st.Text), st.N, intPtr(st.Affirm), intPtr(st.Neutral), intPtr(st.Dispute),
				fmtPtr(st.Mean), fmtPtr(st.Agreement))
		}
		b.WriteString("\n")
		for _, st := range res.Statements {
			if len(st.ByAudience) > 1 {
				fmt.Fprintf(&b, "By audience, **%s**: ", st.Key)
				var parts []string
				for _, g := range st.ByAudience {
					if g.Hidden {
						parts = append(parts, fmt.Sprintf("%s n=%d (hidden)", g.Audience, g.N))
					} else {
						parts = append(parts, fmt.Sprintf("%s n=%d affirm %d, dispute %d, mean %s", g.Audience, g.N, *g.Affirm, *g.Dispute, fmtPtr(g.Mean)))
					}
				}
				b.WriteString(strings.Join(parts, "; ") + ".\n\n")
			}
			if len(st.Quotes) > 0 {
				fmt.Fprintf(&b, "%sIn their words: %s\n\n", h(2), st.Key)
				for _, q := range st.Quotes {
					fmt.Fprintf(&b, "> %s\n\n", strings.ReplaceAll(strings.TrimSpace(q), "\n", "\n> "))
				}
			}
		}
	}
	fmt.Fprintf(&b, "%sQuestions\n\n", h(1))
	for _, q := range res.Questions {
		fmt.Fprintf(&b, "**%s** (%s, n=%d)", mdCell(q.Text), q.Kind, q.N)
		if q.Hidden {
			b.WriteString(": hidden (too few answers).\n\n")
			continue
		}
		b.WriteString("\n\n")
		for _, c := range q.Counts {
			fmt.Fprintf(&b, "- %s: %d\n", mdCell(c.Value), c.Count)
		}
		if q.Mean != nil {
			fmt.Fprintf(&b, "- mean: %s\n", fmtPtr(q.Mean))
		}
		for _, t := range q.Quotes {
			fmt.Fprintf(&b, "> %s\n\n", strings.ReplaceAll(strings.TrimSpace(t), "\n", "\n> "))
		}
		b.WriteString("\n")
	}
	return b.String()
}
