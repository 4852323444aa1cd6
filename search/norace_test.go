//go:build !race

package search_test

// slowdown stretches the waits of tests that promise a time (see
// race_test.go).
const slowdown = 1
