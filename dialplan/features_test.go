package dialplan

import (
	"encoding/xml"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/agi"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/routing"
)

const (
	featuresConf = "asterisk/features.conf"
	featuresXML  = "freeswitch/features.xml"
)

// featureRequests are the feature-code requests the agi package serves,
// with the number of arguments each takes.
var featureRequests = map[string]int{
	agi.RequestStatus: 1, // status word
	agi.RequestLogin:  0,
	agi.RequestLogout: 0, // the reason is asked for by key
	agi.RequestBLF:    0,
}

var hintRE = regexp.MustCompile(`^exten\s*=>\s*([0-9]+),hint,(\S+)$`)

// loadFeatures parses features.conf; hint lines, which the shared parser
// does not know, are returned apart as extension → device.
func loadFeatures(t *testing.T) (*dialplanFile, map[string]string) {
	t.Helper()
	data, err := os.ReadFile(featuresConf)
	if err != nil {
		t.Fatal(err)
	}
	hints := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if m := hintRE.FindStringSubmatch(strings.TrimSpace(stripComment(l))); m != nil {
			if _, dup := hints[m[1]]; dup {
				t.Errorf("line %d: second hint for %s", i+1, m[1])
			}
			hints[m[1]] = m[2]
			lines[i] = "" // keep line numbers
		}
	}
	d, err := parseDialplan(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatalf("%s: %v", featuresConf, err)
	}
	return d, hints
}

func TestFeatureCodesCallOnlyServedRequests(t *testing.T) {
	d, _ := loadFeatures(t)
	if d.contexts["sentralbord-features"] == nil || d.contexts["sentralbord-hints"] == nil {
		t.Fatal("features.conf must define [sentralbord-features] and [sentralbord-hints]")
	}
	urlRE := regexp.MustCompile(`^agi://\$\{SB_AGI_HOST\}:\$\{SB_AGI_PORT\}/([^,?/]*)$`)
	statuses := map[string]bool{}
	seen := map[string]bool{}
	for _, p := range d.prios {
		if p.app != "AGI" {
			continue
		}
		args := splitTop(p.args, ',')
		m := urlRE.FindStringSubmatch(args[0])
		if m == nil {
			t.Errorf("line %d: AGI URL %q is not agi://${SB_AGI_HOST}:${SB_AGI_PORT}/<request>", p.line, args[0])
			continue
		}
		want, ok := featureRequests[m[1]]
		if !ok {
			t.Errorf("line %d: %q is not a request the agi package serves", p.line, m[1])
			continue
		}
		if got := len(args) - 1; got != want {
			t.Errorf("line %d: %s takes %d arguments, the dialplan passes %d", p.line, m[1], want, got)
		}
		if m[1] == agi.RequestStatus && len(args) > 1 {
			if _, err := routing.ParseStatus(args[1]); err != nil {
				t.Errorf("line %d: %v", p.line, err)
			}
			statuses[args[1]] = true
		}
		seen[m[1]] = true
	}
	for _, r := range []string{agi.RequestStatus, agi.RequestLogin, agi.RequestLogout} {
		if !seen[r] {
			t.Errorf("no feature code sends %s", r)
		}
	}
	for _, s := range []string{"available", "busy", "away", "lunch", "dnd"} {
		if !statuses[s] {
			t.Errorf("no feature code sets %s", s)
		}
	}
	if errs := d.brokenTargets(d.targets(t)); len(errs) > 0 {
		t.Errorf("broken targets:\n%s", strings.Join(errs, "\n"))
	}
}

func TestEveryExampleAgentHasAHint(t *testing.T) {
	cfg, err := config.Load("../examples/sentralbord.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, hints := loadFeatures(t)
	for _, a := range cfg.Agents {
		if got, want := hints[a.Extension], agi.LampDevice(a.ID); got != want {
			t.Errorf("hint for %s (%s) is %q, want %q", a.Extension, a.ID, got, want)
		}
	}
	if len(hints) != len(cfg.Agents) {
		t.Errorf("%d hints for %d agents", len(hints), len(cfg.Agents))
	}
}

// The FreeSWITCH codes fire exactly the headers esl's classifier reads.
func TestFreeSWITCHFeatureEvents(t *testing.T) {
	data, err := os.ReadFile(featuresXML)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Extensions []struct {
			Name    string `xml:"name,attr"`
			Actions []struct {
				App  string `xml:"application,attr"`
				Data string `xml:"data,attr"`
			} `xml:"condition>action"`
		} `xml:"extension"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var fired []string
	for _, e := range doc.Extensions {
		for _, a := range e.Actions {
			if a.App != "event" {
				continue
			}
			h := map[string]string{}
			for _, kv := range strings.Split(a.Data, ",") {
				k, v, _ := strings.Cut(kv, "=")
				h[k] = v
			}
			if h["Event-Name"] != "CUSTOM" || h["Event-Subclass"] != "sentralbord::status" || h["SB-Agent"] != "${user_name}" {
				t.Errorf("%s: event %q", e.Name, a.Data)
			}
			switch h["SB-Action"] {
			case "status":
				if _, err := routing.ParseStatus(h["SB-Status"]); err != nil {
					t.Errorf("%s: %v", e.Name, err)
				}
				fired = append(fired, "status:"+h["SB-Status"])
			case "logout":
				if _, err := routing.ParseLogoutReason(h["SB-Reason"]); err != nil {
					t.Errorf("%s: %v", e.Name, err)
				}
				fired = append(fired, "logout:"+h["SB-Reason"])
			case "login":
				fired = append(fired, "login")
			default:
				t.Errorf("%s: SB-Action %q", e.Name, h["SB-Action"])
			}
		}
	}
	slices.Sort(fired)
	want := []string{"login", "logout:ferie", "logout:fri", "logout:permisjon",
		"status:available", "status:away", "status:busy", "status:dnd", "status:lunch"}
	if !slices.Equal(fired, want) {
		t.Errorf("events fired %q, want %q", fired, want)
	}
}
