package calendar

import (
	"strings"
	"time"
	_ "time/tzdata" // Windows hosts and slim containers lack a zone database.

	ical "github.com/emersion/go-ical"
)

// windowsZones maps the Windows time-zone names Outlook writes as TZID to
// IANA zones (CLDR's windowsZones.xml, territory 001), with the display
// names older Outlook versions write.
var windowsZones = map[string]string{
	"W. Europe Standard Time":        "Europe/Berlin",
	"Romance Standard Time":          "Europe/Paris",
	"Central Europe Standard Time":   "Europe/Budapest",
	"Central European Standard Time": "Europe/Warsaw",
	"GMT Standard Time":              "Europe/London",
	"Greenwich Standard Time":        "Atlantic/Reykjavik",
	"FLE Standard Time":              "Europe/Kiev",
	"GTB Standard Time":              "Europe/Bucharest",
	"E. Europe Standard Time":        "Europe/Chisinau",
	"Russian Standard Time":          "Europe/Moscow",
	"Turkey Standard Time":           "Europe/Istanbul",
	"Israel Standard Time":           "Asia/Jerusalem",
	"South Africa Standard Time":     "Africa/Johannesburg",
	"Arabian Standard Time":          "Asia/Dubai",
	"India Standard Time":            "Asia/Kolkata",
	"China Standard Time":            "Asia/Shanghai",
	"Singapore Standard Time":        "Asia/Singapore",
	"Tokyo Standard Time":            "Asia/Tokyo",
	"AUS Eastern Standard Time":      "Australia/Sydney",
	"Eastern Standard Time":          "America/New_York",
	"Central Standard Time":          "America/Chicago",
	"Mountain Standard Time":         "America/Denver",
	"Pacific Standard Time":          "America/Los_Angeles",
	"Atlantic Standard Time":         "America/Halifax",
	"E. South America Standard Time": "America/Sao_Paulo",
	"UTC":                            "UTC",
	"Coordinated Universal Time":     "UTC",

	"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":      "Europe/Berlin",
	"(UTC+01:00) Brussels, Copenhagen, Madrid, Paris":                   "Europe/Paris",
	"(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague":     "Europe/Budapest",
	"(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb":                      "Europe/Warsaw",
	"(UTC+00:00) Dublin, Edinburgh, Lisbon, London":                     "Europe/London",
	"(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius":         "Europe/Kiev",
	"(UTC) Coordinated Universal Time":                                  "UTC",
	"(UTC-05:00) Eastern Time (US & Canada)":                            "America/New_York",
	"(UTC-08:00) Pacific Time (US & Canada)":                            "America/Los_Angeles",
	"(GMT+01.00) Amsterdam / Berlin / Bern / Rome / Stockholm / Vienna": "Europe/Berlin",
}

// zones resolves the TZIDs of one feed: IANA names, Windows names, and for
// anything else the feed's own VTIMEZONE, matched to the default zone when
// its offsets agree and to a fixed offset otherwise.
type zones struct {
	def   *time.Location
	cache map[string]*time.Location
	vtz   map[string]*ical.Component
}

func newZones(cal *ical.Calendar, def *time.Location) *zones {
	z := &zones{def: def, cache: make(map[string]*time.Location), vtz: make(map[string]*ical.Component)}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			if id := c.Props.Get(ical.PropTimezoneID); id != nil {
				z.vtz[id.Value] = c
			}
		}
	}
	return z
}

func (z *zones) get(tzid string) *time.Location {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if tzid == "" {
		return z.def
	}
	if loc, ok := z.cache[tzid]; ok {
		return loc
	}
	loc := z.resolve(tzid)
	z.cache[tzid] = loc
	return loc
}

func (z *zones) resolve(tzid string) *time.Location {
	if name, ok := windowsZones[tzid]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	// Some writers prefix IANA names with a path, "/Europe/Oslo".
	if loc, err := time.LoadLocation(strings.TrimPrefix(tzid, "/")); err == nil && tzid != "Local" {
		return loc
	}
	c := z.vtz[tzid]
	if c == nil {
		return z.def
	}
	std, dst, ok := vtzOffsets(c)
	if !ok {
		return z.def
	}
	_, jan := time.Date(2026, 1, 15, 12, 0, 0, 0, z.def).Zone()
	_, jul := time.Date(2026, 7, 15, 12, 0, 0, 0, z.def).Zone()
	if std == jan && (dst == jul || dst == std) {
		return z.def
	}
	return time.FixedZone(tzid, std)
}

// vtzOffsets reads TZOFFSETTO of a VTIMEZONE's STANDARD and DAYLIGHT parts.
func vtzOffsets(c *ical.Component) (std, dst int, ok bool) {
	dst = -1 << 30
	for _, sub := range c.Children {
		p := sub.Props.Get(ical.PropTimezoneOffsetTo)
		if p == nil {
			continue
		}
		off, good := parseOffset(p.Value)
		if !good {
			continue
		}
		switch sub.Name {
		case ical.CompTimezoneStandard:
			std, ok = off, true
		case ical.CompTimezoneDaylight:
			dst = off
		}
	}
	if dst == -1<<30 {
		dst = std
	}
	return std, dst, ok
}

func parseOffset(s string) (int, bool) {
	if len(s) != 5 && len(s) != 7 || s[0] != '+' && s[0] != '-' {
		return 0, false
	}
	n := 0
	for _, ch := range s[1:] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
	}
	h, m := int(s[1]-'0')*10+int(s[2]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	n = h*3600 + m*60
	if s[0] == '-' {
		n = -n
	}
	return n, true
}
