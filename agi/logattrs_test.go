package agi

import (
	"bytes"
	"log/slog"
	"net"
	"regexp"
	"testing"
)

// A session's logger writes what the handler would with the attributes
// added eagerly, masked the same way.
func TestLazyAttrsWriteAsEager(t *testing.T) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, opts) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, opts) },
	}
	server, _ := tcpPair(t)
	env := &Env{UniqueID: "1795840350.1", Channel: "PJSIP/90595313-00000004", Request: "route", CallerID: "+4790595313"}
	for name, mk := range handlers {
		var eager, lazy bytes.Buffer
		e := slog.New(mk(&eager)).With("remote", server.RemoteAddr().String(),
			"uniqueid", env.UniqueID, "channel", maskChannel(env.Channel), "request", env.Request,
			"caller", MaskNumber(env.CallerID))
		l := (&Server{Log: slog.New(mk(&lazy))}).sessionLog(server, env)
		for _, lg := range []*slog.Logger{e, l} {
			lg.Debug("not written")
			lg.Info("first", "n", 1)
			lg = lg.With("agent", "a1")
			lg.Warn("second", "err", net.ErrClosed)
			lg.WithGroup("g").With("k", "v").Error("third", "x", 2)
		}
		if got, want := stripTime(lazy.String()), stripTime(eager.String()); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		if bytes.Contains(lazy.Bytes(), []byte("90595313")) {
			t.Errorf("%s: number not masked: %s", name, lazy.String())
		}
	}
}

var timeField = regexp.MustCompile(`(time=|"time":)("[^"]*"|\S+)`)

func stripTime(s string) string { return timeField.ReplaceAllString(s, "") }

// The connection's logger carries the peer.
func TestConnLog(t *testing.T) {
	server, _ := tcpPair(t)
	var b bytes.Buffer
	(&Server{Log: slog.New(slog.NewTextHandler(&b, nil))}).connLog(server).Info("x")
	if want := "remote=" + server.RemoteAddr().String(); !bytes.Contains(b.Bytes(), []byte(want)) {
		t.Errorf("%q lacks %q", b.String(), want)
	}
}
