package esl

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// queue holds changes until a writer takes them. Agents are spread over
// shards, each with one writer that takes everything waiting for its shard
// as one batch: the busier the node, the bigger the batches and the fewer
// the round trips per event. One agent's changes keep the order they were
// read in, and only one batch per agent is ever in flight, so a batch never
// overtakes an earlier one; the store's order check still decides what is
// stale, for events FreeSWITCH itself sent out of order.
//
// Until start, changes wait without limit (events after the subscription,
// held until the snapshot is applied, for as long as the resync takes);
// after it, a shard holding limit changes makes the reader wait, and the
// wait reaches FreeSWITCH as TCP back-pressure.
type queue struct {
	shards  []*shard
	limit   int
	pending *atomic.Int64  // changes read and not yet written, for the node's status
	dropped *atomic.Uint64 // changes never written: the connection ended first
	started atomic.Bool
	seed    maphash.Seed
	done    chan struct{}
	flush   context.Context // the writers' context once done is closed
	once    sync.Once
	wg      sync.WaitGroup
}

type shard struct {
	mu      sync.Mutex
	waiting []routing.PhoneEvent
	closed  bool
	ready   chan struct{} // something to write
	room    chan struct{} // a writer took a batch
}

func newQueue(writers, limit int, pending *atomic.Int64, dropped *atomic.Uint64) *queue {
	q := &queue{shards: make([]*shard, writers), limit: limit, pending: pending, dropped: dropped,
		seed: maphash.MakeSeed(), done: make(chan struct{})}
	for i := range q.shards {
		q.shards[i] = &shard{ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
	}
	return q
}

// push queues a change; only the bridge's reader calls it.
func (q *queue) push(e routing.PhoneEvent) {
	sh := q.shards[maphash.String(q.seed, string(e.Agent))%uint64(len(q.shards))]
	for {
		sh.mu.Lock()
		if sh.closed {
			sh.mu.Unlock()
			q.dropped.Add(1)
			return
		}
		if len(sh.waiting) < q.limit || !q.started.Load() {
			sh.waiting = append(sh.waiting, e)
			sh.mu.Unlock()
			q.pending.Add(1)
			select {
			case sh.ready <- struct{}{}:
			default:
			}
			return
		}
		sh.mu.Unlock()
		select {
		case <-sh.room:
		case <-q.done:
			q.dropped.Add(1)
			return
		}
	}
}

// start runs one writer per shard until close.
func (q *queue) start(ctx context.Context, write func(context.Context, []routing.PhoneEvent)) {
	q.started.Store(true)
	for _, sh := range q.shards {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			q.drain(ctx, sh, write)
		}()
	}
}

func (q *queue) drain(ctx context.Context, sh *shard, write func(context.Context, []routing.PhoneEvent)) {
	var spare []routing.PhoneEvent
	for {
		stopping := false
		select {
		case <-sh.ready:
		case <-q.done:
			stopping, ctx = true, q.flush
		}
		for {
			if !stopping {
				select {
				case <-q.done: // what is left is written under close's deadline
					stopping, ctx = true, q.flush
				default:
				}
			}
			sh.mu.Lock()
			batch := sh.waiting
			sh.waiting = spare[:0]
			sh.mu.Unlock()
			if len(batch) == 0 {
				spare = batch
				break
			}
			select {
			case sh.room <- struct{}{}:
			default:
			}
			write(ctx, batch)
			q.pending.Add(-int64(len(batch)))
			clear(batch) // the next batch reuses the array: drop the strings
			spare = batch
		}
		if stopping {
			return
		}
	}
}

// close stops taking changes and has the writers write those already read,
// for at most within and only while ctx lasts: they are facts, and a
// feature code's status is one no resynchronisation recovers. A queue that
// never started drops its changes; the next connection resynchronises.
func (q *queue) close(ctx context.Context, within time.Duration) {
	for _, sh := range q.shards {
		sh.mu.Lock()
		sh.closed = true
		sh.mu.Unlock()
	}
	flush, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	q.once.Do(func() {
		q.flush = flush
		close(q.done)
	})
	q.wg.Wait()
	for _, sh := range q.shards {
		sh.mu.Lock()
		q.pending.Add(-int64(len(sh.waiting)))
		q.dropped.Add(uint64(len(sh.waiting)))
		sh.waiting = nil
		sh.mu.Unlock()
	}
}
