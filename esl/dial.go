package esl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Errors of a connection attempt, so callers and logs can tell a wrong
// password from a FreeSWITCH that is down or silent.
var (
	ErrAuth    = errors.New("event socket refused the password")
	ErrSilent  = errors.New("event socket sent nothing in time")
	ErrRefused = errors.New("event socket not reachable")
)

// upstream is an authenticated connection to a FreeSWITCH node.
type upstream struct {
	conn net.Conn
	br   *bufio.Reader
}

// dialNode connects and authenticates within timeout. eslgo's own Dial
// waits for ever for the greeting, so the handshake is done here and the
// library only ever talks to a peer that has already accepted it.
func dialNode(ctx context.Context, addr, password string, timeout time.Duration) (*upstream, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRefused, addr, err)
	}
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	up := &upstream{conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}
	if err := up.handshake(password); err != nil {
		_ = conn.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("%w within %s: %s", ErrSilent, timeout, addr)
		}
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return up, nil
}

func (u *upstream) handshake(password string) error {
	f, err := ReadFrame(u.br)
	if err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	if f.Type() != TypeAuthRequest {
		return fmt.Errorf("%w: greeting is %q, want %s", ErrFrame, short(f.Type()), TypeAuthRequest)
	}
	if strings.ContainsAny(password, "\r\n") {
		return fmt.Errorf("%w: password contains a line break", ErrAuth)
	}
	if _, err := u.conn.Write([]byte("auth " + password + "\n\n")); err != nil {
		return fmt.Errorf("send auth: %w", err)
	}
	for {
		f, err = ReadFrame(u.br)
		if err != nil {
			return fmt.Errorf("read auth reply: %w", err)
		}
		switch f.Type() {
		case TypeReply:
			if r := f.Reply(); !strings.HasPrefix(r, "+OK") {
				return fmt.Errorf("%w (%s)", ErrAuth, short(r))
			}
			return nil
		case TypeDisconnect:
			return fmt.Errorf("%w (disconnected before a reply)", ErrAuth)
		}
	}
}

func (u *upstream) close() { _ = u.conn.Close() }
