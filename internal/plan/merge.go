package plan

import (
	"cmp"
	"slices"
)

// matchThreshold is the least Similarity at which two texts are taken for
// the same item (a reworded title, a fixed typo) rather than a new one.
const matchThreshold = 0.6

// movedThreshold is the least Similarity for pairing a milestone with one in
// another section: moving is rarer than rewording, so it needs more evidence.
const movedThreshold = 0.8

// MatchedBy says how a new item was paired with an old one.
type MatchedBy string

const (
	ByNumber MatchedBy = "number" // sections with the same number
	ByID     MatchedBy = "id"     // milestones with the same id in matched sections
	ByText   MatchedBy = "text"   // titles or task texts with Similarity ≥ 0.6
)

// Pair is one new item matched to an old one.
type Pair[T any] struct {
	Old, New T
	By       MatchedBy
	Score    float64 // Similarity of the texts (1 for equal texts)
}

// Matching pairs the items of a re-imported plan with those of the previous
// import, so a store can carry progress, owners and logged hours over to the
// items that still match, archive the Removed ones and create the Added ones.
type Matching struct {
	Sections   []Pair[*Section]
	Milestones []Pair[*Milestone]
	Tasks      []Pair[*Task]

	RemovedSections   []*Section // old items nothing new matched: archive them
	RemovedMilestones []*Milestone
	RemovedTasks      []*Task
	AddedSections     []*Section // new items with no old counterpart
	AddedMilestones   []*Milestone
	AddedTasks        []*Task

	oldSection   map[*Section]*Section
	oldMilestone map[*Milestone]*Milestone
	oldTask      map[*Task]*Task
}

// OldSection returns the old section matched to s of the new document, or nil.
func (m *Matching) OldSection(s *Section) *Section { return m.oldSection[s] }

// OldMilestone returns the old milestone matched to ms of the new document, or nil.
func (m *Matching) OldMilestone(ms *Milestone) *Milestone { return m.oldMilestone[ms] }

// OldTask returns the old task matched to t of the new document, or nil.
func (m *Matching) OldTask(t *Task) *Task { return m.oldTask[t] }

// Match pairs the items of next (a re-import) with those of prev:
//   - sections by number, then by title;
//   - milestones by section and milestone id ("3.2" "M1"), then by title
//     within the matched section, then by a near-equal title (Similarity ≥ 0.8)
//     in another section (a moved milestone);
//     generated key-step ids ("K1") are positions, so key steps match by title;
//   - tasks by text within matched milestones, then within matched sections.
//
// Text matches need a Similarity of at least 0.6 and take the best-scoring
// pairs first. Every item of either document ends up in exactly one pair or
// in the Removed (old) or Added (new) lists.
func Match(prev, next *Document) *Matching {
	m := &Matching{
		oldSection:   map[*Section]*Section{},
		oldMilestone: map[*Milestone]*Milestone{},
		oldTask:      map[*Task]*Task{},
	}
	oldSecs, newSecs := sections(prev), sections(next)

	// Sections.
	usedOld := map[*Section]bool{}
	byNumber := map[string][]*Section{}
	for _, o := range oldSecs {
		byNumber[o.Number] = append(byNumber[o.Number], o)
	}
	for _, n := range newSecs {
		if olds := byNumber[n.Number]; n.Number != "" && len(olds) > 0 {
			byNumber[n.Number] = olds[1:]
			m.pairSection(Pair[*Section]{Old: olds[0], New: n, By: ByNumber, Score: Similarity(olds[0].Title, n.Title)})
			usedOld[olds[0]] = true
		}
	}
	for _, p := range matchByText(unmatched(oldSecs, usedOld), unmatchedNew(newSecs, m.oldSection), func(s *Section) string { return s.Title }) {
		m.pairSection(p)
		usedOld[p.Old] = true
	}

	// Milestones within matched sections, then anywhere.
	usedMs := map[*Milestone]bool{}
	for _, sp := range m.Sections {
		byID := map[string][]*Milestone{}
		for _, o := range sp.Old.Milestones {
			if !o.GeneratedID {
				byID[lowerASCII(o.ID)] = append(byID[lowerASCII(o.ID)], o)
			}
		}
		for _, n := range sp.New.Milestones {
			if olds := byID[lowerASCII(n.ID)]; !n.GeneratedID && len(olds) > 0 {
				byID[lowerASCII(n.ID)] = olds[1:]
				m.pairMilestone(Pair[*Milestone]{Old: olds[0], New: n, By: ByID, Score: Similarity(olds[0].Title, n.Title)}, usedMs)
			}
		}
		for _, p := range matchByText(unmatched(sp.Old.Milestones, usedMs), unmatchedNew(sp.New.Milestones, m.oldMilestone), milestoneTitle) {
			m.pairMilestone(p, usedMs)
		}
	}
	var oldMs, newMs []*Milestone
	for _, s := range oldSecs {
		oldMs = append(oldMs, s.Milestones...)
	}
	for _, s := range newSecs {
		newMs = append(newMs, s.Milestones...)
	}
	for _, p := range matchByText(unmatched(oldMs, usedMs), unmatchedNew(newMs, m.oldMilestone), milestoneTitle) {
		if p.Score >= movedThreshold {
			m.pairMilestone(p, usedMs)
		}
	}

	// Tasks within matched milestones, then within matched sections (a task
	// moved to another milestone). Not across sections: placeholder tasks
	// such as "issue1" repeat everywhere.
	usedTasks := map[*Task]bool{}
	for _, mp := range m.Milestones {
		m.matchTasks(flatten(mp.Old.Tasks), flatten(mp.New.Tasks), usedTasks)
	}
	for _, sp := range m.Sections {
		m.matchTasks(allTasks([]*Section{sp.Old}), allTasks([]*Section{sp.New}), usedTasks)
	}

	// What is left over.
	m.RemovedSections = unmatched(oldSecs, usedOld)
	m.AddedSections = unmatchedNew(newSecs, m.oldSection)
	m.RemovedMilestones = unmatched(oldMs, usedMs)
	m.AddedMilestones = unmatchedNew(newMs, m.oldMilestone)
	m.RemovedTasks = unmatched(allTasks(oldSecs), usedTasks)
	m.AddedTasks = unmatchedNew(allTasks(newSecs), m.oldTask)
	return m
}

func (m *Matching) pairSection(p Pair[*Section]) {
	m.Sections = append(m.Sections, p)
	m.oldSection[p.New] = p.Old
}

func (m *Matching) pairMilestone(p Pair[*Milestone], used map[*Milestone]bool) {
	m.Milestones = append(m.Milestones, p)
	m.oldMilestone[p.New] = p.Old
	used[p.Old] = true
}

func (m *Matching) matchTasks(olds, news []*Task, used map[*Task]bool) {
	for _, p := range matchByText(unmatched(olds, used), unmatchedNew(news, m.oldTask), func(t *Task) string { return t.Text }) {
		m.Tasks = append(m.Tasks, p)
		m.oldTask[p.New] = p.Old
		used[p.Old] = true
	}
}

func milestoneTitle(m *Milestone) string { return m.Title }

func sections(d *Document) []*Section {
	var out []*Section
	if d != nil {
		d.Walk(func(s *Section) { out = append(out, s) })
	}
	return out
}

func flatten(ts []*Task) []*Task {
	var out []*Task
	for _, t := range ts {
		out = append(out, t)
		out = append(out, flatten(t.Tasks)...)
	}
	return out
}

func allTasks(secs []*Section) []*Task {
	var out []*Task
	for _, s := range secs {
		for _, m := range s.Milestones {
			out = append(out, flatten(m.Tasks)...)
		}
		out = append(out, flatten(s.Tasks)...)
	}
	return out
}

func unmatched[T comparable](items []T, used map[T]bool) []T {
	var out []T
	for _, it := range items {
		if !used[it] {
			out = append(out, it)
		}
	}
	return out
}

func unmatchedNew[T comparable](items []T, matched map[T]T) []T {
	var out []T
	for _, it := range items {
		if _, ok := matched[it]; !ok {
			out = append(out, it)
		}
	}
	return out
}

// matchByText pairs olds and news whose texts have a Similarity of at least
// matchThreshold, best pairs first; ties go to the earlier items, so the
// result does not depend on map order.
func matchByText[T comparable](olds, news []T, text func(T) string) []Pair[T] {
	type cand struct {
		o, n  int
		score float64
	}
	usedO, usedN := map[int]bool{}, map[int]bool{}
	var out []Pair[T]
	// Equal texts first, in order: cheap, and what the best-first pass
	// below would choose anyway.
	byText := map[string][]int{}
	for j, n := range news {
		byText[text(n)] = append(byText[text(n)], j)
	}
	for i, o := range olds {
		if js := byText[text(o)]; len(js) > 0 && Similarity(text(o), text(o)) == 1 {
			byText[text(o)] = js[1:]
			usedO[i], usedN[js[0]] = true, true
			out = append(out, Pair[T]{Old: o, New: news[js[0]], By: ByText, Score: 1})
		}
	}
	newTokens := make([]map[string]bool, len(news))
	for j, n := range news {
		if !usedN[j] {
			newTokens[j] = tokens(text(n))
		}
	}
	var cands []cand
	for i, o := range olds {
		if usedO[i] {
			continue
		}
		ot := tokens(text(o))
		for j, n := range news {
			if usedN[j] {
				continue
			}
			if s := jaccard(text(o), text(n), ot, newTokens[j]); s >= matchThreshold {
				cands = append(cands, cand{i, j, s})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.o, b.o); c != 0 {
			return c
		}
		return cmp.Compare(a.n, b.n)
	})
	for _, c := range cands {
		if usedO[c.o] || usedN[c.n] {
			continue
		}
		usedO[c.o], usedN[c.n] = true, true
		out = append(out, Pair[T]{Old: olds[c.o], New: news[c.n], By: ByText, Score: c.score})
	}
	return out
}
