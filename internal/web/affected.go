package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/oss-sirt/sirt/internal/advisory/format"
)

// The advisory's affected packages as a form: one row per package (ecosystem picker,
// name or package URL, one version range with introduced / fixed, or explicit
// versions) instead of the OSV JSON. Entries a row cannot hold (several ranges, GIT
// ranges, severities of their own) stay as OSV JSON in the "advanced" box and are
// saved with the rows: rows first, so the row index is the entry index in messages
// ("affected[0].package.name" is the first row's name).

type affRow struct {
	Ecosystem, Name, PURL, RangeType, Introduced, Fixed, Versions string
}

// affectedRows splits a document's affected list into rows and the rest (JSON).
func affectedRows(raw string) (rows []affRow, advanced string) {
	var list []format.Affected
	if strings.TrimSpace(raw) == "" || json.Unmarshal([]byte(raw), &list) != nil {
		return nil, raw // not a list: leave it to the advanced box as it was
	}
	var rest []format.Affected
	for _, a := range list {
		row, ok := rowOf(a)
		if !ok {
			rest = append(rest, a)
			continue
		}
		rows = append(rows, row)
	}
	if len(rest) > 0 {
		b, _ := json.MarshalIndent(rest, "", "  ")
		advanced = string(b)
	}
	return rows, advanced
}

func rowOf(a format.Affected) (affRow, bool) {
	if len(a.Severity) > 0 || len(a.EcosystemSpecific) > 0 || len(a.DatabaseSpecific) > 0 || len(a.Ranges) > 1 {
		return affRow{}, false
	}
	row := affRow{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, PURL: a.Package.PURL, Versions: strings.Join(a.Versions, ", ")}
	if len(a.Ranges) == 1 {
		rg := a.Ranges[0]
		if rg.Type == "GIT" || len(rg.Events) > 2 {
			return affRow{}, false
		}
		row.RangeType = string(rg.Type)
		for _, ev := range rg.Events {
			switch {
			case ev.Introduced != "" && row.Introduced == "":
				row.Introduced = ev.Introduced
			case ev.Fixed != "" && row.Fixed == "":
				row.Fixed = ev.Fixed
			default:
				return affRow{}, false
			}
		}
	}
	return row, true
}

// affectedFromForm builds the OSV JSON list from the rows and the advanced box; ok is
// false when the form has no rows (an older form: "affected" is used as it is).
func affectedFromForm(r *http.Request) (string, bool) {
	if !r.PostForm.Has("aff_name") {
		return "", false
	}
	get := func(k string, i int) string {
		vs := r.PostForm[k]
		if i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	var list []any
	for i := range r.PostForm["aff_name"] {
		row := affRow{Ecosystem: get("aff_ecosystem", i), Name: get("aff_name", i), PURL: get("aff_purl", i), RangeType: get("aff_range_type", i),
			Introduced: get("aff_introduced", i), Fixed: get("aff_fixed", i), Versions: get("aff_versions", i)}
		if row == (affRow{RangeType: row.RangeType}) {
			continue // the empty row for a new package
		}
		a := format.Affected{Package: format.Package{Ecosystem: row.Ecosystem, Name: row.Name, PURL: row.PURL}}
		if row.Introduced != "" || row.Fixed != "" {
			if row.Introduced == "" {
				row.Introduced = "0"
			}
			a.Ranges = []format.Range{rangeOf(row.RangeType, row.Introduced, row.Fixed)}
		}
		a.Versions = append(a.Versions, strings.FieldsFunc(row.Versions, func(r rune) bool { return r == ',' || r == ' ' })...)
		list = append(list, a)
	}
	if adv := strings.TrimSpace(r.PostFormValue("affected_advanced")); adv != "" {
		var rest []json.RawMessage
		if err := json.Unmarshal([]byte(adv), &rest); err != nil {
			// Hand the box as it is to the validation, which names the problem.
			if len(list) == 0 {
				return adv, true
			}
			b, _ := json.Marshal(list)
			return strings.TrimSuffix(string(b), "]") + "," + adv + "]", true
		}
		for _, x := range rest {
			list = append(list, x)
		}
	}
	if len(list) == 0 {
		return "", true
	}
	b, _ := json.MarshalIndent(list, "", "  ")
	return string(b), true
}
