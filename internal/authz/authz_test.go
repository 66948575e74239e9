package authz_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

var (
	anonymous = authz.Anonymous()
	admin     = authz.User(1, "admin@example.org", authz.RoleAdmin)
	pgm       = authz.User(2, "pgm@example.org", authz.RolePgM)
	responder = authz.User(3, "responder@example.org", authz.RoleResponder)
	member    = authz.User(4, "member@example.org", authz.RoleMember)
	system    = authz.System("test")
)

// outcome names what Can returns, for readable tables.
type outcome string

const (
	ok        outcome = "ok"
	unauth    outcome = "unauthenticated"
	forbidden outcome = "forbidden"
	notFound  outcome = "not-found"
	readIn    outcome = "read-in-required"
)

func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return ok
	case errors.Is(err, authz.ErrUnauthenticated):
		return unauth
	case errors.Is(err, authz.ErrReadInRequired):
		return readIn
	case errors.Is(err, authz.ErrForbidden):
		return forbidden
	case errors.Is(err, authz.ErrNotFound):
		return notFound
	}
	return outcome("error: " + err.Error())
}

func TestGlobalActions(t *testing.T) {
	// Which roles may do each global action; everyone else signed in is forbidden and
	// the anonymous are asked to sign in.
	allowed := map[authz.Action][]authz.Role{
		authz.ViewDashboard:  {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.ManageUsers:    {authz.RoleAdmin},
		authz.ManageSettings: {authz.RoleAdmin},
		authz.ViewJobs:       {authz.RoleAdmin},
		authz.ManageJobs:     {authz.RoleAdmin},
		authz.ViewAudit:      {authz.RoleAdmin, authz.RolePgM},
		authz.ManageOwnAcct:  {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder, authz.RoleMember},
		authz.ViewProgramme:  {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.EditProgramme:  {authz.RoleAdmin, authz.RolePgM},
		authz.LogHours:       {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.ListReports:    {authz.RoleAdmin, authz.RoleResponder},
		authz.CreateCase:     {authz.RoleAdmin, authz.RoleResponder, authz.RoleMember},
		authz.ListAdvisories: {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.ImportAdvisory: {authz.RoleAdmin, authz.RoleResponder},
	}
	for action, roles := range allowed {
		for _, a := range []authz.Actor{admin, pgm, responder, member} {
			want := forbidden
			for _, r := range roles {
				if r == a.Role {
					want = ok
				}
			}
			if got := outcomeOf(authz.Can(a, action, nil)); got != want {
				t.Errorf("%s %s: %s, want %s", a.Role, action, got, want)
			}
			// A read-only token keeps reads and loses writes.
			ro := a
			ro.Scopes = []authz.TokenScope{authz.ScopeRead}
			wantRO := want
			if authz.IsWrite(action) {
				wantRO = forbidden
			}
			if got := outcomeOf(authz.Can(ro, action, nil)); got != wantRO {
				t.Errorf("%s read-only token %s: %s, want %s", a.Role, action, got, wantRO)
			}
			// A write-only token is an odd choice but reads nothing extra.
			rw := a
			rw.Scopes = []authz.TokenScope{authz.ScopeRead, authz.ScopeWrite}
			if got := outcomeOf(authz.Can(rw, action, nil)); got != want {
				t.Errorf("%s read+write token %s: %s, want %s", a.Role, action, got, want)
			}
		}
		if got := outcomeOf(authz.Can(anonymous, action, nil)); got != unauth {
			t.Errorf("anonymous %s: %s, want unauthenticated", action, got)
		}
		if err := authz.Can(system, action, nil); err != nil {
			t.Errorf("system %s: %v", action, err)
		}
	}
	if err := authz.Can(admin, authz.ReadCase, nil); err == nil {
		t.Error("an object action with no object was allowed")
	}
	if err := authz.Can(admin, authz.ViewDashboard, 42); err == nil {
		t.Error("an unknown object type was allowed")
	}
}

var caseActions = []authz.Action{authz.ReadCaseMeta, authz.ReadIn, authz.ReadCase, authz.PostShared, authz.ReadInternal, authz.CoordinateCase}

// participantOutcomes: what a participant who is not SIRT staff gets, by case role and
// read-in state, for caseActions in order.
func participantOutcomes(role authz.CaseRole, isReadIn bool) []outcome {
	switch {
	case role == authz.CaseCoordinator:
		return []outcome{ok, ok, ok, ok, ok, ok}
	case role == authz.CaseFinder: // the finder needs no read-in: it is their report
		return []outcome{ok, ok, ok, ok, forbidden, forbidden}
	case !isReadIn:
		return []outcome{ok, ok, readIn, readIn, forbidden, forbidden}
	case role == authz.CaseObserver:
		return []outcome{ok, ok, ok, forbidden, forbidden, forbidden}
	default:
		return []outcome{ok, ok, ok, ok, forbidden, forbidden}
	}
}

func TestCaseAccess(t *testing.T) {
	type membership struct {
		name string
		m    *authz.Membership
	}
	ms := []membership{{"non-member", nil}}
	for _, r := range authz.CaseRoles {
		ms = append(ms, membership{string(r) + " not read in", &authz.Membership{Role: r}},
			membership{string(r) + " read in", &authz.Membership{Role: r, ReadIn: true}})
	}
	for _, embargoed := range []bool{true, false} {
		for _, a := range []authz.Actor{anonymous, admin, pgm, responder, member} {
			for _, m := range ms {
				c := authz.Case{Embargoed: embargoed, Member: m.m}
				var want []outcome
				switch {
				case a.IsAnonymous():
					want = []outcome{notFound, notFound, notFound, notFound, notFound, notFound}
				case a.Role == authz.RoleAdmin || a.Role == authz.RoleResponder:
					want = []outcome{ok, ok, ok, ok, ok, ok}
				case m.m == nil && a.Role == authz.RolePgM:
					want = []outcome{ok, notFound, notFound, notFound, notFound, notFound} // metrics name cases
				case m.m == nil:
					want = []outcome{notFound, notFound, notFound, notFound, notFound, notFound}
				default:
					want = participantOutcomes(m.m.Role, m.m.ReadIn)
				}
				for i, action := range caseActions {
					got := outcomeOf(authz.Can(a, action, c))
					if got != want[i] {
						t.Errorf("%s as %s (embargoed=%v) %s: %s, want %s", a.Label(), m.name, embargoed, action, got, want[i])
					}
					if ptr := outcomeOf(authz.Can(a, action, &c)); ptr != got {
						t.Errorf("*Case and Case disagree for %s %s", a.Label(), action)
					}
				}
			}
		}
	}
}

func TestReportAccess(t *testing.T) {
	finderMember := authz.User(40, "finder@example.org", authz.RoleMember)
	rep := authz.Report{ReporterUserID: 40}
	cases := []struct {
		a                   authz.Actor
		read, reply, triage outcome
	}{
		{anonymous, notFound, notFound, notFound},
		{admin, ok, ok, ok},
		{responder, ok, ok, ok},
		{pgm, notFound, notFound, notFound},
		{member, notFound, notFound, notFound},
		{finderMember, ok, ok, forbidden},
	}
	for _, c := range cases {
		for action, want := range map[authz.Action]outcome{authz.ReadReport: c.read, authz.ReplyReport: c.reply, authz.TriageReport: c.triage} {
			if got := outcomeOf(authz.Can(c.a, action, rep)); got != want {
				t.Errorf("%s %s: %s, want %s", c.a.Label(), action, got, want)
			}
		}
	}
	// A report from a finder without an account is nobody's but the team's.
	if err := authz.Can(member, authz.ReadReport, authz.Report{}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("member reading an anonymous report: %v", err)
	}
}

func TestAdvisoryAccess(t *testing.T) {
	readInCase := &authz.Case{Embargoed: true, Member: &authz.Membership{Role: authz.CaseOwner, ReadIn: true}}
	notReadIn := &authz.Case{Embargoed: true, Member: &authz.Membership{Role: authz.CaseOwner}}
	author := authz.User(50, "author@example.org", authz.RoleResponder)
	draft := authz.Advisory{AuthorID: 50}
	cases := []struct {
		name string
		a    authz.Actor
		adv  authz.Advisory
		act  authz.Action
		want outcome
	}{
		{"published is public", anonymous, authz.Advisory{Published: true}, authz.ReadAdvisory, ok},
		{"draft hidden from the public", anonymous, draft, authz.ReadAdvisory, notFound},
		{"draft hidden from members", member, draft, authz.ReadAdvisory, notFound},
		{"imported draft read by pgm", pgm, draft, authz.ReadAdvisory, ok},
		{"case draft hidden from pgm (case metadata only)", pgm, authz.Advisory{Case: &authz.Case{Embargoed: true}}, authz.ReadAdvisory, notFound},
		{"case draft read by pgm read in", pgm, authz.Advisory{Case: readInCase}, authz.ReadAdvisory, ok},
		{"case draft read by admin", admin, authz.Advisory{Case: &authz.Case{Embargoed: true}}, authz.ReadAdvisory, ok},
		{"draft read by responder", responder, draft, authz.ReadAdvisory, ok},
		{"draft read by read-in owner", member, authz.Advisory{Case: readInCase}, authz.ReadAdvisory, ok},
		{"draft of a case not read into does not exist", member, authz.Advisory{Case: notReadIn}, authz.ReadAdvisory, notFound},
		{"draft of a case not read into: edit does not exist", member, authz.Advisory{Case: notReadIn}, authz.EditAdvisory, notFound},
		{"draft of another case does not exist", member, authz.Advisory{Case: &authz.Case{Embargoed: true}}, authz.ReadAdvisory, notFound},
		{"owner may not edit", member, authz.Advisory{Case: readInCase}, authz.EditAdvisory, forbidden},
		{"stranger may not know", member, authz.Advisory{}, authz.EditAdvisory, notFound},
		{"responder edits", responder, draft, authz.EditAdvisory, ok},
		{"pgm may not edit", pgm, draft, authz.EditAdvisory, notFound},
		{"second responder approves", responder, draft, authz.ApproveAdvisory, ok},
		{"author may not approve", author, draft, authz.ApproveAdvisory, forbidden},
		{"owner may not approve", member, authz.Advisory{Case: readInCase}, authz.ApproveAdvisory, forbidden},
		{"anonymous may not edit", anonymous, authz.Advisory{Published: true}, authz.EditAdvisory, notFound},
	}
	for _, c := range cases {
		if got := outcomeOf(authz.Can(c.a, c.act, c.adv)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range authz.Roles {
		if got, err := authz.ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%s): %v %v", r, got, err)
		}
	}
	if _, err := authz.ParseRole("root"); err == nil {
		t.Error("ParseRole accepted root")
	}
}

// TestScopeMatchesCan checks the promise of Scope: a list filtered by it shows exactly
// the objects Can allows one by one. It runs the filters as SQL on both databases
// against minimal tables with the columns Scope refers to.
func TestScopeMatchesCan(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(t.TempDir(), "scope.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		checkScopes(t, d)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := dbtest.PostgresDSN(t)
		full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
		d0, err := db.Open(context.Background(), db.Options{DSN: full, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		exec(t, d0, "CREATE SCHEMA scopetest")
		d0.Close()
		// Our own tables in our own schema, whatever the migrations hold.
		d, err := db.Open(context.Background(), db.Options{DSN: full + "&search_path=scopetest", MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		checkScopes(t, d)
	})
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if err := d.InTx(context.Background(), func(tx db.Querier) error { _, err := tx.Exec(context.Background(), q, args...); return err }); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

type caseRow struct {
	id      int64
	members map[int64]*authz.Membership // by user id
}

func checkScopes(t *testing.T, d *db.DB) {
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE cases (id BIGINT PRIMARY KEY)",
		"CREATE TABLE case_members (case_id BIGINT NOT NULL, user_id BIGINT, case_role TEXT NOT NULL, read_in_at TIMESTAMP, removed_at TIMESTAMP)",
		"CREATE TABLE reports (id BIGINT PRIMARY KEY, reporter_user_id BIGINT)",
		"CREATE TABLE events (seq BIGINT PRIMARY KEY, case_id BIGINT)",
		"CREATE TABLE advisories (id BIGINT PRIMARY KEY, case_id BIGINT, published_at TIMESTAMP)",
	} {
		exec(t, d, q)
	}
	owner2 := authz.User(5, "owner2@example.org", authz.RoleMember)
	actors := []authz.Actor{anonymous, admin, pgm, responder, member, owner2, system}
	// Case i, and the memberships of member (4), pgm (2) and owner2 (5).
	cases := []caseRow{
		{1, map[int64]*authz.Membership{4: {Role: authz.CaseCoordinator}}},
		{2, map[int64]*authz.Membership{4: {Role: authz.CaseFinder}}},
		{3, map[int64]*authz.Membership{4: {Role: authz.CaseOwner}, 2: {Role: authz.CaseCollaborator, ReadIn: true}}},
		{4, map[int64]*authz.Membership{4: {Role: authz.CaseOwner, ReadIn: true}}},
		{5, map[int64]*authz.Membership{4: {Role: authz.CaseObserver, ReadIn: true}, 5: {Role: authz.CaseDownstream}}},
		{6, map[int64]*authz.Membership{5: {Role: authz.CaseOwner, ReadIn: true}}},
		{7, nil},
	}
	for _, c := range cases {
		exec(t, d, "INSERT INTO cases (id) VALUES (?)", c.id)
		exec(t, d, "INSERT INTO events (seq, case_id) VALUES (?, ?)", c.id, c.id)
		exec(t, d, "INSERT INTO advisories (id, case_id, published_at) VALUES (?, ?, NULL)", c.id, c.id)
		for uid, m := range c.members {
			var at any
			if m.ReadIn {
				at = "2026-03-01 00:00:00"
			}
			exec(t, d, "INSERT INTO case_members (case_id, user_id, case_role, read_in_at) VALUES (?, ?, ?, ?)", c.id, uid, string(m.Role), at)
		}
	}
	// member (4) was removed from case 7: a removed participant sees nothing of it.
	exec(t, d, "INSERT INTO case_members (case_id, user_id, case_role, read_in_at, removed_at) VALUES (7, 4, 'owner', '2026-03-01 00:00:00', '2026-03-02 00:00:00')")
	exec(t, d, "INSERT INTO events (seq, case_id) VALUES (100, NULL)")                                         // a non-case event (user admin)
	exec(t, d, "INSERT INTO advisories (id, case_id, published_at) VALUES (100, NULL, '2026-03-01 00:00:00')") // published, imported
	exec(t, d, "INSERT INTO advisories (id, case_id, published_at) VALUES (101, 4, '2026-03-01 00:00:00')")    // published from case 4
	exec(t, d, "INSERT INTO reports (id, reporter_user_id) VALUES (1, 4), (2, 5), (3, NULL)")

	list := func(table, key string, f db.Filter) []int64 {
		rows, err := d.Read().Query(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE 1 = 1%s ORDER BY %s", key, table, f.Where(), key), f.Args...)
		if err != nil {
			t.Fatalf("%s with %q: %v", table, f.SQL, err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	caseOf := func(a authz.Actor, id int64) authz.Case {
		for _, c := range cases {
			if c.id == id {
				return authz.Case{Embargoed: true, Member: c.members[a.UserID]}
			}
		}
		return authz.Case{}
	}
	for _, a := range actors {
		var want []int64
		// Cases: the list is what ReadCaseMeta allows.
		for _, c := range cases {
			if authz.Can(a, authz.ReadCaseMeta, caseOf(a, c.id)) == nil {
				want = append(want, c.id)
			}
		}
		same(t, a, "cases", list("cases", "id", authz.Scope(a, authz.KindCase)), want)

		// Events: a case's events need ReadCase; non-case events are for staff.
		want = nil
		for _, c := range cases {
			if authz.Can(a, authz.ReadCase, caseOf(a, c.id)) == nil {
				want = append(want, c.id)
			}
		}
		if a.IsSystem() || a.Role == authz.RoleAdmin || a.Role == authz.RolePgM || a.Role == authz.RoleResponder {
			want = append(want, 100)
		}
		same(t, a, "events", list("events", "seq", authz.Scope(a, authz.KindEvent)), want)

		// Advisories: what ReadAdvisory allows.
		want = nil
		for _, c := range cases {
			cc := caseOf(a, c.id)
			if authz.Can(a, authz.ReadAdvisory, authz.Advisory{Case: &cc}) == nil {
				want = append(want, c.id)
			}
		}
		want = append(want, 100, 101)
		got := list("advisories", "id", authz.Scope(a, authz.KindAdvisory))
		same(t, a, "advisories", got, want)
		// And per role, spelt out: unpublished advisories of a case go exactly to those
		// who read the case's content (a programme manager only to case 3, read in).
		wantAdv := map[string]string{
			"anonymous":             "[100 101]",
			"admin@example.org":     "[1 2 3 4 5 6 7 100 101]",
			"responder@example.org": "[1 2 3 4 5 6 7 100 101]",
			"pgm@example.org":       "[3 100 101]",
			"member@example.org":    "[1 2 4 5 100 101]",
			"owner2@example.org":    "[6 100 101]",
			"system:test":           "[1 2 3 4 5 6 7 100 101]",
		}[a.Label()]
		if fmt.Sprint(got) != wantAdv {
			t.Errorf("%s lists advisories %v, want %s", a.Label(), got, wantAdv)
		}

		// Reports: what ReadReport allows.
		want = nil
		for id, reporter := range map[int64]int64{1: 4, 2: 5, 3: 0} {
			if authz.Can(a, authz.ReadReport, authz.Report{ReporterUserID: reporter}) == nil {
				want = append(want, id)
			}
		}
		same(t, a, "reports", list("reports", "id", authz.Scope(a, authz.KindReport)), want)
	}
	if f := authz.Scope(member, authz.Kind("unknown")); f.SQL != db.None.SQL {
		t.Errorf("unknown kind: %q, want none", f.SQL)
	}
}

func same(t *testing.T, a authz.Actor, what string, got, want []int64) {
	t.Helper()
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s lists %s %v, but Can allows %v", a.Label(), what, got, want)
	}
}

func TestCanSeeEvent(t *testing.T) {
	const me, other = 10, 11
	readInOwner := &authz.Membership{Role: authz.CaseOwner, ReadIn: true, ParticipantID: me, SeesParties: true}
	readInDown := &authz.Membership{Role: authz.CaseDownstream, ReadIn: true, ParticipantID: me}
	notReadIn := &authz.Membership{Role: authz.CaseDownstream, ParticipantID: me}
	cases := []struct {
		name string
		a    authz.Actor
		m    *authz.Membership
		ev   authz.CaseEvent
		want bool
	}{
		{"responder sees internal notes", responder, nil, authz.CaseEvent{Action: "case.post.internal"}, true},
		{"admin sees private threads", admin, nil, authz.CaseEvent{Action: "case.post.private", Party: other}, true},
		{"system sees all", system, nil, authz.CaseEvent{Action: "case.post.internal"}, true},
		{"pgm not read in sees nothing", pgm, nil, authz.CaseEvent{Action: "case.updated"}, false},
		{"stranger sees nothing", member, nil, authz.CaseEvent{Action: "case.updated"}, false},
		{"anonymous sees nothing", anonymous, nil, authz.CaseEvent{Action: "case.opened"}, false},
		{"party sees case-wide events", member, readInDown, authz.CaseEvent{Action: "case.updated"}, true},
		{"party not read in sees nothing", member, notReadIn, authz.CaseEvent{Action: "case.updated"}, false},
		{"party never sees internal notes", member, readInOwner, authz.CaseEvent{Action: "case.post.internal"}, false},
		{"party never sees admin reads", member, readInOwner, authz.CaseEvent{Action: "case.content_read"}, false},
		{"party sees own private thread", member, readInDown, authz.CaseEvent{Action: "case.post.private", Party: me}, true},
		{"party never sees another's private thread", member, readInOwner, authz.CaseEvent{Action: "case.post.private", Party: other}, false},
		{"party never sees another's status", member, readInOwner, authz.CaseEvent{Action: "case.status", Party: other}, false},
		{"party never sees another's record", member, readInOwner, authz.CaseEvent{Action: "case.participant.updated", Party: other}, false},
		{"party sees own record", member, readInDown, authz.CaseEvent{Action: "case.participant.updated", Party: me}, true},
		{"owner sees another party join", member, readInOwner, authz.CaseEvent{Action: "case.participant.added", Party: other}, true},
		{"downstream does not see another party join", member, readInDown, authz.CaseEvent{Action: "case.participant.added", Party: other}, false},
		{"party sees the embargo", member, readInDown, authz.CaseEvent{Action: "case.embargo.accept", Party: other}, true},
		{"party sees the case's advisory work", member, readInDown, authz.CaseEvent{Action: "advisory.created"}, true},
		{"party never sees the team's other events", member, readInDown, authz.CaseEvent{Action: "report.triaged"}, false},
		{"coordinator sees another party's status", member, &authz.Membership{Role: authz.CaseCoordinator, ParticipantID: me}, authz.CaseEvent{Action: "case.status", Party: other}, true},
	}
	for _, c := range cases {
		got := authz.CanSeeEvent(c.a, authz.Case{Embargoed: true, Member: c.m}, c.ev)
		if got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if c.m != nil && c.a.UserID == member.UserID && authz.PartySeesEvent(c.m, c.ev) != got {
			t.Errorf("%s: PartySeesEvent disagrees with CanSeeEvent", c.name)
		}
	}
}
