package agi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Reading Asterisk's stream. One party reads it at a time, holding the turn:
// a command reading its reply, the session's goroutine watching for a HANGUP
// while the Router decides, or close draining the connection. Once a reader
// goroutine has started it holds the turn for good and the others take what
// it read from its channel.

// maxQueued is how many replies are read ahead of the commands that ask
// for them; reading stops there until one is taken.
const maxQueued = 8

// takeTurn waits for the turn and takes it; false when a reader goroutine
// reads the stream.
func (s *Session) takeTurn() bool {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for s.reads && s.reader == nil {
		s.turn.Wait()
	}
	if s.reader != nil {
		return false
	}
	s.reads = true
	return true
}

// tryTurn takes the turn if it is free and no reader goroutine runs.
func (s *Session) tryTurn() bool {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.reads || s.reader != nil {
		return false
	}
	s.reads = true
	return true
}

func (s *Session) giveTurn() {
	s.rmu.Lock()
	s.reads = false
	s.rmu.Unlock()
	s.turn.Broadcast()
}

// readReply reads the reply to the command just sent, holding the turn,
// under the read deadline the command set. HANGUP notices on the way are
// taken out.
func (s *Session) readReply() (Reply, error) {
	if len(s.queue) > 0 {
		r := s.queue[0]
		if s.queue = s.queue[1:]; len(s.queue) == 0 {
			s.queue = nil
		}
		return r, nil
	}
	if s.readErr != nil {
		return Reply{}, s.readErr
	}
	for {
		fr, err := s.fr.next()
		if err != nil {
			// A command's own deadline leaves the stream to later
			// readers; anything else ends it.
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				s.endStream(err)
			}
			return Reply{}, err
		}
		if fr.hangup {
			s.markHungup()
			continue
		}
		return fr.reply, nil
	}
}

// poll reads, without waiting, the frames that have arrived while nobody
// read: a HANGUP notice among them is seen, and replies are kept for their
// commands. It does nothing while someone else reads.
func (s *Session) poll() {
	if s.raw == nil || !s.tryTurn() {
		return
	}
	defer s.giveTurn()
	for len(s.queue) < maxQueued && s.readErr == nil {
		_ = s.conn.SetReadDeadline(time.Time{})
		if !s.lineReady() || !s.readFrame() {
			return
		}
	}
}

// readFrame reads one frame, holding the turn, once its first line is
// there; a frame of several lines gets the command timeout to arrive in
// full. A HANGUP is marked, a reply kept for its command. false once the
// stream has ended.
func (s *Session) readFrame() bool {
	_ = s.conn.SetReadDeadline(time.Now().Add(s.timeout))
	fr, err := s.fr.next()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.endStream(fmt.Errorf("%w: frame cut off", ErrProtocol))
		return false
	case err != nil:
		s.endStream(err)
		return false
	case fr.hangup:
		s.markHungup()
	default:
		s.queue = append(s.queue, fr.reply)
	}
	return true
}

// endStream records why the stream ended; Hungup closes.
func (s *Session) endStream(err error) {
	if s.readErr == nil {
		s.readErr = err
	}
	s.markHungup()
}

// drain reads frames until the stream ends or deadline, holding the turn.
func (s *Session) drain(deadline time.Time) {
	if s.readErr != nil {
		return
	}
	_ = s.conn.SetReadDeadline(deadline)
	for {
		fr, err := s.fr.next()
		if err != nil {
			s.endStream(err)
			return
		}
		if fr.hangup {
			s.markHungup()
		}
	}
}

// reader is the goroutine that owns the stream once started.
type reader struct {
	frames  chan Reply    // closed after readErr is set
	closing chan struct{} // closed when the session closes
	done    chan struct{} // closed when the goroutine ends
}

// startReader starts the reader goroutine unless it runs already or the
// session is closed.
func (s *Session) startReader() {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.reader != nil || s.closed {
		return
	}
	r := &reader{frames: make(chan Reply, maxQueued), closing: make(chan struct{}), done: make(chan struct{})}
	s.reader = r
	s.turn.Broadcast()
	go r.run(s)
}

// run frames Asterisk's stream until it ends, once the turn is free. After
// close has begun it keeps draining (Asterisk answers a half-close with
// HANGUP) so the final close finds nothing unread and ends with FIN, not RST.
func (r *reader) run(s *Session) {
	defer close(r.done)
	defer s.markHungup()
	defer close(r.frames)
	s.rmu.Lock()
	for s.reads {
		s.turn.Wait()
	}
	s.reads = true
	s.rmu.Unlock()
	for _, q := range s.queue {
		r.frames <- q
	}
	s.queue = nil
	if s.readErr != nil {
		return
	}
	_ = s.conn.SetReadDeadline(time.Time{})
	for {
		fr, err := s.fr.next()
		if err != nil {
			s.readErr = err
			return
		}
		if fr.hangup {
			s.markHungup()
			continue
		}
		select {
		case r.frames <- fr.reply:
		case <-r.closing:
		}
	}
}

// reply waits for the reader's next reply until deadline or the end of ctx.
func (r *reader) reply(s *Session, ctx context.Context, deadline time.Time) (Reply, error) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case rep, ok := <-r.frames:
		if !ok {
			return Reply{}, s.readErr
		}
		return rep, nil
	case <-t.C:
		return Reply{}, ErrTimeout
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

// close is Session.close with the reader goroutine reading.
func (r *reader) close(s *Session, linger time.Duration) {
	close(r.closing)
	if cw, ok := s.conn.(interface{ CloseWrite() error }); ok && linger > 0 {
		_ = cw.CloseWrite()
		t := time.NewTimer(linger)
		select {
		case <-r.done:
		case <-t.C:
		}
		t.Stop()
	}
	_ = s.conn.Close()
	<-r.done
}

// decisionWait is the budget.Watcher of a routing decision: while the
// Router decides, the session's goroutine reads the stream itself, so a
// HANGUP or the connection ending gives up at once. A reply read meanwhile
// is kept for the next command.
type decisionWait struct {
	s       *Session
	mu      sync.Mutex
	done    chan struct{} // closed by Wake
	woken   bool
	waiting bool // in awaitLine, which Wake interrupts
}

func newDecisionWait(s *Session) *decisionWait {
	return &decisionWait{s: s, done: make(chan struct{})}
}

// Wake is called once the decision is there.
func (w *decisionWait) Wake() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.woken {
		w.woken = true
		close(w.done)
	}
	w.interruptLocked()
}

func (w *decisionWait) interrupt() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.interruptLocked()
}

func (w *decisionWait) interruptLocked() {
	if w.waiting {
		_ = w.s.conn.SetReadDeadline(time.Unix(1, 0))
	}
}

// Wait returns once the decision is there, ctx ends or the caller hangs up,
// and reports the hangup.
func (w *decisionWait) Wait(ctx context.Context) bool {
	s := w.s
	if !s.takeTurn() {
		select {
		case <-w.done:
			return false
		case <-ctx.Done():
			return false
		case <-s.hungup:
			return true
		}
	}
	defer s.giveTurn()
	stop := context.AfterFunc(ctx, w.interrupt)
	defer stop()
	defer func() { _ = s.conn.SetReadDeadline(time.Time{}) }()
	for {
		if s.hungUpSeen() {
			return true
		}
		if len(s.queue) >= maxQueued {
			select {
			case <-w.done:
			case <-ctx.Done():
			}
			return false
		}
		if !w.await(ctx) {
			return false
		}
		if err := s.awaitLine(); err != nil {
			w.mu.Lock()
			w.waiting = false
			w.mu.Unlock()
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				s.endStream(err)
			}
			continue
		}
		w.mu.Lock()
		w.waiting = false
		w.mu.Unlock()
		s.readFrame()
	}
}

// await prepares one awaitLine: false when the decision is there or ctx has
// ended. Wake and ctx interrupt the wait from here on.
func (w *decisionWait) await(ctx context.Context) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.woken || ctx.Err() != nil {
		return false
	}
	_ = w.s.conn.SetReadDeadline(time.Time{})
	w.waiting = true
	return true
}
