package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Result is the outcome of a routing decision as the dialplan sees it.
type Result string

// Results of Route.
const (
	ResultOK    Result = "ok"    // an agent is claimed: ring them
	ResultNone  Result = "none"  // nobody is free
	ResultError Result = "error" // routing failed: use the static fallback
	// ResultWait: nobody is free and the call now waits in line; the
	// adapter holds the caller (music on hold) and calls Wait.
	ResultWait Result = "wait"
	// After the loop's maximum wait, with that overflow configured.
	ResultVoicemail Result = "voicemail"
	ResultCallback  Result = "callback"
)

// RouteRequest is one call asking for an agent of a loop.
type RouteRequest struct {
	Call         CallID
	Loop         LoopID
	CallerNumber string
	CallerName   string
	Language     string // channel language, "en" for English callers
	// Wait lets the call join the loop's line when nobody is free.
	Wait bool
	// Arrival keeps the caller's place when moving between loops.
	Arrival time.Time
	// Source is the adapter the call came through, for the audit stream
	// (SourceAGI when empty).
	Source Source
}

// callActor is the audit actor of a call that came through src.
func callActor(src Source, call CallID) Actor {
	if src == "" {
		src = SourceAGI
	}
	return Actor{Source: src, Name: string(call)}
}

// Decision is the answer to a RouteRequest.
type Decision struct {
	Result Result
	Loop   Loop
	Agent  Agent // set when Result is ResultOK
	// Position is the place in line with ResultWait (1 = next), Arrival
	// the time the caller's place dates from.
	Position int
	Arrival  time.Time
	// CallerIDNumber is the caller's number with the loop's tag appended
	// ("90595313-111"), so the agent sees the call came via the switchboard.
	CallerIDNumber string
	// CallerName is what the agent sees as the caller's name: the member's
	// name from the Directory, or the name the PBX had; English-language
	// callers are marked "(EN)" so the agent greets in English.
	CallerName string
	// Fallback is the loop's static target, for ResultError.
	Fallback string
	Err      error // why, for ResultError
}

// DialStatus is Asterisk's DIALSTATUS (FreeSWITCH's outcome is mapped onto it).
type DialStatus string

// Dial outcomes; anything but DialAnswer frees the agent for other calls.
const (
	DialAnswer      DialStatus = "ANSWER"
	DialBusy        DialStatus = "BUSY"
	DialNoAnswer    DialStatus = "NOANSWER"
	DialCancel      DialStatus = "CANCEL"
	DialCongestion  DialStatus = "CONGESTION"
	DialChanUnavail DialStatus = "CHANUNAVAIL"
)

// Service makes routing decisions. It is safe for concurrent use.
type Service struct {
	Roster       *Roster
	Store        Store
	Calendar     Calendar
	Reachability Reachability
	Directory    Directory
	Log          *slog.Logger
	Now          func() time.Time
	// ClaimMargin is added to a loop's ring timeout to make the claim TTL.
	ClaimMargin time.Duration
	// Line holds waiting callers; nil means callers never wait.
	Line Line
	// Callbacks keeps callers' requests to be called back.
	Callbacks Callbacks
	// Lease is how long a waiting place lives without renewal (the Line
	// renews it while the session lasts).
	Lease time.Duration
	// Retry is the slowest a waiting call re-checks without a wake-up; the
	// Line also wakes the first callers of each loop every second.
	Retry time.Duration
	// MaxNoAnswer: after this many unanswered rings in a row an agent is
	// set away with the reason "no answer" (0: never).
	MaxNoAnswer int
	// MaxDecisions bounds route decisions in flight (DefaultMaxDecisions;
	// 0: no bound). A decision that finds none free within its budget
	// fails with ErrOverloaded.
	MaxDecisions int

	slotsOnce sync.Once
	slots     chan struct{}
}

// NewService returns a Service with no-op hooks and the wall clock.
func NewService(roster *Roster, store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		Roster: roster, Store: store, Calendar: NoCalendar{}, Reachability: AlwaysReachable{}, Directory: NoDirectory{},
		Log: log, Now: time.Now, ClaimMargin: 15 * time.Second, Lease: 5 * time.Second, Retry: 5 * time.Second, MaxNoAnswer: 3,
		MaxDecisions: DefaultMaxDecisions,
	}
}

// Route claims the longest-idle eligible agent of the requested loop. Errors
// from the store give ResultError with the loop's fallback; the returned error
// is the same as Decision.Err.
func (s *Service) Route(ctx context.Context, req RouteRequest) (Decision, error) {
	loop, ok := s.Roster.Loop(req.Loop)
	if !ok {
		err := fmt.Errorf("route: %w %q", ErrUnknownLoop, req.Loop)
		return Decision{Result: ResultError, Err: err}, err
	}
	release, err := s.admit(ctx)
	if err != nil {
		return Decision{Result: ResultError, Loop: loop, Fallback: loop.Fallback,
			CallerIDNumber: TaggedNumber(req.CallerNumber, loop.Tag), Err: err}, err
	}
	defer release()
	if kd, key, ok := s.nameWithClaim(req); ok {
		// The claim's own request reads the caller's entry.
		d, read, err := s.claim(ctx, req, loop, key)
		d.CallerName = s.callerName(req, kd.CallerNameIn(read.Read), read.ReadErr)
		return d, err
	}
	// The caller's name is looked up while the agent is claimed: the
	// caller waits for one round trip to the store, not two.
	name := s.startCallerName(ctx, req)
	d, _, err := s.claim(ctx, req, loop, "")
	d.CallerName = name()
	return d, err
}

// nameWithClaim says whether the claim can read the caller's directory
// entry (a KeyedDirectory in a ClaimReader store), and its key. A number
// that cannot be anyone's needs no lookup: ok with key "".
func (s *Service) nameWithClaim(req RouteRequest) (kd KeyedDirectory, key string, ok bool) {
	kd, ok = s.Directory.(KeyedDirectory)
	if !ok {
		return nil, "", false
	}
	if cr, ok := s.Store.(ClaimReader); !ok || !cr.ReadsWithClaim() {
		return nil, "", false
	}
	key, _ = kd.CallerNameKey(req.CallerNumber)
	return kd, key, true
}

// startCallerName starts the Directory's lookup of the caller and returns
// the name to show, waiting for the lookup when asked: the Directory's own
// start when it has one, else a goroutine.
func (s *Service) startCallerName(ctx context.Context, req RouteRequest) func() string {
	if req.CallerNumber == "" {
		return func() string { return s.callerName(req, "", nil) }
	}
	if ds, ok := s.Directory.(DirectoryStarter); ok {
		get := ds.StartCallerName(ctx, req.CallerNumber)
		return func() string { n, err := get(); return s.callerName(req, n, err) }
	}
	ch := make(chan string, 1)
	go func() {
		n, err := s.Directory.CallerName(ctx, req.CallerNumber)
		ch <- s.callerName(req, n, err)
	}()
	return func() string { return <-ch }
}

// claim is Route's decision once the loop is known. The first claim reads
// the hash named by read (a ClaimReader's); got is that claim.
func (s *Service) claim(ctx context.Context, req RouteRequest, loop Loop, read string) (d Decision, got Claim, err error) {
	d = Decision{Loop: loop, Fallback: loop.Fallback, CallerIDNumber: TaggedNumber(req.CallerNumber, loop.Tag)}
	actor := callActor(req.Source, req.Call)
	var exclude []AgentID
	// Each pass claims one agent; hooks may reject them, so at most one pass per member.
	for range len(loop.Members) + 1 {
		claim, err := s.Store.ClaimLongestIdle(ctx, ClaimRequest{
			Call: req.Call, Loop: loop.ID, Exclude: exclude,
			TTL: loop.RingTimeout + s.ClaimMargin, WrapUp: loop.WrapUp, Actor: actor,
			Enqueue: req.Wait && s.Line != nil && loop.MaxWait > 0, Lease: s.Lease, Arrival: req.Arrival,
			Read: read,
		})
		if read != "" {
			got, read = claim, ""
		}
		if errors.Is(err, ErrNoAgentAvailable) {
			d.Result = ResultNone
			return d, got, nil
		}
		if err != nil {
			d.Result, d.Err = ResultError, fmt.Errorf("route: %w", err)
			return d, got, d.Err
		}
		if claim.Agent == "" {
			d.Result, d.Position, d.Arrival = ResultWait, claim.Position, claim.Arrival
			return d, got, nil
		}
		if why := s.hookReason(ctx, claim.Agent); why != "" {
			s.Log.Debug("claimed agent rejected by hook", "agent", claim.Agent, "reason", why)
			exclude = append(exclude, claim.Agent)
			if err := s.Store.Unclaim(ctx, UnclaimRequest{Call: req.Call, Agent: claim.Agent, Actor: actor}); err != nil {
				d.Result, d.Err = ResultError, fmt.Errorf("route: unclaim: %w", err)
				return d, got, d.Err
			}
			continue
		}
		agent, _ := s.Roster.Agent(claim.Agent)
		d.Result, d.Agent = ResultOK, agent
		return d, got, nil
	}
	d.Result = ResultNone
	return d, got, nil
}

// callerName is the name to show for the caller, given what the
// Directory found (found, or err); a failing lookup only costs the name,
// never the call.
func (s *Service) callerName(req RouteRequest, found string, err error) string {
	name := req.CallerName
	switch {
	case err != nil:
		s.Log.Warn("caller lookup failed", "err", err)
	case found != "":
		name = found
	}
	if strings.EqualFold(req.Language, "en") {
		name = strings.TrimSpace("(EN) " + name)
	}
	return name
}

// hookReason asks the calendar and reachability hooks about agent; a failing
// hook is logged and does not block routing.
func (s *Service) hookReason(ctx context.Context, agent AgentID) string {
	if b, err := s.Calendar.BusyAt(ctx, agent, s.Now()); err != nil {
		s.Log.Warn("calendar check failed", "agent", agent, "err", err)
	} else if b.Busy {
		return reasonCalendar(b, s.Now())
	}
	if ok, err := s.Reachability.Reachable(ctx, agent); err != nil {
		s.Log.Warn("reachability check failed", "agent", agent, "err", err)
	} else if !ok {
		return "phone unreachable"
	}
	return ""
}

// DialResult records the outcome of ringing agent for call. ANSWER puts the
// agent on the call; anything else frees them and marks them tried.
func (s *Service) DialResult(ctx context.Context, call CallID, agent AgentID, status DialStatus) error {
	return s.DialResultFrom(ctx, SourceAGI, call, agent, status)
}

// DialResultFrom is DialResult for a call that came through src.
func (s *Service) DialResultFrom(ctx context.Context, src Source, call CallID, agent AgentID, status DialStatus) error {
	actor := callActor(src, call)
	if status == DialAnswer {
		if err := s.Store.Answer(ctx, call, agent, actor); err != nil {
			return fmt.Errorf("dial result: %w", err)
		}
		return nil
	}
	if err := s.Store.Unclaim(ctx, UnclaimRequest{
		Call: call, Agent: agent, Tried: true, Status: status, MaxNoAnswer: s.MaxNoAnswer, Actor: actor,
	}); err != nil {
		return fmt.Errorf("dial result: %w", err)
	}
	return nil
}

// Hangup releases everything call holds. It is safe to call more than once.
func (s *Service) Hangup(ctx context.Context, call CallID) (AgentID, error) {
	return s.HangupFrom(ctx, SourceAGI, call)
}

// HangupFrom is Hangup for a call that came through src.
func (s *Service) HangupFrom(ctx context.Context, src Source, call CallID) (AgentID, error) {
	a, err := s.Store.EndCall(ctx, call, callActor(src, call))
	if err != nil {
		return "", fmt.Errorf("hangup: %w", err)
	}
	return a, nil
}

// Fallback returns the loop's static dial target ("" for an unknown loop).
// It needs no store, so it is there when the store is not.
func (s *Service) Fallback(loop LoopID) string {
	l, _ := s.Roster.Loop(loop)
	return l.Fallback
}

// TaggedNumber appends the loop's tag to the caller's number: "90595313-111".
// An unknown number stays as Asterisk reports it.
func TaggedNumber(number, tag string) string {
	if number == "" || tag == "" {
		return number
	}
	return number + "-" + tag
}
