// Package ops is what operators and staff see of a running service: the
// Prometheus metrics (/metrics), the health endpoints (/healthz, /readyz)
// and the live status board (/board), all on one HTTP listener that binds
// loopback by default.
//
// Nothing here changes state. Counters of decisions and AGI sessions come
// from decorators around the router and the AGI handler; everything else is
// read from Redis when asked (a scrape, or the board's one-second poll), so
// several instances of the service report the same picture.
package ops
