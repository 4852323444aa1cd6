package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
)

func TestChangeLogEntriesAndFloor(t *testing.T) {
	l := newChangeLog(map[string]int64{collOffers: 10}, 8)
	// Notes arrive out of order; ones at or below the floor and ones for
	// collections without a feed are dropped.
	l.note(collOffers, 13, "c")
	l.note(collOffers, 11, "a", "b")
	l.note(collOffers, 9, "old")
	l.note(collOffers, 10, "old")
	l.note(collUsers, 14, "u")
	l.note(collRequests, 14, "r")
	l.note(collOffers, 12, "b")

	type answer struct {
		changes []change
		ok      bool
	}
	since := func(coll string, rev int64) answer {
		c, ok := l.since(coll, rev)
		return answer{c, ok}
	}
	opt := cmp.AllowUnexported(answer{}, change{})
	for _, tt := range []struct {
		coll string
		rev  int64
		want answer
	}{
		{collOffers, 9, answer{nil, false}}, // below the floor: query instead
		{collOffers, 10, answer{[]change{{11, "a"}, {12, "b"}, {12, "b"}, {13, "c"}}, true}},
		{collOffers, 12, answer{[]change{{13, "c"}}, true}},
		{collOffers, 13, answer{[]change{}, true}},
		{collRequests, 0, answer{[]change{{14, "r"}}, true}},
		{collUsers, 100, answer{nil, false}},
	} {
		if diff := cmp.Diff(tt.want, since(tt.coll, tt.rev), opt); diff != "" {
			t.Errorf("since(%s, %d) (-want +got):\n%s", tt.coll, tt.rev, diff)
		}
	}

	// Past the capacity the oldest quarter goes, and the floor rises past
	// it: a follower behind it queries again.
	l.note(collOffers, 14, "d", "e", "f", "g", "h")
	got := since(collOffers, 10)
	if got.ok {
		t.Errorf("since(10) after forgetting: %v; want a query", got.changes)
	}
	got = since(collOffers, 12)
	want := []change{{13, "c"}, {14, "d"}, {15, "e"}, {16, "f"}, {17, "g"}, {18, "h"}}
	if !got.ok || !slices.Equal(got.changes, want) {
		t.Errorf("since(12) after forgetting: %v, %v; want %v", got.changes, got.ok, want)
	}
	if c, ok := (*changeLog)(nil).since(collOffers, 0); ok || c != nil {
		t.Errorf("a nil log answered %v", c)
	}
	(*changeLog)(nil).note(collOffers, 1, "x") // does nothing, does not panic
}

// TestChangeLogHoldsBackAWriteInFlight takes a revision for an offer and
// notes it, as every writer does, but stores it only after a later write:
// the feed shows the later write, leaves the earlier revision out (the
// follower's cursor waits for it), and shows it once it is stored, just
// as the query does.
func TestChangeLogHoldsBackAWriteInFlight(t *testing.T) {
	ctx := t.Context()
	e, err := StartEmbedded(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	db, err := e.Open(ctx, "wijkhelpt")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	queried, err := Open(ctx, e.URI(), "wijkhelpt")
	if err != nil {
		t.Fatal(err)
	}
	defer queried.Close(context.Background())

	a, _, err := db.CreateOffer(ctx, &wijkhelpt.Offer{Name: "Aad"})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.CreateOffer(ctx, &wijkhelpt.Offer{Name: "Bep"})
	if err != nil {
		t.Fatal(err)
	}
	cur := wijkhelpt.NewCursor(b.Revision)

	inFlight, err := db.NextRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.changes.note(collOffers, inFlight, a.ID)
	b, err = db.UpdateOffer(ctx, b.ID, func(o *wijkhelpt.Offer) error { o.Capacity = 3; return nil })
	if err != nil {
		t.Fatal(err)
	}

	read := func(rev int64, want ...*wijkhelpt.Offer) {
		t.Helper()
		got, err := db.OffersChangedSince(ctx, rev, 0)
		if err != nil {
			t.Fatal(err)
		}
		queriedGot, err := queried.OffersChangedSince(ctx, rev, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(queriedGot, got); diff != "" {
			t.Errorf("after %d: the change log differs from the query (-query +log):\n%s", rev, diff)
		}
		var gotIDs, wantIDs []string
		for _, o := range got {
			gotIDs = append(gotIDs, o.ID)
		}
		for _, o := range want {
			wantIDs = append(wantIDs, o.ID)
		}
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("after %d: %q; want %q", rev, gotIDs, wantIDs)
		}
		revs := []int64{}
		for _, o := range got {
			revs = append(revs, o.Revision)
		}
		cur.Advance(revs, time.Unix(0, 0))
	}
	read(cur.From(), b)
	if cur.From() != inFlight-1 {
		t.Fatalf("cursor at %d; want it held before the revision in flight, %d", cur.From(), inFlight)
	}
	read(cur.From(), b)

	// The write in flight lands.
	a.Revision = inFlight
	a.Name = "Aad van Dam"
	if _, err := db.offers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, a); err != nil {
		t.Fatal(err)
	}
	read(cur.From(), a, b)
	if cur.From() != b.Revision {
		t.Errorf("cursor at %d; want %d, past both writes", cur.From(), b.Revision)
	}
	if fromLog, scans := FeedReads(db); fromLog != 3 || scans != 0 {
		t.Errorf("%d reads from the change log and %d queries; want 3 and none", fromLog, scans)
	}
}
