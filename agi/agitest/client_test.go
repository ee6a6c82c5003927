package agitest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testdata = "../testdata/"

// callFromEnv rebuilds the Call behind a recorded environment.
func callFromEnv(env map[string]string) Call {
	host, _, _ := strings.Cut(strings.TrimPrefix(env["agi_request"], "agi://"), "/")
	var args []string
	for i := 1; ; i++ {
		v, ok := env[fmt.Sprintf("agi_arg_%d", i)]
		if !ok {
			break
		}
		args = append(args, v)
	}
	unknown := func(s string) string {
		if s == "unknown" {
			return ""
		}
		return s
	}
	return Call{
		Request: env["agi_network_script"], Host: host, Args: args,
		UniqueID: env["agi_uniqueid"], Channel: env["agi_channel"], Type: env["agi_type"],
		Language: env["agi_language"], CallerID: unknown(env["agi_callerid"]),
		CallerIDName: unknown(env["agi_calleridname"]), CallingPres: env["agi_callingpres"],
		CallingANI2: env["agi_callingani2"], CallingTON: env["agi_callington"],
		CallingTNS: env["agi_callingtns"], DNID: env["agi_dnid"], RDNIS: env["agi_rdnis"],
		Context: env["agi_context"], Extension: env["agi_extension"], Priority: env["agi_priority"],
		Enhanced: env["agi_enhanced"], AccountCode: env["agi_accountcode"],
		ThreadID: env["agi_threadid"], Version: env["agi_version"],
	}
}

var envTranscripts = []string{
	"agi-001-route", "agi-002-routeclose", "agi-003-route", "agi-004-route", "agi-005-hold",
	"agi-006-hold", "agi-007-hold", "agi-008-selfhangup", "agi-010-closeafterenv",
	"agi-011-closepartial", "agi-012-closemidexec", "agi-013-rst", "agi-014-silent",
	"agi-015-quoting-pipelined", "agi-016-quoting", "agi-017-sip-run1", "agi-018-sip-run2",
	"agi-019-sip", "agi-020-route", "agi-021-nopath", "agi-022-route", "agi-023-sip",
}

func TestCallEnvMatchesTranscripts(t *testing.T) {
	for _, name := range envTranscripts {
		t.Run(name, func(t *testing.T) {
			tr, err := ReadTranscript(testdata + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			want := tr.Env()
			if want == nil || tr.EnvVars == nil {
				t.Fatal("transcript holds no environment")
			}
			call := callFromEnv(tr.EnvVars)
			if got := call.Env(""); !bytes.Equal(got, want) {
				t.Errorf("env differs\n got %q\nwant %q", got, want)
			}
		})
	}
}

// replay plays the server's side of a transcript against the fake and checks
// that the fake sends Asterisk's bytes.
type replay struct {
	name string
	vars map[string]string
	opts func(*Client)
}

func TestClientMatchesTranscripts(t *testing.T) {
	hangupAfter := func(n int, f func(*Client)) func(*Client) {
		return func(c *Client) {
			c.HangupAfter = n
			if f != nil {
				f(c)
			}
		}
	}
	sip := func(id string) map[string]string { return map[string]string{"SIPCALLID": id} }
	cases := []replay{
		{name: "agi-001-route"},
		{name: "agi-002-routeclose"},
		{name: "agi-003-route", vars: map[string]string{"IVR_DIGIT": "2"}},
		{name: "agi-004-route", vars: map[string]string{"IVR_DIGIT": "7"}},
		{name: "agi-005-hold", opts: hangupAfter(5, nil)},
		{name: "agi-006-hold", opts: hangupAfter(5, func(c *Client) { c.NoSigHup = true })},
		{name: "agi-007-hold", opts: hangupAfter(5, func(c *Client) { c.ExitOnHangup = true })},
		{name: "agi-008-selfhangup"},
		{name: "agi-015-quoting-pipelined"},
		{name: "agi-016-quoting"},
		{name: "agi-017-sip-run1", vars: sip("1-24409@127.0.0.1")},
		{name: "agi-018-sip-run2", vars: sip("1-24615@127.0.0.1")},
		{name: "agi-019-sip", vars: sip("1-25265@127.0.0.1")},
		{name: "agi-020-route"},
		{name: "agi-021-nopath"},
		{name: "agi-022-route"},
		{name: "agi-023-sip", vars: sip("1-25795@127.0.0.1")},
		{name: "agi-024-music-idle"},
		{name: "agi-025-music-idle-hangup"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ReadTranscript(testdata + tc.name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			c := &Client{Call: callFromEnv(tr.EnvVars)}
			c.Call.Vars = tc.vars
			if tc.opts != nil {
				tc.opts(c)
			}
			playServer(t, tr, c)
		})
	}
}

func playServer(t *testing.T, tr *Transcript, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, ln.Addr().String())
		done <- err
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	env := readEnvBlock(t, r)
	if want := tr.Env(); want != nil && !bytes.Equal(env, want) {
		t.Fatalf("env differs\n got %q\nwant %q", env, want)
	}
	for _, e := range tr.AfterEnv() {
		switch {
		case e.Dir == "P>A":
			if _, err := conn.Write(e.Data); err != nil {
				t.Fatalf("write %q: %v", e.Data, err)
			}
		case e.Dir == "A>P":
			if e.Idle {
				c.Hangup()
			}
			got := make([]byte, len(e.Data))
			if _, err := io.ReadFull(r, got); err != nil {
				t.Fatalf("want %q: %v", e.Data, err)
			}
			if !bytes.Equal(got, e.Data) {
				t.Fatalf("fake sent %q, Asterisk sent %q", got, e.Data)
			}
		case strings.Contains(e.Note, "A>P EOF"):
			// A command written after Asterisk closed may turn the FIN
			// into a reset, depending on timing.
			if b, err := r.ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("want EOF, got %q, %v", b, err)
			}
			// Asterisk closed: what the recording tool sent afterwards was lost.
			return
		case strings.Contains(e.Note, "shutdown(SHUT_WR)"):
			_ = conn.(*net.TCPConn).CloseWrite()
		case strings.Contains(e.Note, "close()"), strings.HasSuffix(e.Note, " closed"):
			_ = conn.Close()
			if err := <-done; err != nil {
				t.Fatalf("run: %v", err)
			}
			return
		}
	}
}

func readEnvBlock(t *testing.T, r *bufio.Reader) []byte {
	t.Helper()
	var env []byte
	for !bytes.HasSuffix(env, []byte("\n\n")) {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatalf("read env: %v", err)
		}
		env = append(env, line...)
	}
	return env
}

func TestEnvSentInSegments(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := &Client{Call: Call{Request: "route?loop=1", Args: []string{"1", ""}}, EnvSegments: 3, Gap: 20 * time.Millisecond}
	go func() { _, _ = c.Run(context.Background(), ln.Addr().String()) }()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var reads [][]byte
	var all []byte
	for !bytes.HasSuffix(all, []byte("\n\n")) {
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		reads = append(reads, buf[:n])
		all = append(all, buf[:n]...)
	}
	if len(reads) != 3 {
		t.Errorf("env arrived in %d reads, want 3", len(reads))
	}
	if !bytes.HasSuffix(reads[0], []byte("agi_context: default\n")) {
		t.Errorf("first segment ends %q, want it to end after agi_context", reads[0][max(0, len(reads[0])-30):])
	}
	if !bytes.Contains(all, []byte("agi_arg_2: \n\n")) {
		t.Errorf("empty last argument not sent as Asterisk does: %q", all)
	}
}
