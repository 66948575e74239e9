package people_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/people"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// Responders keep their own profile; the programme manager keeps anyone's; the
// roster is for staff and filters by status, skill and ecosystem.
func TestRoster(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		alice, bob := ta.User(authz.RoleResponder), ta.User(authz.RoleResponder)
		member := ta.User(authz.RoleMember)
		atok, btok, ptok := ta.Token(alice), ta.Token(bob), ta.Token(ta.User(authz.RolePgM))
		profile := map[string]any{"skills": []string{"fuzzing", "triage", " triage "}, "ecosystems": []string{"PyPI", "npm"}, "languages": []string{"en", "de"},
			"time_zone": "Europe/Berlin", "availability": "Mon–Thu evenings", "status": "active", "organisation": "Example Foundation",
			"nda_version": "2", "nda_signed_on": "2026-01-15"}
		var p people.Profile
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", alice.ID), atok, profile).Want(t, 200).JSON(t, &p)
		if fmt.Sprint(p.Skills) != "[fuzzing triage]" || p.User.Email != alice.Email {
			t.Fatalf("profile: %+v", p)
		}
		// Bob may not edit Alice's profile; the programme manager may.
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", alice.ID), btok, profile).Want(t, 403)
		profile["status"] = "on_leave"
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", alice.ID), ptok, profile).Want(t, 200)
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", bob.ID), btok, map[string]any{"time_zone": "Asia/Tokyo", "status": "active", "ecosystems": []string{"Go"}}).Want(t, 200)
		// Members are not on the roster and may not read it.
		ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", member.ID), ptok, profile).Want(t, 404)
		ta.API("GET", "/api/v1/roster", ta.Token(member), nil).Want(t, 403)
		for q, want := range map[string]string{"": "2", "?status=active": bob.Email, "?skill=FUZZING": alice.Email, "?ecosystem=go": bob.Email} {
			var list struct {
				Items []people.Profile `json:"items"`
			}
			ta.API("GET", "/api/v1/roster"+q, btok, nil).Want(t, 200).JSON(t, &list)
			got := fmt.Sprint(len(list.Items))
			if want != "2" && len(list.Items) == 1 {
				got = list.Items[0].User.Email
			}
			if got != want {
				t.Errorf("roster%s: %s, want %s", q, got, want)
			}
		}
		for field, bad := range map[string]any{"time_zone": "Nowhere/Land", "status": "retired", "nda_signed_on": "last year", "skills[0]": []string{"a,b"}} {
			body := map[string]any{"time_zone": "UTC", "status": "active"}
			key := strings.TrimSuffix(field, "[0]")
			body[key] = bad
			p := ta.API("PUT", fmt.Sprintf("/api/v1/roster/%d", bob.ID), btok, body).Want(t, 422).Problem(t)
			if !strings.Contains(p.Text(), field) {
				t.Errorf("%s=%v: %s", field, bad, p.Text())
			}
		}
	})
}
