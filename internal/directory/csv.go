package directory

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// MaxCSV is the largest organisation CSV accepted.
const MaxCSV = 16 << 20

// CSVHeader is the organisation CSV's header: one row per organisation; emails and
// packages are separated by spaces or semicolons.
var CSVHeader = []string{"name", "kind", "website", "emails", "packages", "notes"}

// OrgImportResult is what an import did.
type OrgImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ' ' || r == '\n' || r == '\t' || r == ',' })
}

// ParseOrgsCSV reads the organisation CSV. Errors name the line and column
// ("line 3: emails[1]: …"); nothing is returned unless every row is good.
func ParseOrgsCSV(r io.Reader) ([]OrgInput, error) {
	cr := csv.NewReader(io.LimitReader(r, MaxCSV+1))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, validate.Field("line 1", "the file is empty; the first line is the header %s", strings.Join(CSVHeader, ","))
	}
	if err != nil {
		return nil, validate.Field("line 1", "%v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, validate.Field("line 1", "the header has no name column (want %s)", strings.Join(CSVHeader, ","))
	}
	var e validate.Errors
	var out []OrgInput
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			e.Add(fmt.Sprintf("line %d", line), "%v", err)
			break
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		in := OrgInput{Name: get("name"), Kind: get("kind"), Website: get("website"), Notes: get("notes"), Packages: splitList(get("packages"))}
		if strings.TrimSpace(in.Kind) == "" {
			in.Kind = "project"
		}
		for _, m := range splitList(get("emails")) {
			in.Contacts = append(in.Contacts, OrgContact{Email: m})
		}
		var re validate.Errors
		in.check(&re)
		for _, f := range re {
			field := f.Field
			if strings.HasPrefix(field, "contacts[") {
				field = "emails" + strings.TrimSuffix(strings.TrimPrefix(field, "contacts"), ".email")
			}
			e.Add(fmt.Sprintf("line %d: %s", line, field), "%s", f.Message)
		}
		out = append(out, in)
		if len(e) > 50 {
			break
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportOrgs adds or updates organisations from CSV (staff): a row whose name is an
// existing organisation adds its missing contacts and packages to it. All or nothing.
func (s *Service) ImportOrgs(ctx context.Context, actor authz.Actor, r io.Reader) (*OrgImportResult, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	ins, err := ParseOrgsCSV(r)
	if err != nil {
		return nil, err
	}
	res := &OrgImportResult{}
	err = s.DB.InTx(ctx, func(q db.Querier) error {
		for _, in := range ins {
			var id int64
			err := q.QueryRow(ctx, "SELECT id FROM orgs WHERE name = ? AND merged_into IS NULL ORDER BY id LIMIT 1", in.Name).Scan(&id)
			if isNoRows(err) {
				if _, err := s.insertOrg(ctx, q, actor, in, "csv"); err != nil {
					return err
				}
				res.Created++
				continue
			}
			if err != nil {
				return err
			}
			before, err := getOrg(ctx, q, id)
			if err != nil {
				return err
			}
			have := map[string]bool{}
			for _, c := range before.Contacts {
				have[contactKey(c)] = true
			}
			for _, c := range in.Contacts {
				if !have[contactKey(c)] {
					have[contactKey(c)] = true
					if err := s.insertContact(ctx, q, id, c); err != nil {
						return err
					}
				}
			}
			if err := s.addPackages(ctx, q, id, in.Packages); err != nil {
				return err
			}
			website, notes := before.Website, before.Notes
			if in.Website != "" {
				website = in.Website
			}
			if in.Notes != "" {
				notes = in.Notes
			}
			if _, err := q.Exec(ctx, "UPDATE orgs SET kind = ?, website = ?, notes = ?, updated_at = ? WHERE id = ?", in.Kind, website, notes, s.Clock.Now(), id); err != nil {
				return err
			}
			after, err := getOrg(ctx, q, id)
			if err != nil {
				return err
			}
			if _, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvOrgUpdated, Subject: orgRef(id), Before: before.event("csv"), After: after.event("csv")}); err != nil {
				return err
			}
			res.Updated++
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvOrgsImported, Subject: events.Ref{Type: "directory", ID: "orgs"},
			After: ImportEvent{Created: res.Created, Updated: res.Updated}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ExportOrgs writes every (unmerged) organisation as CSV (staff), in the format
// ImportOrgs reads.
func (s *Service) ExportOrgs(ctx context.Context, actor authz.Actor, w io.Writer) error {
	if err := authz.Can(actor, authz.ViewDirectory, nil); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	var after int64
	for {
		os, err := s.Orgs(ctx, actor, OrgQuery{After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, o := range os {
			var emails []string
			for _, c := range o.Contacts {
				if c.Email != "" {
					emails = append(emails, c.Email)
				}
			}
			if err := cw.Write([]string{csvSafe(o.Name), o.Kind, o.Website, strings.Join(emails, " "), strings.Join(o.Packages, " "), csvSafe(o.Notes)}); err != nil {
				return err
			}
			after = o.ID
		}
		if len(os) < 1000 {
			break
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula (a leading =, +, -, @
// gets a leading apostrophe… would change the value; a tab keeps it text and is
// trimmed on import).
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
		return "\t" + v
	}
	return v
}
