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
func (f *follower) resync(ctx context.Context, b *bridge, fc *facts) error {
	t0 := time.Now()
	fc.forget()
	defer fc.forget() // the events read meanwhile may have been written before the snapshot
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
	if len(snap.status) > 0 {
		// Without an order: what the node says now applies, whatever came before.
		st := make([]routing.PhoneEvent, 0, len(snap.status))
		for a, pc := range snap.status {
			st = append(st, routing.PhoneEvent{Agent: a, Fact: routing.PhoneStatusFact, Change: pc})
		}
		if _, err := f.events.PhoneBatch(ctx, st, f.actor); err != nil {
			return err
		}
	}
	took := time.Since(t0)
	f.update(func(s *NodeStatus) { s.LastResync, s.ResyncTook = time.Now(), took })
	f.log.Debug("resynchronised", "channels", len(chans), "registrations", len(regs), "callcenter_agents", len(agents), "took", took)
	return nil
}

// receive takes each event frame on the bridge's reader, in the order the
// node sent it: it is parsed and classified there and queued for the writers.
func (f *follower) receive(q *queue, fc *facts) func(Frame) {
	var core string // the node's Core-UUID, one copy for every queued event
	p := &eventParser{keep: classified, names: map[string]headerName{}, headers: make(map[string]string, len(classified))}
	return func(fr Frame) {
		f.received.Add(1)
		defer func() {
			if r := recover(); r != nil { // a frame no parser anticipated must not end the process
				f.malformed.Add(1)
				f.log.Error("event handler panic", "panic", r)
			}
		}()
		var e Event
		var err error
		switch fr.Type() {
		case TypeEventPlain:
			e, err = p.parse(fr.Body)
		default:
			e, err = p.parseJSON(fr.Body)
		}
		if err != nil {
			f.malformed.Add(1)
			return
		}
		c := f.cls.classify(e)
		now := time.Now()
		f.lastEvent.Store(now.UnixNano())
		if !c.At.Time.IsZero() {
			f.lag.Store(int64(now.Sub(c.At.Time)))
		}
		if c.invalid != "" {
			f.log.Warn("event ignored", "event", c.what, "agent", c.Agent, "why", c.invalid)
		}
		if c.Fact == 0 {
			f.ignored.Add(1)
			return
		}
		// The event's strings are parts of its frame: copied, a queued or
		// remembered change keeps a few bytes alive instead of the frame.
		if c.At.Core != core {
			core = strings.Clone(c.At.Core)
		}
		c.At.Core, c.ID = core, strings.Clone(c.ID)
		if !fc.admit(c.PhoneEvent) {
			f.skipped.Add(1)
			return
		}
		q.push(c.PhoneEvent)
	}
}

// write records a batch of changes; a failure is logged, and the next
// resync repairs it.
func (f *follower) write(ctx context.Context, batch []routing.PhoneEvent, fc *facts) {
	r, err := f.events.PhoneBatch(ctx, batch, f.actor)
	if err != nil {
		fc.forget()
	}
	f.applied.Add(uint64(len(batch)))
	f.changed.Add(uint64(r.Changed))
	f.superseded.Add(uint64(r.Superseded))
	f.stale.Add(uint64(r.Stale))
	if err != nil {
		f.failed.Add(uint64(max(len(batch)-r.Applied-r.Stale-r.Superseded, 0)))
		if !errors.Is(err, context.Canceled) {
			f.log.Warn("events not recorded", "events", len(batch), "err", err)
		}
	}
}
