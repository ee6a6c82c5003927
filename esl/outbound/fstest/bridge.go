package fstest

import (
	"strings"
	"time"
)

// bridge is mod_dptools' bridge: switch_ivr_originate to the agent, then
// the bridge. The outcome is in channel variables only: originate sets
// originate_disposition=failure and DIALSTATUS=INVALIDARGS as it starts,
// and the final values when it ends; they stay on the channel until the
// next bridge's originate starts, so CHANNEL_EXECUTE of that bridge still
// carries the last one's. Only the bridge's own CHANNEL_EXECUTE_COMPLETE
// tells how it went; its Application-Response is _none_ however it went.
func (c *Call) bridge(arg string) {
	g := c.otherLeg(arg)
	c.mu.Lock()
	c.bridges = append(c.bridges, arg)
	c.vars.set("originate_disposition", "failure")
	c.vars.set("DIALSTATUS", "INVALIDARGS")
	c.vars.set("originate_signal_bond", g.uuid)
	c.vars.push("originated_legs", g.uuid+";"+g.calleeName+";"+g.calleeNumber)
	c.caller.progress = g.created
	c.caller.calleeName, c.caller.calleeNumber = g.calleeName, g.calleeNumber
	// RING_WAIT while the agent rings; it stays so if the caller hangs up.
	callState := c.callState
	c.callState = "RING_WAIT"
	c.mu.Unlock()
	o := Outcome{}
	if c.Bridge != nil {
		o = c.Bridge(arg)
	}
	var ring <-chan time.Time
	if o.Ring > 0 {
		ring = time.After(o.Ring)
	} else {
		ring = time.After(0)
	}
	select {
	case <-ring:
	case <-c.hangCh:
		c.failed(g, "CANCEL", "ORIGINATOR_CANCEL")
		return
	case <-c.closed:
		return
	}
	if !o.Answer {
		st, disp := o.DialStatus, o.Disposition
		if st == "" {
			st = "NOANSWER"
		}
		if disp == "" {
			disp = "NO_ANSWER"
		}
		c.failed(g, st, disp)
		c.mu.Lock()
		c.callState = callState
		c.mu.Unlock()
		return
	}
	pre := []header{{"Bridge-A-Unique-ID", c.Channel.UUID}, {"Bridge-B-Unique-ID", g.uuid}}
	c.event(func() event {
		now := micros(time.Now())
		g.answered, g.bridged = now, now
		c.caller.bridged = now
		c.other, c.bridged, c.callState = g, true, "ACTIVE"
		c.vars.set("originate_signal_bond", "")
		c.vars.set("originate_disposition", "SUCCESS")
		c.vars.set("DIALSTATUS", "SUCCESS")
		c.vars.push("originate_causes", g.uuid+";NONE")
		c.vars.set("signal_bond", g.uuid)
		return event{name: "CHANNEL_BRIDGE", pre: pre, vars: true}
	})
	var talk <-chan time.Time
	if o.Talk > 0 {
		talk = time.After(o.Talk)
	}
	select {
	case <-talk:
	case <-c.endCh:
	case <-c.hangCh:
	case <-c.closed:
		return
	}
	c.event(func() event {
		for _, kv := range [][2]string{
			{"last_bridge_to", g.uuid}, {"bridge_channel", g.channel}, {"bridge_uuid", g.uuid}, {"signal_bond", g.uuid},
			{"last_sent_callee_id_name", g.calleeName}, {"last_sent_callee_id_number", g.calleeNumber},
			{"last_bridge_hangup_cause", "NORMAL_CLEARING"}, {"bridge_hangup_cause", "NORMAL_CLEARING"},
		} {
			c.vars.set(kv[0], kv[1])
		}
		return event{name: "CHANNEL_UNBRIDGE", pre: pre, vars: true}
	})
}

// failed records an originate that ended without an answer.
func (c *Call) failed(g *leg, status, disposition string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if disposition != "ORIGINATOR_CANCEL" {
		c.vars.set("last_bridge_hangup_cause", disposition)
	}
	c.vars.set("originate_disposition", disposition)
	c.vars.set("DIALSTATUS", status)
	c.vars.push("originate_causes", g.uuid+";"+disposition)
	c.vars.set("originate_failed_cause", disposition)
}

// otherLeg is the agent's channel a bridge argument dials:
// {origination_caller_id_number=…,…}loopback/<ext>/<context> or
// user/<ext>, sofia/… .
func (c *Call) otherLeg(arg string) *leg {
	vars, dial := "", arg
	if strings.HasPrefix(arg, "{") {
		if i := strings.IndexByte(arg, '}'); i > 0 {
			vars, dial = arg[1:i], arg[i+1:]
		}
	}
	ch := c.Channel
	g := &leg{
		direction: "outbound", logical: "inbound", name: ch.CallerName, number: ch.CallerNumber,
		origName: ch.CallerName, origNumber: ch.CallerNumber, calleeName: "Outbound Call",
		uuid: newUUID(), rdnis: ch.RDNIS, created: micros(time.Now()),
	}
	for _, kv := range strings.Split(vars, ",") {
		k, v, _ := strings.Cut(kv, "=")
		v = strings.Trim(v, "'")
		switch k {
		case "origination_caller_id_number":
			g.number = v
		case "origination_caller_id_name":
			g.name = v
		}
	}
	parts := strings.Split(dial, "/")
	g.dest, g.context, g.source, g.channel = parts[len(parts)-1], "default", "mod_sofia", dial
	switch {
	case parts[0] == "loopback" && len(parts) >= 2:
		g.dest, g.source, g.channel = parts[1], "mod_loopback", "loopback/"+parts[1]+"-a"
		if len(parts) >= 3 {
			g.context = parts[2]
		}
	case parts[0] == "user":
		g.channel = "sofia/internal/" + g.dest + "@127.0.0.1"
	}
	g.calleeNumber = g.context
	return g
}
