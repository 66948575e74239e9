package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory/format"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Format is an export format.
type Format string

// The export formats.
const (
	FormatOSV  Format = "osv"
	FormatCSAF Format = "csaf" // CSAF 2.0 csaf_security_advisory
	FormatVEX  Format = "vex"  // CSAF 2.0 csaf_vex
	FormatCVE  Format = "cve"  // CVE JSON 5 record
)

// Formats lists the export formats.
var Formats = []Format{FormatOSV, FormatCSAF, FormatVEX, FormatCVE}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", validate.Field("format", "%q is not one of osv, csaf, vex, cve", s)
}

// Export returns the advisory in format f, validated against the format's official
// schema. A document that would not validate is never returned: the error is a
// *format.ValidationError naming the JSON path, a *format.MissingError saying what to
// add, or format.ErrWithdrawn (see IsFormatError).
func (s *Service) Export(ctx context.Context, actor authz.Actor, ref string, f Format) ([]byte, error) {
	a, err := s.Get(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	if f == FormatVEX && a.CaseID != nil {
		if cv, ok := s.cases.(CaseVEX); ok {
			sts, err := cv.AdvisoryVEX(ctx, s.db.Read(), actor, *a.CaseID, append([]string{a.PublicID}, a.Doc.Aliases...))
			if err != nil {
				return nil, err
			}
			if len(sts) > 0 {
				return s.exportVEX(a, sts)
			}
		}
	}
	return s.export(ctx, a, f)
}

// CaseVEX is implemented by a CaseSource that knows the product statuses the parties of
// a case stated (internal/cases): the advisory's VEX export then reflects them.
type CaseVEX interface {
	AdvisoryVEX(ctx context.Context, q db.Querier, actor authz.Actor, caseID int64, aliases []string) ([]format.ProductStatus, error)
}

// exportVEX is the advisory's VEX document: the advisory's own statements (each
// affected range known_affected, each fixed version fixed) and beside them each case
// party's statuses about its own product.
func (s *Service) exportVEX(a *Advisory, sts []format.ProductStatus) ([]byte, error) {
	d := s.view(a)
	status := format.StatusDraft
	if a.Published() {
		status = format.StatusFinal
	}
	var own []format.ProductStatus
	for _, af := range d.Affected {
		for i := range af.Ranges {
			own = append(own, format.ProductStatus{Package: af.Package, Range: &af.Ranges[i], Status: format.KnownAffected})
			for _, e := range af.Ranges[i].Events {
				if e.Fixed != "" && af.Ranges[i].Type != format.RangeGit {
					own = append(own, format.ProductStatus{Package: af.Package, Version: e.Fixed, Status: format.Fixed})
				}
			}
		}
		for _, v := range af.Versions {
			own = append(own, format.ProductStatus{Package: af.Package, Version: v, Status: format.KnownAffected})
		}
	}
	return format.VEX(d, append(own, sts...), format.CSAFOptions{Now: revisionTime(d), Status: status, GeneratorVersion: s.cfg.Version})
}

// FileName is the name an export is downloaded as.
func FileName(a *Advisory, f Format) string {
	switch f {
	case FormatOSV:
		return a.OSVID + ".json"
	case FormatCSAF, FormatVEX:
		return csafFileName(a.PublicID)
	}
	return a.PublicID + "." + string(f) + ".json"
}

// view is the document as exported: ids, publisher and TLP from the advisory's state
// (a draft is TLP:RED whatever its document says; a published advisory TLP:CLEAR) and a
// draft's CSAF version 0, as CSAF 2.0 wants of drafts.
func (s *Service) view(a *Advisory) *format.Advisory {
	d := clone(a.Doc)
	d.ID, d.OSVID = a.PublicID, a.OSVID
	d.Publisher = s.Publisher()
	if a.Published() {
		d.TLP = format.TLPClear
	} else {
		d.TLP = format.TLPRed
		d.Revisions = []format.Revision{{Number: "0", Date: a.UpdatedAt, Summary: "Draft, not published."}}
	}
	if d.Modified.IsZero() {
		d.Modified = a.UpdatedAt
	}
	return d
}

func (s *Service) export(ctx context.Context, a *Advisory, f Format) ([]byte, error) {
	d := s.view(a)
	// Every date of a document comes from the revision it shows, never from the
	// clock: the same revision renders the same bytes on every request, so the
	// published hashes and signatures keep matching (CSAF 2.0 section 7.1.18).
	now := revisionTime(d)
	status := format.StatusDraft
	if a.Published() {
		status = format.StatusFinal
	}
	csafOpts := format.CSAFOptions{Now: now, Status: status, GeneratorVersion: s.cfg.Version}
	switch f {
	case FormatOSV:
		return format.OSV(d)
	case FormatCSAF:
		return format.CSAF(d, csafOpts)
	case FormatVEX:
		return format.VEX(d, nil, csafOpts)
	case FormatCVE:
		// cveMetadata.state: RESERVED until the vulnerability is public (the team's
		// publication, or an imported record's own), PUBLISHED after.
		return format.CVE5(d, format.CVEOptions{Now: now, GeneratorVersion: s.cfg.Version,
			AssignerOrgID: s.cnaOrgID(ctx), AssignerShortName: s.setting(ctx, SettingCNAShortName)})
	}
	return nil, validate.Field("format", "%q is not one of osv, csaf, vex, cve", f)
}

// revisionTime is when the revision d shows was made: its last modification or its
// latest revision entry, whichever is later.
func revisionTime(d *format.Advisory) time.Time {
	t := d.Modified
	for _, r := range d.Revisions {
		if r.Date.After(t) {
			t = r.Date
		}
	}
	if d.Published.After(t) {
		t = d.Published
	}
	return t.UTC()
}

// Public is what the public pages read: published (and withdrawn) advisories only.
// Every method answers db.ErrNotFound for anything unpublished, however it is named.
type Public struct{ s *Service }

// Public returns the public side of the service.
func (s *Service) Public() Public { return Public{s} }

// List returns the public advisories, newest publication first (limit 0: all).
func (p Public) List(ctx context.Context, limit int) ([]*Advisory, error) {
	return published(ctx, p.s.db.Read(), limit)
}

// Get returns one public advisory by public id, OSV id or number.
func (p Public) Get(ctx context.Context, ref string) (*Advisory, error) {
	return p.s.Get(ctx, authz.Anonymous(), ref)
}

// OSV returns the OSV record of a public advisory.
func (p Public) OSV(ctx context.Context, ref string) ([]byte, error) {
	a, err := p.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	return p.s.export(ctx, a, FormatOSV)
}

// Zip writes every public OSV record into one zip archive, one file <OSV id>.json per
// record at the top level, as OSV consumers read a database's all.zip.
func (p Public) Zip(ctx context.Context) ([]byte, error) {
	as, err := p.List(ctx, 0)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, a := range as {
		data, err := p.s.export(ctx, a, FormatOSV)
		if err != nil {
			continue // never offered invalid; the staff see the error on the advisory
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: a.OSVID + ".json", Method: zip.Deflate, Modified: a.Doc.Modified})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CSAFDocument is one published CSAF advisory as the provider directory lists it.
type CSAFDocument struct {
	Path     string    // "2026/oss-sirt-2026-0001.json", relative to the TLP:WHITE directory
	Initial  time.Time // initial_release_date
	Current  time.Time // current_release_date
	Advisory *Advisory
	Data     []byte
}

var csafUnsafe = regexp.MustCompile(`[^+\-a-z0-9]+`)

// csafFileName is the file name CSAF 2.0 section 5.1 gives a document of tracking id id.
func csafFileName(id string) string {
	return csafUnsafe.ReplaceAllString(strings.ToLower(id), "_") + ".json"
}

// CSAF returns every published advisory that makes a valid CSAF security advisory,
// newest change first, placed in year folders by initial release (CSAF 2.0 section 7.1.11).
func (p Public) CSAF(ctx context.Context) ([]CSAFDocument, error) {
	as, err := p.List(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []CSAFDocument
	for _, a := range as {
		data, err := p.s.export(ctx, a, FormatCSAF)
		if err != nil {
			continue // an advisory without affected packages has no CSAF document
		}
		initial := a.Doc.Published
		if initial.IsZero() {
			initial = *a.PublishedAt
		}
		current := a.Doc.Modified
		if current.IsZero() || current.Before(initial) {
			current = initial
		}
		out = append(out, CSAFDocument{Path: fmt.Sprintf("%d/%s", initial.UTC().Year(), csafFileName(a.PublicID)),
			Initial: initial.UTC(), Current: current.UTC(), Advisory: a, Data: data})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Current.After(out[j].Current) })
	return out, nil
}

// Publisher is the team as the public documents name it.
func (p Public) Publisher() format.Publisher { return p.s.Publisher() }
