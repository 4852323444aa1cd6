// Package sqlite is WijkHelpt's embedded default store: one SQLite database
// file (modernc.org/sqlite, pure Go) in a data directory that one process
// owns.
//
// Every table keeps the whole document as BSON in its doc column, exactly
// as the MongoDB store keeps it, so that Dump and Restore move documents
// between the stores unchanged; the columns beside it are what queries
// filter and sort on, each with its index.
//
// # One writer, group commit
//
// All writes go through one goroutine that owns the only write connection
// (write.go). It takes the first queued write, drains whatever else is
// queued, runs them in one transaction (each in a savepoint of its own, so
// that one failing write leaves the others alone), commits once, publishes
// the committed changes to the subscribers (store.Hub) and only then
// answers the callers. One fsync serves many writes, which is what lets a
// two-core machine take a thousand intakes a second with synchronous=FULL.
//
// A change (UpdateRequest, ClaimMessage, Hit, ...) reads, decides and
// writes inside its write, on the writer connection: nothing can come
// between the read and the write, so updates need no locks, no conditions
// on revision and no retries. Revisions are taken there too, so they
// commit in order and a follower of the revision feed never sees a gap.
//
// Reads go to a pool of read-only connections; in WAL mode they never wait
// for the writer, and they see every write that was acknowledged.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"wijkhelpt/store"
)

var _ store.Store = (*DB)(nil)

// FileName is the database file in the data directory.
const FileName = "wijkhelpt.db"

// DB is the SQLite store. It is safe for concurrent use. Only one DB may
// have a data directory open at a time, in this process or any other.
type DB struct {
	store.Hub

	path string
	now  func() time.Time
	lock *os.File

	// The writer: one connection, used by the writer goroutine only
	// (write.go), with its prepared statements and the revision counter.
	wpool  *sql.DB
	wconn  *sql.Conn
	wstmts map[string]*sql.Stmt
	rev    int64

	// The readers: a pool of read-only connections.
	rpool  *sql.DB
	rstmts sync.Map // query text -> *sql.Stmt on rpool

	queue   chan *job
	stopped chan struct{}
	closeMu sync.RWMutex
	closed  bool

	// The checkpointer (checkpoint.go) and its connection.
	cpool           *sql.DB
	checkpointDue   chan struct{}
	stopCheckpoints chan struct{}
	checkpointsDone chan struct{}
}

// Option changes how Open opens a store.
type Option func(*DB)

// WithClock makes the store read the time from now instead of time.Now: for
// session expiry, and the times it stamps on what it writes.
func WithClock(now func() time.Time) Option {
	return func(db *DB) { db.now = now }
}

// Open opens the store in dir, creating the directory (0700) and the
// database when they are missing, and bringing the schema up to date. It
// locks dir until Close: a second Open of the same directory, in this
// process or another, fails with an error that says it is in use.
func Open(ctx context.Context, dir string, opts ...Option) (*DB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	lock, err := lockDir(abs)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	db := &DB{
		path:    filepath.Join(abs, FileName),
		now:     time.Now,
		lock:    lock,
		wstmts:  map[string]*sql.Stmt{},
		queue:   make(chan *job, 4*maxBatch),
		stopped: make(chan struct{}),

		checkpointDue:   make(chan struct{}, 1),
		stopCheckpoints: make(chan struct{}),
		checkpointsDone: make(chan struct{}),
	}
	for _, o := range opts {
		o(db)
	}
	if err := db.open(ctx); err != nil {
		_ = db.release()
		return nil, fmt.Errorf("store: open %s: %w", db.path, err)
	}
	go db.run()
	go db.checkpoints()
	return db, nil
}

// dsn is the driver's name for the database file with the given pragmas,
// run on every new connection (busy_timeout first, so that the others wait
// for a lock instead of failing).
func dsn(path string, pragmas ...string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// The pragmas of every connection. synchronous=FULL makes a commit wait for
// its WAL write to reach the disk: an acknowledged write survives a power
// cut.
var basePragmas = []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)", "temp_store(MEMORY)"}

func (db *DB) open(ctx context.Context) error {
	var err error
	// The writer keeps 16 MiB of pages, the index pages that every write
	// touches; each reader 8 MiB.
	db.wpool, err = sql.Open("sqlite", dsn(db.path, append(slices.Clone(basePragmas),
		"journal_mode(WAL)", "wal_autocheckpoint("+walSafetyPages+")", "cache_size(-16384)")...))
	if err != nil {
		return err
	}
	db.wpool.SetMaxOpenConns(1)
	db.wpool.SetMaxIdleConns(1)
	db.wpool.SetConnMaxLifetime(0)
	db.wpool.SetConnMaxIdleTime(0)
	if db.wconn, err = db.wpool.Conn(ctx); err != nil {
		return err
	}
	var mode string
	if err := db.wconn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %s, not WAL", mode)
	}
	if err := migrate(ctx, db.wconn); err != nil {
		return err
	}
	if db.rev, err = topRevision(ctx, db.wconn); err != nil {
		return err
	}

	db.rpool, err = sql.Open("sqlite", dsn(db.path, append(slices.Clone(basePragmas), "cache_size(-8192)", "query_only(1)")...))
	if err != nil {
		return err
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	db.rpool.SetMaxOpenConns(readers)
	db.rpool.SetMaxIdleConns(readers)
	db.rpool.SetConnMaxIdleTime(0)
	db.rpool.SetConnMaxLifetime(0)
	if err := db.rpool.PingContext(ctx); err != nil {
		return err
	}

	db.cpool, err = sql.Open("sqlite", dsn(db.path, basePragmas...))
	if err != nil {
		return err
	}
	db.cpool.SetMaxOpenConns(1)
	db.cpool.SetMaxIdleConns(1)
	db.cpool.SetConnMaxIdleTime(0)
	db.cpool.SetConnMaxLifetime(0)
	return db.cpool.PingContext(ctx)
}

// release closes what open opened and unlocks the directory.
func (db *DB) release() error {
	var errs []error
	for _, s := range db.wstmts {
		errs = append(errs, s.Close())
	}
	db.rstmts.Range(func(_, s any) bool {
		errs = append(errs, s.(*sql.Stmt).Close())
		return true
	})
	if db.wconn != nil {
		errs = append(errs, db.wconn.Close())
	}
	if db.wpool != nil {
		errs = append(errs, db.wpool.Close())
	}
	if db.rpool != nil {
		errs = append(errs, db.rpool.Close())
	}
	if db.cpool != nil {
		errs = append(errs, db.cpool.Close())
	}
	errs = append(errs, unlockDir(db.lock))
	return errors.Join(errs...)
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close stops taking writes, finishes the ones queued, closes the database
// and unlocks the data directory. When ctx ends first, Close returns its
// error and the rest happens in the background. A second Close does
// nothing.
func (db *DB) Close(ctx context.Context) error {
	db.closeMu.Lock()
	if db.closed {
		db.closeMu.Unlock()
		return nil
	}
	db.closed = true
	close(db.queue)
	db.closeMu.Unlock()
	close(db.stopCheckpoints)
	select {
	case <-db.stopped:
	case <-ctx.Done():
		go func() {
			<-db.stopped
			<-db.checkpointsDone
			_ = db.release()
		}()
		return fmt.Errorf("store: close: %w", ctx.Err())
	}
	<-db.checkpointsDone
	if err := db.release(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.rpool.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}
