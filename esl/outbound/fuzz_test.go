package outbound

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"
)

// FuzzConn feeds arbitrary bytes to a connection as FreeSWITCH's side after
// "connect": the handshake, the relay to eslgo, the reader and the event
// queue must neither panic nor hang, and the end must be noticed.
func FuzzConn(f *testing.F) {
	for _, name := range transcripts {
		b, err := os.ReadFile("testdata/" + name + ".s2c.raw")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
	}
	f.Add([]byte("Content-Type: command/reply\nReply-Text: %2BOK%0A\nUnique-ID: x\n\nContent-Length: 99999999999\n\n"))
	f.Add([]byte("Content-Type: command/reply\nReply-Text: %2BOK%0A\nUnique-ID: x\n\nContent-Type: text/event-plain\nContent-Length: 5\n\n\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, theirs := net.Pipe()
		go func() {
			defer theirs.Close()
			buf := make([]byte, len("connect\r\n\r\n"))
			if _, err := io.ReadFull(theirs, buf); err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, theirs) }() // what our side writes
			_, _ = theirs.Write(data)
		}()
		c, err := open(ours, time.Second, slog.New(slog.DiscardHandler))
		if err != nil {
			return
		}
		defer c.end()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.MyEvents(ctx)
		for {
			if _, err := c.Next(ctx); err != nil {
				break
			}
		}
		select {
		case <-c.Hungup():
		case <-ctx.Done():
			t.Fatal("end of input not noticed")
		}
	})
}
