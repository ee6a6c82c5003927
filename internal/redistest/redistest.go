// Package redistest starts a Redis server for tests: a real redis-server on a
// free loopback port when the binary exists, the embedded miniredis otherwise.
// With SENTRALBORD_REQUIRE_REDIS=1 (as CI sets) a missing binary fails the test.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server is a Redis server owned by one test.
type Server struct {
	Addr string
	Real bool // a real redis-server, not the embedded one
	cmd  *exec.Cmd
	dir  string
	port int
}

// Start starts a server that lives until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("SENTRALBORD_REQUIRE_REDIS") == "1" {
			tb.Fatalf("redis-server not found and SENTRALBORD_REQUIRE_REDIS=1: %v", err)
		}
		m := miniredis.RunT(tb)
		return &Server{Addr: m.Addr()}
	}
	s := &Server{Real: true, dir: tb.TempDir()}
	s.start(tb, bin, 0)
	tb.Cleanup(s.kill)
	return s
}

func (s *Server) start(tb testing.TB, bin string, port int) {
	tb.Helper()
	for attempt := 0; attempt < 5; attempt++ {
		p := port
		if p == 0 {
			p = freePort(tb)
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(p), "--bind", "127.0.0.1",
			"--dir", s.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start redis-server: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		if waitReady(addr, 5*time.Second) {
			s.cmd, s.Addr, s.port = cmd, addr, p
			return
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if port != 0 {
			break
		}
	}
	tb.Fatalf("redis-server did not become ready")
}

func waitReady(addr string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("PING\r\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			_ = c.Close()
			if err == nil && strings.HasPrefix(line, "+PONG") {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Client returns a client for the server, closed when the test ends.
func (s *Server) Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("ping %s: %v", s.Addr, err)
	}
	return c
}

// Stop sends SIGSTOP: the server keeps its connections but answers nothing.
// Only a real server can be stopped; the test is skipped otherwise.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.needReal(tb)
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGSTOP); err != nil {
		tb.Fatalf("SIGSTOP redis-server: %v", err)
	}
}

// Continue resumes a server stopped by Stop.
func (s *Server) Continue(tb testing.TB) {
	tb.Helper()
	s.needReal(tb)
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGCONT); err != nil {
		tb.Fatalf("SIGCONT redis-server: %v", err)
	}
}

// Kill ends the server process; Restart brings it back on the same port with
// its append-only file.
func (s *Server) Kill(tb testing.TB) {
	tb.Helper()
	s.needReal(tb)
	s.kill()
}

// Restart starts a killed server again on the same port and data directory.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("restart: %v", err)
	}
	s.start(tb, bin, s.port)
}

func (s *Server) needReal(tb testing.TB) {
	tb.Helper()
	if !s.Real || s.cmd == nil {
		tb.Skip("needs a running real redis-server (embedded fallback in use)")
	}
}

// String describes the server for test logs.
func (s *Server) String() string {
	kind := "embedded"
	if s.Real {
		kind = "redis-server"
	}
	return fmt.Sprintf("%s at %s (dir %s)", kind, s.Addr, filepath.Base(s.dir))
}
