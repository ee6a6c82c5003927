package outbound

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/routing"
)

// bridge rings the claimed agent and reports the outcome to the router: an
// answer the moment the channel is bridged (CHANNEL_BRIDGE), anything else
// when the bridge application completes. It returns once the bridge is over:
// answered and ended, or unanswered.
func (cl *call) bridge(ctx context.Context, dec routing.Decision) (bool, error) {
	a := dec.Agent
	log := cl.log.With("agent", a.ID)
	if a.FreeSWITCHDial == "" {
		return false, fmt.Errorf("agent %s has no FreeSWITCH dial string", a.ID)
	}
	arg := BridgeArg(dec)
	var id string
	err := cl.cmd(ctx, func(c context.Context) (err error) { id, err = cl.c.Execute(c, "bridge", arg); return err })
	if err != nil {
		return false, err
	}
	log.Debug("ringing agent", "loop", dec.Loop.ID, "ring_timeout", dec.Loop.RingTimeout)
	answered := false
	for {
		e, err := cl.c.Next(ctx)
		if err != nil {
			return answered, fmt.Errorf("bridge: %w", ErrHangup)
		}
		if u := e.Get("Unique-ID"); u != "" && u != cl.c.UUID() {
			continue
		}
		switch e.Name() {
		case "CHANNEL_BRIDGE":
			if answered {
				continue
			}
			answered = true
			if err := cl.dialResult(ctx, a.ID, routing.DialAnswer); err != nil {
				log.Error("recording the answer failed", "err", err)
			} else {
				log.Debug("agent answered")
			}
		case "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE":
			return answered, ErrHangup
		case "CHANNEL_EXECUTE_COMPLETE":
			if e.Get("Application-UUID") != id {
				continue
			}
			if answered {
				return true, nil
			}
			st := DialStatusOf(e)
			if err := cl.dialResult(ctx, a.ID, st); err != nil {
				return false, err
			}
			log.Info("agent did not answer; trying the next agent", "status", st)
			return false, nil
		}
	}
}

func (cl *call) dialResult(ctx context.Context, agent routing.AgentID, st routing.DialStatus) error {
	_, err, _ := within(ctx, cl.rt.budget(), nil, cl.log, func(c context.Context) (struct{}, error) {
		return struct{}{}, cl.rt.Router.DialResultFrom(c, routing.SourceFreeSWITCH, cl.id, agent, st)
	})
	return err
}

// hangupAfterBridge ends the caller's channel once the agent hung up.
func (cl *call) hangupAfterBridge(ctx context.Context) {
	if cl.hungUp() {
		return
	}
	if err := cl.cmd(ctx, func(c context.Context) error { return cl.c.Hangup(c, "NORMAL_CLEARING") }); err != nil {
		cl.log.Debug("hanging up after the bridge failed", "err", err)
	}
}

// BridgeArg is the bridge application's argument: the agent's dial string
// with the ring timeout, the tagged caller ID and the caller's name.
func BridgeArg(dec routing.Decision) string {
	secs := int(math.Ceil(dec.Loop.RingTimeout.Seconds()))
	vars := []string{"sb_agent=" + varValue(string(dec.Agent.ID))}
	if secs > 0 {
		s := strconv.Itoa(secs)
		vars = append(vars, "call_timeout="+s, "originate_timeout="+s)
	}
	if dec.CallerIDNumber != "" {
		vars = append(vars, "origination_caller_id_number="+varValue(dec.CallerIDNumber))
	}
	if dec.CallerName != "" {
		vars = append(vars, "origination_caller_id_name="+varValue(dec.CallerName))
	}
	return "{" + strings.Join(vars, ",") + "}" + dec.Agent.FreeSWITCHDial
}

// varValue makes a value safe inside {…}: quoted when it has spaces, with
// the characters that would end it removed.
func varValue(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ',', '{', '}', '[', ']', '\'', '\n', '\r', '|', ':':
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(s, " \t=") {
		return "'" + s + "'"
	}
	return s
}

// DialStatusOf maps a completed bridge onto a dial status: FreeSWITCH's
// DIALSTATUS when it is one routing knows, else originate_disposition;
// unknown outcomes count as no answer (frees the agent, marks them tried).
func DialStatusOf(e esl.Event) routing.DialStatus {
	switch strings.ToUpper(e.Get("variable_DIALSTATUS")) {
	case "BUSY":
		return routing.DialBusy
	case "NOANSWER":
		return routing.DialNoAnswer
	case "CANCEL":
		return routing.DialCancel
	case "CONGESTION":
		return routing.DialCongestion
	case "CHANUNAVAIL":
		return routing.DialChanUnavail
	}
	switch strings.ToUpper(e.Get("variable_originate_disposition")) {
	case "USER_BUSY", "CALL_REJECTED":
		return routing.DialBusy
	case "ORIGINATOR_CANCEL":
		return routing.DialCancel
	case "USER_NOT_REGISTERED", "SUBSCRIBER_ABSENT", "UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION":
		return routing.DialChanUnavail
	case "NORMAL_TEMPORARY_FAILURE", "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER":
		return routing.DialCongestion
	}
	return routing.DialNoAnswer
}

var errNoCallbacks = errors.New("callbacks not configured")
