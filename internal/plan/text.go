package plan

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

var (
	htmlTagRE     = regexp.MustCompile(`</?[A-Za-z][^<>]*>`)
	underscoreEm  = regexp.MustCompile(`(^|[^\w])_([^_]+)_([^\w]|$)`)
	asteriskEm    = regexp.MustCompile(`(^|[^\w*])\*([^*\s][^*]*)\*([^\w*]|$)`)
	footnoteRefRE = regexp.MustCompile(`\[\^([^\]\s]+)\]`)
	spacesRE      = regexp.MustCompile(`\s+`)
	mdLinkRE      = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]*)\)`)
	linkTargetRE  = regexp.MustCompile(`\]\([^)]*\)`)
	urlRE         = regexp.MustCompile(`https?://[^\s)\]>]+`)
	shortcodeRE   = regexp.MustCompile(`:[a-z0-9_+-]+:`)
)

// stripEmphasis removes HTML tags and Markdown bold/italic marks, keeping the words.
func stripEmphasis(s string) string {
	if strings.Contains(s, "<") {
		s = htmlTagRE.ReplaceAllString(s, "")
	}
	s = strings.ReplaceAll(s, "**", "")
	s = strings.ReplaceAll(s, "__", "")
	// Twice, because adjacent matches share their boundary characters.
	for range 2 {
		if strings.Contains(s, "_") {
			s = underscoreEm.ReplaceAllString(s, "$1$2$3")
		}
		if strings.Contains(s, "*") {
			s = asteriskEm.ReplaceAllString(s, "$1$2$3")
		}
	}
	return strings.TrimSpace(s)
}

// clean is the display form of an item's text: no emphasis, single spaces.
func clean(s string) string {
	return strings.TrimSpace(spacesRE.ReplaceAllString(stripEmphasis(s), " "))
}

// withoutFootnoteRefs removes "[^1]" marks from s.
func withoutFootnoteRefs(s string) string {
	return footnoteRefRE.ReplaceAllString(s, "")
}

func footnoteRefs(s string) []string {
	var out []string
	for _, m := range footnoteRefRE.FindAllStringSubmatch(s, -1) {
		out = appendUnique(out, m[1])
	}
	return out
}

func appendUnique(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, x := range list {
			if x == it {
				found = true
				break
			}
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}

var (
	githubIssueRE = regexp.MustCompile(`https?://github\.com/([\w.-]+/[\w.-]+)/(?:issues|pull)/(\d+)`)
	relIssueRE    = regexp.MustCompile(`(?:^|[\s(/])issues/(\d+)\b`)
	hashIssueRE   = regexp.MustCompile(`(?:^|[\s(\[,;])#(\d+)\b`)
)

// extractIssues finds issue references: GitHub issue or pull URLs, relative
// "issues/9" links and "#16". Numbers inside other URLs (anchors such as
// "#21---identify") are not issues.
func extractIssues(s string) []Issue {
	var out []Issue
	add := func(is Issue) {
		for _, x := range out {
			if x.Number == is.Number && (x.Repo == is.Repo || is.Repo == "") {
				return
			}
		}
		out = append(out, is)
	}
	for _, m := range githubIssueRE.FindAllStringSubmatch(s, -1) {
		if n, err := strconv.Atoi(m[2]); err == nil {
			add(Issue{Number: n, Repo: m[1], URL: m[0]})
		}
	}
	rest := githubIssueRE.ReplaceAllString(s, " ")
	rest = mdLinkRE.ReplaceAllString(rest, "$1 ($2)")
	for _, m := range relIssueRE.FindAllStringSubmatch(rest, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			add(Issue{Number: n})
		}
	}
	rest = urlRE.ReplaceAllString(rest, " ")
	rest = linkTargetRE.ReplaceAllString(rest, "]")
	for _, m := range hashIssueRE.FindAllStringSubmatch(rest, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			add(Issue{Number: n})
		}
	}
	return out
}

// tokens are the lower-case words and numbers of s, without URLs or Markdown.
func tokens(s string) map[string]bool {
	s = urlRE.ReplaceAllString(s, " ")
	s = linkTargetRE.ReplaceAllString(s, "]")
	s = stripEmphasis(s)
	set := map[string]bool{}
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}) {
		set[f] = true
	}
	return set
}

// Similarity is the Jaccard index of the normalized word sets of a and b:
// 1 for the same words, 0 for none in common. Two texts without words are
// similar (1) only when they are equal.
func Similarity(a, b string) float64 {
	return jaccard(a, b, tokens(a), tokens(b))
}

func jaccard(a, b string, ta, tb map[string]bool) float64 {
	if len(ta) == 0 || len(tb) == 0 {
		if len(ta) == 0 && len(tb) == 0 && strings.TrimSpace(a) == strings.TrimSpace(b) {
			return 1
		}
		return 0
	}
	inter := 0
	for t := range ta {
		if tb[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(ta)+len(tb)-inter)
}

// snippet quotes a line for a warning, shortened.
func snippet(s string) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return strconv.Quote(s)
}
