package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/presence"
)

// measure waits for the node to start sending and for Redis to hold the
// state its events make.
func (b *ESLBench) measure(ctx context.Context, o ESLOptions, node *json.Decoder, l *esl.Listener, store *presence.Store) (ESLReport, error) {
	var started, sent eslNodeLine
	if err := node.Decode(&started); err != nil {
		return ESLReport{}, fmt.Errorf("esl node: %w", err)
	}
	if err := node.Decode(&sent); err != nil {
		return ESLReport{}, fmt.Errorf("esl node: %w", err)
	}
	rep := ESLReport{Events: sent.Sent, Ignored: sent.Ignored, Sending: sent.Sending}
	if sent.Sent > 0 {
		rep.NodeCPUPerEvent = sent.CPU / time.Duration(sent.Sent)
	}
	end, wrong, err := settle(ctx, o.Settle, l, store, sent.Expect, sent.Sent)
	rep.Elapsed, rep.Mismatches, rep.Listener = end.Sub(time.Unix(0, started.Start)), wrong, l.Statuses()[0]
	return rep, err
}

// settle waits until the listener has handled every event sent, then
// checks that every agent's state in Redis is what the events make of it,
// and returns when the listener was seen done. The listener counts an event
// handled once its batch is written, so the state is in Redis by then. With
// agents still wrong it waits for more progress, and gives up after three
// seconds without any (returning when there last was some) or after within.
func settle(ctx context.Context, within time.Duration, l *esl.Listener, store *presence.Store, want []ESLExpect, sent int) (time.Time, []string, error) {
	deadline := time.Now().Add(within)
	var last esl.NodeStatus
	lastMove, checked := time.Now(), false
	for {
		s := l.Statuses()[0]
		if s.Received != last.Received || s.Applied != last.Applied || s.Skipped != last.Skipped {
			last, lastMove, checked = s, time.Now(), false
		}
		if done := s.Received >= uint64(sent) && s.Settled(); done && !checked {
			at := time.Now()
			wrong, err := mismatches(ctx, store, want)
			if err != nil {
				return at, nil, fmt.Errorf("read agent states: %w", err)
			}
			if len(wrong) == 0 {
				return at, nil, nil
			}
			checked = true // again after more progress
			if time.Since(lastMove) > 3*time.Second {
				return lastMove, wrong, nil
			}
		}
		if time.Now().After(deadline) || checked && time.Since(lastMove) > 3*time.Second {
			wrong, err := mismatches(ctx, store, want)
			if err == nil && len(wrong) == 0 {
				return time.Now(), nil, nil
			}
			if s.Received < uint64(sent) {
				return time.Now(), wrong, fmt.Errorf("the listener read %d of %d events", s.Received, sent)
			}
			return lastMove, wrong, err
		}
		select {
		case <-ctx.Done():
			return time.Now(), nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}
