package calendar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Kind is where an agent's calendar comes from.
type Kind string

// Kinds of calendar source.
const (
	KindICSURL  Kind = "ics-url"
	KindICSFile Kind = "ics-file"
	KindGraph   Kind = "graph"
)

// Source is one agent's calendar.
type Source struct {
	Agent routing.AgentID
	Kind  Kind
	// Where is the feed URL, the file path or the Graph mailbox address.
	Where string
}

// ParseSource reads the calendar setting of an agent: an http(s) or webcal
// URL of a published Outlook calendar, "graph:user@example.org", or a file
// path (relative paths are taken relative to dir).
func ParseSource(agent routing.AgentID, s, dir string) (Source, error) {
	s = strings.TrimSpace(s)
	src := Source{Agent: agent}
	switch low := strings.ToLower(s); {
	case s == "":
		return src, errors.New("empty calendar")
	case strings.HasPrefix(low, "graph:"):
		addr := strings.TrimSpace(s[len("graph:"):])
		if !strings.Contains(addr, "@") || strings.ContainsAny(addr, " /?") {
			return src, fmt.Errorf("want graph:user@domain, the mailbox address, got %q", s)
		}
		src.Kind, src.Where = KindGraph, addr
	case strings.HasPrefix(low, "http://"), strings.HasPrefix(low, "https://"), strings.HasPrefix(low, "webcal://"):
		if strings.HasPrefix(low, "webcal://") {
			s = "https://" + s[len("webcal://"):]
		}
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return src, errors.New("invalid calendar URL")
		}
		src.Kind, src.Where = KindICSURL, s
	case strings.Contains(low, "://"):
		return src, errors.New("calendar URL must be https://, http://, webcal:// or graph:")
	default:
		p := strings.TrimPrefix(s, "file:")
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		src.Kind, src.Where = KindICSFile, p
	}
	return src, nil
}

// String names the source without secrets: a published calendar URL is a
// password, so only its host is shown.
func (s Source) String() string {
	if s.Kind == KindICSURL {
		if u, err := url.Parse(s.Where); err == nil {
			return "ICS feed at " + u.Host
		}
		return "ICS feed"
	}
	if s.Kind == KindICSFile {
		return "ICS file " + s.Where
	}
	return "Graph mailbox " + s.Where
}

// HTTPError is a feed or Graph answer other than 200.
type HTTPError struct {
	Status int
	Text   string
}

func (e *HTTPError) Error() string {
	if e.Text != "" {
		return fmt.Sprintf("HTTP %d %s: %s", e.Status, http.StatusText(e.Status), e.Text)
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// readICS fetches the raw feed of an ICS source.
func readICS(ctx context.Context, hc *http.Client, src Source) ([]byte, error) {
	if src.Kind == KindICSFile {
		f, err := os.Open(src.Where)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readLimited(f)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.Where, nil)
	if err != nil {
		return nil, errors.New("invalid calendar URL")
	}
	req.Header.Set("Accept", "text/calendar")
	resp, err := hc.Do(req)
	if err != nil {
		// The error repeats the URL, which is a secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &HTTPError{Status: resp.StatusCode}
	}
	return readLimited(resp.Body)
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFeedSize+1))
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	if len(data) > MaxFeedSize {
		return nil, &LineError{Msg: fmt.Sprintf("larger than %d bytes", MaxFeedSize)}
	}
	return data, nil
}

// window is the span a sync covers: from the start of yesterday to days
// ahead, in whole local dates.
func window(now time.Time, loc *time.Location, days int) (time.Time, time.Time) {
	today := localDate(now, loc)
	return today.AddDate(0, 0, -1), today.AddDate(0, 0, days+1)
}
