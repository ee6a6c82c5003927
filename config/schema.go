package config

import "go.yaml.in/yaml/v3"

// The raw* types hold the file as written, with lines, before any check.
// Path is the item's field path ("loops[2]"), kept because items that are not
// mappings are dropped and indexes must still match the file.

type rawConfig struct {
	Line        int
	Switchboard field
	EnglishKey  field
	MaxNoAnswer field
	Roles       []rawRole
	Agents      []rawAgent
	Loops       []rawLoop
	Server      rawServer
	Members     rawMembers
	Calendar    rawCalendar
	FreeSWITCH  rawFreeSWITCH
	// AgentsBad and LoopsBad record that the list or one of its items had
	// the wrong shape and was reported, so "no agents" would only repeat it.
	AgentsBad, LoopsBad bool
}

type rawRole struct {
	Path     string
	Line     int
	ID, Name field
}

type rawAgent struct {
	Path       string
	Line       int
	ID, Name   field
	Roles      list
	Extension  field
	Asterisk   field
	FreeSWITCH field
	Calendar   field
}

type rawLoop struct {
	Path        string
	Line        int
	ID, Digit   field
	Name, Tag   field
	RingTimeout field
	WrapUp      field
	MaxWait     field
	Announce    field
	Fallback    field
	Overflow    field
	Members     list
	Roles       list
}

type rawServer struct {
	Line                int
	AGIListen           field
	RedisAddr           field
	RedisPasswordFile   field
	RedisSentinelMaster field
	RedisAddrs          list
	Namespace           field
	DecisionBudget      field
}

// decode turns data into a rawConfig, reporting syntax errors, unknown or
// repeated keys and values of the wrong shape. It returns nil when the file
// is not YAML or not a mapping.
func decode(ps *problems, data []byte) *rawConfig {
	d := &decoder{ps: ps}
	root := d.document(utf8Text(data))
	if root == nil {
		return nil
	}
	raw := &rawConfig{Line: root.Line}
	ok := d.mapping(root, "", map[string]handler{
		"switchboard":   d.into(&raw.Switchboard),
		"english_key":   d.into(&raw.EnglishKey),
		"max_no_answer": d.into(&raw.MaxNoAnswer),
		"roles": func(v *yaml.Node, path string) {
			d.seq(v, path, func(item *yaml.Node, p string) {
				r := rawRole{Path: p, Line: item.Line}
				if d.mapping(item, p, map[string]handler{
					"id":   d.into(&r.ID),
					"name": d.into(&r.Name),
				}) {
					raw.Roles = append(raw.Roles, r)
				}
			})
		},
		"agents": func(v *yaml.Node, path string) {
			raw.AgentsBad = !d.seq(v, path, func(item *yaml.Node, p string) {
				if a, ok := d.agent(item, p); ok {
					raw.Agents = append(raw.Agents, a)
				} else {
					raw.AgentsBad = true
				}
			})
		},
		"loops": func(v *yaml.Node, path string) {
			raw.LoopsBad = !d.seq(v, path, func(item *yaml.Node, p string) {
				if l, ok := d.loop(item, p); ok {
					raw.Loops = append(raw.Loops, l)
				} else {
					raw.LoopsBad = true
				}
			})
		},
		"server":   func(v *yaml.Node, path string) { raw.Server = d.server(v, path) },
		"members":  func(v *yaml.Node, path string) { raw.Members = d.members(v, path) },
		"calendar": func(v *yaml.Node, path string) { raw.Calendar = d.calendarSection(v, path) },
		"freeswitch": func(v *yaml.Node, path string) {
			raw.FreeSWITCH = d.freeswitchSection(v, path)
		},
	})
	if !ok {
		return nil
	}
	return raw
}

func (d *decoder) into(f *field) handler {
	return func(v *yaml.Node, path string) { *f = d.scalar(v, path) }
}

func (d *decoder) intoList(l *list) handler {
	return func(v *yaml.Node, path string) { *l = d.strings(v, path) }
}

func (d *decoder) agent(item *yaml.Node, path string) (rawAgent, bool) {
	a := rawAgent{Path: path, Line: item.Line}
	ok := d.mapping(item, path, map[string]handler{
		"id":         d.into(&a.ID),
		"name":       d.into(&a.Name),
		"roles":      d.intoList(&a.Roles),
		"extension":  d.into(&a.Extension),
		"asterisk":   d.into(&a.Asterisk),
		"freeswitch": d.into(&a.FreeSWITCH),
		"calendar":   d.into(&a.Calendar),
	})
	return a, ok
}

func (d *decoder) loop(item *yaml.Node, path string) (rawLoop, bool) {
	l := rawLoop{Path: path, Line: item.Line}
	ok := d.mapping(item, path, map[string]handler{
		"id":           d.into(&l.ID),
		"digit":        d.into(&l.Digit),
		"name":         d.into(&l.Name),
		"tag":          d.into(&l.Tag),
		"ring_timeout": d.into(&l.RingTimeout),
		"wrap_up":      d.into(&l.WrapUp),
		"max_wait":     d.into(&l.MaxWait),
		"announce":     d.into(&l.Announce),
		"fallback":     d.into(&l.Fallback),
		"overflow":     d.into(&l.Overflow),
		"members":      d.intoList(&l.Members),
		"roles":        d.intoList(&l.Roles),
	})
	return l, ok
}

func (d *decoder) server(v *yaml.Node, path string) rawServer {
	s := rawServer{Line: v.Line}
	if n := deref(v); n == nil || isNull(n) {
		return s
	}
	d.mapping(v, path, map[string]handler{
		"agi_listen":            d.into(&s.AGIListen),
		"redis_addr":            d.into(&s.RedisAddr),
		"redis_password_file":   d.into(&s.RedisPasswordFile),
		"redis_sentinel_master": d.into(&s.RedisSentinelMaster),
		"redis_addrs":           d.intoList(&s.RedisAddrs),
		"namespace":             d.into(&s.Namespace),
		"decision_budget":       d.into(&s.DecisionBudget),
		"redis_password": func(v *yaml.Node, p string) {
			d.ps.add(v.Line, p, "a password does not belong in the configuration: set %s in the environment or point redis_password_file at a file only the service can read", EnvRedisPassword)
		},
	})
	return s
}
