package outbound

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

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

// Conn is one outbound event socket: one caller's channel. Frames are read
// by a single goroutine, in order; replies go to the command that waits for
// them, events to a queue the call logic reads with Next.
type Conn struct {
	nc   net.Conn
	br   *bufio.Reader
	data esl.Event // the channel's data from the connect reply
	uuid string

	cmdMu   sync.Mutex // one command in flight: replies carry no id
	replies chan esl.Frame

	qmu    sync.Mutex
	queue  []esl.Event
	signal chan struct{}

	hangup   chan struct{} // closed when the channel is gone
	hangOnce sync.Once
	done     chan struct{} // closed when the reader ends
	closeMu  sync.Mutex
	why      error
}

func newConn(nc net.Conn) *Conn {
	return &Conn{
		nc: nc, br: bufio.NewReaderSize(nc, 16<<10),
		replies: make(chan esl.Frame, 4), signal: make(chan struct{}, 1),
		hangup: make(chan struct{}), done: make(chan struct{}),
	}
}

// connect sends "connect" and reads the channel's data; FreeSWITCH sends
// nothing before it. Then the reader starts.
func (c *Conn) connect(timeout time.Duration) error {
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	defer func() { _ = c.nc.SetDeadline(time.Time{}) }()
	if _, err := c.nc.Write([]byte("connect\n\n")); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	f, err := esl.ReadFrame(c.br)
	if err != nil {
		return fmt.Errorf("connect: %w: %w", ErrProtocol, err)
	}
	data, err := esl.ParsePlainEvent(f.Bytes())
	if err != nil {
		return fmt.Errorf("connect: %w: %w", ErrProtocol, err)
	}
	if f.Type() != esl.TypeReply || !strings.HasPrefix(data.Get("Reply-Text"), "+OK") {
		return fmt.Errorf("connect: %w: reply %q", ErrProtocol, short(data.Get("Reply-Text")))
	}
	c.data, c.uuid = data, data.Get("Unique-ID")
	if c.uuid == "" {
		c.uuid = data.Get("Channel-Unique-ID")
	}
	if c.uuid == "" {
		return fmt.Errorf("connect: %w: no Unique-ID", ErrProtocol)
	}
	go c.read()
	return nil
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

// read is the only reader of the socket. Any failure to read (EOF,
// garbage, an oversized frame) ends the channel as far as routing goes.
func (c *Conn) read() {
	defer close(c.done)
	for {
		f, err := esl.ReadFrame(c.br)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				c.gone(ErrClosed)
			} else {
				c.gone(fmt.Errorf("%w: %w", ErrProtocol, err))
			}
			return
		}
		switch f.Type() {
		case esl.TypeReply, esl.TypeAPIResponse:
			select {
			case c.replies <- f:
			default: // a reply nobody asked for: the peer is confused
				c.gone(fmt.Errorf("%w: unexpected reply", ErrProtocol))
				_ = c.nc.Close()
				return
			}
		case esl.TypeDisconnect:
			c.gone(ErrHangup) // linger: the channel hung up; else the session ended
		case esl.TypeEventPlain, esl.TypeEventJSON:
			e, err := esl.ParseEventFrame(f)
			if err != nil {
				c.gone(fmt.Errorf("%w: %w", ErrProtocol, err))
				_ = c.nc.Close()
				return
			}
			if !c.push(e) {
				c.gone(fmt.Errorf("%w: event flood", ErrProtocol))
				_ = c.nc.Close()
				return
			}
		default:
			c.gone(fmt.Errorf("%w: content type %q", ErrProtocol, short(f.Type())))
			_ = c.nc.Close()
			return
		}
	}
}

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
		case <-c.done:
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

// Close closes the socket; with linger, FreeSWITCH waits for exactly this.
func (c *Conn) Close() error {
	c.gone(ErrClosed)
	return c.nc.Close()
}

func short(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
