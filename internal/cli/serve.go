package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/internal/app"
)

func newServeCmd(g *globals) *cobra.Command {
	var listen, httpListen, fsListen, logLevel string
	var drain time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the FastAGI routing service",
		Long: `serve answers Asterisk's FastAGI requests (route, dialresult, hangup).
With no Redis configured it starts an embedded Redis-protocol server on
127.0.0.1:16379, which the other commands also use by default.

SIGTERM stops accepting calls and lets calls in flight finish (up to --drain);
a second SIGTERM or a SIGINT ends them at once.`,
		Example: `  sentralbord serve
  SENTRALBORD_REDIS_ADDR=127.0.0.1:6379 sentralbord serve --config /etc/sentralbord/sentralbord.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usage(err)
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			rc, err := g.redisConfig(cfg)
			if err != nil {
				return err
			}
			if listen == "" {
				listen = g.env.Getenv("SENTRALBORD_AGI_LISTEN")
			}
			if !cmd.Flags().Changed("http") && g.env.Getenv("SENTRALBORD_HTTP_LISTEN") != "" {
				httpListen = g.env.Getenv("SENTRALBORD_HTTP_LISTEN")
			}
			if httpListen == "off" {
				httpListen = ""
			}
			if !cmd.Flags().Changed("fs-listen") && g.env.Getenv("SENTRALBORD_FS_LISTEN") != "" {
				fsListen = g.env.Getenv("SENTRALBORD_FS_LISTEN")
			}
			if fsListen == "off" {
				fsListen = ""
			}
			log := slog.New(slog.NewTextHandler(g.env.Stderr, &slog.HandlerOptions{Level: level}))
			ctx, hard := signalContexts(cmd.Context(), log)
			return app.Run(ctx, hard, app.Options{
				Config: cfg, Redis: rc, Namespace: g.namespaceFor(cfg), AGIListen: listen, HTTPListen: httpListen, FSListen: fsListen, Log: log, DrainTimeout: drain,
			})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "FastAGI address (default: $SENTRALBORD_AGI_LISTEN, the config, 127.0.0.1:4573)")
	cmd.Flags().StringVar(&httpListen, "http", "127.0.0.1:9464", "address of /metrics, /healthz, /readyz and the status board /board (or $SENTRALBORD_HTTP_LISTEN; \"off\" to serve none)")
	cmd.Flags().StringVar(&fsListen, "fs-listen", app.DefaultFSListen, "outbound event socket address for FreeSWITCH's socket application (or $SENTRALBORD_FS_LISTEN; \"off\" to serve none)")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().DurationVar(&drain, "drain", 5*time.Minute, "how long calls in flight may go on after SIGTERM")
	return cmd
}

// signalContexts returns a context that ends on the first SIGTERM (drain) or
// SIGINT, and one that ends on a second signal or on SIGINT (stop now).
func signalContexts(parent context.Context, log *slog.Logger) (context.Context, context.Context) {
	ctx, stop := context.WithCancel(parent)
	hard, stopHard := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		defer signal.Stop(ch)
		first := true
		for {
			select {
			case <-parent.Done():
				return
			case sig := <-ch:
				if first && sig == syscall.SIGTERM {
					log.Info("SIGTERM: no new calls; letting calls in flight finish (send again to end them)")
					stop()
					first = false
					continue
				}
				log.Info("stopping now", "signal", sig.String())
				stop()
				stopHard()
				return
			}
		}
	}()
	return ctx, hard
}
