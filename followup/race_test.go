//go:build race

package followup_test

// raceEnabled: the race detector slows runs about tenfold, so the scale
// tests run smaller under it.
const raceEnabled = true
