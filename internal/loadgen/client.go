package loadgen

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
)

// session is what one FastAGI session left on the channel.
type session struct {
	vars     map[string]string // the SB_* variables the server set
	commands int
	took     time.Duration // connect to the server's close
}

// dialer connects like Asterisk: a SYN that is never answered fails after
// its 2 s connect timeout.
type dialer struct {
	timeout time.Duration
	limit   time.Duration // bound on a whole session
}

// run plays Asterisk for one AGI() of call: it sends the environment (in two
// segments, split after agi_context as Asterisk does), answers each command
// the way Asterisk 20 words it, and on the server's close writes "HANGUP\n"
// and closes. dead answers for a hung-up channel (the h extension).
func (d dialer) run(ctx context.Context, addr string, call agitest.Call, dead bool) (session, error) {
	s := session{vars: make(map[string]string, 12)}
	start := time.Now()
	nd := net.Dialer{Timeout: d.timeout}
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return s, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(start.Add(d.limit))
	env := call.Env(addr)
	cut := strings.Index(string(env), "\nagi_extension: ") + 1
	if _, err := conn.Write(env[:cut]); err != nil {
		return s, err
	}
	if _, err := conn.Write(env[cut:]); err != nil {
		return s, err
	}
	r := bufio.NewReaderSize(conn, 1024)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			s.took = time.Since(start)
			if errors.Is(err, io.EOF) {
				_, _ = conn.Write([]byte("HANGUP\n"))
				return s, nil
			}
			return s, err
		}
		s.commands++
		if _, err := conn.Write([]byte(s.answer(strings.TrimSuffix(line, "\n"), dead))); err != nil {
			if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
				continue // the server closed right after its last command: read the EOF
			}
			return s, err
		}
	}
}

// answer is Asterisk 20's reply to one command line. It matches the
// commands the service sends by prefix rather than parsing every line, so
// the load tool spends its share of the cores on the wire, not on itself.
func (s *session) answer(line string, dead bool) string {
	up := strings.ToUpper(line[:min(len(line), 18)])
	switch {
	case strings.HasPrefix(up, "SET VARIABLE "):
		if name, value, ok := strings.Cut(line[len("SET VARIABLE "):], " "); ok && strings.HasPrefix(name, "SB_") {
			s.vars[name] = unquote(value)
		}
		return "200 result=1\n"
	case strings.HasPrefix(up, "GET FULL VARIABLE "):
		if strings.Contains(line, "DEVICE_STATE(") {
			return "200 result=1 (NOT_INUSE)\n"
		}
		return "200 result=0\n"
	case strings.HasPrefix(up, "GET VARIABLE "):
		if v, ok := s.vars[unquote(line[len("GET VARIABLE "):])]; ok {
			return "200 result=1 (" + v + ")\n"
		}
		return "200 result=0\n"
	case strings.HasPrefix(up, "VERBOSE"), strings.HasPrefix(up, "NOOP"):
		return "200 result=1\n"
	case dead:
		return "511 Command Not Permitted on a dead channel or intercept routine\n"
	case strings.HasPrefix(up, "EXEC "), strings.HasPrefix(up, "ANSWER"), strings.HasPrefix(up, "SET MUSIC "):
		return "200 result=0\n"
	}
	return "510 Invalid or unknown command\n"
}

// unquote undoes the service's quoting of an argument: "…" with \ and \"
// escaped.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// kind names an error for the report.
func kind(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connect refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "session timeout"
	case errors.As(err, &ne) && ne.Timeout():
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			return connectTimeout
		}
		return "timeout"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local ports"
	}
	return "other: " + err.Error()
}

const connectTimeout = "connect timeout"
