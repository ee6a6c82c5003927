package fstest

import (
	"strconv"
	"strings"
	"time"
)

// execute runs the queued applications one after another, as the parked
// channel does; a hangup ends the running one and drops the rest.
func (c *Call) execute() {
	defer close(c.execDone)
	for {
		select {
		case <-c.hangCh:
			return
		case <-c.closed:
			return
		case <-c.queued:
		}
		if !c.runQueued() {
			return
		}
	}
}

// frame is FreeSWITCH's media frame: a parked or playing channel takes
// the next queued command, and notices a break, on its next frame, so a
// queued application starts 20 ms after it was queued or after the one
// before it ended, and a command queued just before uuid_break … all
// never starts.
const frame = 20 * time.Millisecond

// runQueued runs what is queued, in order, a frame apart; false once the
// channel is gone.
func (c *Call) runQueued() bool {
	for {
		if !c.nextFrame() {
			return false
		}
		cmd, brk, ok := c.pop()
		if !ok {
			return true
		}
		c.run(cmd, brk)
	}
}

// pop takes the next queued command, with the break channel it starts
// under: a break after this point reaches it.
func (c *Call) pop() (Command, chan struct{}, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return Command{}, nil, false
	}
	cmd := c.queue[0]
	c.queue = c.queue[1:]
	return cmd, c.brk, true
}

// nextFrame waits for the next frame; false if the channel is gone.
func (c *Call) nextFrame() bool {
	t := time.NewTimer(frame)
	defer t.Stop()
	select {
	case <-c.hangCh:
		return false
	case <-c.closed:
		return false
	case <-t.C:
		return true
	}
}

// run is switch_ivr_parse_event and switch_core_session_exec for one
// queued execute: the variables they set, CHANNEL_EXECUTE, the
// application, CHANNEL_EXECUTE_COMPLETE with the response the application
// left in current_application_response.
func (c *Call) run(cmd Command, brk chan struct{}) {
	if cmd.Headers["call-command"] == "hangup" {
		cause := cmd.Headers["hangup-cause"]
		if cause == "" {
			cause = "NORMAL_CLEARING"
		}
		c.hangup(cause)
		return
	}
	app, arg := cmd.Headers["execute-app-name"], cmd.Headers["execute-app-arg"]
	if arg == "" && cmd.Body != "" {
		arg = cmd.Body
	}
	appHdr := func(complete bool) []header {
		h := []header{{"Application", app}}
		if arg != "" {
			h = append(h, header{"Application-Data", arg})
		}
		if complete {
			resp := c.vars.get("current_application_response")
			if resp == "" {
				resp = "_none_"
			}
			h = append(h, header{"Application-Response", resp})
		}
		if id := cmd.Headers["event-uuid"]; id != "" {
			h = append(h, header{"Application-UUID", id})
		}
		return h
	}
	c.event(func() event {
		c.ran = append(c.ran, strings.TrimSpace(app+" "+arg))
		loops := cmd.Headers["loops"]
		if loops == "" {
			loops = "1"
		}
		c.vars.set("current_loop", "1")
		c.vars.set("total_loops", loops)
		c.vars.set("current_application", app)
		c.vars.set("current_application_data", arg)
		c.vars.set("current_application_response", "")
		return event{name: "CHANNEL_EXECUTE", vars: true, post: appHdr(false),
			after: func() { c.vars.set("current_application", app) }}
	})
	c.app(app, arg, cmd.Headers["event-lock"] == "true", brk)
	c.event(func() event { return event{name: "CHANNEL_EXECUTE_COMPLETE", vars: true, post: appHdr(true)} })
	c.mu.Lock()
	c.vars.set("current_loop", "")
	c.vars.set("total_loops", "")
	c.mu.Unlock()
}

func (c *Call) app(app, arg string, locked bool, brk chan struct{}) {
	switch app {
	case "answer", "pre_answer":
		c.answerNow()
	case "set", "export":
		if k, v, ok := strings.Cut(arg, "="); ok {
			c.mu.Lock()
			c.vars.set(k, v)
			c.mu.Unlock()
		}
	case "unset":
		c.mu.Lock()
		c.vars.set(arg, "")
		c.mu.Unlock()
	case "hangup":
		if arg == "" {
			arg = "NORMAL_CLEARING"
		}
		c.hangup(arg)
	case "playback", "endless_playback":
		c.playback(arg, locked, brk)
	case "sleep", "say":
		ms, _ := strconv.Atoi(arg)
		c.play(time.Duration(ms)*time.Millisecond+10*time.Millisecond, locked, brk)
	case "bridge":
		c.bridge(arg)
	}
}

func (c *Call) answerNow() {
	c.mu.Lock()
	done := c.answered
	c.mu.Unlock()
	if done {
		return
	}
	// CHANNEL_ANSWER still says RINGING; the call is ACTIVE after it.
	c.event(func() event {
		c.answered = true
		c.caller.answered = micros(time.Now())
		return event{name: "CHANNEL_ANSWER", vars: true}
	})
	c.mu.Lock()
	c.callState = "ACTIVE"
	c.mu.Unlock()
}

// playback plays arg: music on hold (a stream) until broken, a file for a
// moment. It leaves FreeSWITCH's playback_* variables and its response:
// FILE PLAYED when it ended or was broken, PLAYBACK ERROR when the caller
// hung up.
func (c *Call) playback(arg string, locked bool, brk chan struct{}) {
	d := 10 * time.Millisecond
	for _, s := range []string{"local_stream://", "tone_stream://", "silence_stream://"} {
		if strings.HasPrefix(arg, s) {
			d = time.Hour
		}
	}
	began := time.Now()
	hung := c.play(d, locked, brk)
	ms := time.Since(began).Milliseconds()
	samples := strconv.FormatInt(ms*8, 10)
	resp := "FILE PLAYED"
	if hung {
		resp = "PLAYBACK ERROR"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vars.set("playback_last_offset_pos", samples)
	c.vars.set("playback_seconds", strconv.FormatInt(ms/1000, 10))
	c.vars.set("playback_ms", strconv.FormatInt(ms, 10))
	c.vars.set("playback_samples", samples)
	c.vars.set("current_application_response", resp)
}

// play waits d, a break or the hangup (true), frame by frame as
// switch_ivr_play_file does: a break first, then, unless it was queued
// with event-lock, the commands queued meanwhile, run inside it, nested.
func (c *Call) play(d time.Duration, locked bool, brk chan struct{}) (hungUp bool) {
	end := time.Now().Add(d)
	t := time.NewTicker(frame)
	defer t.Stop()
	for {
		select {
		case <-c.hangCh:
			return true
		case <-c.closed:
			return true
		case <-t.C:
		}
		select {
		case <-brk:
			return false
		default:
		}
		for !locked {
			cmd, b, ok := c.pop()
			if !ok {
				break
			}
			c.run(cmd, b)
		}
		if !time.Now().Before(end) {
			return false
		}
	}
}
