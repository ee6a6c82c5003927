package fstest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Channel is the caller's channel the fake presents.
type Channel struct {
	UUID         string
	Name         string // "sofia/internal/1000@127.0.0.1", "loopback/ivr-b"
	CallerNumber string
	CallerName   string
	Destination  string
	Answered     bool              // the dialplan answered before the socket
	Vars         map[string]string // channel variables without "variable_", e.g. sb_loop
	// VarOrder is the order the dialplan set Vars in (FreeSWITCH keeps
	// variables in the order they were last set); names not in it follow,
	// sorted.
	VarOrder []string
	// Caller profile fields a real channel may carry; empty ones are left
	// out of the events, as FreeSWITCH does. Context is "default" when
	// empty.
	Context        string
	CalleeName     string
	CalleeNumber   string
	TransferSource string
	RDNIS          string
}

// header is one "Name: value" line of an event.
type header struct{ name, value string }

// varList is a channel's variables as FreeSWITCH keeps them: in the order
// they were last set. Setting one moves it to the end; setting it empty
// deletes it; pushing onto one that exists turns it into an ARRAY:: value
// where it stands.
type varList []header

func (l varList) index(k string) int {
	return slices.IndexFunc(l, func(h header) bool { return h.name == k })
}

func (l varList) get(k string) string {
	if i := l.index(k); i >= 0 {
		return l[i].value
	}
	return ""
}

func (l *varList) set(k, v string) {
	if i := l.index(k); i >= 0 {
		*l = slices.Delete(*l, i, i+1)
	}
	if v != "" {
		*l = append(*l, header{k, v})
	}
}

func (l *varList) push(k, v string) {
	i := l.index(k)
	if i < 0 {
		*l = append(*l, header{k, v})
		return
	}
	old := (*l)[i].value
	if !strings.HasPrefix(old, "ARRAY::") {
		old = "ARRAY::" + old
	}
	(*l)[i].value = old + "|:" + v
}

func (l varList) clone() map[string]string {
	m := make(map[string]string, len(l))
	for _, h := range l {
		m[h.name] = h.value
	}
	return m
}

// initialVars are the variables a channel has when the dialplan runs the
// socket application: the endpoint's, then the dialplan's (Vars), then
// those the socket application sets.
func (c *Call) initialVars(socketAddr string) varList {
	ch := c.Channel
	codec, rate, _ := ch.codec()
	var l varList
	for _, h := range []header{
		{"direction", "inbound"}, {"uuid", ch.UUID}, {"session_id", strconv.Itoa(sessionID(ch.UUID))},
		{"channel_name", ch.Name}, {"read_codec", codec}, {"read_rate", rate}, {"write_codec", codec}, {"write_rate", rate},
		{"call_uuid", ch.UUID},
	} {
		l.set(h.name, h.value)
	}
	names := slices.Sorted(maps.Keys(ch.Vars))
	slices.SortStableFunc(names, func(a, b string) int { return order(ch.VarOrder, a) - order(ch.VarOrder, b) })
	for _, k := range names {
		l.set(k, ch.Vars[k])
	}
	// What switch_core_session_exec and the socket application set.
	l.set("current_application", "socket")
	l.set("current_application_data", socketAddr+" async full")
	l.set("current_application", "socket")
	l.set("socket_host", "127.0.0.1")
	return l
}

// order is a name's place in VarOrder; names not in it come after.
func order(list []string, name string) int {
	if i := slices.Index(list, name); i >= 0 {
		return i
	}
	return len(list)
}

func sessionID(uuid string) int {
	n := 0
	for _, r := range uuid {
		n = (n*31 + int(r)) % 997
	}
	return n + 1
}

// codec is what the endpoint reads and writes: loopback channels carry
// L16, SIP ones PCMU.
func (ch Channel) codec() (name, rate, bitRate string) {
	if strings.HasPrefix(ch.Name, "loopback/") {
		return "L16", "8000", "128000"
	}
	return "PCMU", "8000", "64000"
}

func (ch Channel) source() string {
	if i := strings.IndexByte(ch.Name, '/'); i > 0 {
		return "mod_" + ch.Name[:i]
	}
	return "mod_sofia"
}

// leg is the caller profile of one channel: the caller's own (Caller-*),
// or the agent's once bridged (Other-Leg-*).
type leg struct {
	direction, logical          string
	name, number                string
	origName, origNumber        string
	calleeName, calleeNumber    string
	dest, uuid, source          string
	transfer, context, rdnis    string
	channel, index              string
	created, answered, progress int64 // µs since the epoch, 0: not yet
	bridged, hangup             int64
}

// profile is switch_caller_profile_event_set_data: prefix "Caller",
// "Other-Leg" or, in the connect reply, "Channel".
func (g *leg) profile(prefix string) []header {
	var h []header
	add := func(name, v string) {
		if v != "" {
			h = append(h, header{prefix + "-" + name, v})
		}
	}
	t := func(us int64) string { return strconv.FormatInt(us, 10) }
	add("Direction", g.direction)
	add("Logical-Direction", g.logical)
	add("Dialplan", "XML")
	add("Caller-ID-Name", g.name)
	add("Caller-ID-Number", g.number)
	if g.name != "" {
		add("Orig-Caller-ID-Name", g.origName)
	}
	if g.number != "" {
		add("Orig-Caller-ID-Number", g.origNumber)
	}
	add("Callee-ID-Name", g.calleeName)
	add("Callee-ID-Number", g.calleeNumber)
	add("ANI", g.origNumber)
	add("Destination-Number", g.dest)
	add("Unique-ID", g.uuid)
	add("Source", g.source)
	add("Transfer-Source", g.transfer)
	add("Context", g.context)
	add("RDNIS", g.rdnis)
	add("Channel-Name", g.channel)
	add("Profile-Index", g.index)
	add("Profile-Created-Time", t(g.created))
	add("Channel-Created-Time", t(g.created))
	add("Channel-Answered-Time", t(g.answered))
	add("Channel-Progress-Time", t(g.progress))
	add("Channel-Progress-Media-Time", "0")
	add("Channel-Hangup-Time", t(g.hangup))
	add("Channel-Transfer-Time", "0")
	add("Channel-Resurrect-Time", "0")
	add("Channel-Bridged-Time", t(g.bridged))
	add("Channel-Last-Hold", "0")
	add("Channel-Hold-Accum", "0")
	add("Screen-Bit", "true")
	add("Privacy-Hide-Name", "false")
	add("Privacy-Hide-Number", "false")
	return h
}

func (ch Channel) leg(created int64) *leg {
	ctx := ch.Context
	if ctx == "" {
		ctx = "default"
	}
	return &leg{
		direction: "inbound", logical: "inbound", name: ch.CallerName, number: ch.CallerNumber,
		origName: ch.CallerName, origNumber: ch.CallerNumber, calleeName: ch.CalleeName, calleeNumber: ch.CalleeNumber,
		dest: ch.Destination, uuid: ch.UUID, source: ch.source(), transfer: ch.TransferSource, context: ctx,
		rdnis: ch.RDNIS, channel: ch.Name, index: "1", created: created,
	}
}

// unsafe are the bytes switch_url_encode escapes besides controls and
// those above '~' (SWITCH_URL_UNSAFE).
const unsafe = "\r\n #%&+:;<=>?@[\\]^`{|}\""

// encode escapes a header value as FreeSWITCH does in plain events
// (switch_url_encode): %XX for control bytes, bytes above '~' and
// SWITCH_URL_UNSAFE; a % that already starts %XX (upper-case hex) stays.
// An empty value is sent as _undef_.
func encode(s string) string {
	if s == "" {
		return "_undef_"
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && strings.IndexByte(hex, s[i+1]) >= 0 && strings.IndexByte(hex, s[i+2]) >= 0 {
			b.WriteByte(c)
			continue
		}
		if c < ' ' || c > '~' || strings.IndexByte(unsafe, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func micros(t time.Time) int64 { return t.UnixMicro() }
