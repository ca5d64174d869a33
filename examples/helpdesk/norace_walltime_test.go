//go:build !race && walltime

package main

// raceEnabled: see race_walltime_test.go.
const raceEnabled = false
