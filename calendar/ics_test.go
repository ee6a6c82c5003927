package calendar

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var oslo = mustZone("Europe/Oslo")

// summary renders entries as "start–end busy|free show [all-day] subject",
// start and end in UTC so DST shifts are visible.
func summary(es []Entry) []string {
	var out []string
	for _, e := range es {
		b := "free"
		if e.Busy {
			b = "busy"
		}
		s := fmt.Sprintf("%s–%s %s %s", e.Start.UTC().Format("01-02T15:04Z"), e.End.UTC().Format("01-02T15:04Z"), b, e.Show)
		if e.AllDay {
			s += " all-day"
		}
		out = append(out, s+" "+e.Subject)
	}
	return out
}

func parseFile(t *testing.T, name string, from, to time.Time, rules Rules) []Entry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	es, err := ParseICS(data, from, to, rules)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return es
}

func TestOutlookFeeds(t *testing.T) {
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, oslo)
	tests := []struct {
		file     string
		from, to time.Time
		want     []string
	}{
		{"meeting-10-12.ics", nov, nov.AddDate(0, 1, 0), []string{
			"11-30T09:00Z–11-30T11:00Z busy busy Avdelingsmøte",
		}},
		// Ticking "all day" saves it as free; it must still route calls away,
		// for the whole Oslo date (23:00Z the evening before).
		{"all-day-free.ics", nov, nov.AddDate(0, 2, 0), []string{
			"11-30T23:00Z–12-01T23:00Z busy free all-day Fagdag i Drammen",
		}},
		{"all-day-informational.ics", nov, nov.AddDate(0, 2, 0), []string{
			"12-01T23:00Z–12-02T23:00Z free free all-day [info] Lønnskjøring denne uka",
			"12-02T23:00Z–12-03T23:00Z free free all-day Påminnelse: frist for reiseregninger",
		}},
		// 17 November is excepted; 24 November moved from 09:00 to 13:00.
		{"weekly-exdate-moved.ics", nov, nov.AddDate(0, 2, 0), []string{
			"11-03T08:00Z–11-03T08:30Z busy busy Ukesmøte loop 1",
			"11-10T08:00Z–11-10T08:30Z busy busy Ukesmøte loop 1",
			"11-24T12:00Z–11-24T12:30Z busy busy Ukesmøte loop 1 (flyttet)",
			"12-01T08:00Z–12-01T08:30Z busy busy Ukesmøte loop 1",
			"12-08T08:00Z–12-08T08:30Z busy busy Ukesmøte loop 1",
			"12-15T08:00Z–12-15T08:30Z busy busy Ukesmøte loop 1",
		}},
		// 10:00 Oslo stays 10:00 across both switches; the all-day events
		// on the switch days last 23 and 25 hours.
		{"dst.ics", time.Date(2026, 1, 1, 0, 0, 0, 0, oslo), time.Date(2027, 1, 1, 0, 0, 0, 0, oslo), []string{
			"03-23T09:00Z–03-23T10:00Z busy busy Mandagsmøte vår",
			"03-28T23:00Z–03-29T22:00Z busy busy all-day Sommertid-seminar",
			"03-29T00:30Z–03-29T02:00Z busy busy Nattevakt over omstillingen",
			"03-30T08:00Z–03-30T09:00Z busy busy Mandagsmøte vår",
			"04-06T08:00Z–04-06T09:00Z busy busy Mandagsmøte vår",
			"10-19T08:00Z–10-19T09:00Z busy busy Mandagsmøte høst",
			"10-24T22:00Z–10-25T23:00Z busy busy all-day Vintertid-seminar",
			"10-26T09:00Z–10-26T10:00Z busy busy Mandagsmøte høst",
		}},
		{"windows-tzid.ics", nov, nov.AddDate(0, 1, 0), []string{
			"11-30T13:00Z–11-30T14:00Z busy busy Styremøte",
			"11-30T14:30Z–11-30T15:00Z busy busy Gammelt Outlook-møte",
			"11-30T16:00Z–11-30T17:00Z busy busy Møte med Seattle",
		}},
		{"private.ics", nov, nov.AddDate(0, 1, 0), []string{
			"11-30T12:00Z–11-30T13:00Z busy busy ",
		}},
		// BUSYSTATUS first, TRANSP only without it; cancelled is ignored.
		{"statuses.ics", nov, nov.AddDate(0, 1, 0), []string{
			"11-30T07:00Z–11-30T08:00Z free tentative Kanskje: kurs",
			"11-30T08:00Z–11-30T09:00Z busy oof Ute av kontoret",
			"11-30T10:00Z–11-30T11:00Z free workingElsewhere Jobber fra Bergen",
			"11-30T11:00Z–11-30T11:30Z free free Lunsj (ledig)",
			"11-30T11:30Z–11-30T12:00Z free free Uten Outlook-status, gjennomsiktig",
			"11-30T12:00Z–11-30T13:00Z busy busy Uten Outlook-status",
			"11-30T13:00Z–11-30T14:00Z busy busy Outlook-status går foran TRANSP",
		}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".ics"), func(t *testing.T) {
			got := summary(parseFile(t, tt.file, tt.from, tt.to, DefaultRules()))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

func TestTentativeIsASetting(t *testing.T) {
	nov := time.Date(2026, 11, 30, 0, 0, 0, 0, oslo)
	r := DefaultRules()
	r.TentativeBusy = true
	es := parseFile(t, "statuses.ics", nov, nov.AddDate(0, 0, 1), r)
	if es[0].Show != ShowTentative || !es[0].Busy || es[0].Rule != "tentative: busy by setting" {
		t.Errorf("tentative with TentativeBusy: %+v", es[0])
	}
}

func TestPrivateEventHidesSubjectButStillMatchesInformational(t *testing.T) {
	data := []byte(strings.ReplaceAll(`BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:p1
SUMMARY:[info] privat
CLASS:PRIVATE
DTSTART;VALUE=DATE:20261201
DTEND;VALUE=DATE:20261202
X-MICROSOFT-CDO-BUSYSTATUS:FREE
END:VEVENT
END:VCALENDAR
`, "\n", "\r\n"))
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, oslo)
	es, err := ParseICS(data, day, day.AddDate(0, 0, 1), DefaultRules())
	if err != nil || len(es) != 1 {
		t.Fatalf("%v %v", es, err)
	}
	if es[0].Subject != "" || !es[0].Private || es[0].Busy || !strings.Contains(es[0].Rule, "informational") {
		t.Errorf("private informational: %+v", es[0])
	}
}

func TestBrokenFeedNamesTheLine(t *testing.T) {
	data, _ := os.ReadFile("testdata/broken.ics")
	_, err := ParseICS(data, time.Time{}, time.Now(), DefaultRules())
	var le *LineError
	if !errors.As(err, &le) || !errors.Is(err, ErrInvalidFeed) || le.Line != 24 {
		t.Fatalf("want a LineError at line 24, got %v", err)
	}
	bad := []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u9\r\nDTSTART:2026-11-30\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	if _, err := ParseICS(bad, time.Time{}, time.Now(), DefaultRules()); !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("bad DTSTART: want line 3 (its UID), got %v", err)
	}
}
