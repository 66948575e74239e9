package mail

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// htmlToText turns an HTML body into readable plain text, crudely: scripts
// and styles dropped, block elements and <br> as line breaks, links as
// "text (href)", entities decoded, runs of blank lines collapsed. It is for
// reading a report, not for rendering anything.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // inside <script>, <style>, <head>…
	var href string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(collapseSpace(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title", "template", "noscript":
				if tt == html.StartTagToken {
					skip++
				}
			case "br":
				b.WriteString("\n")
			case "li":
				b.WriteString("\n- ")
			case "a":
				href = ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
				}
			default:
				if blockTags[tag] {
					b.WriteString("\n")
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title", "template", "noscript":
				if skip > 0 {
					skip--
				}
			case "a":
				if href != "" && !strings.HasPrefix(href, "#") && !strings.HasPrefix(strings.ToLower(href), "javascript:") {
					b.WriteString(" (" + href + ")")
				}
				href = ""
			default:
				if blockTags[tag] {
					b.WriteString("\n")
				}
			}
		}
	}
}

var blockTags = map[string]bool{
	"p": true, "div": true, "tr": true, "table": true, "ul": true, "ol": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"pre": true, "blockquote": true, "hr": true, "section": true, "article": true,
	"header": true, "footer": true, "body": true,
}

var spaceRE = regexp.MustCompile(`[ \t\r\n\f]+`)

func collapseSpace(s string) string { return spaceRE.ReplaceAllString(s, " ") }

var blankLinesRE = regexp.MustCompile(`\n{3,}`)

// tidyText trims every line and keeps at most one blank line in a row.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	s = strings.Join(lines, "\n")
	return strings.TrimSpace(blankLinesRE.ReplaceAllString(s, "\n\n"))
}
