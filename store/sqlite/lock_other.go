//go:build !unix

package sqlite

import "os"

// Other systems get no data directory lock; WijkHelpt is deployed on Linux.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
