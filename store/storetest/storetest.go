// Package storetest gives tests a real WijkHelpt store, and holds the
// conformance suite (Run) that every store passes.
//
// Open gives a test an embedded SQLite store of its own, in the test's
// temporary directory, closed when the test ends. Tests of the MongoDB
// store use the embedded FerretDB fixture, or the MongoDB named by
// EnvMongoURI when it is set.
package storetest

import (
	"context"
	"os"
	"testing"

	"wijkhelpt/store"
	"wijkhelpt/store/sqlite"
)

// EnvMongoURI names the environment variable with a MongoDB address to test
// the MongoDB store against instead of the embedded FerretDB.
const EnvMongoURI = "WIJKHELPT_TEST_MONGODB_URI"

// Open returns a new, empty SQLite store in the test's temporary
// directory. It is closed when the test ends; a failing close fails the
// test.
func Open(tb testing.TB) store.Store {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), tb.TempDir())
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			tb.Errorf("storetest: close: %v", err)
		}
	})
	return db
}

// Main runs a package's tests, and stops the FerretDB fixture afterwards
// when a test started it (removing its files). Call it from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	stopFerretDB()
	os.Exit(code)
}
