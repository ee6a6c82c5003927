package agi

import (
	"log/slog"
	"sync"
	"time"
)

// shedder decides, CoDel-style, when new route requests are refused so an
// overloaded server keeps carrying what it can. The signal is how long a
// connection waited between being accepted and having its environment
// read: near zero on a server with spare cores, growing without end when
// calls arrive faster than they are served. Latency alone is not the
// trigger (a thousand callers in a closed loop make every call slow
// without any backlog); a wait that stays above the target for a whole
// interval is. While it does, requests outside Unlimited are closed at
// once, before any Redis work, and the dialplan takes its fallback; the
// releases that free agents are always served.
type shedder struct {
	target, interval time.Duration
	log              *slog.Logger

	mu         sync.Mutex
	aboveSince time.Time // when the wait first stayed above target; zero when below
	shedding   bool
	refused    int       // since the last log line
	logged     time.Time // last log line
}

// observe records a connection's wait and says whether its request must be
// refused (when it is not one of the always-served ones).
func (c *shedder) observe(now time.Time, wait time.Duration) bool {
	if c == nil || c.target <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case wait < c.target:
		if c.shedding {
			c.log.Info("agi backlog cleared; routes served again", "refused", c.refused)
			c.refused = 0
		}
		c.aboveSince, c.shedding = time.Time{}, false
	case c.aboveSince.IsZero():
		c.aboveSince = now
	case !c.shedding && now.Sub(c.aboveSince) >= c.interval:
		c.shedding = true
		c.log.Warn("agi backlog: routes are refused until it clears; the dialplan falls back",
			"wait", wait.Round(time.Millisecond), "target", c.target)
	}
	return c.shedding
}

// refuse counts a refused request and logs the count once a second, so a
// flood of refusals does not become a flood of log lines.
func (c *shedder) refuse(now time.Time, request string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused++
	if now.Sub(c.logged) >= time.Second {
		c.log.Warn("agi backlog: requests refused", "request", request, "refused", c.refused)
		c.logged = now
	}
}
