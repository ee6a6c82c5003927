package fstest

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"sync"
	"time"
)

// Outcome is how one bridge goes.
type Outcome struct {
	// Answer: the agent answers (CHANNEL_BRIDGE) after Ring. The bridge
	// then lasts Talk, or until the caller hangs up or EndBridge (Talk 0).
	Answer bool
	Talk   time.Duration
	// Without an answer, after Ring: DIALSTATUS ("NOANSWER" when empty)
	// and originate_disposition ("NO_ANSWER" when empty), as channel
	// variables. The application's response stays _none_, as FreeSWITCH's
	// does.
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

	conn net.Conn
	addr string // the server's, the socket application's argument
	// wmu orders whole frames on the socket, and the Event-Sequence with
	// them; taken before mu.
	wmu      sync.Mutex
	sockDone bool // the last notice is written, or the socket is gone
	mu       sync.Mutex

	vars                 varList
	caller, other        *leg
	state, callState     string
	stateNum             int
	answered, hungup     bool
	cause                string
	seq                  int
	bridges, ran         []string
	cmds                 []Command
	bridged              bool
	subscribed, parkNext bool
	linger               bool
	lingerSecs           int
	socketApp            string
	queue                []Command
	queued               chan struct{} // a command was queued
	brk                  chan struct{} // closed by uuid_break
	endCh                chan struct{} // ends an answered bridge
	hangCh               chan struct{} // closed when the channel hangs up
	execDone, hangDone   chan struct{}
	closed               chan struct{} // the socket is closed
	hangOnce, closeOnce  sync.Once
	started              time.Time
}

// Start connects to addr like FreeSWITCH's socket application and serves
// the server's commands until the socket closes.
func (c *Call) Start(ctx context.Context, addr string) error {
	c.setup(addr)
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
	c.wmu.Lock()
	c.mu.Lock()
	c.cmds = append(c.cmds, cmd)
	data := c.connectReply()
	c.mu.Unlock()
	c.writeLocked(data)
	c.wmu.Unlock()
	go c.execute()
	go c.serve(r)
	return nil
}

// setup puts the channel where it is when the socket application runs.
func (c *Call) setup(addr string) {
	c.addr, c.started = addr, time.Now()
	c.state, c.stateNum, c.callState, c.lingerSecs = "CS_EXECUTE", 4, "RINGING", -1
	c.answered = c.Channel.Answered
	if c.answered {
		c.callState = "ACTIVE"
	}
	c.caller = c.Channel.leg(micros(c.started))
	if c.answered {
		c.caller.answered = c.caller.created
	}
	c.vars = c.initialVars(addr)
	c.socketApp = newUUID()
	c.queued, c.brk, c.endCh = make(chan struct{}, 1), make(chan struct{}), make(chan struct{}, 1)
	c.hangCh, c.execDone, c.hangDone, c.closed = make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
}

// Done is closed once the socket is closed.
func (c *Call) Done() <-chan struct{} { return c.closed }

// Wait waits for the socket to close.
func (c *Call) Wait(ctx context.Context) error {
	select {
	case <-c.closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Vars returns the channel's variables (those the server set included).
func (c *Call) Vars() map[string]string { c.mu.Lock(); defer c.mu.Unlock(); return c.vars.clone() }

// Bridges returns the arguments of every bridge the server asked for.
func (c *Call) Bridges() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bridges...)
}

// Apps returns "app arg" of every application the server executed, in the
// order they started.
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
func (c *Call) Drop() {
	c.wmu.Lock()
	c.sockDone = true
	c.wmu.Unlock()
	_ = c.conn.Close()
}

// EndBridge makes the agent hang up an answered bridge.
func (c *Call) EndBridge() {
	select {
	case c.endCh <- struct{}{}:
	default:
	}
}

// Hangup hangs up the caller and returns once FreeSWITCH's side of it is
// sent: CHANNEL_HANGUP, the running application's EXECUTE_COMPLETE,
// CHANNEL_UNPARK, the socket application's EXECUTE_COMPLETE, CHANNEL_STATE
// twice, CHANNEL_HANGUP_COMPLETE (the events only after myevents), then
// the linger notice, after which the socket stays open until the server
// closes it (or the linger time passes); without linger the disconnect
// notice and a close.
func (c *Call) Hangup() {
	c.hangup("NORMAL_CLEARING")
	<-c.hangDone
}

func (c *Call) write(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.writeLocked(b)
}

// writeLocked writes under wmu; nothing goes after the last notice.
func (c *Call) writeLocked(b []byte) {
	if c.sockDone {
		return
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.conn.Write(b)
}

// event sends one event of the channel if the server subscribed
// (myevents). build runs under the lock: it may change the channel, then
// returns the event as it stands.
func (c *Call) event(build func() event) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	ev := build()
	var f []byte
	if c.subscribed {
		f = c.eventFrame(ev)
	}
	if ev.after != nil {
		ev.after()
	}
	c.mu.Unlock()
	if f != nil {
		c.writeLocked(f)
	}
}

// finish writes the disconnect notice, once, and closes the socket.
func (c *Call) finish() {
	c.wmu.Lock()
	c.writeLocked(c.disconnectNotice())
	c.sockDone = true
	c.wmu.Unlock()
	_ = c.conn.Close()
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
