package fstest

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"strings"
	"sync"
	"time"
)

// Outcome is how one bridge goes.
type Outcome struct {
	// Answer: the agent answers (CHANNEL_BRIDGE). The bridge then lasts
	// Talk, or until the caller hangs up or EndBridge (Talk 0).
	Answer bool
	Talk   time.Duration
	// Without an answer: DIALSTATUS ("NOANSWER" when empty) and
	// originate_disposition ("NO_ANSWER" when empty), after Ring.
	DialStatus  string
	Disposition string
	Ring        time.Duration
}

// Call is one caller handed to the server by the socket application. Set
// Channel and Bridge, then Start.
type Call struct {
	Channel Channel
	// Bridge decides each bridge by its argument; nil: nobody answers.
	Bridge func(arg string) Outcome

	conn     net.Conn
	wmu      sync.Mutex // whole frames
	mu       sync.Mutex // the fields below
	vars     map[string]string
	bridges  []string
	ran      []string
	cmds     []Command
	answered bool
	hungup   bool
	linger   bool
	bridged  bool
	seq      int
	apps     chan Command
	breakCh  chan struct{}
	endCh    chan struct{} // ends an answered bridge
	hangCh   chan struct{}
	execDone chan struct{}
	closed   chan struct{} // the server closed the socket
}

// Start connects to addr like FreeSWITCH's socket application and serves
// the server's commands until it closes the socket.
func (c *Call) Start(ctx context.Context, addr string) error {
	c.vars = maps.Clone(c.Channel.Vars)
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	c.answered = c.Channel.Answered
	c.apps, c.breakCh, c.endCh = make(chan Command, 64), make(chan struct{}, 1), make(chan struct{}, 1)
	c.hangCh, c.execDone, c.closed = make(chan struct{}), make(chan struct{}), make(chan struct{})
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	c.conn = nc
	r := bufio.NewReader(nc)
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	cmd, err := ReadCommand(r) // nothing is sent before "connect"
	_ = nc.SetReadDeadline(time.Time{})
	if err != nil || cmd.Name != "connect" {
		nc.Close()
		return fmt.Errorf("fstest: expected connect, got %q: %v", cmd.Name, err)
	}
	c.mu.Lock()
	c.cmds = append(c.cmds, cmd)
	data := c.connectReply()
	c.mu.Unlock()
	c.write(data)
	go c.execute()
	go c.serve(r)
	return nil
}

// Done is closed once the server has closed the socket.
func (c *Call) Done() <-chan struct{} { return c.closed }

// Wait waits for the server to close the socket.
func (c *Call) Wait(ctx context.Context) error {
	select {
	case <-c.closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Vars returns the channel's variables (those the server set included).
func (c *Call) Vars() map[string]string { c.mu.Lock(); defer c.mu.Unlock(); return maps.Clone(c.vars) }

// Bridges returns the arguments of every bridge the server asked for.
func (c *Call) Bridges() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bridges...)
}

// Apps returns "app arg" of every application the server executed.
func (c *Call) Apps() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ran...)
}

// Commands returns every command the server sent, "connect" first.
func (c *Call) Commands() []Command {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Command(nil), c.cmds...)
}

// Bridged reports whether an agent answered.
func (c *Call) Bridged() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.bridged }

// Send writes raw bytes to the server: garbage, a truncated frame.
func (c *Call) Send(b []byte) { c.write(b) }

// Drop closes the socket without a word, like a FreeSWITCH that died.
func (c *Call) Drop() { _ = c.conn.Close() }

// EndBridge makes the agent hang up an answered bridge.
func (c *Call) EndBridge() {
	select {
	case c.endCh <- struct{}{}:
	default:
	}
}

// Hangup hangs up the caller: CHANNEL_HANGUP, the running application's
// CHANNEL_EXECUTE_COMPLETE, CHANNEL_HANGUP_COMPLETE, then the linger notice
// (the socket stays open until the server closes it) or the disconnect
// notice and a close.
func (c *Call) Hangup() {
	c.mu.Lock()
	if c.hungup {
		c.mu.Unlock()
		return
	}
	c.hungup = true
	f := c.eventFrame("CHANNEL_HANGUP", "Hangup-Cause: NORMAL_CLEARING")
	c.mu.Unlock()
	c.write(f)
	close(c.hangCh)
	<-c.execDone
	c.mu.Lock()
	f = c.eventFrame("CHANNEL_HANGUP_COMPLETE", "Hangup-Cause: NORMAL_CLEARING")
	linger := c.linger
	c.mu.Unlock()
	c.write(f)
	if linger {
		c.write(c.lingerNotice())
		return
	}
	c.write(c.disconnectNotice())
	_ = c.conn.Close()
}

func (c *Call) write(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.conn.Write(b)
}

func (c *Call) event(name string, extra ...string) {
	c.mu.Lock()
	f := c.eventFrame(name, extra...)
	c.mu.Unlock()
	c.write(f)
}

// serve answers the server's commands in order.
func (c *Call) serve(r *bufio.Reader) {
	defer close(c.closed)
	for {
		cmd, err := ReadCommand(r)
		if err != nil {
			_ = c.conn.Close()
			return
		}
		c.mu.Lock()
		c.cmds = append(c.cmds, cmd)
		c.mu.Unlock()
		switch cmd.Name {
		case "myevents":
			c.write(reply("+OK Events Enabled"))
		case "linger":
			c.mu.Lock()
			c.linger = true
			c.mu.Unlock()
			c.write(reply("+OK will linger"))
		case "resume":
			c.write(reply("+OK"))
		case "exit":
			c.write(reply("+OK bye"))
			c.write(c.disconnectNotice())
			_ = c.conn.Close()
		case "api":
			c.write(apiResponse(c.api(cmd.Arg)))
		case "sendmsg":
			switch cmd.Headers["call-command"] {
			case "execute":
				c.write(reply("+OK"))
				c.apps <- cmd
			case "hangup":
				c.write(reply("+OK"))
				go c.Hangup()
			default:
				c.write(reply("-ERR unknown call-command"))
			}
		default:
			c.write(reply("-ERR command not found"))
		}
	}
}

func (c *Call) api(arg string) string {
	fn, rest, _ := strings.Cut(arg, " ")
	uuid, rest, _ := strings.Cut(rest, " ")
	if uuid != c.Channel.UUID {
		return "-ERR No such channel!\n"
	}
	switch fn {
	case "uuid_setvar_multi":
		c.mu.Lock()
		for _, kv := range strings.Split(rest, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				c.vars[k] = v
			}
		}
		c.mu.Unlock()
		return "+OK"
	case "uuid_break":
		// As FreeSWITCH: "all" drops the queued applications, and the
		// break (CF_BREAK) stays set until a playback takes it, so one that
		// is just starting stops too.
		if strings.TrimSpace(rest) == "all" {
			for drained := false; !drained; {
				select {
				case <-c.apps:
				default:
					drained = true
				}
			}
		}
		select {
		case c.breakCh <- struct{}{}:
		default:
		}
		return "+OK"
	}
	return "-ERR " + fn + " Command not found!\n"
}
