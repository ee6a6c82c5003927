package esltest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TB is what the server needs of a test: *testing.T and *testing.B have it.
// The package does not import testing, so the load tool can run the fake.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Server is a fake FreeSWITCH event socket. Its zero value is not usable:
// use Start.
type Server struct {
	Password string // "ClueCon" unless set before Start

	silent bool

	tb   TB // nil for a server from Listen
	addr string

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]bool
	core     string
	seq      uint64
	channels map[string]map[string]string // show channels rows by uuid
	regs     map[string]map[string]string // show registrations rows by token
	agents   map[string][2]string         // callcenter agent -> status, state
	subs     chan struct{}
	commands []string

	dateSec            int64 // the second dateLocal and dateGMT spell
	dateLocal, dateGMT string
}

type conn struct {
	c      net.Conn
	wmu    sync.Mutex
	format string // "" until subscribed
}

// Start listens on a free loopback port until the test ends.
func Start(tb TB) *Server {
	tb.Helper()
	s, err := Listen()
	if err != nil {
		tb.Fatal(err)
	}
	s.tb = tb
	tb.Cleanup(s.Kill)
	return s
}

// Listen starts a server outside a test (the load tool); Kill stops it.
func Listen() (*Server, error) {
	s := &Server{Password: "ClueCon", conns: map[*conn]bool{},
		channels: map[string]map[string]string{}, regs: map[string]map[string]string{},
		agents: map[string][2]string{}, subs: make(chan struct{}, 64)}
	s.newCore()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) newCore() {
	s.core = fmt.Sprintf("0d0cb265-5cf2-47c5-839a-%012d", time.Now().UnixNano()%1e12)
	s.seq = 400
}

func (s *Server) serve(ln net.Listener) {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cn := &conn{c: c}
			s.mu.Lock()
			s.conns[cn] = true
			s.mu.Unlock()
			go s.handle(cn)
		}
	}()
}

// Kill drops the listener and every connection without a word, like a
// FreeSWITCH that crashed.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		_ = s.ln.Close()
		s.ln = nil
	}
	for c := range s.conns {
		_ = c.c.Close()
		delete(s.conns, c)
	}
}

// Restart listens again on the same address as a new FreeSWITCH process
// (new Core-UUID, sequence starting again).
func (s *Server) Restart() {
	if s.tb != nil {
		s.tb.Helper()
	}
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil && s.tb != nil {
		s.tb.Fatalf("restart fake freeswitch: %v", err)
	}
	if err != nil {
		panic(fmt.Sprintf("restart fake freeswitch: %v", err))
	}
	s.mu.Lock()
	s.newCore()
	s.mu.Unlock()
	s.serve(ln)
}

// SetSilent makes new connections get nothing at all, not even the greeting.
func (s *Server) SetSilent(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent = on
}

// SetPassword changes the password new connections must give.
func (s *Server) SetPassword(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Password = p
}

// Subscribed delivers a value each time a client subscribes to events.
func (s *Server) Subscribed() <-chan struct{} { return s.subs }

// Commands returns every command received, in order.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.c.Write(b)
	return err
}

func (s *Server) handle(c *conn) {
	defer c.c.Close()
	r := bufio.NewReader(c.c)
	s.mu.Lock()
	silent := s.silent
	s.mu.Unlock()
	if silent {
		_, _ = r.WriteTo(discard{})
		return
	}
	if c.write([]byte("Content-Type: auth/request\n\n")) != nil {
		return
	}
	authed := false
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		s.mu.Unlock()
		if !authed {
			s.mu.Lock()
			want := "auth " + s.Password
			s.mu.Unlock()
			if cmd != want {
				_ = c.write(Reply("-ERR invalid"))
				_ = c.write(Goodbye)
				return
			}
			authed = true
			_ = c.write(Reply("+OK accepted"))
			continue
		}
		if !s.command(c, cmd) {
			return
		}
	}
}

func (s *Server) command(c *conn, cmd string) bool {
	switch {
	case strings.HasPrefix(cmd, "event "):
		f := strings.Fields(cmd)
		if len(f) < 2 || (f[1] != "plain" && f[1] != "json") {
			_ = c.write(Reply("-ERR invalid format"))
			return true
		}
		s.mu.Lock()
		c.format = f[1]
		s.mu.Unlock()
		_ = c.write(Reply("+OK event listener enabled " + f[1]))
		select {
		case s.subs <- struct{}{}:
		default:
		}
	case strings.HasPrefix(cmd, "api "):
		_ = c.write(APIResponse(s.api(strings.TrimPrefix(cmd, "api "))))
	case cmd == "exit":
		_ = c.write(Reply("+OK bye"))
		_ = c.write(Goodbye)
		return false
	default:
		_ = c.write(Reply("-ERR command not found"))
	}
	return true
}

func readCommand(r *bufio.Reader) (string, error) {
	var lines []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			if len(lines) == 0 {
				continue
			}
			return strings.Join(lines, "\n"), nil
		}
		lines = append(lines, l)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (s *Server) api(cmd string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch strings.TrimSpace(cmd) {
	case "status":
		return "UP 0 years, 0 days, 0 hours, 0 minutes, 3 seconds, 806 milliseconds, 86 microseconds\nFreeSWITCH (Version 1.10.12-release  64bit) is ready\n"
	case "show channels as json":
		return tableJSON(s.channels)
	case "show registrations as json":
		return tableJSON(s.regs)
	case "callcenter_config agent list":
		var b strings.Builder
		b.WriteString("name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|no_answer_count|calls_answered|talk_time|ready_time|external_calls_count\n")
		for name, st := range s.agents {
			fmt.Fprintf(&b, "%s|single_box||callback|[leg_timeout=10,loopback_bowout=false]loopback/9401/default|%s|%s|3|2|5|5|0|0|0|0|1795840730|0|0|0|0|0\n", name, st[0], st[1])
		}
		b.WriteString("+OK\n")
		return b.String()
	}
	name, _, _ := strings.Cut(cmd, " ")
	return "-ERR " + name + " Command not found!\n"
}

func tableJSON(rows map[string]map[string]string) string {
	if len(rows) == 0 {
		return "{\"row_count\":0}\n"
	}
	v := struct {
		Count int                 `json:"row_count"`
		Rows  []map[string]string `json:"rows"`
	}{Count: len(rows)}
	for _, r := range rows {
		v.Rows = append(v.Rows, r)
	}
	b, _ := json.Marshal(v)
	return string(b) + "\n"
}

// common returns the headers every event starts with; the caller holds mu.
func (s *Server) common(ev Event) []Header {
	s.seq++
	now := time.Now()
	if sec := now.Unix(); sec != s.dateSec { // a load generator stamps many events a second
		s.dateSec, s.dateLocal, s.dateGMT = sec, now.Format(time.DateTime), now.UTC().Format(time.RFC1123)
	}
	hs := make([]Header, 0, 14+len(ev.Headers))
	if ev.Subclass != "" {
		hs = append(hs, Header{"Event-Subclass", ev.Subclass})
	}
	return append(hs,
		Header{"Event-Name", ev.Name},
		Header{"Core-UUID", s.core},
		Header{"FreeSWITCH-Hostname", "vm"},
		Header{"FreeSWITCH-Switchname", "vm"},
		Header{"FreeSWITCH-IPv4", "192.0.2.2"},
		Header{"FreeSWITCH-IPv6", "fd00::2"},
		Header{"Event-Date-Local", s.dateLocal},
		Header{"Event-Date-GMT", s.dateGMT},
		Header{"Event-Date-Timestamp", strconv.FormatInt(now.UnixMicro(), 10)},
		Header{"Event-Calling-File", "switch_channel.c"},
		Header{"Event-Calling-Function", "switch_channel_perform_mark_answered"},
		Header{"Event-Calling-Line-Number", "3921"},
		Header{"Event-Sequence", strconv.FormatUint(s.seq, 10)},
	)
}

// Stamp gives ev the common headers with the next sequence number, without
// sending it: tests that reorder delivery stamp first and Send later.
func (s *Server) Stamp(ev Event) []Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(s.common(ev), ev.Headers...)
}

// Fire stamps and sends ev to every subscribed connection.
func (s *Server) Fire(ev Event) { s.Send(s.Stamp(ev)) }

// Send sends stamped headers to every subscribed connection in its format.
func (s *Server) Send(hs []Header) {
	for _, c := range s.subscribed() {
		_ = c.write(Frame(c.format, hs))
	}
}

// SendRaw writes frames already encoded in the subscribers' format (Frame)
// to every subscribed connection in one write, so a load generator is held
// back only by how fast the client reads. It returns how many connections
// took them.
func (s *Server) SendRaw(frames []byte) int {
	n := 0
	for _, c := range s.subscribed() {
		if c.write(frames) == nil {
			n++
		}
	}
	return n
}

// subscribed returns the subscribed connections with their formats, read
// under the lock that guards a subscription.
func (s *Server) subscribed() []subscriber {
	s.mu.Lock()
	defer s.mu.Unlock()
	var to []subscriber
	for c := range s.conns {
		if c.format != "" {
			to = append(to, subscriber{c, c.format})
		}
	}
	return to
}

type subscriber struct {
	*conn
	format string
}
