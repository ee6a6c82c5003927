package esl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percipia/eslgo"
)

// bridge hands an authenticated FreeSWITCH connection to eslgo through a
// loopback socket owned by this package at both ends. eslgo's Close races
// with its own goroutines (it deletes from a map they read without a lock)
// and its receive loop panics or calls Close when it reads EOF (its issue
// #46), in goroutines no caller can recover. So the bridge never lets it
// get there: eslgo's Close is never called and it never reads EOF. To stop
// it, the bridge cancels the library's context (which ends its event, auth
// and disconnect loops), feeds its receive loop an unparsable frame (which
// ends it without the EOF path), and only then closes the socket.
// Disconnect notices from FreeSWITCH are consumed here for the same
// reason, and every frame passes ReadFrame, so liveness is known without
// asking the library.
//
// Events do not go through eslgo: they are handed to onEvent on the
// bridge's reader, in the order the node sent them. eslgo would copy each
// across the loopback, parse it twice and run every listener call on a
// goroutine of its own, which costs more than the rest of the listener,
// delivers events out of order and, when the store is slow, piles up
// goroutines without bound. eslgo keeps what it does well: commands and
// their replies.
type bridge struct {
	up     *upstream
	local  net.Conn
	esl    *eslgo.Conn
	cancel context.CancelFunc // the library's context
	wmu    sync.Mutex         // whole frames to the library, then the stop frame

	onEvent func(Frame) // every text/event-plain and text/event-json frame

	last     atomic.Int64 // unix nanoseconds of the last frame from FreeSWITCH
	done     chan struct{}
	readDone chan struct{} // the reader has handed over its last event
	why      error
	whyMu    sync.Mutex
	closed   sync.Once
}

// localReply is what the bridge answers eslgo's own "auth": the node has
// already accepted the real password.
const localReply = "Content-Type: command/reply\nReply-Text: +OK accepted\n\n"

func openBridge(ctx context.Context, up *upstream, log *slog.Logger, timeout time.Duration, onEvent func(Frame)) (*bridge, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	defer ln.Close()
	lctx, cancel := context.WithCancel(ctx)
	b := &bridge{up: up, done: make(chan struct{}), readDone: make(chan struct{}), cancel: cancel, onEvent: onEvent}
	b.last.Store(time.Now().UnixNano())
	accepted := make(chan error, 1)
	go func() {
		_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(timeout))
		c, err := ln.Accept()
		if err != nil {
			accepted <- err
			return
		}
		b.local = c
		// The greeting goes out before anything can fail, so eslgo's Dial
		// (which waits for it without a timeout) always gets it.
		_, err = c.Write([]byte("Content-Type: " + TypeAuthRequest + "\n\n"))
		if err == nil {
			_ = c.SetReadDeadline(time.Now().Add(timeout))
			err = skipCommand(bufio.NewReader(c))
			_ = c.SetReadDeadline(time.Time{})
		}
		if err == nil {
			_, err = c.Write([]byte(localReply))
		}
		accepted <- err
	}()
	opts := eslgo.DefaultInboundOptions
	opts.Context = lctx
	opts.Password = "bridge"
	opts.AuthTimeout = timeout
	opts.ExitTimeout = time.Second
	opts.Logger = libLogger{log}
	conn, err := opts.Dial(ln.Addr().String())
	if aerr := <-accepted; err == nil && aerr != nil {
		err = aerr
	}
	if err != nil {
		b.stopLibrary()
		close(b.readDone)
		return nil, fmt.Errorf("bridge: %w", err)
	}
	b.esl = conn
	go b.down()
	go func() { _, _ = io.Copy(up.conn, b.local) }()
	return b, nil
}

// skipCommand reads eslgo's "auth …" command up to its blank line.
func skipCommand(r *bufio.Reader) error {
	for seen := false; ; {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.TrimRight(line, "\r\n") == "" {
			if seen {
				return nil
			}
			continue
		}
		seen = true
	}
}

// down reads frames from FreeSWITCH until the node goes away: events to
// onEvent, replies to eslgo.
func (b *bridge) down() {
	defer close(b.readDone)
	for {
		f, err := ReadFrame(b.up.br)
		if err != nil {
			b.fail(fmt.Errorf("connection lost: %w", err))
			return
		}
		b.last.Store(time.Now().UnixNano())
		switch f.Type() {
		case TypeDisconnect:
			b.fail(fmt.Errorf("node disconnected us: %s", short(strings.ReplaceAll(strings.TrimSpace(string(f.Body)), "\n", " "))))
			return
		case TypeEventPlain, TypeEventJSON:
			if b.onEvent != nil {
				b.onEvent(f)
				continue
			}
		}
		// One write per frame: the socket only ever gets whole frames.
		b.wmu.Lock()
		_, err = b.local.Write(f.Bytes())
		b.wmu.Unlock()
		if err != nil {
			b.fail(fmt.Errorf("bridge write: %w", err))
			return
		}
	}
}

func (b *bridge) fail(err error) {
	b.whyMu.Lock()
	if b.why == nil {
		b.why = err
	}
	b.whyMu.Unlock()
	b.close()
}

// err is why the bridge ended (nil while it runs).
func (b *bridge) err() error {
	b.whyMu.Lock()
	defer b.whyMu.Unlock()
	return b.why
}

// lastFrame is when FreeSWITCH last sent anything.
func (b *bridge) lastFrame() time.Time { return time.Unix(0, b.last.Load()) }

// stopLibrary ends eslgo's goroutines without its Close (see bridge).
func (b *bridge) stopLibrary() {
	b.cancel()
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if b.local != nil {
		_ = b.local.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = b.local.Write([]byte("Content-Length: stop\n\n"))
		_ = b.local.Close()
	}
}

// close tears down in the one order eslgo survives: the library first.
func (b *bridge) close() {
	b.closed.Do(func() {
		b.stopLibrary()
		_, _ = b.up.conn.Write([]byte("exit\n\n"))
		b.up.close()
		b.whyMu.Lock()
		if b.why == nil {
			b.why = errors.New("closed")
		}
		b.whyMu.Unlock()
		close(b.done)
	})
}

// libLogger sends eslgo's printf-style messages to slog at debug level:
// everything that matters is logged by this package with context.
type libLogger struct{ log *slog.Logger }

func (l libLogger) Debug(f string, a ...any) {
	l.log.Debug("eslgo", "msg", strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (l libLogger) Info(f string, a ...any) {
	l.log.Debug("eslgo", "msg", strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (l libLogger) Warn(f string, a ...any) {
	l.log.Debug("eslgo", "msg", strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (l libLogger) Error(f string, a ...any) {
	l.log.Debug("eslgo", "msg", strings.TrimSpace(fmt.Sprintf(f, a...)))
}
