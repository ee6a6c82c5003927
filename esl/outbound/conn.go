package outbound

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/percipia/eslgo"

	"github.com/sentralbord/sentralbord/esl"
)

// Errors of one outbound connection.
var (
	// ErrHangup: the caller's channel hung up (event, disconnect notice or
	// closed socket).
	ErrHangup = errors.New("channel hung up")
	// ErrClosed: the connection is gone; nothing more can be sent.
	ErrClosed = errors.New("event socket closed")
	// ErrCommand: FreeSWITCH answered a command with -ERR.
	ErrCommand = errors.New("event socket command failed")
	// ErrProtocol: the peer sent something that is not the outbound socket
	// protocol, or did not answer in time.
	ErrProtocol = errors.New("event socket protocol error")
	// ErrBadArgument: a command argument cannot be sent (a newline in it).
	ErrBadArgument = errors.New("bad event socket argument")
)

// maxQueued bounds the events waiting for the call logic: a peer flooding
// events is a broken peer.
const maxQueued = 4096

// Conn is one outbound event socket: one caller's channel. Commands go
// through eslgo (commands.go); the relay reads FreeSWITCH's side and puts
// the channel's events in a queue the call logic reads with Next, in the
// order FreeSWITCH sent them.
type Conn struct {
	lib  *eslgo.Conn
	r    *relay
	data esl.Event // the channel's data from the connect reply
	uuid string

	cmdMu sync.Mutex // one command in flight: replies carry no id

	qmu    sync.Mutex
	queue  []esl.Event
	signal chan struct{}

	hangup   chan struct{} // closed when the channel is gone
	hangOnce sync.Once
	closeMu  sync.Mutex
	why      error
	// life ends when the relay stops reading FreeSWITCH: no reply can
	// come any more, so a command waiting for one ends with it.
	life    context.Context
	endLife context.CancelFunc
}

func newConn(r *relay) *Conn {
	c := &Conn{r: r, signal: make(chan struct{}, 1), hangup: make(chan struct{})}
	c.life, c.endLife = context.WithCancel(context.Background())
	return c
}

// Data is the channel's data: its headers and variable_* values, decoded.
func (c *Conn) Data() esl.Event { return c.data }

// UUID is the caller's channel uuid.
func (c *Conn) UUID() string { return c.uuid }

// Hungup is closed once the channel has hung up or the socket is gone.
func (c *Conn) Hungup() <-chan struct{} { return c.hangup }

// Err says why the connection ended (nil while it lasts).
func (c *Conn) Err() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.why
}

func (c *Conn) gone(why error) {
	c.hangOnce.Do(func() {
		c.closeMu.Lock()
		c.why = why
		c.closeMu.Unlock()
		close(c.hangup)
	})
}

// ended reports whether FreeSWITCH's side is no longer read.
func (c *Conn) ended() bool { return c.life.Err() != nil }

// push queues an event; a hangup of this channel also ends it at once, so
// waiting code need not read the queue to notice.
func (c *Conn) push(e esl.Event) bool {
	if id := e.Get("Unique-ID"); id == "" || id == c.uuid {
		switch e.Name() {
		case "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY":
			c.gone(ErrHangup)
		}
	}
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.queue) >= maxQueued {
		return false
	}
	c.queue = append(c.queue, e)
	select {
	case c.signal <- struct{}{}:
	default:
	}
	return true
}

// Next returns the next event in the order FreeSWITCH sent them. After the
// socket ended and the queue is empty it returns ErrClosed.
func (c *Conn) Next(ctx context.Context) (esl.Event, error) {
	for {
		c.qmu.Lock()
		if len(c.queue) > 0 {
			e := c.queue[0]
			c.queue[0] = esl.Event{}
			c.queue = c.queue[1:]
			c.qmu.Unlock()
			return e, nil
		}
		c.qmu.Unlock()
		select {
		case <-c.signal:
		case <-c.life.Done():
			c.qmu.Lock()
			empty := len(c.queue) == 0
			c.qmu.Unlock()
			if empty {
				return esl.Event{}, ErrClosed
			}
		case <-ctx.Done():
			return esl.Event{}, ctx.Err()
		}
	}
}

// drop discards the events queued so far: those of applications whose
// end nobody waits for (music, announcements).
func (c *Conn) drop() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	clear(c.queue)
	c.queue = c.queue[:0]
}

// Close closes FreeSWITCH's socket; with linger, FreeSWITCH waits for
// exactly this. Commands in flight end at once.
func (c *Conn) Close() error {
	c.gone(ErrClosed)
	return c.r.fs.Close()
}

// end closes the call for good, eslgo's side included; the server calls it
// once the handler has returned.
func (c *Conn) end() { c.r.end() }

func short(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
