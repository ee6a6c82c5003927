package ops

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sentralbord/sentralbord/agi"
	"github.com/sentralbord/sentralbord/routing"
)

// Metrics holds the service's counters and its registry.
type Metrics struct {
	Registry *prometheus.Registry

	decisions   *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	waited      *prometheus.HistogramVec
	agiInFlight prometheus.Gauge
	agiSessions *prometheus.CounterVec
}

// NewMetrics returns a registry with the Go and process collectors and the
// service's own counters.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentralbord_decisions_total",
			Help: "Routing decisions by loop and result (ok, wait, none, voicemail, callback, error).",
		}, []string{"loop", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sentralbord_decision_seconds",
			Help:    "Time to decide a route request, waiting in line excluded.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"result"}),
		waited: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sentralbord_wait_seconds",
			Help:    "Time callers waited in line, by how the wait ended.",
			Buckets: []float64{1, 5, 10, 30, 60, 120, 180, 300, 600, 1200},
		}, []string{"result"}),
		agiInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sentralbord_agi_sessions_in_flight",
			Help: "FastAGI sessions being served now, waiting callers included.",
		}),
		agiSessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentralbord_agi_sessions_total",
			Help: "FastAGI sessions served, by request.",
		}, []string{"request"}),
	}
	m.Registry.MustRegister(m.decisions, m.latency, m.waited, m.agiInFlight, m.agiSessions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveDecision counts one decision for loop.
func (m *Metrics) ObserveDecision(loop routing.LoopID, d *routing.Decision, err error, took time.Duration) {
	r := resultOf(d, err)
	m.decisions.WithLabelValues(string(loop), r).Inc()
	m.latency.WithLabelValues(r).Observe(took.Seconds())
}

func resultOf(d *routing.Decision, err error) string {
	if err != nil || d.Result == "" {
		return string(routing.ResultError)
	}
	return string(d.Result)
}

// Router wraps the routing service, counting its decisions. The service is
// embedded so the AGI layer still finds its optional methods (Fallback,
// RequestCallback).
type Router struct {
	*routing.Service
	M *Metrics
}

// Route decides and records the decision.
func (r *Router) Route(ctx context.Context, req routing.RouteRequest) (d routing.Decision, err error) {
	err = r.RouteInto(ctx, &req, &d)
	return d, err
}

// RouteInto is Route deciding into d (agi.RouterInto).
func (r *Router) RouteInto(ctx context.Context, req *routing.RouteRequest, d *routing.Decision) error {
	start := time.Now()
	got, err := r.Service.Route(ctx, *req)
	*d = got
	r.M.ObserveDecision(req.Loop, d, err, time.Since(start))
	return err
}

// Wait holds a caller in line and records how the wait ended; a caller who
// hung up is not a decision.
func (r *Router) Wait(ctx context.Context, req routing.RouteRequest, budget time.Duration, progress routing.Progress) (routing.Decision, error) {
	start := time.Now()
	d, err := r.Service.Wait(ctx, req, budget, progress)
	if errors.Is(err, context.Canceled) {
		return d, err
	}
	loop := req.Loop
	if d.Loop.ID != "" {
		loop = d.Loop.ID
	}
	r.M.decisions.WithLabelValues(string(loop), resultOf(&d, err)).Inc()
	r.M.waited.WithLabelValues(resultOf(&d, err)).Observe(time.Since(start).Seconds())
	return d, err
}

// AGI wraps an AGI handler, counting sessions in flight and by request.
func (m *Metrics) AGI(h agi.Handler) agi.Handler {
	return agi.HandlerFunc(func(ctx context.Context, s *agi.Session) error {
		m.agiStarted(s.Request())
		defer m.agiInFlight.Dec()
		return h.ServeAGI(ctx, s)
	})
}

// agiStarted counts a session that starts. Not inlined: the handler's
// frame, which stays on the session's 4 KiB stack while it runs, then
// holds nothing of the label lookup.
//
//go:noinline
func (m *Metrics) agiStarted(request string) {
	m.agiInFlight.Inc()
	m.agiSessions.WithLabelValues(requestLabel(request)).Inc()
}

// requestLabel keeps the label set small: an unknown request is "other".
func requestLabel(r string) string {
	switch r {
	case agi.RequestRoute, agi.RequestDialResult, agi.RequestHangup, agi.RequestCallback,
		agi.RequestStatus, agi.RequestLogin, agi.RequestLogout, agi.RequestBLF:
		return r
	}
	return "other"
}
