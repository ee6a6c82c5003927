package agi

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// countingConn counts the writes made to a connection.
type countingConn struct {
	net.Conn
	writes atomic.Int32
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestCommandsGoThroughLibrary: every command, read by the session's own
// goroutine or by the reader goroutine, goes through the session's one agi
// library object, one write per command, and the library's parse of the
// normalised line is what Command returns, 520 usage text included.
func TestCommandsGoThroughLibrary(t *testing.T) {
	for _, polled := range []bool{true, false} {
		name := "reader goroutine"
		if polled {
			name = "inline"
		}
		t.Run(name, func(t *testing.T) {
			server, peer := tcpPair(t)
			var conn net.Conn = server
			var counted *countingConn
			if !polled {
				counted = &countingConn{Conn: server}
				conn = counted
			}
			log, _ := newLog()
			s := newSession(conn, bufio.NewReader(server), Env{UniqueID: "1.1"}, log, time.Second)
			t.Cleanup(func() { s.close(0) })
			r := bufio.NewReader(peer)
			ctx := context.Background()
			steps := []struct {
				cmd     string
				reply   []string
				want    Reply
				wantErr error
			}{
				{"GET VARIABLE X", []string{"200 result=1 (paren (x) and ) end)\n"}, Reply{Status: 200, Result: 1, Value: "paren (x) and ) end"}, nil},
				{"SET VARIABLE", []string{"520-Invalid command syntax.  Proper usage follows:\n", "Sets a variable to the current channel.\n520 End of proper usage.\n"},
					Reply{Status: 520, Value: "Sets a variable to the current channel."}, &UsageError{}},
				{"FOO", []string{"HANGUP\n510 Invalid or unknown command\n"}, Reply{Status: 510, Value: "Invalid or unknown command"}, ErrInvalidCommand},
				{"EXEC Nope", []string{"200 result=-2\n"}, Reply{Status: 200, Result: -2}, nil},
			}
			var lib any
			for i, st := range steps {
				done := make(chan struct{})
				go func() {
					defer close(done)
					answerWith(t, peer, r, st.cmd+"\n", st.reply...)
				}()
				got, err := s.Command(ctx, st.cmd)
				<-done
				if got != st.want {
					t.Errorf("%s: %+v, want %+v", st.cmd, got, st.want)
				}
				var ue *UsageError
				switch {
				case st.wantErr == nil && err != nil:
					t.Errorf("%s: %v", st.cmd, err)
				case errors.As(st.wantErr, &ue):
					if !errors.As(err, &ue) || ue.Usage != st.want.Value {
						t.Errorf("%s: %v, want usage %q", st.cmd, err, st.want.Value)
					}
				case st.wantErr != nil && !errors.Is(err, st.wantErr):
					t.Errorf("%s: %v, want %v", st.cmd, err, st.wantErr)
				}
				if s.lc == nil || s.lc.lib == nil {
					t.Fatalf("%s: no library session", st.cmd)
				}
				if i == 0 {
					lib = s.lc.lib
				} else if any(s.lc.lib) != lib {
					t.Errorf("%s: a new library session", st.cmd)
				}
				if counted != nil {
					if n := counted.writes.Load(); n != int32(i+1) {
						t.Errorf("%s: %d writes after %d commands", st.cmd, n, i+1)
					}
				}
			}
			if (s.raw != nil) != polled {
				t.Fatalf("polled connection: %v, want %v", s.raw != nil, polled)
			}
		})
	}
}

// TestLibraryWriteIsChecked: the session sends the command itself; should
// the library ever format it differently, the command fails as a protocol
// error instead of acting on a reply to something else.
func TestLibraryWriteIsChecked(t *testing.T) {
	c := &libConn{sent: "SET VARIABLE A \"1\""}
	if n, err := c.Write([]byte("SET VARIABLE A \"1\"\n")); err != nil || n != 19 || c.libErr != nil {
		t.Fatalf("same line: n=%d err=%v libErr=%v", n, err, c.libErr)
	}
	for _, p := range []string{"SET VARIABLE A \"2\"\n", "SET VARIABLE A \"1\"", "SET VARIABLE A \"1\"\r\n"} {
		c.libErr = nil
		_, _ = c.Write([]byte(p))
		if !errors.Is(c.libErr, ErrProtocol) {
			t.Errorf("library wrote %q for %q: libErr=%v, want ErrProtocol", p, c.sent, c.libErr)
		}
	}
}
