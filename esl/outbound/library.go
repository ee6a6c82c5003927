package outbound

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/percipia/eslgo"

	"github.com/sentralbord/sentralbord/esl"
)

// The library is one eslgo outbound server (OutboundOptions.ListenAndServe)
// on a Unix socket in a directory of its own that only this user may enter
// (0700), started the first time a call needs it and shared by every
// Server of the process. Each FreeSWITCH connection our own listener
// accepts is relayed to it (relay.go), and its handler hands the
// *eslgo.Conn it built to that relay.
//
// eslgo's listener has no way to stop: it lives as long as the process, one
// goroutine and one socket. If it ever returns (an Accept error), its
// directory is removed and the next call starts a new one. A connection
// dropped at the wrong moment makes eslgo read EOF (its issue #46), a
// panic no caller can recover; on a loopback TCP port any local process
// could do that, so the socket is a file only this user reaches (bench fs,
// four alternated pairs: 596–716 calls/s against 559–811 on TCP, the same
// within the noise).
var library struct {
	mu     sync.Mutex
	addr   string
	relays sync.Map // relay id → *relay
}

// relayHeader carries the relay's id in the connect reply eslgo gets, so
// that its handler finds the relay the connection belongs to.
const relayHeader = "Sentralbord-Relay"

// Options of the library's server, the same for every call.
const (
	// libConnectTimeout is longer than any relay handshake (maxHandshake):
	// eslgo's own timeout ends in its Close, which races with its goroutines.
	libConnectTimeout = time.Minute
	// libExitTimeout bounds eslgo's wait for the answer to its "exit",
	// which the relay gives at once.
	libExitTimeout = 2 * time.Second
)

// libNetwork is the network of the library's server; its socket is in a
// directory named libDirPrefix, the process id and a random part.
const (
	libNetwork   = "unix"
	libDirPrefix = "sentralbord-eslgo-"
)

// libraryAddr returns the address (socket path) of the library's server,
// starting it if it does not run.
func libraryAddr(log *slog.Logger) (string, error) {
	library.mu.Lock()
	defer library.mu.Unlock()
	if library.addr != "" {
		return library.addr, nil
	}
	var err error
	for range 5 {
		var addr string
		if addr, err = startLibrary(log); err == nil {
			library.addr = addr
			return addr, nil
		}
	}
	return "", fmt.Errorf("start eslgo's outbound server: %w", err)
}

// startLibrary starts eslgo's server on a socket in a new private
// directory (ListenAndServe takes an address, not a listener) and checks
// that what answers there is eslgo.
func startLibrary(log *slog.Logger) (string, error) {
	removeStaleLibraryDirs(log)
	// MkdirTemp makes the directory 0700.
	dir, err := os.MkdirTemp("", libDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("directory of eslgo's socket: %w", err)
	}
	addr := filepath.Join(dir, "outbound.sock")
	opts := eslgo.OutboundOptions{
		Options: eslgo.Options{
			Context: context.Background(), Logger: esl.LibraryLogger{Log: log.With("component", "eslgo")},
			ExitTimeout: libExitTimeout,
		},
		Network: libNetwork, ConnectTimeout: libConnectTimeout, ConnectionDelay: 0,
	}
	failed := make(chan error, 1)
	go func() {
		err := opts.ListenAndServe(addr, serveLibrary)
		_ = os.RemoveAll(dir)
		failed <- err
		library.mu.Lock()
		if library.addr == addr {
			library.addr = ""
		}
		library.mu.Unlock()
		log.Warn("eslgo's outbound server stopped; the next call starts another", "err", err)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case err := <-failed:
			return "", err
		default:
		}
		perr := probeLibrary(addr)
		if perr == nil {
			return addr, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("eslgo's server on %s: %w", addr, perr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// probeLibrary plays FreeSWITCH to the server at addr once: it must send
// "connect"; the reply names no relay, so the handler returns, and eslgo's
// "exit" is answered before eslgo closes its side (libDisconnect first, as
// the relay does).
func probeLibrary(addr string) error {
	nc, err := net.DialTimeout(libNetwork, addr, time.Second)
	if err != nil {
		return err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(nc)
	for _, want := range []string{"connect", "exit"} {
		c, err := readCommand(r)
		if err != nil {
			return err
		}
		if c.name != want {
			return fmt.Errorf("%w: %q instead of %s", ErrProtocol, short(c.name), want)
		}
		reply := esl.Reply("+OK bye")
		if want == "connect" {
			reply = append([]byte(libDisconnect), esl.Reply("-ERR probe")...)
		}
		if _, err := nc.Write(reply); err != nil {
			return err
		}
	}
	_, err = r.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		esl.StopLibrary(nc) // eslgo must not read EOF
		return fmt.Errorf("%w: eslgo did not close after exit", ErrProtocol)
	}
	if err == nil {
		return fmt.Errorf("%w: more after exit", ErrProtocol)
	}
	return nil
}

// serveLibrary is eslgo's handler: it hands the connection to its relay
// and holds it until the relay is done with it. Connections that name no
// relay (the probe, a stranger on the port) end at once.
func serveLibrary(_ context.Context, conn *eslgo.Conn, connect *eslgo.RawResponse) {
	// eslgo does not recover its handler: a panic here would end the process.
	defer func() { _ = recover() }()
	v, ok := library.relays.Load(connect.GetHeader(relayHeader))
	if !ok {
		return
	}
	r := v.(*relay)
	select {
	case r.handed <- conn:
	default:
		return // handed already: a replayed id
	}
	<-r.release
}
