package agitest

import (
	"fmt"
	"strings"
)

// Replies as Asterisk 20 words them.
const (
	replyInvalid  = "510 Invalid or unknown command\n"
	replyDead     = "511 Command Not Permitted on a dead channel or intercept routine\n"
	usageStart    = "520-Invalid command syntax.  Proper usage follows:\n"
	usageEnd      = "520 End of proper usage.\n"
	hangupNotice  = "HANGUP\n"
	channelStatus = 6 // AST_STATE_UP
)

// answer is what the channel writes for one command. Each chunk is written
// separately, as Asterisk's two-part 520 reply arrives in two segments.
type answer struct {
	chunks []string
	hangup bool // the command hung the channel up (HANGUP)
}

func reply(s string) answer { return answer{chunks: []string{s}} }

// command is one AGI command the fake knows. dead marks the commands Asterisk
// allows on a hung-up channel (res_agi's "dead" flag).
type command struct {
	words []string
	dead  bool
	usage string
	run   func(ch *channel, argv []string) (string, bool) // reply, or usage
}

// The usage text of SET VARIABLE is Asterisk 20's; the others are shortened.
var commands = []command{
	{[]string{"answer"}, false, "Answers channel if not already in answer state.\n", runAnswer},
	{[]string{"channel", "status"}, false, "Returns status of the connected channel.\n", runStatus},
	{[]string{"exec"}, true, "Executes a given Application\n", runExec},
	{[]string{"get", "full", "variable"}, true, "Evaluates a channel expression\n", runGetFull},
	{[]string{"get", "variable"}, true, "Gets a channel variable.\n", runGet},
	{[]string{"hangup"}, false, "Hangup a channel.\n", runHangup},
	{[]string{"noop"}, true, "Does nothing.\n", runNoop},
	{[]string{"set", "music"}, false, "Enable/Disable Music on hold generator\n", runMusic},
	{[]string{"set", "variable"}, true, "Sets a variable to the current channel.\n", runSet},
	{[]string{"verbose"}, true, "Logs a message to the asterisk verbose log.\n", runVerbose},
}

// channel is the fake's channel: its variables and whether it hung up.
type channel struct {
	name string
	vars map[string]string
	dead bool
	// ending: the caller hangs up while the current command runs, so a
	// waiting application returns -1 as it does in Asterisk.
	ending bool
	// keys are what the caller types at each Read, in order.
	keys []string
}

// handle answers one command line (without its '\n') like Asterisk 20.
func (ch *channel) handle(line string) answer {
	argv := ParseArgs(line)
	cmd := find(argv)
	if cmd == nil {
		return reply(replyInvalid)
	}
	if ch.dead && !cmd.dead {
		return reply(replyDead)
	}
	out, ok := cmd.run(ch, argv)
	if !ok {
		return answer{chunks: []string{usageStart, cmd.usage + usageEnd}}
	}
	a := reply(out)
	if cmd.words[0] == "hangup" {
		a.hangup = true
	}
	return a
}

// find matches the command's words case-insensitively; extra words are
// the command's arguments.
func find(argv []string) *command {
	for i := range commands {
		c := &commands[i]
		if len(argv) < len(c.words) {
			continue
		}
		ok := true
		for j, w := range c.words {
			if !strings.EqualFold(argv[j], w) {
				ok = false
				break
			}
		}
		if ok {
			return c
		}
	}
	return nil
}

func runAnswer(_ *channel, argv []string) (string, bool) {
	return "200 result=0\n", len(argv) == 1
}

func runStatus(_ *channel, argv []string) (string, bool) {
	return fmt.Sprintf("200 result=%d\n", channelStatus), len(argv) <= 3
}

func runNoop(*channel, []string) (string, bool) { return "200 result=0\n", true }

func runMusic(_ *channel, argv []string) (string, bool) {
	return "200 result=0\n", len(argv) >= 3
}

func runHangup(_ *channel, argv []string) (string, bool) {
	return "200 result=1\n", len(argv) <= 2
}

func runVerbose(_ *channel, argv []string) (string, bool) {
	return "200 result=1\n", len(argv) >= 2
}

func runSet(ch *channel, argv []string) (string, bool) {
	if len(argv) != 4 {
		return "", false
	}
	ch.vars[argv[2]] = argv[3]
	return "200 result=1\n", true
}

// runGet answers GET VARIABLE: "200 result=0" when unset, else the value in
// parentheses, raw (a value may hold parentheses itself).
func runGet(ch *channel, argv []string) (string, bool) {
	if len(argv) != 3 {
		return "", false
	}
	v, ok := ch.vars[argv[2]]
	if !ok {
		return "200 result=0\n", true
	}
	return "200 result=1 (" + v + ")\n", true
}

func runGetFull(ch *channel, argv []string) (string, bool) {
	if len(argv) != 4 && len(argv) != 5 {
		return "", false
	}
	if len(argv) == 5 && argv[4] != ch.name {
		return "200 result=0\n", true
	}
	return "200 result=1 (" + ch.substitute(argv[3]) + ")\n", true
}

// substitute expands ${NAME} (nested too) from the channel's variables;
// unset names expand to "".
func (ch *channel) substitute(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		depth, j := 1, i+2
		for ; j < len(s) && depth > 0; j++ {
			switch {
			case strings.HasPrefix(s[j:], "${"):
				depth++
				j++
			case s[j] == '}':
				depth--
			}
		}
		if depth > 0 { // unterminated: literal
			b.WriteString(s[i:])
			return b.String()
		}
		b.WriteString(ch.vars[ch.substitute(s[i+2:j-1])])
		s = s[j:]
	}
}

// runExec runs the few applications the fake knows; others give -2 like an
// application Asterisk cannot find. Only the first argument reaches the
// application, as in Asterisk.
func runExec(ch *channel, argv []string) (string, bool) {
	if len(argv) < 2 {
		return "", false
	}
	arg := ""
	if len(argv) > 2 {
		arg = argv[2]
	}
	res := 0
	switch strings.ToLower(argv[1]) {
	case "set":
		if name, value, ok := strings.Cut(arg, "="); ok {
			ch.vars[name] = value
		}
	case "wait", "waitexten", "musiconhold":
		if ch.dead || ch.ending {
			res = -1
		}
	case "read":
		// Read(var,prompts,maxdigits,options,attempts,timeout): the next of
		// the caller's Keys, "" (READSTATUS=TIMEOUT) when none is left.
		name, _, _ := strings.Cut(arg, ",")
		switch {
		case ch.dead || ch.ending:
			ch.vars["READSTATUS"], res = "HANGUP", -1
		case len(ch.keys) > 0:
			ch.vars[name], ch.vars["READSTATUS"] = ch.keys[0], "OK"
			ch.keys = ch.keys[1:]
		default:
			ch.vars[name], ch.vars["READSTATUS"] = "", "TIMEOUT"
		}
	case "noop", "verbose", "log", "answer", "playback", "progress", "ringing":
	default:
		res = -2
	}
	return fmt.Sprintf("200 result=%d\n", res), true
}
