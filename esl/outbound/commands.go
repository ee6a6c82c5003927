package outbound

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/sentralbord/sentralbord/esl"
)

// command sends one command (its lines without the final blank line) and
// waits for its reply. A command that gets no reply in time closes the
// connection: a reply still in flight could not be told from the next one.
func (c *Conn) command(ctx context.Context, text string) (esl.Frame, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	select {
	case <-c.done:
		return esl.Frame{}, ErrClosed
	default:
	}
	if d, ok := ctx.Deadline(); ok {
		_ = c.nc.SetWriteDeadline(d)
		defer func() { _ = c.nc.SetWriteDeadline(time.Time{}) }()
	}
	if _, err := c.nc.Write([]byte(text + "\n\n")); err != nil {
		_ = c.Close()
		return esl.Frame{}, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	select {
	case f := <-c.replies:
		if r := f.Reply(); f.Type() == esl.TypeReply && strings.HasPrefix(r, "-ERR") {
			return f, fmt.Errorf("%w: %s", ErrCommand, short(r))
		}
		return f, nil
	case <-c.done:
		return esl.Frame{}, ErrClosed
	case <-ctx.Done():
		_ = c.Close()
		return esl.Frame{}, fmt.Errorf("%w: no reply: %w", ErrProtocol, ctx.Err())
	}
}

// MyEvents subscribes to this channel's events, plain format.
func (c *Conn) MyEvents(ctx context.Context) error {
	_, err := c.command(ctx, "myevents")
	return err
}

// Linger keeps the socket open after the hangup until we close it, so the
// hangup events always arrive.
func (c *Conn) Linger(ctx context.Context) error {
	_, err := c.command(ctx, "linger")
	return err
}

// Resume makes FreeSWITCH continue the dialplan after the socket
// application when the socket closes, instead of hanging up.
func (c *Conn) Resume(ctx context.Context) error {
	_, err := c.command(ctx, "resume")
	return err
}

// Execute queues a dialplan application on the channel and returns its
// Event-UUID, which its CHANNEL_EXECUTE_COMPLETE carries as
// Application-UUID. In async mode FreeSWITCH replies at once; the
// application runs after those queued before it.
func (c *Conn) Execute(ctx context.Context, app, arg string) (string, error) {
	if app == "" || strings.ContainsAny(app+arg, "\r\n") {
		return "", fmt.Errorf("execute %q: %w", short(app), ErrBadArgument)
	}
	id := newUUID()
	var b strings.Builder
	b.WriteString("sendmsg\ncall-command: execute\nexecute-app-name: ")
	b.WriteString(app)
	if arg != "" {
		b.WriteString("\nexecute-app-arg: ")
		b.WriteString(arg)
	}
	b.WriteString("\nEvent-UUID: ")
	b.WriteString(id)
	if _, err := c.command(ctx, b.String()); err != nil {
		return "", fmt.Errorf("execute %s: %w", app, err)
	}
	return id, nil
}

// Hangup hangs up the channel.
func (c *Conn) Hangup(ctx context.Context, cause string) error {
	_, err := c.command(ctx, "sendmsg\ncall-command: hangup\nhangup-cause: "+cause)
	return err
}

// API runs an api command over the socket and returns its body.
func (c *Conn) API(ctx context.Context, cmd string) (string, error) {
	if strings.ContainsAny(cmd, "\r\n") {
		return "", fmt.Errorf("api: %w", ErrBadArgument)
	}
	f, err := c.command(ctx, "api "+cmd)
	if err != nil {
		return "", fmt.Errorf("api: %w", err)
	}
	r := f.Reply()
	if strings.HasPrefix(r, "-ERR") {
		return r, fmt.Errorf("api: %w: %s", ErrCommand, short(r))
	}
	return r, nil
}

// SetVars sets channel variables in one api call (uuid_setvar_multi).
// Values may not hold ';', which separates them; it is replaced by ','.
func (c *Conn) SetVars(ctx context.Context, kv [][2]string) error {
	parts := make([]string, 0, len(kv))
	for _, p := range kv {
		parts = append(parts, p[0]+"="+strings.ReplaceAll(p[1], ";", ","))
	}
	_, err := c.API(ctx, "uuid_setvar_multi "+c.uuid+" "+strings.Join(parts, ";"))
	return err
}

// Break stops the application the channel is running (music on hold)
// and those queued behind it.
func (c *Conn) Break(ctx context.Context) error {
	_, err := c.API(ctx, "uuid_break "+c.uuid+" all")
	return err
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
