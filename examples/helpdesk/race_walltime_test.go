//go:build race && walltime

package main

// raceEnabled: the race detector slows attacker and server alike, in one
// process, so wall-clock figures under it mean nothing.
const raceEnabled = true
