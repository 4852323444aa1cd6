package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
	"wijkhelpt/store"
	mongostore "wijkhelpt/store/mongo"
)

// OpenMongo returns the MongoDB store on a new, empty database of the
// test's own, dropped when the test ends: on the server named by
// WIJKHELPT_TEST_MONGODB_URI when it is set, else on an embedded FerretDB
// v1.24 (SQLite) that the test binary starts once. When the server cannot
// be reached, the test fails; it is never skipped.
//
// FerretDB is a stand-in with limits the store must not bend to, so this
// fixture covers them, and only for FerretDB:
//
//   - FerretDB v1 runs findAndModify, update and $inc as a read followed by
//     a write, so a conditional update is not atomic there. The client
//     connects with maxPoolSize=1: one connection, and FerretDB answers the
//     commands of one connection one after the other, so no command of the
//     test's store runs between the read and the write of another. That
//     makes the conditional updates (UpdateRequest, ClaimMessage, Hit,
//     ClaimInbound, ...) atomic as on MongoDB. Each test has its own store,
//     so serialising one store's commands costs little.
//   - FerretDB refuses TTL indexes ("expireAfterSeconds" is not
//     implemented), so the store is opened with mongo.WithoutTTL; the suite
//     removes expired documents with DeleteExpired anyway.
//   - FerretDB reports a unique index violation caused by an update (not an
//     insert) as an InternalError with SQLite's "UNIQUE constraint failed"
//     instead of MongoDB's duplicate key error 11000, so the store cannot
//     tell it from any other failure. ferretStore turns it back into the
//     error the store gives on MongoDB, for the three updates that can
//     clash on a unique index.
//
// FerretDB accepts sparse indexes (it ignores the flag, and its SQLite
// indexes never clash on a missing field), so the store's unique indexes on
// optional fields need no shim.
func OpenMongo(tb testing.TB) store.Store {
	tb.Helper()
	uri, name, opts := MongoDatabase(tb)
	db, err := mongostore.Open(tb.Context(), uri, name, opts...)
	if err != nil {
		tb.Fatalf("storetest: open MongoDB store: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), mongoCleanupTimeout)
		defer cancel()
		if err := db.Close(ctx); err != nil {
			tb.Errorf("storetest: close MongoDB store: %v", err)
		}
	})
	if os.Getenv(EnvMongoURI) == "" {
		return ferretStore{db}
	}
	return db
}

// MongoDatabase returns what mongo.Open needs for a new, empty database of
// the test's own, dropped when the test ends: the server's address and the
// options for it, on the server OpenMongo uses. For tests that open the
// database more than once (several instances, restarts). On FerretDB the
// address limits each client to one connection (see OpenMongo), which makes
// one DB's updates atomic, not those of two DBs on one database.
func MongoDatabase(tb testing.TB) (uri, name string, opts []mongostore.Option) {
	tb.Helper()
	uri = os.Getenv(EnvMongoURI)
	if uri == "" {
		uri = withQuery(ferretDBURI(tb), "maxPoolSize", "1")
		opts = append(opts, mongostore.WithoutTTL())
	}
	name = freshDatabaseName(tb.Name())
	// Registered before the caller opens anything, so that it runs after
	// the caller's stores are closed.
	tb.Cleanup(func() { dropDatabase(tb, uri, name) })
	return uri, name, opts
}

// mongoCleanupTimeout bounds dropping a test database and disconnecting.
const mongoCleanupTimeout = 30 * time.Second

// ferretStore is the store on FerretDB, with the errors of updates that
// clash on a unique index made what they are on MongoDB (see OpenMongo).
type ferretStore struct{ store.Store }

// UpdateUser is the store's, with a taken e-mail address reported as on
// MongoDB.
func (s ferretStore) UpdateUser(ctx context.Context, id string, fn func(*wijkhelpt.User) error) (*wijkhelpt.User, error) {
	u, err := s.Store.UpdateUser(ctx, id, fn)
	return u, ferretDuplicate(err, store.EmailTaken())
}

// UpdateOffer is the store's, with a taken import key reported as on
// MongoDB.
func (s ferretStore) UpdateOffer(ctx context.Context, id string, fn func(*wijkhelpt.Offer) error) (*wijkhelpt.Offer, error) {
	o, err := s.Store.UpdateOffer(ctx, id, fn)
	return o, ferretDuplicate(err, store.OfferExists())
}

// SaveMessage is the store's, with a SID that another message has reported
// as on MongoDB.
func (s ferretStore) SaveMessage(ctx context.Context, d *wijkhelpt.Delivery) error {
	return ferretDuplicate(s.Store.SaveMessage(ctx, d), store.SIDTaken())
}

// ferretDuplicate returns as when err is FerretDB's report of a unique
// index violation, else err.
func ferretDuplicate(err error, as *wijkhelpt.Error) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("store: %w (FerretDB: %v)", as, err)
	}
	return err
}

// ferret is the embedded FerretDB of this test binary. Test support only:
// production code keeps no package-level state. FerretDB writes a
// package-level variable of its own while starting, so it is started once,
// under mu.
var ferret struct {
	mu   sync.Mutex
	uri  string
	dir  string
	stop context.CancelFunc
	done chan struct{}
	err  error
}

// ferretDirPrefix starts the names of the FerretDB data directories; the
// process ID follows, so that a later run can tell a directory whose
// process is gone.
const ferretDirPrefix = "wijkhelpt-ferretdb-"

// ferretDBURI returns the address of this test binary's FerretDB, starting
// it on first use. Its SQLite files live in a temporary directory; each
// database's file goes when the database is dropped, and the directory
// when stopFerretDB runs (storetest.Main calls it) or, should the process
// end without that, on the next run's start.
func ferretDBURI(tb testing.TB) string {
	tb.Helper()
	ferret.mu.Lock()
	defer ferret.mu.Unlock()
	if ferret.uri == "" && ferret.err == nil {
		ferret.err = startFerretDB()
	}
	if ferret.err != nil {
		tb.Fatalf("storetest: start embedded FerretDB: %v", ferret.err)
	}
	return ferret.uri
}

// startFerretDB starts FerretDB; ferret.mu is held.
func startFerretDB() error {
	removeStaleFerretDirs()
	dir, err := os.MkdirTemp("", ferretDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return err
	}
	// A file: URL built by net/url, so that spaces or '?' in the path are
	// escaped; FerretDB wants the directory with a trailing slash.
	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.DiscardHandler),
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Run returns once ctx is cancelled and every connection and
		// SQLite file is closed; its error is always nil in v1.24.
		_ = f.Run(ctx)
	}()
	ferret.uri, ferret.dir, ferret.stop, ferret.done = f.MongoDBURI(), dir, cancel, done
	return nil
}

// stopFerretDB stops this test binary's FerretDB, if it started one, and
// removes its files. Main calls it after the tests.
func stopFerretDB() {
	ferret.mu.Lock()
	defer ferret.mu.Unlock()
	if ferret.stop == nil {
		return
	}
	ferret.stop()
	<-ferret.done
	_ = os.RemoveAll(ferret.dir)
	ferret.uri, ferret.dir, ferret.stop, ferret.done = "", "", nil, nil
}

// removeStaleFerretDirs removes, best-effort, the FerretDB directories of
// test binaries that ended without stopFerretDB (killed, or without Main).
func removeStaleFerretDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), ferretDirPrefix+"*"))
	for _, dir := range dirs {
		pid, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(dir), ferretDirPrefix), "-")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || n == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(n); err == nil && errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone) {
			_ = os.RemoveAll(dir)
		}
	}
}

// withQuery returns uri with the query parameter key set to value.
func withQuery(uri, key, value string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri // Open reports it
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// freshDatabaseName makes a valid, unique database name from a test name:
// letters, digits and underscores, at most 63 characters (FerretDB's
// limit), with a random suffix.
func freshDatabaseName(test string) string {
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

// dropDatabase drops the database name on the server at uri.
func dropDatabase(tb testing.TB, uri, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), mongoCleanupTimeout)
	defer cancel()
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Errorf("storetest: drop database: %v", err)
		return
	}
	defer func() { _ = client.Disconnect(ctx) }()
	if err := client.Database(name).Drop(ctx); err != nil {
		tb.Errorf("storetest: drop database: %v", err)
	}
}
