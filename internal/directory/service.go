// Package directory is the team's directory of the parties it reaches across silos:
// organisations (projects, vendors, distros, ecosystem security teams, registries,
// coordinators, foundations, hosting providers), their contacts (email with an optional
// OpenPGP key, webhook, security.txt, preferred languages, time zone) and the packages
// each maintains (package keys, see internal/purl). It sends a case's notification to
// many of them at once through the outbox (notify), adds them to a case as downstream
// participants, suggests participants from the packages a case affects (with the
// dependency graph through Reach), and keeps the SIREN early-notification lists.
package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/jobs"
	"github.com/oss-sirt/sirt/internal/netguard"
	"github.com/oss-sirt/sirt/internal/notify"
	"github.com/oss-sirt/sirt/internal/pgpkey"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/templates"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Kinds of organisation.
var Kinds = []string{"project", "vendor", "distro", "ecosystem_team", "registry", "coordinator", "foundation", "hosting"}

// Limits.
const (
	maxContacts = 50
	maxPackages = 5000
	batch       = 500 // IN lists
)

// Reach is the dependency graph as the directory sees it (internal/deps implements it;
// app wires it with SetReach): the packages that depend on pkg, directly or through up
// to maxDepth levels.
type Reach interface {
	DependentPackages(ctx context.Context, pkg string, maxDepth int) ([]string, error)
}

// Deps are the shared services the directory uses.
type Deps struct {
	DB        *db.DB
	Clock     clock.Clock
	Events    *events.Log
	Jobs      *jobs.Queue
	Outbox    *notify.Service
	Cases     *cases.Service
	Templates *templates.Store
	Guard     *netguard.Guard // security.txt fetches
	Log       *slog.Logger
}

// Config is what the directory needs to know of the team.
type Config struct {
	Team    string
	BaseURL string
	Host    string // for Message-IDs
}

// Service is the directory.
type Service struct {
	Deps
	cfg   Config
	reach Reach
}

// New returns the directory service.
func New(d Deps, cfg Config) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Host == "" {
		cfg.Host = "sirt.localhost"
	}
	s := &Service{Deps: d, cfg: cfg}
	d.Jobs.Register(JobFanOut, jobs.Handler{Run: s.runFanOut, Timeout: 10 * time.Minute})
	return s
}

// SetReach wires in the dependency graph (nil: none; dependents_of targets are refused).
func (s *Service) SetReach(r Reach) { s.reach = r }

// errNoGraph is the refusal of a dependents_of target without a graph.
const errNoGraph = "the dependency graph is not available"

// Org is an organisation with its contacts and packages.
type Org struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Kind       string       `json:"kind" enum:"project,vendor,distro,ecosystem_team,registry,coordinator,foundation,hosting"`
	Website    string       `json:"website,omitempty"`
	Notes      string       `json:"notes,omitempty"`
	Source     string       `json:"source,omitempty" doc:"Where the entry came from: api, web, csv, security.txt."`
	MergedInto int64        `json:"merged_into,omitempty" doc:"Set when this organisation was merged into another."`
	Contacts   []OrgContact `json:"contacts"`
	Packages   []string     `json:"packages" doc:"Package keys (purls without version) the organisation maintains."`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// OrgContact is one way to reach an organisation.
type OrgContact struct {
	ID             int64  `json:"id,omitempty" readOnly:"true"`
	Name           string `json:"name,omitempty" maxLength:"200"`
	Email          string `json:"email,omitempty" maxLength:"254"`
	OpenPGPKey     string `json:"openpgp_key,omitempty" maxLength:"100000" doc:"An armored OpenPGP public key: mail to this contact is encrypted to it."`
	WebhookURL     string `json:"webhook_url,omitempty" maxLength:"500"`
	SecurityTxtURL string `json:"securitytxt_url,omitempty" maxLength:"500"`
	PolicyURL      string `json:"policy_url,omitempty" maxLength:"500"`
	Languages      string `json:"preferred_languages,omitempty" maxLength:"200" doc:"Comma-separated language tags (en, de…)."`
	TimeZone       string `json:"time_zone,omitempty" maxLength:"64" doc:"IANA time zone, e.g. Europe/Berlin."`
}

// OrgInput creates an organisation.
type OrgInput struct {
	Name     string       `json:"name" maxLength:"200"`
	Kind     string       `json:"kind"`
	Website  string       `json:"website,omitempty" maxLength:"500"`
	Notes    string       `json:"notes,omitempty" maxLength:"5000"`
	Contacts []OrgContact `json:"contacts,omitempty" maxItems:"50"`
	Packages []string     `json:"packages,omitempty" maxItems:"5000" doc:"Package URLs; versions, qualifiers and subpaths are dropped."`
}

// OrgPatch changes an organisation: absent fields stay; contacts and packages, when
// given, replace the lists.
type OrgPatch struct {
	Name     *string      `json:"name,omitempty" maxLength:"200"`
	Kind     *string      `json:"kind,omitempty"`
	Website  *string      `json:"website,omitempty" maxLength:"500"`
	Notes    *string      `json:"notes,omitempty" maxLength:"5000"`
	Contacts []OrgContact `json:"contacts,omitempty" maxItems:"50" doc:"Replaces the contacts when given."`
	Packages []string     `json:"packages,omitempty" maxItems:"5000" doc:"Replaces the packages when given."`
}

func isNoRows(err error) bool { return errors.Is(err, db.ErrNotFound) || db.NotFound(err) }

func orgRef(id int64) events.Ref { return events.Ref{Type: "org", ID: fmt.Sprint(id)} }

func checkURL(e *validate.Errors, field, v string) string {
	v = e.Text(field, v, false, 500)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		e.Add(field, "%q is not a web address (want https://host/path)", v)
	}
	return v
}

func (c *OrgContact) check(e *validate.Errors, p string) {
	c.Name = e.Text(p+"name", c.Name, false, 200)
	c.Email = e.Email(p+"email", c.Email, false)
	if k := strings.TrimSpace(c.OpenPGPKey); k != "" {
		if _, err := pgpkey.ReadPublicKey([]byte(k)); err != nil {
			e.Add(p+"openpgp_key", "is not a usable OpenPGP public key: %v", strings.TrimPrefix(err.Error(), "pgpkey: "))
		}
		c.OpenPGPKey = k + "\n"
	} else {
		c.OpenPGPKey = ""
	}
	c.WebhookURL = checkURL(e, p+"webhook_url", c.WebhookURL)
	c.SecurityTxtURL = checkURL(e, p+"securitytxt_url", c.SecurityTxtURL)
	c.PolicyURL = checkURL(e, p+"policy_url", c.PolicyURL)
	c.Languages = e.Text(p+"preferred_languages", c.Languages, false, 200)
	c.TimeZone = e.Text(p+"time_zone", c.TimeZone, false, 64)
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
			e.Add(p+"time_zone", "%q is not an IANA time zone (e.g. Europe/Berlin)", c.TimeZone)
		}
	}
	if c.Email == "" && c.WebhookURL == "" && c.SecurityTxtURL == "" && c.PolicyURL == "" {
		e.Add(p+"email", "a contact needs an email address or a web address")
	}
}

func checkContacts(e *validate.Errors, cs []OrgContact) {
	if len(cs) > maxContacts {
		e.Add("contacts", "has %d contacts; the limit is %d", len(cs), maxContacts)
		return
	}
	for i := range cs {
		cs[i].check(e, fmt.Sprintf("contacts[%d].", i))
	}
}

// packageKeys turns purls into sorted, unique package keys.
func packageKeys(e *validate.Errors, field string, ps []string) []string {
	if len(ps) > maxPackages {
		e.Add(field, "has %d packages; the limit is %d", len(ps), maxPackages)
		return nil
	}
	seen := map[string]bool{}
	out := []string{}
	for i, p := range ps {
		k, err := purl.Package(p)
		if err != nil {
			e.Add(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			continue
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (in *OrgInput) check(e *validate.Errors) {
	in.Name = e.Text("name", in.Name, true, 200)
	in.Kind = strings.TrimSpace(in.Kind)
	e.OneOf("kind", in.Kind, Kinds...)
	in.Website = checkURL(e, "website", in.Website)
	in.Notes = e.Text("notes", in.Notes, false, 5000)
	checkContacts(e, in.Contacts)
	in.Packages = packageKeys(e, "packages", in.Packages)
}

// CreateOrg adds an organisation (staff).
func (s *Service) CreateOrg(ctx context.Context, actor authz.Actor, in OrgInput, source string) (*Org, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.check(&e)
	if err := e.Err(); err != nil {
		return nil, err
	}
	var o *Org
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		var err error
		o, err = s.insertOrg(ctx, q, actor, in, source)
		return err
	})
	return o, err
}

func (s *Service) insertOrg(ctx context.Context, q db.Querier, actor authz.Actor, in OrgInput, source string) (*Org, error) {
	now := s.Clock.Now()
	var id int64
	if err := q.QueryRow(ctx, `INSERT INTO orgs (name, kind, website, notes, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Name, in.Kind, in.Website, in.Notes, source, now, now).Scan(&id); err != nil {
		return nil, fmt.Errorf("directory: add organisation: %w", err)
	}
	if err := s.setContacts(ctx, q, id, in.Contacts); err != nil {
		return nil, err
	}
	if err := s.addPackages(ctx, q, id, in.Packages); err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvOrgCreated, Subject: orgRef(id), After: o.event(source)}); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *Org) event(source string) OrgEvent {
	ev := OrgEvent{Name: o.Name, Kind: o.Kind, Contacts: []string{}, Packages: o.Packages, Source: source}
	for _, c := range o.Contacts {
		if c.Email != "" {
			ev.Contacts = append(ev.Contacts, c.Email)
		} else {
			ev.Contacts = append(ev.Contacts, c.SecurityTxtURL+c.WebhookURL+c.PolicyURL)
		}
	}
	return ev
}

func (s *Service) setContacts(ctx context.Context, q db.Querier, orgID int64, cs []OrgContact) error {
	if _, err := q.Exec(ctx, "DELETE FROM org_contacts WHERE org_id = ?", orgID); err != nil {
		return err
	}
	for _, c := range cs {
		if err := s.insertContact(ctx, q, orgID, c); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) insertContact(ctx context.Context, q db.Querier, orgID int64, c OrgContact) error {
	_, err := q.Exec(ctx, `INSERT INTO org_contacts (org_id, name, email, openpgp_key, webhook_url, securitytxt_url, policy_url, languages, time_zone, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, c.Name, c.Email, c.OpenPGPKey, c.WebhookURL, c.SecurityTxtURL, c.PolicyURL, c.Languages, c.TimeZone, s.Clock.Now())
	if err != nil {
		return fmt.Errorf("directory: add contact: %w", err)
	}
	return nil
}

func (s *Service) addPackages(ctx context.Context, q db.Querier, orgID int64, keys []string) error {
	for _, k := range keys {
		if _, err := q.Exec(ctx, "INSERT INTO org_packages (org_id, package) VALUES (?, ?) ON CONFLICT DO NOTHING", orgID, k); err != nil {
			return fmt.Errorf("directory: add package: %w", err)
		}
	}
	return nil
}

const orgColumns = "id, name, kind, website, notes, source, merged_into, created_at, updated_at"

func scanOrg(sc db.Scanner) (*Org, error) {
	var o Org
	var merged *int64
	if err := sc.Scan(&o.ID, &o.Name, &o.Kind, &o.Website, &o.Notes, &o.Source, &merged, &o.CreatedAt, &o.UpdatedAt); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	if merged != nil {
		o.MergedInto = *merged
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	o.Contacts, o.Packages = []OrgContact{}, []string{}
	return &o, nil
}

func getOrg(ctx context.Context, q db.Querier, id int64) (*Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	return o, fillOrgs(ctx, q, []*Org{o})
}

const contactColumns = "id, org_id, name, email, openpgp_key, webhook_url, securitytxt_url, policy_url, languages, time_zone"

func scanContact(sc db.Scanner) (c OrgContact, orgID int64, err error) {
	err = sc.Scan(&c.ID, &orgID, &c.Name, &c.Email, &c.OpenPGPKey, &c.WebhookURL, &c.SecurityTxtURL, &c.PolicyURL, &c.Languages, &c.TimeZone)
	return c, orgID, err
}

// fillOrgs reads the contacts and packages of os (batched IN lists).
func fillOrgs(ctx context.Context, q db.Querier, os []*Org) error {
	by := map[int64]*Org{}
	ids := make([]any, 0, len(os))
	for _, o := range os {
		by[o.ID] = o
		ids = append(ids, o.ID)
	}
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(len(ids), start+batch)]
		rows, err := q.Query(ctx, "SELECT "+contactColumns+" FROM org_contacts WHERE org_id IN ("+db.Placeholders(len(part))+") ORDER BY id", part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, oid, err := scanContact(rows)
			if err != nil {
				rows.Close()
				return err
			}
			by[oid].Contacts = append(by[oid].Contacts, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = q.Query(ctx, "SELECT org_id, package FROM org_packages WHERE org_id IN ("+db.Placeholders(len(part))+") ORDER BY package", part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var oid int64
			var p string
			if err := rows.Scan(&oid, &p); err != nil {
				rows.Close()
				return err
			}
			by[oid].Packages = append(by[oid].Packages, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Org returns one organisation (staff).
func (s *Service) Org(ctx context.Context, actor authz.Actor, id int64) (*Org, error) {
	if err := authz.Can(actor, authz.ViewDirectory, nil); err != nil {
		return nil, err
	}
	return getOrg(ctx, s.DB.Read(), id)
}

// UpdateOrg changes an organisation (staff).
func (s *Service) UpdateOrg(ctx context.Context, actor authz.Actor, id int64, p OrgPatch) (*Org, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	var o *Org
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		before, err := getOrg(ctx, q, id)
		if err != nil {
			return err
		}
		if before.MergedInto != 0 {
			return validate.Field("id", "organisation %d was merged into %d; edit that one", id, before.MergedInto)
		}
		in := OrgInput{Name: before.Name, Kind: before.Kind, Website: before.Website, Notes: before.Notes, Contacts: before.Contacts, Packages: before.Packages}
		if p.Name != nil {
			in.Name = *p.Name
		}
		if p.Kind != nil {
			in.Kind = *p.Kind
		}
		if p.Website != nil {
			in.Website = *p.Website
		}
		if p.Notes != nil {
			in.Notes = *p.Notes
		}
		if p.Contacts != nil {
			in.Contacts = p.Contacts
		}
		if p.Packages != nil {
			in.Packages = p.Packages
		}
		var e validate.Errors
		in.check(&e)
		if err := e.Err(); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE orgs SET name = ?, kind = ?, website = ?, notes = ?, updated_at = ? WHERE id = ?",
			in.Name, in.Kind, in.Website, in.Notes, s.Clock.Now(), id); err != nil {
			return err
		}
		if p.Contacts != nil {
			if err := s.setContacts(ctx, q, id, in.Contacts); err != nil {
				return err
			}
		}
		if p.Packages != nil {
			if _, err := q.Exec(ctx, "DELETE FROM org_packages WHERE org_id = ?", id); err != nil {
				return err
			}
			if err := s.addPackages(ctx, q, id, in.Packages); err != nil {
				return err
			}
		}
		if o, err = getOrg(ctx, q, id); err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvOrgUpdated, Subject: orgRef(id), Before: before.event(""), After: o.event("")})
		return err
	})
	return o, err
}

// Merge moves organisation from's contacts and packages into into and marks from as
// merged (it stays, pointing at into, so old references still resolve).
func (s *Service) Merge(ctx context.Context, actor authz.Actor, into, from int64) (*Org, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	if into == from {
		return nil, validate.Field("from", "an organisation cannot be merged into itself")
	}
	var o *Org
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		dst, err := getOrg(ctx, q, into)
		if err != nil {
			return err
		}
		src, err := getOrg(ctx, q, from)
		if isNoRows(err) {
			return validate.Field("from", "there is no organisation %d", from)
		}
		if err != nil {
			return err
		}
		if dst.MergedInto != 0 {
			return validate.Field("id", "organisation %d was itself merged into %d", into, dst.MergedInto)
		}
		if src.MergedInto != 0 {
			return validate.Field("from", "organisation %d was already merged into %d", from, src.MergedInto)
		}
		have := map[string]bool{}
		for _, c := range dst.Contacts {
			have[contactKey(c)] = true
		}
		moved := 0
		for _, c := range src.Contacts {
			if have[contactKey(c)] {
				continue
			}
			have[contactKey(c)] = true
			if err := s.insertContact(ctx, q, into, c); err != nil {
				return err
			}
			moved++
		}
		pk := map[string]bool{}
		for _, p := range dst.Packages {
			pk[p] = true
		}
		pmoved := 0
		for _, p := range src.Packages {
			if !pk[p] {
				pmoved++
			}
		}
		if err := s.addPackages(ctx, q, into, src.Packages); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := q.Exec(ctx, "UPDATE orgs SET merged_into = ?, updated_at = ? WHERE id = ?", into, now, from); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE orgs SET updated_at = ? WHERE id = ?", now, into); err != nil {
			return err
		}
		if _, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvOrgMerged, Subject: orgRef(into),
			After: MergeEvent{From: from, FromName: src.Name, Contacts: moved, Packages: pmoved}}); err != nil {
			return err
		}
		o, err = getOrg(ctx, q, into)
		return err
	})
	return o, err
}

func contactKey(c OrgContact) string {
	if c.Email != "" {
		return "mailto:" + strings.ToLower(c.Email)
	}
	return c.SecurityTxtURL + "|" + c.WebhookURL + "|" + c.PolicyURL
}

// OrgQuery filters the organisation list.
type OrgQuery struct {
	Q       string // name, contact address or package key contains
	Kind    string
	Package string // maintains this package (a purl)
	After   int64  // cursor: ids above
	Limit   int
	Merged  bool // include merged organisations
}

// Orgs lists organisations by id (staff).
func (s *Service) Orgs(ctx context.Context, actor authz.Actor, qu OrgQuery) ([]*Org, error) {
	if err := authz.Can(actor, authz.ViewDirectory, nil); err != nil {
		return nil, err
	}
	if qu.Limit <= 0 || qu.Limit > 10000 {
		qu.Limit = 50
	}
	where := []string{"id > ?"}
	args := []any{qu.After}
	if !qu.Merged {
		where = append(where, "merged_into IS NULL")
	}
	if qu.Kind != "" {
		var e validate.Errors
		e.OneOf("kind", qu.Kind, Kinds...)
		if err := e.Err(); err != nil {
			return nil, err
		}
		where = append(where, "kind = ?")
		args = append(args, qu.Kind)
	}
	if qu.Package != "" {
		k, err := purl.Package(qu.Package)
		if err != nil {
			return nil, validate.Field("package", "%v", err)
		}
		where = append(where, "id IN (SELECT org_id FROM org_packages WHERE package = ?)")
		args = append(args, k)
	}
	if t := strings.ToLower(strings.TrimSpace(qu.Q)); t != "" {
		like := "%" + strings.NewReplacer("\\", "\\\\", "%", "\\%", "_", "\\_").Replace(t) + "%"
		where = append(where, `(LOWER(name) LIKE ? ESCAPE '\' OR id IN (SELECT org_id FROM org_contacts WHERE LOWER(email) LIKE ? ESCAPE '\')
			OR id IN (SELECT org_id FROM org_packages WHERE package LIKE ? ESCAPE '\'))`)
		args = append(args, like, like, like)
	}
	args = append(args, qu.Limit)
	os, err := db.All(ctx, s.DB.Read(), scanOrg, "SELECT "+orgColumns+" FROM orgs WHERE "+strings.Join(where, " AND ")+" ORDER BY id LIMIT ?", args...)
	if err != nil {
		return nil, err
	}
	if os == nil {
		os = []*Org{}
	}
	return os, fillOrgs(ctx, s.DB.Read(), os)
}

// OrgsOf maps package keys to the ids of the (unmerged) organisations that maintain
// them, in one query per 500 keys. Keys nobody maintains are absent.
func (s *Service) OrgsOf(ctx context.Context, packages []string) (map[string][]int64, error) {
	return orgsOf(ctx, s.DB.Read(), packages)
}

func orgsOf(ctx context.Context, q db.Querier, packages []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	for start := 0; start < len(packages); start += batch {
		part := packages[start:min(len(packages), start+batch)]
		args := make([]any, len(part))
		for i, p := range part {
			args[i] = p
		}
		rows, err := q.Query(ctx, `SELECT p.package, p.org_id FROM org_packages p JOIN orgs o ON o.id = p.org_id
			WHERE o.merged_into IS NULL AND p.package IN (`+db.Placeholders(len(part))+`) ORDER BY p.package, p.org_id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p string
			var id int64
			if err := rows.Scan(&p, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[p] = append(out[p], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OrgNames names organisations by id (for the dependency graph's pages; ids that are
// not organisations are absent).
func (s *Service) OrgNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	q := s.DB.Read()
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(len(ids), start+batch)]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.Query(ctx, "SELECT id, name FROM orgs WHERE id IN ("+db.Placeholders(len(part))+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
