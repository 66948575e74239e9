package cases_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// The need-to-know matrix of cases: every case API route and every case page × every
// kind of caller, with the status each must get, on a fresh case per cell (so one
// caller's change does not decide the next one's answer). The rows are this table;
// a case route registered without a row fails the test, and so does a row for a
// route that no longer exists.
//
// Callers: anonymous; a member who is not on the case; the owner, added but not read
// in; a collaborator who has read in; the finder (reported with an account); a
// responder and an admin who are not participants (the team coordinates every case;
// an admin's content reads are audited); a programme manager (metadata only).

type who int

const (
	anon who = iota
	outsider
	ownerNotReadIn
	collabReadIn
	finder
	responder
	admin
	pgm
	nWho
)

var whoNames = [nWho]string{"anonymous", "member non-participant", "owner not read in", "collaborator read in", "finder", "responder", "admin", "pgm"}

type row [nWho]int

// apiRows is keyed by "METHOD /path" as in the OpenAPI document.
var apiRows = map[string]row{
	//                                                           anon out  own  col  fnd  rsp  adm  pgm
	"GET /api/v1/cases":                                     {401, 200, 200, 200, 200, 200, 200, 200},
	"POST /api/v1/cases":                                    {401, 201, 201, 201, 201, 201, 201, 403},
	"GET /api/v1/cases/{id}":                                {401, 404, 200, 200, 200, 200, 200, 200},
	"PATCH /api/v1/cases/{id}":                              {401, 404, 403, 403, 403, 200, 200, 404},
	"POST /api/v1/cases/{id}/participants":                  {401, 404, 403, 403, 403, 201, 201, 404},
	"PATCH /api/v1/cases/{id}/participants/{participant}":   {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/cases/{id}/read-in":                       {401, 404, 200, 200, 200, 409, 409, 404},
	"POST /api/v1/cases/{id}/embargo":                       {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/cases/{id}/embargo-break":                 {401, 404, 403, 403, 403, 200, 200, 404},
	"POST /api/v1/cases/{id}/early-release":                 {401, 404, 403, 403, 403, 200, 200, 404},
	"POST /api/v1/cases/{id}/close":                         {401, 404, 403, 403, 403, 200, 200, 404},
	"POST /api/v1/cases/{id}/reopen":                        {401, 404, 403, 403, 403, 409, 409, 404},
	"POST /api/v1/cases/{id}/facts":                         {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/cases/{id}/vulnerabilities":               {401, 404, 403, 403, 403, 201, 201, 404},
	"POST /api/v1/cases/{id}/vulnerabilities/{vuln}/status": {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/cases/{id}/packages":                      {401, 404, 403, 403, 403, 201, 201, 404},
	"PUT /api/v1/cases/{id}/packages/{package}":             {401, 404, 403, 403, 403, 200, 200, 404},
	"DELETE /api/v1/cases/{id}/packages/{package}":          {401, 404, 403, 403, 403, 204, 204, 404},
	"DELETE /api/v1/cases/{id}/participants/{participant}":  {401, 404, 403, 403, 403, 204, 204, 404},
	"GET /api/v1/cases/{id}/posts":                          {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/cases/{id}/posts":                         {401, 404, 403, 201, 201, 201, 201, 404},
	"POST /api/v1/cases/{id}/tasks":                         {401, 404, 403, 403, 403, 201, 201, 404},
	// The directory's routes on a case (internal/directory): the case's coordinators only, 404 for everyone else.
	"GET /api/v1/cases/{id}/notifications":   {401, 404, 404, 404, 404, 200, 200, 404},
	"POST /api/v1/cases/{id}/notifications":  {401, 404, 404, 404, 404, 422, 422, 404}, // organisation 999999 does not exist
	"POST /api/v1/cases/{id}/orgs":           {401, 404, 404, 404, 404, 422, 422, 404},
	"GET /api/v1/cases/{id}/suggested-orgs":  {401, 404, 404, 404, 404, 200, 200, 404},
	"PATCH /api/v1/cases/{id}/tasks/{task}":  {401, 404, 403, 403, 403, 200, 200, 404},
	"GET /api/v1/cases/{id}/timeline":        {401, 404, 403, 200, 200, 200, 200, 404},
	"GET /api/v1/cases/{id}/tasks":           {401, 404, 403, 200, 200, 200, 200, 404},
	"GET /api/v1/cases/{id}/playbooks":       {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/cases/{id}/playbooks":      {401, 404, 403, 403, 403, 422, 422, 404}, // internal/knowledge: no such playbook here
	"GET /api/v1/cases/{id}/deliveries":      {401, 404, 403, 403, 403, 200, 200, 404},
	"GET /api/v1/cases/{id}/export/{format}": {401, 404, 403, 200, 200, 200, 200, 404},
	"POST /api/v1/webhooks":                  {401, 403, 403, 403, 403, 403, 201, 403},
	"GET /api/v1/webhooks":                   {401, 403, 403, 403, 403, 403, 200, 403},
	"POST /api/v1/webhooks/{id}/disable":     {401, 403, 403, 403, 403, 403, 404, 403},
	"DELETE /api/v1/webhooks/{id}":           {401, 403, 403, 403, 403, 403, 404, 403},

	// One vulnerability's export (issue 11).
	"GET /api/v1/cases/{id}/vulnerabilities/{vuln}/export/{format}": {401, 404, 403, 200, 200, 200, 200, 404},
}

// htmlRows is keyed by the ServeMux pattern of web/cases.go.
var htmlRows = map[string]row{
	//                                                  anon out  own  col  fnd  rsp  adm  pgm
	"GET /cases":                                 {303, 200, 200, 200, 200, 200, 200, 200},
	"POST /cases/{id}/advisory":                  {303, 404, 404, 403, 403, 303, 303, 404},
	"POST /cases":                                {303, 303, 303, 303, 303, 303, 303, 403},
	"GET /cases/{id}":                            {303, 404, 200, 200, 200, 200, 200, 200},
	"POST /cases/{id}/read-in":                   {303, 404, 303, 303, 303, 409, 409, 404},
	"POST /cases/{id}/participants":              {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/participants/{pid}":        {303, 404, 403, 303, 303, 303, 303, 404},
	"POST /cases/{id}/embargo":                   {303, 404, 403, 303, 303, 303, 303, 404},
	"POST /cases/{id}/facts":                     {303, 404, 403, 303, 303, 303, 303, 404},
	"POST /cases/{id}/break":                     {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/release":                   {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/close":                     {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/reopen":                    {303, 404, 403, 403, 403, 409, 409, 404},
	"POST /cases/{id}/posts":                     {303, 404, 403, 303, 303, 303, 303, 404},
	"POST /cases/{id}/vulnerabilities":           {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/status":                    {303, 404, 403, 303, 303, 303, 303, 404},
	"POST /cases/{id}/packages":                  {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/packages/{pkg}/remove":     {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/participants/{pid}/remove": {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/tasks":                     {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/tasks/{task}":              {303, 404, 403, 403, 403, 303, 303, 404},
	"POST /cases/{id}/files":                     {303, 404, 403, 422, 422, 422, 422, 404},
	"GET /cases/{id}/files/{file}":               {303, 404, 403, 200, 200, 200, 200, 404},
	"GET /cases/{id}/export/{format}":            {303, 404, 403, 200, 200, 200, 200, 404},
}

type matrix struct {
	ta     *testapp.TestApp
	users  [nWho]testapp.User
	tokens [nWho]string
	n      int
}

// cell is one fresh case with every caller in their place.
type cell struct {
	id                         string
	owner, collab, finder, tsk int64
	file, pkg                  int64
}

func newMatrix(t *testing.T, d *db.DB) *matrix {
	m := &matrix{ta: testapp.New(t, d)}
	roles := [nWho]authz.Role{outsider: authz.RoleMember, ownerNotReadIn: authz.RoleMember, collabReadIn: authz.RoleMember, finder: authz.RoleMember,
		responder: authz.RoleResponder, admin: authz.RoleAdmin, pgm: authz.RolePgM}
	for w := outsider; w < nWho; w++ {
		m.users[w] = m.ta.User(roles[w])
		m.tokens[w] = m.ta.Token(m.users[w])
	}
	return m
}

func (m *matrix) newCell(t *testing.T) cell {
	t.Helper()
	ctx := context.Background()
	sys := authz.System("matrix")
	m.n++
	rep, _, err := m.ta.App.Intake.Submit(ctx, m.users[finder].Actor(), intake.SourceAPI, intake.Submission{Summary: fmt.Sprintf("Matrix bug %d", m.n),
		Details: "A crafted frame frees the buffer twice.", Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "Go", Name: "example.org/wsock"}, Versions: []string{"1.4.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.ta.App.Cases.Open(ctx, sys, cases.NewCase{ReportID: rep.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	var out cell
	out.id = c.PublicID
	out.pkg = c.Packages[0].ID
	for _, p := range c.Participants {
		if p.Role == "finder" {
			out.finder = p.ID
		}
	}
	o, err := m.ta.App.Cases.AddParticipant(ctx, sys, c.PublicID, cases.NewParticipant{Email: m.users[ownerNotReadIn].Email, Role: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	co, err := m.ta.App.Cases.AddParticipant(ctx, sys, c.PublicID, cases.NewParticipant{Email: m.users[collabReadIn].Email, Role: "collaborator"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.ta.App.Cases.ReadIn(ctx, m.users[collabReadIn].Actor(), c.PublicID); err != nil {
		t.Fatal(err)
	}
	tk, err := m.ta.App.Cases.AddTask(ctx, sys, c.PublicID, cases.NewCaseTask{Title: "Write the advisory"})
	if err != nil {
		t.Fatal(err)
	}
	at, err := m.ta.App.Cases.Attach(ctx, sys, c.PublicID, []intake.Upload{{Filename: "poc.txt", Data: []byte("poc")}})
	if err != nil {
		t.Fatal(err)
	}
	out.owner, out.collab, out.tsk, out.file = o.ID, co.ID, tk.ID, at[0].ID
	return out
}

// self is the participant id of a caller, or the owner's for the team.
func (c cell) self(w who) int64 {
	switch w {
	case collabReadIn:
		return c.collab
	case finder:
		return c.finder
	}
	return c.owner
}

func (c cell) fill(path string, w who) string {
	r := strings.NewReplacer("{id}", c.id, "{participant}", strconv.FormatInt(c.self(w), 10), "{pid}", strconv.FormatInt(c.self(w), 10),
		"{task}", strconv.FormatInt(c.tsk, 10), "{vuln}", "V1", "{format}", "osv", "{file}", strconv.FormatInt(c.file, 10),
		"{package}", strconv.FormatInt(c.pkg, 10), "{pkg}", strconv.FormatInt(c.pkg, 10))
	return r.Replace(path)
}

const futurePD = "2026-04-14T15:00:00+02:00" // the fake clock starts 2026-03-02

func apiBody(route string, c cell, w who, n int) any {
	staff := w == responder || w == admin
	switch route {
	case "POST /api/v1/cases":
		return map[string]any{"title": fmt.Sprintf("Opened directly %d", n)}
	case "PATCH /api/v1/cases/{id}":
		return map[string]any{"phase": "patch"}
	case "POST /api/v1/cases/{id}/participants":
		return map[string]any{"email": fmt.Sprintf("new-%d@example.org", n), "role": "downstream"}
	case "PATCH /api/v1/cases/{id}/participants/{participant}":
		return map[string]any{"tracking_id": fmt.Sprintf("THEIRS-%d", n)}
	case "POST /api/v1/cases/{id}/read-in":
		return map[string]any{}
	case "POST /api/v1/cases/{id}/embargo":
		return map[string]any{"action": "propose", "public_date": futurePD}
	case "POST /api/v1/cases/{id}/embargo-break":
		return map[string]any{"reason": "posted on a public list"}
	case "POST /api/v1/cases/{id}/early-release":
		return map[string]any{"reason": "the fix shipped early"}
	case "POST /api/v1/cases/{id}/close", "POST /api/v1/cases/{id}/reopen":
		return map[string]any{"reason": "done"}
	case "POST /api/v1/cases/{id}/facts":
		return map[string]any{"vendor_aware": true}
	case "POST /api/v1/cases/{id}/vulnerabilities":
		return map[string]any{"title": "A second flaw", "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
	case "POST /api/v1/cases/{id}/vulnerabilities/{vuln}/status":
		b := map[string]any{"status": "under_investigation"}
		if staff {
			b["participant_id"] = c.owner
		}
		return b
	case "POST /api/v1/cases/{id}/packages":
		return map[string]any{"ecosystem": "Go", "name": "example.org/other", "purl": "pkg:golang/example.org/other"}
	case "POST /api/v1/cases/{id}/posts":
		return map[string]any{"body": "hello"}
	case "PUT /api/v1/cases/{id}/packages/{package}":
		return map[string]any{"ecosystem": "Go", "name": "example.org/wsock", "versions": []string{"1.4.0", "1.4.1"}}
	case "POST /api/v1/cases/{id}/tasks":
		return map[string]any{"title": "Check the backport"}
	case "POST /api/v1/cases/{id}/notifications":
		return map[string]any{"to": map[string]any{"orgs": []int64{999999}}, "subject": "Notice", "body": "Details"}
	case "POST /api/v1/cases/{id}/orgs":
		return map[string]any{"orgs": []int64{999999}}
	case "PATCH /api/v1/cases/{id}/tasks/{task}":
		return map[string]any{"done": true}
	case "POST /api/v1/cases/{id}/playbooks":
		return map[string]any{"doc_id": 999999}
	case "POST /api/v1/webhooks":
		return map[string]any{"organisation": "Example Org", "url": "https://hooks.example.org/sirt"}
	}
	return nil
}

func htmlForm(route string, c cell, w who, n int) url.Values {
	staff := w == responder || w == admin
	switch route {
	case "POST /cases":
		return url.Values{"title": {fmt.Sprintf("Opened on the page %d", n)}}
	case "POST /cases/{id}/read-in":
		return url.Values{"accept": {"on"}}
	case "POST /cases/{id}/participants":
		return url.Values{"email": {fmt.Sprintf("web-%d@example.org", n)}, "role": {"observer"}}
	case "POST /cases/{id}/participants/{pid}":
		return url.Values{"tracking_id": {"MINE-1"}}
	case "POST /cases/{id}/embargo":
		return url.Values{"action": {"propose"}, "public_date": {"2026-04-14T15:00"}, "public_date_zone": {"Europe/Berlin"}}
	case "POST /cases/{id}/facts":
		return url.Values{"vendor_aware": {"on"}}
	case "POST /cases/{id}/break":
		return url.Values{"reason": {"leaked"}}
	case "POST /cases/{id}/release":
		return url.Values{"reason": {"fix shipped"}}
	case "POST /cases/{id}/close", "POST /cases/{id}/reopen":
		return url.Values{"reason": {"done"}}
	case "POST /cases/{id}/posts":
		return url.Values{"body": {"hi"}, "thread": {"shared"}}
	case "POST /cases/{id}/vulnerabilities":
		return url.Values{"title": {"Another"}}
	case "POST /cases/{id}/status":
		f := url.Values{"vulnerability": {"V1"}, "status": {"affected"}}
		if staff {
			f.Set("participant_id", strconv.FormatInt(c.owner, 10))
		}
		return f
	case "POST /cases/{id}/packages":
		return url.Values{"ecosystem": {"npm"}, "name": {"left-pad"}, "introduced": {"0"}, "fixed": {"1.3.1"}}
	case "POST /cases/{id}/tasks":
		return url.Values{"title": {"Task"}}
	case "POST /cases/{id}/tasks/{task}":
		return url.Values{"done": {"on"}}
	case "POST /cases/{id}/files":
		return url.Values{} // no file: the allowed get 422, which is still past authorization
	}
	return url.Values{}
}

func TestCaseAuthorizationMatrix(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		m := newMatrix(t, d)
		var bad []string
		observed := map[string]row{}
		// API: every operation of the document under /cases or /webhooks.
		var routes []string
		for p, item := range m.ta.Server.API.OpenAPI().Paths {
			if !strings.HasPrefix(p, "/api/v1/cases") && !strings.HasPrefix(p, "/api/v1/webhooks") {
				continue
			}
			for meth, op := range map[string]bool{"GET": item.Get != nil, "POST": item.Post != nil, "PATCH": item.Patch != nil, "PUT": item.Put != nil, "DELETE": item.Delete != nil} {
				if op {
					routes = append(routes, meth+" "+p)
				}
			}
		}
		sort.Strings(routes)
		for _, route := range routes {
			want, ok := apiRows[route]
			if !ok {
				bad = append(bad, "API route "+route+" has no row in apiRows")
			}
			method, path, _ := strings.Cut(route, " ")
			var got row
			for w := anon; w < nWho; w++ {
				c := m.newCell(t)
				m.n++
				res := m.ta.API(method, c.fill(path, w), m.tokens[w], apiBody(route, c, w, m.n))
				got[w] = res.StatusCode
				if res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
					bad = append(bad, fmt.Sprintf("%s as %s: %d is not problem+json", route, whoNames[w], res.StatusCode))
				}
				if res.StatusCode >= 500 {
					bad = append(bad, fmt.Sprintf("%s as %s: %d: %.300s", route, whoNames[w], res.StatusCode, res.Body))
				}
				if res.StatusCode == 404 && strings.Contains(string(res.Body), "Matrix bug") {
					bad = append(bad, fmt.Sprintf("%s as %s: a 404 carries the case's content", route, whoNames[w]))
				}
				if w == ownerNotReadIn && res.StatusCode < 300 && !strings.HasSuffix(path, "/read-in") && strings.Contains(string(res.Body), "crafted frame") {
					bad = append(bad, fmt.Sprintf("%s as %s: content before read-in", route, whoNames[w]))
				}
			}
			observed[route] = got
			if ok && got != want {
				bad = append(bad, fmt.Sprintf("%s: got %v, want %v", route, got, want))
			}
		}
		for r := range apiRows {
			if _, ok := observed[r]; !ok {
				bad = append(bad, "apiRows has "+r+", which is not in the OpenAPI document")
			}
		}
		// HTML: the patterns of web/cases.go.
		for _, route := range casePatterns(t) {
			want, ok := htmlRows[route]
			if !ok {
				bad = append(bad, "page "+route+" has no row in htmlRows")
			}
			method, path, _ := strings.Cut(route, " ")
			var got row
			for w := anon; w < nWho; w++ {
				c := m.newCell(t)
				m.n++
				b := m.ta.Browser()
				if w != anon {
					b.SignIn(m.users[w])
				}
				var res *testapp.Response
				if method == "POST" {
					form := htmlForm(route, c, w, m.n)
					if w != anon {
						form.Set("csrf", b.CSRF())
					}
					res = b.Post(c.fill(path, w), form)
				} else {
					res = b.Get(c.fill(path, w))
				}
				got[w] = res.StatusCode
				if res.StatusCode >= 500 {
					bad = append(bad, fmt.Sprintf("%s as %s: %d: %.300s", route, whoNames[w], res.StatusCode, res.Body))
				}
				if w == ownerNotReadIn && !strings.HasSuffix(path, "/read-in") && strings.Contains(string(res.Body), "crafted frame") {
					bad = append(bad, fmt.Sprintf("%s as %s: content before read-in", route, whoNames[w]))
				}
			}
			observed[route] = got
			if ok && got != want {
				bad = append(bad, fmt.Sprintf("%s: got %v, want %v", route, got, want))
			}
		}
		for r := range htmlRows {
			if _, ok := observed[r]; !ok {
				bad = append(bad, "htmlRows has "+r+", which no handler registers")
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			var obs []string
			for r, s := range observed {
				obs = append(obs, fmt.Sprintf("%q: %v,", r, s))
			}
			sort.Strings(obs)
			t.Fatalf("case authorization matrix (%v):\n  %s\n\nobserved:\n%s", whoNames, strings.Join(bad, "\n  "), strings.Join(obs, "\n"))
		}
	})
}
