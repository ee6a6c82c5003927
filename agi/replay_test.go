package agi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// TestSessionReplaysTranscripts plays Asterisk's side of each transcript, in
// its recorded segments, against a Session that sends the recorded commands:
// the session must send the same bytes and read every reply, 520 blocks split
// over segments and HANGUP notices included, as an independent reading of
// the transcript says.
func TestSessionReplaysTranscripts(t *testing.T) {
	names := []string{
		"agi-001-route", "agi-002-routeclose", "agi-003-route", "agi-004-route", "agi-005-hold",
		"agi-006-hold", "agi-007-hold", "agi-008-selfhangup", "agi-016-quoting", "agi-017-sip-run1",
		"agi-021-nopath", "agi-023-sip",
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) { replaySession(t, name) })
	}
}

func replaySession(t *testing.T, name string) {
	tr := readTranscript(t, name)
	server, peer := tcpPair(t)
	steps := steps(tr)
	sendable := func(cmd []byte) bool {
		line := strings.TrimSuffix(string(cmd), "\n")
		return line != "" && !strings.ContainsAny(line, "\r\n") && bytes.HasSuffix(cmd, []byte("\n"))
	}

	// Asterisk's side.
	peerErr := make(chan error, 1)
	go func() {
		peerErr <- func() error {
			for _, c := range tr.EnvChunks() {
				if _, err := peer.Write(c); err != nil {
					return err
				}
				time.Sleep(time.Millisecond)
			}
			r := bufio.NewReader(peer)
			for _, st := range steps {
				if !sendable(st.cmd) {
					continue
				}
				got, err := r.ReadBytes('\n')
				if err != nil {
					return err
				}
				if !bytes.Equal(got, st.cmd) {
					return errors.New("session sent " + string(got) + ", transcript has " + string(st.cmd))
				}
				for _, chunk := range st.replies {
					if _, err := peer.Write(chunk); err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // keep the recorded segments apart
				}
				if st.eof {
					return peer.Close()
				}
			}
			return nil
		}()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	br := bufio.NewReader(server)
	env, err := readEnv(br)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(env.Raw, tr.EnvVars) {
		t.Fatalf("env differs: %v", env.Raw)
	}
	log, _ := newLog()
	s := newSession(server, br, env, log, 2*time.Second)
	defer s.close(0)

	sawHangup, closed := false, false
	for i, st := range steps {
		line := strings.TrimSuffix(string(st.cmd), "\n")
		r, err := s.Command(ctx, line)
		switch {
		case !sendable(st.cmd):
			if !errors.Is(err, ErrBadArgument) {
				t.Errorf("step %d %q: err %v, want ErrBadArgument", i, line, err)
			}
			continue
		case closed || st.eof && len(st.replies) == 0:
			closed = true
			if !errors.Is(err, ErrHangup) {
				t.Errorf("step %d %q after Asterisk closed: err %v, want ErrHangup", i, line, err)
			}
			continue
		}
		want, wantErr := expectReply(t, bytes.Join(st.replies, nil))
		if r != want || !sameErr(err, wantErr) {
			t.Errorf("step %d %q:\n got %+v, %v\nwant %+v, %v", i, line, r, err, want, wantErr)
		}
		// A HANGUP seen in an earlier step precedes this reply on the wire.
		if sawHangup && !hungUp(s) {
			t.Errorf("step %d: HANGUP from an earlier step not signalled", i)
		}
		for _, c := range st.replies {
			sawHangup = sawHangup || bytes.Contains(c, []byte("HANGUP\n"))
		}
		closed = closed || st.eof
	}
	if sawHangup {
		select {
		case <-s.Hungup():
		case <-time.After(2 * time.Second):
			t.Error("Hungup never closed")
		}
	}
	if err := <-peerErr; err != nil {
		t.Fatalf("asterisk side: %v", err)
	}
}

func sameErr(got, want error) bool {
	if want == nil || got == nil {
		return got == want
	}
	var gu, wu *UsageError
	if errors.As(want, &wu) {
		return errors.As(got, &gu) && gu.Usage == wu.Usage
	}
	return errors.Is(got, want)
}
