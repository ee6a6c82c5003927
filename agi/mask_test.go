package agi

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

func TestMasking(t *testing.T) {
	numbers := map[string]string{
		"90595313":    "*****313",
		"+4790595313": "********313",
		"100":         "100",
		"":            "",
	}
	for in, want := range numbers {
		if got := MaskNumber(in); got != want {
			t.Errorf("MaskNumber(%q) = %q, want %q", in, got, want)
		}
	}
	channels := map[string]string{
		"Local/90595313@out-0000001a;2": "Local/*****313@out-0000001a;2",
		"SIP/+4790595313-00000004":      "SIP/********313-00000004",
		"SIP/127.0.0.1-00000000":        "SIP/127.0.0.1-00000000",
		"Local/s@agi-basic-00000000;2":  "Local/s@agi-basic-00000000;2",
		"PJSIP/2101-0000000b":           "PJSIP/2101-0000000b",
	}
	for in, want := range channels {
		if got := maskChannel(in); got != want {
			t.Errorf("maskChannel(%q) = %q, want %q", in, got, want)
		}
	}
	if got := short("call 90595313 now " + strings.Repeat("x", 40)); strings.Contains(got, "90595313") || len(got) > 40 {
		t.Errorf("short = %q", got)
	}
}

// flakyListener fails its first Accept calls the way a listener out of file
// descriptors does.
type flakyListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, errors.New("accept4: too many open files")
	}
	return l.Listener.Accept()
}

func TestAcceptErrorsAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flakyListener{Listener: ln}
	fl.fails.Store(3)
	log, lb := newLog()
	srv := &Server{Handler: okHandler, Log: log}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- srv.Serve(ctx, fl) }()
	<-srv.Ready()
	expectOK(t, ln.Addr().String())
	if n := strings.Count(lb.String(), "agi accept failed; retrying"); n != 3 {
		t.Errorf("%d retries logged, want 3:\n%s", n, lb)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
