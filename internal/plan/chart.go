package plan

import (
	"fmt"
	"html"
	"strings"
)

// BurnupSVG draws the burn-up chart as a self-contained SVG (no script, no style
// element, so it passes a strict CSP inline or as an image): the scope line (milestones
// and tasks in the plan) and the done line, one point per day. Its title and desc say
// in words what the lines show, for screen readers.
func BurnupSVG(points []BurnupPoint) string {
	const w, h, left, right, top, bottom = 640, 260, 48, 16, 16, 40
	var b strings.Builder
	title := "Plan burn-up"
	desc := "No plan has been imported yet."
	if n := len(points); n > 0 {
		last := points[n-1]
		desc = fmt.Sprintf("From %s to %s the plan went from %d to %d milestones and tasks; %d are done as of %s, with %s hours logged.",
			points[0].Date, last.Date, points[0].Scope, last.Scope, last.Done, last.Date, num(last.Hours))
		if n == 1 {
			desc = fmt.Sprintf("Only one day of data so far (%s): %d milestones and tasks in the plan, %d done, %s hours logged. The lines start with the second day.",
				last.Date, last.Scope, last.Done, num(last.Hours))
		}
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="burnup-title burnup-desc" class="chart">`, w, h)
	fmt.Fprintf(&b, `<title id="burnup-title">%s</title><desc id="burnup-desc">%s</desc>`, title, html.EscapeString(desc))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
	maxY := 1
	for _, p := range points {
		maxY = max(maxY, p.Scope, p.Done)
	}
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	x := func(i int) float64 {
		if len(points) <= 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(len(points)-1)
	}
	y := func(v int) float64 { return float64(top) + ph - ph*float64(v)/float64(maxY) }
	// Axes and a few grid lines with their values.
	for _, v := range []int{0, maxY / 2, maxY} {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#d0d4da" stroke-width="1"/>`, left, y(v), w-right, y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="12" text-anchor="end" fill="#333">%d</text>`, left-6, y(v)+4, v)
	}
	if len(points) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#333">%s</text>`, left, h-bottom+18, points[0].Date)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end" fill="#333">%s</text>`, w-right, h-bottom+18, points[len(points)-1].Date)
		line := func(val func(BurnupPoint) int, color, dash, name string) {
			var pts []string
			for i, p := range points {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(val(p))))
			}
			if len(pts) == 1 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(0)+1, y(val(points[0]))))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5"%s points="%s"><title>%s</title></polyline>`, color, dash, strings.Join(pts, " "), name)
		}
		line(func(p BurnupPoint) int { return p.Scope }, "#5b6470", ` stroke-dasharray="6 4"`, "Scope: milestones and tasks in the plan")
		line(func(p BurnupPoint) int { return p.Done }, "#1a7f37", "", "Done: milestones and tasks completed")
		if len(points) == 1 {
			// One day is a point, not a line: show the two values and say so.
			p := points[0]
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="#5b6470"><title>Scope: %d</title></circle>`, x(0), y(p.Scope), p.Scope)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="#1a7f37"><title>Done: %d</title></circle>`, x(0), y(p.Done), p.Done)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" text-anchor="middle" fill="#333">Only one day of data so far: the lines start with the second day.</text>`, left+int(pw/2), top+14)
		}
	}
	// Legend.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#5b6470" stroke-width="2.5" stroke-dasharray="6 4"/><text x="%d" y="%d" font-size="12" fill="#333">scope</text>`,
		left+160, h-10, left+190, h-10, left+196, h-6)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1a7f37" stroke-width="2.5"/><text x="%d" y="%d" font-size="12" fill="#333">done</text>`,
		left+250, h-10, left+280, h-10, left+286, h-6)
	b.WriteString(`</svg>`)
	return b.String()
}
