package authz_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

func TestPeopleGlobalActions(t *testing.T) {
	allowed := map[authz.Action][]authz.Role{
		authz.ViewRoster:        {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.ManageRoster:      {authz.RoleAdmin, authz.RolePgM},
		authz.ManageRecruitment: {authz.RoleAdmin, authz.RolePgM},
		authz.ListDocs:          {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.WriteDocs:         {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.ViewTraining:      {authz.RoleAdmin, authz.RolePgM, authz.RoleResponder},
		authz.ManageTraining:    {authz.RoleAdmin, authz.RolePgM},
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
			ro := a
			ro.Scopes = []authz.TokenScope{authz.ScopeRead}
			if authz.IsWrite(action) {
				want = forbidden
			}
			if got := outcomeOf(authz.Can(ro, action, nil)); got != want {
				t.Errorf("%s read-only %s: %s, want %s", a.Role, action, got, want)
			}
		}
		if got := outcomeOf(authz.Can(anonymous, action, nil)); got != unauth {
			t.Errorf("anonymous %s: %s", action, got)
		}
	}
}

func TestCandidateAndDocAccess(t *testing.T) {
	cases := []struct {
		a      authz.Actor
		action authz.Action
		obj    any
		want   outcome
	}{
		{pgm, authz.ReadCandidate, authz.Candidate{}, ok},
		{admin, authz.EditCandidate, &authz.Candidate{}, ok},
		{responder, authz.ReadCandidate, authz.Candidate{}, notFound},
		{member, authz.ReadCandidate, authz.Candidate{}, notFound},
		{anonymous, authz.ReadCandidate, authz.Candidate{}, notFound},
		{responder, authz.EditCandidate, authz.Candidate{}, notFound},
		{responder, authz.ReadDoc, authz.Doc{Kind: "playbook"}, ok},
		{pgm, authz.EditDoc, authz.Doc{Kind: "runbook"}, ok},
		{member, authz.ReadDoc, authz.Doc{Kind: "playbook"}, notFound},
		{anonymous, authz.ReadDoc, authz.Doc{Kind: "playbook"}, notFound},
		{anonymous, authz.ReadDoc, authz.Doc{Kind: "role"}, ok},
		{member, authz.ReadDoc, &authz.Doc{Kind: "role"}, ok},
		{member, authz.EditDoc, authz.Doc{Kind: "role"}, forbidden},
		{member, authz.EditDoc, authz.Doc{Kind: "playbook"}, notFound},
		{anonymous, authz.EditDoc, authz.Doc{Kind: "role"}, notFound},
		{system, authz.EditCandidate, authz.Candidate{}, ok},
	}
	for _, c := range cases {
		if got := outcomeOf(authz.Can(c.a, c.action, c.obj)); got != c.want {
			t.Errorf("%s %s %#v: %s, want %s", c.a.Label(), c.action, c.obj, got, c.want)
		}
	}
	if err := authz.Can(pgm, authz.ReadCase, authz.Candidate{}); err == nil {
		t.Error("a case action on a candidate was allowed")
	}
}

// Scope and Can agree for candidates and documents, on both databases.
func TestPeopleScopeMatchesCan(t *testing.T) {
	check := func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		exec(t, d, "CREATE TABLE candidates (id BIGINT PRIMARY KEY)")
		exec(t, d, "CREATE TABLE docs (id BIGINT PRIMARY KEY, kind TEXT NOT NULL)")
		exec(t, d, "INSERT INTO candidates (id) VALUES (1), (2)")
		kinds := map[int64]string{1: "playbook", 2: "role", 3: "runbook", 4: "role"}
		for id, k := range kinds {
			exec(t, d, "INSERT INTO docs (id, kind) VALUES (?, ?)", id, k)
		}
		list := func(table string, f db.Filter) []int64 {
			ids, err := db.Int64s(ctx, d.Read(), fmt.Sprintf("SELECT id FROM %s WHERE 1 = 1%s ORDER BY id", table, f.Where()), f.Args...)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		for _, a := range []authz.Actor{anonymous, admin, pgm, responder, member, system} {
			var want []int64
			for _, id := range []int64{1, 2} {
				if authz.Can(a, authz.ReadCandidate, authz.Candidate{}) == nil {
					want = append(want, id)
				}
			}
			same(t, a, "candidates", list("candidates", authz.Scope(a, authz.KindCandidate)), want)
			want = nil
			for _, id := range []int64{1, 2, 3, 4} {
				if authz.Can(a, authz.ReadDoc, authz.Doc{Kind: kinds[id]}) == nil {
					want = append(want, id)
				}
			}
			same(t, a, "docs", list("docs", authz.Scope(a, authz.KindDoc)), want)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(t.TempDir(), "scope.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		check(t, d)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := dbtest.PostgresDSN(t)
		full := dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
		d0, err := db.Open(context.Background(), db.Options{DSN: full, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		exec(t, d0, "CREATE SCHEMA peoplescope")
		d0.Close()
		d, err := db.Open(context.Background(), db.Options{DSN: full + "&search_path=peoplescope", MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		check(t, d)
	})
}
