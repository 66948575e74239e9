package web

import (
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/metrics"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Metrics pages: the staff dashboard with SLI definitions and drill-downs, the reports
// to the TAC (programme manager, admins) and the public transparency page.

func (h *Handlers) registerMetrics(mux *http.ServeMux) {
	handle := func(pattern string, f handler) { mux.Handle(pattern, h.wrap(f)) }
	h.AddNav(NavItem{Label: "Metrics", Href: "/staff/metrics", Action: authz.ViewMetrics})
	handle("GET /staff/metrics", h.metricsDashboard)
	handle("GET /staff/metrics/slis/{key}", h.metricsSLI)
	handle("POST /staff/metrics/slos", h.metricsSetSLO)
	handle("GET /tac/{file}", h.tacReport)
	handle("GET /tac/{period}/{chart}", h.tacChart)
	handle("GET /transparency", h.transparencyPage)
}

// metricsRow is one SLI line of the dashboard, formatted.
type metricsRow struct {
	Key, Name, Unit                 string
	N, Open                         int
	P50, P90, PrevP50, Target, Comp string
	PrevComp, Budget                string
	Breaches                        int
}

type metricsPage struct {
	BasePage
	Cur, Prev        metrics.Period
	Rows             []metricsRow
	Volumes          [][3]string
	Charts           []template.HTML
	CanManage        bool
	Keys             []string
	CurFrom, CurTo   string
	PrevFrom, PrevTo string
}

func fmtP(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func fmtPct(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + " %" }

func dayRange(p metrics.Period) (string, string) {
	return p.From.Format(time.DateOnly), p.To.AddDate(0, 0, -1).Format(time.DateOnly)
}

func (h *Handlers) metricsDashboard(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	d, err := h.app.Metrics.Dashboard(r.Context(), a)
	if err != nil {
		return err
	}
	pg := metricsPage{BasePage: h.base(r, "Metrics"), Cur: d.Current, Prev: d.Previous,
		CanManage: authz.Can(a, authz.ManageSLOs, nil) == nil}
	pg.CurFrom, _ = dayRange(d.Current)
	pg.CurTo = h.app.Clock.Now().UTC().Format(time.DateOnly)
	pg.PrevFrom, pg.PrevTo = dayRange(d.Previous)
	for i, x := range d.CurrentSLIs {
		pv := d.PreviousSLIs[i]
		row := metricsRow{Key: x.Key, Name: x.Name, Unit: strings.ReplaceAll(x.Unit, "_", " "), N: x.N, Open: x.Open,
			P50: fmtP(x.P50), P90: fmtP(x.P90), PrevP50: fmtP(pv.P50), Target: "–", Comp: "–", PrevComp: "–", Budget: "–", Breaches: len(x.Breaches)}
		if x.Unit == metrics.UnitShare {
			row.P50, row.PrevP50 = fmtP(x.Value), fmtP(pv.Value)
		}
		if x.SLO != nil {
			row.Target = fmt.Sprintf("%s in %s", strconv.FormatFloat(x.SLO.TargetDays, 'f', -1, 64), fmtPct(x.SLO.Objective))
			row.Comp, row.Budget = fmtPct(x.SLO.Compliance), fmtPct(x.SLO.ErrorBudget)
		}
		if pv.SLO != nil {
			row.PrevComp = fmtPct(pv.SLO.Compliance)
		}
		pg.Rows = append(pg.Rows, row)
		pg.Keys = append(pg.Keys, x.Key)
	}
	cv, pv := d.CurrentVol, d.PreviousVol
	pg.Volumes = [][3]string{
		{"Reports received", strconv.Itoa(cv.Received), strconv.Itoa(pv.Received)},
		{"Cases opened", strconv.Itoa(cv.CasesOpened), strconv.Itoa(pv.CasesOpened)},
		{"Cases closed", strconv.Itoa(cv.CasesClosed), strconv.Itoa(pv.CasesClosed)},
		{"Cases open at the end", strconv.Itoa(cv.CasesOpenEnd), strconv.Itoa(pv.CasesOpenEnd)},
		{"Embargo breaks", strconv.Itoa(cv.EmbargoBreaks), strconv.Itoa(pv.EmbargoBreaks)},
	}
	for _, c := range d.Charts {
		pg.Charts = append(pg.Charts, template.HTML(c.SVG())) // built from escaped text
	}
	return h.render(w, r, http.StatusOK, "metrics", pg)
}

type metricsSLIPage struct {
	BasePage
	Def        metrics.Definition
	Period     metrics.Period
	From, To   string
	SLI        metrics.SLI
	Items      []metricsItem
	Target     string
	Compliance string
}

type metricsItem struct {
	Ref, Href, Start, End, Value, Calendar string
	Breached                               bool
}

func (h *Handlers) metricsSLI(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	now := h.app.Clock.Now().UTC()
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" {
		from = metrics.QuarterOf(now).From.Format(time.DateOnly)
	}
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	p, err := metrics.ParseRange(from, to)
	if err != nil {
		return err
	}
	d, err := h.app.Metrics.SLI(r.Context(), a, r.PathValue("key"), p)
	if err != nil {
		return err
	}
	pg := metricsSLIPage{BasePage: h.base(r, d.Definition.Name), Def: d.Definition, Period: p, From: from, To: to, SLI: d.SLI, Target: "none", Compliance: "–"}
	if d.SLI.SLO != nil {
		pg.Target = fmt.Sprintf("%s %s in %s of items", strconv.FormatFloat(d.SLI.SLO.TargetDays, 'f', -1, 64), strings.ReplaceAll(d.Definition.Unit, "_", " "), fmtPct(d.SLI.SLO.Objective))
		pg.Compliance = fmt.Sprintf("%s (%d of %d); error budget left %s", fmtPct(d.SLI.SLO.Compliance), d.SLI.SLO.Met, d.SLI.SLO.Evaluated, fmtPct(d.SLI.SLO.ErrorBudget))
	}
	for _, it := range d.SLI.Items {
		mi := metricsItem{Ref: it.Ref, Href: "/" + it.Kind + "s/" + it.Ref, Start: it.Start.Format("2006-01-02 15:04"), End: "open", Value: fmtP(it.Value),
			Calendar: fmtP(it.Calendar), Breached: it.Breached}
		if it.End != nil {
			mi.End = it.End.Format("2006-01-02 15:04")
		}
		pg.Items = append(pg.Items, mi)
	}
	return h.render(w, r, http.StatusOK, "metrics_sli", pg)
}

func (h *Handlers) metricsSetSLO(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := authz.Can(a, authz.ManageSLOs, nil); err != nil {
		return err
	}
	target, err1 := strconv.ParseFloat(r.PostFormValue("target"), 64)
	objective, err2 := strconv.ParseFloat(r.PostFormValue("objective"), 64)
	if err1 != nil || err2 != nil {
		h.redirectFlash(w, r, "/staff/metrics", "The SLO was not changed: target and objective must be numbers (objective as a percentage, e.g. 95).")
		return nil
	}
	key := r.PostFormValue("key")
	if _, err := h.app.Metrics.SetSLO(r.Context(), a, key, metrics.SLO{TargetDays: target, Objective: objective / 100}); err != nil {
		if _, ok := validate.As(err); ok {
			h.redirectFlash(w, r, "/staff/metrics", "The SLO was not changed: "+err.Error())
			return nil
		}
		return err
	}
	h.redirectFlash(w, r, "/staff/metrics", "The SLO of "+key+" is saved.")
	return nil
}

var tacFile = regexp.MustCompile(`^(\d{4}(?:-Q[1-4])?)\.(html|md|csv|pdf)$`)

func (h *Handlers) tacPeriod(r *http.Request, name string) (*metrics.Report, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if err := authz.Can(a, authz.ViewTACReport, nil); err != nil {
		return nil, err
	}
	p, err := metrics.ParsePeriod(name)
	if err != nil {
		return nil, db.ErrNotFound
	}
	return h.app.Metrics.TACReport(r.Context(), a, p)
}

func (h *Handlers) tacReport(w http.ResponseWriter, r *http.Request) error {
	m := tacFile.FindStringSubmatch(r.PathValue("file"))
	if m == nil {
		if _, err := requireUser(r); err != nil {
			return err
		}
		return db.ErrNotFound
	}
	rep, err := h.tacPeriod(r, m[1])
	if err != nil {
		return err
	}
	var body []byte
	var ctype string
	switch m[2] {
	case "html":
		if body, err = rep.HTML(); err != nil {
			return err
		}
		ctype = "text/html; charset=utf-8"
	case "md":
		body, ctype = []byte(rep.Markdown(h.app.Cfg.BaseURL)), "text/markdown; charset=utf-8"
	case "csv":
		body, ctype = rep.CSV(), "text/csv; charset=utf-8"
	case "pdf":
		if body, err = rep.PDF(h.app.Cfg.BaseURL); err != nil {
			return err
		}
		ctype = "application/pdf"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	if m[2] != "html" {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="tac-%s.%s"`, m[1], m[2]))
	}
	_, err = w.Write(body)
	return err
}

var chartFile = regexp.MustCompile(`^chart-(\d{1,2})\.svg$`)

func (h *Handlers) tacChart(w http.ResponseWriter, r *http.Request) error {
	m := chartFile.FindStringSubmatch(r.PathValue("chart"))
	if m == nil {
		if _, err := requireUser(r); err != nil {
			return err
		}
		return db.ErrNotFound
	}
	rep, err := h.tacPeriod(r, r.PathValue("period"))
	if err != nil {
		return err
	}
	i, _ := strconv.Atoi(m[1])
	if i < 1 || i > len(rep.Charts) {
		return db.ErrNotFound
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(rep.Charts[i-1].SVG()))
	return err
}

type transparencyPage struct {
	BasePage
	T *metrics.Transparency
}

func (h *Handlers) transparencyPage(w http.ResponseWriter, r *http.Request) error {
	t, err := h.app.Metrics.Transparency(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "transparency", transparencyPage{BasePage: h.base(r, "Transparency"), T: t})
}
