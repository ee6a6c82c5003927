package presence

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sentralbord/sentralbord/routing"
)

func TestCallsAfterRedisLostItsScriptsLoadThemOnceNotCompileThemEach(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := claim(t, s, "warm", "1"); err != nil { // the scripts are loaded
		t.Fatal(err)
	}
	if err := s.c.ScriptFlush(ctx).Err(); err != nil { // as after a restart or failover
		t.Fatal(err)
	}
	if err := s.c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.EndCall(ctx, callID(i), cli); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("end call after SCRIPT FLUSH: %v", err)
	}
	info, err := s.c.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "cmdstat_eval:") {
			t.Errorf("the lost script was compiled by EVAL, not loaded once: %s", strings.TrimSpace(line))
		}
		// A call that notices after a load finished loads again: a few
		// loads, never one per call.
		if rest, ok := strings.CutPrefix(line, "cmdstat_script|load:calls="); ok {
			var n int
			if _, err := fmt.Sscanf(rest, "%d", &n); err != nil || n > 5 {
				t.Errorf("the lost script was loaded %d times by 40 calls: %s", n, strings.TrimSpace(line))
			}
		}
	}
}

func callID(i int) routing.CallID { return routing.CallID(fmt.Sprintf("flush-%d", i)) }

// TestSyncLoadsEveryScript: after Sync, at start-up, the first calls find
// their scripts in Redis.
func TestSyncLoadsEveryScript(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, sc := range allScripts() {
		ok, err := s.c.ScriptExists(ctx, sc.Hash()).Result()
		if err != nil || len(ok) != 1 || !ok[0] {
			t.Errorf("script %s not loaded after Sync: %v %v", sc.Hash(), ok, err)
		}
	}
}
