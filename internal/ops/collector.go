package ops

import (
	"context"
	"encoding/json"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/routing"
)

// Collector reports, at each scrape, what Redis holds now: callers waiting,
// agents by state, calendar freshness and event-socket nodes.
type Collector struct {
	Source *Source
	// Calendars, when set, reads the calendar of every agent that has one.
	Calendars *calendar.Store
	Agents    []routing.AgentID // agents with a calendar source
	// Nodes, when set, returns each event-socket node's status (JSON
	// esl.NodeStatus), as presence.Store.NodeStatuses does.
	Nodes   func(ctx context.Context) (map[string][]byte, error)
	Timeout time.Duration // per scrape (2s)
}

var (
	descUp       = prometheus.NewDesc("sentralbord_redis_up", "1 when Redis answered this scrape.", nil, nil)
	descWaiting  = prometheus.NewDesc("sentralbord_callers_waiting", "Callers waiting in line, by loop.", []string{"loop"}, nil)
	descLongest  = prometheus.NewDesc("sentralbord_longest_wait_seconds", "How long the first caller in line has waited, by loop.", []string{"loop"}, nil)
	descAgents   = prometheus.NewDesc("sentralbord_agents", "Members of each loop by state.", []string{"loop", "state"}, nil)
	descCalAge   = prometheus.NewDesc("sentralbord_calendar_sync_age_seconds", "Age of the oldest good calendar fetch among agents with a calendar (never fetched counts from the Unix epoch).", nil, nil)
	descCalFail  = prometheus.NewDesc("sentralbord_calendar_failing", "Agents whose last calendar fetch failed.", nil, nil)
	descESLUp    = prometheus.NewDesc("sentralbord_esl_connected", "1 when the event socket of a FreeSWITCH node is connected.", []string{"node"}, nil)
	descESLLag   = prometheus.NewDesc("sentralbord_esl_event_lag_seconds", "Delay of the last event from a FreeSWITCH node.", []string{"node"}, nil)
	descESLRecon = prometheus.NewDesc("sentralbord_esl_reconnects", "Reconnections to a FreeSWITCH node since the listener started.", []string{"node"}, nil)
)

// Describe sends the descriptors.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descWaiting, descLongest, descAgents, descCalAge, descCalFail, descESLUp, descESLLag, descESLRecon} {
		ch <- d
	}
}

// Collect reads Redis. When Redis does not answer only sentralbord_redis_up
// (0) is reported: a gauge of zero waiting callers would be a lie.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	snap, err := c.Source.Snapshot(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	for _, l := range snap.Loops {
		ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, float64(l.Waiting), l.ID)
		ch <- prometheus.MustNewConstMetric(descLongest, prometheus.GaugeValue, l.Longest, l.ID)
		counts := map[string]int{}
		for _, a := range l.Agents {
			counts[a.State]++
		}
		for _, s := range States {
			ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, float64(counts[s]), l.ID, s)
		}
	}
	c.collectCalendars(ctx, ch, snap.At)
	c.collectNodes(ctx, ch)
}

func (c *Collector) collectCalendars(ctx context.Context, ch chan<- prometheus.Metric, now time.Time) {
	if c.Calendars == nil || len(c.Agents) == 0 {
		return
	}
	var oldest time.Time
	failing := 0
	for i, a := range c.Agents {
		r, err := c.Calendars.Load(ctx, a)
		if err != nil {
			return
		}
		if r.Error != "" {
			failing++
		}
		if i == 0 || r.Synced.Before(oldest) {
			oldest = r.Synced
		}
	}
	if oldest.IsZero() {
		oldest = time.Unix(0, 0)
	}
	ch <- prometheus.MustNewConstMetric(descCalAge, prometheus.GaugeValue, now.Sub(oldest).Seconds())
	ch <- prometheus.MustNewConstMetric(descCalFail, prometheus.GaugeValue, float64(failing))
}

func (c *Collector) collectNodes(ctx context.Context, ch chan<- prometheus.Metric) {
	if c.Nodes == nil {
		return
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return
	}
	for name, b := range nodes {
		var st esl.NodeStatus
		if json.Unmarshal(b, &st) != nil {
			continue
		}
		up := 0.0
		if st.Connected {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descESLUp, prometheus.GaugeValue, up, name)
		ch <- prometheus.MustNewConstMetric(descESLLag, prometheus.GaugeValue, st.Lag.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(descESLRecon, prometheus.GaugeValue, float64(st.Reconnects), name)
	}
}
