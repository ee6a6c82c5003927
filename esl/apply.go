package esl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/sentralbord/sentralbord/routing"
)

// api runs one api command through eslgo under the command timeout.
func (f *follower) api(ctx context.Context, b *bridge, cmd string) (body string, err error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.CommandTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil { // the library, on a connection being torn down
			err = fmt.Errorf("api %s: %v", cmd, r)
		}
	}()
	name, args, _ := strings.Cut(cmd, " ")
	resp, err := b.esl.SendCommand(ctx, command.API{Command: name, Arguments: args})
	if err != nil {
		return "", fmt.Errorf("api %s: %w", name, err)
	}
	return string(resp.Body), nil
}

func (f *follower) subscribe(ctx context.Context, b *bridge) error {
	ctx, cancel := context.WithTimeout(ctx, f.opts.CommandTimeout)
	defer cancel()
	resp, err := b.esl.SendCommand(ctx, command.Event{Format: f.opts.Format, Listen: Subscription})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if !resp.IsOk() {
		return fmt.Errorf("subscribe: %s", short(resp.GetReply()))
	}
	return nil
}

// resync asks the node what is true now and replaces what it said before.
func (f *follower) resync(ctx context.Context, b *bridge) error {
	t0 := time.Now()
	body, err := f.api(ctx, b, queryChannels)
	if err != nil {
		return err
	}
	chans, err := rows(body)
	if err != nil {
		return fmt.Errorf("channels: %w", err)
	}
	var regs []map[string]string
	if f.node.Registrations {
		if body, err = f.api(ctx, b, queryRegistrations); err != nil {
			return err
		}
		if regs, err = rows(body); err != nil {
			return fmt.Errorf("registrations: %w", err)
		}
	}
	var agents []ccAgent
	if f.node.Callcenter {
		if body, err = f.api(ctx, b, queryAgents); err != nil {
			return err
		}
		if agents, err = ccAgents(body); err != nil {
			return fmt.Errorf("callcenter agents: %w", err)
		}
	}
	snap := f.cls.snapshot(chans, regs, agents, f.node.Registrations)
	if err := f.events.PhoneResync(ctx, f.node.Name, snap.list(f.cls.roster), f.actor); err != nil {
		return err
	}
	for a, pc := range snap.status {
		if _, err := f.events.PhoneStatus(ctx, a, pc, routing.EventOrder{}, f.actor); err != nil {
			return err
		}
	}
	took := time.Since(t0)
	f.update(func(s *NodeStatus) { s.LastResync, s.ResyncTook = time.Now(), took })
	f.log.Debug("resynchronised", "channels", len(chans), "registrations", len(regs), "callcenter_agents", len(agents), "took", took)
	return nil
}

// receive is eslgo's listener: it runs on a goroutine of its own per event.
func (f *follower) receive(q *queue) func(*eslEvent) {
	return func(ev *eslEvent) {
		defer func() {
			if r := recover(); r != nil {
				f.log.Error("event handler panic", "panic", r)
			}
		}()
		e, err := fromLibrary(ev)
		if err != nil {
			f.update(func(s *NodeStatus) { s.Malformed++ })
			return
		}
		c := f.cls.classify(e)
		f.update(func(s *NodeStatus) {
			s.Received++
			s.LastEvent = time.Now()
			if !c.order.Time.IsZero() {
				s.Lag = time.Since(c.order.Time)
			}
		})
		if c.invalid != "" {
			f.log.Warn("event ignored", "event", c.what, "agent", c.agent, "why", c.invalid)
		}
		if c.kind == kindNone {
			return
		}
		q.push(c)
	}
}

// apply records one change; a failure is logged, and the next resync repairs it.
func (f *follower) apply(ctx context.Context, c change) {
	var changed bool
	var err error
	switch c.kind {
	case kindCall:
		changed, err = f.events.PhoneCall(ctx, c.agent, c.id, c.up, c.order, f.actor)
	case kindReg:
		changed, err = f.events.PhoneRegistration(ctx, c.agent, c.id, c.up, c.order, f.actor)
	case kindStatus:
		changed, err = f.events.PhoneStatus(ctx, c.agent, c.status, c.order, f.actor)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		f.log.Warn("event not recorded", "event", c.what, "agent", c.agent, "err", err)
	}
	f.update(func(s *NodeStatus) {
		s.Applied++
		if changed {
			s.Changed++
		}
		if err != nil {
			s.Failed++
		}
	})
}
