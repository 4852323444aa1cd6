package store_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"testing"

	"wijkhelpt"
	"wijkhelpt/store"
)

func startEmbedded(t *testing.T, dir string) *store.Embedded {
	t.Helper()
	e, err := store.StartEmbedded(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func TestEmbeddedDataSurvivesRestart(t *testing.T) {
	// A space in the path checks that the SQLite URL is escaped.
	dir := filepath.Join(t.TempDir(), "data dir")
	ctx := t.Context()

	e := startEmbedded(t, dir)
	db, err := store.Open(ctx, e.URI(), "wijkhelpt")
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := db.CreateRequest(ctx, newRequest(t, "key-1", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	r, err = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error { return r.AddNote("bewaard", mediator, t0) })
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := db.CreateOffer(ctx, newOffer("Bert Bakker", "offer:bert"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	addr := hostOf(t, e.URI())
	e.Close()
	if c, err := net.Dial("tcp", addr); err == nil {
		_ = c.Close()
		t.Errorf("embedded store still listening on %s after Close", addr)
	}

	e2 := startEmbedded(t, dir)
	// The data directory belongs to one process (and instance) at a time.
	if other, err := store.StartEmbedded(ctx, dir, nil); err == nil {
		other.Close()
		t.Error("a second instance started on a data directory in use")
	}
	db2, err := store.Open(ctx, e2.URI(), "wijkhelpt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db2.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	gotR, err := db2.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(r, gotR); diff != "" {
		t.Errorf("request after restart (-before +after):\n%s", diff)
	}
	gotO, err := db2.FindOffer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(o, gotO); diff != "" {
		t.Errorf("offer after restart (-before +after):\n%s", diff)
	}
	// Indexes survived too: the idempotency key still decides.
	same, created, err := db2.CreateRequest(ctx, newRequest(t, "key-1", "+31612345678"))
	if err != nil || created || same.ID != r.ID {
		t.Errorf("CreateRequest with a stored key after restart: %v, created %v, %v; want %s", same, created, err, r.ID)
	}
	rev, err := db2.NextRevision(ctx)
	if err != nil || rev <= o.Revision {
		t.Errorf("NextRevision after restart = %d, %v; want above %d", rev, err, o.Revision)
	}
}

func hostOf(t *testing.T, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestEmbeddedRefusesCancelledStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e, err := store.StartEmbedded(ctx, t.TempDir(), nil)
	if err == nil {
		e.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("StartEmbedded with a cancelled context: %v; want context.Canceled", err)
	}
}
