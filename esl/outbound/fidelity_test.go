package outbound_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
)

// The fake FreeSWITCH answers the commands of every recorded real call the
// way FreeSWITCH did: the same frames in the same order, each event with
// the same header names in the same order (its variables included), and
// the same values where a client reads them. The recorded service's
// commands are sent to the fake as they were; the fake's agents do what
// the test bed's did (agent-noanswer rings, agent-busy is busy,
// agent-answer answers), and the caller hangs up when the recording says.
func TestFakeAnswersLikeRealFreeSWITCH(t *testing.T) {
	files, _ := filepath.Glob("../../dialplan/freeswitch/testdata/real-*.txt")
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := readTranscript(b)
			if err != nil {
				t.Fatal(err)
			}
			fake(t, steps)
		})
	}
}

// Variables of the recorded channel the fake does not keep: the keys the
// caller pressed in the IVR.
var notKept = []string{"variable_digits_dialed"}

// Values compared besides the header names: what clients read.
var compared = []string{
	"Event-Name", "Event-Calling-File", "Event-Calling-Function", "Event-Calling-Line-Number",
	"Channel-State", "Channel-Call-State", "Channel-State-Number", "Channel-Name", "Unique-ID", "Answer-State",
	"Hangup-Cause", "Caller-Caller-ID-Number", "Caller-Destination-Number", "Application", "Application-Data",
	"Application-Response", "Application-UUID", "Other-Type", "Other-Leg-Caller-ID-Number", "Bridge-A-Unique-ID",
	"variable_DIALSTATUS", "variable_originate_disposition", "variable_current_application",
	"variable_current_application_data", "variable_current_application_response", "variable_socket_resume",
	"variable_sb_result", "variable_hangup_cause", "Reply-Text", "Content-Type", "Socket-Mode", "Control",
	"Content-Disposition", "Linger-Time",
}

func fake(t *testing.T, steps []step) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := &fstest.Call{Channel: channelOf(t, steps[1].frame), Bridge: func(arg string) fstest.Outcome {
		switch {
		case strings.Contains(arg, "agent-noanswer"):
			return fstest.Outcome{} // no answer before the ring timeout
		case strings.Contains(arg, "agent-busy"):
			return fstest.Outcome{DialStatus: "BUSY", Disposition: "USER_BUSY"}
		}
		return fstest.Outcome{Answer: true}
	}}
	// A recording where the agent never answers before the caller hangs up
	// needs the agent to ring on.
	for _, st := range steps {
		if st.fromFS && !st.eof && frameName(st.frame) == "CHANNEL_HANGUP" {
			c.Bridge = ringsOn(c.Bridge)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	started := make(chan error, 1)
	go func() { started <- c.Start(ctx, ln.Addr().String()) }()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	r := bufio.NewReader(nc)
	// The socket application's argument names the recorded address.
	at := strings.NewReplacer(strings.ReplaceAll(ln.Addr().String(), ":", "%3A"), "127.0.0.1%3A8084", ln.Addr().String(), "127.0.0.1:8084")
	hungUp, bridges := false, 0
	var pending []esl.Frame // the fake's frames read ahead
	next := func() esl.Frame {
		if len(pending) > 0 {
			f := pending[0]
			pending = pending[1:]
			return f
		}
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := esl.ReadFrame(r)
		if err != nil {
			t.Fatalf("reading the fake: %v", err)
		}
		return f
	}
	for i, st := range steps {
		switch {
		case !st.fromFS && st.eof:
			_ = nc.(*net.TCPConn).CloseWrite()
		case !st.fromFS:
			if st.command.Name == "sendmsg" && st.command.Headers["call-command"] == "hangup" {
				hungUp = true
			}
			if st.command.Headers["execute-app-name"] == "bridge" {
				bridges++
			}
			if _, err := nc.Write(st.command.Raw); err != nil {
				t.Fatal(err)
			}
			if st.command.Name == "connect" {
				if err := <-started; err != nil {
					t.Fatal(err)
				}
			}
		case st.eof:
			_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if f, err := esl.ReadFrame(r); err == nil || len(pending) > 0 {
				t.Fatalf("step %d: the fake should close; it sent %s", i, frameName(f))
			}
		default:
			want := frameName(st.frame)
			switch {
			case want == "CHANNEL_HANGUP" && !hungUp:
				hungUp = true
				// The caller hangs up (uuid_kill), while the agent rings.
				if !until(5*time.Second, func() bool { return len(c.Bridges()) == bridges }) {
					t.Fatalf("step %d: %d bridges started, want %d", i, len(c.Bridges()), bridges)
				}
				go c.Hangup()
			case want == "CHANNEL_UNBRIDGE" && !hungUp:
				c.EndBridge() // the agent hangs up
			}
			got := next()
			if frameName(got) == "CHANNEL_PARK" && want != "CHANNEL_PARK" {
				got = next() // FreeSWITCH sends it only when myevents came first
			}
			// The linger notice and CHANNEL_HANGUP_COMPLETE come in
			// either order from FreeSWITCH.
			if want == esl.TypeDisconnect && frameName(got) == "CHANNEL_HANGUP_COMPLETE" {
				held := got
				got = next()
				pending = append(pending, held)
			}
			if diff := frameDiff(st.frame, got, at); diff != "" {
				t.Fatalf("step %d: %s (the fake sent %s)\n%s", i, want, frameName(got), diff)
			}
		}
	}
}

// ringsOn makes unanswered agents ring until the caller hangs up.
func ringsOn(b func(string) fstest.Outcome) func(string) fstest.Outcome {
	return func(arg string) fstest.Outcome {
		o := b(arg)
		if !o.Answer && o.DialStatus == "" {
			o.Ring = time.Hour
		}
		return o
	}
}

// channelOf is the recorded caller as the fake's Channel: the caller
// profile, and every variable the dialplan set, in its order.
func channelOf(t *testing.T, f esl.Frame) fstest.Channel {
	data := frameEvent(t, f)
	ch := fstest.Channel{
		UUID: data.Get("Unique-ID"), Name: data.Get("Channel-Name"), CallerNumber: data.Get("Caller-Caller-ID-Number"),
		CallerName: data.Get("Caller-Caller-ID-Name"), Destination: data.Get("Caller-Destination-Number"),
		Answered: data.Get("Answer-State") == "answered", Context: data.Get("Caller-Context"),
		CalleeName: data.Get("Caller-Callee-ID-Name"), CalleeNumber: data.Get("Caller-Callee-ID-Number"),
		TransferSource: data.Get("Caller-Transfer-Source"), RDNIS: data.Get("Caller-RDNIS"), Vars: map[string]string{},
	}
	for _, h := range f.Headers {
		k, ok := strings.CutPrefix(h.Name, "variable_")
		if !ok || slices.Contains([]string{"current_application", "current_application_data", "socket_host"}, k) {
			continue
		}
		v, err := url.PathUnescape(h.Value)
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		ch.Vars[k] = v
		ch.VarOrder = append(ch.VarOrder, k)
	}
	return ch
}

// rawHeaders are a frame's header lines as sent: an event's from its
// body, values still encoded.
func rawHeaders(f esl.Frame) []esl.Header {
	if f.Type() != esl.TypeEventPlain {
		return f.Headers
	}
	var h []esl.Header
	for _, line := range strings.Split(strings.TrimRight(string(f.Body), "\n"), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		h = append(h, esl.Header{Name: k, Value: v})
	}
	return h
}

// frameDiff says how got differs from the recorded want, "" if it does not.
func frameDiff(want, got esl.Frame, at *strings.Replacer) string {
	if want.Type() != got.Type() {
		return fmt.Sprintf("frame type %q, want %q", got.Type(), want.Type())
	}
	if want.Type() == esl.TypeAPIResponse || want.Type() == esl.TypeDisconnect {
		if string(want.Body) != string(got.Body) {
			return fmt.Sprintf("body %q, want %q", got.Body, want.Body)
		}
	}
	wh, gh := rawHeaders(want), rawHeaders(got)
	wh = slices.DeleteFunc(wh, func(h esl.Header) bool { return slices.Contains(notKept, h.Name) })
	names := func(h []esl.Header) []string {
		var n []string
		for _, x := range h {
			n = append(n, x.Name)
		}
		return n
	}
	if w, g := names(wh), names(gh); !slices.Equal(w, g) {
		return "header names differ:\n" + lineDiff(w, g)
	}
	for i := range wh {
		if wh[i].Name == "Application-UUID" && slices.Contains(wh, esl.Header{Name: "Application", Value: "socket"}) {
			continue // FreeSWITCH's own id for the dialplan's socket application
		}
		if slices.Contains(compared, wh[i].Name) && wh[i].Value != at.Replace(gh[i].Value) {
			w, _ := url.PathUnescape(wh[i].Value)
			return fmt.Sprintf("%s: %q, want %q (%s)", wh[i].Name, gh[i].Value, wh[i].Value, w)
		}
	}
	return ""
}

// lineDiff shows where two lists part.
func lineDiff(want, got []string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-3)
	return fmt.Sprintf("  same up to %d; want …%q\n  got …%q", i, want[from:min(len(want), i+6)], got[from:min(len(got), i+6)])
}
