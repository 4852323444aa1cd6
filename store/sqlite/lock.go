package sqlite

import (
	"errors"
	"os"
	"path/filepath"
)

// errDirInUse is returned when another process holds the data directory.
var errDirInUse = errors.New("in use by another process (is wijkhelpt already running?)")

// lockDir takes an exclusive lock on the file wijkhelpt.lock in dir, held
// until unlockDir or the end of the process. The lock belongs to the open
// file, so a second lockDir of the same directory fails in this process
// too.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "wijkhelpt.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// unlockDir releases a lock that lockDir took.
func unlockDir(f *os.File) error {
	if f == nil {
		return nil
	}
	return errors.Join(unlockFile(f), f.Close())
}
