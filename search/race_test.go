//go:build race

package search_test

// slowdown stretches the waits of tests that promise a time: the race
// detector makes everything, the embedded store included, several times
// slower, and the promise is about the service as it is built.
const slowdown = 5
