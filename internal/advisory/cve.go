package advisory

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// The publishing settings (admin: /admin/publishing, PUT /api/v1/settings/publishing).
const (
	// SettingCNAOrgID is the team's CNA organisation UUID (assignerOrgId of CVE records).
	SettingCNAOrgID = "cve.cna_org_id"
	// SettingCNAShortName is the team's CNA short name (assignerShortName).
	SettingCNAShortName = "cve.cna_short_name"
	// SettingCVEServices is "on" when ids are reserved through the CVE Services client.
	SettingCVEServices = "cve.services"
)

// SettingsReader reads the publishing settings (internal/settings).
type SettingsReader interface {
	Get(ctx context.Context, key, def string) (string, error)
}

// CVEServices reserves CVE ids with the CVE Program's CVE Services on behalf of the
// team's CNA. sirt ships no client that talks to the network; an operator plugs one in
// (SetCVEServices) and turns it on with the setting cve.services = "on".
type CVEServices interface {
	// Reserve reserves one CVE id of year for the advisory and returns it.
	Reserve(ctx context.Context, year int, advisory string) (string, error)
}

// SetSettings gives the service the publishing settings.
func (s *Service) SetSettings(r SettingsReader) { s.settings = r }

// SetCVEServices plugs in a CVE Services client.
func (s *Service) SetCVEServices(c CVEServices) { s.cveServices = c }

var cveIDPattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// ErrNoCVEServices: reserving through CVE Services is not set up.
var ErrNoCVEServices = errors.New("advisory: no CVE Services client is set up")

func (s *Service) setting(ctx context.Context, key string) string {
	if s.settings == nil {
		return ""
	}
	v, err := s.settings.Get(ctx, key, "")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

// RecordCVE records a CVE id reserved with the CNA (entered by hand from the CNA's
// portal) as the advisory's CVE alias. An advisory has one CVE id: recording another
// replaces it. Twice the same id changes nothing.
func (s *Service) RecordCVE(ctx context.Context, actor authz.Actor, ref, cveID string) (*Advisory, error) {
	cveID = strings.ToUpper(strings.TrimSpace(cveID))
	if !cveIDPattern.MatchString(cveID) {
		return nil, validate.Field("cve_id", "%q is not a CVE id like CVE-2026-12345", cveID)
	}
	if strings.HasPrefix(cveID, "CVE-0000-") {
		return nil, validate.Field("cve_id", "%s is a placeholder, not a reserved id", cveID)
	}
	return s.change(ctx, actor, ref, authz.EditAdvisory, "advisory.cve_recorded", func(q db.Querier, a *Advisory, now time.Time) (string, error) {
		return recordCVE(a, cveID, now)
	})
}

func recordCVE(a *Advisory, cveID string, now time.Time) (string, error) {
	if a.State == StateWithdrawn {
		return "", &stateError{fmt.Sprintf("advisory %s is withdrawn; its CVE id no longer changes", a.PublicID)}
	}
	if slices.Contains(a.Doc.Aliases, cveID) {
		return "CVE id " + cveID + " already recorded.", nil
	}
	var aliases []string
	for _, x := range a.Doc.Aliases {
		if !cveIDPattern.MatchString(x) {
			aliases = append(aliases, x)
		}
	}
	a.Doc.Aliases = append([]string{cveID}, aliases...)
	if a.Published() {
		a.Doc.Modified = now
		addPublicRevision(a.Doc, now, "CVE id "+cveID+" assigned.")
	}
	return "Recorded CVE id " + cveID + ".", nil
}

// ReserveCVE reserves a CVE id through the CVE Services client and records it as
// RecordCVE does. Without a client, or with the setting off, it is refused (409): enter
// the id reserved on the CNA's portal instead.
func (s *Service) ReserveCVE(ctx context.Context, actor authz.Actor, ref string) (*Advisory, error) {
	a, err := s.load(ctx, s.db.Read(), actor, ref, authz.EditAdvisory)
	if err != nil {
		return nil, err
	}
	if s.cveServices == nil || s.setting(ctx, SettingCVEServices) != "on" {
		return nil, &stateError{"reserving CVE ids through CVE Services is not set up (setting cve.services); reserve one on the CNA's portal and enter it"}
	}
	if id := cveOf(a); id != "" {
		return a, nil // one CVE id per advisory: reserving twice reserves once
	}
	id, err := s.cveServices.Reserve(ctx, s.clock.Now().UTC().Year(), a.PublicID)
	if err != nil {
		return nil, fmt.Errorf("CVE Services: %w", err)
	}
	return s.RecordCVE(ctx, actor, ref, id)
}

// cnaOrgID is the CNA organisation id of CVE exports: the setting, or until it is set
// a UUID derived from the team's base URL (SHA-1 in the URL namespace of RFC 9562, as
// a version 5 UUID is, but marked version 4 because the CVE schema admits only those):
// stable, the team's own, and never the nil UUID or another CNA's id.
func (s *Service) cnaOrgID(ctx context.Context) string {
	if id := s.setting(ctx, SettingCNAOrgID); id != "" {
		return id
	}
	return derivedOrgID(s.cfg.BaseURL)
}

func derivedOrgID(base string) string {
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8} // NameSpace_URL
	h := sha1.Sum(append(ns[:], base...))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func cveOf(a *Advisory) string {
	for _, x := range a.Doc.Aliases {
		if cveIDPattern.MatchString(x) {
			return x
		}
	}
	return ""
}
