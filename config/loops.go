package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

var (
	digitSyntax = regexp.MustCompile(`^[0-9]$`)
	tagSyntax   = regexp.MustCompile(`^[0-9]{3}$`)
)

// span is the sane range of a duration setting, bounds included.
type span struct{ min, max time.Duration }

var (
	ringTimeoutSpan    = span{5 * time.Second, 5 * time.Minute}
	wrapUpSpan         = span{0, 10 * time.Minute}
	maxWaitSpan        = span{10 * time.Second, time.Hour}
	announceSpan       = span{0, 10 * time.Minute}
	decisionBudgetSpan = span{50 * time.Millisecond, 5 * time.Second}
)

func (c *checker) duration(f field, path string, def time.Duration, s span) time.Duration {
	if f.Val == "" {
		return def
	}
	d, err := time.ParseDuration(f.Val)
	if err != nil {
		c.ps.add(f.Line, path, "invalid duration %q: write a number and a unit, e.g. \"20s\" or \"3m\"", f.Val)
		return def
	}
	if d < s.min || d > s.max {
		c.ps.add(f.Line, path, "%s is outside %s–%s", short(d), short(s.min), short(s.max))
		return def
	}
	return d
}

// short formats a duration the way people write it: "3m", not "3m0s".
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func (c *checker) loops() {
	if len(c.raw.Loops) == 0 && !c.raw.LoopsBad {
		c.ps.add(c.raw.Line, "loops", "no loops; define at least the switchboard loop")
	}
	ids, digits, tags := make(seen), make(seen), make(seen)
	for i := range c.raw.Loops {
		r := &c.raw.Loops[i]
		id := c.id(r.ID, r.Line, r.Path+".id", r.Name.Val)
		okID := id != "" && ids.first(c, id, r.ID, r.Path+".id", "id")
		c.required(r.Name, r.Line, r.Path+".name")
		l := Loop{Loop: routing.Loop{ID: routing.LoopID(id), Name: r.Name.Val}}
		switch d := r.Digit; {
		case d.Val == "":
		case !digitSyntax.MatchString(d.Val):
			c.ps.add(d.Line, r.Path+".digit", "invalid digit %q: one of 0-9", d.Val)
		case digits.first(c, d.Val, d, r.Path+".digit", "digit"):
			l.Digit = d.Val
		}
		if t := r.Tag; c.required(t, r.Line, r.Path+".tag") {
			if !tagSyntax.MatchString(t.Val) {
				c.ps.add(t.Line, r.Path+".tag", "invalid tag %q: exactly three digits, shown to the agent after the caller's number (90595313-111)", t.Val)
			} else if tags.first(c, t.Val, t, r.Path+".tag", "tag") {
				l.Tag = t.Val
			}
		}
		l.RingTimeout = c.duration(r.RingTimeout, r.Path+".ring_timeout", DefaultRingTimeout, ringTimeoutSpan)
		l.WrapUp = c.duration(r.WrapUp, r.Path+".wrap_up", DefaultWrapUp, wrapUpSpan)
		l.MaxWait = c.duration(r.MaxWait, r.Path+".max_wait", DefaultMaxWait, maxWaitSpan)
		l.Announce = c.duration(r.Announce, r.Path+".announce", 0, announceSpan)
		c.members(r, &l)
		l.Fallback = c.fallback(r, l)
		if okID {
			c.cfg.Loops = append(c.cfg.Loops, l)
			c.loopSrc = append(c.loopSrc, r)
		}
	}
	c.overflows()
}

// members resolves a loop's membership: agents listed by id or name first,
// in the order listed, then every holder of the loop's roles in the order of
// the agents list, each agent once.
func (c *checker) members(r *rawLoop, l *Loop) {
	at := make(map[int]int)        // agent index → 1 + index in l.Membership
	listed := make(map[int]string) // agent index → where it was listed
	clean := true
	for j, f := range r.Members.Items {
		p := fmt.Sprintf("%s.members[%d]", r.Path, j)
		idx, ok := c.agentRef[strings.ToLower(strings.TrimSpace(f.Val))]
		switch {
		case f.Bad:
			clean = false
		case f.Val == "":
			c.ps.add(lineOr(f.Line, r.Members.Line), p, "empty member")
			clean = false
		case !ok:
			c.ps.add(f.Line, p, "unknown agent %q%s", f.Val, suggest(f.Val, c.refNames))
			clean = false
		case listed[idx] != "":
			c.ps.add(f.Line, p, "%q is already listed as %s", f.Val, listed[idx])
		default:
			l.Membership = append(l.Membership, Member{Agent: c.cfg.Agents[idx].ID, ByName: true})
			at[idx] = len(l.Membership)
			listed[idx] = fmt.Sprintf("members[%d] (line %d)", j, f.Line)
		}
	}
	l.Roles = c.roleList(r.Roles, r.Path+".roles")
	clean = clean && len(l.Roles) == len(r.Roles.Items)
	for idx, a := range c.cfg.Agents {
		var held []string
		for _, role := range l.Roles {
			if slices.Contains(a.Roles, role) {
				held = append(held, role)
			}
		}
		switch {
		case len(held) == 0:
		case at[idx] > 0:
			l.Membership[at[idx]-1].Roles = held
		default:
			l.Membership = append(l.Membership, Member{Agent: a.ID, Roles: held})
			at[idx] = len(l.Membership)
		}
	}
	for _, m := range l.Membership {
		l.Members = append(l.Members, m.Agent)
	}
	switch {
	case len(l.Members) > 0 || !clean:
	case len(l.Roles) == 0:
		c.ps.add(r.Line, r.Path, "no members: list agents under members or roles under roles")
	default:
		c.ps.add(r.Line, r.Path, "no members: no agent holds %s %s", plural(len(l.Roles), "role", "any of the roles"), quoteAll(l.Roles))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// fallback is the static dial target for when routing fails: as configured,
// or every member's phone at once.
func (c *checker) fallback(r *rawLoop, l Loop) string {
	if f := r.Fallback; f.Val != "" {
		for part := range strings.SplitSeq(f.Val, "&") {
			if why := checkAsterisk(part); why != "" {
				c.ps.add(f.Line, r.Path+".fallback", "invalid target %q in fallback: %s; join targets with \"&\"", part, why)
				break
			}
		}
		return f.Val
	}
	var dial []string
	for _, id := range l.Members {
		for _, a := range c.cfg.Agents {
			if a.ID == id && a.AsteriskDial != "" {
				dial = append(dial, a.AsteriskDial)
			}
		}
	}
	return strings.Join(dial, "&")
}

// overflows checks overflow targets and refuses circles, in which a caller
// nobody answers would be passed round for ever.
func (c *checker) overflows() {
	index := make(map[routing.LoopID]int, len(c.cfg.Loops))
	for i, l := range c.cfg.Loops {
		index[l.ID] = i
	}
	for i, l := range c.cfg.Loops {
		f, path := c.loopSrc[i].Overflow, c.loopSrc[i].Path+".overflow"
		_, known := index[routing.LoopID(f.Val)]
		switch {
		case f.Val == "":
		case routing.IsOverflowAction(routing.LoopID(f.Val)) && !known:
			c.cfg.Loops[i].Overflow = routing.LoopID(f.Val)
		case f.Val == string(l.ID):
			c.ps.add(f.Line, path, "a loop cannot overflow to itself")
		case !known:
			c.ps.add(f.Line, path, "unknown loop %q%s", f.Val, suggest(f.Val, c.loopIDs()))
		default:
			c.cfg.Loops[i].Overflow = routing.LoopID(f.Val)
		}
	}
	for i, l := range c.cfg.Loops {
		chain, lowest := []string{string(l.ID)}, i
		for next := l.Overflow; next != "" && !routing.IsOverflowAction(next); next = c.cfg.Loops[index[next]].Overflow {
			chain = append(chain, string(next))
			if next == l.ID {
				if lowest == i {
					r := c.loopSrc[i]
					c.ps.add(r.Overflow.Line, r.Path+".overflow", "overflow goes round in a circle: %s", strings.Join(chain, " → "))
				}
				break
			}
			lowest = min(lowest, index[next])
			if len(chain) > len(c.cfg.Loops) {
				break // a circle that does not pass through l
			}
		}
	}
}

func (c *checker) loopIDs() []string {
	ids := make([]string, len(c.cfg.Loops))
	for i, l := range c.cfg.Loops {
		ids[i] = string(l.ID)
	}
	return ids
}
