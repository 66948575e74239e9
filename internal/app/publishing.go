package app

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The publishing settings: what the team's public documents say about the team that
// the configuration does not (admin: /admin/publishing, GET/PUT /api/v1/settings/publishing).

// SettingSecurityTxtExpires is the Expires of security.txt (RFC 3339).
const SettingSecurityTxtExpires = "securitytxt.expires"

// Publishing are the publishing settings.
type Publishing struct {
	CNAOrgID     string `json:"cna_org_id,omitempty" doc:"The team's CNA organisation UUID (assignerOrgId of CVE records)."`
	CNAShortName string `json:"cna_short_name,omitempty" doc:"The team's CNA short name (assignerShortName), 2 to 32 characters."`
	CVEServices  bool   `json:"cve_services,omitempty" doc:"Reserve CVE ids through the configured CVE Services client."`
	// SecurityTxtExpires is when security.txt expires; zero: not set (a year after start).
	SecurityTxtExpires time.Time `json:"securitytxt_expires,omitzero" doc:"When security.txt expires (RFC 9116 Expires); at most a year ahead."`
}

var cnaUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

// Publishing returns the publishing settings.
func (a *App) Publishing(ctx context.Context) (Publishing, error) {
	var p Publishing
	get := func(key string) string {
		v, _ := a.Settings.Get(ctx, key, "")
		return strings.TrimSpace(v)
	}
	p.CNAOrgID, p.CNAShortName = get(advisory.SettingCNAOrgID), get(advisory.SettingCNAShortName)
	p.CVEServices = get(advisory.SettingCVEServices) == "on"
	if t, err := time.Parse(time.RFC3339, get(SettingSecurityTxtExpires)); err == nil {
		p.SecurityTxtExpires = t.UTC()
	}
	return p, nil
}

// SecurityTxtExpires is the Expires of security.txt: the setting, or until it is set a
// year after the server started (stable across requests, not recomputed per request).
func (a *App) SecurityTxtExpires(ctx context.Context) time.Time {
	if p, _ := a.Publishing(ctx); !p.SecurityTxtExpires.IsZero() {
		return p.SecurityTxtExpires
	}
	return a.Started.UTC().AddDate(1, 0, 0).Truncate(24 * time.Hour)
}

// SetPublishing changes the publishing settings (admins), refusing with the field named.
func (a *App) SetPublishing(ctx context.Context, actor authz.Actor, p Publishing) error {
	if err := authz.Can(actor, authz.ManageSettings, nil); err != nil {
		return err
	}
	var errs validate.Errors
	p.CNAOrgID, p.CNAShortName = strings.ToLower(strings.TrimSpace(p.CNAOrgID)), strings.TrimSpace(p.CNAShortName)
	if p.CNAOrgID != "" && !cnaUUID.MatchString(p.CNAOrgID) {
		errs.Add("cna_org_id", "%q is not a version 4 UUID like b3476cb9-2e3d-41a6-98d0-0f47421a65b6 (the CNA's organisation id)", p.CNAOrgID)
	}
	if n := len(p.CNAShortName); p.CNAShortName != "" && (n < 2 || n > 32) {
		errs.Add("cna_short_name", "is %d characters long; a CNA short name has 2 to 32", n)
	}
	now := a.Clock.Now()
	if !p.SecurityTxtExpires.IsZero() {
		switch {
		case !p.SecurityTxtExpires.After(now):
			errs.Add("securitytxt_expires", "%s is not in the future", p.SecurityTxtExpires.UTC().Format(time.RFC3339))
		case p.SecurityTxtExpires.After(now.AddDate(1, 0, 1)):
			errs.Add("securitytxt_expires", "is more than a year ahead (RFC 9116 section 2.5.5 recommends less than a year)")
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	exp := ""
	if !p.SecurityTxtExpires.IsZero() {
		exp = p.SecurityTxtExpires.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	services := ""
	if p.CVEServices {
		services = "on"
	}
	for k, v := range map[string]string{advisory.SettingCNAOrgID: p.CNAOrgID, advisory.SettingCNAShortName: p.CNAShortName,
		advisory.SettingCVEServices: services, SettingSecurityTxtExpires: exp} {
		if err := a.Settings.Set(ctx, actor, k, v); err != nil {
			return err
		}
	}
	return nil
}

// SecurityTxtWarnings are what an admin should fix in security.txt: an Expires that has
// passed or passes within 30 days, a Contact address nobody can reach (*.localhost,
// .test, .example, .invalid).
func (a *App) SecurityTxtWarnings(ctx context.Context) []string {
	var out []string
	exp := a.SecurityTxtExpires(ctx)
	now := a.Clock.Now()
	switch {
	case !exp.After(now):
		out = append(out, "security.txt expired on "+exp.Format(time.DateOnly)+": set a new Expires in the publishing settings.")
	case exp.Before(now.AddDate(0, 0, 30)):
		out = append(out, "security.txt expires on "+exp.Format(time.DateOnly)+", in less than 30 days: set a new Expires in the publishing settings.")
	}
	if unroutable(a.Cfg.IntakeAddress) {
		out = append(out, "the Contact address of security.txt, "+a.Cfg.IntakeAddress+", cannot receive mail from outside (set intake_address to the team's real address).")
	}
	return out
}

// unroutable reports whether mail to addr cannot arrive from the internet: its domain is
// localhost or a reserved test name (RFC 2606, RFC 6761).
func unroutable(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	domain := strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
	if domain == "" || !strings.Contains(domain, ".") && domain != "localhost" {
		return true
	}
	for _, tld := range []string{"localhost", "test", "example", "invalid", "local"} {
		if domain == tld || strings.HasSuffix(domain, "."+tld) {
			return true
		}
	}
	return false
}
