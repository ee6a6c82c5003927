package fstest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadCommand: any bytes give commands or an error, never a panic or
// a loop without progress; the recorded clients' bytes parse cleanly.
func FuzzReadCommand(f *testing.F) {
	files, _ := filepath.Glob("../testdata/*.c2s.raw")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("sendmsg\ncontent-length: -1\n\n"))
	f.Add([]byte("api x\r\nContent-Length: 3\r\n\r\nabc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for range len(data) + 1 {
			c, err := ReadCommand(r)
			if err != nil {
				return
			}
			if c.Name == "" {
				t.Fatalf("command without a name: %+v", c)
			}
		}
		t.Fatal("more commands than bytes")
	})
}

func TestRecordedClientsParse(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.c2s.raw")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		r := bufio.NewReader(bytes.NewReader(b))
		var names []string
		for {
			c, err := ReadCommand(r)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			names = append(names, c.Name)
		}
		if len(names) < 2 || names[0] != "connect" {
			t.Fatalf("%s: commands %v", p, names)
		}
	}
}

// The fake's frames end exactly as FreeSWITCH's do.
func TestFakeFramesMatchTheRecording(t *testing.T) {
	s2c, err := os.ReadFile("../testdata/esl-outbound.s2c.raw")
	if err != nil {
		t.Fatal(err)
	}
	c := &Call{Channel: Channel{UUID: "2a5e2baf-329e-4c42-a831-a0328d8c45ae", Name: "loopback/9084-b"}}
	c.setup("127.0.0.1:8084")
	for _, part := range [][]byte{
		[]byte("Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n"),
		c.lingerNotice(-1),
		reply("+OK Events Enabled"),
		reply("+OK will linger"),
	} {
		if !bytes.Contains(s2c, part) {
			t.Errorf("recording lacks the fake's %q", part)
		}
	}
	if got := c.connectReply(); !bytes.HasSuffix(got, []byte("Reply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n")) {
		t.Errorf("connect reply ends %q", got[len(got)-60:])
	}
}
