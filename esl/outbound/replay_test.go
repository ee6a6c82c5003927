package outbound

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
)

// transcripts recorded from FreeSWITCH 1.10.12's socket application.
var transcripts = []string{"esl-outbound", "esl-outbound-sipp", "esl-outbound-linger3", "esl-outbound-nolinger"}

func readTranscript(t testing.TB, name string) (cmds []fstest.Command, frames []esl.Frame) {
	t.Helper()
	c2s, err := os.ReadFile("testdata/" + name + ".c2s.raw")
	if err != nil {
		t.Fatal(err)
	}
	s2c, err := os.ReadFile("testdata/" + name + ".s2c.raw")
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(c2s))
	for {
		c, err := fstest.ReadCommand(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s c2s: %v", name, err)
		}
		cmds = append(cmds, c)
	}
	r = bufio.NewReader(bytes.NewReader(s2c))
	for {
		f, err := esl.ReadFrame(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s s2c: %v", name, err)
		}
		frames = append(frames, f)
	}
	return cmds, frames
}

// replayPeer plays FreeSWITCH's side: after each command it reads, it sends
// the recorded frames up to and including that command's reply; after the
// last, the rest, then it closes.
func replayPeer(nc net.Conn, frames []esl.Frame, ncmds int) {
	defer nc.Close()
	r := bufio.NewReader(nc)
	i := 0
	for range ncmds {
		if _, err := fstest.ReadCommand(r); err != nil {
			return
		}
		for i < len(frames) {
			f := frames[i]
			i++
			if _, err := nc.Write(f.Bytes()); err != nil {
				return
			}
			if t := f.Type(); t == esl.TypeReply || t == esl.TypeAPIResponse {
				break
			}
		}
	}
	for ; i < len(frames); i++ {
		_, _ = nc.Write(frames[i].Bytes())
	}
}

func TestReplayRecordedSessions(t *testing.T) {
	for _, name := range transcripts {
		t.Run(name, func(t *testing.T) {
			cmds, frames := readTranscript(t, name)
			ours, theirs := net.Pipe()
			go replayPeer(theirs, frames, len(cmds))
			c, err := open(ours, 2*time.Second, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer c.end()
			want := frames[0]
			if c.UUID() == "" || c.UUID() != mustParse(t, want).Get("Unique-ID") {
				t.Fatalf("uuid %q", c.UUID())
			}
			if v := c.Data().Get("variable_esl_test_var"); v != "hello world" {
				t.Fatalf("variable_esl_test_var = %q (decoded)", v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, cmd := range cmds[1:] {
				if err := issue(ctx, c, cmd); err != nil {
					t.Fatalf("%s %s: %v (%v)", cmd.Name, cmd.Arg, err, c.Err())
				}
			}
			var got, wantNames []string
			for _, f := range frames {
				if f.Type() == esl.TypeEventPlain {
					wantNames = append(wantNames, mustParseEvent(t, f).Name())
				}
			}
			for {
				e, err := c.Next(ctx)
				if err != nil {
					break
				}
				got = append(got, e.Name())
			}
			if !slices.Equal(got, wantNames) {
				t.Fatalf("events %v, want %v", got, wantNames)
			}
			select {
			case <-c.Hungup():
			default:
				t.Fatal("end of the session not noticed")
			}
		})
	}
}

// issue sends what the recorded client sent, through Conn's methods.
func issue(ctx context.Context, c *Conn, cmd fstest.Command) error {
	switch cmd.Name {
	case "myevents":
		return c.MyEvents(ctx)
	case "linger":
		return c.Linger(ctx)
	case "api":
		_, err := c.API(ctx, cmd.Arg)
		return err
	case "sendmsg":
		arg := cmd.Headers["execute-app-arg"]
		if arg == "" {
			arg = cmd.Body
		}
		_, err := c.Execute(ctx, cmd.Headers["execute-app-name"], arg)
		return err
	}
	_, err := c.send(ctx, plainCommand(cmd.Name))
	return err
}

func mustParse(t *testing.T, f esl.Frame) esl.Event {
	t.Helper()
	e, err := esl.ParsePlainEvent(f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustParseEvent(t *testing.T, f esl.Frame) esl.Event {
	t.Helper()
	e, err := esl.ParseEventFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
