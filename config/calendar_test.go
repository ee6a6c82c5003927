package config

import (
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/calendar"
)

func TestCalendarSection(t *testing.T) {
	doc := base + `calendar:
  zone: Europe/Oslo
  sync_interval: 2m
  max_stale: 12h
  tentative: busy
  informational:
    subject_prefixes: ["[info]", "Info:"]
    categories: [Informasjon]
  graph: {tenant: t1, client_id: app, client_secret_file: graph.secret}
`
	doc = replaceOnce(t, doc, `extension: "2101"}`, `extension: "2101", calendar: "webcal://outlook.office365.com/owa/calendar/x/calendar.ics"}`)
	doc = replaceOnce(t, doc, `extension: "2102"}`, `extension: "2102", calendar: "graph:kari@example.no"}`)
	cfg := mustParse(t, doc)
	c := cfg.Calendar
	if c.SyncInterval != 2*time.Minute || c.MaxStale != 12*time.Hour || !c.Rules.TentativeBusy || c.Days != DefaultCalendarDays {
		t.Errorf("settings: %+v", c)
	}
	if len(c.Rules.InfoPrefixes) != 2 || c.Rules.InfoCategories[0] != "Informasjon" || c.Graph.ClientSecretFile != "graph.secret" {
		t.Errorf("rules/graph: %+v %+v", c.Rules, c.Graph)
	}
	want := []calendar.Source{
		{Agent: "jenny", Kind: calendar.KindICSURL, Where: "https://outlook.office365.com/owa/calendar/x/calendar.ics"},
		{Agent: "kari", Kind: calendar.KindGraph, Where: "kari@example.no"},
	}
	if len(c.Sources) != 2 || c.Sources[0] != want[0] || c.Sources[1] != want[1] {
		t.Errorf("sources: %+v", c.Sources)
	}
}

func TestCalendarDefaults(t *testing.T) {
	c := mustParse(t, base).Calendar
	if c.Zone.String() != "Europe/Oslo" || c.SyncInterval != DefaultCalendarInterval || c.Rules.TentativeBusy ||
		c.Rules.InfoPrefixes[0] != "[info]" || c.Rules.InfoCategories[0] != "Informasjon" || len(c.Sources) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestCalendarProblems(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "bad settings", edit: []string{"loops:", "calendar:\n  zone: Oslo\n  tentative: maybe\n  days: 0\n  graph: {client_secret: x}\nloops:"}, want: []string{
			`t.yaml:11: calendar.zone: unknown time zone "Oslo": use an IANA name such as "Europe/Oslo"`,
			`t.yaml:12: calendar.tentative: invalid value "maybe": eligible or busy`,
			`t.yaml:13: calendar.days: invalid number of days "0": 1 to 366`,
			`t.yaml:14: calendar.graph.client_secret: a secret does not belong in the configuration: set SENTRALBORD_GRAPH_CLIENT_SECRET in the environment or point client_secret_file at a file only the service can read`,
		}},
		{name: "graph without credentials", edit: []string{`extension: "2101"}`, `extension: "2101", calendar: "graph:jenny@example.no"}`}, want: []string{
			`t.yaml:1: calendar.graph: agents use graph: calendars; set tenant and client_id (and the secret in SENTRALBORD_GRAPH_CLIENT_SECRET or client_secret_file)`,
		}},
		{name: "bad source", edit: []string{`extension: "2101"}`, `extension: "2101", calendar: "ftp://x/cal.ics"}`}, want: []string{
			`t.yaml:7: agents[0].calendar: calendar URL must be https://, http://, webcal:// or graph:`,
		}},
	})
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q not once in document", old)
	}
	return strings.Replace(s, old, new, 1)
}
