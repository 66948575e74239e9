package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/ssvc"
)

// The public site: what the team offers, how to report and ask for help, rules of
// engagement, self-education, the triage criteria (from the same SSVC data the
// responders use) and security.txt. Page texts are Markdown that admins edit.

// emailLink is what the Markdown linkifier takes for an e-mail address: the domain must
// end in a name ("example.org"), so "npm install x@1.2.0" or "pkg@v2.0.1" stay text.
var emailLink = regexp.MustCompile(`^[a-zA-Z0-9._%+-]+@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\b`)

var (
	md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList,
		extension.NewLinkify(extension.WithLinkifyEmailRegexp(emailLink))))
	sanitizer = bluemonday.UGCPolicy()
)

// Markdown renders untrusted Markdown to sanitized HTML.
func Markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(sanitizer.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized just above
}

// PublicPage is one editable section of the public site.
type PublicPage struct {
	Key, Title, Path, Default string
}

// PublicPages are the editable public texts, in navigation order.
var PublicPages = []PublicPage{
	{"services", "What we do", "/services", `We are a volunteer security incident response team for open-source software. We help when a vulnerability needs coordinating:

- **Finders** who cannot reach a project's maintainers, or need help getting a fix out.
- **Maintainers** who received a report and want experienced help to assess it, fix it and disclose it.
- **Downstream users** (distributions, vendors, foundations) who must be told about a vulnerability in software nobody maintains any more.

We triage every report against [published criteria](/triage-criteria), coordinate fixes under embargo among maintainers and downstream parties, and publish advisories in the formats the ecosystem reads (OSV, CSAF, CVE).`},
	{"report", "How to report", "/how-to-report", `Use the [report form](/report) — no account needed — or send an email to the intake address in our [security.txt](/.well-known/security.txt). Encrypt it to our [OpenPGP key](/team-key.asc) if you can.

A partial or anonymous report is fine. Before a finding enters coordinated disclosure it needs six things; send what you have and we will tell you what is missing:

1. a description of the vulnerability;
2. how the exploit is triggered;
3. a severity estimate (CVSS if you can);
4. a proof of concept or of vulnerability;
5. a proposed patch;
6. unit tests showing the patch fixes it.

We acknowledge within 2 business days and send an initial assessment within 10 business days. Please keep the issue confidential until we agree on a public date.`},
	{"help", "How to ask for help", "/how-to-ask-for-help", `Maintainers and finders can [ask us for help](/help) with a vulnerability: reaching a project that does not answer, handling a report you received, or telling downstream users about software nobody maintains.`},
	{"rules", "Rules of engagement", "/rules", `- Everything before public disclosure is **TLP:RED**: share it only with the people named in the case.
- We propose a public date when a report is validated; embargoes last at most 90 days, preferably less.
- Downstream parties get embargoed notice between 1 and 30 working days before the public date.
- Public disclosure is preferably on a Monday, Tuesday or Wednesday, and never on a holiday.
- If the issue becomes public or is exploited, the embargo ends: we tell everyone read in at once and publish guidance.
- Good-faith research under this policy is welcome; we credit finders as they wish.`},
	{"education", "Learn more", "/learn", `- The OpenSSF's guide to coordinated vulnerability disclosure for open-source projects.
- CERT/CC's "Guide to Coordinated Vulnerability Disclosure".
- FIRST's CVSS v4.0 specification and calculator.
- The OSV schema, which our advisories follow.`},
}

func (h *Handlers) pageText(r *http.Request, key string) string {
	for _, p := range PublicPages {
		if p.Key == key {
			v, err := h.app.Settings.Get(r.Context(), "page."+key, p.Default)
			if err != nil {
				return p.Default
			}
			return v
		}
	}
	return ""
}

type publicPage struct {
	BasePage
	Body     template.HTML
	Pages    []PublicPage
	Criteria *ssvc.Criteria
}

func (h *Handlers) registerPublic(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	for _, p := range PublicPages {
		if p.Key == "services" {
			continue // the printable services sheet (engagements.go)
		}
		handle("GET "+p.Path, func(w http.ResponseWriter, r *http.Request) error {
			pg := publicPage{BasePage: h.base(r, p.Title), Body: Markdown(h.pageText(r, p.Key)), Pages: PublicPages}
			return h.render(w, r, http.StatusOK, "page", pg)
		})
	}
	handle("GET /triage-criteria", h.criteriaPage)
	handle("GET /.well-known/security.txt", h.securityTxt)
	handle("GET /security.txt", h.securityTxt)
	handle("GET /team-key.asc", h.teamKey)
	handle("GET /admin/pages", h.pagesAdmin)
	h.registerPublishing(handle)
	handle("POST /admin/pages/{key}", h.pageSave)
	handle("GET /admin/templates", h.templatesAdmin)
	handle("POST /admin/templates/{name}", h.templateSave)
}

func (h *Handlers) criteriaPage(w http.ResponseWriter, r *http.Request) error {
	t, err := ssvc.CoordinatorTriage()
	if err != nil {
		return err
	}
	c := t.Criteria()
	return h.render(w, r, http.StatusOK, "criteria", publicPage{BasePage: h.base(r, "Triage criteria"), Criteria: &c, Pages: PublicPages})
}

// securityTxt serves RFC 9116: Contact (the intake address and the report form),
// Expires (the publishing setting, not recomputed per request), Encryption (the team
// key, served by sirt itself), Policy, Acknowledgments, Preferred-Languages, Canonical
// and CSAF (the provider metadata, CSAF 2.0 requirement 8). With a team key it is
// OpenPGP cleartext-signed (RFC 9116 section 2.3), dated by its Expires a year back so
// that every request gets the same bytes.
func (h *Handlers) securityTxt(w http.ResponseWriter, r *http.Request) error {
	base := h.app.Cfg.BaseURL
	exp := h.app.SecurityTxtExpires(r.Context())
	key, keyErr := h.app.TeamKey(r.Context())
	var b strings.Builder
	fmt.Fprintf(&b, "# %s — how to report a security vulnerability (RFC 9116)\n", h.app.Cfg.Team)
	fmt.Fprintf(&b, "Contact: mailto:%s\n", h.app.Cfg.IntakeAddress)
	fmt.Fprintf(&b, "Contact: %s/report\n", base)
	fmt.Fprintf(&b, "Expires: %s\n", exp.Format(time.RFC3339))
	if keyErr == nil {
		fmt.Fprintf(&b, "Encryption: %s/team-key.asc\n", base)
	}
	fmt.Fprintf(&b, "Policy: %s/rules\n", base)
	fmt.Fprintf(&b, "Acknowledgments: %s/advisories\n", base)
	fmt.Fprintf(&b, "Preferred-Languages: en\n")
	fmt.Fprintf(&b, "Canonical: %s/.well-known/security.txt\n", base)
	fmt.Fprintf(&b, "CSAF: %s/.well-known/csaf/provider-metadata.json\n", base)
	out := []byte(b.String())
	if keyErr == nil {
		signed, err := key.ClearSign(out, exp.AddDate(-1, 0, 0))
		if err != nil {
			return err
		}
		out = signed
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(out)
	return err
}

func (h *Handlers) teamKey(w http.ResponseWriter, r *http.Request) error {
	k, err := h.app.TeamKey(r.Context())
	if err != nil {
		http.Error(w, "The team has not published an OpenPGP key yet.", http.StatusNotFound)
		return nil
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	w.Header().Set("Content-Disposition", `inline; filename="team-key.asc"`)
	_, err = w.Write(k.PublicArmored())
	return err
}

type pagesAdmin struct {
	BasePage
	Pages []editablePage
}

type editablePage struct {
	PublicPage
	Text string
}

func (h *Handlers) pagesAdmin(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSettings, nil); err != nil {
		return err
	}
	p := pagesAdmin{BasePage: h.base(r, "Public pages")}
	for _, pg := range PublicPages {
		p.Pages = append(p.Pages, editablePage{PublicPage: pg, Text: h.pageText(r, pg.Key)})
	}
	return h.render(w, r, http.StatusOK, "pages", p)
}

func (h *Handlers) pageSave(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	key := r.PathValue("key")
	for _, pg := range PublicPages {
		if pg.Key == key {
			text := r.PostFormValue("text")
			if strings.TrimSpace(text) == "" {
				text = pg.Default
			}
			if err := h.app.Settings.Set(r.Context(), a, "page."+key, text); err != nil {
				return err
			}
			h.redirectFlash(w, r, "/admin/pages", "Saved.")
			return nil
		}
	}
	return errNotFound
}
