package metrics

import (
	"fmt"
	"html"
	"strings"
)

// Chart is a bar chart rendered as SVG on the server, with a title and a description
// for screen readers (and for anyone reading the SVG without a browser).
type Chart struct {
	Title  string   `json:"title"`
	Desc   string   `json:"desc"`
	Unit   string   `json:"unit"`
	Labels []string `json:"labels"`
	// Values has one entry per label; nil means no data for that bar.
	Values []*float64 `json:"values"`
}

func fmtNum(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// points counts the bars that have data.
func (c Chart) points() int {
	n := 0
	for _, v := range c.Values {
		if v != nil {
			n++
		}
	}
	return n
}

// Summary is the chart's data as one sentence (its desc, and the text fallback).
func (c Chart) Summary() string {
	var parts []string
	for i, l := range c.Labels {
		if c.Values[i] == nil {
			parts = append(parts, l+": no data")
		} else {
			parts = append(parts, l+": "+fmtNum(*c.Values[i])+" "+c.Unit)
		}
	}
	return c.Desc + " " + strings.Join(parts, "; ") + "."
}

// SVG renders the chart. With fewer than two data points it says so instead of
// drawing an axis with nothing on it.
func (c Chart) SVG() string {
	const w, h, left, bottom, top = 560, 240, 48, 40, 28
	var b strings.Builder
	esc := html.EscapeString
	id := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(c.Title))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-t %s-d" class="chart">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(c.Summary()))
	fmt.Fprintf(&b, `<text x="8" y="18" font-size="14" font-weight="bold" fill="#222">%s</text>`, esc(c.Title))
	switch n := c.points(); {
	case n == 0:
		fmt.Fprintf(&b, `<text x="8" y="%d" font-size="13" fill="#444">No data for this period.</text>`, h/2)
	case n == 1:
		for i, v := range c.Values {
			if v != nil {
				fmt.Fprintf(&b, `<text x="8" y="%d" font-size="13" fill="#444">Only one data point, so no trend: %s = %s %s.</text>`,
					h/2, esc(c.Labels[i]), fmtNum(*v), esc(c.Unit))
			}
		}
	default:
		maxV := 0.0
		for _, v := range c.Values {
			if v != nil && *v > maxV {
				maxV = *v
			}
		}
		if maxV == 0 {
			maxV = 1
		}
		plotH := float64(h - bottom - top)
		slot := float64(w-left-8) / float64(len(c.Values))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#666"/>`, left, h-bottom, w-8, h-bottom)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#444">%s</text>`, left-4, top+4, fmtNum(maxV))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#444">0</text>`, left-4, h-bottom)
		for i, v := range c.Values {
			x := float64(left) + slot*float64(i) + slot*0.15
			bw := slot * 0.7
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#222">%s</text>`, x+bw/2, h-bottom+16, esc(c.Labels[i]))
			if v == nil {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle" fill="#666">n/a</text>`, x+bw/2, h-bottom-4)
				continue
			}
			bh := *v / maxV * plotH
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2f6690"><title>%s: %s %s</title></rect>`,
				x, float64(h-bottom)-bh, bw, bh, esc(c.Labels[i]), fmtNum(*v), esc(c.Unit))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#222">%s</text>`, x+bw/2, float64(h-bottom)-bh-3, fmtNum(*v))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#444">%s</text>`, left, h-6, esc(c.Unit))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
