package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/esl/esltest"
)

// The fake FreeSWITCH node of a run can live in a process of its own, as a
// real node does: making and encoding events then costs the listener's
// process nothing, and the listener's memory and processor time are its
// own. Either way it reports to the measuring side in JSON lines.

// eslNodeLine is one line the node writes, in this order: its address; when
// it wrote the first event; then what it sent and what agents must end as.
type eslNodeLine struct {
	Addr    string        `json:"addr,omitempty"`
	Start   int64         `json:"start,omitempty"` // unix nanoseconds
	Sent    int           `json:"sent,omitempty"`
	Ignored int           `json:"ignored,omitempty"`
	Sending time.Duration `json:"sending,omitempty"`
	CPU     time.Duration `json:"cpu,omitempty"` // the node's own, while it sent
	Expect  []ESLExpect   `json:"expect,omitempty"`
}

// eslChunk events are encoded and written together: one write of some
// 150 kB, as a FreeSWITCH with a backlog for its event socket would send.
const eslChunk = 256

// eslAhead is how many events the node makes before it writes the first:
// enough that making them never holds the listener back. A run of a given
// duration makes only a few chunks ahead, or it would run on past its end
// to send what it made.
const eslAhead = 64 * 1024

// ServeESLNode is the fake node of one run: it listens on loopback, writes
// its address, waits for the listener to subscribe, then writes events as
// fast as the listener reads them, reports what it sent and stays up until
// ctx ends.
func ServeESLNode(ctx context.Context, o ESLOptions, run int, out io.Writer) error {
	o.defaults()
	enc := json.NewEncoder(out)
	fake, err := esltest.Listen()
	if err != nil {
		return err
	}
	defer fake.Kill()
	if err := enc.Encode(eslNodeLine{Addr: fake.Addr()}); err != nil {
		return err
	}
	select {
	case <-fake.Subscribed():
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return errors.New("esl node: no listener subscribed within 30s")
	}
	cfg, err := config.Parse("bench-esl.yaml", []byte(BenchConfig(o.Agents, 1)))
	if err != nil {
		return err
	}
	m := newESLModel(cfg.Roster().Agents(), o.Mix, o.Seed, run)
	line, err := sendESL(o, fake, m, func(start time.Time) error {
		return enc.Encode(eslNodeLine{Start: start.UnixNano()})
	})
	if err != nil {
		return err
	}
	if err := enc.Encode(line); err != nil {
		return err
	}
	// Up until the run ends, as a real node stays: a listener that lost
	// its node would reconnect and resynchronise from this fake's empty
	// model instead of finishing what it read.
	<-ctx.Done()
	return nil
}

// sendESL makes events ahead of sending them, so the model's memory stays
// bounded whatever the count, and writes them until the count or the
// duration is reached.
func sendESL(o ESLOptions, fake *esltest.Server, m *eslModel, started func(time.Time) error) (eslNodeLine, error) {
	ahead := eslAhead
	if o.Events == 0 {
		ahead = 4 * eslChunk
	}
	chunks := make(chan []byte, ahead/eslChunk)
	var stop atomic.Bool
	sent := 0
	go func() {
		defer close(chunks)
		for (o.Events == 0 || sent < o.Events) && !stop.Load() {
			k := eslChunk
			if o.Events > 0 {
				k = min(k, o.Events-sent)
			}
			buf := make([]byte, 0, k*640)
			for range k {
				buf = append(buf, esltest.Frame(o.Format, fake.Stamp(m.next()))...)
			}
			sent += k
			chunks <- buf // always: the model already counts these events
		}
	}()
	for len(chunks) < cap(chunks) && (o.Events == 0 || len(chunks)*eslChunk < o.Events) {
		time.Sleep(time.Millisecond)
	}
	cpu0, start := ProcessCPU(), time.Now()
	err := started(start)
	for c := range chunks {
		if err == nil && fake.SendRaw(c) == 0 {
			err = errors.New("esl node: the listener is not subscribed")
		}
		if err != nil || o.Events == 0 && time.Since(start) >= o.Duration {
			stop.Store(true)
		}
	}
	if err != nil {
		return eslNodeLine{}, err
	}
	return eslNodeLine{Sent: sent, Ignored: m.ignored, Sending: time.Since(start), CPU: ProcessCPU() - cpu0, Expect: m.expect()}, nil
}

// ESLNode starts the node of one run and returns its report lines and a
// wait for its end.
type ESLNode func(ctx context.Context, o ESLOptions, run int) (lines io.Reader, wait func() error, err error)

// InProcessNode runs the node on goroutines of this process (tests).
func InProcessNode(ctx context.Context, o ESLOptions, run int) (io.Reader, func() error, error) {
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := ServeESLNode(ctx, o, run, w)
		w.CloseWithError(err)
		done <- err
	}()
	return r, func() error { return <-done }, nil
}

// CommandNode runs each run's node as a process: exe with the arguments
// args gives for the run, which must make it call ServeESLNode with its
// standard output as out.
func CommandNode(exe string, args func(run int) []string) ESLNode {
	return func(ctx context.Context, _ ESLOptions, run int) (io.Reader, func() error, error) {
		cmd := exec.CommandContext(ctx, exe, args(run)...)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, nil, fmt.Errorf("start esl node: %w", err)
		}
		return out, cmd.Wait, nil
	}
}
