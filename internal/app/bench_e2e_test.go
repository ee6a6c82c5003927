package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/internal/redistest"
)

// BenchmarkRouteAndHangup drives the real service with the fake Asterisk over
// loopback TCP against a real Redis: each operation is one call's route
// request (a claim) and its hangup request (the release), two FastAGI
// sessions, as the dialplan makes them. Reported: route decisions per second.
func BenchmarkRouteAndHangup(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("switchboard: \"1\"\nenglish_key: \"9\"\nagents:\n")
	for i := range 200 {
		fmt.Fprintf(&sb, "  - {id: a%03d, name: Agent %03d, extension: \"%d\"}\n", i, i, 3000+i)
	}
	sb.WriteString("loops:\n  - {id: \"1\", digit: \"1\", name: Bench, tag: \"111\", wrap_up: 0s, roles: [], members: [")
	for i := range 200 {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "a%03d", i)
	}
	sb.WriteString("]}\n")
	cfg, err := config.Parse("bench.yaml", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	srv := redistest.Start(b)
	ready := make(chan app.Addrs, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, ctx, app.Options{
			Config: cfg, Redis: app.RedisConfig{Addrs: []string{srv.Addr}}, AGIListen: "127.0.0.1:0",
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(a app.Addrs) { ready <- a },
		})
	}()
	defer func() { cancel(); <-done }()
	addr := (<-ready).AGI.String()
	time.Sleep(200 * time.Millisecond) // let the start-up sync finish
	var seq, ok atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("1795%06d.%d", seq.Add(1), 1)
			res, err := agitest.Dial(context.Background(), addr, agitest.Call{Request: "route", Args: []string{"1"}, UniqueID: id, CallerID: "40000001"})
			if err != nil {
				b.Error(err)
				return
			}
			if res.Vars["SB_RESULT"] == "ok" {
				ok.Add(1)
			}
			if _, err := agitest.Dial(context.Background(), addr, agitest.Call{Request: "hangup", UniqueID: id}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "routes/s")
	b.ReportMetric(float64(ok.Load())/float64(b.N), "ok-ratio")
}
