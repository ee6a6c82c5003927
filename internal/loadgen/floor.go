package loadgen

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/sentralbord/sentralbord/agi"
	"github.com/sentralbord/sentralbord/internal/app"
)

// Floor is the protocol floor: the same agi.Server, listener and session
// code as the service, answering every request with the same AGI commands
// the service sends (route: 13 round trips, dialresult and hangup: 2) but
// deciding nothing and touching no Redis. What a request costs above the
// floor is the switchboard's own.
type Floor struct {
	Addr   string
	srv    *agi.Server
	cancel context.CancelFunc
	done   chan error
}

// StartFloor serves the floor on a free loopback port, with the service's
// session limit and listener. fallback, when set, gives each loop's
// fallback as the service's configuration has it, so that the floor sends
// SB_FALLBACK exactly when the service does.
func StartFloor(ctx context.Context, fallback func(loop string) string) (*Floor, error) {
	ln, err := app.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("floor listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Floor{Addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	var n atomic.Int64
	f.srv = &agi.Server{Handler: agi.HandlerFunc(func(ctx context.Context, s *agi.Session) error {
		return floorRequest(ctx, s, n.Add(1), fallback)
	}), MaxConns: app.MaxSessions}
	go func() { f.done <- f.srv.Serve(ctx, ln) }()
	<-f.srv.Ready()
	return f, nil
}

// Stop ends the floor server.
func (f *Floor) Stop() {
	f.cancel()
	<-f.done
}

// floorRequest sends what the service sends for the request, with values of
// the same shape. Each made-up agent is offered once, so the client's double
// booking check stays meaningful.
func floorRequest(ctx context.Context, s *agi.Session, n int64, fallback func(string) string) error {
	set := func(k, v string) error {
		if v == "" && k != "SB_RESULT" { // the service sends no empty values
			return nil
		}
		return s.Set(ctx, k, v)
	}
	switch s.Env().Request {
	case "route":
		if err := set("SB_RESULT", ""); err != nil {
			return err
		}
		agent := fmt.Sprintf("f%09d", n)
		dial := "PJSIP/" + strconv.FormatInt(100000+n%100000, 10)
		if _, _, err := s.GetFull(ctx, "${DEVICE_STATE("+dial+")}"); err != nil {
			return err
		}
		loop := s.Env().Param("loop", 1)
		fb := ""
		if fallback != nil {
			fb = agi.SendableFallback(fallback(loop))
		}
		name := s.Env().CallerIDName
		if strings.EqualFold(s.Env().Language, "en") { // as routing names English callers
			name = strings.TrimSpace("(EN) " + name)
		}
		num := s.Env().CallerID
		if num != "" {
			num += "-111"
		}
		for _, kv := range [][2]string{
			{"SB_LOOP", loop}, {"SB_AGENT", agent}, {"SB_AGENT_NAME", "Agent " + agent},
			{"SB_DIAL", dial}, {"SB_TIMEOUT", "20"}, {"SB_CALLERID_NUM", num},
			{"SB_CALLERID_NAME", name}, {"SB_FALLBACK", fb}, {"SB_ERROR", ""}, {"SB_WAITED", ""},
		} {
			if err := set(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return set("SB_RESULT", "ok")
	default: // dialresult, hangup: these clear SB_ERROR
		if err := s.Set(ctx, "SB_ERROR", ""); err != nil {
			return err
		}
		return set("SB_RESULT", "ok")
	}
}
