package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Defaults for what a file may leave out.
const (
	DefaultRingTimeout    = 20 * time.Second
	DefaultWrapUp         = 15 * time.Second
	DefaultMaxWait        = 3 * time.Minute
	DefaultAGIListen      = "127.0.0.1:4573"
	DefaultNamespace      = "sb"
	DefaultDecisionBudget = 500 * time.Millisecond
	DefaultMaxNoAnswer    = 3
)

// EnvRedisPassword is the environment variable holding the Redis password. It
// takes precedence over Server.RedisPasswordFile.
const EnvRedisPassword = "SENTRALBORD_REDIS_PASSWORD"

// maxFileSize bounds what Load reads; a switchboard's configuration is a few
// kilobytes.
const maxFileSize = 1 << 20

// Config is a checked configuration with loop membership resolved.
type Config struct {
	File string // the file name given to Load or Parse, used in messages
	// Switchboard is the loop for English callers and for callers who press
	// nothing or an invalid key.
	Switchboard routing.LoopID
	// EnglishKey is the menu key that switches to English and goes to the
	// Switchboard loop.
	EnglishKey string
	// MaxNoAnswer is how many unanswered rings in a row set an agent away
	// with the reason "no answer"; 0 turns it off. Default 3.
	MaxNoAnswer int
	Roles       []Role
	Agents      []routing.Agent
	Loops       []Loop
	Server      Server
	// Members configures the member desk (directory, KID, messages).
	Members Members
	// Calendar is how Outlook calendars steer availability.
	Calendar Calendar
	// FreeSWITCH lists the event sockets the ESL listener follows.
	FreeSWITCH FreeSWITCH

	roster *routing.Roster
}

// Role is a job role agents hold; a loop can take every holder of a role.
type Role struct {
	ID   string `json:"id"`
	Name string `json:"name"` // display name, e.g. "Distriktssekretær"
}

// Loop is a routing.Loop with how its members were chosen.
type Loop struct {
	routing.Loop
	// Roles are the role ids whose holders are members.
	Roles []string
	// Membership says, for each of Members in the same order, why the agent
	// is a member.
	Membership []Member
}

// Member explains one agent's membership of a loop.
type Member struct {
	Agent  routing.AgentID
	ByName bool     // listed under the loop's members
	Roles  []string // the loop's roles the agent holds, in the loop's order
}

// Load reads and parses the configuration file at path. It fails with an
// *Error when the file is readable but invalid.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, &Error{Problems: []Problem{{File: path, Msg: fmt.Sprintf("larger than %d bytes; is this the right file?", maxFileSize)}}}
	}
	cfg, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if p := cfg.Server.RedisPasswordFile; p != "" {
		if _, err := os.Stat(p); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &Error{Problems: []Problem{{
				File: path, Line: cfg.Server.passwordFileLine, Path: "server.redis_password_file",
				Msg: fmt.Sprintf("cannot use %s: %v", p, err),
			}}}
		}
	}
	return cfg, nil
}

// Parse checks the configuration in data; filename is used in messages and to
// resolve a relative redis_password_file. Every problem found is returned
// together in an *Error.
func Parse(filename string, data []byte) (*Config, error) {
	ps := &problems{file: filename}
	raw := decode(ps, data)
	if raw == nil {
		return nil, ps.err()
	}
	cfg := check(ps, raw)
	if err := ps.err(); err != nil {
		return nil, err
	}
	loops := make([]routing.Loop, len(cfg.Loops))
	for i, l := range cfg.Loops {
		loops[i] = l.Loop
	}
	roster, err := routing.NewRoster(cfg.Agents, loops)
	if err != nil {
		// check has already refused everything NewRoster refuses.
		return nil, &Error{Problems: []Problem{{File: filename, Msg: err.Error()}}}
	}
	cfg.roster = roster
	return cfg, nil
}

// Roster returns the agents and resolved loops for routing.
func (c *Config) Roster() *routing.Roster { return c.roster }

// Loop returns the loop with id.
func (c *Config) Loop(id routing.LoopID) (Loop, bool) {
	for _, l := range c.Loops {
		if l.ID == id {
			return l, true
		}
	}
	return Loop{}, false
}

// Role returns the role with id.
func (c *Config) Role(id string) (Role, bool) {
	for _, r := range c.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}
