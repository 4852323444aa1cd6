package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is a FerretDB instance (SQLite backend) running inside this
// process, listening on loopback only. It is the default store when no
// MONGODB_URI is configured.
//
// Only one process may use a data directory at a time: StartEmbedded locks
// it. That is also what makes the store's updates atomic on FerretDB, whose
// findAndModify is a read followed by a write; DB serialises those per
// document, which is enough only while no other process writes (see doc.go).
type Embedded struct {
	uri    string
	dir    string
	cancel context.CancelFunc
	done   chan struct{}
	unlock func()
	once   sync.Once

	mu sync.Mutex
	// changes holds the change log of each database that Open opened,
	// shared by every DB Open makes for it, for as long as e runs.
	changes map[string]*changeLog
	// watches holds the watched polls of each database that Open opened,
	// shared in the same way (watch.go).
	watches map[string]*watches
}

// StartEmbedded starts FerretDB with its SQLite files under dir and returns
// once it accepts connections. Its own logs are discarded unless logger is
// given; they may contain query data, which we never want in our logs.
//
// FerretDB sets a package-level variable of its own while starting, so start
// one instance at a time (tests that share one instance per binary do).
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: start embedded database: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: embedded data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: create embedded data dir: %w", err)
	}
	unlock, err := lockDir(abs)
	if err != nil {
		return nil, fmt.Errorf("store: embedded data dir %s: %w", abs, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// A file: URL built by net/url, so that spaces or '?' in the path are
	// escaped; FerretDB wants the directory with a trailing slash.
	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs) + "/"}).String()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("store: start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{dir: abs, cancel: cancel, done: make(chan struct{}), unlock: unlock,
		changes: map[string]*changeLog{}, watches: map[string]*watches{}}
	go func() {
		defer close(e.done)
		// Run only returns once ctx is cancelled and every connection and
		// SQLite file is closed; its error is always nil in v1.24.
		_ = f.Run(runCtx)
	}()
	// The listener is bound inside ferretdb.New, so the address with the
	// port the kernel picked is known at once.
	uri := f.MongoDBURI()
	if err := checkListening(uri); err != nil {
		e.Close()
		return nil, fmt.Errorf("store: start embedded database: %w", err)
	}
	e.uri = uri
	return e, nil
}

// checkListening makes sure uri names a bound TCP port.
func checkListening(uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("bad address %q: %w", uri, err)
	}
	if p := u.Port(); p == "" || p == "0" {
		return errors.New("embedded database is not listening")
	}
	return nil
}

// URI is the mongodb:// address of the embedded database.
func (e *Embedded) URI() string { return e.uri }

// Open opens the store on the database dbName of this instance, as Open
// does with its URI, and then gives FerretDB's lookups by _id the index
// they lack (see indexIDLookups), and the revision feeds the change log
// that spares them a full scan on every read (see doc.go). Open through
// this method, not by URI: without that index every read, update and
// delete of one document reads the whole collection. And write to a
// database only through DBs that this method made: a write through a DB
// opened by URI bypasses the change log, so the feeds of these DBs would
// not see it.
func (e *Embedded) Open(ctx context.Context, dbName string) (*DB, error) {
	if dbName == "" || dbName != filepath.Base(dbName) || strings.ContainsAny(dbName, `/\.`) {
		return nil, fmt.Errorf("store: open: bad database name %q", dbName)
	}
	db, tops, err := open(ctx, e.uri, dbName)
	if err != nil {
		return nil, err
	}
	if err := indexIDLookups(ctx, filepath.Join(e.dir, dbName+".sqlite")); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("store: open %s: %w", dbName, err)
	}
	// The first Open of a database starts its change log from the highest
	// revisions its set-up read. Nothing can have written through the log
	// since: there is no log, so no DB of this method for the database,
	// before this point. A later Open (or one that ran at the same time
	// and lost) shares the log that exists.
	e.mu.Lock()
	l := e.changes[dbName]
	if l == nil {
		l = newChangeLog(tops, changeLogCap)
		e.changes[dbName] = l
	}
	ws := e.watches[dbName]
	if ws == nil {
		ws = newWatches()
		e.watches[dbName] = ws
	}
	e.mu.Unlock()
	db.changes, db.watches = l, ws
	return db, nil
}

// Close stops the embedded database and waits until its files are closed.
// Disconnect clients first: FerretDB gives connections that are still open
// three seconds to finish. Calling Close again does nothing.
func (e *Embedded) Close() {
	e.once.Do(func() {
		e.cancel()
		<-e.done
		e.unlock()
	})
}

// errDirInUse is returned when another process holds the data directory.
var errDirInUse = errors.New("in use by another process (is wijkhelpt already running?)")

// lockDir takes an exclusive lock on a file in dir, held until the returned
// function is called or the process ends.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "wijkhelpt.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		_ = unlockFile(f)
		_ = f.Close()
	}, nil
}
