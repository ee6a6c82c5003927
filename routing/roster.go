package routing

import (
	"fmt"
	"sort"
	"strings"
)

// Roster is the configured set of agents and loops, with the lookups routing
// and the CLI need. It is immutable once built.
type Roster struct {
	agents  []Agent
	loops   []Loop
	byAgent map[AgentID]int
	byLoop  map[LoopID]int
	byDigit map[string]LoopID
	loopsOf map[AgentID][]LoopID
	byExt   map[string]AgentID
}

// NewRoster indexes agents and loops. Loops' Members must already be resolved
// and name configured agents; ids must be unique.
func NewRoster(agents []Agent, loops []Loop) (*Roster, error) {
	r := &Roster{
		agents:  append([]Agent(nil), agents...),
		loops:   append([]Loop(nil), loops...),
		byAgent: make(map[AgentID]int, len(agents)),
		byLoop:  make(map[LoopID]int, len(loops)),
		byDigit: make(map[string]LoopID),
		loopsOf: make(map[AgentID][]LoopID, len(agents)),
		byExt:   make(map[string]AgentID, len(agents)),
	}
	for i, a := range r.agents {
		if a.ID == "" {
			return nil, fmt.Errorf("agent %d: empty id", i)
		}
		if _, dup := r.byAgent[a.ID]; dup {
			return nil, fmt.Errorf("agent %q: duplicate id", a.ID)
		}
		r.byAgent[a.ID] = i
		if a.Extension != "" {
			r.byExt[a.Extension] = a.ID
		}
	}
	for i, l := range r.loops {
		if l.ID == "" {
			return nil, fmt.Errorf("loop %d: empty id", i)
		}
		if _, dup := r.byLoop[l.ID]; dup {
			return nil, fmt.Errorf("loop %q: duplicate id", l.ID)
		}
		r.byLoop[l.ID] = i
		if l.Digit != "" {
			r.byDigit[l.Digit] = l.ID
		}
		for _, m := range l.Members {
			if _, ok := r.byAgent[m]; !ok {
				return nil, fmt.Errorf("loop %q: %w %q", l.ID, ErrUnknownAgent, m)
			}
			r.loopsOf[m] = append(r.loopsOf[m], l.ID)
		}
	}
	return r, nil
}

// Agents returns all agents in configuration order.
func (r *Roster) Agents() []Agent { return r.agents }

// Loops returns all loops in configuration order.
func (r *Roster) Loops() []Loop { return r.loops }

// Agent returns the agent with id.
func (r *Roster) Agent(id AgentID) (Agent, bool) {
	i, ok := r.byAgent[id]
	if !ok {
		return Agent{}, false
	}
	return r.agents[i], true
}

// Loop returns the loop with id.
func (r *Roster) Loop(id LoopID) (Loop, bool) {
	i, ok := r.byLoop[id]
	if !ok {
		return Loop{}, false
	}
	return r.loops[i], true
}

// LoopByDigit returns the loop a menu digit selects.
func (r *Roster) LoopByDigit(d string) (Loop, bool) {
	id, ok := r.byDigit[d]
	if !ok {
		return Loop{}, false
	}
	return r.Loop(id)
}

// LoopsOf returns the loops agent belongs to, in configuration order.
func (r *Roster) LoopsOf(id AgentID) []LoopID { return r.loopsOf[id] }

// AgentByExtension returns the agent whose extension is ext.
func (r *Roster) AgentByExtension(ext string) (Agent, bool) {
	id, ok := r.byExt[ext]
	if !ok {
		return Agent{}, false
	}
	return r.Agent(id)
}

// FindAgent resolves what a supervisor typed: an id, an extension or a display
// name, case-insensitively; a unique prefix of a name also matches. Unknown or
// ambiguous input fails with the candidates in the message.
func (r *Roster) FindAgent(query string) (Agent, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return Agent{}, fmt.Errorf("%w: empty name", ErrUnknownAgent)
	}
	var exact, prefix []Agent
	for _, a := range r.agents {
		switch {
		case strings.ToLower(string(a.ID)) == q, strings.ToLower(a.Name) == q, a.Extension == q:
			exact = append(exact, a)
		case strings.HasPrefix(strings.ToLower(a.Name), q), strings.HasPrefix(strings.ToLower(string(a.ID)), q):
			prefix = append(prefix, a)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return Agent{}, fmt.Errorf("%w %q: matches %s", ErrAmbiguousAgent, query, describe(exact))
	case len(prefix) == 1:
		return prefix[0], nil
	case len(prefix) > 1:
		return Agent{}, fmt.Errorf("%w %q: matches %s", ErrAmbiguousAgent, query, describe(prefix))
	}
	msg := fmt.Sprintf("%v %q", ErrUnknownAgent, query)
	if s := r.suggest(q); len(s) > 0 {
		msg += " (did you mean " + describe(s) + "?)"
	}
	return Agent{}, fmt.Errorf("%w", wrapped{msg, ErrUnknownAgent})
}

// FindLoop resolves a loop id or menu digit.
func (r *Roster) FindLoop(query string) (Loop, error) {
	q := strings.TrimSpace(query)
	if l, ok := r.Loop(LoopID(q)); ok {
		return l, nil
	}
	for _, l := range r.loops {
		if strings.EqualFold(string(l.ID), q) {
			return l, nil
		}
	}
	ids := make([]string, len(r.loops))
	for i, l := range r.loops {
		ids[i] = string(l.ID)
	}
	return Loop{}, fmt.Errorf("%w %q (loops: %s)", ErrUnknownLoop, query, strings.Join(ids, ", "))
}

func (r *Roster) suggest(q string) []Agent {
	type scored struct {
		a Agent
		d int
	}
	var out []scored
	for _, a := range r.agents {
		d := min(Levenshtein(q, strings.ToLower(a.Name)), Levenshtein(q, strings.ToLower(string(a.ID))))
		if d <= 2 {
			out = append(out, scored{a, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	res := make([]Agent, 0, 3)
	for i := 0; i < len(out) && i < 3; i++ {
		res = append(res, out[i].a)
	}
	return res
}

func describe(as []Agent) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("%q (%s)", a.Name, a.ID)
	}
	return strings.Join(parts, ", ")
}

type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

// Levenshtein is the edit distance between a and b, counted in runes.
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
