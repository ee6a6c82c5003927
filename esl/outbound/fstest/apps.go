package fstest

import (
	"strings"
	"time"
)

// execute runs the queued applications one after another, as a channel
// does; a hangup ends the running one and drops the rest.
func (c *Call) execute() {
	defer close(c.execDone)
	for {
		select {
		case <-c.hangCh:
			return
		case cmd := <-c.apps:
			c.run(cmd)
		}
	}
}

func (c *Call) run(cmd Command) {
	app, arg := cmd.Headers["execute-app-name"], cmd.Headers["execute-app-arg"]
	if arg == "" && cmd.Body != "" {
		arg = cmd.Body
	}
	id := cmd.Headers["event-uuid"]
	c.mu.Lock()
	c.ran = append(c.ran, strings.TrimSpace(app+" "+arg))
	c.mu.Unlock()
	appHdr := []string{"Application: " + app, "Application-Data: " + encode(arg), "Application-UUID: " + id}
	c.event("CHANNEL_EXECUTE", appHdr...)
	done := func(resp string, extra ...string) {
		c.event("CHANNEL_EXECUTE_COMPLETE", append(append(appHdr, "Application-Response: "+encode(resp)), extra...)...)
	}
	switch app {
	case "answer":
		c.mu.Lock()
		c.answered = true
		c.mu.Unlock()
		c.event("CHANNEL_ANSWER")
		done("_none_")
	case "set":
		if k, v, ok := strings.Cut(arg, "="); ok {
			c.mu.Lock()
			c.vars[k] = v
			c.mu.Unlock()
		}
		done("_none_")
	case "playback", "endless_playback":
		select {
		case <-c.breakCh:
		case <-c.hangCh:
		case <-time.After(c.playTime(arg)):
		}
		done("FILE PLAYED")
	case "bridge":
		c.bridge(arg, done)
	default:
		done("_none_")
	}
}

// playTime: music on hold (local_stream) plays until broken; a file is short.
func (c *Call) playTime(arg string) time.Duration {
	if strings.HasPrefix(arg, "local_stream://") || strings.HasPrefix(arg, "tone_stream://") {
		return time.Hour
	}
	return 10 * time.Millisecond
}

func (c *Call) bridge(arg string, done func(string, ...string)) {
	c.mu.Lock()
	c.bridges = append(c.bridges, arg)
	c.mu.Unlock()
	o := Outcome{}
	if c.Bridge != nil {
		o = c.Bridge(arg)
	}
	const other = "557bc21a-fad7-46bf-8183-ac9d1796dc7d"
	if !o.Answer {
		st, disp := o.DialStatus, o.Disposition
		if st == "" {
			st = "NOANSWER"
		}
		if disp == "" {
			disp = "NO_ANSWER"
		}
		select {
		case <-time.After(o.Ring):
		case <-c.hangCh:
			st, disp = "CANCEL", "ORIGINATOR_CANCEL"
		}
		done(disp, "variable_DIALSTATUS: "+st, "variable_originate_disposition: "+disp)
		return
	}
	c.mu.Lock()
	c.bridged = true
	c.mu.Unlock()
	c.event("CHANNEL_BRIDGE", "Other-Leg-Unique-ID: "+other)
	var talk <-chan time.Time
	if o.Talk > 0 {
		talk = time.After(o.Talk)
	}
	select {
	case <-talk:
	case <-c.endCh:
	case <-c.hangCh:
	}
	c.event("CHANNEL_UNBRIDGE", "Other-Leg-Unique-ID: "+other)
	done("_none_", "variable_DIALSTATUS: SUCCESS", "variable_originate_disposition: SUCCESS")
}
