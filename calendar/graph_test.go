package calendar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGraph is Microsoft Graph as far as getSchedule goes: a token endpoint
// and POST /users/{id}/calendar/getSchedule with the shapes documented on
// Graph. failFirst answers the first getSchedule with it (429 or 401).
type fakeGraph struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	requests  []map[string]any
}

func (f *fakeGraph) start(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("client_secret") != "s3cret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	})
	mux.HandleFunc("POST /v1.0/users/{id}/calendar/getSchedule", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls++
		first := f.calls == 1
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.requests = append(f.requests, req)
		f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case first && f.failFirst == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case first && f.failFirst == http.StatusUnauthorized:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`))
			return
		}
		var out []map[string]any
		for _, s := range req["schedules"].([]any) {
			out = append(out, map[string]any{"scheduleId": s, "scheduleItems": graphItems})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"value": out})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func item(status, subject, start, end string, private bool) map[string]any {
	return map[string]any{"status": status, "subject": subject, "isPrivate": private,
		"start": map[string]string{"dateTime": start + ".0000000", "timeZone": "UTC"},
		"end":   map[string]string{"dateTime": end + ".0000000", "timeZone": "UTC"}}
}

var graphItems = []map[string]any{
	item("tentative", "Kanskje", "2026-11-30T07:00:00", "2026-11-30T08:00:00", false),
	item("oof", "", "2026-11-30T08:00:00", "2026-11-30T09:00:00", false),
	item("busy", "Avdelingsmøte", "2026-11-30T09:00:00", "2026-11-30T11:00:00", false),
	item("free", "Lunsj", "2026-11-30T11:00:00", "2026-11-30T11:30:00", false),
	item("busy", "Privat", "2026-11-30T12:00:00", "2026-11-30T13:00:00", true),
	item("free", "Fagdag", "2026-11-30T23:00:00", "2026-12-01T23:00:00", false),      // all day 1 Dec, Oslo
	item("free", "[info] Lønn", "2026-12-01T23:00:00", "2026-12-02T23:00:00", false), // informational
}

func newTestGraph(srv *httptest.Server, secret string, slept *[]time.Duration) *Graph {
	g := NewGraph(context.Background(), GraphConfig{ClientID: "app", ClientSecret: secret,
		TokenURL: srv.URL + "/token", BaseURL: srv.URL + "/v1.0"}, DefaultRules())
	g.BatchSize = 2
	g.Sleep = func(_ context.Context, d time.Duration) error { *slept = append(*slept, d); return nil }
	return g
}

func TestGraphSchedules(t *testing.T) {
	f := &fakeGraph{failFirst: http.StatusTooManyRequests}
	var slept []time.Duration
	g := newTestGraph(f.start(t), "s3cret", &slept)
	from := time.Date(2026, 11, 30, 0, 0, 0, 0, oslo)
	got, bad := g.Fetch(context.Background(), []string{"a@x.no", "b@x.no", "c@x.no"}, from, from.AddDate(0, 0, 3))
	if len(bad) != 0 || len(got) != 3 {
		t.Fatalf("got %d, bad %v", len(got), bad)
	}
	if len(slept) != 1 || slept[0] != 7*time.Second {
		t.Errorf("Retry-After: slept %v, want [7s]", slept)
	}
	if f.calls != 3 { // 429, then two batches of at most 2
		t.Errorf("getSchedule calls: %d, want 3", f.calls)
	}
	want := []string{
		"11-30T07:00Z–11-30T08:00Z free tentative Kanskje",
		"11-30T08:00Z–11-30T09:00Z busy oof ",
		"11-30T09:00Z–11-30T11:00Z busy busy Avdelingsmøte",
		"11-30T11:00Z–11-30T11:30Z free free Lunsj",
		"11-30T12:00Z–11-30T13:00Z busy busy ",
		"11-30T23:00Z–12-01T23:00Z busy free all-day Fagdag",
		"12-01T23:00Z–12-02T23:00Z free free all-day [info] Lønn",
	}
	if s := summary(got["b@x.no"]); strings.Join(s, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(s, "\n\t"), strings.Join(want, "\n\t"))
	}
	if st := f.requests[0]["startTime"].(map[string]any); st["dateTime"] != "2026-11-29T23:00:00" || st["timeZone"] != "UTC" {
		t.Errorf("startTime sent: %v", st)
	}
}

func TestGraphErrorsCarryTheHTTPStatus(t *testing.T) {
	for _, tt := range []struct {
		name   string
		secret string
		fail   int
		want   string
	}{
		{"expired token", "s3cret", http.StatusUnauthorized, "HTTP 401 Unauthorized: InvalidAuthenticationToken"},
		{"wrong secret", "wrong", 0, "HTTP 401 Unauthorized: token: invalid_client"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var slept []time.Duration
			g := newTestGraph((&fakeGraph{failFirst: tt.fail}).start(t), tt.secret, &slept)
			g.BatchSize = 5
			_, bad := g.Fetch(context.Background(), []string{"a@x.no"}, time.Now(), time.Now().Add(time.Hour))
			var he *HTTPError
			if !errors.As(bad["a@x.no"], &he) || he.Status != 401 || bad["a@x.no"].Error() != tt.want {
				t.Fatalf("got %v, want %q", bad["a@x.no"], tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"7": 7 * time.Second, "Mon, 30 Nov 2026 10:00:30 GMT": 30 * time.Second, "": 5 * time.Second} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
