package store_test

import (
	"slices"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

func TestRevisionsStrictlyIncrease(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	var revs []int64
	r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	revs = append(revs, r.Revision)
	o, _, err := db.CreateOffer(ctx, newOffer("Bert", ""))
	if err != nil {
		t.Fatal(err)
	}
	revs = append(revs, o.Revision)
	r, err = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error { return r.AddNote("a", mediator, t0) })
	if err != nil {
		t.Fatal(err)
	}
	revs = append(revs, r.Revision)
	u := &wijkhelpt.User{Email: "a@example.nl", Role: wijkhelpt.RoleAdmin}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	revs = append(revs, u.Revision)
	o, err = db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Capacity = 3; return nil })
	if err != nil {
		t.Fatal(err)
	}
	revs = append(revs, o.Revision)
	for i := 1; i < len(revs); i++ {
		if revs[i] <= revs[i-1] {
			t.Fatalf("revisions %v; want each write above the one before", revs)
		}
	}

	// Concurrent takers never get the same number, and each sees its own
	// numbers rise.
	const workers, each = 8, 25
	got := make([][]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				rev, err := db.NextRevision(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				got[w] = append(got[w], rev)
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, g := range got {
		if !slices.IsSorted(g) {
			t.Errorf("one worker's revisions not rising: %v", g)
		}
		for _, rev := range g {
			if seen[rev] || rev <= revs[len(revs)-1] {
				t.Fatalf("revision %d handed out twice or not above the earlier writes", rev)
			}
			seen[rev] = true
		}
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct revisions; want %d", len(seen), workers*each)
	}
}

func TestOpenIsIdempotentAndKeepsCounterAhead(t *testing.T) {
	uri, name := storetest.Database(t)
	ctx := t.Context()
	db := openDB(t, uri, name)
	r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	// The counter is lost, as after restoring an older backup of it.
	if _, err := db.Database().Collection("counters").DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	again := openDB(t, uri, name)
	rev, err := again.NextRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rev <= r.Revision {
		t.Errorf("revision %d after reopening; want above the stored %d", rev, r.Revision)
	}
	if _, _, err := again.CreateRequest(ctx, newRequest(t, "k", "+31612345678")); err != nil {
		t.Errorf("create after reopening: %v", err)
	}
	// The SMS side's indexes are made the same way, on every start.
	for range 2 {
		if err := again.EnsureMessageIndexes(ctx); err != nil {
			t.Errorf("EnsureMessageIndexes: %v", err)
		}
	}
}

func TestOpenFailsOnBadAddress(t *testing.T) {
	ctx := t.Context()
	for _, uri := range []string{"", "http://localhost", "mongodb://"} {
		if db, err := store.Open(ctx, uri, "x"); err == nil {
			_ = db.Close(ctx)
			t.Errorf("Open(%q) succeeded", uri)
		}
	}
	if _, err := store.Open(ctx, "mongodb://127.0.0.1:1", ""); err == nil {
		t.Error("Open without a database name succeeded")
	}
}
