package fstest

import (
	"bufio"
	"strconv"
	"strings"
)

// serve answers the server's commands in order, as mod_event_socket's
// listener thread does. When the server closes its side FreeSWITCH sends
// the disconnect notice (a second notice after the linger one) and
// closes.
func (c *Call) serve(r *bufio.Reader) {
	defer c.closeOnce.Do(func() { close(c.closed) })
	for {
		cmd, err := ReadCommand(r)
		if err != nil {
			c.finish()
			return
		}
		c.mu.Lock()
		c.cmds = append(c.cmds, cmd)
		c.mu.Unlock()
		if !c.answer(cmd) {
			return
		}
	}
}

// answer replies to one command; false: the session is over.
func (c *Call) answer(cmd Command) bool {
	arg := strings.TrimSpace(cmd.Arg)
	switch cmd.Name {
	case "myevents", "event":
		c.mu.Lock()
		c.subscribed, c.parkNext = true, true
		c.mu.Unlock()
		if cmd.Name == "event" {
			c.write(reply("+OK event listener enabled plain"))
			return true
		}
		c.write(reply("+OK Events Enabled"))
		return true // the channel parks while FreeSWITCH answers the next command
	case "linger":
		text := "+OK will linger"
		secs := -1
		if n, err := strconv.Atoi(arg); err == nil && n > 0 {
			secs, text = n, "+OK will linger "+arg+" seconds"
		}
		c.mu.Lock()
		c.linger, c.lingerSecs = true, secs
		c.mu.Unlock()
		c.write(reply(text))
	case "nolinger":
		c.mu.Lock()
		c.linger = false
		c.mu.Unlock()
		c.write(reply("+OK will not linger"))
	case "resume":
		c.mu.Lock()
		c.vars.set("socket_resume", "true")
		c.mu.Unlock()
		c.write(reply("+OK"))
	case "exit":
		c.write(reply("+OK bye"))
		c.finish()
		return false
	case "api":
		c.write(apiResponse(c.api(arg)))
	case "sendmsg":
		if arg != "" && arg != c.Channel.UUID {
			c.write(reply("-ERR invalid session id [" + arg + "]"))
			break
		}
		switch cmd.Headers["call-command"] {
		case "execute", "hangup":
			// Both wait in the channel's queue: a client that closes
			// right after its hangup gets no events, only the notice.
			c.write(reply("+OK"))
			c.enqueue(cmd)
		default:
			c.write(reply("-ERR unknown call-command"))
		}
	default:
		c.write(reply("-ERR command not found"))
	}
	c.park()
	return true
}

// park sends CHANNEL_PARK once, after the reply to the command that
// follows myevents: the socket application parks the channel right after
// connect, and FreeSWITCH delivers that event only when myevents was
// already in force (sometimes it is not, and the event never comes).
func (c *Call) park() {
	c.mu.Lock()
	due := c.parkNext && !c.hungup
	c.parkNext = false
	c.mu.Unlock()
	if due {
		c.event(func() event { return event{name: "CHANNEL_PARK", vars: true} })
	}
}

func (c *Call) enqueue(cmd Command) {
	c.mu.Lock()
	c.queue = append(c.queue, cmd)
	c.mu.Unlock()
	select {
	case c.queued <- struct{}{}:
	default:
	}
}

// api runs an api command over the socket. FreeSWITCH ends its answers
// with a newline.
func (c *Call) api(arg string) string {
	fn, rest, _ := strings.Cut(arg, " ")
	uuid, rest, _ := strings.Cut(rest, " ")
	switch fn {
	case "uuid_setvar_multi", "uuid_setvar", "uuid_break", "uuid_kill":
	default:
		return "-ERR " + fn + " Command not found!\n"
	}
	if uuid != c.Channel.UUID {
		return "-ERR No such channel!\n"
	}
	switch fn {
	case "uuid_setvar_multi":
		c.mu.Lock()
		for _, kv := range strings.Split(rest, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				c.vars.set(k, v) // an empty value deletes it
			}
		}
		c.mu.Unlock()
	case "uuid_setvar":
		k, v, _ := strings.Cut(rest, " ")
		c.mu.Lock()
		c.vars.set(k, v)
		c.mu.Unlock()
	case "uuid_break":
		c.brkNow(strings.TrimSpace(rest) == "all")
	case "uuid_kill":
		cause := strings.TrimSpace(rest)
		if cause == "" {
			cause = "NORMAL_CLEARING"
		}
		go c.hangup(cause)
	}
	return "+OK\n"
}

// brkNow is uuid_break: the media playing stops (CF_BREAK), nested ones
// too; with all, the commands queued and not started are dropped. A
// break reaches only what has started: an application clears the flag as
// it starts.
func (c *Call) brkNow(all bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if all {
		c.queue = nil
	}
	close(c.brk)
	c.brk = make(chan struct{})
}
