package advisory_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// TestSecurityTxtSignedWithExpiresSetting: security.txt is cleartext-signed with the
// team key, names the CSAF provider metadata, and expires when the admin said, the same
// bytes on every request; admins are warned before it expires.
func TestSecurityTxtSignedWithExpiresSetting(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		key, err := ta.App.GenerateTeamKey(ctx, authz.System("test"))
		if err != nil {
			t.Fatal(err)
		}
		admin := ta.User(authz.RoleAdmin)
		tok := ta.Token(admin)
		exp := ta.Clock.Now().AddDate(0, 6, 0).UTC().Truncate(time.Second)
		ta.API("PUT", "/api/v1/settings/publishing", tok, map[string]any{"securitytxt_expires": exp.Format(time.RFC3339),
			"cna_org_id": "B3476CB9-2E3D-41A6-98D0-0F47421A65B6", "cna_short_name": "OSS-SIRT"}).Want(t, 200)
		body := ta.Do(ta.NewRequest("GET", "/.well-known/security.txt", nil)).Want(t, 200).Body
		text, err := key.VerifyClearSigned(body)
		if err != nil {
			t.Fatalf("security.txt does not verify: %v\n%s", err, body)
		}
		for _, want := range []string{"Expires: " + exp.Format(time.RFC3339), "CSAF: " + ta.URL + "/.well-known/csaf/provider-metadata.json",
			"Contact: mailto:" + ta.App.Cfg.IntakeAddress} {
			if !strings.Contains(string(text), want+"\n") {
				t.Errorf("security.txt lacks %q:\n%s", want, text)
			}
		}
		ta.Clock.Advance(48 * time.Hour)
		if again := ta.Do(ta.NewRequest("GET", "/.well-known/security.txt", nil)).Want(t, 200).Body; !bytes.Equal(body, again) {
			t.Errorf("security.txt changed between requests")
		}
		var p struct {
			app.Publishing
			Warnings []string `json:"warnings"`
		}
		ta.API("GET", "/api/v1/settings/publishing", tok, nil).Want(t, 200).JSON(t, &p)
		if p.CNAOrgID != "b3476cb9-2e3d-41a6-98d0-0f47421a65b6" || p.CNAShortName != "OSS-SIRT" {
			t.Errorf("settings: %+v", p)
		}
		// Warned 30 days before it expires.
		ta.Clock.Set(exp.AddDate(0, 0, -10))
		ta.API("GET", "/api/v1/settings/publishing", tok, nil).Want(t, 200).JSON(t, &p)
		if !strings.Contains(strings.Join(p.Warnings, " "), "expires on "+exp.Format(time.DateOnly)) {
			t.Errorf("warnings 10 days before expiry: %v", p.Warnings)
		}
		// Bad input names the field; non-admins get 403.
		for field, v := range map[string]string{"cna_org_id": "00000000-0000-0000-0000-000000000000", "cna_short_name": "X",
			"securitytxt_expires": exp.AddDate(-2, 0, 0).Format(time.RFC3339)} {
			pr := ta.API("PUT", "/api/v1/settings/publishing", tok, map[string]any{field: v}).Want(t, 422).Problem(t)
			if !strings.Contains(pr.Text(), field) {
				t.Errorf("%s=%s refused with %q", field, v, pr.Text())
			}
		}
		ta.API("PUT", "/api/v1/settings/publishing", ta.Token(ta.User(authz.RoleResponder)), map[string]any{"cna_short_name": "EVIL"}).Want(t, 403)
		// The web form re-renders with the message.
		b := ta.Browser()
		b.SignIn(admin)
		r := b.Submit("/admin/publishing", url.Values{"cna_org_id": {"nope"}, "securitytxt_expires": {exp.Format(time.DateOnly)}})
		if r.StatusCode != 422 || !bytes.Contains(r.Body, []byte("not a version 4 UUID")) || !bytes.Contains(r.Body, []byte(`value="nope"`)) {
			t.Errorf("bad form: %d %.500s", r.StatusCode, r.Body)
		}
	})
}

// TestSecurityTxtWarnsUnroutableContact: a Contact at *.localhost is reported.
func TestSecurityTxtWarnsUnroutableContact(t *testing.T) {
	ta := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Config: func(c *config.Config) { c.IntakeAddress = "security@sirt.localhost" }})
	if w := strings.Join(ta.App.SecurityTxtWarnings(ctx), " "); !strings.Contains(w, "security@sirt.localhost") {
		t.Errorf("warnings: %q", w)
	}
	ta2 := testapp.NewWith(t, dbtest.NewSQLite(t), testapp.Options{Config: func(c *config.Config) { c.IntakeAddress = "security@oss-sirt.org" }})
	if w := ta2.App.SecurityTxtWarnings(ctx); len(w) != 0 {
		t.Errorf("warnings for a routable address: %q", w)
	}
}
