package calendar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// GraphConfig are the app credentials for Microsoft Graph. The app needs
// the Calendars.ReadBasic.All (or Calendars.Read) application permission.
type GraphConfig struct {
	Tenant, ClientID, ClientSecret string
	// TokenURL and BaseURL default to Microsoft's; tests point them at a fake.
	TokenURL string
	BaseURL  string
}

// Graph reads free/busy through POST /users/{id}/calendar/getSchedule:
//
//	request:  {"schedules": ["a@x.no", …], "availabilityViewInterval": 60,
//	           "startTime": {"dateTime": "2026-11-29T23:00:00", "timeZone": "UTC"},
//	           "endTime":   {"dateTime": "2026-12-14T23:00:00", "timeZone": "UTC"}}
//	response: {"value": [{"scheduleId": "a@x.no",
//	           "scheduleItems": [{"status": "busy|oof|tentative|free|workingElsewhere",
//	             "isPrivate": false, "subject": "…",
//	             "start": {"dateTime": "2026-11-30T09:00:00.0000000", "timeZone": "UTC"},
//	             "end":   {"dateTime": "2026-11-30T11:00:00.0000000", "timeZone": "UTC"}}],
//	           "error": {"message": "…", "responseCode": "…"}}]}
//
// getSchedule has no all-day flag: an item running from a local midnight
// to a later local midnight in the rules' zone is taken as all-day.
type Graph struct {
	HTTP    *http.Client // adds the app's bearer token
	BaseURL string
	// BatchSize is how many mailboxes one request asks about.
	BatchSize int
	// MaxRetries bounds retries after 429 and 503; each waits Retry-After,
	// at most MaxWait.
	MaxRetries int
	MaxWait    time.Duration
	Sleep      func(context.Context, time.Duration) error
	Rules      Rules
}

// NewGraph returns a Graph that gets tokens with the client-credentials grant.
func NewGraph(ctx context.Context, c GraphConfig, rules Rules) *Graph {
	cc := clientcredentials.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL,
		Scopes: []string{"https://graph.microsoft.com/.default"},
	}
	if cc.TokenURL == "" {
		cc.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(c.Tenant) + "/oauth2/v2.0/token"
	}
	base := c.BaseURL
	if base == "" {
		base = "https://graph.microsoft.com/v1.0"
	}
	hc := cc.Client(context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second}))
	hc.Timeout = 60 * time.Second
	return &Graph{HTTP: hc, BaseURL: strings.TrimSuffix(base, "/"), BatchSize: 20, MaxRetries: 3,
		MaxWait: 2 * time.Minute, Sleep: sleep, Rules: rules}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type graphTime struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

type graphItem struct {
	Status    string    `json:"status"`
	IsPrivate bool      `json:"isPrivate"`
	Subject   string    `json:"subject"`
	Start     graphTime `json:"start"`
	End       graphTime `json:"end"`
}

type graphSchedule struct {
	ScheduleID    string      `json:"scheduleId"`
	ScheduleItems []graphItem `json:"scheduleItems"`
	Error         *struct {
		Message      string `json:"message"`
		ResponseCode string `json:"responseCode"`
	} `json:"error"`
}

// Fetch asks for the schedules of mailboxes in batches. It returns the
// entries of each mailbox that answered and the error of each that did not.
func (g *Graph) Fetch(ctx context.Context, mailboxes []string, from, to time.Time) (map[string][]Entry, map[string]error) {
	got, bad := map[string][]Entry{}, map[string]error{}
	size := max(g.BatchSize, 1)
	for i := 0; i < len(mailboxes); i += size {
		batch := mailboxes[i:min(i+size, len(mailboxes))]
		scheds, err := g.batch(ctx, batch, from, to)
		if err != nil {
			for _, m := range batch {
				bad[m] = err
			}
			continue
		}
		seen := map[string]bool{}
		for _, s := range scheds {
			id := strings.ToLower(s.ScheduleID)
			seen[id] = true
			if s.Error != nil {
				bad[id] = fmt.Errorf("graph: %s", s.Error.Message)
				continue
			}
			es, err := g.entries(s.ScheduleItems)
			if err != nil {
				bad[id] = err
				continue
			}
			got[id] = es
		}
		for _, m := range batch {
			if !seen[strings.ToLower(m)] {
				bad[strings.ToLower(m)] = errors.New("graph: mailbox missing from the answer")
			}
		}
	}
	return got, bad
}

func (g *Graph) batch(ctx context.Context, batch []string, from, to time.Time) ([]graphSchedule, error) {
	body, _ := json.Marshal(map[string]any{
		"schedules":                batch,
		"startTime":                graphTime{from.UTC().Format("2006-01-02T15:04:05"), "UTC"},
		"endTime":                  graphTime{to.UTC().Format("2006-01-02T15:04:05"), "UTC"},
		"availabilityViewInterval": 60,
	})
	endpoint := g.BaseURL + "/users/" + url.PathEscape(batch[0]) + "/calendar/getSchedule"
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", `outlook.timezone="UTC"`)
		resp, err := g.HTTP.Do(req)
		if err != nil {
			return nil, graphErr(err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, MaxFeedSize))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("graph: %w", err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			var out struct {
				Value []graphSchedule `json:"value"`
			}
			if err := json.Unmarshal(data, &out); err != nil {
				return nil, fmt.Errorf("graph: invalid answer: %w", err)
			}
			return out.Value, nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < g.MaxRetries:
			wait := retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if wait > g.MaxWait {
				return nil, &HTTPError{Status: resp.StatusCode, Text: "Retry-After " + wait.String() + " is longer than we wait"}
			}
			if err := g.Sleep(ctx, wait); err != nil {
				return nil, err
			}
		default:
			return nil, &HTTPError{Status: resp.StatusCode, Text: graphMessage(data)}
		}
	}
}

// retryAfter reads seconds or an HTTP date; without one it waits 5 seconds.
func retryAfter(v string, now time.Time) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 5 * time.Second
}

func graphMessage(data []byte) string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
		return e.Error.Code
	}
	return ""
}

// graphErr turns a token failure into the HTTP status of the token endpoint.
func graphErr(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return &HTTPError{Status: re.Response.StatusCode, Text: "token: " + re.ErrorCode}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("graph: %w", err)
}

func (g *Graph) entries(items []graphItem) ([]Entry, error) {
	loc := g.Rules.zone()
	var out []Entry
	for _, it := range items {
		st, err1 := parseGraphTime(it.Start)
		en, err2 := parseGraphTime(it.End)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("graph: %w", err)
		}
		e := Entry{Start: st, End: en, Show: parseShow(it.Status), Subject: it.Subject, Private: it.IsPrivate}
		if ls, le := st.In(loc), en.In(loc); ls.Equal(localDate(ls, loc)) && le.Equal(localDate(le, loc)) && le.After(ls) {
			e.AllDay, e.Start, e.End = true, ls, le
		}
		if strings.EqualFold(it.Status, "unknown") {
			e.Show = ShowFree
		}
		g.Rules.decide(&e, nil)
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func parseGraphTime(gt graphTime) (time.Time, error) {
	loc := time.UTC
	if gt.TimeZone != "" && !strings.EqualFold(gt.TimeZone, "UTC") {
		loc = (&zones{def: time.UTC, cache: map[string]*time.Location{}}).get(gt.TimeZone)
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.9999999", gt.DateTime, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q", gt.DateTime)
	}
	return t, nil
}
