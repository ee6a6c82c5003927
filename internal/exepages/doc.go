// Package exepages hands back to the kernel the pages of the service's own
// executable that start-up brought in and calls never use again.
//
// Start-up runs the init code of every package linked in, parses the
// configuration and loads Redis, and the kernel maps the executable around
// every page it faults in (fault-around, 64 KiB by default). A call then
// runs a small part of that code. Release unmaps the read-only mappings of
// the executable, so only what runs afterwards is faulted back in: a minor
// fault from the page cache, no disk read. A mapping holding any page of its
// own (a relocated page in a position-independent build, a breakpoint set
// by a debugger) is left alone, since unmapping would lose that page.
package exepages
