package calendar

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Syncer fetches every configured calendar and stores the result.
type Syncer struct {
	Store   *Store
	Sources []Source
	Rules   Rules
	HTTP    *http.Client // for ICS feeds
	Graph   *Graph       // nil when no agent uses Graph
	Log     *slog.Logger
	// Interval is how often calendars are fetched; Days how far ahead.
	Interval time.Duration
	Days     int
	// Workers bounds how many feeds are fetched at once.
	Workers int

	mu     sync.Mutex
	failed map[routing.AgentID]bool // agents whose last fetch failed, to log a failure once
}

// Result is the outcome of syncing one agent's calendar.
type Result struct {
	Agent   routing.AgentID `json:"agent"`
	Source  string          `json:"source"`
	Entries int             `json:"entries"`
	Busy    int             `json:"busy"`
	Error   string          `json:"error,omitempty"`
}

// Run fetches every Interval while ctx lives. Each round first takes the
// Redis lock for most of an interval, so across instances one fetch runs
// per interval and a crashed holder only delays the next round.
func (y *Syncer) Run(ctx context.Context) {
	for {
		y.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(y.Interval):
		}
	}
}

func (y *Syncer) round(ctx context.Context) {
	ttl := y.Interval * 9 / 10
	rctx, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()
	if _, err := y.Store.lock(rctx, token(), ttl); err != nil {
		if !errors.Is(err, ErrLocked) && ctx.Err() == nil {
			y.log().Warn("calendar sync skipped", "err", err)
		}
		return
	}
	start := time.Now()
	res := y.Sync(rctx, nil)
	bad := 0
	for _, r := range res {
		if r.Error != "" {
			bad++
		}
	}
	y.log().Debug("calendars synced", "agents", len(res), "failed", bad, "took", time.Since(start).Round(time.Millisecond))
}

func token() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sync fetches the calendars of agents (all when empty) now, without the
// lock, and returns one Result per agent in source order.
func (y *Syncer) Sync(ctx context.Context, agents []routing.AgentID) []Result {
	var srcs []Source
	for _, s := range y.Sources {
		if len(agents) == 0 || containsAgent(agents, s.Agent) {
			srcs = append(srcs, s)
		}
	}
	from, to := window(y.Store.Now(), y.Rules.zone(), max(y.Days, 1))
	res := make([]Result, len(srcs))
	var graph []int
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(y.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				es, err := y.fetchICS(ctx, srcs[i], from, to)
				res[i] = y.store(ctx, srcs[i], from, to, es, err)
			}
		}()
	}
	for i, s := range srcs {
		if s.Kind == KindGraph {
			graph = append(graph, i)
			continue
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if len(graph) > 0 {
		y.syncGraph(ctx, srcs, graph, from, to, res)
	}
	return res
}

func (y *Syncer) fetchICS(ctx context.Context, src Source, from, to time.Time) ([]Entry, error) {
	hc := y.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	data, err := readICS(ctx, hc, src)
	if err != nil {
		return nil, err
	}
	return ParseICS(data, from, to, y.Rules)
}

func (y *Syncer) syncGraph(ctx context.Context, srcs []Source, idx []int, from, to time.Time, res []Result) {
	if y.Graph == nil {
		for _, i := range idx {
			res[i] = y.store(ctx, srcs[i], from, to, nil, errors.New("no Graph credentials configured (calendar.graph)"))
		}
		return
	}
	boxes := make([]string, len(idx))
	for k, i := range idx {
		boxes[k] = srcs[i].Where
	}
	got, bad := y.Graph.Fetch(ctx, boxes, from, to)
	for _, i := range idx {
		key := strings.ToLower(srcs[i].Where)
		res[i] = y.store(ctx, srcs[i], from, to, got[key], bad[key])
	}
}

// store saves a fetch, or records its failure and logs it once per outage.
func (y *Syncer) store(ctx context.Context, src Source, from, to time.Time, es []Entry, ferr error) Result {
	r := Result{Agent: src.Agent, Source: src.String(), Entries: len(es)}
	for _, e := range es {
		if e.Busy {
			r.Busy++
		}
	}
	if ferr != nil {
		r.Error = ferr.Error()
		if err := y.Store.Fail(ctx, src.Agent, string(src.Kind), r.Error); err != nil {
			r.Error += "; " + err.Error()
		}
		if y.mark(src.Agent, true) {
			y.log().Error("calendar fetch failed; keeping the last good data and marking it stale",
				"agent", src.Agent, "source", src.String(), "err", ferr)
		}
		return r
	}
	if err := y.Store.Save(ctx, src.Agent, string(src.Kind), from, to, es); err != nil {
		r.Error = err.Error()
		return r
	}
	if y.mark(src.Agent, false) {
		y.log().Info("calendar fetch works again", "agent", src.Agent, "source", src.String())
	}
	return r
}

// mark records whether agent's fetch failed and reports a change.
func (y *Syncer) mark(agent routing.AgentID, failed bool) bool {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.failed == nil {
		y.failed = map[routing.AgentID]bool{}
	}
	was := y.failed[agent]
	y.failed[agent] = failed
	return was != failed
}

func (y *Syncer) log() *slog.Logger {
	if y.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return y.Log
}

func containsAgent(list []routing.AgentID, a routing.AgentID) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}
