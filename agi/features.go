package agi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Feature-code requests, run from the agents' own phones:
//
//	AGI(agi://host:4573/status,<available|busy|away|lunch|dnd>)
//	AGI(agi://host:4573/login)
//	AGI(agi://host:4573/logout)   asks for the reason: 1 ferie, 2 fri, 3 permisjon
//	AGI(agi://host:4573/blf)      refreshes every agent's lamp
//
// They set SB_RESULT (ok | none | error) and SB_ERROR like the other requests.
const (
	RequestStatus = "status"
	RequestLogin  = "login"
	RequestLogout = "logout"
	RequestBLF    = "blf"
)

// VarStatus is what a feature request left the agent as: a status word,
// "logged-in" or "logged-out:<reason>".
const VarStatus = "SB_STATUS"

// Prompts a feature request plays (sound files under Asterisk's sounds
// directory, without extension; see docs/feature-codes.md).
const (
	PromptUnknownExtension = "sentralbord/ukjent-lokalnummer" // the caller's extension belongs to no agent
	PromptLogoutReason     = "sentralbord/utlogging-grunn"    // "1 ferie, 2 fri, 3 permisjon"
	PromptInvalidChoice    = "sentralbord/ugyldig-valg"
	PromptCancelled        = "sentralbord/avbrutt"
	PromptLoggedIn         = "sentralbord/innlogget"
	PromptLoggedOut        = "sentralbord/utlogget"
	PromptStatusPrefix     = "sentralbord/status-" // + the status word
	PromptFailed           = "sentralbord/feil"
)

// Presence is what feature codes change; *presence.Store satisfies it, the
// same methods the CLI uses, so every change is audited alike.
type Presence interface {
	Login(ctx context.Context, agent routing.AgentID, actor routing.Actor) (bool, error)
	Logout(ctx context.Context, agent routing.AgentID, reason routing.LogoutReason, until time.Time, actor routing.Actor) (bool, error)
	SetStatus(ctx context.Context, agent routing.AgentID, status routing.Status, actor routing.Actor) (bool, error)
	States(ctx context.Context, agents []routing.AgentID) (map[routing.AgentID]routing.AgentState, error)
}

// Agents finds agents by their extension; *routing.Roster satisfies it.
type Agents interface {
	AgentByExtension(ext string) (routing.Agent, bool)
	Agents() []routing.Agent
}

var _ Agents = (*routing.Roster)(nil)

// Features serves the feature-code requests.
type Features struct {
	Presence Presence
	Agents   Agents
	// Timeout bounds each presence call (2s).
	Timeout time.Duration
}

func (f *Features) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return 2 * time.Second
}

var (
	errNoFeatures       = errors.New("feature codes not configured")
	errUnknownExtension = errors.New("unknown extension")
	errCancelled        = errors.New("cancelled")
)

// feature runs one feature request and tells the dialplan how it went.
func (rt *Routes) feature(ctx context.Context, s *Session) error {
	f := rt.Features
	if f == nil || f.Presence == nil || f.Agents == nil {
		s.Log().Error("feature code request but no presence store is wired")
		return rt.result(ctx, s, routing.ResultError, errNoFeatures.Error())
	}
	if s.env.Request == RequestBLF {
		return f.refreshAll(ctx, s, rt)
	}
	agent, ok := f.caller(&s.env)
	if !ok {
		s.Log().Warn("feature code from an extension that belongs to no agent", "caller", short(s.env.CallerID))
		if err := rt.result(ctx, s, routing.ResultError, errUnknownExtension.Error()); err != nil {
			return err
		}
		return play(ctx, s, PromptUnknownExtension)
	}
	s.LogWith("agent", agent.ID)
	word, prompt, err := f.change(ctx, s, agent.ID)
	switch {
	case errors.Is(err, ErrHangup):
		return err
	case errors.Is(err, errCancelled):
		if err := rt.result(ctx, s, routing.ResultNone, err.Error()); err != nil {
			return err
		}
		return play(ctx, s, PromptCancelled)
	case err != nil:
		s.Log().Error("feature code failed", "err", err)
		if err := rt.result(ctx, s, routing.ResultError, featureReason(err)); err != nil {
			return err
		}
		return play(ctx, s, PromptFailed)
	}
	if err := f.lamp(ctx, s, agent.ID); err != nil {
		return err
	}
	if err := s.Set(ctx, VarStatus, word); err != nil {
		return err
	}
	if err := rt.result(ctx, s, routing.ResultOK, ""); err != nil {
		return err
	}
	s.Log().Info("feature code", "result", word)
	return play(ctx, s, prompt)
}

// caller is the agent whose phone called: the caller id, else the endpoint
// in the channel name ("PJSIP/2101-00000001").
func (f *Features) caller(env *Env) (routing.Agent, bool) {
	if a, ok := f.Agents.AgentByExtension(env.CallerID); ok && env.CallerID != "" {
		return a, true
	}
	_, rest, ok := strings.Cut(env.Channel, "/")
	if i := strings.LastIndexByte(rest, '-'); ok && i > 0 {
		return f.Agents.AgentByExtension(rest[:i])
	}
	return routing.Agent{}, false
}

// change applies the request and returns what to report and the
// confirmation prompt.
func (f *Features) change(ctx context.Context, s *Session, agent routing.AgentID) (word, prompt string, err error) {
	actor := routing.Actor{Source: routing.SourceAGI, Name: string(agent)}
	call := func(fn func(context.Context) (bool, error)) error {
		c, cancel := context.WithTimeout(ctx, f.timeout())
		defer cancel()
		_, err := fn(c)
		return err
	}
	switch env := &s.env; env.Request {
	case RequestStatus:
		st, perr := routing.ParseStatus(env.param("status", 1))
		if perr != nil {
			return "", "", perr
		}
		err = call(func(c context.Context) (bool, error) { return f.Presence.SetStatus(c, agent, st, actor) })
		return string(st), PromptStatusPrefix + string(st), err
	case RequestLogin:
		err = call(func(c context.Context) (bool, error) { return f.Presence.Login(c, agent, actor) })
		return "logged-in", PromptLoggedIn, err
	case RequestLogout:
		reason, rerr := readReason(ctx, s)
		if rerr != nil {
			return "", "", rerr
		}
		err = call(func(c context.Context) (bool, error) {
			return f.Presence.Logout(c, agent, reason, time.Time{}, actor)
		})
		return "logged-out:" + string(reason), PromptLoggedOut, err
	}
	return "", "", fmt.Errorf("feature: unknown request %q", short(s.env.Request))
}

// reasonDigits are the logout reasons by key; no other logout exists.
var reasonDigits = map[string]routing.LogoutReason{
	"1": routing.ReasonFerie, "2": routing.ReasonFri, "3": routing.ReasonPermisjon,
}

// varReason receives the digit Read collects.
const varReason = "SB_REASON_DIGIT"

// readReason asks for the reason digit; anything else (or nothing within 5s)
// is asked once more, then the logout is cancelled.
func readReason(ctx context.Context, s *Session) (routing.LogoutReason, error) {
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			if err := play(ctx, s, PromptInvalidChoice); err != nil {
				return "", err
			}
		}
		res, err := s.Exec(ctx, "Read", varReason+","+PromptLogoutReason+",1,,1,5")
		if err != nil {
			return "", fmt.Errorf("read reason: %w", err)
		}
		if res < 0 {
			return "", fmt.Errorf("read reason: %w", ErrHangup)
		}
		digit, _, err := s.Get(ctx, varReason)
		if err != nil {
			return "", fmt.Errorf("read reason: %w", err)
		}
		if r, ok := reasonDigits[digit]; ok {
			return r, nil
		}
	}
	return "", errCancelled
}

// play runs Playback; a caller who hangs up during it is not a failure.
func play(ctx context.Context, s *Session, prompt string) error {
	res, err := s.Exec(ctx, "Playback", prompt)
	if err != nil && !errors.Is(err, ErrHangup) {
		return fmt.Errorf("playback %s: %w", prompt, err)
	}
	if res < 0 {
		s.Log().Debug("caller hung up during the prompt", "prompt", prompt)
	}
	return nil
}

// featureReason is the short SB_ERROR text of a failed feature request.
func featureReason(err error) string {
	switch {
	case errors.Is(err, routing.ErrInvalidStatus):
		return "invalid status"
	case errors.Is(err, routing.ErrUnknownAgent):
		return "unknown agent"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "store unavailable"
}
