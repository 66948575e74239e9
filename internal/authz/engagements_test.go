package authz_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// The engagements area: staff read, the programme manager and admins plan, the buddy
// and backup work; members and the public learn nothing (404).
func TestEngagementAccess(t *testing.T) {
	buddy := authz.User(30, "buddy@example.org", authz.RoleResponder)
	backup := authz.User(31, "backup@example.org", authz.RoleResponder)
	e := authz.Engagement{BuddyID: 30, BackupID: 31}
	cases := []struct {
		a          authz.Actor
		view, mgmt outcome // global
		read, work outcome // on e
	}{
		{anonymous, unauth, unauth, notFound, notFound},
		{member, notFound, notFound, notFound, notFound},
		{responder, ok, forbidden, ok, forbidden},
		{buddy, ok, forbidden, ok, ok},
		{backup, ok, forbidden, ok, ok},
		{pgm, ok, ok, ok, ok},
		{admin, ok, ok, ok, ok},
		{system, ok, ok, ok, ok},
	}
	for _, c := range cases {
		got := []outcome{outcomeOf(authz.Can(c.a, authz.ViewEngagements, nil)), outcomeOf(authz.Can(c.a, authz.ManageEngagements, nil)),
			outcomeOf(authz.Can(c.a, authz.ReadEngagement, e)), outcomeOf(authz.Can(c.a, authz.WorkEngagement, &e))}
		want := []outcome{c.view, c.mgmt, c.read, c.work}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: %v, want %v (view, manage, read, work)", c.a.Label(), got, want)
				break
			}
		}
	}
	// A read-only token reads and does not act.
	ro := buddy
	ro.Scopes = []authz.TokenScope{authz.ScopeRead}
	if authz.Can(ro, authz.ReadEngagement, e) != nil || outcomeOf(authz.Can(ro, authz.WorkEngagement, e)) != forbidden {
		t.Error("read-only token of the buddy")
	}
	if !authz.IsWrite(authz.WorkEngagement) || !authz.IsWrite(authz.ManageEngagements) || authz.IsWrite(authz.ViewEngagements) {
		t.Error("engagement write actions")
	}
	if err := authz.Can(pgm, authz.ReadCase, e); err == nil {
		t.Error("a case action on an engagement was allowed")
	}
}

// Scope agrees with Can for engagements and projects, on both databases.
func TestEngagementScopeMatchesCan(t *testing.T) {
	check := func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		exec(t, d, "CREATE TABLE engagements (id BIGINT PRIMARY KEY, buddy_id BIGINT, backup_id BIGINT)")
		exec(t, d, "CREATE TABLE eng_projects (id BIGINT PRIMARY KEY)")
		rows := []authz.Engagement{{BuddyID: 3}, {BuddyID: 4, BackupID: 3}, {BuddyID: 9}}
		for i, e := range rows {
			exec(t, d, "INSERT INTO engagements (id, buddy_id, backup_id) VALUES (?, ?, ?)", i+1, e.BuddyID, e.BackupID)
			exec(t, d, "INSERT INTO eng_projects (id) VALUES (?)", i+1)
		}
		list := func(table string, f db.Filter) []int64 {
			ids, err := db.Int64s(ctx, d.Read(), "SELECT id FROM "+table+" WHERE 1 = 1"+f.Where()+" ORDER BY id", f.Args...)
			if err != nil {
				t.Fatalf("%s %q: %v", table, f.SQL, err)
			}
			return ids
		}
		for _, a := range []authz.Actor{anonymous, admin, pgm, responder, member, system} {
			var want, wantP []int64
			for i, e := range rows {
				if authz.Can(a, authz.ReadEngagement, e) == nil {
					want = append(want, int64(i+1))
				}
				if authz.Can(a, authz.ViewEngagements, nil) == nil {
					wantP = append(wantP, int64(i+1))
				}
			}
			same(t, a, "engagements", list("engagements", authz.Scope(a, authz.KindEngagement)), want)
			same(t, a, "projects", list("eng_projects", authz.Scope(a, authz.KindProject)), wantP)
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
		exec(t, d0, "CREATE SCHEMA engscope")
		d0.Close()
		d, err := db.Open(context.Background(), db.Options{DSN: full + "&search_path=engscope", MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		check(t, d)
	})
}
