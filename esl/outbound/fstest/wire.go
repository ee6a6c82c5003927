package fstest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Channel is the caller's channel the fake presents.
type Channel struct {
	UUID         string
	Name         string // "sofia/internal/1000@127.0.0.1"
	CallerNumber string
	CallerName   string
	Destination  string
	Answered     bool              // the dialplan answered before the socket
	Vars         map[string]string // channel variables without "variable_", e.g. sb_loop
}

// encode escapes a header value the way FreeSWITCH does in plain events:
// %XX for everything but letters, digits and -_.~/ (space is %20, never +).
func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// channelHeaders are the lines every event of the channel carries, and the
// connect reply too.
func (c *Call) channelHeaders(name string) []string {
	c.seq++
	ch := c.Channel
	answer := "ringing"
	if c.answered {
		answer = "answered"
	}
	if c.hungup {
		answer = "hangup"
	}
	h := []string{
		"Event-Name: " + name,
		"Core-UUID: 0d0cb265-5cf2-47c5-839a-0d6f9207b66c",
		"FreeSWITCH-Hostname: fstest",
		"Event-Date-Timestamp: " + strconv.FormatInt(time.Now().UnixMicro(), 10),
		"Event-Sequence: " + strconv.Itoa(1000+c.seq),
		"Channel-Direction: inbound",
		"Unique-ID: " + ch.UUID,
		"Channel-Name: " + encode(ch.Name),
		"Answer-State: " + answer,
		"Caller-Caller-ID-Name: " + encode(ch.CallerName),
		"Caller-Caller-ID-Number: " + encode(ch.CallerNumber),
		"Caller-Destination-Number: " + encode(ch.Destination),
		"Caller-Unique-ID: " + ch.UUID,
	}
	for k, v := range c.vars {
		h = append(h, "variable_"+k+": "+encode(v))
	}
	return h
}

// connectReply is the answer to "connect": the channel's data, then the
// reply headers exactly as FreeSWITCH ends them.
func (c *Call) connectReply() []byte {
	h := c.channelHeaders("CHANNEL_DATA")
	h = append(h, "variable_current_application: socket", "Content-Type: command/reply",
		"Reply-Text: %2BOK%0A", "Socket-Mode: async", "Control: full")
	return []byte(strings.Join(h, "\n") + "\n\n")
}

// eventFrame is one text/event-plain frame: the outer headers, then the
// event's headers as its body, ended by a blank line.
func (c *Call) eventFrame(name string, extra ...string) []byte {
	h := append(c.channelHeaders(name), extra...)
	body := strings.Join(h, "\n") + "\n\n"
	return []byte("Content-Length: " + strconv.Itoa(len(body)) + "\nContent-Type: text/event-plain\n\n" + body)
}

func reply(text string) []byte {
	return []byte("Content-Type: command/reply\nReply-Text: " + text + "\n\n")
}

func apiResponse(body string) []byte {
	return []byte("Content-Type: api/response\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body)
}

// lingerNotice is sent after CHANNEL_HANGUP_COMPLETE when the client asked
// to linger; FreeSWITCH then waits for the client to close.
func (c *Call) lingerNotice() []byte {
	return []byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + c.Channel.UUID +
		"\nContent-Disposition: linger\nChannel-Name: " + c.Channel.Name + "\nLinger-Time: -1\nContent-Length: 0\n\n")
}

// disconnectNotice ends a session without linger; FreeSWITCH closes next.
func (c *Call) disconnectNotice() []byte {
	body := "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
	return []byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + c.Channel.UUID +
		"\nContent-Disposition: disconnect\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body)
}
