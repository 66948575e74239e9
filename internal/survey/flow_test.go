package survey_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/survey"
	"github.com/oss-sirt/sirt/internal/testapp"
)

type fixture struct {
	ta                        *testapp.TestApp
	pgm, resp, member         testapp.User
	tPgM, tResp, tMem, tAdmin string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{ta: testapp.New(t, d)}
	f.pgm, f.resp, f.member = f.ta.User(authz.RolePgM), f.ta.User(authz.RoleResponder), f.ta.User(authz.RoleMember)
	f.tPgM, f.tResp, f.tMem, f.tAdmin = f.ta.Token(f.pgm), f.ta.Token(f.resp), f.ta.Token(f.member), f.ta.Token(f.ta.User(authz.RoleAdmin))
	return f
}

func (f *fixture) call(t *testing.T, method, path, token string, body any, want ...int) *testapp.Response {
	t.Helper()
	return f.ta.API(method, "/api/v1"+path, token, body).Want(t, want...)
}

const acceptanceSurvey = `{"title": "Maintainers and security incidents", "audience": "maintainers", "anonymous": true, "min_n": 2,
 "statements": [{"key": "silos", "text": "Projects cannot reach each other when an incident spans ecosystems."},
                {"key": "time", "text": "Maintainers lack time to handle vulnerability reports."}],
 "questions": [
   {"key": "q1", "kind": "likert", "text": "When a dependency has a vulnerability, I know whom to contact.", "statement": "silos", "polarity": "disputes"},
   {"key": "q2", "kind": "likert", "text": "I have enough time to handle a security report within a week.", "statement": "time", "polarity": "disputes"},
   {"key": "q3", "kind": "text", "text": "What would help you most?"}]}`

// browser is a client with its own cookie jar and User-Agent.
type browser struct {
	c  *http.Client
	ua string
	ta *testapp.TestApp
}

func (f *fixture) browser(ua string) *browser {
	jar, _ := cookiejar.New(nil)
	c := f.ta.HTTP.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{c: c, ua: ua, ta: f.ta}
}

func (b *browser) do(t *testing.T, method, path string, form url.Values) (int, string) {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, b.ta.URL+path, body)
	req.Header.Set("User-Agent", b.ua)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return res.StatusCode, buf.String()
}

func linkPath(link string) string { return "/s/" + link[strings.LastIndex(link, "/s/")+3:] }

// tableTexts is every row of every table of the database as text.
func tableTexts(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if d.Dialect() == db.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := d.Read().Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, tb := range tables {
		rs, err := d.Read().Query(ctx, `SELECT * FROM "`+tb+`"`)
		if err != nil {
			continue
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts = append(parts, fmt.Sprint(v))
			}
			out[tb] = append(out[tb], strings.Join(parts, " "))
		}
		rs.Close()
	}
	return out
}

func TestAnonymousSurvey(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.call(t, "POST", "/surveys", f.tMem, acceptanceSurvey, 404)
		f.call(t, "POST", "/surveys", f.tResp, acceptanceSurvey, 403)
		f.call(t, "POST", "/surveys", "", acceptanceSurvey, 401)
		var created survey.Created
		f.call(t, "POST", "/surveys", f.tPgM, acceptanceSurvey, 201).JSON(t, &created)
		if created.ID == 0 || !strings.Contains(created.Link, "/s/") {
			t.Fatalf("created %+v", created)
		}
		id := fmt.Sprint(created.ID)
		f.call(t, "GET", "/surveys/"+id, f.tMem, nil, 404)
		f.call(t, "GET", "/surveys/"+id+"/results", f.tMem, nil, 404)
		f.call(t, "GET", "/surveys/"+id+"/responses.csv", f.tMem, nil, 404)
		f.call(t, "GET", "/surveys", f.tMem, nil, 404)
		f.call(t, "GET", "/surveys/"+id+"/results", f.tResp, nil, 200)

		path := linkPath(created.Link)
		anon := f.browser("FormProbe/1")
		code, page := anon.do(t, "GET", path, nil)
		if code != 200 || !strings.Contains(page, "<form") || !strings.Contains(page, `name="q1"`) || !strings.Contains(page, `name="q3"`) {
			t.Fatalf("form: %d %.400s", code, page)
		}
		// Below min_n (one response) the results and the CSV stay hidden.
		uas := []string{"SurveyProbe/one", "SurveyProbe/two", "SurveyProbe/three"}
		answers := [][3]string{{"2", "1", "Fewer silos one"}, {"1", "2", "Fewer silos two"}, {"5", "4", "Fewer silos three"}}
		for i, a := range answers {
			b := f.browser(uas[i])
			code, body := b.do(t, "POST", path, url.Values{"q1": {a[0]}, "q2": {a[1]}, "q3": {a[2]}})
			if code != http.StatusSeeOther {
				t.Fatalf("answer %d: %d %.300s", i, code, body)
			}
			// One response per browser: the same browser is thanked, and refused a second time.
			if code, body := b.do(t, "GET", path, nil); code != 200 || !strings.Contains(body, "survey-thanks") {
				t.Fatalf("after answering: %d %.300s", code, body)
			}
			if code, _ := b.do(t, "POST", path, url.Values{"q1": {"3"}}); code != http.StatusConflict {
				t.Fatalf("a second answer from the same browser: %d, want 409", code)
			}
			if i == 0 {
				var res survey.SurveyResults
				f.call(t, "GET", "/surveys/"+id+"/results", f.tPgM, nil, 200).JSON(t, &res)
				if !res.Hidden || res.Statements[0].Mean != nil || res.Statements[0].Affirm != nil {
					t.Fatalf("one response with min_n 2 is shown: %+v", res.Statements[0])
				}
				f.call(t, "GET", "/surveys/"+id+"/responses.csv", f.tPgM, nil, 409)
			}
		}
		// A required-field or bad answer re-renders the form with the input.
		if code, body := f.browser("x").do(t, "POST", path, url.Values{"q1": {"9"}, "q3": {"kept text"}}); code != 422 || !strings.Contains(body, "kept text") || !strings.Contains(body, "not a point of the scale") {
			t.Fatalf("bad answer: %d %.500s", code, body)
		}

		var res survey.SurveyResults
		f.call(t, "GET", "/surveys/"+id+"/results", f.tPgM, nil, 200).JSON(t, &res)
		st := res.Statements[0]
		if st.Key != "silos" || st.N != 3 || *st.Mean != 2.6667 || *st.Affirm != 2 || *st.Dispute != 1 || *st.Neutral != 0 {
			t.Fatalf("silos: %+v", st)
		}
		if len(st.ByAudience) != 1 || st.ByAudience[0].Audience != "maintainers" || st.ByAudience[0].N != 3 {
			t.Errorf("by audience %+v", st.ByAudience)
		}
		if q3 := res.Questions[2]; len(q3.Quotes) != 3 {
			t.Errorf("q3 quotes %+v", q3)
		}

		// The CSV parses back with the same counts.
		raw := f.call(t, "GET", "/surveys/"+id+"/responses.csv", f.tResp, nil, 200).Body
		recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil || len(recs) != 4 {
			t.Fatalf("csv: %v %q", err, raw)
		}
		if strings.Join(recs[0], ",") != "response,submitted_on,audience,q1,q2,q3" {
			t.Errorf("header %v", recs[0])
		}
		counts := map[string]int{}
		for _, r := range recs[1:] {
			counts[r[3]]++
			if r[1] != testapp.Start.Format("2006-01-02") {
				t.Errorf("submitted_on %q: want the day only", r[1])
			}
		}
		for _, c := range res.Questions[0].Counts {
			if counts[c.Value] != c.Count {
				t.Errorf("csv q1=%s: %d rows, results say %d", c.Value, counts[c.Value], c.Count)
			}
		}
		md := string(f.call(t, "GET", "/surveys/"+id+"/report.md", f.tResp, nil, 200).Body)
		if !strings.Contains(md, "| **silos**") || !strings.Contains(md, "2.67") {
			t.Errorf("report: %s", md)
		}

		// No trace of the respondents: no address or browser next to the answers, no browser anywhere.
		for tb, rows := range tableTexts(t, d) {
			for _, row := range rows {
				if strings.Contains(row, "Fewer silos") && strings.Contains(row, "127.0.0.1") {
					t.Errorf("table %s stores an answer with the address: %s", tb, row)
				}
				if strings.Contains(row, "SurveyProbe") || strings.Contains(row, "FormProbe") {
					t.Errorf("table %s stores the browser: %s", tb, row)
				}
				if tb == "survey_responses" && strings.Contains(row, f.pgm.Email) {
					t.Errorf("a response names an account: %s", row)
				}
			}
		}
		// The questions cannot change once answered; the title can.
		var in map[string]any
		_ = json.Unmarshal([]byte(acceptanceSurvey), &in)
		in["questions"] = []any{map[string]any{"key": "q1", "kind": "text", "text": "Changed"}}
		f.call(t, "PUT", "/surveys/"+id, f.tPgM, in, 409)
		_ = json.Unmarshal([]byte(acceptanceSurvey), &in)
		in["title"] = "Renamed"
		f.call(t, "PUT", "/surveys/"+id, f.tPgM, in, 200)
		// Anonymous surveys have no personal links.
		f.call(t, "POST", "/surveys/"+id+"/recipients", f.tPgM, map[string]any{"emails": []string{"a@example.org"}}, 409)

		// The close date: the form says so (410) and takes nothing.
		past := testapp.Start.Add(-time.Hour)
		in["closes_at"] = past
		f.call(t, "PUT", "/surveys/"+id, f.tPgM, in, 200)
		if code, body := f.browser("late").do(t, "GET", path, nil); code != http.StatusGone || !strings.Contains(body, "closed") {
			t.Fatalf("closed form: %d", code)
		}
		if code, _ := f.browser("late").do(t, "POST", path, url.Values{"q1": {"3"}}); code != http.StatusGone {
			t.Fatalf("answer after the close date: %d, want 410", code)
		}
		checkCatalogue(t, f)
	})
}

func TestValidationNamesFields(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for body, field := range map[string]string{
			`{"title": "T", "audience": "maintainers", "anonymous": true, "questions": [{"key": "a", "kind": "text", "text": "A"}, {"key": "b", "kind": "text", "text": "B"}, {"key": "c", "kind": "slider", "text": "C"}]}`: "questions[2].kind",
			`{"title": "T", "audience": "maintainers", "anonymous": true, "questions": [{"key": "a", "kind": "likert", "text": "A", "statement": "ghost"}]}`:                                                                 "questions[0].statement",
			`{"title": "T", "audience": "maintainers", "anonymous": true, "questions": [{"key": "a", "kind": "text", "text": "A", "show_if": {"question": "b", "equals": "x"}}, {"key": "b", "kind": "text", "text": "B"}]}`: "questions[0].show_if.question",
		} {
			p := f.call(t, "POST", "/surveys", f.tPgM, body, 422).Problem(t)
			if !strings.Contains(p.Text(), field) {
				t.Errorf("%s: %s does not name %s", body, p.Text(), field)
			}
		}
	})
}

func TestRateLimit(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var created survey.Created
		f.call(t, "POST", "/surveys", f.tPgM, acceptanceSurvey, 201).JSON(t, &created)
		path := linkPath(created.Link)
		limited := false
		for i := 0; i < 12; i++ { // fresh browsers (no cookie), one address
			code, _ := f.browser("b").do(t, "POST", path, url.Values{"q1": {"3"}})
			if code == http.StatusTooManyRequests {
				limited = i >= 10
				break
			}
		}
		if !limited {
			t.Fatal("eleven answers from one address in a minute were all taken")
		}
		f.ta.Clock.Advance(10 * time.Minute)
		if code, _ := f.browser("b").do(t, "POST", path, url.Values{"q1": {"3"}}); code != http.StatusSeeOther {
			t.Fatalf("after the wait: %d", code)
		}
		// The rate-limit store never holds the address.
		for _, row := range tableTexts(t, d)["rate_limits"] {
			if strings.Contains(row, "127.0.0.1") {
				t.Errorf("rate_limits holds the address: %s", row)
			}
		}
	})
}

func outbox(t *testing.T, d *db.DB, purpose string) []string {
	t.Helper()
	rows, err := d.Read().Query(context.Background(), "SELECT recipient, body FROM outbox WHERE purpose = ? ORDER BY id", purpose)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var to, body string
		if err := rows.Scan(&to, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, to+"\n"+body)
	}
	return out
}

func TestIdentifiedLinksAndReminders(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		body := strings.Replace(acceptanceSurvey, `"anonymous": true, "min_n": 2`, `"anonymous": false`, 1)
		var created survey.Created
		f.call(t, "POST", "/surveys", f.tPgM, body, 201).JSON(t, &created)
		id := fmt.Sprint(created.ID)
		f.call(t, "POST", "/surveys/"+id+"/recipients", f.tResp, map[string]any{"emails": []string{"a@example.org"}}, 403)
		f.call(t, "POST", "/surveys/"+id+"/recipients", f.tPgM, map[string]any{"emails": []string{"not-an-address"}}, 422)
		var inv survey.Invited
		f.call(t, "POST", "/surveys/"+id+"/recipients", f.tPgM, map[string]any{"emails": []string{"a@example.org", "b@example.org"}, "audience": "security_teams"}, 200).JSON(t, &inv)
		if inv.Invited != 2 {
			t.Fatalf("invited %+v", inv)
		}
		f.call(t, "POST", "/surveys/"+id+"/recipients", f.tPgM, map[string]any{"emails": []string{"a@example.org"}}, 200).JSON(t, &inv)
		if inv.Invited != 0 || inv.Skipped != 1 {
			t.Fatalf("invited twice: %+v", inv)
		}
		mails := outbox(t, d, "survey.invitation")
		if len(mails) != 2 {
			t.Fatalf("invitations %v", mails)
		}
		var links []string
		for _, m := range mails {
			i := strings.Index(m, "/s/")
			links = append(links, strings.Fields(m[i:])[0])
			if strings.Contains(m, created.Link) {
				t.Error("an invitation carries the public link, not a personal one")
			}
		}
		// a answers through their link; the link then is used.
		b := f.browser("x")
		if code, body := b.do(t, "POST", links[0], url.Values{"q1": {"4"}}); code != 303 {
			t.Fatalf("answer: %d %.300s", code, body)
		}
		if code, _ := f.browser("y").do(t, "POST", links[0], url.Values{"q1": {"4"}}); code != http.StatusConflict {
			t.Fatalf("the same personal link twice: %d", code)
		}
		var res survey.SurveyResults
		f.call(t, "GET", "/surveys/"+id+"/results", f.tPgM, nil, 200).JSON(t, &res)
		if res.Statements[0].ByAudience[0].Audience != "security_teams" || res.Responses != 1 {
			t.Errorf("recipient's audience: %+v", res.Statements[0].ByAudience)
		}
		// Reminders: nothing before a week; then b only, once per week, twice at most.
		ctx := context.Background()
		run := func() int {
			if err := f.ta.App.Surveys.RunReminders(ctx); err != nil {
				t.Fatal(err)
			}
			return len(outbox(t, d, "survey.reminder"))
		}
		if n := run(); n != 0 {
			t.Fatalf("%d reminders on day 0", n)
		}
		f.ta.Clock.Advance(7*24*time.Hour + time.Minute)
		if n := run(); n != 1 {
			t.Fatalf("%d reminders after a week, want 1 (b)", n)
		}
		if n := run(); n != 1 {
			t.Fatalf("the job run twice reminds twice: %d", n)
		}
		if !strings.HasPrefix(outbox(t, d, "survey.reminder")[0], "b@example.org") {
			t.Error("the reminder went to the respondent")
		}
		f.ta.Clock.Advance(7 * 24 * time.Hour)
		run()
		f.ta.Clock.Advance(7 * 24 * time.Hour)
		if n := run(); n != 2 {
			t.Fatalf("%d reminders after three weeks, want 2 (the maximum)", n)
		}
		checkCatalogue(t, f)
	})
}

func TestCaseFeedback(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		lead := f.resp.Actor()
		c, err := f.ta.App.Cases.Open(ctx, lead, cases.NewCase{Title: "Signature bypass"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []cases.NewParticipant{{Email: "finder@example.net", Role: "finder"}, {Email: "owner@example.net", Role: "owner"},
			{Email: "helper@example.net", Role: "collaborator"}, {Email: "distro@example.net", Role: "downstream"}} {
			if _, err := f.ta.App.Cases.AddParticipant(ctx, lead, c.PublicID, p); err != nil {
				t.Fatal(err)
			}
		}
		if md, n, err := f.ta.App.Surveys.CaseFeedback(ctx, c.ID); err != nil || md != "" || n != 0 {
			t.Fatalf("feedback of an open case: %q %d %v", md, n, err)
		}
		if err := f.ta.App.Surveys.RunCaseFeedback(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(outbox(t, d, "survey.invitation")); n != 0 {
			t.Fatalf("an open case got %d feedback invitations", n)
		}
		if err := d.InTx(ctx, func(q db.Querier) error {
			_, err := q.Exec(ctx, "UPDATE cases SET closed_at = ? WHERE id = ?", f.ta.Clock.Now(), c.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for range 2 { // idempotent by case
			if err := f.ta.App.Surveys.RunCaseFeedback(ctx); err != nil {
				t.Fatal(err)
			}
		}
		mails := outbox(t, d, "survey.invitation")
		if len(mails) != 3 {
			t.Fatalf("feedback invitations: %d, want 3 (finder, owner, collaborator)", len(mails))
		}
		var list struct{ Items []survey.Survey }
		f.call(t, "GET", "/surveys", f.tResp, nil, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].CaseID != c.ID || list.Items[0].Audience != "case_participants" || list.Items[0].Recipients != 3 {
			t.Fatalf("surveys %+v", list.Items)
		}
		link := mails[0][strings.Index(mails[0], "/s/"):]
		link = strings.Fields(link)[0]
		if code, body := f.browser("p").do(t, "POST", link, url.Values{"coordination": {"5"}, "improve": {"Faster first answer"}}); code != 303 {
			t.Fatalf("feedback answer: %d %.300s", code, body)
		}
		md, n, err := f.ta.App.Surveys.CaseFeedback(ctx, c.ID)
		if err != nil || n != 1 || !strings.Contains(md, "## Participant feedback") || !strings.Contains(md, "Faster first answer") {
			t.Fatalf("CaseFeedback: %d %v\n%s", n, err, md)
		}
		checkCatalogue(t, f)
	})
}

func TestBuilderPages(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := f.ta.Browser()
		b.SignIn(f.pgm)
		b.Get("/surveys/new").Want(t, 200)
		form := url.Values{"title": {"Builder survey"}, "audience": {"maintainers"}, "anonymous": {"on"}, "min_n": {"1"},
			"statements": {"silos: Projects cannot reach each other."},
			"q0_key":     {"q1"}, "q0_kind": {"likert"}, "q0_text": {"I know whom to contact."}, "q0_statement": {"silos"}, "q0_polarity": {"disputes"},
			"q1_key": {"q2"}, "q1_kind": {"slider"}, "q1_text": {"Kept text"}}
		res := b.Submit("/surveys", form).Want(t, 422)
		if !strings.Contains(string(res.Body), "Kept text") || !strings.Contains(string(res.Body), `href="#f-q1_kind"`) {
			t.Fatalf("refused builder form: %.2000s", res.Body)
		}
		more := url.Values{"more": {"1"}, "rows": {"3"}}
		for k, v := range form {
			more[k] = v
		}
		res = b.Submit("/surveys", more).Want(t, 200)
		if !strings.Contains(string(res.Body), `name="q5_key"`) {
			t.Error("Add question rows did not add rows")
		}
		form.Set("q1_kind", "text")
		res = b.Submit("/surveys", form).Want(t, 303)
		loc := res.Header.Get("Location")
		page := b.Get(loc).Want(t, 200)
		if !strings.Contains(string(page.Body), "Builder survey") || !strings.Contains(string(page.Body), "/s/") {
			t.Fatalf("survey page: %.500s", page.Body)
		}
		b.Get(loc+"/edit").Want(t, 200)
		// Responders read, members do not know it exists.
		rb := f.ta.Browser()
		rb.SignIn(f.resp)
		rb.Get(loc).Want(t, 200)
		rb.Get("/surveys/new").Want(t, 403)
		mb := f.ta.Browser()
		mb.SignIn(f.member)
		mb.Get(loc).Want(t, 404)
		mb.Get("/surveys").Want(t, 404)
	})
}

// checkCatalogue: every survey event is in the catalogue and its payload decodes,
// without unknown fields, into the catalogue's type.
func checkCatalogue(t *testing.T, f *fixture) {
	t.Helper()
	evs, err := f.ta.App.Events.List(context.Background(), f.ta.App.DB.Read(), authz.System("test"), events.Query{Action: "survey.", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Error("no survey events")
	}
	for _, ev := range evs {
		zero, ok := survey.Catalogue[ev.Action]
		if !ok {
			t.Errorf("event %s is not in the catalogue", ev.Action)
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(ev.After))
		dec.DisallowUnknownFields()
		v := reflect.New(reflect.TypeOf(zero)).Interface()
		if err := dec.Decode(v); err != nil {
			t.Errorf("event %s payload %s does not decode into %T: %v", ev.Action, ev.After, zero, err)
		}
	}
	if _, err := events.Verify(context.Background(), f.ta.App.DB.Read()); err != nil {
		t.Error(err)
	}
}
