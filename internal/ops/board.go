package ops

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"time"
)

//go:embed board.html
var boardHTML string

var boardPage = template.Must(template.New("board").Parse(boardHTML))

// Board is the live status board: one page that renders a snapshot and
// then follows /board/events, a Server-Sent Events stream that sends the
// whole snapshot whenever it changes.
type Board struct {
	Source *Source
	Title  string
	// Interval is how often each open board reads Redis (500ms): a change
	// shows within a second without waiting for a publish.
	Interval time.Duration
	Log      *slog.Logger
}

func (b *Board) interval() time.Duration {
	if b.Interval > 0 {
		return b.Interval
	}
	return 500 * time.Millisecond
}

func (b *Board) read(ctx context.Context) (Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return b.Source.Snapshot(ctx)
}

func (b *Board) page(w http.ResponseWriter, r *http.Request) {
	snap, err := b.read(r.Context())
	data := struct {
		Title  string
		Snap   Snapshot
		Err    string
		States []string
	}{Title: b.Title, Snap: snap, States: States}
	if data.Title == "" {
		data.Title = "Sentralbord"
	}
	if err != nil {
		data.Err = "Redis svarer ikke: tavlen er tom til den svarer."
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	var buf bytes.Buffer
	if err := boardPage.Execute(&buf, data); err != nil {
		http.Error(w, "board: "+err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(buf.Bytes())
}

func (b *Board) snapshot(w http.ResponseWriter, r *http.Request) {
	snap, err := b.read(r.Context())
	if err != nil {
		http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(snap)
}

// events streams the snapshot: at once, then whenever it differs from the
// last one sent; a comment every 15 seconds keeps proxies from closing an
// idle stream. A Redis failure is sent as an "error" event and retried.
func (b *Board) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ctx := r.Context()
	tick := time.NewTicker(b.interval())
	defer tick.Stop()
	var last []byte
	lastWrite := time.Now()
	for {
		snap, err := b.read(ctx)
		var frame []byte
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			frame, last = []byte("event: error\ndata: redis\n\n"), nil
		default:
			// The time changes every read; compare the loops only.
			body, _ := json.Marshal(snap.Loops)
			if !bytes.Equal(body, last) {
				last = body
				msg, _ := json.Marshal(snap)
				frame = append(append([]byte("data: "), msg...), '\n', '\n')
			} else if time.Since(lastWrite) > 15*time.Second {
				frame = []byte(": keep-alive\n\n")
			}
		}
		if frame != nil {
			if _, err := w.Write(frame); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
