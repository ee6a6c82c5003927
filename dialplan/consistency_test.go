package dialplan

import (
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/config"
)

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
