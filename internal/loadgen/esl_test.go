package loadgen

import (
	"context"
	"os/exec"
	"testing"
)

func TestParseESLMix(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    ESLMix
		wantErr bool
	}{
		{in: "call=40,reg=15,callcenter=20,feature=10,other=15", want: DefaultESLMix},
		{in: "call=1", want: ESLMix{Call: 1}},
		{in: " reg=2 , other=3", want: ESLMix{Reg: 2, Other: 3}},
		{in: "call=0", wantErr: true},
		{in: "calls=1", wantErr: true},
		{in: "call=-1", wantErr: true},
		{in: "call", wantErr: true},
	} {
		got, err := ParseESLMix(c.in)
		if (err != nil) != c.wantErr || err == nil && got != c.want {
			t.Errorf("%q: %+v, %v; want %+v (error %v)", c.in, got, err, c.want, c.wantErr)
		}
	}
	if m, _ := ParseESLMix(DefaultESLMix.String()); m != DefaultESLMix {
		t.Errorf("the default mix does not read back: %+v", m)
	}
}

// TestESLBenchEndsInTheRightState runs the generator against the real
// listener and Redis: every agent ends as the events sent make it.
func TestESLBenchEndsInTheRightState(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("needs redis-server")
	}
	b, err := StartESLBench()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	sum, err := b.RunAll(context.Background(), ESLOptions{Events: 5000, Agents: 40}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Mismatches != 0 || sum.Runs != 2 || sum.EventsPerSecond <= 0 {
		t.Fatalf("%+v", sum)
	}
	for _, r := range sum.Reports {
		if s := r.Listener; s.Received != uint64(r.Events) || !s.Settled() || s.Failed != 0 || r.Ignored == 0 {
			t.Errorf("listener %+v after %d events (%d for no agent)", s, r.Events, r.Ignored)
		}
	}
}
