package survey

import (
	"errors"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/validate"
)

func base() SurveyInput {
	return SurveyInput{Title: "T", Audience: "maintainers", Statements: []SurveyStatement{{Key: "silos", Text: "Silos exist."}},
		Questions: []SurveyQuestion{
			{Key: "uses", Kind: KindSingle, Text: "Do you use X?", Options: []string{"yes", "no"}, Required: true},
			{Key: "why", Kind: KindText, Text: "Why?", ShowIf: &SurveyShowIf{Question: "uses", Equals: "yes"}, Required: true},
			{Key: "score", Kind: KindLikert, Text: "Agree?", Statement: "silos", ShowIf: &SurveyShowIf{Question: "uses", In: []any{"yes", "no"}}},
			{Key: "langs", Kind: KindMulti, Text: "Languages", Options: []string{"Go", "Rust", "C"}},
			{Key: "hours", Kind: KindNumber, Text: "Hours per week"},
		}}
}

func fieldsOf(err error) string {
	fe, _ := validate.As(err)
	var fs []string
	for _, f := range fe {
		fs = append(fs, f.Field)
	}
	return strings.Join(fs, ",")
}

func TestCheckNamesFields(t *testing.T) {
	in := base()
	if err := in.check(); err != nil {
		t.Fatalf("valid survey refused: %v", err)
	}
	if in.MinN != 1 || in.Questions[2].Polarity != Affirms {
		t.Fatalf("defaults not applied: min_n %d, polarity %q", in.MinN, in.Questions[2].Polarity)
	}
	cases := []struct {
		name  string
		edit  func(in *SurveyInput)
		field string
	}{
		{"kind", func(in *SurveyInput) { in.Questions[2].Kind = "slider" }, "questions[2].kind"},
		{"unknown statement", func(in *SurveyInput) { in.Questions[2].Statement = "nope" }, "questions[2].statement"},
		{"later question", func(in *SurveyInput) { in.Questions[1].ShowIf.Question = "langs" }, "questions[1].show_if.question"},
		{"unknown question", func(in *SurveyInput) { in.Questions[1].ShowIf.Question = "ghost" }, "questions[1].show_if.question"},
		{"itself", func(in *SurveyInput) { in.Questions[1].ShowIf.Question = "why" }, "questions[1].show_if.question"},
		{"no value", func(in *SurveyInput) { in.Questions[1].ShowIf.Equals = nil }, "questions[1].show_if"},
		{"duplicate key", func(in *SurveyInput) { in.Questions[4].Key = "uses" }, "questions[4].key"},
		{"bad key", func(in *SurveyInput) { in.Questions[0].Key = "Q 1" }, "questions[0].key"},
		{"options on text", func(in *SurveyInput) { in.Questions[1].Options = []string{"a", "b"} }, "questions[1].options"},
		{"too few options", func(in *SurveyInput) { in.Questions[0].Options = []string{"yes"} }, "questions[0].options"},
		{"polarity", func(in *SurveyInput) { in.Questions[2].Polarity = "sideways" }, "questions[2].polarity"},
		{"audience", func(in *SurveyInput) { in.Audience = "everyone" }, "audience"},
		{"min_n", func(in *SurveyInput) { in.MinN = -2 }, "min_n"},
		{"no questions", func(in *SurveyInput) { in.Questions = nil }, "questions"},
		{"statement key twice", func(in *SurveyInput) { in.Statements = append(in.Statements, in.Statements[0]) }, "statements[1].key"},
	}
	for _, c := range cases {
		in := base()
		c.edit(&in)
		err := in.check()
		if !strings.Contains(","+fieldsOf(err)+",", ","+c.field+",") {
			t.Errorf("%s: errors %q, want one naming %s", c.name, fieldsOf(err), c.field)
		}
	}
}

func TestCleanShowIfRequiredKinds(t *testing.T) {
	in := base()
	if err := in.check(); err != nil {
		t.Fatal(err)
	}
	d := Definition{Statements: in.Statements, Questions: in.Questions}
	// "why" is shown (and required) only when uses = yes.
	a, err := d.Clean(map[string][]string{"uses": {"no"}, "why": {"ignored because hidden"}, "score": {"4"}, "langs": {"Go", "C", "Go"}, "hours": {"2,5"}})
	if err != nil {
		t.Fatalf("valid answers refused: %v", err)
	}
	if _, ok := a["why"]; ok {
		t.Error("a hidden question's answer was kept")
	}
	if strings.Join(a["langs"], "|") != "Go|C" || a["hours"][0] != "2.5" || a["score"][0] != "4" {
		t.Errorf("answers %v", a)
	}
	_, err = d.Clean(map[string][]string{"uses": {"yes"}})
	if fieldsOf(err) != "why" {
		t.Errorf("a shown required question left empty: %q", fieldsOf(err))
	}
	_, err = d.Clean(map[string][]string{})
	if fieldsOf(err) != "uses" {
		t.Errorf("nothing answered: %q, want uses (why is hidden, so not required)", fieldsOf(err))
	}
	for _, c := range []struct {
		raw   map[string][]string
		field string
	}{
		{map[string][]string{"uses": {"maybe"}}, "uses"},
		{map[string][]string{"uses": {"yes", "no"}}, "uses"},
		{map[string][]string{"uses": {"no"}, "score": {"6"}}, "score"},
		{map[string][]string{"uses": {"no"}, "score": {"x"}}, "score"},
		{map[string][]string{"uses": {"no"}, "langs": {"Perl"}}, "langs"},
		{map[string][]string{"uses": {"no"}, "hours": {"many"}}, "hours"},
		{map[string][]string{"uses": {"yes"}, "why": {strings.Repeat("x", MaxText+1)}}, "why"},
	} {
		if _, err := d.Clean(c.raw); fieldsOf(err) != c.field {
			t.Errorf("%v: errors %q, want %s", c.raw, fieldsOf(err), c.field)
		}
	}
	// show_if with in: a score is shown for yes and no, not when uses is unanswered.
	if Visible(d.Questions[2], Answers{}) || !Visible(d.Questions[2], Answers{"uses": {"no"}}) {
		t.Error("show_if in: wrong visibility")
	}
	// Number values in show_if compare as the form sends them.
	q := SurveyQuestion{ShowIf: &SurveyShowIf{Question: "score", Equals: float64(5)}}
	if !Visible(q, Answers{"score": {"5"}}) || Visible(q, Answers{"score": {"4"}}) {
		t.Error("show_if equals a number")
	}
}

func TestSections(t *testing.T) {
	d := Definition{Questions: []SurveyQuestion{{Key: "a"}, {Key: "b", Section: "About you"}, {Key: "c"}, {Key: "d", Section: "Work"}}}
	s := d.Sections()
	if len(s) != 3 || s[0].Title != "" || len(s[1].Questions) != 2 || s[2].Title != "Work" {
		t.Fatalf("sections %+v", s)
	}
}

func TestComputeMathAndMinN(t *testing.T) {
	sv := &Survey{ID: 1, Title: "T", MinN: 2, Statements: []SurveyStatement{{Key: "silos", Text: "S"}},
		Questions: []SurveyQuestion{{Key: "q1", Kind: KindLikert, Statement: "silos", Polarity: Disputes}, {Key: "q3", Kind: KindText, Statement: "silos"}}}
	rs := []Response{
		{Audience: "maintainers", Answers: Answers{"q1": {"2"}, "q3": {"quote one"}}},
		{Audience: "maintainers", Answers: Answers{"q1": {"1"}}},
		{Audience: "coordinators", Answers: Answers{"q1": {"5"}}},
	}
	res := Compute(sv, rs)
	st := res.Statements[0]
	if st.N != 3 || *st.Mean != 2.6667 || *st.Affirm != 2 || *st.Dispute != 1 || *st.Neutral != 0 || *st.Agreement != 3.3333 {
		t.Fatalf("statement %+v (mean %v, affirm %v, dispute %v)", st, *st.Mean, *st.Affirm, *st.Dispute)
	}
	if len(st.Quotes) != 1 || st.Quotes[0] != "quote one" {
		t.Errorf("quotes %v", st.Quotes)
	}
	// By audience: coordinators has one respondent, below min_n 2: hidden.
	if len(st.ByAudience) != 2 || st.ByAudience[0].Audience != "coordinators" || !st.ByAudience[0].Hidden || st.ByAudience[0].Mean != nil ||
		st.ByAudience[1].Hidden || *st.ByAudience[1].Affirm != 2 {
		t.Errorf("by audience %+v", st.ByAudience)
	}
	// The text question has one answer: below min_n, its quotes hidden.
	if q := res.Questions[1]; !q.Hidden || q.Quotes != nil {
		t.Errorf("text question %+v", q)
	}
	if q := res.Questions[0]; q.Hidden || q.Counts[0].Count != 1 || q.Counts[1].Count != 1 || q.Counts[4].Count != 1 {
		t.Errorf("likert distribution %+v", q)
	}
	sv.MinN = 4
	res = Compute(sv, rs)
	if !res.Hidden || !res.Statements[0].Hidden || res.Statements[0].Mean != nil || res.Statements[0].Affirm != nil || len(res.Statements[0].Quotes) != 0 {
		t.Errorf("below min_n: %+v", res.Statements[0])
	}
	if md := Report(res, 1); !strings.Contains(md, "Too few responses") {
		t.Errorf("report below min_n: %s", md)
	}
}

func TestRuleErrorIsConflict(t *testing.T) {
	var r interface{ Rule() string }
	if !errors.As(error(ruleError("x")), &r) {
		t.Fatal("ruleError is not a rule")
	}
}
