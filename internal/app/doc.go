// Package app wires sentralbord together: configuration, the Redis client
// (or the embedded Redis-protocol server), the presence store, routing and
// the protocol servers, run as one group that stops together.
package app
