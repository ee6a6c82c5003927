package esltest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Header is one event header, in the order FreeSWITCH would send it.
type Header struct{ Name, Value string }

// Event is an event to fire: its own headers, after the common ones.
type Event struct {
	Name     string // Event-Name
	Subclass string // Event-Subclass, for CUSTOM
	Headers  []Header
}

// appendURLEncoded encodes like FreeSWITCH's switch_url_encode: space is
// %20, never '+'.
func appendURLEncoded(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		if c := s[i]; urlSafe[c] {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

var urlSafe = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'(),", byte(c)) >= 0
	}
	return t
}()

// PlainFrame encodes headers as a text/event-plain frame.
func PlainFrame(hs []Header) []byte {
	body := make([]byte, 0, 512)
	for _, h := range hs {
		body = append(body, h.Name...)
		body = append(body, ": "...)
		body = appendURLEncoded(body, h.Value)
		body = append(body, '\n')
	}
	body = append(body, '\n')
	out := make([]byte, 0, len(body)+64)
	out = append(out, "Content-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\nContent-Type: text/event-plain\n\n"...)
	return append(out, body...)
}

// JSONFrame encodes headers as a text/event-json frame (no trailing newline,
// values not URL-encoded).
func JSONFrame(hs []Header) []byte {
	var body bytes.Buffer
	body.WriteByte('{')
	for i, h := range hs {
		if i > 0 {
			body.WriteByte(',')
		}
		k, _ := json.Marshal(h.Name)
		v, _ := json.Marshal(h.Value)
		body.Write(k)
		body.WriteByte(':')
		body.Write(v)
	}
	body.WriteByte('}')
	return append([]byte("Content-Length: "+strconv.Itoa(body.Len())+"\nContent-Type: text/event-json\n\n"), body.Bytes()...)
}

// Frame encodes headers as an event frame in format "plain" or "json".
func Frame(format string, hs []Header) []byte {
	if format == "json" {
		return JSONFrame(hs)
	}
	return PlainFrame(hs)
}

// APIResponse encodes an api/response frame.
func APIResponse(body string) []byte {
	return []byte("Content-Type: api/response\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body)
}

// Reply encodes a command/reply frame.
func Reply(text string) []byte {
	return []byte("Content-Type: command/reply\nReply-Text: " + text + "\n\n")
}

// Goodbye is the text/disconnect-notice FreeSWITCH sends before it closes.
var Goodbye = []byte("Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")

// Channel builds a CHANNEL_* event for a SIP phone's channel.
func Channel(name, uuid, ext, direction string) Event {
	return Event{Name: name, Headers: []Header{
		{"Channel-State", "CS_EXCHANGE_MEDIA"},
		{"Channel-Name", "sofia/internal/" + ext + "@192.0.2.2:5060"},
		{"Unique-ID", uuid},
		{"Call-Direction", direction},
		{"Channel-Presence-ID", ext + "@192.0.2.2"},
		{"Caller-Username", ext},
		{"Hangup-Cause", "NORMAL_CLEARING"},
		{"Hangup-Cause", "NORMAL_CLEARING"},
	}}
}

// Registration builds a sofia::register, sofia::unregister or sofia::expire event.
func Registration(subclass, user, callID string) Event {
	userKey := "from-user"
	if subclass == "sofia::expire" {
		userKey = "user"
	}
	return Event{Name: "CUSTOM", Subclass: subclass, Headers: []Header{
		{"profile-name", "internal"},
		{userKey, user},
		{"from-host", "192.0.2.2"},
		{"contact", `"` + user + `" <sip:` + user + `@198.51.100.7:5060>`},
		{"call-id", callID},
		{"expires", "3600"},
	}}
}

// Callcenter builds a CUSTOM callcenter::info agent-status-change or
// agent-state-change event.
func Callcenter(action, agent, value string) Event {
	key := "CC-Agent-Status"
	if action == "agent-state-change" {
		key = "CC-Agent-State"
	}
	return Event{Name: "CUSTOM", Subclass: "callcenter::info", Headers: []Header{
		{"CC-Agent", agent}, {"CC-Action", action}, {key, value},
	}}
}

// Status builds the CUSTOM sentralbord::status event our FreeSWITCH
// dialplan fires with the event application.
func Status(ext, action, value string) Event {
	key := "SB-Status"
	if action == "logout" {
		key = "SB-Reason"
	}
	return Event{Name: "CUSTOM", Subclass: "sentralbord::status", Headers: []Header{
		{"Caller-Caller-ID-Number", ext}, {"SB-Action", action}, {key, value},
	}}
}
