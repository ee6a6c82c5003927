package dialplan

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/agi"
)

const extensionsConf = "asterisk/extensions.conf"

// serviceVars are the channel variables the sentralbord service sets on the
// caller's channel (see asterisk/README.md). The dialplan may read them and
// clear them, never give them a value of its own.
var serviceVars = map[string]bool{
	agi.VarResult:       true,
	agi.VarDial:         true,
	agi.VarAgent:        true,
	agi.VarAgentName:    true,
	agi.VarTimeout:      true,
	agi.VarCallerIDNum:  true,
	agi.VarCallerIDName: true,
	agi.VarLoop:         true,
	agi.VarFallback:     true,
	agi.VarError:        true,
	agi.VarWaited:       true,
}

// agiRequests are the FastAGI requests the service answers, with the number
// of arguments each takes.
var agiRequests = map[string]int{
	agi.RequestRoute:      1, // loop
	agi.RequestDialResult: 3, // agent, DIALSTATUS, caller's uniqueid
	agi.RequestHangup:     0,
	agi.RequestCallback:   1, // loop
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
