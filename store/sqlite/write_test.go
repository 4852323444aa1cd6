package sqlite

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// holdWriter queues a write that keeps the writer busy until release is
// called, so that the writes queued meanwhile go into one batch.
func holdWriter(tb testing.TB, db *DB) (release func()) {
	tb.Helper()
	gate, started := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.write(context.Background(), "hold", func(*tx) (store.Change, error) {
			close(started)
			<-gate
			return store.Change{}, nil
		})
	}()
	<-started
	return func() {
		close(gate)
		if err := <-done; err != nil {
			tb.Errorf("held write: %v", err)
		}
	}
}

// waitQueued waits until n writes wait in the queue.
func waitQueued(tb testing.TB, db *DB, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(db.queue) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d writes queued after 10s; want %d", len(db.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitIsolatesAFailingWrite: writes that share a transaction
// are each on their own: one that fails after writing leaves nothing
// behind, takes no revision and publishes nothing, and the others commit
// and publish in revision order.
func TestGroupCommitIsolatesAFailingWrite(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	var mu sync.Mutex
	var published []*wijkhelpt.Request
	defer db.Subscribe(func(c store.Change) {
		mu.Lock()
		defer mu.Unlock()
		published = append(published, c.Requests...)
	})()

	release := holdWriter(t, db)
	const n = 10
	errs := make([]error, n)
	stored := make([]*wijkhelpt.Request, n)
	refused := errors.New("refused")
	sharedTx := false
	var wg sync.WaitGroup
	for i := range n {
		switch i {
		case 4:
			wg.Go(func() {
				errs[i] = db.write(ctx, "failing", func(t *tx) (store.Change, error) {
					t.nextRevision()
					if _, err := t.exec(`INSERT INTO audit (id, doc) VALUES ('x', x'0500000000')`); err != nil {
						return store.Change{}, err
					}
					return store.Change{Requests: []*wijkhelpt.Request{{ID: "ghost"}}}, refused
				})
			})
		case n - 1:
			// The last write sees the others' rows, which readers cannot
			// see yet: they are in its transaction.
			wg.Go(func() {
				errs[i] = db.write(ctx, "look", func(t *tx) (store.Change, error) {
					var inTx int64
					if _, err := t.scan(`SELECT count(*) FROM requests`, nil, &inTx); err != nil {
						return store.Change{}, err
					}
					committed, err := db.CountRequests(ctx)
					if err != nil {
						return store.Change{}, err
					}
					sharedTx = inTx == n-2 && committed == 0
					return store.Change{}, nil
				})
			})
		default:
			r := newRequest(t, "", "+31612345678")
			wg.Go(func() { stored[i], _, errs[i] = db.CreateRequest(ctx, r) })
		}
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()

	if !sharedTx {
		t.Errorf("the queued writes did not share one transaction")
	}
	var revs []int64
	for i, err := range errs {
		switch {
		case i == 4:
			if err != refused {
				t.Errorf("failing write returned %v; want its own error", err)
			}
		case err != nil:
			t.Errorf("write %d: %v", i, err)
		case stored[i] != nil:
			revs = append(revs, stored[i].Revision)
		}
	}
	for i, rev := range revs {
		if rev != int64(i+1) {
			t.Errorf("revisions %v; want 1 to %d in order, none left to the failed write", revs, len(revs))
			break
		}
	}
	var audits, counter int64
	if err := db.rpool.QueryRowContext(ctx, `SELECT count(*) FROM audit`).Scan(&audits); err != nil || audits != 0 {
		t.Errorf("audit rows %d, %v; want the failed write's row undone", audits, err)
	}
	if err := db.rpool.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'revision'`).Scan(&counter); err != nil || counter != int64(len(revs)) {
		t.Errorf("stored revision counter %d, %v; want %d", counter, err, len(revs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(published) != len(revs) {
		t.Fatalf("%d requests published; want %d", len(published), len(revs))
	}
	for i, r := range published {
		if r.ID == "ghost" || r.Revision != revs[i] {
			t.Errorf("published %d: %s at revision %d; want revision %d", i, r.ID, r.Revision, revs[i])
		}
	}
}

// TestWriteCancelledWhileQueued: a caller that gives up while its write
// waits gets its ctx's error, and the write never runs.
func TestWriteCancelledWhileQueued(t *testing.T) {
	db := openTest(t)
	release := holdWriter(t, db)
	ctx, cancel := context.WithCancel(t.Context())
	var ran atomic.Bool
	errc := make(chan error, 1)
	go func() {
		errc <- db.write(ctx, "cancelled", func(*tx) (store.Change, error) {
			ran.Store(true)
			return store.Change{}, nil
		})
	}()
	waitQueued(t, db, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write returned %v; want context.Canceled", err)
	}
	release()
	if _, err := db.Hit(t.Context(), "k", time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("the cancelled write ran")
	}
}

// TestPanicInUpdateReachesCaller: fn runs on the writer goroutine, but a
// panic in it happens in the caller, and the store goes on.
func TestPanicInUpdateReachesCaller(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	r := createRequest(t, db, newRequest(t, "", "+31612345678"))
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v; want boom", v)
			}
		}()
		_, _ = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
			r.Urgent = true
			panic("boom")
		})
		t.Error("UpdateRequest returned; want a panic")
	}()
	got, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		return r.AddNote("gebeld", mediator, t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Urgent || got.Revision != r.Revision+1 {
		t.Errorf("after the panic: urgent %v, revision %d; want the panicking change undone and revision %d",
			got.Urgent, got.Revision, r.Revision+1)
	}
}

// TestCloseFinishesQueuedWrites: Close writes what was queued, refuses
// what comes after, and a second Close does nothing.
func TestCloseFinishesQueuedWrites(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, db)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		r := newRequest(t, "", "+31612345678")
		wg.Go(func() { _, _, errs[i] = db.CreateRequest(ctx, r) })
	}
	waitQueued(t, db, n)
	closed := make(chan error, 1)
	go func() { closed <- db.Close(context.Background()) }()
	for {
		db.closeMu.RLock()
		c := db.closed
		db.closeMu.RUnlock()
		if c {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678")); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("CreateRequest after Close: %v; want an error that says closed", err)
	}
	release()
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("queued write %d: %v", i, err)
		}
	}
	if err := db.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}

	again, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(context.Background())
	if count, err := again.CountRequests(ctx); err != nil || count != n {
		t.Errorf("after reopening: %d requests, %v; want %d", count, err, n)
	}
}
