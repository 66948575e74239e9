// Package survey is the team's surveys: problem statements that questions test,
// questions of five kinds (Likert 1–5, single and multiple choice, number, free text) in
// sections with "show if" logic, distribution through one public link (anonymous,
// rate-limited, one response per browser) or unique links per recipient (invitations
// and reminders through the outbox), a close date, and results per statement and
// audience — affirm, dispute, neutral, n and mean — that hide every group smaller than
// the survey's minimum n. A closed case gets a participant-feedback survey by itself.
package survey

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/validate"
)

// Question kinds.
const (
	KindLikert = "likert" // 1 (strongly disagree) … 5 (strongly agree)
	KindSingle = "single" // one of the options
	KindMulti  = "multi"  // any of the options
	KindNumber = "number" // a number
	KindText   = "text"   // free text
)

// Kinds lists the question kinds in the order the builder offers them.
var Kinds = []string{KindLikert, KindSingle, KindMulti, KindNumber, KindText}

// Audiences a survey (or a recipient) belongs to.
var Audiences = []string{"maintainers", "security_teams", "coordinators", "case_participants"}

// Polarity says how agreement with a Likert question bears on its statement.
const (
	Affirms  = "affirms"  // agreeing (4, 5) affirms the statement; the default
	Disputes = "disputes" // agreeing disputes it: disagreeing (1, 2) affirms it
)

// Limits of one survey.
const (
	MaxQuestions  = 100
	MaxStatements = 30
	MaxOptions    = 30
	MaxText       = 5000 // characters of one free-text answer
)

// LikertLabels are the five points of the scale.
var LikertLabels = []string{"1 Strongly disagree", "2 Disagree", "3 Neither agree nor disagree", "4 Agree", "5 Strongly agree"}

// SurveyStatement is a problem statement the survey tests.
type SurveyStatement struct {
	Key  string `json:"key" maxLength:"40" doc:"Short key (a-z, 0-9, _) that questions name."`
	Text string `json:"text" maxLength:"500"`
}

// SurveyShowIf shows a question only when an earlier question's answer equals a value
// (or, with in, is one of several values).
type SurveyShowIf struct {
	Question string `json:"question" doc:"Key of an earlier question."`
	Equals   any    `json:"equals,omitempty" doc:"The answer that shows the question (for a multi question: one of the answers)."`
	In       []any  `json:"in,omitempty" doc:"Answers any of which shows the question."`
}

// SurveyQuestion is one question.
type SurveyQuestion struct {
	Key       string        `json:"key" maxLength:"40" doc:"Short key (a-z, 0-9, _): the form field's name and the CSV column."`
	Kind      string        `json:"kind" doc:"likert, single, multi, number or text."`
	Text      string        `json:"text" maxLength:"500"`
	Help      string        `json:"help,omitempty" maxLength:"1000"`
	Section   string        `json:"section,omitempty" maxLength:"200" doc:"Heading of the section the question starts or continues."`
	Statement string        `json:"statement,omitempty" doc:"Key of the problem statement the question tests."`
	Polarity  string        `json:"polarity,omitempty" doc:"Likert questions: affirms (agreeing affirms the statement, the default) or disputes (agreeing disputes it)."`
	Options   []string      `json:"options,omitempty" maxItems:"30" doc:"single and multi questions: the choices."`
	Required  bool          `json:"required,omitempty"`
	ShowIf    *SurveyShowIf `json:"show_if,omitempty"`
}

// Definition is what a survey asks: its statements and questions.
type Definition struct {
	Statements []SurveyStatement `json:"statements"`
	Questions  []SurveyQuestion  `json:"questions"`
}

// SurveyInput creates or replaces a survey.
type SurveyInput struct {
	Title      string            `json:"title" maxLength:"200"`
	Intro      string            `json:"intro,omitempty" maxLength:"5000" doc:"Shown above the form (Markdown)."`
	Audience   string            `json:"audience" doc:"maintainers, security_teams, coordinators or case_participants."`
	Anonymous  bool              `json:"anonymous" doc:"Store no identity with the answers (public link only)."`
	MinN       int               `json:"min_n,omitempty" doc:"Results of a group with fewer responses are hidden (default 1)."`
	ClosesAt   *time.Time        `json:"closes_at,omitempty" doc:"After this instant the survey takes no answers."`
	Statements []SurveyStatement `json:"statements,omitempty" maxItems:"30"`
	Questions  []SurveyQuestion  `json:"questions" maxItems:"100"`
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// check validates and normalises in, naming each bad field.
func (in *SurveyInput) check() error {
	var e validate.Errors
	in.Title = e.Text("title", in.Title, true, 200)
	in.Intro = e.Text("intro", in.Intro, false, 5000)
	in.Audience = strings.TrimSpace(in.Audience)
	if !slices.Contains(Audiences, in.Audience) {
		e.Add("audience", "%q is not an audience (want one of %s)", in.Audience, strings.Join(Audiences, ", "))
	}
	switch {
	case in.MinN == 0:
		in.MinN = 1
	case in.MinN < 1 || in.MinN > 1000:
		e.Add("min_n", "%d is not a minimum number of responses (want 1–1000)", in.MinN)
	}
	if in.Statements == nil {
		in.Statements = []SurveyStatement{}
	}
	if len(in.Statements) > MaxStatements {
		e.Add("statements", "at most %d problem statements", MaxStatements)
	}
	statements := map[string]bool{}
	for i := range in.Statements {
		s := &in.Statements[i]
		f := fmt.Sprintf("statements[%d].", i)
		s.Key = strings.TrimSpace(s.Key)
		switch {
		case !keyRE.MatchString(s.Key):
			e.Add(f+"key", "%q is not a key (a lower-case letter, then up to 39 of a-z, 0-9, _)", s.Key)
		case statements[s.Key]:
			e.Add(f+"key", "statement %q appears twice", s.Key)
		}
		statements[s.Key] = true
		s.Text = e.Text(f+"text", s.Text, true, 500)
	}
	if len(in.Questions) == 0 {
		e.Add("questions", "a survey needs at least one question")
	}
	if len(in.Questions) > MaxQuestions {
		e.Add("questions", "at most %d questions", MaxQuestions)
	}
	seen := map[string]int{}
	for i := range in.Questions {
		q := &in.Questions[i]
		f := fmt.Sprintf("questions[%d].", i)
		q.Key = strings.TrimSpace(q.Key)
		if !keyRE.MatchString(q.Key) {
			e.Add(f+"key", "%q is not a key (a lower-case letter, then up to 39 of a-z, 0-9, _)", q.Key)
		} else if _, dup := seen[q.Key]; dup {
			e.Add(f+"key", "question %q appears twice", q.Key)
		}
		q.Kind = strings.TrimSpace(q.Kind)
		if !slices.Contains(Kinds, q.Kind) {
			e.Add(f+"kind", "%q is not a question kind (want one of %s)", q.Kind, strings.Join(Kinds, ", "))
		}
		q.Text = e.Text(f+"text", q.Text, true, 500)
		q.Help = e.Text(f+"help", q.Help, false, 1000)
		q.Section = e.Text(f+"section", q.Section, false, 200)
		q.Statement = strings.TrimSpace(q.Statement)
		if q.Statement != "" && !statements[q.Statement] {
			e.Add(f+"statement", "there is no problem statement %q", q.Statement)
		}
		q.Polarity = strings.TrimSpace(q.Polarity)
		switch {
		case q.Polarity == "" && q.Kind == KindLikert && q.Statement != "":
			q.Polarity = Affirms
		case q.Polarity == "":
		case q.Kind != KindLikert:
			e.Add(f+"polarity", "only Likert questions have a polarity")
		case q.Polarity != Affirms && q.Polarity != Disputes:
			e.Add(f+"polarity", "%q is not a polarity (want affirms or disputes)", q.Polarity)
		}
		if q.Kind == KindSingle || q.Kind == KindMulti {
			if len(q.Options) < 2 || len(q.Options) > MaxOptions {
				e.Add(f+"options", "a %s question needs 2–%d options", q.Kind, MaxOptions)
			}
			opts := map[string]bool{}
			for j := range q.Options {
				q.Options[j] = e.Text(fmt.Sprintf("%soptions[%d]", f, j), q.Options[j], true, 200)
				if opts[q.Options[j]] {
					e.Add(fmt.Sprintf("%soptions[%d]", f, j), "option %q appears twice", q.Options[j])
				}
				opts[q.Options[j]] = true
			}
		} else if len(q.Options) > 0 {
			e.Add(f+"options", "only single and multi questions have options")
		}
		if si := q.ShowIf; si != nil {
			_, ok := seen[si.Question]
			switch {
			case si.Question == q.Key:
				e.Add(f+"show_if.question", "a question cannot depend on itself")
			case !ok && slices.ContainsFunc(in.Questions, func(o SurveyQuestion) bool { return o.Key == si.Question }):
				e.Add(f+"show_if.question", "question %q comes later; show_if may only name an earlier question", si.Question)
			case !ok:
				e.Add(f+"show_if.question", "there is no question %q", si.Question)
			default:
				switch {
				case si.Equals == nil && len(si.In) == 0:
					e.Add(f+"show_if", "give equals (one answer) or in (a list of answers)")
				case si.Equals != nil && len(si.In) > 0:
					e.Add(f+"show_if", "give equals or in, not both")
				}
				for _, v := range si.Values() {
					if len(v) > 200 {
						e.Add(f+"show_if", "an answer is longer than 200 characters")
					}
				}
			}
		}
		if _, dup := seen[q.Key]; !dup {
			seen[q.Key] = i
		}
	}
	return e.Err()
}

// Values are the answers (as text) that show the question.
func (si *SurveyShowIf) Values() []string {
	var out []string
	if si.Equals != nil {
		out = append(out, answerText(si.Equals))
	}
	for _, v := range si.In {
		out = append(out, answerText(v))
	}
	return out
}

// answerText is a JSON value as the text a form would send.
func answerText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// Answers are one response: question key → the values given (one for every kind but
// multi). Absent keys were not answered (or not shown).
type Answers map[string][]string

// Visible reports whether q is shown given the answers so far.
func Visible(q SurveyQuestion, a Answers) bool {
	if q.ShowIf == nil {
		return true
	}
	want := q.ShowIf.Values()
	for _, v := range a[q.ShowIf.Question] {
		if slices.Contains(want, v) {
			return true
		}
	}
	return false
}

// Clean checks raw form values against the definition, in question order: a hidden
// question's answer is dropped and it is not required; a visible one is checked by its
// kind. Field names are the question keys.
func (d Definition) Clean(raw map[string][]string) (Answers, error) {
	var e validate.Errors
	out := Answers{}
	for _, q := range d.Questions {
		if !Visible(q, out) {
			continue
		}
		var vals []string
		for _, v := range raw[q.Key] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			if q.Required {
				e.Add(q.Key, "please answer this question")
			}
			continue
		}
		if q.Kind != KindMulti && len(vals) > 1 {
			e.Add(q.Key, "give one answer")
			continue
		}
		switch q.Kind {
		case KindLikert:
			n, err := strconv.Atoi(vals[0])
			if err != nil || n < 1 || n > 5 {
				e.Add(q.Key, "%q is not a point of the scale (1–5)", vals[0])
				continue
			}
		case KindSingle, KindMulti:
			var uniq []string
			for _, v := range vals {
				if !slices.Contains(uniq, v) {
					uniq = append(uniq, v)
				}
			}
			vals = uniq
			bad := false
			for _, v := range vals {
				if !slices.Contains(q.Options, v) {
					e.Add(q.Key, "%q is not one of the options", v)
					bad = true
					break
				}
			}
			if bad {
				continue
			}
		case KindNumber:
			f, err := strconv.ParseFloat(strings.ReplaceAll(vals[0], ",", "."), 64)
			if err != nil || f != f || f > 1e12 || f < -1e12 {
				e.Add(q.Key, "%q is not a number", vals[0])
				continue
			}
			vals[0] = strconv.FormatFloat(f, 'f', -1, 64)
		case KindText:
			t, _ := validate.Printable(vals[0])
			if len([]rune(t)) > MaxText {
				e.Add(q.Key, "at most %d characters", MaxText)
				continue
			}
			vals[0] = t
		}
		out[q.Key] = vals
	}
	return out, e.Err()
}

// Section is a run of questions under one heading, as the form shows them.
type Section struct {
	Title     string
	Questions []SurveyQuestion
}

// Sections groups the questions: a question with a section starts a new one when the
// title changes.
func (d Definition) Sections() []Section {
	var out []Section
	for _, q := range d.Questions {
		if len(out) == 0 || (q.Section != "" && q.Section != out[len(out)-1].Title) {
			out = append(out, Section{Title: q.Section})
		}
		out[len(out)-1].Questions = append(out[len(out)-1].Questions, q)
	}
	return out
}

// Statement returns the statement with key.
func (d Definition) Statement(key string) (SurveyStatement, bool) {
	for _, s := range d.Statements {
		if s.Key == key {
			return s, true
		}
	}
	return SurveyStatement{}, false
}

// Survey is a survey as the team sees it.
type Survey struct {
	ID         int64             `json:"id"`
	Title      string            `json:"title"`
	Intro      string            `json:"intro,omitempty"`
	Audience   string            `json:"audience"`
	Anonymous  bool              `json:"anonymous"`
	MinN       int               `json:"min_n"`
	Link       string            `json:"link" doc:"The public link (anyone with it may answer)."`
	CaseID     int64             `json:"case_id,omitempty" doc:"The closed case whose participants this feedback survey asks."`
	ClosesAt   *time.Time        `json:"closes_at,omitempty"`
	Closed     bool              `json:"closed"`
	Responses  int               `json:"responses"`
	Recipients int               `json:"recipients"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	Statements []SurveyStatement `json:"statements"`
	Questions  []SurveyQuestion  `json:"questions"`

	token string
}

// Definition returns the survey's statements and questions.
func (s *Survey) Definition() Definition {
	return Definition{Statements: s.Statements, Questions: s.Questions}
}

// Token is the public link's token.
func (s *Survey) Token() string { return s.token }
