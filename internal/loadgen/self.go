package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// BenchConfig is a configuration of n agents in loops loops of n/loops
// members each, without wrap-up, so an agent is free again the moment its
// call ends.
func BenchConfig(n, loops int) string {
	loops = max(loops, 1)
	var b strings.Builder
	b.WriteString("switchboard: \"1\"\nenglish_key: \"9\"\nmax_no_answer: 0\nagents:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: a%06d, name: Agent %06d, extension: \"%d\"}\n", i, i, 100000+i)
	}
	b.WriteString("loops:\n")
	for l := range loops {
		fmt.Fprintf(&b, "  - {id: \"%d\", digit: \"%d\", name: Bench %d, tag: \"%d%d%d\", wrap_up: 0s, max_wait: 1m, roles: [], members: [",
			l+1, (l+1)%10, l+1, l+1, l+1, l+1)
		first := true
		for i := l; i < n; i += loops {
			if !first {
				b.WriteString(", ")
			}
			first = false
			fmt.Fprintf(&b, "a%06d", i)
		}
		b.WriteString("]}\n")
	}
	return b.String()
}

// Redis is a redis-server the load tool started.
type Redis struct {
	Addr string
	cmd  *exec.Cmd
	dir  string
}

// StartRedis runs redis-server on a free loopback port with an append-only
// file synced every second, as in production.
func StartRedis() (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("--self needs redis-server: %w", err)
	}
	dir, err := os.MkdirTemp("", "sentralbord-bench-")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	r := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, dir: dir}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ping(r.Addr) {
			return r, nil
		}
	}
	r.Stop()
	return nil, fmt.Errorf("redis-server on %s did not answer", r.Addr)
}

func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("PING\r\n"))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Version is the server's version line, for the report.
func (r *Redis) Version() string {
	out, err := exec.Command(r.cmd.Path, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// Stop ends the server and removes its files.
func (r *Redis) Stop() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	_ = os.RemoveAll(r.dir)
}

// Service is the real service started in this process by Self.
type Service struct {
	redisCPU time.Duration // at the last RedisStats

	Addr   string // FastAGI
	FSAddr string // FreeSWITCH outbound event socket
	Config *config.Config
	Redis  *Redis
	cancel context.CancelFunc
	done   chan error
}

// Self starts a redis-server and the real service (app.Run) on a free
// loopback port with BenchConfig(agents, loops). Logs go at info level to a
// discarding text handler, so formatting them is paid for as in production.
func Self(ctx context.Context, agents, loops int) (*Service, error) {
	cfg, err := config.Parse("bench.yaml", []byte(BenchConfig(agents, loops)))
	if err != nil {
		return nil, err
	}
	rd, err := StartRedis()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Service{Config: cfg, Redis: rd, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan app.Addrs, 1)
	go func() {
		s.done <- app.Run(ctx, ctx, app.Options{
			Config: cfg, Redis: app.RedisConfig{Addrs: []string{rd.Addr}}, AGIListen: "127.0.0.1:0", FSListen: "127.0.0.1:0",
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(a app.Addrs) { ready <- a },
		})
	}()
	select {
	case a := <-ready:
		s.Addr, s.FSAddr = a.AGI.String(), a.FS.String()
		return s, nil
	case err := <-s.done:
		cancel()
		rd.Stop()
		return nil, fmt.Errorf("service: %w", err)
	}
}

// Stop ends the service and its Redis.
func (s *Service) Stop() {
	s.cancel()
	<-s.done
	s.Redis.Stop()
}

// PeakRSS reads a process's peak resident memory (VmHWM) in bytes; pid 0 is
// this process.
func PeakRSS(pid int) int64 {
	p := "/proc/self/status"
	if pid > 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// FallbackOf returns each loop's fallback in cfg, for StartFloor.
func FallbackOf(cfg *config.Config) func(string) string {
	r := cfg.Roster()
	return func(loop string) string {
		l, _ := r.Loop(routing.LoopID(loop))
		return l.Fallback
	}
}

// Store reads the service's agent states, for the check after a run.
func (s *Service) Store() *presence.Store {
	return presence.New(app.RedisConfig{Addrs: []string{s.Redis.Addr}}.Client(2*time.Second), s.Config.Server.Namespace, s.Config.Roster())
}

// RedisStats returns what Redis did since the last call: processor time
// and, from INFO commandstats, calls and microseconds per call of each
// command. It resets the counters.
func (s *Service) RedisStats(ctx context.Context) string {
	cpu := s.Redis.CPU()
	used := cpu - s.redisCPU
	s.redisCPU = cpu
	c := app.RedisConfig{Addrs: []string{s.Redis.Addr}}.Client(2 * time.Second)
	defer c.Close()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return "redis commandstats: " + err.Error()
	}
	out := []string{"CPU " + used.Round(time.Millisecond).String()}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "cmdstat_")), ":")
		if !ok || strings.HasPrefix(line, "#") || name == "info" || name == "config|resetstat" {
			continue
		}
		var calls, per string
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				calls = v
			case "usec_per_call":
				per = v
			}
		}
		out = append(out, fmt.Sprintf("%s %s× %sµs", name, calls, per))
	}
	_ = c.ConfigResetStat(ctx).Err()
	return "redis " + strings.Join(out, ", ")
}
