// Package loadgen drives a FastAGI server the way Asterisk's dialplan does,
// over real TCP, and measures it: calls per second, the latency of route
// decisions as the caller experiences them, errors by kind, double bookings
// and agents left stuck afterwards. A protocol floor (the same AGI command
// round trips, no logic, no Redis) is measured by the same code so results
// can be quoted as ratios on a shared machine.
package loadgen
