package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/loadgen"
)

func TestParseBenchAGI(t *testing.T) {
	base := func() benchAGIOptions {
		return benchAGIOptions{runs: 1, agents: 100, loops: 2, loopFlag: []string{"1"},
			load: loadgen.Options{Concurrency: 10, Duration: time.Second}}
	}
	runParseCases(t, base, parseBenchAGI, []parseCase[benchAGIOptions]{
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
	})
}

func TestParseBenchESL(t *testing.T) {
	base := func() benchESLOptions {
		return benchESLOptions{runs: 3, mix: loadgen.DefaultESLMix.String(),
			load: loadgen.ESLOptions{Events: 1000, Agents: 10, Format: "plain"}}
	}
	runParseCases(t, base, parseBenchESL, []parseCase[benchESLOptions]{
		{name: "the defaults measure a count of events", edit: func(*benchESLOptions) {}, check: func(t *testing.T, o benchESLOptions) {
			if o.load.Events != 1000 || o.load.Mix != loadgen.DefaultESLMix {
				t.Errorf("%+v", o.load)
			}
		}},
		{name: "a duration replaces the count", edit: func(o *benchESLOptions) { o.load.Duration = time.Second }, check: func(t *testing.T, o benchESLOptions) {
			if o.load.Events != 0 || o.load.Duration != time.Second {
				t.Errorf("%+v", o.load)
			}
		}},
		{name: "a mix of one kind", edit: func(o *benchESLOptions) { o.mix = "reg=1" }, check: func(t *testing.T, o benchESLOptions) {
			if o.load.Mix != (loadgen.ESLMix{Reg: 1}) {
				t.Errorf("%+v", o.load.Mix)
			}
		}},
		{name: "an unknown kind in the mix is refused", edit: func(o *benchESLOptions) { o.mix = "calls=1" }, wantErr: true},
		{name: "neither count nor duration is refused", edit: func(o *benchESLOptions) { o.load.Events = 0 }, wantErr: true},
		{name: "no agents are refused", edit: func(o *benchESLOptions) { o.load.Agents = 0 }, wantErr: true},
		{name: "an xml format is refused", edit: func(o *benchESLOptions) { o.load.Format = "xml" }, wantErr: true},
		{name: "zero runs are refused", edit: func(o *benchESLOptions) { o.runs = 0 }, wantErr: true},
	})
}

func TestBenchESLNodeArgsReadBack(t *testing.T) {
	o, err := parseBenchESL(benchESLOptions{runs: 1, mix: "call=3,other=1",
		load: loadgen.ESLOptions{Events: 5, Agents: 7, Format: "json", Seed: 9}})
	if err != nil {
		t.Fatal(err)
	}
	cmd := newBenchESLNodeCmd(&globals{})
	if err := cmd.ParseFlags(o.nodeArgs(2)[2:]); err != nil {
		t.Fatal(err)
	}
	f := cmd.Flags()
	for name, want := range map[string]string{"events": "5", "agents": "7", "format": "json", "seed": "9", "run": "2", "mix": o.load.Mix.String()} {
		if got := f.Lookup(name).Value.String(); got != want {
			t.Errorf("--%s %q, want %q", name, got, want)
		}
	}
}

func TestParseBenchFSRefusesBusyPhones(t *testing.T) {
	o := benchAGIOptions{runs: 1, agents: 10, loops: 1}
	o.load.Concurrency = 10
	if _, err := parseBenchFS(o); err != nil {
		t.Fatalf("plain options: %v", err)
	}
	o.load.Busy = 5
	_, err := parseBenchFS(o)
	if err == nil || !strings.Contains(err.Error(), "--busy") || ExitCode(err) != ExitCode(usage(err)) {
		t.Errorf("--busy 5: %v, want a usage error naming --busy", err)
	}
}

// parseCase is one edit of a bench command's options and what parsing it
// gives: an error, or options check accepts.
type parseCase[O any] struct {
	name    string
	edit    func(*O)
	wantErr bool
	check   func(t *testing.T, o O)
}

// runParseCases parses base() edited by each case; a refusal must carry the
// usage exit code.
func runParseCases[O any](t *testing.T, base func() O, parse func(O) (O, error), cases []parseCase[O]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base()
			c.edit(&o)
			got, err := parse(o)
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
