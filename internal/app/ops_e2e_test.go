package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/routing"
)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestMetricsAfterCalls(t *testing.T) {
	httpAddr := freePort(t)
	s := start(t, func(o *app.Options) { o.HTTPListen = httpAddr })
	base := "http://" + httpAddr

	agent := s.talk("1")
	actor := routing.Actor{Source: routing.SourceCLI, Name: "test"}
	others := map[string]bool{"anna": true, "bente": true, "cato": true}
	delete(others, agent)
	var out, away string
	for id := range others {
		if out == "" {
			out = id
		} else if away == "" {
			away = id
		}
	}
	until := time.Now().AddDate(0, 0, 7)
	if _, err := s.store.Logout(context.Background(), routing.AgentID(out), routing.ReasonFerie, until, actor); err != nil {
		t.Fatal(err)
	}
	s.set(away, routing.StatusLunch)
	// An unknown loop is a decision too: result error.
	if v := s.route(s.callID(), "42", "90595313"); v["SB_RESULT"] != "error" {
		t.Fatalf("route to unknown loop: %v", v)
	}

	code, body := httpGet(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`sentralbord_decisions_total{loop="1",result="ok"} 1`,
		`sentralbord_decisions_total{loop="42",result="error"} 1`,
		`sentralbord_decision_seconds_count{result="ok"} 1`,
		`sentralbord_agi_sessions_total{request="route"} 2`,
		`sentralbord_agi_sessions_total{request="dialresult"} 1`,
		`sentralbord_agi_sessions_total{request="hangup"} 1`,
		`sentralbord_agi_sessions_in_flight 0`,
		`sentralbord_redis_up 1`,
		`sentralbord_callers_waiting{loop="1"} 0`,
		`sentralbord_longest_wait_seconds{loop="3"} 0`,
		`sentralbord_agents{loop="1",state="logged-out"} 1`,
		`sentralbord_agents{loop="1",state="away"} 1`,
		`sentralbord_agents{loop="3",state="free"} 2`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepLines(body, "sentralbord_"))
	}

	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := httpGet(t, base+"/readyz"); code != http.StatusOK || !strings.Contains(body, "redis: ok") {
		t.Errorf("/readyz: %d %s", code, body)
	}
	s.redis.Kill(t) // skips the rest with the embedded server
	if code, body := httpGet(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis stopped: %d %s", code, body)
	}
	if _, body := httpGet(t, base+"/metrics"); !strings.Contains(body, "sentralbord_redis_up 0") {
		t.Errorf("/metrics with Redis stopped lacks sentralbord_redis_up 0")
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
