//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Create creates the journal path for a new run: 0600, synced with its
// directory, and locked. It refuses a path that exists, whatever it is: a
// regular file (the error wraps [fs.ErrExist]: resume it, or name another),
// a symlink, a directory, a FIFO, a device.
func Create(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if st, lerr := os.Lstat(path); lerr == nil {
			if err := notRegular(path, st); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("journal %s: %w", path, fs.ErrExist)
	}
	if err != nil {
		return nil, fmt.Errorf("creating journal %s: %w", path, err)
	}
	if err := lock(f, path); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("syncing the directory of %s: %w", path, err)
	}
	return &Journal{w: f, file: f, name: path}, nil
}

// Resume opens the journal path of pool to continue it, and reads it. It
// checks the journal whole before it changes anything: it refuses a path
// that doesn't exist (the error wraps [fs.ErrNotExist]), a symlink or
// anything but a regular file, a journal another run holds (flock), and
// one [Read] refuses, naming file and line (path:3: ...). Only then does it
// make the file 0600 and cut off a last line cut short by a crash.
func Resume(path, pool string) (*Journal, *History, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("journal %s does not exist: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	if err := notRegular(path, st); err != nil {
		return nil, nil, err
	}
	// O_NONBLOCK: should the path become a FIFO after the Lstat, opening
	// it doesn't wait for a writer.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening journal %s: %w", path, err)
	}
	fail := func(err error) (*Journal, *History, error) {
		f.Close()
		return nil, nil, err
	}
	fst, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("journal %s: %w", path, err))
	}
	if !os.SameFile(st, fst) {
		return fail(fmt.Errorf("journal %s changed while it was opened", path))
	}
	if err := lock(f, path); err != nil {
		return fail(err)
	}
	h, err := read(io.NewSectionReader(f, 0, fst.Size()), pool, path)
	if err != nil {
		return fail(err)
	}
	if fst.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return fail(fmt.Errorf("journal %s: %w", path, err))
		}
	}
	if h.keep < fst.Size() {
		if err := f.Truncate(h.keep); err != nil {
			return fail(fmt.Errorf("journal %s: %w", path, err))
		}
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("syncing %s: %w", path, err))
		}
	}
	return &Journal{w: f, file: f, name: path}, h, nil
}

// notRegular returns the error of a journal path that is not a regular
// file, by its Lstat.
func notRegular(path string, st fs.FileInfo) error {
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("journal %s is a symlink: name the file itself", path)
	case st.IsDir():
		return fmt.Errorf("journal %s is a directory", path)
	case !st.Mode().IsRegular():
		what := "something else"
		switch t := st.Mode().Type(); {
		case t&fs.ModeNamedPipe != 0:
			what = "a FIFO"
		case t&fs.ModeDevice != 0:
			what = "a device"
		case t&fs.ModeSocket != 0:
			what = "a socket"
		}
		return fmt.Errorf("journal %s is not a regular file but %s: a journal is a regular file", path, what)
	}
	return nil
}

// lock takes f's lock, or says that another run holds it.
func lock(f *os.File, path string) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("journal %s is in use by another run: wait for it to end (a second run would send its users again)", path)
		}
		return fmt.Errorf("locking journal %s: %w", path, err)
	}
	return nil
}

// syncDir syncs the directory dir, so that a new file's entry survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
