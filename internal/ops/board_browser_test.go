package ops_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sentralbord/sentralbord/internal/ops"
	"github.com/sentralbord/sentralbord/routing"
)

// browser starts Debian's headless Chromium, or skips the test when it is
// not installed (unless SENTRALBORD_REQUIRE_BROWSER=1, as CI sets).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("SENTRALBORD_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium not installed and SENTRALBORD_REQUIRE_BROWSER=1 (apt-get install chromium)")
		}
		t.Skip("chromium not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(412, 915), // a phone
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func TestBoardFollowsRedisInChromium(t *testing.T) {
	f := newFixture(t)
	ctx := browser(t)
	run := func(timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return chromedp.Do(c, steps...)
	}
	text := func(sel string) (string, error) {
		c, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
	}
	if err := run(15*time.Second,
		chromedp.Navigate(f.url+"/board"),
		// The event stream has rendered once the labels are Norwegian.
		chromedp.WaitVisible(chromedp.CSS(`#loop-1 li[data-agent="anna"][data-state="free"]`)),
		chromedp.WaitVisible(chromedp.Search(`//li[@data-agent="anna"]/span[@class="state"][text()="Ledig"]`)),
	); err != nil {
		t.Fatalf("board did not load: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 5*time.Second)
	defer tcancel()
	if title, err := chromedp.Run(tctx, chromedp.Title()); err != nil || title != "Sentralbord" {
		t.Errorf("title %q, %v", title, err)
	}

	// A supervisor logs Anna out: the board shows it within a second.
	until := time.Now().AddDate(0, 0, 14)
	start := time.Now()
	if _, err := f.store.Logout(context.Background(), "anna", routing.ReasonFerie, until, cli); err != nil {
		t.Fatal(err)
	}
	if err := run(time.Second, chromedp.WaitVisible(chromedp.CSS(`#loop-1 li[data-agent="anna"][data-state="logged-out"]`))); err != nil {
		t.Fatalf("logout not shown within a second: %v", err)
	}
	t.Logf("logout shown after %v", time.Since(start).Round(time.Millisecond))
	got, err := text(`#loop-1 li[data-agent="anna"] .state`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Logget ut · ferie til " + until.Format("2006-01-02"); got != want {
		t.Errorf("anna shows %q, want %q", got, want)
	}

	// Bente, in both loops, goes to lunch: both loops change.
	if _, err := f.store.SetStatus(context.Background(), "bente", routing.StatusLunch, cli); err != nil {
		t.Fatal(err)
	}
	if err := run(time.Second,
		chromedp.WaitVisible(chromedp.CSS(`#loop-1 li[data-agent="bente"][data-state="away"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#loop-3 li[data-agent="bente"][data-state="away"]`)),
	); err != nil {
		t.Fatalf("status change not shown within a second: %v", err)
	}
}

func TestBoardBasicAuth(t *testing.T) {
	f := newFixture(t)
	srv := &ops.Server{Board: &ops.Board{Source: f.src}, BoardUser: "vakt", BoardPassword: "s3cret"}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for _, c := range []struct {
		name, path, user, pass string
		want                   int
	}{
		{"board without credentials", "/board", "", "", http.StatusUnauthorized},
		{"events with a wrong password", "/board/events", "vakt", "nope", http.StatusUnauthorized},
		{"snapshot with credentials", "/board/snapshot", "vakt", "s3cret", http.StatusOK},
		{"health needs none", "/healthz", "", "", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, hs.URL+c.path, nil)
			if c.user != "" {
				req.SetBasicAuth(c.user, c.pass)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != c.want {
				t.Errorf("%s: %d, want %d", c.path, res.StatusCode, c.want)
			}
		})
	}
}
