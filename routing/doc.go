// Package routing owns the switchboard's domain: agents, loops (hunt groups),
// calls and the decision of which agent a call rings.
//
// It knows no protocol and no Redis. Adapters (agi, esl) call Service; the
// presence package implements Store on Redis. Calendar and Reachability are the
// hooks through which calendars and phone registrations make an agent
// ineligible.
package routing
