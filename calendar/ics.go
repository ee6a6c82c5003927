package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// MaxFeedSize bounds one ICS feed; a year of a busy calendar is well under it.
const MaxFeedSize = 16 << 20

// ErrInvalidFeed is wrapped by every error about a feed's content.
var ErrInvalidFeed = errors.New("invalid calendar feed")

// LineError is a problem in a feed at a line (1-based; 0 when unknown).
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v: line %d: %s", ErrInvalidFeed, e.Line, e.Msg)
	}
	return fmt.Sprintf("%v: %s", ErrInvalidFeed, e.Msg)
}

func (e *LineError) Unwrap() error { return ErrInvalidFeed }

// ParseICS reads an iCalendar feed and returns the entries overlapping
// [from, to), sorted by start, each decided by rules.
func ParseICS(data []byte, from, to time.Time, rules Rules) ([]Entry, error) {
	if len(data) > MaxFeedSize {
		return nil, &LineError{Msg: fmt.Sprintf("larger than %d bytes", MaxFeedSize)}
	}
	lr := &lineReader{data: data}
	cal, err := safeDecode(ical.NewDecoder(lr))
	if err != nil {
		// The decoder reads one line ahead to unfold continuations.
		return nil, &LineError{Line: max(lr.lines-1, 1), Msg: strings.TrimPrefix(err.Error(), "ical: ")}
	}
	p := &parser{rules: rules, zones: newZones(cal, rules.zone()), data: data, from: from, to: to}
	return p.run(cal)
}

func safeDecode(dec *ical.Decoder) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse: %v", r)
		}
	}()
	cal, err = dec.Decode()
	if errors.Is(err, io.EOF) {
		err = errors.New("unexpected end of feed (missing END:VCALENDAR?)")
	}
	return cal, err
}

// lineReader hands the decoder one line per Read, so the lines read tell
// where a syntax error is.
type lineReader struct {
	data  []byte
	lines int
}

func (r *lineReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := bytes.IndexByte(r.data, '\n') + 1
	if n == 0 || n > len(b) {
		n = min(len(r.data), len(b))
	}
	copy(b, r.data[:n])
	if b[n-1] == '\n' || n == len(r.data) {
		r.lines++
	}
	r.data = r.data[n:]
	return n, nil
}

type parser struct {
	rules    Rules
	zones    *zones
	data     []byte
	from, to time.Time
	out      []Entry
}

func (p *parser) run(cal *ical.Calendar) ([]Entry, error) {
	masters := map[string]ical.Event{}
	moved := map[string]map[int64]bool{} // UID → RECURRENCE-IDs with their own VEVENT
	var order []string
	for _, ev := range cal.Events() {
		uid := propText(ev.Props, ical.PropUID)
		rid := ev.Props.Get(ical.PropRecurrenceID)
		if rid == nil {
			if _, dup := masters[uid]; !dup || uid == "" {
				order = append(order, uid)
			}
			if uid == "" {
				if err := p.event(ev, nil); err != nil {
					return nil, err
				}
				continue
			}
			masters[uid] = ev
			continue
		}
		t, _, err := p.when(rid)
		if err != nil {
			return nil, p.errAt(uid, "RECURRENCE-ID: %v", err)
		}
		if moved[uid] == nil {
			moved[uid] = map[int64]bool{}
		}
		moved[uid][t.Unix()] = true
		// An override stands on its own; a cancelled one removes the occurrence.
		if err := p.event(ev, nil); err != nil {
			return nil, err
		}
	}
	for _, uid := range order {
		if ev, ok := masters[uid]; ok && uid != "" {
			if err := p.event(ev, moved[uid]); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(p.out, func(i, j int) bool { return p.out[i].Start.Before(p.out[j].Start) })
	return p.out, nil
}

// event adds the occurrences of ev inside the window, skipping those in skip.
func (p *parser) event(ev ical.Event, skip map[int64]bool) error {
	uid := propText(ev.Props, ical.PropUID)
	if strings.EqualFold(propText(ev.Props, ical.PropStatus), "CANCELLED") {
		return nil
	}
	dtstart := ev.Props.Get(ical.PropDateTimeStart)
	if dtstart == nil {
		return p.errAt(uid, "event without DTSTART")
	}
	start, allDay, err := p.when(dtstart)
	if err != nil {
		return p.errAt(uid, "DTSTART: %v", err)
	}
	if strings.EqualFold(propText(ev.Props, "X-MICROSOFT-CDO-ALLDAYEVENT"), "TRUE") && !allDay {
		// Outlook sometimes writes all-day events as local midnights.
		allDay = true
		start = localDate(start, p.rules.zone())
	}
	days, dur, err := p.length(ev, start, allDay)
	if err != nil {
		return p.errAt(uid, "%v", err)
	}
	tmpl := p.template(ev, allDay)
	end := func(s time.Time) time.Time {
		if allDay {
			return s.AddDate(0, 0, days)
		}
		return s.Add(dur)
	}
	rr := ev.Props.Get(ical.PropRecurrenceRule)
	if rr == nil {
		p.add(tmpl, start, end(start))
		return nil
	}
	opt, err := rrule.StrToROptionInLocation(rr.Value, start.Location())
	if err != nil {
		return p.errAt(uid, "RRULE: %v", err)
	}
	opt.Dtstart = start
	rule, err := rrule.NewRRule(*opt)
	if err != nil {
		return p.errAt(uid, "RRULE: %v", err)
	}
	set := &rrule.Set{}
	set.RRule(rule)
	for _, name := range []string{ical.PropExceptionDates, ical.PropRecurrenceDates} {
		for _, prop := range ev.Props.Values(name) {
			ts, err := p.whens(&prop)
			if err != nil {
				return p.errAt(uid, "%s: %v", name, err)
			}
			for _, t := range ts {
				if name == ical.PropExceptionDates {
					set.ExDate(t)
				} else {
					set.RDate(t)
				}
			}
		}
	}
	// Look back far enough to catch an occurrence that began before the window.
	look := p.from.Add(-dur).AddDate(0, 0, -days-1)
	for _, s := range set.Between(look, p.to, true) {
		if skip[s.Unix()] {
			continue
		}
		p.add(tmpl, s, end(s))
	}
	return nil
}

func (p *parser) add(tmpl Entry, start, end time.Time) {
	if !end.After(p.from) || !start.Before(p.to) {
		return
	}
	tmpl.Start, tmpl.End = start, end
	p.out = append(p.out, tmpl)
}

// template is the entry without its times, decided by the rules.
func (p *parser) template(ev ical.Event, allDay bool) Entry {
	e := Entry{AllDay: allDay, Subject: propText(ev.Props, ical.PropSummary)}
	if s := propText(ev.Props, "X-MICROSOFT-CDO-BUSYSTATUS"); s != "" {
		e.Show = parseShow(s)
	} else if strings.EqualFold(propText(ev.Props, ical.PropTransparency), "TRANSPARENT") {
		e.Show = ShowFree
	} else {
		e.Show = ShowBusy
	}
	switch strings.ToUpper(propText(ev.Props, ical.PropClass)) {
	case "PRIVATE", "CONFIDENTIAL":
		e.Private = true
	}
	var cats []string
	for _, c := range ev.Props.Values(ical.PropCategories) {
		if l, err := c.TextList(); err == nil {
			cats = append(cats, l...)
		}
	}
	p.rules.decide(&e, cats)
	return e
}

// length is an event's length: whole days for all-day events, a duration
// otherwise.
func (p *parser) length(ev ical.Event, start time.Time, allDay bool) (days int, dur time.Duration, err error) {
	if prop := ev.Props.Get(ical.PropDateTimeEnd); prop != nil {
		end, _, err := p.when(prop)
		if err != nil {
			return 0, 0, fmt.Errorf("DTEND: %v", err)
		}
		if allDay {
			return max(daysBetween(start, localDate(end, p.rules.zone())), 1), 0, nil
		}
		return 0, max(end.Sub(start), 0), nil
	}
	if prop := ev.Props.Get(ical.PropDuration); prop != nil {
		d, err := prop.Duration()
		if err != nil {
			return 0, 0, fmt.Errorf("DURATION: %v", err)
		}
		if allDay {
			return max(int(d/(24*time.Hour)), 1), 0, nil
		}
		return 0, d, nil
	}
	if allDay {
		return 1, 0, nil
	}
	return 0, 0, nil
}

// when parses a DATE or DATE-TIME property: dates are local midnights in
// the rules' zone, floating times are in that zone, TZIDs go through zones.
func (p *parser) when(prop *ical.Prop) (time.Time, bool, error) {
	ts, err := p.whens(prop)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(ts) != 1 {
		return time.Time{}, false, fmt.Errorf("want one value, found %q", prop.Value)
	}
	return ts[0], isDate(prop, prop.Value), nil
}

func (p *parser) whens(prop *ical.Prop) ([]time.Time, error) {
	var out []time.Time
	for _, v := range strings.Split(prop.Value, ",") {
		v = strings.TrimSpace(v)
		var t time.Time
		var err error
		switch {
		case isDate(prop, v):
			t, err = time.ParseInLocation("20060102", v, p.rules.zone())
		case strings.HasSuffix(v, "Z"):
			t, err = time.ParseInLocation("20060102T150405Z", v, time.UTC)
		default:
			t, err = time.ParseInLocation("20060102T150405", v, p.zones.get(prop.Params.Get(ical.PropTimezoneID)))
		}
		if err != nil {
			return nil, fmt.Errorf("invalid date %q", v)
		}
		out = append(out, t)
	}
	return out, nil
}

func isDate(prop *ical.Prop, v string) bool {
	return prop.ValueType() == ical.ValueDate || prop.ValueType() == ical.ValueDefault && len(v) == 8
}

// localDate is the midnight starting t's date in loc.
func localDate(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// daysBetween counts calendar days, not 24-hour periods: DST days have 23 or 25.
func daysBetween(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return int(time.Date(yb, mb, db, 12, 0, 0, 0, time.UTC).Sub(time.Date(ya, ma, da, 12, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

func propText(props ical.Props, name string) string {
	prop := props.Get(name)
	if prop == nil {
		return ""
	}
	if s, err := prop.Text(); err == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(prop.Value)
}

// errAt reports a problem with the event uid at the line of its UID.
func (p *parser) errAt(uid, format string, args ...any) error {
	line := 0
	if uid != "" {
		for i, l := range bytes.Split(p.data, []byte("\n")) {
			if bytes.HasPrefix(bytes.TrimSpace(l), []byte("UID:"+uid)) {
				line = i + 1
				break
			}
		}
	}
	return &LineError{Line: line, Msg: fmt.Sprintf(format, args...)}
}
