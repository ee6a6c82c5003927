package dialplan

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/config"
)

const extensionsConf = "asterisk/extensions.conf"

// serviceVars are the channel variables the sentralbord service sets on the
// caller's channel (see asterisk/README.md). The dialplan may read them and
// clear them, never give them a value of its own.
var serviceVars = map[string]bool{
	"SB_RESULT":        true,
	"SB_DIAL":          true,
	"SB_AGENT":         true,
	"SB_AGENT_NAME":    true,
	"SB_TIMEOUT":       true,
	"SB_CALLERID_NUM":  true,
	"SB_CALLERID_NAME": true,
	"SB_LOOP":          true,
	"SB_FALLBACK":      true,
	"SB_ERROR":         true,
}

// agiRequests are the FastAGI requests the service answers, with the number
// of arguments each takes.
var agiRequests = map[string]int{
	"route":      1, // loop
	"dialresult": 3, // agent, DIALSTATUS, caller's uniqueid
	"hangup":     0,
}

// asteriskVars are the variables Asterisk itself sets that the dialplan reads.
var asteriskVars = map[string]bool{
	"EXTEN": true, "UNIQUEID": true, "DIALSTATUS": true, "AGISTATUS": true,
	"VMSTATUS": true, "INVALID_EXTEN": true,
}

// dialPattern must equal the REGEX the dialplan checks every dial string
// with before Dial sees it.
const dialPattern = `^[A-Za-z0-9_-]+/[^&,()[:space:]]+(&[A-Za-z0-9_-]+/[^&,()[:space:]]+)*$`

type priority struct {
	line  int
	exten string
	label string
	app   string
	args  string
}

type dpContext struct {
	name   string
	line   int
	order  []string
	extens map[string][]priority
}

type dialplanFile struct {
	globals     map[string]string
	globalLines map[string]int
	contexts    map[string]*dpContext
	prios       []priority // every priority, in file order, with its context
	ctxOf       []string
	lines       map[int]string // comment-free text of each non-empty line
}

var (
	sectionRE = regexp.MustCompile(`^\[([A-Za-z0-9_-]+)\](\(.*\))?$`)
	globalRE  = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)
	lineRE    = regexp.MustCompile(`^(exten|same)\s*=>\s*(.*)$`)
	prioRE    = regexp.MustCompile(`^(\d+|n)(?:\(([A-Za-z0-9_-]+)\))?$`)
	appRE     = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)(?:\((.*)\))?$`)
	varReadRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)([}:(])`)
	setRE     = regexp.MustCompile(`^_{0,2}([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
)

// stripComment removes an unescaped ';' and what follows.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == ';' {
			return s[:i]
		}
	}
	return s
}

func parseDialplan(text string) (*dialplanFile, error) {
	d := &dialplanFile{
		globals:     map[string]string{},
		globalLines: map[string]int{},
		contexts:    map[string]*dpContext{},
		lines:       map[int]string{},
	}
	var cur *dpContext
	inGlobals := false
	lastExten := ""
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		s := strings.TrimSpace(stripComment(raw))
		if s == "" {
			continue
		}
		d.lines[n] = s
		if m := sectionRE.FindStringSubmatch(s); m != nil {
			name := m[1]
			lastExten = ""
			if name == "globals" {
				inGlobals, cur = true, nil
				continue
			}
			if name == "general" {
				return nil, fmt.Errorf("line %d: [general] belongs in the including file", n)
			}
			inGlobals = false
			if d.contexts[name] != nil {
				return nil, fmt.Errorf("line %d: context [%s] defined twice", n, name)
			}
			cur = &dpContext{name: name, line: n, extens: map[string][]priority{}}
			d.contexts[name] = cur
			continue
		}
		if strings.HasPrefix(s, "#") {
			return nil, fmt.Errorf("line %d: %q: the file must not include others", n, s)
		}
		if inGlobals {
			m := globalRE.FindStringSubmatch(s)
			if m == nil {
				return nil, fmt.Errorf("line %d: not a NAME=value global: %q", n, s)
			}
			if _, dup := d.globals[m[1]]; dup {
				return nil, fmt.Errorf("line %d: global %s set twice", n, m[1])
			}
			d.globals[m[1]] = strings.TrimSpace(m[2])
			d.globalLines[m[1]] = n
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: %q outside a context", n, s)
		}
		m := lineRE.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("line %d: not an exten/same line: %q", n, s)
		}
		rest := m[2]
		var exten string
		if m[1] == "exten" {
			c := strings.IndexByte(rest, ',')
			if c < 0 {
				return nil, fmt.Errorf("line %d: exten without priority", n)
			}
			exten, rest = strings.TrimSpace(rest[:c]), rest[c+1:]
			if _, seen := cur.extens[exten]; seen && lastExten != exten {
				return nil, fmt.Errorf("line %d: extension %s@%s continued after another extension", n, exten, cur.name)
			}
		} else {
			if lastExten == "" {
				return nil, fmt.Errorf("line %d: same => without an exten before it", n)
			}
			exten = lastExten
		}
		c := strings.IndexByte(rest, ',')
		if c < 0 {
			return nil, fmt.Errorf("line %d: priority without application", n)
		}
		pm := prioRE.FindStringSubmatch(strings.TrimSpace(rest[:c]))
		if pm == nil {
			return nil, fmt.Errorf("line %d: bad priority %q", n, rest[:c])
		}
		prios := cur.extens[exten]
		want := strconv.Itoa(len(prios) + 1)
		if pm[1] != "n" && pm[1] != want {
			return nil, fmt.Errorf("line %d: priority %s of %s@%s, want %s or n", n, pm[1], exten, cur.name, want)
		}
		if pm[1] == "n" && len(prios) == 0 {
			return nil, fmt.Errorf("line %d: %s@%s starts with priority n", n, exten, cur.name)
		}
		am := appRE.FindStringSubmatch(strings.TrimSpace(rest[c+1:]))
		if am == nil {
			return nil, fmt.Errorf("line %d: bad application %q", n, rest[c+1:])
		}
		if pm[2] != "" {
			for _, p := range prios {
				if p.label == pm[2] {
					return nil, fmt.Errorf("line %d: label %s twice in %s@%s", n, pm[2], exten, cur.name)
				}
			}
		}
		p := priority{line: n, exten: exten, label: pm[2], app: am[1], args: am[2]}
		if _, seen := cur.extens[exten]; !seen {
			cur.order = append(cur.order, exten)
		}
		cur.extens[exten] = append(prios, p)
		d.prios = append(d.prios, p)
		d.ctxOf = append(d.ctxOf, cur.name)
		lastExten = exten
	}
	return d, nil
}

func loadDialplan(t *testing.T) *dialplanFile {
	t.Helper()
	data, err := os.ReadFile(extensionsConf)
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDialplan(string(data))
	if err != nil {
		t.Fatalf("%s: %v", extensionsConf, err)
	}
	return d
}

// splitTop splits s at sep where sep is not nested in (), [] or {}.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		default:
			if s[i] == sep && depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// checkBalanced reports the first bracket that does not pair up.
func checkBalanced(s string) error {
	pair := map[byte]byte{')': '(', ']': '[', '}': '{'}
	var stack []int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			i++
		case '(', '[', '{':
			stack = append(stack, i)
		case ')', ']', '}':
			if len(stack) == 0 || s[stack[len(stack)-1]] != pair[c] {
				return fmt.Errorf("unmatched %q at column %d", c, i+1)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q at column %d", s[stack[len(stack)-1]], stack[len(stack)-1]+1)
	}
	return nil
}

// gotoIfBranches returns the targets of GotoIf(cond?true:false).
func gotoIfBranches(args string) ([]string, error) {
	rest := args
	if strings.HasPrefix(rest, "$[") {
		end := -1
		depth := 0
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '[':
				depth++
			case ']':
				depth--
			}
			if depth == 0 {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("condition not closed")
		}
		rest = rest[end+1:]
	} else if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[q:]
	}
	if !strings.HasPrefix(rest, "?") {
		return nil, fmt.Errorf("no ? after the condition")
	}
	var out []string
	for _, b := range splitTop(rest[1:], ':') {
		if b != "" {
			out = append(out, b)
		}
	}
	return out, nil
}

// target is a dialplan location a priority jumps or calls to.
type target struct {
	from  priority
	ctx   string
	exten string
	prio  string
	what  string
}

func (d *dialplanFile) targets(t *testing.T) []target {
	t.Helper()
	var out []target
	add := func(p priority, ctx string, spec string, sep byte, what string) {
		parts := splitTop(spec, sep)
		tg := target{from: p, what: what}
		switch len(parts) {
		case 1:
			tg.ctx, tg.exten, tg.prio = ctx, p.exten, parts[0]
		case 2:
			tg.ctx, tg.exten, tg.prio = ctx, parts[0], parts[1]
		case 3:
			tg.ctx, tg.exten, tg.prio = parts[0], parts[1], parts[2]
		default:
			t.Errorf("line %d: %s target %q has %d parts", p.line, what, spec, len(parts))
			return
		}
		// Gosub(ctx,exten,prio(args)): the arguments are not part of the target.
		if i := strings.IndexByte(tg.prio, '('); i >= 0 {
			tg.prio = tg.prio[:i]
		}
		out = append(out, tg)
	}
	for i, p := range d.prios {
		ctx := d.ctxOf[i]
		switch p.app {
		case "Goto", "Gosub":
			add(p, ctx, p.args, ',', p.app)
		case "GotoIf", "GosubIf":
			branches, err := gotoIfBranches(p.args)
			if err != nil {
				t.Errorf("line %d: %s(%s): %v", p.line, p.app, p.args, err)
			}
			for _, b := range branches {
				add(p, ctx, b, ',', p.app)
			}
		case "Set":
			if v, ok := strings.CutPrefix(p.args, "CHANNEL(hangup_handler_push)="); ok {
				add(p, ctx, v, ',', "hangup handler")
			}
		case "Dial":
			args := splitTop(p.args, ',')
			if len(args) < 3 {
				continue
			}
			for _, m := range regexp.MustCompile(`\b([bU])\(([^()]*(?:\([^()]*\))?)\)`).FindAllStringSubmatch(args[2], -1) {
				if m[1] == "b" {
					add(p, ctx, m[2], '^', "Dial b()")
				} else {
					add(p, ctx, strings.Split(m[2], "^")[0]+"^s^1", '^', "Dial U()")
				}
			}
		}
	}
	return out
}

func TestAsteriskParses(t *testing.T) {
	d := loadDialplan(t)
	for _, name := range []string{
		"sentralbord-ivr", "sentralbord-loop", "sentralbord-route", "sentralbord-fallback",
		"sentralbord-static", "sentralbord-predial", "sentralbord-answered", "sentralbord-hangup",
	} {
		if d.contexts[name] == nil {
			t.Errorf("context [%s] missing", name)
		}
	}
	if len(d.globals) == 0 {
		t.Error("no [globals]")
	}
}

func TestAsteriskBalancedBrackets(t *testing.T) {
	d := loadDialplan(t)
	nums := make([]int, 0, len(d.lines))
	for n := range d.lines {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		if err := checkBalanced(d.lines[n]); err != nil {
			t.Errorf("line %d: %v: %s", n, err, d.lines[n])
		}
	}
}

func TestAsteriskAGIRequests(t *testing.T) {
	d := loadDialplan(t)
	urlRE := regexp.MustCompile(`^agi://\$\{SB_AGI_HOST\}:\$\{SB_AGI_PORT\}/([^,?/]*)$`)
	seen := map[string]bool{}
	for _, p := range d.prios {
		if p.app != "AGI" {
			if strings.Contains(strings.ToLower(p.args), "agi://") {
				t.Errorf("line %d: an AGI URL outside AGI(): %s(%s)", p.line, p.app, p.args)
			}
			continue
		}
		args := splitTop(p.args, ',')
		m := urlRE.FindStringSubmatch(args[0])
		if m == nil {
			t.Errorf("line %d: AGI URL %q is not agi://${SB_AGI_HOST}:${SB_AGI_PORT}/<request>", p.line, args[0])
			continue
		}
		want, ok := agiRequests[m[1]]
		if !ok {
			t.Errorf("line %d: unknown AGI request %q", p.line, m[1])
			continue
		}
		if got := len(args) - 1; got != want {
			t.Errorf("line %d: %s takes %d arguments, the dialplan passes %d", p.line, m[1], want, got)
		}
		seen[m[1]] = true
	}
	for r := range agiRequests {
		if !seen[r] {
			t.Errorf("the dialplan never sends %s", r)
		}
	}
}

func TestAsteriskVariables(t *testing.T) {
	d := loadDialplan(t)
	setBy := map[string]bool{}
	for _, p := range d.prios {
		if p.app != "Set" {
			continue
		}
		m := setRE.FindStringSubmatch(p.args)
		if m == nil {
			continue // a function: CHANNEL(...), CONNECTEDLINE(...), TIMEOUT(...)
		}
		setBy[m[1]] = true
		if serviceVars[m[1]] && m[2] != "" {
			t.Errorf("line %d: the dialplan gives %s a value; only the service sets it (clearing is fine)", p.line, m[1])
		}
	}
	read := map[string]bool{}
	for n, s := range d.lines {
		for _, m := range varReadRE.FindAllStringSubmatch(s, -1) {
			name := m[1]
			if m[2] == "(" {
				continue // a function call
			}
			read[name] = true
			switch {
			case serviceVars[name]:
			case strings.HasPrefix(name, "SB_"):
				if _, ok := d.globals[name]; !ok {
					t.Errorf("line %d: ${%s} is neither in the service contract nor a global", n, name)
				}
			case strings.HasPrefix(name, "SBD_"):
				if !setBy[name] {
					t.Errorf("line %d: ${%s} is read but never Set", n, name)
				}
			case asteriskVars[name]:
			default:
				t.Errorf("line %d: ${%s}: unknown variable (not SB_, SBD_ or one Asterisk sets)", n, name)
			}
		}
	}
	for name, line := range d.globalLines {
		if !strings.HasPrefix(name, "SB_") {
			t.Errorf("line %d: global %s lacks the SB_ prefix", line, name)
		}
		if serviceVars[name] {
			t.Errorf("line %d: global %s shadows a service variable", line, name)
		}
		if !read[name] {
			t.Errorf("line %d: global %s is never read", line, name)
		}
	}
	if !read["SB_RESULT"] {
		t.Error("SB_RESULT is never read")
	}
}

// The dialplan decides on SB_RESULT, never on AGISTATUS: Asterisk reports
// SUCCESS even when the service closed early or sent garbage.
func TestAsteriskNoDecisionOnAGISTATUS(t *testing.T) {
	d := loadDialplan(t)
	for _, p := range d.prios {
		switch p.app {
		case "NoOp", "Verbose", "Log":
			continue
		}
		if strings.Contains(p.args, "AGISTATUS") {
			t.Errorf("line %d: %s(%s) depends on AGISTATUS", p.line, p.app, p.args)
		}
	}
}

// Before every route request SB_RESULT is cleared in the same extension, so
// that an answer left from the previous request is never taken for this one.
func TestAsteriskResultClearedBeforeRoute(t *testing.T) {
	d := loadDialplan(t)
	n := 0
	for _, c := range d.contexts {
		for _, exten := range c.order {
			cleared := false
			for _, p := range c.extens[exten] {
				if p.app == "Set" && p.args == "SB_RESULT=" {
					cleared = true
				}
				if p.app == "AGI" && strings.Contains(p.args, "/route,") {
					n++
					if !cleared {
						t.Errorf("line %d: route request without Set(SB_RESULT=) before it", p.line)
					}
					cleared = false
				}
			}
		}
	}
	if n == 0 {
		t.Error("no route request found")
	}
}

// brokenTargets describes every target that does not exist.
func (d *dialplanFile) brokenTargets(tgs []target) []string {
	var bad []string
	for _, tg := range tgs {
		where := fmt.Sprintf("line %d: %s to %s,%s,%s", tg.from.line, tg.what, tg.ctx, tg.exten, tg.prio)
		if strings.Contains(tg.ctx, "${") || strings.Contains(tg.prio, "${") {
			bad = append(bad, where+": context and priority must be literal")
			continue
		}
		c := d.contexts[tg.ctx]
		if c == nil {
			bad = append(bad, where+": no such context")
			continue
		}
		if strings.Contains(tg.exten, "${") {
			// Computed extension: an unknown value lands on the i extension.
			if c.extens["i"] == nil || tg.prio != "1" {
				bad = append(bad, where+": a computed extension needs priority 1 and an i extension")
			}
			continue
		}
		prios := c.extens[tg.exten]
		if prios == nil {
			bad = append(bad, where+": no such extension")
			continue
		}
		if n, err := strconv.Atoi(tg.prio); err == nil {
			if n < 1 || n > len(prios) {
				bad = append(bad, where+": no such priority")
			}
			continue
		}
		found := false
		for _, p := range prios {
			found = found || p.label == tg.prio
		}
		if !found {
			bad = append(bad, where+": no such label")
		}
	}
	return bad
}

func TestAsteriskTargetsExist(t *testing.T) {
	d := loadDialplan(t)
	tgs := d.targets(t)
	if len(tgs) < 20 {
		t.Fatalf("found only %d jump targets; is the parser broken?", len(tgs))
	}
	for _, msg := range d.brokenTargets(tgs) {
		t.Error(msg)
	}
}

// An AGI request guarded by TIMEOUT(absolute) must end in the context's T
// extension, never in a hangup: T must exist, AGIEXITONHANGUP must be set,
// and the timeout must be cancelled right after the request.
func TestAsteriskAGITimeoutGuard(t *testing.T) {
	d := loadDialplan(t)
	guarded := 0
	for _, c := range d.contexts {
		exitOnHangup := false
		for _, exten := range c.order {
			for _, p := range c.extens[exten] {
				if p.app == "Set" && p.args == "AGIEXITONHANGUP=yes" {
					exitOnHangup = true
				}
			}
		}
		for _, exten := range c.order {
			prios := c.extens[exten]
			for i, p := range prios {
				if p.app != "Set" || p.args != "TIMEOUT(absolute)=${SB_AGI_TIMEOUT}" {
					continue
				}
				guarded++
				if c.extens["T"] == nil {
					t.Errorf("line %d: TIMEOUT(absolute) in [%s] without a T extension: the timeout would hang up the caller", p.line, c.name)
				}
				if !exitOnHangup {
					t.Errorf("line %d: [%s] sets no AGIEXITONHANGUP=yes: a timed-out AGI would wait for the service forever", p.line, c.name)
				}
				if i+2 >= len(prios) || prios[i+1].app != "AGI" || prios[i+2].app != "Set" || prios[i+2].args != "TIMEOUT(absolute)=0" {
					t.Errorf("line %d: TIMEOUT(absolute) must be followed by the AGI and Set(TIMEOUT(absolute)=0)", p.line)
				}
			}
		}
	}
	for _, c := range d.contexts {
		for _, exten := range c.order {
			prios := c.extens[exten]
			for i, p := range prios {
				if p.app == "AGI" && strings.Contains(p.args, "/route,") &&
					(i == 0 || prios[i-1].args != "TIMEOUT(absolute)=${SB_AGI_TIMEOUT}") {
					t.Errorf("line %d: route request not guarded by TIMEOUT(absolute)", p.line)
				}
			}
		}
	}
	if guarded == 0 {
		t.Error("no AGI request is guarded by TIMEOUT(absolute)")
	}
}

// Dial hangs up the caller when its target has no "/", and a "," in a
// variable would add options: every Dial of a variable is checked first.
func TestAsteriskDialStringsChecked(t *testing.T) {
	re := regexp.MustCompile(dialPattern)
	for _, ok := range []string{"PJSIP/2101", "PJSIP/2101&PJSIP/2102", "Local/answer@sentralbord-test-agent", "SIP/agent1", "PJSIP/2101@trunk"} {
		if !re.MatchString(ok) {
			t.Errorf("dial pattern refuses %q", ok)
		}
	}
	for _, bad := range []string{"", "garbage", "PJSIP/", "PJSIP/2101&", "PJSIP/2101,20,m", "PJSIP/21 01", "&PJSIP/2101", "PJSIP/2101)b(x"} {
		if re.MatchString(bad) {
			t.Errorf("dial pattern accepts %q", bad)
		}
	}

	d := loadDialplan(t)
	for name, v := range d.globals {
		if (strings.HasPrefix(name, "SB_FALLBACK_") && name != "SB_FALLBACK_RING") || name == "SB_LAST_RESORT" {
			if !re.MatchString(v) {
				t.Errorf("global %s=%q is not a dial string", name, v)
			}
		}
	}
	guard := `${REGEX("` + dialPattern + `" ${%s})}`
	dials := 0
	for _, c := range d.contexts {
		for _, exten := range c.order {
			prios := c.extens[exten]
			for i, p := range prios {
				if p.app != "Dial" {
					continue
				}
				dials++
				first := splitTop(p.args, ',')[0]
				m := regexp.MustCompile(`^\$\{([A-Z_]+)\}$`).FindStringSubmatch(first)
				if m == nil {
					if c.name == "sentralbord-test" || strings.HasPrefix(c.name, "sentralbord-test-") {
						continue
					}
					t.Errorf("line %d: Dial target %q is not one checked variable", p.line, first)
					continue
				}
				want := fmt.Sprintf(guard, m[1])
				checked := false
				for _, q := range prios[:i] {
					checked = checked || (q.app == "GotoIf" && strings.Contains(q.args, want))
				}
				if !checked {
					t.Errorf("line %d: Dial(${%s}) without a GotoIf on %s before it", p.line, m[1], want)
				}
			}
		}
	}
	if dials < 3 {
		t.Errorf("found %d Dial calls; is the parser broken?", dials)
	}
}

// The caller's own caller ID is never changed (a retry would tag twice); the
// agent sees <number>-<tag> through the connected line of its channel.
func TestAsteriskCallerIDTaggedOnCalleeOnly(t *testing.T) {
	d := loadDialplan(t)
	for i, p := range d.prios {
		ctx := d.ctxOf[i]
		if p.app == "Set" && strings.HasPrefix(p.args, "CALLERID(") && ctx != "sentralbord-test" {
			t.Errorf("line %d: [%s] changes the caller's CALLERID", p.line, ctx)
		}
	}
	pre := d.contexts["sentralbord-predial"]
	if pre == nil {
		t.Fatal("no [sentralbord-predial]")
	}
	var sets []string
	for _, p := range pre.extens["s"] {
		if p.app == "Set" {
			sets = append(sets, p.args)
		}
	}
	want := []string{"CONNECTEDLINE(num,i)=${SBD_CID_NUM}", "CONNECTEDLINE(name,i)=${SBD_CID_NAME}"}
	if strings.Join(sets, "\n") != strings.Join(want, "\n") {
		t.Errorf("[sentralbord-predial] sets %q, want %q", sets, want)
	}
	for _, p := range d.prios {
		if p.app == "Dial" && !strings.Contains(p.args, "b(sentralbord-predial^s^1)") {
			t.Errorf("line %d: Dial without the pre-dial handler: the agent would not see the tag", p.line)
		}
	}
}

// The globals, the IVR and the loop entries agree with the example
// configuration: its loops, digits, tags and fallbacks.
func TestAsteriskMatchesExampleConfig(t *testing.T) {
	cfg, err := config.Load("../examples/sentralbord.yaml")
	if err != nil {
		t.Fatalf("example configuration: %v", err)
	}
	d := loadDialplan(t)
	gotoOf := func(ctx, exten string) string {
		c := d.contexts[ctx]
		if c == nil {
			return ""
		}
		for _, p := range c.extens[exten] {
			if p.app == "Goto" {
				return p.args
			}
		}
		return ""
	}
	loopIDs := map[string]bool{}
	for _, l := range cfg.Loops {
		id := string(l.ID)
		loopIDs[id] = true
		if got := d.globals["SB_TAG_"+id]; got != l.Tag {
			t.Errorf("SB_TAG_%s=%q, the configuration's tag is %q", id, got, l.Tag)
		}
		if got := d.globals["SB_FALLBACK_"+id]; got != l.Fallback {
			t.Errorf("SB_FALLBACK_%s=%q, the configuration's fallback is %q", id, got, l.Fallback)
		}
		if got := gotoOf("sentralbord-loop", id); got != "sentralbord-route,s,1" {
			t.Errorf("loop %s: [sentralbord-loop] extension %s goes to %q", id, id, got)
		}
		if got := gotoOf("sentralbord-fallback", id); got != "sentralbord-static,s,1" {
			t.Errorf("loop %s: [sentralbord-fallback] extension %s goes to %q", id, id, got)
		}
		if l.Digit != "" {
			if got, want := gotoOf("sentralbord-ivr", l.Digit), "sentralbord-loop,"+id+",1"; got != want {
				t.Errorf("menu key %s goes to %q, want %q", l.Digit, got, want)
			}
		}
	}
	for _, ctx := range []string{"sentralbord-loop", "sentralbord-fallback"} {
		for _, exten := range d.contexts[ctx].order {
			if exten != "i" && !loopIDs[exten] {
				t.Errorf("[%s] has extension %s, which is no loop of the configuration", ctx, exten)
			}
		}
	}
	sb := string(cfg.Switchboard)
	if got, want := gotoOf("sentralbord-ivr", cfg.EnglishKey), "sentralbord-loop,"+sb+",1"; got != want {
		t.Errorf("English key %s goes to %q, want %q", cfg.EnglishKey, got, want)
	}
	english := false
	for _, p := range d.contexts["sentralbord-ivr"].extens[cfg.EnglishKey] {
		english = english || (p.app == "Set" && p.args == "CHANNEL(language)=en")
	}
	if !english {
		t.Errorf("English key %s does not set the channel language to en", cfg.EnglishKey)
	}
	for _, exten := range d.contexts["sentralbord-ivr"].order {
		if len(exten) == 1 && strings.ContainsAny(exten, "0123456789*#") {
			known := exten == cfg.EnglishKey
			for _, l := range cfg.Loops {
				known = known || l.Digit == exten
			}
			if !known {
				t.Errorf("menu key %s is in the IVR but not in the configuration", exten)
			}
		}
	}
	for _, exten := range []string{"again", "i"} {
		found := false
		for _, p := range d.contexts["sentralbord-ivr"].extens[exten] {
			found = found || strings.Contains(p.args, "sentralbord-loop,"+sb+",1")
		}
		if exten == "again" && !found {
			t.Errorf("no or invalid input does not end in the switchboard loop %s", sb)
		}
	}
	if got := gotoOf("sentralbord-loop", "i"); got != sb+",1" {
		t.Errorf("an unknown loop goes to %q, want the switchboard %s", got, sb)
	}
	if got := gotoOf("sentralbord-fallback", "i"); got != sb+",1" {
		t.Errorf("an unknown loop's fallback goes to %q, want the switchboard %s", got, sb)
	}
}

// The checks above must be able to fail: feed them broken dialplans.
func TestAsteriskChecksCatchMistakes(t *testing.T) {
	if _, err := parseDialplan("[c]\nexten => s,1,NoOp()\nexten => t,1,NoOp()\nexten => s,2,NoOp()\n"); err == nil {
		t.Error("an interleaved extension parsed")
	}
	if _, err := parseDialplan("[c]\nexten => s,2,NoOp()\n"); err == nil {
		t.Error("an extension starting at priority 2 parsed")
	}
	if _, err := parseDialplan("[c]\nsame => n,NoOp()\n"); err == nil {
		t.Error("same => without exten parsed")
	}
	for _, bad := range []string{"Set(A=$[${X} + 1)", "Dial(${SB_DIAL},20,b(x^s^1)", "GotoIf($[${A} = 1]?x)))"} {
		if checkBalanced(bad) == nil {
			t.Errorf("checkBalanced accepts %q", bad)
		}
	}
	if checkBalanced(`GotoIf($[${REGEX("`+dialPattern+`" ${SB_DIAL})}]?:x,1)`) != nil {
		t.Error("checkBalanced refuses the dial guard")
	}
	got, err := gotoIfBranches(`$[${REGEX("a[:space:]b" ${X})}]?:fb,${SBD_LOOP},1`)
	if err != nil || len(got) != 1 || got[0] != "fb,${SBD_LOOP},1" {
		t.Errorf("gotoIfBranches = %q, %v", got, err)
	}
	d, err := parseDialplan("[c]\nexten => s,1,Goto(nowhere,s,1)\n same => n(l),GotoIf($[1]?c,s,nolabel:s,9)\n same => n,Dial(Local/x@c,1,b(c^t^1)U(missing))\n")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, msg := range d.brokenTargets(d.targets(t)) {
		missing = append(missing, strings.SplitN(strings.SplitN(msg, " to ", 2)[1], ":", 2)[0])
	}
	want := []string{"nowhere,s,1", "c,s,nolabel", "c,s,9", "c,t,1", "missing,s,1"}
	if strings.Join(missing, " ") != strings.Join(want, " ") {
		t.Errorf("broken targets found %q, want %q", missing, want)
	}
	if m := varReadRE.FindAllStringSubmatch("${SB_X} ${LEN(${SBD_Y})} ${CALLERID(num)} ${EXTEN:1}", -1); len(m) != 5 {
		t.Errorf("variable reads: %q", m)
	}
}
