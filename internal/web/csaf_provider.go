package web

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/advisory"
	"github.com/oss-sirt/sirt/internal/db"
)

// The CSAF 2.0 provider (section 7.1, role csaf_provider): provider-metadata.json with
// the team's OpenPGP key (requirement 20), the TLP:WHITE directory with its listings
// (requirements 11–14), a ROLIE feed (15–17), and for every document its .sha256,
// .sha512 (18) and detached OpenPGP signature .asc (19). A document and its signature
// are functions of the published revision (dated by it), so every request for one gets
// the same bytes.

const (
	csafBase      = "/.well-known/csaf"
	csafWhite     = csafBase + "/white/"
	csafFeedPath  = csafBase + "/feed-tlp-white.json"
	csafSchemaURL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
	csafRolieTerm = "urn:ietf:params:rolie:category:information-type"
)

func (h *Handlers) registerCSAF(handle func(string, handler)) {
	handle("GET /.well-known/csaf/provider-metadata.json", h.csafProviderMetadata)
	handle("GET /.well-known/csaf/feed-tlp-white.json", h.csafFeed)
	handle("GET /.well-known/csaf/white/{$}", h.csafDirectory)
	handle("GET /.well-known/csaf/white/index.txt", h.csafIndex)
	handle("GET /.well-known/csaf/white/changes.csv", h.csafChanges)
	handle("GET /.well-known/csaf/white/{year}/{$}", h.csafYear)
	handle("GET /.well-known/csaf/white/{year}/{file}", h.csafFile)
}

// csafProviderMetadata is the CSAF 2.0 provider metadata (section 7.1.7) of a
// csaf_provider with one distribution of TLP:WHITE documents: the directory and its
// ROLIE feed.
func (h *Handlers) csafProviderMetadata(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.app.Advisories.Public().CSAF(r.Context())
	if err != nil {
		return err
	}
	base := h.app.Cfg.BaseURL
	updated := h.app.Started.UTC()
	if len(docs) > 0 {
		updated = docs[0].Current
	}
	pub := h.app.Advisories.Public().Publisher()
	meta := map[string]any{
		"canonical_url": base + csafBase + "/provider-metadata.json",
		"distributions": []map[string]any{{
			"directory_url": base + csafWhite,
			"rolie": map[string]any{"feeds": []map[string]string{{
				"summary": "TLP:WHITE advisories of " + pub.Name, "tlp_label": "WHITE", "url": base + csafFeedPath}}},
		}},
		"last_updated":               updated.Format(time.RFC3339),
		"list_on_CSAF_aggregators":   true,
		"metadata_version":           "2.0",
		"mirror_on_CSAF_aggregators": true,
		"publisher": map[string]string{"category": orDefault(pub.Category, "coordinator"), "name": pub.Name, "namespace": pub.Namespace,
			"contact_details": "See " + base + "/.well-known/security.txt"},
		"role": "csaf_provider",
	}
	if k, err := h.app.TeamKey(r.Context()); err == nil {
		meta["public_openpgp_keys"] = []map[string]string{{"fingerprint": k.Fingerprint(), "url": base + "/team-key.asc"}}
	}
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return writePublicJSON(w, append(data, '\n'))
}

// csafSignature is the detached signature of a document, dated by its current release.
func (h *Handlers) csafSignature(r *http.Request, d advisory.CSAFDocument) ([]byte, error) {
	k, err := h.app.TeamKey(r.Context())
	if err != nil {
		return nil, db.ErrNotFound // no key, no signature
	}
	return k.SignAt(d.Data, d.Current)
}

// csafFile serves one document of the TLP:WHITE directory, or its .sha256, .sha512 or .asc.
func (h *Handlers) csafFile(w http.ResponseWriter, r *http.Request) error {
	path := r.PathValue("year") + "/" + r.PathValue("file")
	name, ext := path, ""
	for _, e := range []string{".sha256", ".sha512", ".asc"} {
		if p, ok := strings.CutSuffix(path, e); ok {
			name, ext = p, e
		}
	}
	docs, err := h.app.Advisories.Public().CSAF(r.Context())
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Path != name {
			continue
		}
		base := name[strings.LastIndex(name, "/")+1:]
		w.Header().Set("Cache-Control", "public, max-age=60")
		switch ext {
		case ".sha256":
			sum := sha256.Sum256(d.Data)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, err = fmt.Fprintf(w, "%s  %s\n", hex.EncodeToString(sum[:]), base)
		case ".sha512":
			sum := sha512.Sum512(d.Data)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, err = fmt.Fprintf(w, "%s  %s\n", hex.EncodeToString(sum[:]), base)
		case ".asc":
			sig, serr := h.csafSignature(r, d)
			if serr != nil {
				return serr
			}
			w.Header().Set("Content-Type", "application/pgp-signature")
			_, err = w.Write(sig)
		default:
			err = writePublicJSON(w, d.Data)
		}
		return err
	}
	return db.ErrNotFound
}

// csafListing is a directory listing (requirement 14): names relative to the directory.
var csafListing = template.Must(template.New("listing").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Index of {{.Path}}</title></head>
<body><h1>Index of {{.Path}}</h1>
<ul>{{if .Parent}}<li><a href="../">../</a></li>{{end}}{{range .Names}}
<li><a href="{{.}}">{{.}}</a></li>{{end}}
</ul></body></html>
`))

func writeListing(w http.ResponseWriter, path string, parent bool, names []string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	return csafListing.Execute(w, struct {
		Path   string
		Parent bool
		Names  []string
	}{path, parent, names})
}

// csafDirectory lists the TLP:WHITE directory: the year folders, index.txt and changes.csv.
func (h *Handlers) csafDirectory(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.app.Advisories.Public().CSAF(r.Context())
	if err != nil {
		return err
	}
	years := map[string]bool{}
	for _, d := range docs {
		years[d.Path[:strings.IndexByte(d.Path, '/')]] = true
	}
	var names []string
	for y := range years {
		names = append(names, y+"/")
	}
	sort.Strings(names)
	return writeListing(w, csafWhite, true, append(names, "changes.csv", "index.txt"))
}

// csafYear lists one year folder: every document with its hashes and signature.
func (h *Handlers) csafYear(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.app.Advisories.Public().CSAF(r.Context())
	if err != nil {
		return err
	}
	year := r.PathValue("year")
	_, keyErr := h.app.TeamKey(r.Context())
	var names []string
	for _, d := range docs {
		dir, file, _ := strings.Cut(d.Path, "/")
		if dir != year {
			continue
		}
		names = append(names, file, file+".sha256", file+".sha512")
		if keyErr == nil {
			names = append(names, file+".asc")
		}
	}
	if len(names) == 0 {
		return db.ErrNotFound
	}
	sort.Strings(names)
	return writeListing(w, csafWhite+year+"/", true, names)
}

// The ROLIE feed (RFC 8322) of the TLP:WHITE documents, as CSAF 2.0 section 7.1.15 shapes it.
type (
	rolieDoc struct {
		Feed rolieFeed `json:"feed"`
	}
	rolieFeed struct {
		ID       string          `json:"id"`
		Title    string          `json:"title"`
		Link     []rolieLink     `json:"link"`
		Category []rolieCategory `json:"category"`
		Updated  string          `json:"updated"`
		Entry    []rolieEntry    `json:"entry"`
	}
	rolieLink struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	}
	rolieCategory struct {
		Scheme string `json:"scheme"`
		Term   string `json:"term"`
	}
	rolieEntry struct {
		ID        string       `json:"id"`
		Title     string       `json:"title"`
		Link      []rolieLink  `json:"link"`
		Published string       `json:"published"`
		Updated   string       `json:"updated"`
		Summary   *rolieText   `json:"summary,omitempty"`
		Content   rolieContent `json:"content"`
		Format    rolieFormat  `json:"format"`
	}
	rolieText struct {
		Content string `json:"content"`
	}
	rolieContent struct {
		Type string `json:"type"`
		Src  string `json:"src"`
	}
	rolieFormat struct {
		Schema  string `json:"schema"`
		Version string `json:"version"`
	}
)

func (h *Handlers) csafFeed(w http.ResponseWriter, r *http.Request) error {
	pub := h.app.Advisories.Public()
	docs, err := pub.CSAF(r.Context())
	if err != nil {
		return err
	}
	base := h.app.Cfg.BaseURL
	_, keyErr := h.app.TeamKey(r.Context())
	updated := h.app.Started.UTC()
	if len(docs) > 0 {
		updated = docs[0].Current
	}
	feed := rolieFeed{
		ID:       strings.ToLower(csafUnsafeID(pub.Publisher().Name)) + "-csaf-feed-tlp-white",
		Title:    pub.Publisher().Name + " CSAF feed (TLP:WHITE)",
		Link:     []rolieLink{{Rel: "self", Href: base + csafFeedPath}},
		Category: []rolieCategory{{Scheme: csafRolieTerm, Term: "csaf"}},
		Updated:  updated.Format(time.RFC3339),
		Entry:    []rolieEntry{},
	}
	for _, d := range docs {
		u := base + csafWhite + d.Path
		e := rolieEntry{ID: d.Advisory.PublicID, Title: d.Advisory.Title(),
			Link:      []rolieLink{{Rel: "self", Href: u}, {Rel: "hash", Href: u + ".sha256"}, {Rel: "hash", Href: u + ".sha512"}},
			Published: d.Initial.Format(time.RFC3339), Updated: d.Current.Format(time.RFC3339),
			Content: rolieContent{Type: "application/json", Src: u},
			Format:  rolieFormat{Schema: csafSchemaURL, Version: "2.0"}}
		if keyErr == nil {
			e.Link = append(e.Link, rolieLink{Rel: "signature", Href: u + ".asc"})
		}
		if s := strings.TrimSpace(d.Advisory.Doc.Summary); s != "" {
			e.Summary = &rolieText{Content: s}
		}
		feed.Entry = append(feed.Entry, e)
	}
	data, err := json.MarshalIndent(rolieDoc{feed}, "", "  ")
	if err != nil {
		return err
	}
	return writePublicJSON(w, append(data, '\n'))
}

// csafUnsafeID turns a team name into an id part: letters, digits and dashes.
func csafUnsafeID(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
