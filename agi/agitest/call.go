package agitest

import (
	"strconv"
	"strings"
	"sync/atomic"
)

// Call describes the channel that runs AGI(): what Asterisk puts into the
// environment block. Empty fields take Asterisk's values for a plain call
// (noted per field); UniqueID and Channel are made up per call when empty.
type Call struct {
	// Request is the AGI URL's path and query without the leading '/':
	// "route?loop=1". Empty for a URL without a path, which Asterisk
	// announces without an agi_network_script line.
	Request string
	// Host is the host:port in agi_request; empty means the address Run
	// dials.
	Host string
	// Args are AGI()'s arguments after the URL; an empty last one is sent
	// as "agi_arg_N: ".
	Args []string

	UniqueID string // agi_uniqueid, e.g. "1795840350.1"
	Channel  string // agi_channel, e.g. "Local/s@agi-basic-00000000;2"
	Type     string // agi_type: the channel's technology, from Channel
	Language string // "en"
	// CallerID and CallerIDName are "" for no caller id, sent as "unknown";
	// CallingPres then defaults to 67 (Asterisk's "number unavailable").
	CallerID     string
	CallerIDName string
	CallingPres  string // "0", or "67" without a caller id
	CallingANI2  string // "0"
	CallingTON   string // "0"
	CallingTNS   string // "0"
	DNID         string // "unknown"
	RDNIS        string // "unknown"
	Context      string // "default"
	Extension    string // "s"
	Priority     string // "1"
	Enhanced     string // "0.0"
	AccountCode  string // ""
	ThreadID     string // "139658582214336"
	Version      string // "20.20.1"

	// Vars are channel variables set before AGI() ran.
	Vars map[string]string
}

var callSeq atomic.Int64

// withDefaults fills empty fields; host is the address dialled.
func (c Call) withDefaults(host string) Call {
	n := callSeq.Add(1)
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Host, host)
	def(&c.UniqueID, "1795840000."+strconv.FormatInt(n, 10))
	def(&c.Channel, "Local/s@sb-test-"+leftPad(strconv.FormatInt(n, 16), 8)+";2")
	if tech, _, ok := strings.Cut(c.Channel, "/"); ok {
		def(&c.Type, tech)
	}
	def(&c.Language, "en")
	if c.CallerID == "" {
		def(&c.CallingPres, "67")
	}
	def(&c.CallingPres, "0")
	def(&c.CallingANI2, "0")
	def(&c.CallingTON, "0")
	def(&c.CallingTNS, "0")
	def(&c.DNID, "unknown")
	def(&c.RDNIS, "unknown")
	def(&c.Context, "default")
	def(&c.Extension, "s")
	def(&c.Priority, "1")
	def(&c.Enhanced, "0.0")
	def(&c.ThreadID, "139658582214336")
	def(&c.Version, "20.20.1")
	return c
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func unknownIfEmpty(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Env returns the environment block Asterisk 20 sends for c, byte for byte:
// keys in Asterisk's order, "key: value\n" (an empty value keeps its space),
// then a blank line. host is used when c.Host is empty. Fields left empty get
// their defaults, so a Call meant for comparison should fill them all.
func (c Call) Env(host string) []byte {
	c = c.withDefaults(host)
	return c.env()
}

func (c Call) env() []byte {
	var b strings.Builder
	kv := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	kv("agi_network", "yes")
	url := "agi://" + c.Host
	if c.Request != "" {
		kv("agi_network_script", c.Request)
		url += "/" + c.Request
	}
	kv("agi_request", url)
	kv("agi_channel", c.Channel)
	kv("agi_language", c.Language)
	kv("agi_type", c.Type)
	kv("agi_uniqueid", c.UniqueID)
	kv("agi_version", c.Version)
	kv("agi_callerid", unknownIfEmpty(c.CallerID))
	kv("agi_calleridname", unknownIfEmpty(c.CallerIDName))
	kv("agi_callingpres", c.CallingPres)
	kv("agi_callingani2", c.CallingANI2)
	kv("agi_callington", c.CallingTON)
	kv("agi_callingtns", c.CallingTNS)
	kv("agi_dnid", c.DNID)
	kv("agi_rdnis", c.RDNIS)
	kv("agi_context", c.Context)
	kv("agi_extension", c.Extension)
	kv("agi_priority", c.Priority)
	kv("agi_enhanced", c.Enhanced)
	kv("agi_accountcode", c.AccountCode)
	kv("agi_threadid", c.ThreadID)
	for i, a := range c.Args {
		kv("agi_arg_"+strconv.Itoa(i+1), a)
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

// initialVars are the channel's variables when AGI() starts: the Call's
// Vars plus what Asterisk derives from the channel.
func (c Call) initialVars() map[string]string {
	v := map[string]string{
		"CALLERID(num)":     c.CallerID,
		"CALLERID(name)":    c.CallerIDName,
		"CHANNEL":           c.Channel,
		"UNIQUEID":          c.UniqueID,
		"CHANNEL(language)": c.Language,
		"CONTEXT":           c.Context,
		"EXTEN":             c.Extension,
	}
	for k, val := range c.Vars {
		v[k] = val
	}
	return v
}
