package esl

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// transcripts are FreeSWITCH 1.10's own byte streams (server to client).
func transcripts(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, _ := filepath.Glob("testdata/*.s2c.raw")
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	if len(out) == 0 {
		tb.Fatal("no transcripts in testdata")
	}
	return out
}

// TestTranscriptsParse reads every recorded stream frame by frame and
// parses every event in it.
func TestTranscriptsParse(t *testing.T) {
	for name, raw := range transcripts(t) {
		t.Run(name, func(t *testing.T) {
			r := bufio.NewReader(bytes.NewReader(raw))
			events := 0
			for {
				f, err := ReadFrame(r)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("frame after %d events: %v", events, err)
				}
				if f.Type() == TypeEventPlain || f.Type() == TypeEventJSON {
					e, err := ParseEventFrame(f)
					if err != nil || e.Name() == "" || e.Order().Seq == 0 {
						t.Fatalf("event %d: %v %+v", events, err, e.Headers)
					}
					events++
				}
			}
			if events == 0 && name != "esl-inbound-authfail.s2c.raw" && name != "esl-inbound-misc.s2c.raw" { // misc: event xml only
				t.Fatal("no events")
			}
		})
	}
}

func FuzzReadFrame(f *testing.F) {
	for _, raw := range transcripts(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		for i := 0; i < 1000; i++ {
			fr, err := ReadFrame(r)
			if err != nil {
				return
			}
			// What was read re-encodes to a frame that reads back the same.
			again, err := ReadFrame(bufio.NewReader(bytes.NewReader(fr.Bytes())))
			if err != nil || len(again.Headers) != len(fr.Headers) || !bytes.Equal(again.Body, fr.Body) {
				t.Fatalf("re-read %+v: %v", fr, err)
			}
			_, _ = ParseEventFrame(fr)
		}
	})
}

func FuzzParsePlainEvent(f *testing.F) {
	for _, body := range eventBodies(f, TypeEventPlain) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParsePlainEvent(b)
		if err == nil {
			_ = e.Order()
			_ = (&classifier{roster: fuzzRoster}).classify(e)
		}
	})
}

func FuzzParseJSONEvent(f *testing.F) {
	for _, body := range eventBodies(f, TypeEventJSON) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseJSONEvent(b)
		if err == nil {
			_ = e.Order()
			_ = (&classifier{roster: fuzzRoster, callcenter: true}).classify(e)
		}
	})
}

func eventBodies(tb testing.TB, typ string) [][]byte {
	var out [][]byte
	for _, raw := range transcripts(tb) {
		r := bufio.NewReader(bytes.NewReader(raw))
		for {
			f, err := ReadFrame(r)
			if err != nil {
				break
			}
			if f.Type() == typ {
				out = append(out, f.Body)
			}
		}
	}
	return out
}
