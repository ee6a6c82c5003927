package agi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// answerWith reads one command on the peer, checks it and writes reply.
func answerWith(t *testing.T, peer net.Conn, r *bufio.Reader, wantCmd string, reply ...string) {
	t.Helper()
	got, err := r.ReadString('\n')
	if err != nil {
		t.Errorf("peer read: %v", err)
		return
	}
	if got != wantCmd {
		t.Errorf("sent %q, want %q", got, wantCmd)
	}
	for i, chunk := range reply {
		if i > 0 {
			time.Sleep(20 * time.Millisecond) // a separate segment, as Asterisk's 520 block
		}
		if _, err := peer.Write([]byte(chunk)); err != nil {
			t.Errorf("peer write: %v", err)
		}
	}
}

func TestSetQuotesLikeAsterisk(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	ctx := context.Background()
	tests := []struct{ name, value, want string }{
		{"SB_DIAL", "PJSIP/2101", "SET VARIABLE SB_DIAL \"PJSIP/2101\"\n"},
		{"SB_CALLERID_NAME", `Ola "Kåre" \ Nordmann`, `SET VARIABLE SB_CALLERID_NAME "Ola \"Kåre\" \\ Nordmann"` + "\n"},
		{"X", "line\r\nbreak\x00", "SET VARIABLE X \"line  break \"\n"},
		{"SB_RESULT", "", "SET VARIABLE SB_RESULT \"\"\n"},
		{"Q 13", "v", "SET VARIABLE \"Q 13\" \"v\"\n"},
		{"CALLERID(num)", "90595313-111", "SET VARIABLE CALLERID(num) \"90595313-111\"\n"},
	}
	for _, tt := range tests {
		done := make(chan struct{})
		go func() {
			defer close(done)
			answerWith(t, peer, r, tt.want, "200 result=1\n")
		}()
		if err := s.Set(ctx, tt.name, tt.value); err != nil {
			t.Errorf("Set(%q): %v", tt.name, err)
		}
		<-done
	}
	for _, bad := range []string{"", "A\nB", "A\rB"} {
		if err := s.Set(ctx, bad, "x"); !errors.Is(err, ErrBadArgument) {
			t.Errorf("Set(%q) = %v, want ErrBadArgument", bad, err)
		}
	}
	// Asterisk would read a longer line as two commands; nothing is sent.
	if err := s.Set(ctx, "SB_FALLBACK", strings.Repeat("x", MaxCommandBytes)); !errors.Is(err, ErrBadArgument) {
		t.Errorf("Set of a value longer than one AGI command = %v, want ErrBadArgument", err)
	}
}

func TestGetExecVerbose(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	ctx := context.Background()
	go func() {
		answerWith(t, peer, r, "GET VARIABLE NO_SUCH_VAR\n", "200 result=0\n")
		answerWith(t, peer, r, "GET VARIABLE CALLERID(num)\n", "200 result=1 ()\n")
		answerWith(t, peer, r, "GET VARIABLE Q7\n", "200 result=1 (paren (x) and ) end)\n")
		answerWith(t, peer, r, "GET FULL VARIABLE \"${Q1} ${Q2}\"\n", "200 result=1 (hello world say \"hi\" now)\n")
		answerWith(t, peer, r, "EXEC Set \"Q15=a b, c\"\n", "200 result=0\n")
		answerWith(t, peer, r, "EXEC NoSuchApp \"x\"\n", "200 result=-2\n")
		answerWith(t, peer, r, "VERBOSE \"hello\" 1\n", "200 result=1\n")
	}()
	if v, ok, err := s.Get(ctx, "NO_SUCH_VAR"); err != nil || ok || v != "" {
		t.Errorf("unset: %q %v %v", v, ok, err)
	}
	if v, ok, err := s.Get(ctx, "CALLERID(num)"); err != nil || !ok || v != "" {
		t.Errorf("set but empty: %q %v %v", v, ok, err)
	}
	if v, ok, err := s.Get(ctx, "Q7"); err != nil || !ok || v != "paren (x) and ) end" {
		t.Errorf("parentheses: %q %v %v", v, ok, err)
	}
	if v, ok, err := s.GetFull(ctx, "${Q1} ${Q2}"); err != nil || !ok || v != `hello world say "hi" now` {
		t.Errorf("full: %q %v %v", v, ok, err)
	}
	if res, err := s.Exec(ctx, "Set", "Q15=a b, c"); err != nil || res != 0 {
		t.Errorf("exec: %d %v", res, err)
	}
	if res, err := s.Exec(ctx, "NoSuchApp", "x"); !errors.Is(err, ErrUnknownApp) || res != -2 {
		t.Errorf("unknown app: %d %v", res, err)
	}
	if err := s.Verbose(ctx, "hello", 1); err != nil {
		t.Errorf("verbose: %v", err)
	}
}

func TestAsteriskErrorsLeaveSessionUsable(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	ctx := context.Background()
	go func() {
		answerWith(t, peer, r, "SET VARIABLE Q3 hello world\n",
			"520-Invalid command syntax.  Proper usage follows:\n",
			"Sets a variable to the current channel.\n520 End of proper usage.\n")
		answerWith(t, peer, r, "FOO BAR\n", "510 Invalid or unknown command\n")
		answerWith(t, peer, r, "ANSWER\n", "511 Command Not Permitted on a dead channel or intercept routine\n")
		answerWith(t, peer, r, "GET VARIABLE Q3\n", "200 result=0\n")
	}()
	_, err := s.Command(ctx, "SET VARIABLE Q3 hello world")
	var ue *UsageError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUsage) || ue.Usage != "Sets a variable to the current channel." {
		t.Errorf("520: %v", err)
	}
	if _, err := s.Command(ctx, "FOO BAR"); !errors.Is(err, ErrInvalidCommand) {
		t.Errorf("510: %v", err)
	}
	if _, err := s.Command(ctx, "ANSWER"); !errors.Is(err, ErrDeadChannel) {
		t.Errorf("511: %v", err)
	}
	if _, ok, err := s.Get(ctx, "Q3"); err != nil || ok {
		t.Errorf("after errors: %v %v", ok, err)
	}
}

func TestHangupNotices(t *testing.T) {
	t.Run("after a reply in the same segment, then more commands", func(t *testing.T) {
		s, peer, r := testSession(t, time.Second)
		go func() {
			answerWith(t, peer, r, "EXEC Wait \"30\"\n", "200 result=-1\nHANGUP\n")
			answerWith(t, peer, r, "GET VARIABLE CALLERID(num)\n", "200 result=1 (1000)\n")
		}()
		if res, err := s.Exec(context.Background(), "Wait", "30"); err != nil || res != -1 {
			t.Fatalf("exec: %d %v", res, err)
		}
		v, ok, err := s.Get(context.Background(), "CALLERID(num)")
		if err != nil || !ok || v != "1000" {
			t.Fatalf("HANGUP taken as a reply: %q %v %v", v, ok, err)
		}
		if !hungUp(s) {
			t.Error("Hungup not closed")
		}
	})
	t.Run("two notices and close", func(t *testing.T) {
		s, peer, r := testSession(t, time.Second)
		go func() {
			answerWith(t, peer, r, "EXEC Wait \"30\"\n", "200 result=-1\nHANGUP\nHANGUP\n")
			_ = peer.Close()
		}()
		if res, err := s.Exec(context.Background(), "Wait", "30"); err != nil || res != -1 {
			t.Fatalf("exec: %d %v", res, err)
		}
		_, _, err := s.Get(context.Background(), "CALLERID(num)")
		if !errors.Is(err, ErrHangup) {
			t.Fatalf("after close: %v, want ErrHangup", err)
		}
		if _, _, again := s.Get(context.Background(), "X"); !errors.Is(again, ErrHangup) {
			t.Errorf("later command: %v, want the same error", again)
		}
	})
	t.Run("unsolicited while idle", func(t *testing.T) {
		s, peer, _ := testSession(t, time.Second)
		if _, err := peer.Write([]byte("HANGUP\n")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.Hungup():
		case <-time.After(2 * time.Second):
			t.Fatal("idle HANGUP not noticed")
		}
	})
}

func TestCommandDeadlines(t *testing.T) {
	t.Run("timeout breaks the session", func(t *testing.T) {
		s, peer, r := testSession(t, 80*time.Millisecond)
		start := time.Now()
		_, err := s.Command(context.Background(), "EXEC Wait 30")
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d < 80*time.Millisecond || d > time.Second {
			t.Errorf("timed out after %v", d)
		}
		if _, err := s.Command(context.Background(), "NOOP"); !errors.Is(err, ErrTimeout) {
			t.Errorf("next command: %v, want the session broken", err)
		}
		line, _ := r.ReadString('\n')
		if line != "EXEC Wait 30\n" {
			t.Errorf("peer got %q", line)
		}
		_ = peer.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if more, err := r.ReadString('\n'); err == nil {
			t.Errorf("a broken session still sent %q", more)
		}
	})
	t.Run("context deadline first", func(t *testing.T) {
		s, _, _ := testSession(t, 5*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := s.Command(ctx, "EXEC Wait 30"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("cancel frees a blocked command", func(t *testing.T) {
		s, _, _ := testSession(t, 5*time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(30 * time.Millisecond); cancel() }()
		if _, err := s.Command(ctx, "EXEC Wait 30"); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestGarbageAndLongReplies(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		s, peer, r := testSession(t, time.Second)
		go answerWith(t, peer, r, "NOOP\n", "this is not agi\n")
		if _, err := s.Command(context.Background(), "NOOP"); !errors.Is(err, ErrProtocol) {
			t.Fatalf("err %v, want ErrProtocol", err)
		}
	})
	t.Run("value longer than the library's first buffer", func(t *testing.T) {
		s, peer, r := testSession(t, time.Second)
		long := strings.Repeat("(x)", 3000)
		go answerWith(t, peer, r, "GET VARIABLE LONG\n", "200 result=1 ("+long+")\n")
		v, ok, err := s.Get(context.Background(), "LONG")
		if err != nil || !ok || v != long {
			t.Fatalf("len %d ok %v err %v", len(v), ok, err)
		}
	})
	t.Run("line beyond the limit", func(t *testing.T) {
		s, peer, r := testSession(t, time.Second)
		go answerWith(t, peer, r, "NOOP\n", "200 result=1 ("+strings.Repeat("x", maxLineBytes)+")\n")
		if _, err := s.Command(context.Background(), "NOOP"); !errors.Is(err, ErrProtocol) {
			t.Fatalf("err %v, want ErrProtocol", err)
		}
	})
}

func TestCloseHalfClosesAndWaitsForAsterisk(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	go func() {
		if _, err := io.Copy(io.Discard, r); err != nil { // until our half-close
			t.Errorf("peer: %v", err)
		}
		_, _ = peer.Write([]byte("HANGUP\n"))
		_ = peer.Close()
	}()
	start := time.Now()
	s.close(5 * time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("close waited %v; Asterisk answered at once", d)
	}
	if !hungUp(s) {
		t.Error("HANGUP after half-close not read")
	}
}
