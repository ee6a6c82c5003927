package fstest

import (
	"strconv"
	"strings"
	"time"
)

// site is where in FreeSWITCH 1.10.12 an event is fired, as its
// Event-Calling-* headers say.
type site struct{ file, function, line string }

var sites = map[string]site{
	"CHANNEL_DATA":             {"mod_event_socket.c", "parse_command", "2021"},
	"CHANNEL_PARK":             {"switch_ivr.c", "switch_ivr_park", "1002"},
	"CHANNEL_UNPARK":           {"switch_ivr.c", "switch_ivr_park", "1213"},
	"CHANNEL_EXECUTE":          {"switch_core_session.c", "switch_core_session_exec", "2944"},
	"CHANNEL_EXECUTE_COMPLETE": {"switch_core_session.c", "switch_core_session_exec", "2967"},
	"CHANNEL_ANSWER":           {"switch_channel.c", "switch_channel_perform_mark_answered", "3846"},
	"CHANNEL_BRIDGE":           {"switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1689"},
	"CHANNEL_UNBRIDGE":         {"switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1879"},
	"CHANNEL_HANGUP":           {"switch_channel.c", "switch_channel_perform_hangup", "3445"},
	"CHANNEL_STATE":            {"switch_channel.c", "switch_channel_perform_set_running_state", "2408"},
	"CHANNEL_HANGUP_COMPLETE":  {"switch_core_state_machine.c", "switch_core_session_reporting_state", "943"},
}

// The fake's core.
const (
	coreUUID = "0d0cb265-5cf2-47c5-839a-0d6f9207b66c"
	hostname = "fstest"
)

// event is one event of the channel: the headers switch_event_create adds,
// those of the event itself that come before the channel's (pre), the
// channel's (switch_channel_event_set_data, variables only when vars),
// then the event's own that come after (post).
type event struct {
	name      string
	pre, post []header
	vars      bool
	after     func() // changes the channel right after the event, under the same lock
}

// headers builds ev's header lines; the caller holds c.mu.
func (c *Call) headers(ev event) []header {
	c.seq++
	now := time.Now().UTC()
	s := sites[ev.name]
	h := []header{
		{"Event-Name", ev.name}, {"Core-UUID", coreUUID},
		{"FreeSWITCH-Hostname", hostname}, {"FreeSWITCH-Switchname", hostname},
		{"FreeSWITCH-IPv4", "127.0.0.1"}, {"FreeSWITCH-IPv6", "::1"},
		{"Event-Date-Local", now.Format("2006-01-02 15:04:05")},
		{"Event-Date-GMT", now.Format("Mon, 02 Jan 2006 15:04:05 GMT")},
		{"Event-Date-Timestamp", strconv.FormatInt(micros(now), 10)},
		{"Event-Calling-File", s.file}, {"Event-Calling-Function", s.function}, {"Event-Calling-Line-Number", s.line},
		{"Event-Sequence", strconv.Itoa(c.seq)},
	}
	h = append(h, ev.pre...)
	h = append(h, c.channelData()...)
	if ev.vars {
		for _, v := range c.vars {
			h = append(h, header{"variable_" + v.name, v.value})
		}
	}
	return append(h, ev.post...)
}

// channelData is switch_channel_event_set_data without the variables.
func (c *Call) channelData() []header {
	ch := c.Channel
	h := []header{
		{"Channel-State", c.state}, {"Channel-Call-State", c.callState}, {"Channel-State-Number", strconv.Itoa(c.stateNum)},
		{"Channel-Name", ch.Name}, {"Unique-ID", ch.UUID}, {"Call-Direction", "inbound"},
		{"Presence-Call-Direction", "inbound"}, {"Channel-HIT-Dialplan", "true"}, {"Channel-Call-UUID", ch.UUID},
		{"Answer-State", c.answerState()},
	}
	if c.cause != "" {
		h = append(h, header{"Hangup-Cause", c.cause})
	}
	codec, rate, bits := ch.codec()
	h = append(h, header{"Channel-Read-Codec-Name", codec}, header{"Channel-Read-Codec-Rate", rate},
		header{"Channel-Read-Codec-Bit-Rate", bits}, header{"Channel-Write-Codec-Name", codec},
		header{"Channel-Write-Codec-Rate", rate}, header{"Channel-Write-Codec-Bit-Rate", bits})
	h = append(h, c.caller.profile("Caller")...)
	if c.other != nil {
		h = append(h, header{"Other-Type", "originatee"})
		h = append(h, c.other.profile("Other-Leg")...)
	}
	return h
}

func (c *Call) answerState() string {
	switch {
	case c.hungup:
		return "hangup"
	case c.answered:
		return "answered"
	}
	return "ringing"
}

// serialize writes headers as switch_event_serialize does: values
// URL-encoded, one "Name: value" line each.
func serialize(h []header) string {
	var b strings.Builder
	for _, x := range h {
		b.WriteString(x.name)
		b.WriteString(": ")
		b.WriteString(encode(x.value))
		b.WriteByte('\n')
	}
	return b.String()
}

// eventFrame is one text/event-plain frame: the outer headers, then the
// event's headers as its body, ended by a blank line. The caller holds
// c.mu.
func (c *Call) eventFrame(ev event) []byte {
	body := serialize(c.headers(ev)) + "\n"
	return []byte("Content-Length: " + strconv.Itoa(len(body)) + "\nContent-Type: text/event-plain\n\n" + body)
}

// connectReply answers "connect" with the channel's data: the caller
// profile as Channel-*, the channel's headers and variables, then the
// reply's own headers, all one frame without a body.
func (c *Call) connectReply() []byte {
	ev := event{name: "CHANNEL_DATA", pre: c.caller.profile("Channel"), vars: true, post: []header{
		{"Content-Type", "command/reply"}, {"Reply-Text", "+OK\n"}, {"Socket-Mode", "async"}, {"Control", "full"},
	}}
	return []byte(serialize(c.headers(ev)) + "\n")
}

func reply(text string) []byte {
	return []byte("Content-Type: command/reply\nReply-Text: " + text + "\n\n")
}

// apiResponse is an api command's answer; FreeSWITCH ends its bodies
// with a newline ("+OK\n").
func apiResponse(body string) []byte {
	return []byte("Content-Type: api/response\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body)
}

// lingerNotice is sent after CHANNEL_HANGUP_COMPLETE when the client asked
// to linger; FreeSWITCH then waits for the client to close, or the linger
// time.
func (c *Call) lingerNotice(secs int) []byte {
	return []byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + c.Channel.UUID +
		"\nContent-Disposition: linger\nChannel-Name: " + c.Channel.Name + "\nLinger-Time: " + strconv.Itoa(secs) +
		"\nContent-Length: 0\n\n")
}

// goodbye is the body of the disconnect notice.
const goodbye = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

// disconnectNotice is FreeSWITCH's last frame before it closes the socket.
func (c *Call) disconnectNotice() []byte {
	return []byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + c.Channel.UUID +
		"\nContent-Disposition: disconnect\nContent-Length: " + strconv.Itoa(len(goodbye)) + "\n\n" + goodbye)
}
