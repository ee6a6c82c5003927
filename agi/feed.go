package agi

import (
	"context"
	"fmt"
	"time"
)

// feed is the io.Reader the agi library reads replies from. Each Read hands
// out at most the rest of one normalised reply line, so the library's
// throwaway scanners never hold bytes that belong to the next command. It
// waits for the reader goroutine's next frame until the command's deadline
// or the end of its context; the library has neither.
type feed struct {
	s        *Session
	pending  []byte
	ctx      context.Context
	deadline time.Time
	err      error
}

// begin arms the feed for one command.
func (f *feed) begin(ctx context.Context, deadline time.Time) {
	f.ctx, f.deadline, f.err = ctx, deadline, nil
	f.pending = nil
}

// end reports what went wrong while the library read, if anything.
func (f *feed) end() error {
	err := f.err
	f.ctx = nil
	return err
}

func (f *feed) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.next()
		if err != nil {
			f.err = err
			return 0, err
		}
		f.pending = line
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// next waits for the next reply and renders it as one line.
func (f *feed) next() ([]byte, error) {
	if f.ctx == nil {
		// Only a library read outside Command gets here; there is none.
		return nil, fmt.Errorf("%w: read outside a command", ErrProtocol)
	}
	t := time.NewTimer(time.Until(f.deadline))
	defer t.Stop()
	select {
	case r, ok := <-f.s.frames:
		if !ok {
			return nil, f.s.readErr
		}
		return append([]byte(r.line()), '\n'), nil
	case <-t.C:
		return nil, ErrTimeout
	case <-f.ctx.Done():
		return nil, f.ctx.Err()
	}
}
