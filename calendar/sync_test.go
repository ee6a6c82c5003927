package calendar_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/routing"
)

func TestBadFeedKeepsLastGoodDataAndIsMarkedStale(t *testing.T) {
	ctx := context.Background()
	good, _ := os.ReadFile("testdata/meeting-10-12.ics")
	var status atomic.Int32
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := int(status.Load()); s != 200 {
			w.WriteHeader(s)
			return
		}
		_, _ = w.Write(good)
	}))
	defer srv.Close()
	clk := &clock{t: osloTime(9, 0, 0)}
	cal := calendar.NewStore(redistest.Start(t).Client(t), "caltest")
	cal.Now, cal.Zone, cal.MaxStale = clk.Now, oslo, 6*time.Hour
	var logs bytes.Buffer
	y := &calendar.Syncer{Store: cal, Rules: calendar.DefaultRules(), Days: 3, Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Sources: []calendar.Source{{Agent: "anna", Kind: calendar.KindICSURL, Where: srv.URL + "/owa/calendar/SECRET/calendar.ics"}}}
	y.Sync(ctx, nil)
	status.Store(503)
	clk.Set(osloTime(10, 0, 0))
	for range 3 {
		if res := y.Sync(ctx, nil); res[0].Error != "HTTP 503 Service Unavailable" {
			t.Fatalf("result: %+v", res[0])
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 || !strings.Contains(logs.String(), "agent=anna") ||
		!strings.Contains(logs.String(), "HTTP 503") || strings.Contains(logs.String(), "SECRET") {
		t.Errorf("want one error naming anna and the status, without the URL:\n%s", logs.String())
	}
	rec, err := cal.Load(ctx, "anna")
	if err != nil || !rec.Stale || rec.Expired || len(rec.Entries) != 1 {
		t.Fatalf("record: %+v %v", rec, err)
	}
	if b, _ := cal.BusyAt(ctx, "anna", osloTime(11, 0, 0)); !b.Busy {
		t.Error("stale data within max_stale must still count")
	}
	clk.Set(osloTime(15, 1, 0)) // more than 6h after the last good sync
	if b, _ := cal.BusyAt(ctx, "anna", osloTime(11, 0, 0)); b.Busy {
		t.Error("data older than max_stale must be ignored")
	}
	status.Store(200)
	y.Sync(ctx, nil)
	if rec, _ := cal.Load(ctx, "anna"); rec.Stale || !strings.Contains(logs.String(), "works again") {
		t.Errorf("recovery: %+v", rec)
	}
}

func TestBusyUntilSpansTouchingEntries(t *testing.T) {
	ctx := context.Background()
	cal := calendar.NewStore(redistest.Start(t).Client(t), "caltest")
	cal.Now, cal.Zone = func() time.Time { return osloTime(8, 0, 0) }, oslo
	es := []calendar.Entry{
		{Start: osloTime(10, 0, 0), End: osloTime(11, 0, 0), Busy: true, Show: calendar.ShowBusy},
		{Start: osloTime(11, 0, 0), End: osloTime(12, 0, 0), Busy: true, Show: calendar.ShowOOF},
		{Start: osloTime(12, 0, 0), End: osloTime(13, 0, 0), Show: calendar.ShowFree},
	}
	if err := cal.Save(ctx, "anna", "ics-file", osloTime(0, 0, 0), osloTime(23, 0, 0), es); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{osloTime(9, 59, 59), ""},
		{osloTime(10, 0, 0), "meeting until 12:00"},
		{osloTime(11, 30, 0), "out of office until 12:00"},
		{osloTime(12, 0, 0), ""},
	} {
		b, err := cal.BusyAt(ctx, "anna", tt.at)
		got := ""
		if b.Busy {
			got = b.What + " until " + b.Until.Format("15:04")
		}
		if err != nil || got != tt.want {
			t.Errorf("at %s: %q %v, want %q", tt.at.Format("15:04:05"), got, err, tt.want)
		}
	}
}

// BenchmarkSync1000Feeds syncs 1,000 agents' ICS feeds served over HTTP
// into a real Redis, the way a large deployment's round runs.
func BenchmarkSync1000Feeds(b *testing.B) {
	feed, _ := os.ReadFile("testdata/weekly-exdate-moved.ics")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(feed) }))
	defer srv.Close()
	cal := calendar.NewStore(redistest.Start(b).Client(b), "calbench")
	var srcs []calendar.Source
	for i := range 1000 {
		srcs = append(srcs, calendar.Source{Agent: routing.AgentID(fmt.Sprintf("a%04d", i)), Kind: calendar.KindICSURL,
			Where: fmt.Sprintf("%s/cal/%d.ics", srv.URL, i)})
	}
	y := &calendar.Syncer{Store: cal, Sources: srcs, Rules: calendar.DefaultRules(), Days: 14, Workers: 16,
		HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	b.ResetTimer()
	for range b.N {
		for _, r := range y.Sync(context.Background(), nil) {
			if r.Error != "" {
				b.Fatal(r.Error)
			}
		}
	}
}
