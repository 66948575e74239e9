package deps

import (
	"strconv"
	"strings"
)

// Affected-version filtering: does an edge's version constraint admit the affected
// version? Constraints are read where their shape is clear — Maven/NuGet ranges
// ("[2.0,2.15)", "(,1.0],[1.2,)"), comparator sets (">=1.0 <2.0", ">=1.0,<2.0",
// "==1.2"), npm caret and tilde ("^1.2.3", "~1.2"), wildcards ("*", "1.x") and a bare
// version (exact). Anything else is unknown, and an unknown constraint admits every
// version: the filter only ever drops an edge it can show does not reach the affected
// version.

// admits reports whether constraint c admits version v; known is false when c could not
// be read.
func admits(c, v string) (ok, known bool) {
	c = strings.TrimSpace(c)
	if c == "" || c == "*" || strings.EqualFold(c, "latest") {
		return true, true
	}
	if c[0] == '[' || c[0] == '(' {
		return admitsRanges(c, v)
	}
	// npm "||" alternatives.
	if strings.Contains(c, "||") {
		anyKnown := false
		for _, alt := range strings.Split(c, "||") {
			ok, known := admits(alt, v)
			if known && ok {
				return true, true
			}
			anyKnown = anyKnown || known
			if !known {
				return true, false
			}
		}
		return false, anyKnown
	}
	parts := strings.FieldsFunc(c, func(r rune) bool { return r == ',' || r == ' ' })
	for _, p := range parts {
		ok, known := admitsOne(p, v)
		if !known {
			return true, false
		}
		if !ok {
			return false, true
		}
	}
	return true, true
}

func admitsOne(p, v string) (ok, known bool) {
	ops := []string{">=", "<=", "==", "!=", "~=", ">", "<", "=", "^", "~"}
	op := ""
	for _, o := range ops {
		if strings.HasPrefix(p, o) {
			op, p = o, strings.TrimSpace(p[len(o):])
			break
		}
	}
	if p == "" || !validVersion(strings.TrimSuffix(strings.TrimSuffix(p, ".x"), ".*")) {
		return true, false
	}
	if strings.HasSuffix(p, ".x") || strings.HasSuffix(p, ".*") {
		prefix := p[:len(p)-1]
		return strings.HasPrefix(v+".", prefix) || strings.HasPrefix(v, prefix), true
	}
	cmp := compareVersions(v, p)
	switch op {
	case ">=":
		return cmp >= 0, true
	case "<=":
		return cmp <= 0, true
	case ">":
		return cmp > 0, true
	case "<":
		return cmp < 0, true
	case "!=":
		return cmp != 0, true
	case "", "=", "==":
		return cmp == 0, true
	case "^", "~", "~=":
		if cmp < 0 {
			return false, true
		}
		nums := strings.Split(p, ".")
		// The upper bound: ^ keeps the first non-zero component, ~ the minor.
		keep := 1
		if op != "^" {
			keep = min(2, len(nums))
			if op == "~=" {
				keep = max(1, len(nums)-1)
			}
		} else {
			for keep <= len(nums) && keep < 3 && nums[keep-1] == "0" {
				keep++
			}
		}
		vs := strings.Split(v, ".")
		for i := 0; i < keep && i < len(nums); i++ {
			if i >= len(vs) || numOf(vs[i]) != numOf(nums[i]) {
				return false, true
			}
		}
		return true, true
	}
	return true, false
}

// admitsRanges reads Maven/NuGet interval notation, a union of intervals.
func admitsRanges(c, v string) (ok, known bool) {
	for c != "" {
		c = strings.TrimLeft(c, ", ")
		if c == "" {
			break
		}
		end := strings.IndexAny(c, "])")
		if (c[0] != '[' && c[0] != '(') || end < 0 {
			return true, false
		}
		body := c[1:end]
		lo, hi, two := strings.Cut(body, ",")
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		in := true
		switch {
		case !two: // [1.0]: exactly
			if !validVersion(lo) {
				return true, false
			}
			in = compareVersions(v, lo) == 0
		default:
			if (lo != "" && !validVersion(lo)) || (hi != "" && !validVersion(hi)) {
				return true, false
			}
			if lo != "" {
				cmp := compareVersions(v, lo)
				in = in && (cmp > 0 || (cmp == 0 && c[0] == '['))
			}
			if hi != "" {
				cmp := compareVersions(v, hi)
				in = in && (cmp < 0 || (cmp == 0 && c[end] == ']'))
			}
		}
		if in {
			return true, true
		}
		c = c[end+1:]
	}
	return false, true
}

func validVersion(s string) bool {
	if s == "" || (s[0] < '0' || s[0] > '9') && s[0] != 'v' {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '-' || r == '_' || r == '+') {
			return false
		}
	}
	return true
}

func numOf(s string) int {
	n, _ := strconv.Atoi(strings.TrimLeft(s, "v"))
	return n
}

// compareVersions orders versions by their dot/dash separated parts, numbers as
// numbers; a pre-release suffix ("-rc1", "-beta") sorts before the release.
func compareVersions(a, b string) int {
	a, b = strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v")
	a, _, _ = strings.Cut(a, "+")
	b, _, _ = strings.Cut(b, "+")
	ar, apre, _ := strings.Cut(a, "-")
	br, bpre, _ := strings.Cut(b, "-")
	as, bs := strings.Split(ar, "."), strings.Split(br, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		x, y := "0", "0"
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	switch {
	case apre == bpre:
		return 0
	case apre == "":
		return 1
	case bpre == "":
		return -1
	}
	return comparePart(apre, bpre)
}

func comparePart(x, y string) int {
	nx, ex := strconv.Atoi(x)
	ny, ey := strconv.Atoi(y)
	if ex == nil && ey == nil {
		switch {
		case nx < ny:
			return -1
		case nx > ny:
			return 1
		}
		return 0
	}
	return strings.Compare(x, y)
}
