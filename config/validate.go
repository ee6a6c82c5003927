package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sentralbord/sentralbord/routing"
)

var (
	idSyntax        = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	extensionSyntax = regexp.MustCompile(`^[0-9]{1,15}$`)
	asteriskDial    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*/[^\s&,|"'\\()]+$`)
	keySyntax       = regexp.MustCompile(`^[0-9*#]$`)
)

// checker turns a rawConfig into a Config, reporting every rule broken.
type checker struct {
	ps  *problems
	raw *rawConfig
	cfg *Config

	roleIdx  map[string]int    // role id → index in cfg.Roles
	agentRef map[string]int    // lower-case agent id and name → index in cfg.Agents
	agentDef map[string]string // lower-case agent id and name → path of the agent
	refNames []string          // agent names and ids, for suggestions
	loopSrc  []*rawLoop        // the raw loop behind each of cfg.Loops
}

func check(ps *problems, raw *rawConfig) *Config {
	c := &checker{
		ps: ps, raw: raw,
		cfg:      &Config{File: ps.file},
		roleIdx:  make(map[string]int),
		agentRef: make(map[string]int),
		agentDef: make(map[string]string),
	}
	c.roles()
	c.agents()
	c.loops()
	c.top()
	c.server()
	c.memberDesk()
	c.calendar()
	c.freeswitch()
	return c.cfg
}

// required reports a missing value at the field, or at the item holding it
// when the key is absent.
func (c *checker) required(f field, itemLine int, path string) bool {
	if f.Val != "" || f.Bad {
		return f.Val != ""
	}
	c.ps.add(lineOr(f.Line, itemLine), path, "required")
	return false
}

func lineOr(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}

// id checks a required identifier; it returns "" when there is none to use.
func (c *checker) id(f field, itemLine int, path string, hint string) string {
	if !c.required(f, itemLine, path) {
		return ""
	}
	if !idSyntax.MatchString(f.Val) {
		msg := fmt.Sprintf("invalid id %q: use lower-case letters a-z, digits, \"-\" and \"_\"", f.Val)
		s := slug(f.Val)
		if s == "" {
			s = slug(hint)
		}
		if s != "" {
			msg += fmt.Sprintf(", e.g. %q", s)
		}
		c.ps.add(f.Line, path, "%s", msg)
		return ""
	}
	return f.Val
}

// slug suggests an id for a display name: "Mette K." → "mette-k".
func slug(s string) string {
	r := strings.NewReplacer("æ", "ae", "ø", "o", "å", "a", "Æ", "ae", "Ø", "o", "Å", "a")
	s = strings.ToLower(r.Replace(s))
	var b strings.Builder
	dash := false
	for _, ch := range s {
		if ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(ch)
			dash = false
			continue
		}
		dash = true
	}
	if b.Len() > 64 {
		return ""
	}
	return b.String()
}

// seen remembers the first use of unique values and reports repeats.
type seen map[string]string

func (s seen) first(c *checker, key string, f field, path, what string) bool {
	if prev, dup := s[key]; dup {
		c.ps.add(f.Line, path, "%s %q is already used by %s", what, f.Val, prev)
		return false
	}
	s[key] = fmt.Sprintf("%s (line %d)", itemOf(path), f.Line)
	return true
}

// itemOf strips the last field from a path: "agents[3].name" → "agents[3]".
func itemOf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return path
}

func (c *checker) roles() {
	ids := make(seen)
	for _, r := range c.raw.Roles {
		id := c.id(r.ID, r.Line, r.Path+".id", r.Name.Val)
		c.required(r.Name, r.Line, r.Path+".name")
		if id == "" || !ids.first(c, id, r.ID, r.Path+".id", "id") {
			continue
		}
		c.roleIdx[id] = len(c.cfg.Roles)
		c.cfg.Roles = append(c.cfg.Roles, Role{ID: id, Name: r.Name.Val})
	}
}

// roleList checks references to declared roles and returns the valid ones.
func (c *checker) roleList(l list, path string) []string {
	var out []string
	known := make([]string, len(c.cfg.Roles))
	for i, r := range c.cfg.Roles {
		known[i] = r.ID
	}
	for i, f := range l.Items {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch _, ok := c.roleIdx[f.Val]; {
		case f.Bad:
		case f.Val == "":
			c.ps.add(lineOr(f.Line, l.Line), p, "empty role")
		case !ok:
			c.ps.add(f.Line, p, "unknown role %q%s; declare it under roles", f.Val, suggest(f.Val, known))
		case slices.Contains(out, f.Val):
			c.ps.add(f.Line, p, "role %q is listed twice", f.Val)
		default:
			out = append(out, f.Val)
		}
	}
	return out
}

func (c *checker) agents() {
	if len(c.raw.Agents) == 0 && !c.raw.AgentsBad {
		c.ps.add(c.raw.Line, "agents", "no agents; list the staff who answer calls")
	}
	ids, names, exts := make(seen), make(seen), make(seen)
	for _, r := range c.raw.Agents {
		a := routing.Agent{
			ID: routing.AgentID(c.id(r.ID, r.Line, r.Path+".id", r.Name.Val)), Name: r.Name.Val,
			Roles: c.roleList(r.Roles, r.Path+".roles"), Extension: r.Extension.Val,
		}
		okID := a.ID != "" && ids.first(c, string(a.ID), r.ID, r.Path+".id", "id")
		okName := c.required(r.Name, r.Line, r.Path+".name") &&
			names.first(c, strings.ToLower(a.Name), r.Name, r.Path+".name", "name")
		if c.required(r.Extension, r.Line, r.Path+".extension") {
			if !extensionSyntax.MatchString(a.Extension) {
				c.ps.add(r.Extension.Line, r.Path+".extension", "invalid extension %q: digits only", a.Extension)
			} else {
				exts.first(c, a.Extension, r.Extension, r.Path+".extension", "extension")
			}
		}
		a.AsteriskDial = c.dial(r.Asterisk, r.Path+".asterisk", "PJSIP/", a.Extension, checkAsterisk)
		a.FreeSWITCHDial = c.dial(r.FreeSWITCH, r.Path+".freeswitch", "user/", a.Extension, checkFreeSWITCH)
		if !okID {
			continue
		}
		idx := len(c.cfg.Agents)
		c.cfg.Agents = append(c.cfg.Agents, a)
		c.addRef(strings.ToLower(string(a.ID)), idx, r.Path, r.Path+".id", r.ID)
		if okName && !strings.EqualFold(a.Name, string(a.ID)) {
			c.addRef(strings.ToLower(a.Name), idx, r.Path, r.Path+".name", r.Name)
		}
		c.refNames = append(c.refNames, a.Name, string(a.ID))
	}
}

// addRef makes an agent findable by id or name, refusing a name that is
// another agent's id: a loop's member list could not tell them apart.
func (c *checker) addRef(key string, idx int, item, path string, f field) {
	if prev, dup := c.agentDef[key]; dup && prev != item {
		c.ps.add(f.Line, path, "%q also names %s; loop members could not tell them apart", f.Val, prev)
		return
	}
	c.agentRef[key] = idx
	c.agentDef[key] = item
}

func (c *checker) dial(f field, path, tech, ext string, valid func(string) string) string {
	if f.Val == "" {
		if ext == "" || !extensionSyntax.MatchString(ext) {
			return ""
		}
		return tech + ext
	}
	if why := valid(f.Val); why != "" {
		c.ps.add(f.Line, path, "invalid dial string %q: %s", f.Val, why)
	}
	return f.Val
}

func checkAsterisk(s string) string {
	if !asteriskDial.MatchString(s) {
		return `want one TECH/resource such as "PJSIP/2101", without spaces, quotes, "&", "," or "|"`
	}
	return ""
}

func checkFreeSWITCH(s string) string {
	if !strings.Contains(s, "/") || strings.ContainsAny(s, " \t\r\n\"'\\") {
		return `want an endpoint such as "user/2101", without spaces or quotes`
	}
	return ""
}

// top checks the settings that need the loops to be known.
func (c *checker) top() {
	sb := c.raw.Switchboard
	if c.required(sb, c.raw.Line, "switchboard") {
		if _, ok := c.cfg.Loop(routing.LoopID(sb.Val)); ok {
			c.cfg.Switchboard = routing.LoopID(sb.Val)
		} else {
			c.ps.add(sb.Line, "switchboard", "unknown loop %q%s", sb.Val, suggest(sb.Val, c.loopIDs()))
		}
	}
	ek := c.raw.EnglishKey
	if c.required(ek, c.raw.Line, "english_key") {
		if !keySyntax.MatchString(ek.Val) {
			c.ps.add(ek.Line, "english_key", "invalid key %q: one of 0-9, * or #", ek.Val)
		} else {
			c.cfg.EnglishKey = ek.Val
		}
	}
	c.cfg.MaxNoAnswer = DefaultMaxNoAnswer
	if f := c.raw.MaxNoAnswer; f.Val != "" {
		n, err := strconv.Atoi(f.Val)
		if err != nil || n < 0 || n > 100 {
			c.ps.add(f.Line, "max_no_answer", "invalid count %q: a whole number from 0 (never) to 100", f.Val)
		} else {
			c.cfg.MaxNoAnswer = n
		}
	}
	for i, l := range c.cfg.Loops {
		if l.Digit != "" && l.Digit == c.cfg.EnglishKey {
			r := c.loopSrc[i]
			c.ps.add(r.Digit.Line, r.Path+".digit", "digit %q is the english_key (line %d)", l.Digit, ek.Line)
		}
	}
}
