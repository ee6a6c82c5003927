package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printer writes either an aligned table or JSON.
type printer struct {
	w    io.Writer
	json bool
}

func (g *globals) printer() printer { return printer{w: g.env.Stdout, json: g.output == "json"} }

// table prints header and rows aligned, or v as JSON.
func (p printer) table(v any, header []string, rows [][]string) error {
	if p.json {
		return p.jsonOut(v)
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func (p printer) jsonOut(v any) error {
	enc := json.NewEncoder(p.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// message prints a one-line result, or {"message": …} as JSON.
func (p printer) message(changed bool, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.json {
		return p.jsonOut(struct {
			Changed bool   `json:"changed"`
			Message string `json:"message"`
		}{changed, msg})
	}
	_, err := fmt.Fprintln(p.w, msg)
	return err
}

// clock formats a time for a table: the time of day when it is today, the
// date otherwise, "-" when unset.
func clock(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
