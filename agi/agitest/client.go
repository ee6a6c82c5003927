package agitest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Misbehaviour makes the client break the protocol on purpose.
type Misbehaviour int

// Ways to misbehave.
const (
	Behave        Misbehaviour = iota
	Silent                     // connect and send nothing
	Garbage                    // send an HTTP request instead of an environment
	TruncatedEnv               // send half the environment, then close
	StalledEnv                 // send half the environment, then nothing
	ResetAfterEnv              // send the environment, then reset (RST)
	GarbageReply               // answer the first command with a line that is not AGI
)

// Client is a fake Asterisk running AGI() for one call: it connects to a
// FastAGI server, sends the environment block in several TCP segments and
// answers commands like Asterisk 20, keeping the channel's variables. When
// the server half-closes or closes, it writes "HANGUP\n" and closes, as
// Asterisk does. A Client runs one call at a time.
type Client struct {
	Call Call

	// EnvSegments is how many TCP segments the environment is sent in (2,
	// split after agi_context like Asterisk usually does).
	EnvSegments int
	// Gap separates the segments of the environment and of a 520 reply
	// (200µs, as recorded from Asterisk 20; TCP_NODELAY sends each as its
	// own segment).
	Gap time.Duration

	// Dead starts with the channel already hung up, as in the h extension:
	// commands that need a live channel get 511.
	Dead bool
	// HangupAfter hangs the caller up while that command runs (counting
	// from 1): its reply and the HANGUP notice leave in one segment,
	// "200 result=-1\nHANGUP\n" for an EXEC Wait.
	HangupAfter int
	// NoSigHup is AGISIGHUP=no: Asterisk never writes HANGUP.
	NoSigHup bool
	// ExitOnHangup is AGIEXITONHANGUP=yes: on hangup Asterisk writes
	// HANGUP twice and closes the connection.
	ExitOnHangup bool

	Misbehave Misbehaviour
	// ReplyDelay, when set, is waited before answering each command.
	ReplyDelay func(line string) time.Duration
	// Keys are what the caller types at each EXEC Read, in order; a Read
	// with none left times out with an empty value.
	Keys []string
	// OnCommand, when set, sees each command line before it is answered.
	OnCommand func(n int, line string)

	mu      sync.Mutex // guards the fields below and writes to conn
	conn    net.Conn
	ch      *channel
	pending bool // Hangup called before the environment was sent
	hungUp  bool
	res     Result
}

// Result is what happened during one call.
type Result struct {
	// Vars are the channel's variables when the session ended.
	Vars map[string]string
	// Commands are the command lines received, without '\n', in order.
	Commands []string
	// HungUp: the channel hung up while AGI() ran (Hangup, HangupAfter or
	// the HANGUP command).
	HungUp bool
	// ServerClosed: the server closed or half-closed the connection.
	ServerClosed bool
	// Reset: the server reset the connection.
	Reset bool
}

// SetOrder returns the names of the variables set with SET VARIABLE, in
// order, repeats included.
func (r Result) SetOrder() []string {
	var names []string
	for _, c := range r.Commands {
		argv := ParseArgs(c)
		if len(argv) == 4 && strings.EqualFold(argv[0], "set") && strings.EqualFold(argv[1], "variable") {
			names = append(names, argv[2])
		}
	}
	return names
}

// Dial runs call against the FastAGI server at addr with default behaviour.
func Dial(ctx context.Context, addr string, call Call) (Result, error) {
	c := &Client{Call: call}
	return c.Run(ctx, addr)
}

// Hangup hangs the caller up now: "HANGUP\n" goes out at once, unsolicited,
// and the channel is dead from then on. Before the environment is sent it
// is sent right after it. Safe to call from any goroutine, more than once.
func (c *Client) Hangup() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		c.pending = true
		return
	}
	c.hangupLocked("")
}

// hangupLocked kills the channel and writes prefix (a reply) and the HANGUP
// notice in one write.
func (c *Client) hangupLocked(prefix string) {
	out := prefix
	if !c.hungUp {
		c.hungUp, c.ch.dead, c.res.HungUp = true, true, true
		if !c.NoSigHup {
			out += hangupNotice
			if c.ExitOnHangup {
				out += hangupNotice
			}
		}
	}
	if out != "" {
		_, _ = c.conn.Write([]byte(out))
	}
	if c.ExitOnHangup {
		_ = c.conn.Close()
	}
}

// Run connects to addr, runs the call and returns what happened. It ends
// when the connection does, or with ctx's error. A refused connection is an
// error, as it is AGISTATUS=FAILURE for Asterisk.
func (c *Client) Run(ctx context.Context, addr string) (Result, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Result{}, fmt.Errorf("agitest: dial: %w", err)
	}
	call := c.Call.withDefaults(addr)
	c.mu.Lock()
	c.conn, c.hungUp = conn, false
	c.ch = &channel{name: call.Channel, vars: call.initialVars(), dead: c.Dead, keys: append([]string(nil), c.Keys...)}
	c.res = Result{}
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()

	err = c.run(conn, call)
	res := c.result()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, err
}

func (c *Client) result() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.res
	r.Vars = make(map[string]string, len(c.ch.vars))
	for k, v := range c.ch.vars {
		r.Vars[k] = v
	}
	r.Commands = append([]string(nil), c.res.Commands...)
	return r
}

func (c *Client) run(conn net.Conn, call Call) error {
	env := call.env()
	half := env[:len(env)/2]
	switch c.Misbehave {
	case Silent:
		return c.awaitClose(conn)
	case Garbage:
		if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: sentralbord\r\n\r\n")); err != nil {
			return err
		}
		return c.awaitClose(conn)
	case TruncatedEnv:
		_, err := conn.Write(half)
		return err
	case StalledEnv:
		if _, err := conn.Write(half); err != nil {
			return err
		}
		return c.awaitClose(conn)
	}
	if err := c.sendEnv(conn, env); err != nil {
		return c.serverGone(conn, err)
	}
	if c.Misbehave == ResetAfterEnv {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		return conn.Close()
	}
	c.mu.Lock()
	if c.pending {
		c.pending = false
		c.hangupLocked("")
	}
	c.mu.Unlock()
	return c.serve(conn)
}
