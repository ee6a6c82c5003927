package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Show is how an entry shows the agent's time, as Outlook calls it.
type Show string

// The free/busy words of Outlook (X-MICROSOFT-CDO-BUSYSTATUS and Graph).
const (
	ShowFree      Show = "free"
	ShowTentative Show = "tentative"
	ShowBusy      Show = "busy"
	ShowOOF       Show = "oof"
	ShowElsewhere Show = "workingElsewhere"
)

// Entry is one occurrence of a calendar event inside the synced window.
type Entry struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	AllDay  bool      `json:"all_day,omitempty"`
	Show    Show      `json:"show"`
	Busy    bool      `json:"busy"`    // the agent gets no queue calls
	Rule    string    `json:"rule"`    // why Busy is what it is
	Subject string    `json:"subject"` // "" for private events
	Private bool      `json:"private,omitempty"`
}

// What is the neutral word routing shows for a busy entry; never the subject.
func (e Entry) What() string {
	switch {
	case e.Show == ShowOOF:
		return "out of office"
	case e.AllDay:
		return "all-day event"
	case e.Show == ShowTentative:
		return "tentative meeting"
	}
	return "meeting"
}

// Rules decide which entries make an agent unavailable.
type Rules struct {
	// Zone is where all-day events and floating times live.
	Zone *time.Location
	// TentativeBusy makes tentative entries busy; by default they are not.
	TentativeBusy bool
	// InfoPrefixes and InfoCategories mark an all-day event informational:
	// a subject starting with a prefix, or one of the categories
	// (case-insensitive). An informational all-day event counts by its
	// show-as only.
	InfoPrefixes   []string
	InfoCategories []string
}

// DefaultRules are the rules when the configuration sets none.
func DefaultRules() Rules {
	return Rules{Zone: mustZone("Europe/Oslo"), InfoPrefixes: []string{"[info]"}, InfoCategories: []string{"Informasjon"}}
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Describe says the rules in one line, for the command line and the docs.
func (r Rules) Describe() string {
	tent := "eligible"
	if r.TentativeBusy {
		tent = "busy"
	}
	info := "none"
	var parts []string
	for _, p := range r.InfoPrefixes {
		parts = append(parts, fmt.Sprintf("subject starts with %q", p))
	}
	for _, c := range r.InfoCategories {
		parts = append(parts, fmt.Sprintf("category %q", c))
	}
	if len(parts) > 0 {
		info = strings.Join(parts, " or ")
	}
	return fmt.Sprintf("busy and out of office: busy; free and working elsewhere: eligible; tentative: %s; "+
		"all-day events: busy for the whole day in %s unless informational (%s)", tent, r.zone(), info)
}

func (r Rules) zone() *time.Location {
	if r.Zone == nil {
		return time.Local
	}
	return r.Zone
}

// informational reports the rule that marks an all-day event informational.
func (r Rules) informational(subject string, categories []string) string {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range r.InfoPrefixes {
		if p != "" && strings.HasPrefix(s, strings.ToLower(p)) {
			return fmt.Sprintf("subject starts with %q", p)
		}
	}
	for _, c := range r.InfoCategories {
		if slices.ContainsFunc(categories, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), c) }) {
			return fmt.Sprintf("category %q", c)
		}
	}
	return ""
}

// decide sets Busy and Rule on e. Private subjects are hidden afterwards, so
// the informational rule still sees them.
func (r Rules) decide(e *Entry, categories []string) {
	defer func() {
		if e.Private {
			e.Subject = ""
		}
	}()
	if e.AllDay {
		why := r.informational(e.Subject, categories)
		if why == "" {
			e.Busy, e.Rule = true, "all-day event (shown as "+string(e.Show)+"): busy the whole day"
			return
		}
		defer func() { e.Rule = "informational all-day event (" + why + "); " + e.Rule }()
	}
	switch e.Show {
	case ShowBusy:
		e.Busy, e.Rule = true, "shown as busy"
	case ShowOOF:
		e.Busy, e.Rule = true, "out of office"
	case ShowTentative:
		e.Busy = r.TentativeBusy
		e.Rule = "tentative: eligible by setting"
		if e.Busy {
			e.Rule = "tentative: busy by setting"
		}
	case ShowElsewhere:
		e.Rule = "working elsewhere: eligible"
	default:
		e.Rule = "shown as free: eligible"
	}
}

// parseShow maps Outlook's busy status word; unknown words count as busy.
func parseShow(s string) Show {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "FREE":
		return ShowFree
	case "TENTATIVE":
		return ShowTentative
	case "OOF", "OUTOFOFFICE":
		return ShowOOF
	case "WORKINGELSEWHERE":
		return ShowElsewhere
	}
	return ShowBusy
}
