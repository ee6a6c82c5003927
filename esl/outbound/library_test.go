package outbound_test

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/sentralbord/sentralbord/esl"
)

// msgs collects the msg attribute of each record.
type msgs []string

func (m *msgs) Enabled(context.Context, slog.Level) bool { return true }
func (m *msgs) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "msg" {
			*m = append(*m, a.Value.String())
		}
		return true
	})
	return nil
}
func (m *msgs) WithAttrs([]slog.Attr) slog.Handler { return m }
func (m *msgs) WithGroup(string) slog.Handler      { return m }

// eslgo logs printf-style and println-style through the same methods; both
// read as one line without fmt's complaints.
func TestLibraryLoggerReadsBothStyles(t *testing.T) {
	var got msgs
	l := esl.LibraryLogger{Log: slog.New(&got)}
	l.Info("Disconnect outbound connection", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8084})
	l.Warn("Error receiving message: %s\n", "EOF")
	l.Info("Outbound server shutting down")
	l.Warn("No one to handle response\nIs the connection overloaded or stopping?\n%v\n\n", "x")
	l.Debug("Ignoring auth request on outbound connection", "a", 1)
	l.Error("100%% sure")
	want := msgs{
		"Disconnect outbound connection 127.0.0.1:8084",
		"Error receiving message: EOF",
		"Outbound server shutting down",
		"No one to handle response Is the connection overloaded or stopping? x",
		"Ignoring auth request on outbound connection a 1",
		"100% sure",
	}
	if len(got) != len(want) {
		t.Fatalf("messages %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: %q, want %q", i, got[i], want[i])
		}
	}
}
