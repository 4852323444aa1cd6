// Package storetest gives tests a real WijkHelpt store: the embedded
// FerretDB by default, or the MongoDB named by WIJKHELPT_TEST_MONGODB_URI.
// Every test gets a database of its own, dropped when the test ends.
//
// A package whose TestMain calls Main shares one embedded FerretDB among all
// its tests and removes its files at the end. Without Main, every test
// starts an embedded FerretDB of its own (a few milliseconds) in its own
// temporary directory.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt/store"
)

// EnvMongoURI names the environment variable with a MongoDB address to test
// against instead of the embedded store.
const EnvMongoURI = "WIJKHELPT_TEST_MONGODB_URI"

// cleanupTimeout bounds dropping a test database and disconnecting.
const cleanupTimeout = 30 * time.Second

// shared is the embedded FerretDB of a test binary whose TestMain calls Main.
// Test support only: production code keeps no package-level state.
var shared struct {
	starting sync.Mutex // FerretDB writes a global of its own while starting
	inMain   bool
	once     sync.Once
	dir      string
	e        *store.Embedded
	err      error
}

// Main runs a package's tests with one embedded FerretDB for all of them,
// started when the first test asks for a store, and stopped (its files
// removed) when the tests are done. Call it from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
func Main(m *testing.M) {
	shared.inMain = true
	code := m.Run()
	if shared.e != nil {
		shared.e.Close()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// Open returns a store on a new, empty database of the test's own. The
// store is closed and the database dropped when the test ends. When the
// store cannot be reached, the test fails; it is never skipped.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	uri := os.Getenv(EnvMongoURI)
	var e *store.Embedded
	if uri == "" {
		e = embedded(tb)
		uri = e.URI()
	}
	name := databaseName(tb.Name())
	tb.Cleanup(func() { drop(tb, uri, name) })
	var db *store.DB
	var err error
	if e != nil {
		db, err = e.Open(tb.Context(), name)
	} else {
		db, err = store.Open(tb.Context(), uri, name)
	}
	if err != nil {
		tb.Fatalf("storetest: open store: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := db.Close(ctx); err != nil {
			tb.Errorf("storetest: close store: %v", err)
		}
	})
	return db
}

// Database returns the address of a test database server and the name of
// a fresh database on it, for tests that open the store themselves (such as
// end-to-end tests that start the binary with MONGODB_URI). The database is
// dropped when the test ends.
func Database(tb testing.TB) (uri, name string) {
	tb.Helper()
	uri = os.Getenv(EnvMongoURI)
	if uri == "" {
		uri = embedded(tb).URI()
	}
	name = databaseName(tb.Name())
	tb.Cleanup(func() { drop(tb, uri, name) })
	return uri, name
}

// embedded returns an embedded FerretDB for tb: the shared one under Main,
// else one for this test alone.
func embedded(tb testing.TB) *store.Embedded {
	tb.Helper()
	if shared.inMain {
		shared.once.Do(func() {
			shared.dir, shared.err = os.MkdirTemp("", "wijkhelpt-storetest-")
			if shared.err == nil {
				shared.e, shared.err = start(shared.dir)
			}
		})
		if shared.err != nil {
			tb.Fatalf("storetest: start embedded store: %v", shared.err)
		}
		return shared.e
	}
	e, err := start(tb.TempDir())
	if err != nil {
		tb.Fatalf("storetest: start embedded store: %v", err)
	}
	tb.Cleanup(e.Close)
	return e
}

func start(dir string) (*store.Embedded, error) {
	shared.starting.Lock()
	defer shared.starting.Unlock()
	return store.StartEmbedded(context.Background(), dir, nil)
}

// databaseName makes a valid, unique database name from a test name:
// letters, digits and underscores, at most 63 characters (FerretDB's limit).
func databaseName(test string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 48 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(rnd[:]))
	return b.String()
}

func drop(tb testing.TB, uri, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Errorf("storetest: drop database: %v", err)
		return
	}
	defer func() { _ = client.Disconnect(ctx) }()
	if err := client.Database(name).Drop(ctx); err != nil {
		tb.Errorf("storetest: drop database: %v", err)
	}
}
