package esl

import (
	"context"
	"hash/fnv"
	"sync"

	"github.com/percipia/eslgo"
)

type eslEvent = eslgo.Event

// fromLibrary converts eslgo's event: plain events arrive as MIME headers
// with URL-encoded values; eslgo leaves JSON events unparsed in the body.
func fromLibrary(ev *eslgo.Event) (Event, error) {
	if len(ev.Headers) == 0 && len(ev.Body) > 0 {
		return ParseJSONEvent(ev.Body)
	}
	e := Event{Headers: make(map[string]string, len(ev.Headers)), Body: string(ev.Body)}
	for k, vs := range ev.Headers {
		if len(vs) > 0 {
			e.Headers[k] = ev.GetHeader(k) // eslgo's GetHeader URL-decodes
		}
	}
	return e, nil
}

// queue hands changes to workers by agent: one agent's changes are applied
// one at a time in the order they were queued, different agents in
// parallel. eslgo delivers each event on its own goroutine, so queue order
// is not event order; the store's order check decides which change wins.
// Until start, changes wait in the queue (events after the subscription,
// held until the snapshot is applied).
type queue struct {
	shards []chan change
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

func newQueue(workers int) *queue {
	q := &queue{shards: make([]chan change, workers), done: make(chan struct{})}
	for i := range q.shards {
		q.shards[i] = make(chan change, 4096)
	}
	return q
}

func (q *queue) push(c change) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(c.agent))
	select {
	case q.shards[h.Sum32()%uint32(len(q.shards))] <- c:
	case <-q.done:
	}
}

func (q *queue) start(ctx context.Context, apply func(context.Context, change)) {
	for _, sh := range q.shards {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			for {
				select {
				case c := <-sh:
					apply(ctx, c)
				case <-q.done:
					return
				}
			}
		}()
	}
}

// close stops the workers; changes still queued are dropped, the next
// connection's resynchronisation covers them.
func (q *queue) close() {
	q.once.Do(func() { close(q.done) })
	q.wg.Wait()
}
