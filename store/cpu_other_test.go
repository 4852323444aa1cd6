//go:build !unix

package store_test

import "time"

// cpuTime is not measured on this system; the benchmark then reports zero.
func cpuTime() time.Duration { return 0 }
