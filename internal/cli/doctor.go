package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/presence"
)

// doctorOptions are the doctor command's flags.
type doctorOptions struct {
	agi     string // FastAGI address to try ("" = the config's)
	http    string // health address to ask ("off" = skip)
	timeout time.Duration
}

// finding is one line of the doctor's report.
type finding struct {
	Check  string `json:"check"`
	Level  string `json:"level"` // ok, warn, fail
	Detail string `json:"detail"`
}

func newDoctorCmd(g *globals) *cobra.Command {
	o := doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, Redis, the AGI port, event sockets and calendars",
		Long: `doctor checks what sentralbord needs and says what is wrong in plain words:
the configuration file, Redis, whether serve is listening for FastAGI and
answering on its health address, each FreeSWITCH node's event socket and
password, and each agent's calendar. It changes nothing. The exit code is 0
when nothing failed (warnings allowed), 1 otherwise.`,
		Example: `  sentralbord doctor
  sentralbord doctor --agi 10.0.0.5:4573 --http off
  sentralbord doctor --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := runDoctor(cmd.Context(), g, o)
			return reportDoctor(g, fs)
		},
	}
	cmd.Flags().StringVar(&o.agi, "agi", "", "FastAGI address to try (default: $SENTRALBORD_AGI_LISTEN, the config)")
	cmd.Flags().StringVar(&o.http, "http", "127.0.0.1:9464", `address of serve's /readyz ("off" to skip)`)
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Second, "how long each check may take")
	return cmd
}

// runDoctor runs every check; one failing check does not stop the others,
// except that nothing else can be checked without a configuration.
func runDoctor(ctx context.Context, g *globals, o doctorOptions) []finding {
	var fs []finding
	add := func(check, level, format string, args ...any) {
		fs = append(fs, finding{Check: check, Level: level, Detail: fmt.Sprintf(format, args...)})
	}
	path, _ := g.configPath()
	cfg, err := g.loadConfig()
	if err != nil {
		add("config", "fail", "%v", err)
		return fs
	}
	add("config", "ok", "%s: %d agents, %d loops", path, len(cfg.Agents), len(cfg.Loops))

	rc, err := g.redisConfig(cfg)
	var store *presence.Store
	var cal *calendar.Store
	if err != nil {
		add("redis", "fail", "%v", err)
	} else {
		client := rc.Client(o.timeout)
		defer client.Close()
		if err := app.Ping(ctx, client, o.timeout); err != nil {
			hint := "is redis-server running, and is the address right?"
			if rc.Embedded {
				hint = "no Redis is configured, so this is the embedded server of `sentralbord serve`: is serve running?"
			}
			add("redis", "fail", "%s does not answer (%v); %s", rc, err, hint)
		} else {
			add("redis", "ok", "%s answers", rc)
			store = presence.New(client, g.namespaceFor(cfg), cfg.Roster())
			cal, _ = app.Calendars(ctx, cfg, client, g.namespaceFor(cfg), nil)
		}
	}

	agiAddr := firstNonEmpty(o.agi, g.env.Getenv("SENTRALBORD_AGI_LISTEN"), cfg.Server.AGIListen)
	if err := dialTCP(ctx, connectable(agiAddr), o.timeout); err != nil {
		add("agi", "fail", "nothing accepts FastAGI connections on %s (%v): is `sentralbord serve` running? Asterisk's calls take their static fallback meanwhile", agiAddr, err)
	} else {
		add("agi", "ok", "serve accepts FastAGI connections on %s", agiAddr)
	}
	if o.http != "off" && o.http != "" {
		level, detail := checkReady(ctx, o.http, o.timeout)
		add("http", level, "%s", detail)
	}
	fs = append(fs, checkESL(ctx, cfg, store, g.env.Getenv, o.timeout)...)
	fs = append(fs, checkCalendars(ctx, cfg, cal)...)
	return fs
}

// reportDoctor prints the findings and fails when any check failed.
func reportDoctor(g *globals, fs []finding) error {
	failed := 0
	for _, f := range fs {
		if f.Level == "fail" {
			failed++
		}
	}
	if g.output == "json" {
		enc := json.NewEncoder(g.env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(fs); err != nil {
			return err
		}
	} else {
		for _, f := range fs {
			fmt.Fprintf(g.env.Stdout, "%-4s  %-8s  %s\n", f.Level, f.Check, f.Detail)
		}
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", failed, len(fs))
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// connectable turns a listen address such as ":4573" or "0.0.0.0:4573"
// into one a client can dial on this host.
func connectable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func dialTCP(ctx context.Context, addr string, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// checkReady asks serve's /readyz and passes on its answer.
func checkReady(ctx context.Context, addr string, timeout time.Duration) (string, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := "http://" + connectable(addr) + "/readyz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "fail", err.Error()
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "warn", fmt.Sprintf("%s does not answer (%v): serve runs without --http, or elsewhere; metrics and the status board are unavailable", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return "fail", fmt.Sprintf("serve reports it is not ready: %s", oneLine(string(body)))
	}
	return "ok", "serve is ready (" + oneLine(string(body)) + ")"
}

// checkESL checks each FreeSWITCH node: its password, its event socket, and
// what the running listener last reported.
func checkESL(ctx context.Context, cfg *config.Config, store *presence.Store, getenv func(string) string, timeout time.Duration) []finding {
	var fs []finding
	var statuses map[string][]byte
	if store != nil {
		statuses, _ = store.NodeStatuses(ctx)
	}
	for _, n := range cfg.FreeSWITCH.Nodes {
		check := "esl " + n.Name
		if _, err := n.Password(getenv); err != nil {
			fs = append(fs, finding{check, "fail", fmt.Sprintf("no password for the event socket: %v", err)})
			continue
		}
		if err := dialTCP(ctx, n.Addr, timeout); err != nil {
			fs = append(fs, finding{check, "fail", fmt.Sprintf("FreeSWITCH's event socket at %s does not accept connections (%v): is mod_event_socket loaded and listening there?", n.Addr, err)})
			continue
		}
		var st esl.NodeStatus
		switch b, ok := statuses[n.Name]; {
		case !ok:
			fs = append(fs, finding{check, "warn", fmt.Sprintf("%s accepts connections, but no listener reports on it: serve is not running with this node", n.Addr)})
		case json.Unmarshal(b, &st) != nil || !st.Connected:
			fs = append(fs, finding{check, "fail", fmt.Sprintf("serve cannot stay connected to %s: %s", n.Addr, firstNonEmpty(st.LastError, "not connected"))})
		default:
			fs = append(fs, finding{check, "ok", fmt.Sprintf("connected to %s, last event %s ago", n.Addr, time.Since(st.LastEvent).Round(time.Second))})
		}
	}
	return fs
}

// checkCalendars reports sources that cannot work (a missing file, a
// missing Graph secret) and agents whose last fetch failed.
func checkCalendars(ctx context.Context, cfg *config.Config, cal *calendar.Store) []finding {
	srcs := cfg.Calendar.Sources
	if len(srcs) == 0 {
		return nil
	}
	var fs []finding
	bad := 0
	graphChecked := false
	for _, s := range srcs {
		check := "calendar " + string(s.Agent)
		switch s.Kind {
		case calendar.KindICSFile:
			if _, err := os.Stat(s.Where); err != nil {
				fs = append(fs, finding{check, "fail", fmt.Sprintf("calendar file cannot be read: %v", err)})
				bad++
				continue
			}
		case calendar.KindGraph:
			if !graphChecked {
				graphChecked = true
				if _, err := cfg.Calendar.Graph.ClientSecret(); err != nil {
					fs = append(fs, finding{"calendar", "fail", fmt.Sprintf("Outlook (Graph) calendars cannot be read: %v", err)})
				}
			}
		}
		if cal == nil {
			continue
		}
		r, err := cal.Load(ctx, s.Agent)
		switch {
		case err != nil:
		case r.Never && r.Error == "":
			fs = append(fs, finding{check, "warn", "never fetched yet: serve fetches calendars while it runs"})
			bad++
		case r.Error != "":
			fs = append(fs, finding{check, "fail", fmt.Sprintf("the last fetch failed (%s); meetings from %s are used until they are %s old", r.Error, r.Synced.Format("2006-01-02 15:04"), cal.MaxStale)})
			bad++
		}
	}
	fs = append(fs, finding{"calendars", map[bool]string{true: "ok", false: "warn"}[bad == 0],
		fmt.Sprintf("%d of %d calendars fine", len(srcs)-bad, len(srcs))})
	return fs
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", ";")), " ")
}
