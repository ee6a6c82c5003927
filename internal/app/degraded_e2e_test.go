package app_test

import (
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/app"
)

// budget is the decision budget of the test configuration (the default).
const budget = 500 * time.Millisecond

func TestRouteAnswersErrorWhenRedisIsUnreachable(t *testing.T) {
	s := start(t, func(o *app.Options) { o.Redis = app.RedisConfig{Addrs: []string{freePort(t)}} })
	began := time.Now()
	v := s.route(s.callID(), "3", "40000001")
	took := time.Since(began)
	if v["SB_RESULT"] != "error" || v["SB_FALLBACK"] != "PJSIP/2105&PJSIP/2106" || v["SB_ERROR"] == "" {
		t.Fatalf("vars %v; want error with the loop's fallback and a reason", v)
	}
	if took > budget {
		t.Fatalf("route took %v, budget %v", took, budget)
	}
	t.Logf("route with Redis unreachable answered error in %v", took)
}

func TestRouteAnswersErrorWhenRedisHangsAndRecovers(t *testing.T) {
	s := start(t)
	if !s.redis.Real {
		t.Skip("SIGSTOP needs a real redis-server")
	}
	if v := s.route(s.callID(), "1", "40000001"); v["SB_RESULT"] != "ok" {
		t.Fatalf("before: %v", v)
	}
	s.redis.Stop(t)
	stopped := true
	defer func() {
		if stopped {
			s.redis.Continue(t)
		}
	}()
	for i := range 3 {
		began := time.Now()
		v := s.route(s.callID(), "1", "40000002")
		took := time.Since(began)
		if v["SB_RESULT"] != "error" || v["SB_FALLBACK"] == "" {
			t.Fatalf("route %d with Redis stopped: %v", i, v)
		}
		if took > budget {
			t.Fatalf("route %d with Redis stopped took %v, budget %v", i, took, budget)
		}
		t.Logf("route %d with Redis stopped answered error in %v", i, took)
	}
	s.redis.Continue(t)
	stopped = false
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := s.route(s.callID(), "1", "40000003")
		if v["SB_RESULT"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("routing did not recover 5s after Redis resumed: %v", v)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
