package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/routing"
)

// Calendar defaults.
const (
	DefaultCalendarZone     = "Europe/Oslo"
	DefaultCalendarInterval = 5 * time.Minute
	DefaultCalendarMaxStale = 24 * time.Hour
	DefaultCalendarDays     = 14
)

// EnvGraphSecret is the environment variable holding the Graph app's client
// secret; it takes precedence over calendar.graph.client_secret_file.
const EnvGraphSecret = "SENTRALBORD_GRAPH_CLIENT_SECRET"

var (
	calendarIntervalSpan = span{30 * time.Second, 24 * time.Hour}
	calendarStaleSpan    = span{time.Minute, 30 * 24 * time.Hour}
)

// Calendar says how Outlook calendars steer availability.
type Calendar struct {
	Zone         *time.Location // all-day events are whole dates here
	SyncInterval time.Duration
	MaxStale     time.Duration // how long the last good data is used
	Days         int           // how far ahead is synced
	Rules        calendar.Rules
	Graph        Graph
	// Sources are the agents' calendars, in agent order.
	Sources []calendar.Source
}

// Graph holds the Microsoft Graph app registration; the secret is never in the file.
type Graph struct {
	Tenant, ClientID string
	ClientSecretFile string
}

// ClientSecret returns the secret from EnvGraphSecret or the secret file.
func (g Graph) ClientSecret() (string, error) {
	if s := os.Getenv(EnvGraphSecret); s != "" {
		return s, nil
	}
	if g.ClientSecretFile == "" {
		return "", fmt.Errorf("graph client secret: set %s or calendar.graph.client_secret_file", EnvGraphSecret)
	}
	b, err := os.ReadFile(g.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("graph client secret: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

type rawCalendar struct {
	Line                       int
	Zone, SyncInterval         field
	MaxStale, Days, Tentative  field
	InfoPrefixes, InfoCategory list
	InfoGiven                  bool
	Tenant, ClientID, Secret   field
}

func (d *decoder) calendarSection(v *yaml.Node, path string) rawCalendar {
	r := rawCalendar{Line: v.Line}
	if n := deref(v); n == nil || isNull(n) {
		return r
	}
	d.mapping(v, path, map[string]handler{
		"zone":          d.into(&r.Zone),
		"sync_interval": d.into(&r.SyncInterval),
		"max_stale":     d.into(&r.MaxStale),
		"days":          d.into(&r.Days),
		"tentative":     d.into(&r.Tentative),
		"informational": func(v *yaml.Node, p string) {
			r.InfoGiven = true
			if n := deref(v); n == nil || isNull(n) {
				return
			}
			d.mapping(v, p, map[string]handler{
				"subject_prefixes": d.intoList(&r.InfoPrefixes),
				"categories":       d.intoList(&r.InfoCategory),
			})
		},
		"graph": func(v *yaml.Node, p string) {
			if n := deref(v); n == nil || isNull(n) {
				return
			}
			d.mapping(v, p, map[string]handler{
				"tenant":             d.into(&r.Tenant),
				"client_id":          d.into(&r.ClientID),
				"client_secret_file": d.into(&r.Secret),
				"client_secret": func(v *yaml.Node, p string) {
					d.ps.add(v.Line, p, "a secret does not belong in the configuration: set %s in the environment or point client_secret_file at a file only the service can read", EnvGraphSecret)
				},
			})
		},
	})
	return r
}

func (c *checker) calendar() {
	raw := c.raw.Calendar
	cal := Calendar{Rules: calendar.DefaultRules()}
	cal.Zone = cal.Rules.Zone
	if f := raw.Zone; f.Val != "" {
		if loc, err := time.LoadLocation(f.Val); err != nil || f.Val == "Local" {
			c.ps.add(f.Line, "calendar.zone", "unknown time zone %q: use an IANA name such as %q", f.Val, DefaultCalendarZone)
		} else {
			cal.Zone, cal.Rules.Zone = loc, loc
		}
	}
	cal.SyncInterval = c.duration(raw.SyncInterval, "calendar.sync_interval", DefaultCalendarInterval, calendarIntervalSpan)
	cal.MaxStale = c.duration(raw.MaxStale, "calendar.max_stale", DefaultCalendarMaxStale, calendarStaleSpan)
	cal.Days = DefaultCalendarDays
	if f := raw.Days; f.Val != "" {
		if n, err := strconv.Atoi(f.Val); err != nil || n < 1 || n > 366 {
			c.ps.add(f.Line, "calendar.days", "invalid number of days %q: 1 to 366", f.Val)
		} else {
			cal.Days = n
		}
	}
	switch f := raw.Tentative; strings.ToLower(f.Val) {
	case "", "eligible":
	case "busy":
		cal.Rules.TentativeBusy = true
	default:
		c.ps.add(f.Line, "calendar.tentative", "invalid value %q: eligible or busy", f.Val)
	}
	if raw.InfoGiven {
		cal.Rules.InfoPrefixes, cal.Rules.InfoCategories = values(raw.InfoPrefixes), values(raw.InfoCategory)
	}
	cal.Graph = Graph{Tenant: raw.Tenant.Val, ClientID: raw.ClientID.Val, ClientSecretFile: raw.Secret.Val}
	if p := cal.Graph.ClientSecretFile; p != "" && !filepath.IsAbs(p) {
		cal.Graph.ClientSecretFile = filepath.Join(filepath.Dir(c.ps.file), p)
	}
	usesGraph := false
	for _, a := range c.raw.Agents {
		if a.Calendar.Val == "" || !idSyntax.MatchString(a.ID.Val) {
			continue
		}
		src, err := calendar.ParseSource(routing.AgentID(a.ID.Val), a.Calendar.Val, filepath.Dir(c.ps.file))
		if err != nil {
			c.ps.add(a.Calendar.Line, a.Path+".calendar", "%v", err)
			continue
		}
		usesGraph = usesGraph || src.Kind == calendar.KindGraph
		cal.Sources = append(cal.Sources, src)
	}
	if usesGraph && (cal.Graph.Tenant == "" || cal.Graph.ClientID == "") {
		c.ps.add(lineOr(raw.Line, c.raw.Line), "calendar.graph", "agents use graph: calendars; set tenant and client_id (and the secret in %s or client_secret_file)", EnvGraphSecret)
	}
	c.cfg.Calendar = cal
}

func values(l list) []string {
	var out []string
	for _, f := range l.Items {
		if f.Val != "" {
			out = append(out, f.Val)
		}
	}
	return out
}
