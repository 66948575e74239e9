package directory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/purl"
	"github.com/oss-sirt/sirt/internal/validate"
)

// InviteResult is what adding organisations to a case did.
type InviteResult struct {
	Added   int      `json:"added" doc:"Contacts added as downstream participants."`
	Skipped []string `json:"skipped" doc:"Addresses already on the case."`
}

// InviteOrgs adds every email contact of orgs to case caseRef as downstream
// participants, in one transaction, through the cases service (which invites them).
// Addresses already on the case are skipped.
func (s *Service) InviteOrgs(ctx context.Context, actor authz.Actor, caseRef string, orgs []int64) (*InviteResult, error) {
	if _, err := s.caseFor(ctx, s.DB.Read(), actor, caseRef); err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, validate.Field("orgs", "choose at least one organisation")
	}
	if len(orgs) > 1000 {
		return nil, validate.Field("orgs", "names %d organisations; the limit is 1000 at once", len(orgs))
	}
	res := &InviteResult{Skipped: []string{}}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		caseID, err := s.caseFor(ctx, q, actor, caseRef)
		if err != nil {
			return err
		}
		rs, err := s.contactsOf(ctx, q, orgs, "orgs")
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return validate.Field("orgs", "none of these organisations has a contact with an email address")
		}
		for _, r := range rs {
			_, err := s.Cases.AddParticipantIn(ctx, q, actor, caseRef, cases.NewParticipant{Email: r.email, Role: string(authz.CaseDownstream),
				Organisation: r.name, PGPKey: strings.TrimSpace(r.key)})
			var re *cases.RuleError
			if errors.As(err, &re) && re.Code == "participants.duplicate" {
				res.Skipped = append(res.Skipped, r.email)
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", r.email, err)
			}
			res.Added++
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvOrgsInvited, Subject: events.Ref{Type: "case", ID: strings.ToUpper(caseRef)}, CaseID: caseID,
			After: InviteEvent{Orgs: orgs, Participants: res.Added}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Suggestion is an organisation the team may want on a case, with why.
type Suggestion struct {
	OrgID   int64  `json:"org_id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Package string `json:"package" doc:"The affected package (key) it relates to."`
	Reason  string `json:"reason"`
	Depth   int    `json:"depth" doc:"0: maintains the affected package; n: maintains a dependent n levels away."`
	OnCase  bool   `json:"on_case" doc:"Every email contact is already a participant."`
}

const suggestDepth = 3

// Suggestions lists, for each affected package of the case, the organisations that
// maintain it and (with the dependency graph) those maintaining its dependents up to
// three levels away (coordinators of the case).
func (s *Service) Suggestions(ctx context.Context, actor authz.Actor, caseRef string) ([]Suggestion, error) {
	if _, err := s.caseFor(ctx, s.DB.Read(), actor, caseRef); err != nil {
		return nil, err
	}
	c, err := s.Cases.Get(ctx, actor, caseRef)
	if err != nil {
		return nil, err
	}
	q := s.DB.Read()
	var out []Suggestion
	seen := map[int64]bool{}
	for _, p := range c.Packages {
		key := packageOf(p.PURL, p.Ecosystem, p.Name)
		if key == "" {
			continue
		}
		direct, err := orgsOf(ctx, q, []string{key})
		if err != nil {
			return nil, err
		}
		for _, id := range direct[key] {
			if !seen[id] {
				seen[id] = true
				out = append(out, Suggestion{OrgID: id, Package: key, Reason: "maintains " + key})
			}
		}
		if s.reach == nil {
			continue
		}
		deps, err := s.reach.DependentPackages(ctx, key, suggestDepth)
		if err != nil {
			return nil, err
		}
		m, err := orgsOf(ctx, q, deps)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, dep := range names {
			for _, id := range m[dep] {
				if !seen[id] {
					seen[id] = true
					out = append(out, Suggestion{OrgID: id, Package: key, Depth: 1, Reason: fmt.Sprintf("maintains %s, which depends on %s", dep, key)})
				}
			}
		}
		if len(out) > 200 {
			break
		}
	}
	if len(out) > 200 {
		out = out[:200]
	}
	onCase := map[string]bool{}
	for _, p := range c.Participants {
		onCase[strings.ToLower(p.Email)] = true
	}
	for i := range out {
		o, err := getOrg(ctx, q, out[i].OrgID)
		if err != nil {
			return nil, err
		}
		out[i].Name, out[i].Kind = o.Name, o.Kind
		all := true
		for _, ct := range o.Contacts {
			if ct.Email != "" && !onCase[strings.ToLower(ct.Email)] {
				all = false
			}
		}
		out[i].OnCase = all
	}
	if out == nil {
		out = []Suggestion{}
	}
	return out, nil
}

// packageOf is the package key of an affected package: its purl, or one made from an
// OSV ecosystem and name for the common ecosystems ("" when neither works).
func packageOf(p, ecosystem, name string) string {
	if p != "" {
		if k, err := purl.Package(p); err == nil {
			return k
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	var s string
	switch strings.ToLower(ecosystem) {
	case "maven":
		g, a, ok := strings.Cut(name, ":")
		if !ok {
			return ""
		}
		s = "pkg:maven/" + g + "/" + a
	case "npm":
		s = "pkg:npm/" + strings.Replace(name, "@", "%40", 1)
	case "pypi":
		s = "pkg:pypi/" + name
	case "go":
		s = "pkg:golang/" + name
	case "crates.io":
		s = "pkg:cargo/" + name
	case "rubygems":
		s = "pkg:gem/" + name
	case "nuget":
		s = "pkg:nuget/" + name
	case "packagist":
		s = "pkg:composer/" + name
	default:
		return ""
	}
	k, err := purl.Package(s)
	if err != nil {
		return ""
	}
	return k
}
