package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Vulnerability is one vulnerability of a case, with its severity vectors and computed
// scores, and every party's status for it.
type Vulnerability struct {
	ID          int64         `json:"id"`
	Label       string        `json:"label" doc:"V1, V2… or a CVE id once assigned."`
	Title       string        `json:"title"`
	Description string        `json:"description,omitempty"`
	Aliases     []string      `json:"aliases,omitempty"`
	CVSSv4      string        `json:"cvss_v4,omitempty"`
	CVSSv3      string        `json:"cvss_v3,omitempty"`
	Scores      []CVSSScore   `json:"scores,omitempty"`
	CWE         string        `json:"cwe,omitempty"`
	Statuses    []PartyStatus `json:"statuses" doc:"Every participant's status; unknown means no answer yet (never 'not affected')."`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Score is a computed CVSS score.
type CVSSScore struct {
	Version  string  `json:"version"`
	Vector   string  `json:"vector"`
	Score    float64 `json:"score"`
	Severity string  `json:"severity"`
}

// Statuses a party may state for a vulnerability. "unknown" is no answer yet and is
// kept apart from "not_affected", which needs a VEX justification.
var StatusValues = []string{"unknown", "under_investigation", "affected", "fixed", "not_affected", "disputed"}

// Justifications are the VEX justifications of a not_affected status.
var Justifications = []string{"component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"}

// Status is one party's status for one vulnerability.
type PartyStatus struct {
	ParticipantID int64  `json:"participant_id"`
	Party         string `json:"party"`
	Status        string `json:"status" enum:"unknown,under_investigation,affected,fixed,not_affected,disputed"`
	Justification string `json:"justification,omitempty"`
	Statement     string `json:"statement,omitempty"`
	// StatementPublic: the party lets the other parties read the statement before the
	// case is public.
	StatementPublic bool       `json:"statement_public"`
	By              string     `json:"by,omitempty"`
	CreatedAt       *time.Time `json:"created_at,omitempty"`
	UpdatedAt       *time.Time `json:"updated_at,omitempty"`
}

// NewVulnerability adds a vulnerability to a case.
type NewVulnerability struct {
	Label       string   `json:"label,omitempty" maxLength:"50" doc:"Default V<n>."`
	Title       string   `json:"title" maxLength:"300"`
	Description string   `json:"description,omitempty" maxLength:"100000"`
	Aliases     []string `json:"aliases,omitempty"`
	CVSSv4      string   `json:"cvss_v4,omitempty" doc:"A CVSS:4.0/… vector; the score is computed."`
	CVSSv3      string   `json:"cvss_v3,omitempty" doc:"A CVSS:3.1/… vector; the score is computed."`
	CWE         string   `json:"cwe,omitempty" doc:"e.g. CWE-416."`
}

var (
	cweRE   = regexp.MustCompile(`^CWE-[1-9][0-9]{0,5}$`)
	labelRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,49}$`)
)

func (in *NewVulnerability) normalize() error {
	var e validate.Errors
	in.Label = e.Text("label", in.Label, false, 50)
	if in.Label != "" && !labelRE.MatchString(in.Label) {
		e.Add("label", "%q is not a label (letters, digits, . _ : -), e.g. V2 or CVE-2026-1234", in.Label)
	}
	in.Title = e.Text("title", strings.ReplaceAll(in.Title, "\n", " "), true, 300)
	in.Description = e.Text("description", in.Description, false, 100_000)
	for i, a := range in.Aliases {
		in.Aliases[i] = e.Text(fmt.Sprintf("aliases[%d]", i), a, true, 100)
	}
	in.CVSSv4 = e.Text("cvss_v4", in.CVSSv4, false, 300)
	if in.CVSSv4 != "" {
		if _, _, v, err := format.ScoreCVSS(in.CVSSv4); err != nil || v != "4.0" {
			e.Add("cvss_v4", "%q is not a valid CVSS v4.0 vector (want CVSS:4.0/AV:N/AC:L/…)", in.CVSSv4)
		}
	}
	in.CVSSv3 = e.Text("cvss_v3", in.CVSSv3, false, 300)
	if in.CVSSv3 != "" {
		if _, _, v, err := format.ScoreCVSS(in.CVSSv3); err != nil || (v != "3.1" && v != "3.0") {
			e.Add("cvss_v3", "%q is not a valid CVSS v3.x vector (want CVSS:3.1/AV:N/…)", in.CVSSv3)
		}
	}
	in.CWE = strings.ToUpper(e.Text("cwe", in.CWE, false, 20))
	if in.CWE != "" && !cweRE.MatchString(in.CWE) {
		e.Add("cwe", "%q is not a CWE id (want e.g. CWE-416)", in.CWE)
	}
	return e.Err()
}

func scores(v4, v3 string) []CVSSScore {
	var out []CVSSScore
	for _, v := range []string{v4, v3} {
		if v == "" {
			continue
		}
		if sc, sev, ver, err := format.ScoreCVSS(v); err == nil {
			out = append(out, CVSSScore{Version: ver, Vector: v, Score: sc, Severity: sev})
		}
	}
	return out
}

// AddVulnerability adds a vulnerability (coordinators).
func (s *Service) AddVulnerability(ctx context.Context, actor authz.Actor, ref string, in NewVulnerability) (*Vulnerability, error) {
	verr := in.normalize()
	var v *Vulnerability
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		v, err = s.insertVuln(ctx, q, actor, a.c, in)
		return err
	})
	return v, err
}

func (s *Service) insertVuln(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, in NewVulnerability) (*Vulnerability, error) {
	now := s.clock.Now()
	if in.Label == "" {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM case_vulns WHERE case_id = ?", c.ID).Scan(&n); err != nil {
			return nil, err
		}
		in.Label = fmt.Sprintf("V%d", n+1)
	}
	v := &Vulnerability{Label: in.Label, Title: in.Title, Description: in.Description, Aliases: in.Aliases, CVSSv4: in.CVSSv4, CVSSv3: in.CVSSv3,
		CWE: in.CWE, Scores: scores(in.CVSSv4, in.CVSSv3), CreatedAt: now, UpdatedAt: now}
	err := q.QueryRow(ctx, `INSERT INTO case_vulns (case_id, label, title, description, aliases, cvss_v4, cvss_v3, cwe, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, v.Label, v.Title, v.Description, strings.Join(v.Aliases, " "), v.CVSSv4, v.CVSSv3, v.CWE, now, now).Scan(&v.ID)
	if err != nil {
		if db.IsUniqueViolation(err) {
			return nil, validate.Field("label", "%s already has a vulnerability %s", c.PublicID, v.Label)
		}
		return nil, fmt.Errorf("cases: add vulnerability: %w", err)
	}
	return v, s.appendEvent(ctx, q, actor, c, "case.vulnerability.added", nil, map[string]any{"vulnerability": v.Label, "cvss_v4": v.CVSSv4, "cvss_v3": v.CVSSv3, "cwe": v.CWE})
}

// vulns lists a case's vulnerabilities with every participant's status (unknown for
// those who have not answered).
func (s *Service) vulns(ctx context.Context, q db.Querier, caseID int64, ps []*Participant) ([]*Vulnerability, error) {
	rows, err := q.Query(ctx, "SELECT id, label, title, description, aliases, cvss_v4, cvss_v3, cwe, created_at, updated_at FROM case_vulns WHERE case_id = ? ORDER BY id", caseID)
	if err != nil {
		return nil, err
	}
	var out []*Vulnerability
	for rows.Next() {
		var v Vulnerability
		var aliases string
		if err := rows.Scan(&v.ID, &v.Label, &v.Title, &v.Description, &aliases, &v.CVSSv4, &v.CVSSv3, &v.CWE, &v.CreatedAt, &v.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		v.Aliases = strings.Fields(aliases)
		v.Scores = scores(v.CVSSv4, v.CVSSv3)
		v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
		out = append(out, &v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	got := map[[2]int64]PartyStatus{}
	srows, err := q.Query(ctx, `SELECT st.vuln_id, st.member_id, st.status, st.justification, st.statement, st.statement_public, st.actor, st.created_at, st.updated_at
		FROM case_statuses st JOIN case_vulns v ON v.id = st.vuln_id WHERE v.case_id = ?`, caseID)
	if err != nil {
		return nil, err
	}
	for srows.Next() {
		var vid int64
		var st PartyStatus
		var cr, up time.Time
		if err := srows.Scan(&vid, &st.ParticipantID, &st.Status, &st.Justification, &st.Statement, &st.StatementPublic, &st.By, &cr, &up); err != nil {
			srows.Close()
			return nil, err
		}
		cr, up = cr.UTC(), up.UTC()
		st.CreatedAt, st.UpdatedAt = &cr, &up
		got[[2]int64{vid, st.ParticipantID}] = st
	}
	srows.Close()
	for _, v := range out {
		v.Statuses = []PartyStatus{}
		for _, p := range ps {
			if p.Role == "coordinator" || p.Role == "observer" {
				continue
			}
			st, ok := got[[2]int64{v.ID, p.ID}]
			if !ok {
				st = PartyStatus{ParticipantID: p.ID, Status: "unknown"}
			}
			st.Party = p.Label()
			v.Statuses = append(v.Statuses, st)
		}
	}
	return out, srows.Err()
}

// StatusInput is a party's statement about one vulnerability.
type StatusInput struct {
	Status          string `json:"status" enum:"unknown,under_investigation,affected,fixed,not_affected,disputed"`
	Justification   string `json:"justification,omitempty" enum:"component_not_present,vulnerable_code_not_present,vulnerable_code_not_in_execute_path,vulnerable_code_cannot_be_controlled_by_adversary,inline_mitigations_already_exist," doc:"Required with not_affected (VEX)."`
	Statement       string `json:"statement,omitempty" maxLength:"20000" doc:"The party's statement; required with disputed (the reason)."`
	ParticipantID   int64  `json:"participant_id,omitempty" doc:"Coordinators: record this participant's status on their behalf."`
	StatementPublic bool   `json:"statement_public,omitempty" doc:"Let the other parties read the justification and statement now (default: the team only until the case is public)."`
}

func (in *StatusInput) normalize() error {
	var e validate.Errors
	e.OneOf("status", in.Status, StatusValues...)
	in.Statement = e.Text("statement", in.Statement, in.Status == "disputed", 20_000)
	switch {
	case in.Status == "not_affected":
		if in.Justification == "" {
			e.Add("justification", "not_affected needs a VEX justification: one of %s", strings.Join(Justifications, ", "))
		} else {
			e.OneOf("justification", in.Justification, Justifications...)
		}
	case in.Justification != "":
		e.Add("justification", "is only for not_affected")
	}
	return e.Err()
}

// SetStatus records a party's status for vulnerability vuln (its label or id).
func (s *Service) SetStatus(ctx context.Context, actor authz.Actor, ref, vuln string, in StatusInput) (*PartyStatus, error) {
	verr := in.normalize()
	var out *PartyStatus
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.PostShared)
		if err != nil {
			return err
		}
		ps, err := s.participants(ctx, q, a.c.ID)
		if err != nil {
			return err
		}
		coord := a.can(actor, authz.CoordinateCase) == nil
		pid := in.ParticipantID
		switch {
		case pid != 0 && !coord && (a.me == nil || a.me.ID != pid):
			return authz.ErrForbidden
		case pid == 0 && a.me != nil && !coord:
			pid = a.me.ID
		case pid == 0:
			return validate.Field("participant_id", "coordinators record a status for a participant: name the participant_id")
		}
		p := participantByID(ps, pid)
		if p == nil {
			return validate.Field("participant_id", "%d is not a participant of %s", pid, a.c.PublicID)
		}
		var vid int64
		if err := q.QueryRow(ctx, "SELECT id FROM case_vulns WHERE case_id = ? AND (label = ? OR CAST(id AS TEXT) = ?)", a.c.ID, vuln, vuln).Scan(&vid); err != nil {
			return db.ErrNotFound
		}
		if verr != nil {
			return verr
		}
		now := s.clock.Now()
		if _, err := q.Exec(ctx, `INSERT INTO case_statuses (vuln_id, member_id, status, justification, statement, statement_public, actor, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (vuln_id, member_id) DO UPDATE SET status = excluded.status, justification = excluded.justification, statement = excluded.statement,
			statement_public = excluded.statement_public, actor = excluded.actor, updated_at = excluded.updated_at`, vid, pid, in.Status, in.Justification, in.Statement, in.StatementPublic, actor.Label(), now, now); err != nil {
			return err
		}
		out = &PartyStatus{ParticipantID: pid, Party: p.Label(), Status: in.Status, Justification: in.Justification, Statement: in.Statement, StatementPublic: in.StatementPublic, By: actor.Label(), UpdatedAt: &now}
		return s.appendEvent(ctx, q, actor, a.c, "case.status", nil, map[string]any{"vulnerability": vuln, "participant_id": pid, "status": in.Status, "justification": in.Justification})
	})
	return out, err
}

// Package is an affected package of a case.
type AffectedPackage struct {
	ID        int64          `json:"id"`
	Ecosystem string         `json:"ecosystem,omitempty"`
	Name      string         `json:"name"`
	PURL      string         `json:"purl,omitempty"`
	Ranges    []format.Range `json:"ranges,omitempty" doc:"OSV ranges: introduced / fixed / last_affected events."`
	Versions  []string       `json:"versions,omitempty"`
	Note      string         `json:"note,omitempty"`
	// Vulnerabilities are the labels of the case's vulnerabilities the package is
	// affected by; empty: all of them.
	Vulnerabilities []string  `json:"vulnerabilities,omitempty" doc:"Labels of the case's vulnerabilities this package is affected by; absent: all."`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// NewPackage adds an affected package.
type NewAffectedPackage struct {
	Ecosystem string         `json:"ecosystem,omitempty" maxLength:"64" doc:"OSV ecosystem: Go, npm, PyPI, Maven, crates.io…"`
	Name      string         `json:"name,omitempty" maxLength:"300"`
	PURL      string         `json:"purl,omitempty" maxLength:"500" doc:"A package URL (pkg:type/namespace/name), checked."`
	Ranges    []format.Range `json:"ranges,omitempty"`
	Versions  []string       `json:"versions,omitempty"`
	Note      string         `json:"note,omitempty" maxLength:"500" doc:"A free-text range when OSV events do not fit."`
	// Vulnerabilities names which of the case's vulnerabilities the package is affected
	// by (labels); empty: all of them.
	Vulnerabilities []string `json:"vulnerabilities,omitempty" maxItems:"100" doc:"Labels (V1, CVE-…) of the case's vulnerabilities this package is affected by; absent: all of them. Each OSV record and VEX entry lists only the packages of its vulnerability."`
}

var rangeTypes = []string{string(format.RangeSemver), string(format.RangeEcosystem), string(format.RangeGit)}

func (in *NewAffectedPackage) normalize() error {
	var e validate.Errors
	in.Ecosystem = e.Text("ecosystem", in.Ecosystem, false, 64)
	in.Name = e.Text("name", in.Name, in.PURL == "", 300)
	in.PURL = e.Text("purl", in.PURL, false, 500)
	if in.PURL != "" {
		p, err := packageurl.FromString(in.PURL)
		if err != nil {
			e.Add("purl", "%q is not a package URL: %v (want pkg:type/namespace/name@version)", in.PURL, err)
		} else if pk, err := format.PackageFromPURL(format.Package{Ecosystem: in.Ecosystem, Name: in.Name, PURL: in.PURL}); err == nil {
			// A package given as a purl alone: its ecosystem and OSV name from the purl.
			in.Ecosystem, in.Name = pk.Ecosystem, pk.Name
		} else if in.Name == "" {
			in.Name = p.Name
			if p.Namespace != "" {
				in.Name = p.Namespace + "/" + p.Name
			}
		}
	}
	in.Note = e.Text("note", in.Note, false, 500)
	for i := range in.Vulnerabilities {
		in.Vulnerabilities[i] = e.Text(fmt.Sprintf("vulnerabilities[%d]", i), in.Vulnerabilities[i], true, 50)
	}
	for i := range in.Versions {
		in.Versions[i] = e.Text(fmt.Sprintf("versions[%d]", i), in.Versions[i], true, 100)
	}
	for i, r := range in.Ranges {
		f := fmt.Sprintf("ranges[%d]", i)
		if !slices.Contains(rangeTypes, string(r.Type)) {
			e.Add(f+".type", "%q is not a range type (want SEMVER, ECOSYSTEM or GIT)", r.Type)
		}
		if r.Type == format.RangeGit && r.Repo == "" {
			e.Add(f+".repo", "a GIT range needs the repository URL")
		}
		if len(r.Events) == 0 || r.Events[0].Introduced == "" {
			e.Add(f+".events", "a range starts with an introduced event (\"0\" for since the first version)")
		}
		for j, ev := range r.Events {
			n := 0
			for _, x := range []string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
				if x != "" {
					n++
				}
			}
			if n != 1 {
				e.Add(fmt.Sprintf("%s.events[%d]", f, j), "an event has exactly one of introduced, fixed, last_affected, limit")
			}
		}
		for _, p := range format.CheckRange(r) {
			e.Add(f+"."+p.Path, "%s", p.Message)
		}
	}
	return e.Err()
}

// AddPackage adds an affected package (coordinators).
func (s *Service) AddPackage(ctx context.Context, actor authz.Actor, ref string, in NewAffectedPackage) (*AffectedPackage, error) {
	verr := in.normalize()
	var p *AffectedPackage
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		for i, l := range in.Vulnerabilities {
			var n int
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM case_vulns WHERE case_id = ? AND label = ?", a.c.ID, l).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return validate.Field(fmt.Sprintf("vulnerabilities[%d]", i), "%q is not a vulnerability of %s", l, a.c.PublicID)
			}
		}
		p, err = s.insertPackage(ctx, q, actor, a.c, in)
		return err
	})
	return p, err
}

func (s *Service) insertPackage(ctx context.Context, q db.Querier, actor authz.Actor, c *Case, in NewAffectedPackage) (*AffectedPackage, error) {
	now := s.clock.Now()
	p := &AffectedPackage{Ecosystem: in.Ecosystem, Name: in.Name, PURL: in.PURL, Ranges: in.Ranges, Versions: in.Versions, Note: in.Note,
		Vulnerabilities: in.Vulnerabilities, CreatedAt: now, UpdatedAt: now}
	ranges, _ := json.Marshal(orEmpty(p.Ranges))
	versions, _ := json.Marshal(map[string]any{"versions": orEmpty(p.Versions), "note": p.Note})
	err := q.QueryRow(ctx, `INSERT INTO case_packages (case_id, ecosystem, name, purl, ranges_json, versions_json, vulns, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, p.Ecosystem, p.Name, p.PURL, string(ranges), string(versions),
		strings.Join(p.Vulnerabilities, " "), now, now).Scan(&p.ID)
	if err != nil {
		return nil, fmt.Errorf("cases: add package: %w", err)
	}
	return p, s.appendEvent(ctx, q, actor, c, "case.package.added", nil, map[string]any{"ecosystem": p.Ecosystem, "name": p.Name, "purl": p.PURL})
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s *Service) packages(ctx context.Context, q db.Querier, caseID int64) ([]*AffectedPackage, error) {
	rows, err := q.Query(ctx, "SELECT id, ecosystem, name, purl, ranges_json, versions_json, vulns, created_at, updated_at FROM case_packages WHERE case_id = ? ORDER BY id", caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*AffectedPackage
	for rows.Next() {
		var p AffectedPackage
		var ranges, versions, vulns string
		if err := rows.Scan(&p.ID, &p.Ecosystem, &p.Name, &p.PURL, &ranges, &versions, &vulns, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, err
		}
		p.Vulnerabilities = strings.Fields(vulns)
		_ = json.Unmarshal([]byte(ranges), &p.Ranges)
		var vs struct {
			Versions []string `json:"versions"`
			Note     string   `json:"note"`
		}
		_ = json.Unmarshal([]byte(versions), &vs)
		p.Versions, p.Note = vs.Versions, vs.Note
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		out = append(out, &p)
	}
	return out, rows.Err()
}

// UpdatePackage replaces affected package id of case ref (coordinators); audited.
func (s *Service) UpdatePackage(ctx context.Context, actor authz.Actor, ref string, id int64, in NewAffectedPackage) (*AffectedPackage, error) {
	verr := in.normalize()
	var out *AffectedPackage
	err := s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		old, err := s.packageByID(ctx, q, a.c.ID, id)
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		now := s.clock.Now()
		p := &AffectedPackage{ID: id, Ecosystem: in.Ecosystem, Name: in.Name, PURL: in.PURL, Ranges: in.Ranges, Versions: in.Versions, Note: in.Note, CreatedAt: old.CreatedAt, UpdatedAt: now}
		ranges, _ := json.Marshal(orEmpty(p.Ranges))
		versions, _ := json.Marshal(map[string]any{"versions": orEmpty(p.Versions), "note": p.Note})
		if _, err := q.Exec(ctx, "UPDATE case_packages SET ecosystem = ?, name = ?, purl = ?, ranges_json = ?, versions_json = ?, updated_at = ? WHERE id = ? AND case_id = ?",
			p.Ecosystem, p.Name, p.PURL, string(ranges), string(versions), now, id, a.c.ID); err != nil {
			return fmt.Errorf("cases: update package: %w", err)
		}
		out = p
		return s.appendEvent(ctx, q, actor, a.c, "case.package.updated",
			map[string]any{"package_id": id, "ecosystem": old.Ecosystem, "name": old.Name, "purl": old.PURL, "ranges": old.Ranges, "versions": old.Versions},
			map[string]any{"package_id": id, "ecosystem": p.Ecosystem, "name": p.Name, "purl": p.PURL, "ranges": p.Ranges, "versions": p.Versions})
	})
	return out, err
}

// RemovePackage removes affected package id from case ref (coordinators); audited.
func (s *Service) RemovePackage(ctx context.Context, actor authz.Actor, ref string, id int64) error {
	return s.db.InTx(ctx, func(q db.Querier) error {
		a, err := s.open(ctx, q, actor, ref, authz.CoordinateCase)
		if err != nil {
			return err
		}
		old, err := s.packageByID(ctx, q, a.c.ID, id)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "DELETE FROM case_packages WHERE id = ? AND case_id = ?", id, a.c.ID); err != nil {
			return fmt.Errorf("cases: remove package: %w", err)
		}
		return s.appendEvent(ctx, q, actor, a.c, "case.package.removed",
			map[string]any{"package_id": id, "ecosystem": old.Ecosystem, "name": old.Name, "purl": old.PURL, "ranges": old.Ranges, "versions": old.Versions},
			map[string]any{"package_id": id})
	})
}

func (s *Service) packageByID(ctx context.Context, q db.Querier, caseID, id int64) (*AffectedPackage, error) {
	ps, err := s.packages(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, db.ErrNotFound
}
