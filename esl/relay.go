package esl

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Pieces shared by the code that relays a FreeSWITCH connection to eslgo
// over a loopback socket it owns at one end (the inbound bridge, the
// outbound server's relay). eslgo must never read EOF there: its receive
// loop then signals a disconnect on a channel its Close closes, without a
// lock (its issue #46), a panic no caller can recover.

// LibraryStopFrame ends eslgo's receive loop without the EOF path: its
// Content-Length is not a number, so the loop stops on a parse error.
const LibraryStopFrame = "Content-Length: stop\n\n"

// StopLibrary writes LibraryStopFrame to the library's side of a relay,
// then closes it. The caller must hold whatever lock keeps its own frames
// whole, so the stop frame is never written inside another frame.
func StopLibrary(conn net.Conn) {
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write([]byte(LibraryStopFrame))
	_ = conn.Close()
}

// Reply is a command/reply frame with text as its Reply-Text, for a relay
// that answers a library command itself.
func Reply(text string) []byte {
	return []byte("Content-Type: " + TypeReply + "\nReply-Text: " + text + "\n\n")
}

// LibraryLogger sends eslgo's messages to slog at debug level: what
// matters is logged by our own code, with the call's context. eslgo calls
// its logger both printf-style ("Error receiving message: %s\n", err) and
// println-style ("Disconnect outbound connection", addr): arguments without
// a verb for them are appended, separated by spaces, instead of fmt's
// %!(EXTRA …) note; its line breaks become spaces, one message a line.
type LibraryLogger struct{ Log *slog.Logger }

func (l LibraryLogger) log(f string, a []any) {
	if l.Log != nil {
		l.Log.Debug("eslgo", "msg", libraryMessage(f, a))
	}
}

func libraryMessage(f string, a []any) string {
	n := min(verbs(f), len(a))
	msg := strings.ReplaceAll(f, "%%", "%")
	if n > 0 {
		msg = fmt.Sprintf(f, a[:n]...)
	}
	if rest := a[n:]; len(rest) > 0 {
		msg += " " + strings.TrimSuffix(fmt.Sprintln(rest...), "\n")
	}
	return strings.Join(strings.Fields(msg), " ")
}

// verbs counts the arguments f's verbs take: one each, one more for a *
// width or precision, none for %%.
func verbs(f string) int {
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		for i++; i < len(f); i++ {
			c := f[i]
			if c == '%' && f[i-1] == '%' {
				break
			}
			if c == '*' {
				n++
				continue
			}
			if strings.IndexByte("+-# 0123456789.[]", c) < 0 {
				n++
				break
			}
		}
	}
	return n
}

// Debug logs at debug level.
func (l LibraryLogger) Debug(f string, a ...any) { l.log(f, a) }

// Info logs at debug level.
func (l LibraryLogger) Info(f string, a ...any) { l.log(f, a) }

// Warn logs at debug level.
func (l LibraryLogger) Warn(f string, a ...any) { l.log(f, a) }

// Error logs at debug level.
func (l LibraryLogger) Error(f string, a ...any) { l.log(f, a) }
