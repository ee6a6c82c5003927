package cli

import (
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/loadgen"
)

func TestParseBenchAGI(t *testing.T) {
	base := func() benchAGIOptions {
		return benchAGIOptions{runs: 1, agents: 100, loops: 2, loopFlag: []string{"1"},
			load: loadgen.Options{Concurrency: 10, Duration: time.Second}}
	}
	for _, c := range []struct {
		name    string
		edit    func(*benchAGIOptions)
		wantErr bool
		check   func(t *testing.T, o benchAGIOptions)
	}{
		{name: "no address starts its own service", edit: func(*benchAGIOptions) {}, check: func(t *testing.T, o benchAGIOptions) {
			if !o.self || len(o.load.Loops) != 2 || o.load.Loops[1] != "2" {
				t.Errorf("self %v loops %v", o.self, o.load.Loops)
			}
		}},
		{name: "a rate makes it open loop", edit: func(o *benchAGIOptions) { o.load.Rate = 500 }, check: func(t *testing.T, o benchAGIOptions) {
			if o.load.Concurrency != 0 {
				t.Errorf("concurrency %d kept with a rate", o.load.Concurrency)
			}
		}},
		{name: "an address uses the given loops", edit: func(o *benchAGIOptions) { o.addr = "127.0.0.1:4573"; o.loopFlag = []string{"3"} },
			check: func(t *testing.T, o benchAGIOptions) {
				if o.self || len(o.load.Loops) != 1 || o.load.Loops[0] != "3" {
					t.Errorf("self %v loops %v", o.self, o.load.Loops)
				}
			}},
		{name: "self and address are refused", edit: func(o *benchAGIOptions) { o.addr, o.self = "x:1", true }, wantErr: true},
		{name: "a mix over 100 percent is refused", edit: func(o *benchAGIOptions) { o.load.NoAnswer, o.load.Busy = 80, 30 }, wantErr: true},
		{name: "zero runs are refused", edit: func(o *benchAGIOptions) { o.runs = 0 }, wantErr: true},
		{name: "ten loops are refused", edit: func(o *benchAGIOptions) { o.loops = 10 }, wantErr: true},
		{name: "a negative hold is refused", edit: func(o *benchAGIOptions) { o.load.Hold = -time.Second }, wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := base()
			c.edit(&o)
			got, err := parseBenchAGI(o)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err != nil {
				if ExitCode(err) != ExitCode(usage(err)) {
					t.Errorf("exit code %d, want the usage code", ExitCode(err))
				}
				return
			}
			c.check(t, got)
		})
	}
}
