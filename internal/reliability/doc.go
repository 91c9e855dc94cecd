// Package reliability holds no code of its own: its tests drive pkg/blaxel, from the outside,
// against servers that misbehave (pkg/blaxeltest's faults and small dedicated servers) and
// check that the client survives the network and the server failing, never sends a write
// twice, never leaks a credential, refuses names that would address another resource, and
// turns bad input into a clear, typed error.
//
//	make reliability
//
// runs it with the race detector and prints the figures of the run (the -summary flag): faults
// tried, hostile inputs, log lines and errors scanned for credentials.
package reliability
