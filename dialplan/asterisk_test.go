package dialplan

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

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

// isGuard reports whether a Set's arguments arm the AGI guard: route
// requests get SB_ROUTE_TIMEOUT (the caller may wait in line inside them),
// the others SB_AGI_TIMEOUT.
func isGuard(args string) bool {
	return args == "TIMEOUT(absolute)=${SB_AGI_TIMEOUT}" || args == "TIMEOUT(absolute)=${SB_ROUTE_TIMEOUT}"
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
				if p.app != "Set" || !isGuard(p.args) {
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
					(i == 0 || prios[i-1].args != "TIMEOUT(absolute)=${SB_ROUTE_TIMEOUT}") {
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
