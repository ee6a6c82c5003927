package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sentralbord/sentralbord/routing"
)

// EnvESLPassword is the environment variable holding the event-socket
// password of every FreeSWITCH node that has no password_file.
const EnvESLPassword = "SENTRALBORD_ESL_PASSWORD"

// FreeSWITCH lists the FreeSWITCH nodes whose event sockets the ESL listener
// follows (`sentralbord esl listen`, or inside `serve`).
type FreeSWITCH struct {
	Nodes []ESLNode
}

// ESLNode is one FreeSWITCH mod_event_socket; the password is never in the file.
type ESLNode struct {
	Name string // in logs and in the audit stream ("esl" source, this name)
	Addr string // host:port of mod_event_socket
	// PasswordFile holds the password; a relative path is taken relative to
	// the configuration file's directory. Empty: EnvESLPassword.
	PasswordFile string
	// Registrations: this node's SIP registrations decide whether agents'
	// phones are reachable (default false).
	Registrations bool
	// Callcenter: mod_callcenter's agent status decides login and status.
	Callcenter bool
	// CallcenterLogout is recorded when mod_callcenter logs an agent out (fri).
	CallcenterLogout routing.LogoutReason
}

// Password returns the node's password from its password file, else from
// getenv(EnvESLPassword), without a trailing newline.
func (n ESLNode) Password(getenv func(string) string) (string, error) {
	if n.PasswordFile != "" {
		b, err := os.ReadFile(n.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("esl node %s: password: %w", n.Name, err)
		}
		if p := strings.TrimRight(string(b), "\r\n"); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("esl node %s: password file %s is empty", n.Name, n.PasswordFile)
	}
	if getenv != nil {
		if p := getenv(EnvESLPassword); p != "" {
			return p, nil
		}
	}
	return "", fmt.Errorf("esl node %s: no password: set %s or the node's password_file", n.Name, EnvESLPassword)
}

type rawFreeSWITCH struct {
	Line  int
	Nodes []rawESLNode
}

type rawESLNode struct {
	Path                      string
	Line                      int
	Name, Addr, PasswordFile  field
	Registrations, Callcenter field
	LogoutReason              field
}

func (d *decoder) freeswitchSection(v *yaml.Node, path string) rawFreeSWITCH {
	r := rawFreeSWITCH{Line: v.Line}
	if n := deref(v); n == nil || isNull(n) {
		return r
	}
	d.mapping(v, path, map[string]handler{
		"nodes": func(v *yaml.Node, p string) {
			d.seq(v, p, func(item *yaml.Node, ip string) {
				n := rawESLNode{Path: ip, Line: item.Line}
				if d.mapping(item, ip, map[string]handler{
					"name":                     d.into(&n.Name),
					"addr":                     d.into(&n.Addr),
					"password_file":            d.into(&n.PasswordFile),
					"registrations":            d.into(&n.Registrations),
					"callcenter":               d.into(&n.Callcenter),
					"callcenter_logout_reason": d.into(&n.LogoutReason),
					"password": func(v *yaml.Node, p string) {
						d.ps.add(v.Line, p, "a password does not belong in the configuration: set %s in the environment or point password_file at a file only the service can read", EnvESLPassword)
					},
				}) {
					r.Nodes = append(r.Nodes, n)
				}
			})
		},
	})
	return r
}

func (c *checker) freeswitch() {
	names, addrs := seen{}, seen{}
	for _, raw := range c.raw.FreeSWITCH.Nodes {
		n := ESLNode{CallcenterLogout: routing.ReasonFri}
		ok := true
		if n.Name = c.id(raw.Name, raw.Line, raw.Path+".name", ""); n.Name == "" {
			ok = false
		} else if !names.first(c, n.Name, raw.Name, raw.Path+".name", "node name") {
			ok = false
		}
		if c.required(raw.Addr, raw.Line, raw.Path+".addr") {
			switch err := checkHostPort(raw.Addr.Val, 1); {
			case strings.Contains(raw.Addr.Val, "@"):
				c.ps.add(raw.Addr.Line, raw.Path+".addr", "a password does not belong in the address: set %s or password_file", EnvESLPassword)
				ok = false
			case err != nil:
				c.ps.add(raw.Addr.Line, raw.Path+".addr", "invalid address %q: %v", raw.Addr.Val, err)
				ok = false
			case !addrs.first(c, raw.Addr.Val, raw.Addr, raw.Path+".addr", "address"):
				ok = false
			default:
				n.Addr = raw.Addr.Val
			}
		} else {
			ok = false
		}
		if p := raw.PasswordFile.Val; p != "" {
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(c.ps.file), p)
			}
			n.PasswordFile = p
		}
		n.Registrations = c.boolean(raw.Registrations, raw.Path+".registrations", &ok)
		n.Callcenter = c.boolean(raw.Callcenter, raw.Path+".callcenter", &ok)
		if f := raw.LogoutReason; f.Val != "" {
			r, err := routing.ParseLogoutReason(f.Val)
			if err != nil {
				c.ps.add(f.Line, raw.Path+".callcenter_logout_reason", "invalid reason %q: ferie, fri or permisjon", f.Val)
				ok = false
			}
			n.CallcenterLogout = r
		}
		if ok {
			c.cfg.FreeSWITCH.Nodes = append(c.cfg.FreeSWITCH.Nodes, n)
		}
	}
}

// boolean reads true/false (yes/no, on/off as YAML 1.1 wrote them); absent is false.
func (c *checker) boolean(f field, path string, ok *bool) bool {
	switch strings.ToLower(f.Val) {
	case "", "false", "no", "off":
		return false
	case "true", "yes", "on":
		return true
	}
	c.ps.add(f.Line, path, "invalid value %q: true or false", f.Val)
	*ok = false
	return false
}
