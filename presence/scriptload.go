package presence

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scriptLoads lets one caller load a script Redis does not have (first use,
// a restart, a failover) while the others that noticed at the same moment
// wait for it. go-redis's Script.Run answers NOSCRIPT with EVAL, and every
// EVAL compiles the script again: a few hundred calls arriving together
// after a failover kept Redis busy compiling for a third of a second, at
// the moment it was most needed.
type scriptLoads struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (l *scriptLoads) load(ctx context.Context, c redis.Scripter, sc *redis.Script) error {
	l.mu.Lock()
	if ch, ok := l.m[sc.Hash()]; ok {
		l.mu.Unlock()
		select {
		case <-ch:
			return nil // the caller retries; a failed load shows as NOSCRIPT again
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if l.m == nil {
		l.m = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	l.m[sc.Hash()] = ch
	l.mu.Unlock()
	err := sc.Load(ctx, c).Err()
	l.mu.Lock()
	delete(l.m, sc.Hash())
	l.mu.Unlock()
	close(ch)
	return err
}

// evalSha runs sc by its hash, loading it once when Redis has lost it.
func (l *scriptLoads) evalSha(ctx context.Context, c redis.Scripter, sc *redis.Script, keys []string, argv ...any) *redis.Cmd {
	cmd := sc.EvalSha(ctx, c, keys, argv...)
	if !redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		return cmd
	}
	if err := l.load(ctx, c, sc); err != nil {
		return cmd
	}
	return sc.EvalSha(ctx, c, keys, argv...)
}
