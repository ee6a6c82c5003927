package esl

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"net/textproto"
	"net/url"
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
	for _, body := range append(eventBodies(f, TypeEventPlain), builtBodies()...) {
		f.Add(body)
	}
	// Framing corners: no blank line, CRLF, a stray CR, a short body, blank lines first.
	for _, s := range []string{"A: b", "A: b\n", "A: b\r\n\r\n", "A: b\r\nC: d\r\n\n", "A:b\rc\n\n",
		"\n\nA: b\n\n", "Content-Length: 5\n\nabc", "content-length: 3\nContent-Length: 9\n\nabc", "A: %zz%41\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParsePlainEvent(b)
		want, werr := plainByFrame(b)
		if (err == nil) != (werr == nil) {
			t.Fatalf("error %v, framing reads it with error %v", err, werr)
		}
		if err == nil && (!maps.Equal(e.Headers, want.Headers) || e.Body != want.Body) {
			t.Fatalf("parsed %+v, framing reads %+v", e, want)
		}
		if !classifiesAlike(b) {
			t.Fatalf("%q classifies differently with only the classified headers", b)
		}
		if err == nil {
			_ = e.Order()
			_ = (&classifier{roster: fuzzRoster}).classify(e)
		}
	})
}

// plainByFrame is what ParsePlainEvent must agree with: the body read as a
// frame by ReadFrame, each value URL-decoded.
func plainByFrame(body []byte) (Event, error) {
	f, err := ReadFrame(bufio.NewReader(bytes.NewReader(body)))
	if err != nil {
		return Event{}, err
	}
	e := Event{Headers: map[string]string{}, Body: string(f.Body)}
	for _, h := range f.Headers {
		v, err := url.PathUnescape(h.Value)
		if err != nil {
			v = h.Value
		}
		e.set(textproto.CanonicalMIMEHeaderKey(h.Name), v)
	}
	return e, nil
}

func FuzzParseJSONEvent(f *testing.F) {
	for _, body := range eventBodies(f, TypeEventJSON) {
		f.Add(body)
	}
	for _, s := range []string{`{}`, ` {"a" : "b" , "_body":"x","_body":"y"} trailing`, `{"a":"\u00e6\"q"}`, `{"a":1,"b":[1,2],"c":null}`,
		`{"a":"b",}`, `{"a b":"c"}`, "{\"a\":\"\xff\"}", `{"Core-UUID":"x","core-uuid":"y"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseJSONEvent(b)
		var p eventParser
		fast, ferr := p.parseJSON(b)
		if (err == nil) != (ferr == nil) || err == nil && (!maps.Equal(e.Headers, fast.Headers) || e.Body != fast.Body) {
			t.Fatalf("%q: full decoder %+v, %v; quick reader %+v, %v", b, e, err, fast, ferr)
		}
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
