package fstest

import (
	"strconv"
	"time"
)

// hangup starts the channel's hangup with cause: CHANNEL_HANGUP at once;
// the rest once the running application has ended (finishHangup). It
// does not wait, so an application can hang up its own channel.
func (c *Call) hangup(cause string) {
	c.hangOnce.Do(func() {
		c.event(func() event {
			c.hungup, c.cause, c.stateNum = true, cause, 10
			return event{name: "CHANNEL_HANGUP", vars: true}
		})
		close(c.hangCh)
		go c.finishHangup()
	})
}

// finishHangup is what follows CHANNEL_HANGUP on the socket: the running
// application's EXECUTE_COMPLETE (sent as it ends), CHANNEL_UNPARK, the
// socket application's EXECUTE_COMPLETE (its response is the last
// application's, or _none_), CHANNEL_STATE for CS_HANGUP and CS_REPORTING
// (no variables), CHANNEL_HANGUP_COMPLETE (Hangup-Cause twice, the call's
// times as variables), then the linger notice, or without linger the
// disconnect notice and the end.
func (c *Call) finishHangup() {
	defer close(c.hangDone)
	<-c.execDone
	c.event(func() event { return event{name: "CHANNEL_UNPARK", vars: true} })
	c.event(func() event {
		resp := c.vars.get("current_application_response")
		if resp == "" {
			resp = "_none_"
		}
		return event{name: "CHANNEL_EXECUTE_COMPLETE", vars: true, post: []header{
			{"Application", "socket"}, {"Application-Data", c.addr + " async full"},
			{"Application-Response", resp}, {"Application-UUID", c.socketApp},
		}}
	})
	c.event(func() event {
		c.state = "CS_HANGUP"
		return event{name: "CHANNEL_STATE"}
	})
	c.event(func() event {
		c.state, c.callState, c.stateNum = "CS_REPORTING", "HANGUP", 11
		c.caller.hangup = micros(time.Now())
		return event{name: "CHANNEL_STATE"}
	})
	c.event(func() event {
		c.callVars()
		return event{name: "CHANNEL_HANGUP_COMPLETE", pre: []header{{"Hangup-Cause", c.cause}}, vars: true}
	})
	c.mu.Lock()
	linger, secs := c.linger, c.lingerSecs
	c.mu.Unlock()
	if !linger {
		c.finish()
		return
	}
	c.write(c.lingerNotice(secs))
	if secs >= 0 {
		go func() {
			select {
			case <-time.After(time.Duration(secs) * time.Second):
				c.finish()
			case <-c.closed:
			}
		}()
	}
}

// q850 is the ISDN cause of a hangup cause.
var q850 = map[string]string{
	"NORMAL_CLEARING": "16", "USER_BUSY": "17", "NO_ANSWER": "19", "CALL_REJECTED": "21", "ORIGINATOR_CANCEL": "487",
}

// callVars are the call's times, as switch_channel_set_timestamps leaves
// them for CHANNEL_HANGUP_COMPLETE. The caller holds c.mu.
func (c *Call) callVars() {
	g := c.caller
	end := g.hangup
	stamp := func(us int64) string { return time.UnixMicro(us).UTC().Format("2006-01-02 15:04:05") }
	c.vars.set("hangup_cause", c.cause)
	c.vars.set("hangup_cause_q850", q850[c.cause])
	c.vars.set("start_stamp", stamp(g.created))
	c.vars.set("profile_start_stamp", stamp(g.created))
	for _, t := range []struct {
		name string
		us   int64
	}{{"answer", g.answered}, {"bridge", g.bridged}, {"progress", g.progress}} {
		if t.us > 0 {
			c.vars.set(t.name+"_stamp", stamp(t.us))
		}
	}
	c.vars.set("end_stamp", stamp(end))
	epoch := func(name string, us int64) {
		c.vars.set(name+"_epoch", strconv.FormatInt(us/1e6, 10))
		c.vars.set(name+"_uepoch", strconv.FormatInt(us, 10))
	}
	epoch("start", g.created)
	epoch("profile_start", g.created)
	epoch("answer", g.answered)
	epoch("bridge", g.bridged)
	epoch("last_hold", 0)
	c.vars.set("hold_accum_seconds", "0")
	c.vars.set("hold_accum_usec", "0")
	c.vars.set("hold_accum_ms", "0")
	epoch("resurrect", 0)
	epoch("progress", g.progress)
	epoch("progress_media", 0)
	epoch("end", end)
	app, arg := "socket", c.addr+" async full"
	if a := c.vars.get("current_application"); a != "" {
		app, arg = a, c.vars.get("current_application_data")
	}
	c.vars.set("last_app", app)
	c.vars.set("last_arg", arg)
	c.vars.set("caller_id", "\""+c.Channel.CallerName+"\" <"+c.Channel.CallerNumber+">")
	since := func(us int64) int64 {
		if us == 0 {
			return 0
		}
		return us - g.created
	}
	spans := []struct {
		name string
		us   int64
	}{
		{"duration", end - g.created}, {"billsec", nonZero(g.answered, end-g.answered)},
		{"progresssec", since(g.progress)}, {"answersec", since(g.answered)}, {"waitsec", since(g.bridged)},
		{"progress_mediasec", 0}, {"flow_billsec", end - g.created},
	}
	for _, unit := range []struct {
		suffix string
		div    int64
	}{{"sec", 1e6}, {"msec", 1e3}, {"usec", 1}} {
		for _, s := range spans {
			name := s.name
			switch {
			case unit.suffix == "msec" && name == "duration":
				name = "mduration"
			case unit.suffix == "usec" && name == "duration":
				name = "uduration"
			case unit.suffix != "sec":
				name = name[:len(name)-3] + unit.suffix
			}
			c.vars.set(name, strconv.FormatInt(s.us/unit.div, 10))
		}
	}
	if c.Channel.source() == "mod_loopback" {
		c.vars.set("is_loopback", "1")
	}
}

func nonZero(t, v int64) int64 {
	if t == 0 {
		return 0
	}
	return v
}
