package outbound

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percipia/eslgo"

	"github.com/sentralbord/sentralbord/esl"
)

// relay joins one FreeSWITCH connection (fs) to one connection of the
// library's eslgo server (local). It is the only reader of both:
//
//   - from eslgo, each command goes to FreeSWITCH byte for byte, except
//     eslgo's own "exit" after its handler returned, which is answered here:
//     closing FreeSWITCH's socket is what ends the session;
//   - from FreeSWITCH, replies go to eslgo, where SendCommand waits for
//     them; events go to the Conn's queue in the order they came, never to
//     eslgo, whose event loop gives each listener a goroutine of its own;
//     disconnect notices and the end of the socket end the call here.
//
// eslgo never reads EOF (its receive loop then races with its Close, its
// issue #46): its side ends with its own Close after "exit", or, if it does
// not come to that, with esl.LibraryStopFrame before the socket closes.
type relay struct {
	id      string
	fs      net.Conn
	fsr     *bufio.Reader
	local   net.Conn
	lr      *bufio.Reader
	c       *Conn
	timeout time.Duration

	lmu        sync.Mutex // whole frames to eslgo, and none after the stop frame
	stopped    bool
	noticeOnce sync.Once // libDisconnect goes once: a second would wait in eslgo for no one

	// Every command eslgo sends gets exactly one reply, so that eslgo never
	// hands a late reply to the next command: FreeSWITCH's, or, once its
	// socket is gone, one from the relay (replyClosed).
	pmu     sync.Mutex
	pending int              // commands passed to FreeSWITCH and not answered yet
	fsGone  bool             // FreeSWITCH's side is no longer read
	handed  chan *eslgo.Conn // eslgo's handler hands its connection over here
	release chan struct{}    // closed: eslgo's handler returns
	relOnce sync.Once
	libDone chan struct{} // eslgo's side has ended
	fsDone  chan struct{} // the reader of FreeSWITCH's side has ended
	endOnce sync.Once
	ending  atomic.Bool
	// beforeClose, if set, runs at the end just before FreeSWITCH's socket
	// closes.
	beforeClose func()
}

// maxHandshake caps the connect handshake below eslgo's own timeout.
const maxHandshake = 30 * time.Second

// open relays nc, a connection from FreeSWITCH's socket application, to
// the library's server and returns the call's Conn once eslgo has sent
// "connect", FreeSWITCH has given the channel's data and eslgo's handler
// holds the connection. On failure everything is already closed.
func open(nc net.Conn, timeout time.Duration, log *slog.Logger) (*Conn, error) {
	timeout = min(timeout, maxHandshake)
	addr, err := libraryAddr(log)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	local, err := net.DialTimeout(libNetwork, addr, timeout)
	if err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("dial eslgo's server: %w", err)
	}
	r := &relay{
		id: newUUID(), fs: nc, fsr: bufio.NewReaderSize(nc, 16<<10), local: local, lr: bufio.NewReader(local),
		timeout: timeout, handed: make(chan *eslgo.Conn, 1), release: make(chan struct{}),
		libDone: make(chan struct{}), fsDone: make(chan struct{}),
	}
	r.c = newConn(r)
	if err := r.handshake(); err != nil {
		close(r.fsDone) // never started
		r.end()
		return nil, err
	}
	return r.c, nil
}

// handshake: eslgo's "connect" to FreeSWITCH, FreeSWITCH's channel data
// back to eslgo with the relay's id, then the handover.
func (r *relay) handshake() error {
	deadline := time.Now().Add(r.timeout)
	_ = r.local.SetReadDeadline(deadline)
	cmd, err := readCommand(r.lr)
	_ = r.local.SetReadDeadline(time.Time{})
	if err == nil && cmd.name != "connect" {
		err = fmt.Errorf("%w: %q before connect", ErrProtocol, short(cmd.name))
	}
	if err != nil {
		close(r.libDone)
		r.stop()
		return fmt.Errorf("eslgo's connect: %w", err)
	}
	go r.fromLibrary() // from here on eslgo's "exit" is answered, however the call goes
	if err := r.connect(cmd, deadline); err != nil {
		// A reply that names no relay: eslgo's handler returns at once.
		r.notice()
		r.toLibrary(esl.Reply("-ERR connect failed"))
		return err
	}
	library.relays.Store(r.id, r)
	defer library.relays.Delete(r.id)
	r.toLibrary([]byte("Content-Type: " + esl.TypeReply + "\nReply-Text: +OK\nUnique-ID: " + url.PathEscape(r.c.uuid) +
		"\n" + relayHeader + ": " + r.id + "\n\n"))
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case lib := <-r.handed:
		r.c.lib = lib
	case <-r.libDone:
		return fmt.Errorf("%w: eslgo's connection ended before the handover", ErrProtocol)
	case <-t.C:
		return fmt.Errorf("%w: eslgo's handler was not called in time", ErrProtocol)
	}
	go r.fromFS()
	return nil
}

// connect passes eslgo's "connect" on and reads the channel's data, which
// FreeSWITCH sends as the reply; nothing comes before it. eslgo is given
// only the reply's status, the channel's uuid and the relay's id: the call
// reads the data parsed here, and a header name net/textproto rejects
// could not stop eslgo's receive loop.
func (r *relay) connect(cmd libCommand, deadline time.Time) error {
	_ = r.fs.SetDeadline(deadline)
	defer func() { _ = r.fs.SetDeadline(time.Time{}) }()
	if _, err := r.fs.Write(cmd.raw); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	f, err := esl.ReadFrame(r.fsr)
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
	uuid := data.Get("Unique-ID")
	if uuid == "" {
		uuid = data.Get("Channel-Unique-ID")
	}
	if uuid == "" {
		return fmt.Errorf("connect: %w: no Unique-ID", ErrProtocol)
	}
	r.c.data, r.c.uuid = data, uuid
	return nil
}

// fromLibrary passes eslgo's commands to FreeSWITCH until eslgo closes.
func (r *relay) fromLibrary() {
	defer close(r.libDone)
	for {
		cmd, err := readCommand(r.lr)
		if err != nil {
			return
		}
		if cmd.name == "exit" {
			r.toLibrary(esl.Reply("+OK bye"))
			continue
		}
		r.pmu.Lock()
		gone := r.fsGone
		if !gone {
			r.pending++
		}
		r.pmu.Unlock()
		if gone {
			r.toLibrary(esl.Reply(replyClosed))
			continue
		}
		_ = r.fs.SetWriteDeadline(time.Now().Add(r.timeout))
		if _, err := r.fs.Write(cmd.raw); err != nil {
			r.c.gone(fmt.Errorf("%w: %w", ErrClosed, err))
			_ = r.fs.Close()
		}
	}
}

// fromFS reads FreeSWITCH's side. Any failure to read (EOF, garbage, an
// oversized frame) ends the channel as far as routing goes.
func (r *relay) fromFS() {
	c := r.c
	defer close(r.fsDone)
	defer c.endLife()
	defer r.answerPending()
	for {
		f, err := esl.ReadFrame(r.fsr)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || r.ending.Load() {
				c.gone(ErrClosed)
			} else {
				c.gone(fmt.Errorf("%w: %w", ErrProtocol, err))
			}
			return
		}
		switch f.Type() {
		case esl.TypeReply, esl.TypeAPIResponse:
			r.pmu.Lock()
			asked := r.pending > 0
			if asked {
				r.pending--
			}
			r.pmu.Unlock()
			if !asked { // a reply nobody asked for: the peer is confused
				c.gone(fmt.Errorf("%w: unexpected reply", ErrProtocol))
				_ = r.fs.Close()
				return
			}
			r.toLibrary(f.Bytes())
		case esl.TypeDisconnect:
			c.gone(ErrHangup) // linger: the channel hung up; else the session ended
		case esl.TypeEventPlain, esl.TypeEventJSON:
			e, err := esl.ParseEventFrame(f)
			if err == nil && !c.push(e) {
				err = errors.New("event flood")
			}
			if err != nil {
				c.gone(fmt.Errorf("%w: %w", ErrProtocol, err))
				_ = r.fs.Close()
				return
			}
		default:
			c.gone(fmt.Errorf("%w: content type %q", ErrProtocol, short(f.Type())))
			_ = r.fs.Close()
			return
		}
	}
}

// libDisconnect tells eslgo the session is over before it is let go. Its
// outbound connection has a goroutine (dummyLoop) that reads a map without
// a lock and waits for exactly this frame; its Close deletes from that map.
// Taking the notice orders that read before the Close, which comes after
// the reply to eslgo's "exit" (or the connect reply) further down the
// same stream. With linger on, the notice changes nothing else in eslgo.
const libDisconnect = "Content-Type: " + esl.TypeDisconnect + "\nContent-Disposition: disconnect\n\n"

// notice sends libDisconnect, once.
func (r *relay) notice() { r.noticeOnce.Do(func() { r.toLibrary([]byte(libDisconnect)) }) }

// replyClosed answers the commands FreeSWITCH can no longer answer.
const replyClosed = "-ERR sentralbord relay: FreeSWITCH socket closed"

// answerPending answers, in order, the commands FreeSWITCH left
// unanswered when its side ended; later ones are answered as they come.
func (r *relay) answerPending() {
	r.pmu.Lock()
	n := r.pending
	r.pending, r.fsGone = 0, true
	r.pmu.Unlock()
	for range n {
		r.toLibrary(esl.Reply(replyClosed))
	}
}

// toLibrary writes one whole frame to eslgo. If eslgo cannot take it, the
// call cannot go on.
func (r *relay) toLibrary(b []byte) {
	r.lmu.Lock()
	defer r.lmu.Unlock()
	if r.stopped {
		return
	}
	_ = r.local.SetWriteDeadline(time.Now().Add(r.timeout))
	if _, err := r.local.Write(b); err != nil {
		r.c.gone(fmt.Errorf("%w: eslgo: %w", ErrClosed, err))
		_ = r.fs.Close()
	}
}

// stop ends eslgo's side without its EOF path.
func (r *relay) stop() {
	r.lmu.Lock()
	defer r.lmu.Unlock()
	if !r.stopped {
		r.stopped = true
		esl.StopLibrary(r.local)
	}
}

// end winds the call down: eslgo's handler may return; FreeSWITCH's side
// is no longer read and its socket closes (the call is over for FreeSWITCH
// as soon as the handler is done); then eslgo closes its side after its
// "exit", or is stopped.
func (r *relay) end() {
	r.endOnce.Do(func() {
		r.notice()
		r.relOnce.Do(func() { close(r.release) })
		r.ending.Store(true)
		_ = r.fs.SetReadDeadline(time.Now())
		<-r.fsDone
		if r.beforeClose != nil {
			r.beforeClose()
		}
		_ = r.c.Close()
		t := time.NewTimer(libExitTimeout + time.Second)
		defer t.Stop()
		select {
		case <-r.libDone:
		case <-t.C:
			r.stop()
			<-r.libDone
		}
		r.lmu.Lock()
		r.stopped = true
		_ = r.local.Close()
		r.lmu.Unlock()
	})
}
