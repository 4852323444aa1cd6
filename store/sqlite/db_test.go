package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// envLockChild names the directory the child process of TestOpenLocksDir
// tries to open.
const envLockChild = "WIJKHELPT_SQLITE_LOCK_CHILD"

// TestOpenLocksDir: while a store has a directory open, a second Open of
// it fails, in this process and in another; after Close it opens again.
func TestOpenLocksDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := t.Context()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	_, err = Open(ctx, dir)
	if !errors.Is(err, errDirInUse) || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second Open in this process: %v; want it refused as in use", err)
	}

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockChild$", "-test.v")
	cmd.Env = append(os.Environ(), envLockChild+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: in use") {
		t.Errorf("Open in another process: %v\n%s\nwant it refused as in use", err, out)
	}

	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := again.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLockChild is the other process of TestOpenLocksDir; on its own it
// does nothing.
func TestLockChild(t *testing.T) {
	dir := os.Getenv(envLockChild)
	if dir == "" {
		return
	}
	db, err := Open(t.Context(), dir)
	if err == nil {
		_ = db.Close(t.Context())
		t.Fatal("child: opened a directory another process has open")
	}
	if errors.Is(err, errDirInUse) {
		t.Log("child: in use:", err)
	}
}

// TestDataSurvivesReopen: what was acknowledged is there after Close and
// Open, and the revision counter goes on from the highest revision stored
// even when the counter itself was set back.
func TestDataSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	r := createRequest(t, db, newRequest(t, "form-1", "+31612345678"))
	r, err = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error { return r.AddNote("gebeld", mediator, t0) })
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := db.CreateOffer(ctx, newOffer("Bert Bakker", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	u := &wijkhelpt.User{Email: "Mediator@Example.org", Name: "M", Role: wijkhelpt.RoleMediator}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.InsertMessage(ctx, newDelivery("m1", t0)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := db.SetOptOut(ctx, "+31600000001", true, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// Set the counter back, as a restore of an older meta table would.
	raw, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE meta SET value = 1 WHERE key = 'revision'`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	gotR, err := db.FindRequestByRef(ctx, r.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(r, gotR); diff != "" {
		t.Errorf("request after reopening (-before +after):\n%s", diff)
	}
	if gotO, err := db.FindOffer(ctx, o.ID); err != nil || storedDiff(o, gotO) != "" {
		t.Errorf("offer after reopening: %v (-before +after):\n%s", err, storedDiff(o, gotO))
	}
	if gotU, err := db.FindUserByEmail(ctx, "mediator@example.org"); err != nil || gotU.ID != u.ID {
		t.Errorf("user after reopening: %v, %v", gotU, err)
	}
	if m, err := db.FindMessage(ctx, "m1"); err != nil || m.Body != "Kun jij helpen?" {
		t.Errorf("message after reopening: %v, %v", m, err)
	}
	if out, err := db.OptedOut(ctx, "+31600000001"); err != nil || !out {
		t.Errorf("opt-out after reopening: %v, %v", out, err)
	}
	top := max(r.Revision, o.Revision, u.Revision)
	next := createRequest(t, db, newRequest(t, "", "+31612345678"))
	if next.Revision != top+1 {
		t.Errorf("first revision after reopening %d; want %d, above every stored one", next.Revision, top+1)
	}
}

// TestBackupWhileWriting: a backup taken while requests pour in is a
// consistent database: every revision up to its last, and nothing else.
func TestBackupWhileWriting(t *testing.T) {
	for _, how := range []string{"method", "from outside"} {
		t.Run(how, func(t *testing.T) { testBackupWhileWriting(t, how == "method") })
	}
}

func testBackupWhileWriting(t *testing.T, method bool) {
	src := t.TempDir()
	ctx := t.Context()
	db, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	backup := func(path string) error {
		if method {
			return db.Backup(ctx, path)
		}
		return Backup(ctx, src, path)
	}
	for range 50 {
		createRequest(t, db, newRequest(t, "", "+31612345678"))
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				if _, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := backup(path); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	if err := backup(path); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("Backup over an existing file: %v; want it refused", err)
	}
	if !method {
		empty := t.TempDir()
		if err := Backup(ctx, empty, filepath.Join(empty, "copy.db")); err == nil {
			t.Error("Backup of a directory without a store: no error")
		}
		if _, err := os.Stat(filepath.Join(empty, FileName)); err == nil {
			t.Error("Backup of a directory without a store made a database there")
		}
	}

	dir := t.TempDir()
	if err := os.Rename(path, filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
	copied, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := copied.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	n, err := copied.CountRequests(ctx)
	if err != nil || n < 50 {
		t.Fatalf("backup holds %d requests, %v; want at least 50", n, err)
	}
	var rev int64
	for {
		page, err := copied.RequestsChangedSince(ctx, rev, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			if r.Revision != rev+1 {
				t.Fatalf("backup's feed goes from %d to %d; want no gaps", rev, r.Revision)
			}
			rev = r.Revision
		}
	}
	if rev != n {
		t.Errorf("backup's feed ends at %d with %d requests; want them equal", rev, n)
	}
	t.Logf("backup of %d requests while writing", n)
}

// TestRestoreKeepsRevisionsAndPublishes: restored requests and offers keep
// their revisions, the counter goes on above them, subscribers get them,
// and a second restore stores and publishes nothing.
func TestRestoreKeepsRevisionsAndPublishes(t *testing.T) {
	src, dst := openTest(t), openTest(t)
	ctx := t.Context()
	var top int64
	var ids []string
	for i := range 5 {
		r := createRequest(t, src, newRequest(t, fmt.Sprintf("form-%d", i), "+31612345678"))
		ids = append(ids, r.ID)
		top = r.Revision
	}
	if _, err := src.InsertOffers(ctx, newOffers(3, "k")); err != nil {
		t.Fatal(err)
	}
	top += 3
	var got []int64
	defer dst.Subscribe(func(c store.Change) {
		for _, r := range c.Requests {
			got = append(got, r.Revision)
		}
		for _, o := range c.Offers {
			got = append(got, o.Revision)
		}
	})()
	for _, coll := range []string{"offers", "requests"} {
		var docs []bson.Raw
		if err := src.Dump(ctx, coll, func(doc bson.Raw) error {
			docs = append(docs, doc)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := dst.Restore(ctx, coll, docs); err != nil {
				t.Fatal(err)
			}
		}
	}
	slices.Sort(got)
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(got, want) {
		t.Errorf("published revisions %v; want %v, once each", got, want)
	}
	for _, id := range ids {
		a, errA := src.FindRequest(ctx, id)
		b, errB := dst.FindRequest(ctx, id)
		if errA != nil || errB != nil || storedDiff(a, b) != "" {
			t.Errorf("request %s restored: %v, %v (-src +dst):\n%s", id, errA, errB, storedDiff(a, b))
		}
	}
	if r := createRequest(t, dst, newRequest(t, "", "+31612345678")); r.Revision != top+1 {
		t.Errorf("first revision after the restore %d; want %d", r.Revision, top+1)
	}
	// A restored idempotency key is a key like any other.
	if _, created, err := dst.CreateRequest(ctx, newRequest(t, "form-2", "+31612345678")); err != nil || created {
		t.Errorf("CreateRequest with a restored key: created %v, %v; want the restored request", created, err)
	}
}
