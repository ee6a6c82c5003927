package outbound

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"
	callcmd "github.com/percipia/eslgo/command/call"
)

// defaultCommandTimeout bounds a command whose context has no deadline.
const defaultCommandTimeout = 5 * time.Second

// plainCommand is a command eslgo has no type for ("resume"); it still goes
// through SendCommand like every other.
type plainCommand string

func (p plainCommand) BuildMessage() string { return string(p) }

// send sends one command through eslgo and waits for its reply. eslgo
// must be given every reply: a SendCommand that stopped waiting would leave
// its reply to the next command. So the wait ends only with a reply; if
// ctx ends first, FreeSWITCH's socket is closed (a command without a reply
// in time means a broken peer, and a reply still in flight could not be
// told from the next one's) and the relay answers in its place
// (replyClosed), as it does for every command once FreeSWITCH is gone.
func (c *Conn) send(ctx context.Context, cmd command.Command) (*eslgo.RawResponse, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	if c.ended() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultCommandTimeout)
		defer cancel()
		deadline, _ = ctx.Deadline()
	}
	late := context.AfterFunc(ctx, func() { _ = c.Close() })
	// Only a relay that stopped working leaves eslgo waiting past this.
	lctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline.Add(libExitTimeout))
	defer cancel()
	resp, err := c.lib.SendCommand(lctx, cmd)
	switch {
	case !late():
		return nil, fmt.Errorf("%w: no reply: %w", ErrProtocol, ctx.Err())
	case err != nil:
		_ = c.Close()
		return nil, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	if r := resp.GetReply(); r == replyClosed {
		return nil, ErrClosed
	} else if strings.HasPrefix(r, "-ERR") {
		return resp, fmt.Errorf("%w: %s", ErrCommand, short(strings.TrimSpace(r)))
	}
	return resp, nil
}

// MyEvents subscribes to this channel's events, plain format.
func (c *Conn) MyEvents(ctx context.Context) error {
	_, err := c.send(ctx, command.MyEvents{Format: "plain"})
	return err
}

// Linger keeps the socket open after the hangup until we close it, so the
// hangup events always arrive.
func (c *Conn) Linger(ctx context.Context) error {
	_, err := c.send(ctx, command.Linger{Enabled: true})
	return err
}

// Resume makes FreeSWITCH continue the dialplan after the socket
// application when the socket closes, instead of hanging up.
func (c *Conn) Resume(ctx context.Context) error {
	_, err := c.send(ctx, plainCommand("resume"))
	return err
}

// Execute queues a dialplan application on the channel and returns its
// Event-UUID, which its CHANNEL_EXECUTE_COMPLETE carries as
// Application-UUID. In async mode FreeSWITCH replies at once; the
// application runs after those queued before it, or inside one of them:
// an application that plays media (playback) runs the commands queued
// behind it while it plays, nested, unless it was queued with ExecuteLocked.
func (c *Conn) Execute(ctx context.Context, app, arg string) (string, error) {
	return c.execute(ctx, app, arg, false)
}

// ExecuteLocked is Execute with event-lock: the applications queued behind
// this one wait until it has ended, instead of running inside it (an
// announcement is heard whole before the music queued after it starts).
func (c *Conn) ExecuteLocked(ctx context.Context, app, arg string) (string, error) {
	return c.execute(ctx, app, arg, true)
}

func (c *Conn) execute(ctx context.Context, app, arg string, lock bool) (string, error) {
	if app == "" || strings.ContainsAny(app+arg, "\r\n") {
		return "", fmt.Errorf("execute %q: %w", short(app), ErrBadArgument)
	}
	id := newUUID()
	if _, err := c.send(ctx, &callcmd.Execute{UUID: c.uuid, AppName: app, AppArgs: arg, AppUUID: id, Sync: lock}); err != nil {
		return "", fmt.Errorf("execute %s: %w", app, err)
	}
	return id, nil
}

// Hangup hangs up the channel.
func (c *Conn) Hangup(ctx context.Context, cause string) error {
	_, err := c.send(ctx, callcmd.Hangup{UUID: c.uuid, Cause: cause})
	return err
}

// API runs an api command over the socket and returns its body.
func (c *Conn) API(ctx context.Context, cmd string) (string, error) {
	if strings.ContainsAny(cmd, "\r\n") {
		return "", fmt.Errorf("api: %w", ErrBadArgument)
	}
	name, args, _ := strings.Cut(cmd, " ")
	resp, err := c.send(ctx, command.API{Command: name, Arguments: args})
	if err != nil {
		r := ""
		if resp != nil {
			r = strings.TrimRight(resp.GetReply(), "\n")
		}
		return r, fmt.Errorf("api: %w", err)
	}
	return strings.TrimRight(resp.GetReply(), "\n"), nil
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
// and drops those queued behind it.
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
