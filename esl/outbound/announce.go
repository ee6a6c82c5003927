package outbound

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// PromptPlace is the prompt before the number: "Du er nummer …" / "You are
// number …", under the channel's sound_prefix, which the IVR sets per
// language (the Asterisk dialplan plays the same prompt).
const PromptPlace = "sentralbord/plass-i-ko.wav"

// MaxAnnounced is the highest place in line the prompts can say.
const MaxAnnounced = 99

// NumberPrompts are the prompt files that say n (1…MaxAnnounced) in the
// channel's language: sentralbord/tall-<n>.wav below 20, else the tens and
// then the unit ("tjue" "tre", "twenty" "three"), since both bokmål and
// English say 21–99 that way. FreeSWITCH's `say` cannot do it: there is no
// mod_say for Norwegian, and mod_say_en needs a sound pack under the
// channel's sound_prefix that the project does not ship. The files come from
// scripts/prompts.tsv like every other prompt.
func NumberPrompts(n int) []string {
	if n < 1 || n > MaxAnnounced {
		return nil
	}
	name := func(n int) string { return "sentralbord/tall-" + strconv.Itoa(n) + ".wav" }
	if n < 20 {
		return []string{name(n)}
	}
	out := []string{name(n / 10 * 10)}
	if n%10 != 0 {
		out = append(out, name(n%10))
	}
	return out
}

// PlaceAnnouncement is the playback argument that tells the caller their
// place n: the prompt and the number's files as one file_string, which
// FreeSWITCH plays back to back, each under the channel's sound_prefix.
// ok is false when n cannot be said.
func PlaceAnnouncement(n int) (arg string, ok bool) {
	files := NumberPrompts(n)
	if files == nil {
		return "", false
	}
	return "file_string://" + strings.Join(append([]string{PromptPlace}, files...), "!"), true
}

// announce tells the waiting caller their place in line every interval:
// the music stops (uuid_break), the prompt and the number play, then the
// music again. Commands run under the call's context, so that the wait
// ending (wctx) never cuts one off halfway, which would close the socket. A
// failed announcement is logged and the wait goes on. A place beyond
// MaxAnnounced is not announced: the caller keeps the music.
func (cl *call) announce(ctx, wctx context.Context, every time.Duration, pos *atomic.Int64) {
	t := time.NewTicker(every)
	defer t.Stop()
	play := func(arg string, lock bool) func(context.Context) error {
		return func(c context.Context) error {
			var err error
			if lock {
				_, err = cl.c.ExecuteLocked(c, "playback", arg)
			} else {
				_, err = cl.c.Execute(c, "playback", arg)
			}
			return err
		}
	}
	for {
		select {
		case <-wctx.Done():
			return
		case <-t.C:
		}
		say, ok := PlaceAnnouncement(int(pos.Load()))
		if !ok {
			continue
		}
		for _, f := range []func(context.Context) error{
			cl.c.Break, // the music, and nothing queued behind it
			// Locked: without it FreeSWITCH starts the music queued next
			// inside this playback, at once, and the caller hears no
			// announcement at all.
			play(say, true),
			play(cl.rt.music(), false),
		} {
			if wctx.Err() != nil {
				return
			}
			if err := cl.cmd(ctx, f); err != nil {
				cl.log.Warn("announcing the place in line failed", "err", err)
				break
			}
		}
		// Nobody waits for these applications' events; a long wait must
		// not fill the queue with them.
		cl.c.drop()
	}
}
