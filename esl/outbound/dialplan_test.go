package outbound_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// stockApps are the FreeSWITCH 1.10 applications the dialplan may use:
// mod_dptools, mod_event_socket (socket), mod_voicemail (voicemail) and
// mod_sndfile/mod_local_stream through playback.
var stockApps = []string{
	"answer", "sleep", "playback", "play_and_get_digits", "transfer", "set", "export",
	"socket", "bridge", "hangup", "voicemail", "event", "log", "read",
}

type xmlAction struct {
	App  string `xml:"application,attr"`
	Data string `xml:"data,attr"`
}

type xmlCondition struct {
	Field   string      `xml:"field,attr"`
	Expr    string      `xml:"expression,attr"`
	Actions []xmlAction `xml:"action"`
	Anti    []xmlAction `xml:"anti-action"`
}

type xmlExtension struct {
	Name       string         `xml:"name,attr"`
	Conditions []xmlCondition `xml:"condition"`
}

type xmlContext struct {
	Name       string         `xml:"name,attr"`
	Extensions []xmlExtension `xml:"extension"`
}

type xmlInclude struct {
	Contexts   []xmlContext   `xml:"context"`
	Extensions []xmlExtension `xml:"extension"` // features.xml: bare extensions
}

func loadDialplan(t *testing.T) map[string]xmlInclude {
	t.Helper()
	files, _ := filepath.Glob("../../dialplan/freeswitch/*.xml")
	if len(files) < 2 {
		t.Fatalf("dialplan files: %v", files)
	}
	out := map[string]xmlInclude{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var inc xmlInclude
		if err := xml.Unmarshal(b, &inc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = inc
	}
	return out
}

// values a variable in a transfer target can hold at run time.
var candidates = map[string][]string{
	"${sb_choice}":       {"", "1", "2", "3", "9"},
	"${sb_result}":       {"", "ok", "none", "voicemail", "callback", "error"},
	"${sb_cb}":           {"", "1", "5"},
	"${sb_loop}":         {"1", "2", "3", "sentralbord", "", "77"},
	"$1":                 {"1", "2", "3", "sentralbord"},
	"${sb_reason_digit}": {"", "1", "2", "3"},
}

func expand(s string) []string {
	out := []string{s}
	for v, vals := range candidates {
		var next []string
		for _, o := range out {
			if !strings.Contains(o, v) {
				next = append(next, o)
				continue
			}
			for _, val := range vals {
				next = append(next, strings.ReplaceAll(o, v, val))
			}
		}
		out = next
	}
	return out
}

func TestFreeSWITCHDialplanUsesStockAppsAndExistingTargets(t *testing.T) {
	files := loadDialplan(t)
	contexts := map[string]xmlContext{}
	for _, inc := range files {
		for _, c := range inc.Contexts {
			contexts[c.Name] = c
		}
		if len(inc.Extensions) > 0 {
			// Bare extensions go into the agents' context: ${context}.
			contexts["${context}"] = xmlContext{Name: "${context}", Extensions: inc.Extensions}
		}
	}
	for _, want := range []string{"sentralbord-ivr", "sentralbord-loop", "sentralbord-result", "sentralbord-fallback"} {
		if _, ok := contexts[want]; !ok {
			t.Fatalf("context %s missing", want)
		}
	}
	for file, inc := range files {
		exts := inc.Extensions
		for _, c := range inc.Contexts {
			exts = append(exts, c.Extensions...)
		}
		for _, e := range exts {
			for _, cond := range e.Conditions {
				if _, err := regexp.Compile(cond.Expr); err != nil {
					t.Errorf("%s %s: expression %q: %v", file, e.Name, cond.Expr, err)
				}
				for _, a := range append(slices.Clone(cond.Actions), cond.Anti...) {
					if !slices.Contains(stockApps, a.App) {
						t.Errorf("%s %s: application %q is not a stock one we list", file, e.Name, a.App)
					}
					if a.App == "transfer" {
						checkTransfer(t, contexts, file+" "+e.Name, a.Data)
					}
					if a.App == "socket" && a.Data != "$${sb_socket} async full" {
						t.Errorf("%s %s: socket %q, want async full to $${sb_socket}", file, e.Name, a.Data)
					}
				}
			}
		}
	}
}

// checkTransfer: "<ext> XML <context>" must reach an extension of an
// existing context for every value its variables can take.
func checkTransfer(t *testing.T, contexts map[string]xmlContext, where, data string) {
	t.Helper()
	for _, d := range expand(data) {
		f := strings.Fields(d)
		ext := ""
		if len(f) == 3 {
			ext, f = f[0], f[1:]
		} else if len(f) == 2 && !strings.HasPrefix(data, "$") && !strings.HasPrefix(data, " ") {
			t.Errorf("%s: transfer %q: want <ext> XML <context>", where, d)
			continue
		}
		if len(f) != 2 || f[0] != "XML" {
			t.Errorf("%s: transfer %q: want <ext> XML <context>", where, d)
			continue
		}
		ctx, ok := contexts[f[1]]
		if !ok {
			t.Errorf("%s: transfer %q: no context %s", where, d, f[1])
			continue
		}
		if !reaches(ctx, ext) {
			t.Errorf("%s: transfer %q: no extension of %s matches %q", where, d, f[1], ext)
		}
	}
}

func reaches(ctx xmlContext, dest string) bool {
	for _, e := range ctx.Extensions {
		if len(e.Conditions) == 0 || e.Conditions[0].Field != "destination_number" {
			continue
		}
		if regexp.MustCompile(e.Conditions[0].Expr).MatchString(dest) {
			return true
		}
	}
	return false
}

var promptRef = regexp.MustCompile(`sentralbord/([a-z0-9-]+)(\.wav)?`)

// Every prompt the FreeSWITCH dialplan plays is a .wav under sentralbord/
// with a name the Asterisk dialplan (or features.xml) also uses, so one
// set of recordings serves both.
func TestFreeSWITCHPromptsAreTheSharedOnes(t *testing.T) {
	known := map[string]bool{}
	for _, g := range []string{"../../dialplan/asterisk/*.conf", "../../dialplan/freeswitch/features.xml"} {
		files, _ := filepath.Glob(g)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, m := range promptRef.FindAllStringSubmatch(string(b), -1) {
				known[m[1]] = true
			}
		}
	}
	for file, inc := range loadDialplan(t) {
		for _, c := range inc.Contexts {
			for _, e := range c.Extensions {
				for _, cond := range e.Conditions {
					for _, a := range append(slices.Clone(cond.Actions), cond.Anti...) {
						if a.App != "playback" && a.App != "play_and_get_digits" {
							continue
						}
						for _, w := range strings.Fields(a.Data) {
							if !strings.HasPrefix(w, "sentralbord/") {
								continue
							}
							m := promptRef.FindStringSubmatch(w)
							if m == nil || m[2] != ".wav" || !known[m[1]] {
								t.Errorf("%s %s: prompt %q is not a shared sentralbord/<name>.wav", file, e.Name, w)
							}
						}
					}
				}
			}
		}
	}
}
