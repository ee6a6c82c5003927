// Command sentralbord runs a telephone switchboard on Asterisk or FreeSWITCH:
// the FastAGI routing service and the supervisor's command line.
package main

import (
	"context"
	"os"

	"github.com/sentralbord/sentralbord/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.DefaultEnv(), version))
}
