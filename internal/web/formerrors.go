package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/oss-sirt/sirt/internal/httperr"
	"github.com/oss-sirt/sirt/internal/ssvc"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Refused forms: one mechanism for every page. A handler whose service refused the
// input (a *validate.Errors, or a rule of the domain: 409) calls formRefused; it puts
// the messages into BasePage.Errors and the posted values into BasePage.Input, and the
// handler renders the same page again with its status. The layout shows the GOV.UK-style
// error summary ("There is a problem"), each entry a link to its field's id (fieldID);
// the template "field-error" shows the message beside the field. Field keys of the
// domain ("reporter.email") become words (fieldLabel), never shown raw.

// fieldLabels names the fields of the forms in words (the key is the domain's field).
var fieldLabels = map[string]string{
	"reporter.email":   "Your email",
	"reporter.name":    "Your name",
	"summary":          "Summary",
	"details":          "Description",
	"attachments":      "Files",
	"cvss_vector":      "CVSS vector",
	"pathway":          "What you need",
	"public_date":      "Public date",
	"public_date_zone": "Time zone",
	"action":           "Embargo answer",
	"reason":           "Reason",
	"outcome":          "Decision",
	"rationale":        "Rationale",
	"exploitation":     "Exploitation",
	"automatable":      "Automatable",
	"technical_impact": "Technical impact",
	"mission_impact":   "Mission and well-being impact",
	"email":            "Email",
	"role":             "Role",
	"name":             "Name",
	"title":            "Title",
	"body":             "Message",
	"accept":           "Confidentiality terms",
	"ecosystem":        "Ecosystem",
	"purl":             "Package URL",
	"introduced":       "Introduced in",
	"fixed":            "Fixed in",
	"status":           "Status",
	"justification":    "VEX justification",
	"osv":              "OSV document",
	"comment":          "Comment",
	"cvss_v4":          "CVSS v4.0 vector",
	"cvss_v3":          "CVSS v3.1 vector",
	"organisation":     "Organisation",
	"pgp_key":          "OpenPGP key",
}

// triageLabels names the SSVC decision points (decision_points.KEY) by their names.
var triageLabels = sync.OnceValue(func() map[string]string {
	m := map[string]string{"decision_points": "Decision points"}
	if t, err := ssvc.CoordinatorTriage(); err == nil {
		for _, dp := range t.DecisionPoints {
			m[ssvc.FieldPrefix+"."+dp.Key] = dp.Name
		}
	}
	return m
})

var fieldIndex = regexp.MustCompile(`\[(\d+)\]`)

// fieldLabel is a field's name in words: "affected[0].package.name" → "Affected 1: package name".
func fieldLabel(f string) string {
	if l, ok := fieldLabels[f]; ok {
		return l
	}
	if l, ok := triageLabels()[f]; ok {
		return l
	}
	s := fieldIndex.ReplaceAllStringFunc(f, func(m string) string {
		n := strings.Trim(m, "[]")
		if len(n) == 1 && n[0] >= '0' && n[0] < '9' {
			n = string(n[0] + 1)
		}
		return " " + n + ":"
	})
	s = strings.NewReplacer("_", " ", ".", " ").Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "This form"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fieldID is the id of a field's input: "f-" and the key with "." and "[i]" as "_".
func fieldID(f string) string {
	return "f-" + strings.NewReplacer(".", "_", "[", "_", "]", "").Replace(f)
}

// ruleWords strips the rule's code from a domain rule's message ("embargo rule
// em.accept_without_proposal: there is …" → "There is …").
var ruleCode = regexp.MustCompile(`^[\w -]*rule [\w.]+: `)

func ruleWords(msg string) string {
	msg = ruleCode.ReplaceAllString(msg, "")
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// formRefused turns a refusal into form errors on base: field errors as they are, a
// domain rule (409) as an error on field (the control that asked for it). ok is false
// for any other error, which the handler returns (to serveError).
func formRefused(base *BasePage, r *http.Request, err error, field string) (status int, ok bool) {
	if err == nil {
		return 0, false
	}
	if fe, isFE := validate.As(err); isFE {
		base.Errors = fe
		base.Input = formInput(r)
		return http.StatusUnprocessableEntity, true
	}
	var re httperr.Rule
	if errors.As(err, &re) {
		base.Errors = validate.Errors{{Field: field, Message: ruleWords(err.Error())}}
		base.Input = formInput(r)
		return http.StatusConflict, true
	}
	return 0, false
}

// formInput is what the user posted, for the page to show again (no secrets: the
// forms that use it have none).
func formInput(r *http.Request) url.Values {
	if r.PostForm == nil {
		return url.Values{}
	}
	in := url.Values{}
	for k, v := range r.PostForm {
		if k == "csrf" || strings.Contains(k, "password") {
			continue
		}
		in[k] = v
	}
	return in
}

// fieldErrorView is what the "field-error" template shows beside a field.
type fieldErrorView struct{ ID, Message string }

// words shows a value of the domain in words: "no_answer" → "no answer".
func words(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") }
