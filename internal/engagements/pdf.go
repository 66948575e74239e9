package engagements

import (
	"bytes"
	"regexp"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// MarkdownPDF lays out simple Markdown (headings, lists, tables, paragraphs, links)
// as an A4 PDF with the core fonts. Relative links are made absolute with base.
func MarkdownPDF(markdown, base string) ([]byte, error) {
	return markdownPDF(markdown, base, 10)
}

var (
	linkRE   = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	emphRE   = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_|` + "`([^`]+)`")
	numberRE = regexp.MustCompile(`^\d+[.)]\s+`)
)

// plain turns inline Markdown into text: emphasis dropped, links as "text (url)".
func plain(s, base string) string {
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		p := linkRE.FindStringSubmatch(m)
		u := p[2]
		if strings.HasPrefix(u, "/") {
			u = strings.TrimRight(base, "/") + u
		}
		if u == p[1] {
			return u
		}
		return p[1] + " (" + u + ")"
	})
	return emphRE.ReplaceAllStringFunc(s, func(m string) string {
		for _, g := range emphRE.FindStringSubmatch(m)[1:] {
			if g != "" {
				return g
			}
		}
		return m
	})
}

func markdownPDF(markdown, base string, size float64) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(18, 16, 18)
	pdf.SetAutoPageBreak(true, 16)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	lh := size * 0.5
	para := func(style string, sz float64, text string, indent float64) {
		pdf.SetFont("Helvetica", style, sz)
		pdf.SetX(18 + indent)
		pdf.MultiCell(0, sz*0.5, tr(text), "", "L", false)
	}
	var buf []string
	flush := func() {
		if len(buf) > 0 {
			para("", size, plain(strings.Join(buf, " "), base), 0)
			pdf.Ln(lh * 0.6)
			buf = nil
		}
	}
	for _, raw := range strings.Split(strings.ReplaceAll(markdown, "\r\n", "\n"), "\n") {
		line := strings.TrimRight(raw, " \t")
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "#"):
			flush()
			level := len(t) - len(strings.TrimLeft(t, "#"))
			sz := size + 8 - float64(2*level)
			if sz < size {
				sz = size
			}
			pdf.Ln(lh * 0.4)
			para("B", sz, plain(strings.TrimSpace(strings.TrimLeft(t, "#")), base), 0)
			pdf.Ln(lh * 0.3)
		case strings.HasPrefix(t, "|"):
			flush()
			cells := strings.Split(strings.Trim(t, "|"), "|")
			if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
				continue // the table's separator row
			}
			for i := range cells {
				cells[i] = plain(strings.TrimSpace(cells[i]), base)
			}
			para("", size, strings.Join(cells, "   ·   "), 4)
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || numberRE.MatchString(t):
			flush()
			bullet := "•  "
			text := t[2:]
			if m := numberRE.FindString(t); m != "" {
				bullet, text = strings.TrimSpace(m)+"  ", t[len(m):]
			}
			para("", size, bullet+plain(text, base), 4)
		default:
			buf = append(buf, t)
		}
	}
	flush()
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
