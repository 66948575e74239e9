package authz_test

import (
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
)

// The dependency graph is the team's: staff read and import; members learn nothing (404).
func TestDepsAccess(t *testing.T) {
	cases := []struct {
		a             authz.Actor
		view, import_ outcome
	}{
		{anonymous, unauth, unauth},
		{member, notFound, notFound},
		{responder, ok, ok},
		{pgm, ok, ok},
		{admin, ok, ok},
		{system, ok, ok},
	}
	for _, c := range cases {
		if got := outcomeOf(authz.Can(c.a, authz.ViewDeps, nil)); got != c.view {
			t.Errorf("%s view: %v, want %v", c.a.Label(), got, c.view)
		}
		if got := outcomeOf(authz.Can(c.a, authz.ImportDeps, nil)); got != c.import_ {
			t.Errorf("%s import: %v, want %v", c.a.Label(), got, c.import_)
		}
	}
	ro := authz.User(responder.UserID, responder.Email, authz.RoleResponder)
	ro.Scopes = []authz.TokenScope{authz.ScopeRead}
	if authz.Can(ro, authz.ViewDeps, nil) != nil || outcomeOf(authz.Can(ro, authz.ImportDeps, nil)) != forbidden {
		t.Error("a read-only token reads the graph and does not import")
	}
}
