package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// maxBatch is the most writes one transaction takes. A batch of ordinary
// writes takes a few milliseconds; the cap keeps a flood of them from
// holding every caller until the whole flood is written.
const maxBatch = 256

// errClosed is the error for a write after Close.
var errClosed = errors.New("closed")

// op is one write. It runs on the writer goroutine inside the batch's
// transaction, in a savepoint of its own: when it returns an error,
// everything it wrote (and every revision it took) is undone and the error
// goes to its caller as it is. The change it returns is published after
// the commit. An op must not call the store's own methods; it reads and
// writes through t.
type op func(t *tx) (store.Change, error)

// The states of a job. The caller and the writer race to move it out of
// queued: a caller whose ctx ends while its job waits cancels it, and the
// writer runs only the jobs it moved to running.
const (
	jobQueued int32 = iota
	jobRunning
	jobCancelled
)

type job struct {
	ctx   context.Context
	what  string // for errors: "create request <id>"
	op    op
	state atomic.Int32
	done  chan error
}

// write runs fn on the writer goroutine, in a transaction it may share
// with other writes, and returns once that transaction committed and its
// change was published. A ctx that ends while fn waits in the queue
// returns ctx's error and fn never runs; once fn runs, write waits for its
// result. Errors of write itself are wrapped as "store: <what>: ..."; fn's
// own errors are returned as they are. A panic in fn happens again in the
// caller.
func (db *DB) write(ctx context.Context, what string, fn op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	j := &job{ctx: ctx, what: what, op: fn, done: make(chan error, 1)}
	db.closeMu.RLock()
	if db.closed {
		db.closeMu.RUnlock()
		return fmt.Errorf("store: %s: %w", what, errClosed)
	}
	select {
	case db.queue <- j:
		db.closeMu.RUnlock()
	case <-ctx.Done():
		db.closeMu.RUnlock()
		return fmt.Errorf("store: %s: %w", what, ctx.Err())
	}
	var err error
	select {
	case err = <-j.done:
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobCancelled) {
			return fmt.Errorf("store: %s: %w", what, ctx.Err())
		}
		err = <-j.done
	}
	if p, ok := err.(*opPanic); ok {
		panic(p.value)
	}
	return err
}

// opPanic carries a panic of an op (or of a subscriber) from the writer
// goroutine to the caller, which panics again with the same value.
type opPanic struct {
	value any
	stack []byte
}

func (p *opPanic) Error() string {
	return fmt.Sprintf("panic in store write: %v\n%s", p.value, p.stack)
}

// run is the writer goroutine: it takes the first queued job, whatever
// else is queued by then, and writes them all in one transaction, until
// Close closes the queue.
func (db *DB) run() {
	defer close(db.stopped)
	t := &tx{db: db, ctx: context.Background()}
	batch := make([]*job, 0, maxBatch)
	for {
		j, ok := <-db.queue
		if !ok {
			return
		}
		batch = append(batch[:0], j)
	drain:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-db.queue:
				if !ok {
					break drain
				}
				batch = append(batch, j)
			default:
				break drain
			}
		}
		db.commit(t, batch)
		clear(batch)
	}
}

type result struct {
	change store.Change
	err    error
}

// commit runs the jobs of one batch in one transaction and answers each.
func (db *DB) commit(t *tx, batch []*job) {
	jobs := make([]*job, 0, len(batch))
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil && j.state.CompareAndSwap(jobQueued, jobCancelled) {
			j.done <- fmt.Errorf("store: %s: %w", j.what, err)
			continue
		}
		if j.state.CompareAndSwap(jobQueued, jobRunning) {
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 {
		return
	}
	results := make([]result, len(jobs))
	startRev := db.rev
	// broken is set when the transaction as a whole failed: every job
	// that had not failed on its own gets it.
	var broken error
	if _, err := t.exec("BEGIN IMMEDIATE"); err != nil {
		broken = fmt.Errorf("begin: %w", err)
	}
	for i, j := range jobs {
		if broken != nil {
			break
		}
		results[i], broken = db.runInSavepoint(t, j)
	}
	if broken == nil && db.rev != startRev {
		if _, err := t.exec(`UPDATE meta SET value = ? WHERE key = 'revision'`, db.rev); err != nil {
			broken = fmt.Errorf("save revision counter: %w", err)
		}
	}
	if broken == nil {
		if _, err := t.exec("COMMIT"); err != nil {
			broken = fmt.Errorf("commit: %w", err)
		} else {
			db.wroteWAL()
		}
	}
	if broken != nil {
		// The transaction may be gone already; ROLLBACK then fails, and
		// nothing is left to undo.
		_, _ = t.exec("ROLLBACK")
		db.rev = startRev
		for i, j := range jobs {
			if results[i].err == nil {
				results[i] = result{err: fmt.Errorf("store: %s: %w", j.what, broken)}
			}
		}
	}
	// Every change of the batch reaches the subscribers, in commit order,
	// before any caller hears back.
	for i := range results {
		if results[i].err == nil {
			results[i].err = db.publish(results[i].change)
		}
	}
	for i, j := range jobs {
		j.done <- results[i].err
	}
}

// runInSavepoint runs one job in a savepoint, and undoes it when it fails.
// broken is an error that leaves the transaction unusable.
func (db *DB) runInSavepoint(t *tx, j *job) (res result, broken error) {
	if _, err := t.exec("SAVEPOINT op"); err != nil {
		return result{}, fmt.Errorf("savepoint: %w", err)
	}
	opRev := db.rev
	t.now = db.now()
	c, err := runOp(t, j.op)
	if err == nil {
		if _, err := t.exec("RELEASE op"); err != nil {
			return result{}, fmt.Errorf("release savepoint: %w", err)
		}
		return result{change: c}, nil
	}
	db.rev = opRev
	if _, rerr := t.exec("ROLLBACK TO op"); rerr != nil {
		return result{err: err}, fmt.Errorf("roll back savepoint: %w", rerr)
	}
	if _, rerr := t.exec("RELEASE op"); rerr != nil {
		return result{err: err}, fmt.Errorf("release savepoint: %w", rerr)
	}
	return result{err: err}, nil
}

func runOp(t *tx, fn op) (c store.Change, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &opPanic{value: v, stack: debug.Stack()}
		}
	}()
	return fn(t)
}

// publish hands a committed change to the subscribers. A subscriber that
// panics makes the write's caller panic, not the writer.
func (db *DB) publish(c store.Change) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &opPanic{value: v, stack: debug.Stack()}
		}
	}()
	db.Publish(c)
	return nil
}

// tx is what an op reads and writes through: the writer connection inside
// the batch's transaction, its prepared statements, the revision counter
// and the batch's time.
type tx struct {
	db  *DB
	ctx context.Context
	// now is the store's clock, read before each op.
	now time.Time
}

func (t *tx) stmt(query string) (*sql.Stmt, error) {
	if s := t.db.wstmts[query]; s != nil {
		return s, nil
	}
	s, err := t.db.wconn.PrepareContext(t.ctx, query)
	if err != nil {
		return nil, err
	}
	t.db.wstmts[query] = s
	return s, nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(t.ctx, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(t.ctx, args...)
}

// scan reads the one row query finds into dest; found is false when there
// is none.
func (t *tx) scan(query string, args []any, dest ...any) (found bool, err error) {
	s, err := t.stmt(query)
	if err != nil {
		return false, err
	}
	err = s.QueryRowContext(t.ctx, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// doc reads the document query finds; found is false when there is none.
func (t *tx) doc(query string, args ...any) (doc []byte, found bool, err error) {
	found, err = t.scan(query, args, &doc)
	return doc, found, err
}

// nextRevision takes the next number of the store-wide revision counter.
// When the op fails, the writer gives it back.
func (t *tx) nextRevision() int64 {
	t.db.rev++
	return t.db.rev
}

// undoRevision gives back rev, the last revision taken, when the op ends
// well without using it.
func (t *tx) undoRevision(rev int64) {
	if t.db.rev == rev {
		t.db.rev--
	}
}

// raiseRevision keeps the counter at or above rev.
func (t *tx) raiseRevision(rev int64) { t.db.rev = max(t.db.rev, rev) }

// load reads the document with the given ID from table inside a write, for
// a change: not found is the domain's error for noun, other failures are
// wrapped as "store: <what>: ...".
func load[T any](t *tx, table, id, what string, noun wijkhelpt.Text) (*T, error) {
	b, found, err := t.doc(`SELECT doc FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	if !found {
		return nil, fmt.Errorf("store: %s: %w", what, wijkhelpt.NotFound(noun))
	}
	v, err := decode[T](b)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return v, nil
}
