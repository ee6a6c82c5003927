package agi

import (
	"context"
	"log/slog"
	"net"
	"slices"
)

// connLog is the logger of a connection whose environment is not known.
func (s *Server) connLog(conn net.Conn) *slog.Logger {
	return slog.New(&lazyHandler{h: s.Log.Handler(), attrs: []slog.Attr{slog.Any("remote", remoteAddr{conn})}})
}

// sessionLog is the logger of a session: its peer and its call. Numbers are
// masked: logs must not hold callers' phone numbers.
func (s *Server) sessionLog(conn net.Conn, env *Env) *slog.Logger {
	attrs := make([]slog.Attr, 4, 5)
	attrs[0] = slog.Any("remote", remoteAddr{conn})
	attrs[1] = slog.String("uniqueid", env.UniqueID)
	attrs[2] = slog.Any("channel", maskedChannel(env.Channel))
	attrs[3] = slog.String("request", env.Request)
	if env.CallerID != "" {
		attrs = append(attrs, slog.Any("caller", maskedNumber(env.CallerID)))
	}
	return slog.New(&lazyHandler{h: s.Log.Handler(), attrs: attrs})
}

// remoteAddr, maskedChannel and maskedNumber are formatted only when a
// record is written.
type (
	remoteAddr    struct{ conn net.Conn }
	maskedChannel string
	maskedNumber  string
)

func (a remoteAddr) LogValue() slog.Value { return slog.StringValue(a.conn.RemoteAddr().String()) }

func (c maskedChannel) LogValue() slog.Value { return slog.StringValue(maskChannel(string(c))) }

func (n maskedNumber) LogValue() slog.Value { return slog.StringValue(MaskNumber(string(n))) }

// lazyHandler keeps the attributes added with WithAttrs as they are and
// gives them to h only when a record is handled: a session's attributes cost
// no formatting when it writes no log line. Records come out as h writes
// them with the attributes added up front.
type lazyHandler struct {
	h     slog.Handler
	attrs []slog.Attr
}

func (l *lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.resolved().Handle(ctx, r)
}

func (l *lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return l
	}
	return &lazyHandler{h: l.h, attrs: append(slices.Clip(l.attrs), attrs...)}
}

func (l *lazyHandler) WithGroup(name string) slog.Handler {
	return l.resolved().WithGroup(name)
}

// resolved is h with the kept attributes added.
func (l *lazyHandler) resolved() slog.Handler {
	if len(l.attrs) == 0 {
		return l.h
	}
	return l.h.WithAttrs(slices.Clone(l.attrs))
}
