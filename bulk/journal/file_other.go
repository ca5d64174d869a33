//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package journal

import (
	"errors"
	"fmt"
)

// errNoFlock is the error of Create and Resume on a system without flock:
// without a lock, a second run on a journal would send its users again.
var errNoFlock = errors.New("journal files need flock, which this system lacks (a second run on the same journal would send its users again); journal to stdout with New instead")

// Create creates the journal path for a new run; on this system it fails:
// it has no flock.
func Create(path string) (*Journal, error) {
	return nil, fmt.Errorf("journal %s: %w", path, errNoFlock)
}

// Resume opens the journal path of pool to continue it; on this system it
// fails: it has no flock.
func Resume(path, pool string) (*Journal, *History, error) {
	return nil, nil, fmt.Errorf("journal %s: %w", path, errNoFlock)
}
