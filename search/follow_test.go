package search_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/search"
	"wijkhelpt/store"
	"wijkhelpt/store/mongo"
	"wijkhelpt/store/storetest"
)

// searchableWithin is the promise of issue 3: a write is searchable within
// a second (longer only under the race detector).
const searchableWithin = slowdown * time.Second

// eventually polls cond until it returns "" and fails the test with its
// last answer when that has not happened within d.
func eventually(tb testing.TB, d time.Duration, cond func() string) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not so within %v: %s", d, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// follow runs a wijkhelpt.Follower of db into ix at the interval the
// service uses, until the test ends. Like the service, it does not rely on
// the store's publication: the follower reads the feed.
func follow(tb testing.TB, ix *search.Index, db store.Store) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	fl := wijkhelpt.NewFollower(db, wijkhelpt.FollowerOptions{}, ix)
	go func() { done <- fl.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, search.ErrClosed) {
			tb.Errorf("Follow: %v", err)
		}
	})
}

// offerFound returns "" when the search finds exactly the wanted offers.
func offerFound(ix *search.Index, q search.OfferQuery, want ...string) func() string {
	return func() string {
		hits, err := ix.SearchOffers(context.Background(), q)
		if err != nil {
			return "SearchOffers: " + err.Error()
		}
		got := hitIDs(hits)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return "SearchOffers " + q.Text + " found " + join(got) + ", want " + join(want)
		}
		return ""
	}
}

// requestFound returns "" when the first hit of the search is request id.
func requestFound(ix *search.Index, text, id string) func() string {
	return func() string {
		hits, err := ix.SearchRequests(context.Background(), text, 10)
		if err != nil {
			return "SearchRequests: " + err.Error()
		}
		if len(hits) == 0 || hits[0].ID != id {
			return "SearchRequests " + text + " does not find " + id + " first"
		}
		return ""
	}
}

func join(ids []string) string {
	if len(ids) == 0 {
		return "nothing"
	}
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += id
	}
	return s
}

// newOffer is an active offer near the centre with the given name and text.
func newOffer(name, text string, categories ...string) *wijkhelpt.Offer {
	o := genOffers(1, 42)[0]
	o.ID, o.Name, o.Text, o.Categories = "", name, text, categories
	o.Active, o.Suspended = true, false
	o.Location.Point = centre()
	return o
}

func TestFollowFindsWritesWithinASecond(t *testing.T) {
	ctx := context.Background()
	db := filledStore(t, 40, 10)
	ix := openOrRebuild(t, t.TempDir(), db, nil)
	follow(t, ix, db)

	o, _, err := db.CreateOffer(ctx, newOffer("Hendrika Boschman", "Ik haal medicijnen bij de apotheek.", "boodschappen"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, offerFound(ix, search.OfferQuery{Text: "Boschman"}, o.ID))
	eventually(t, 0, offerFound(ix, search.OfferQuery{Text: "apotheek", Categories: []string{"boodschappen"}, ActiveOnly: true}, o.ID))

	// Text and categories changed: found by the new, no longer by the old.
	if _, err := db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error {
		o.Text, o.Categories = "Ik verzorg kanaries en parkieten.", []string{"huisdieren"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, offerFound(ix, search.OfferQuery{Text: "parkiet", Categories: []string{"huisdieren"}}, o.ID))
	eventually(t, 0, offerFound(ix, search.OfferQuery{Text: "apotheek"}))
	eventually(t, 0, offerFound(ix, search.OfferQuery{Text: "Boschman", Categories: []string{"boodschappen"}}))

	// Paused: gone wherever only active offers count, still there for the
	// mediators' search.
	if _, err := db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, offerFound(ix, search.OfferQuery{Text: "Boschman", ActiveOnly: true}))
	eventually(t, 0, offerFound(ix, search.OfferQuery{Text: "Boschman"}, o.ID))
	cands, err := ix.Candidates(ctx, centre(), 1, []string{"huisdieren"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cands, o.ID) {
		t.Errorf("a paused offer is still a candidate")
	}

	// Active again, but suspended by a mediator: no candidate either.
	if _, err := db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Active, o.Suspended = true, true; return nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, func() string {
		// Wait for the write itself: the name search sees every offer.
		return offerFound(ix, search.OfferQuery{Text: "Boschman", ActiveOnly: true})()
	})
	if _, err := db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Suspended = false; return nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, offerFound(ix, search.OfferQuery{Text: "Boschman", ActiveOnly: true}, o.ID))

	// A new request, found by its text and by its reference; then a note.
	r := genRequests(1, 8)[0]
	r.Text = "Mijn dakgoot zit verstopt met bladeren."
	r, _, err = db.CreateRequest(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, requestFound(ix, "dakgoot", r.ID))
	eventually(t, 0, requestFound(ix, r.Ref, r.ID))
	eventually(t, 0, requestFound(ix, "bladeren in de dakgoten", r.ID)) // stemmed
	if _, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		return r.AddNote("Buurman Kees heeft een ladder.", wijkhelpt.ActorSystem, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, searchableWithin, requestFound(ix, "ladder", r.ID))
	assertMatchesStore(t, ix, db)
}

// TestFollowSeveralInstances is several service instances on one MongoDB
// (the FerretDB fixture, or WIJKHELPT_TEST_MONGODB_URI): each keeps an index
// of its own and each sees every write, including the other's.
func TestFollowSeveralInstances(t *testing.T) {
	ctx := context.Background()
	// Every instance, and the writer, has a client of its own, as separate
	// processes do.
	uri, name, opts := storetest.MongoDatabase(t)
	open := func() store.Store {
		db, err := mongo.Open(ctx, uri, name, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close(context.Background()) })
		return db
	}
	db := open()
	fillStore(t, db, genOffers(40, 1), genRequests(10, 2))
	var ixs []*search.Index
	for range 2 {
		own := open()
		ix := openOrRebuild(t, t.TempDir(), own, nil)
		follow(t, ix, own)
		ixs = append(ixs, ix)
	}
	if ixs[0].Dir() == ixs[1].Dir() {
		t.Fatal("two instances share one index directory")
	}

	o, _, err := db.CreateOffer(ctx, newOffer("Aaltje Kloosterboer", "Ik strijk en stofzuig.", "huishouden"))
	if err != nil {
		t.Fatal(err)
	}
	r := genRequests(1, 9)[0]
	r.Text = "Wie repareert mijn wasmachine?"
	r, _, err = db.CreateRequest(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	wrote := time.Now()
	for _, ix := range ixs {
		eventually(t, time.Until(wrote.Add(searchableWithin)), offerFound(ix, search.OfferQuery{Text: "Kloosterboer", ActiveOnly: true}, o.ID))
		eventually(t, time.Until(wrote.Add(searchableWithin)), requestFound(ix, "wasmachine", r.ID))
	}
	if _, err := db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	wrote = time.Now()
	for _, ix := range ixs {
		eventually(t, time.Until(wrote.Add(searchableWithin)), offerFound(ix, search.OfferQuery{Text: "Kloosterboer", ActiveOnly: true}))
	}
	for _, ix := range ixs {
		assertMatchesStore(t, ix, db)
	}
}

func TestTakeFeedAfterClose(t *testing.T) {
	db := storetest.Open(t)
	ix, err := search.OpenOrRebuild(context.Background(), t.TempDir(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	o := newOffer("Aaltje Kloosterboer", "Ik strijk.", "huishouden")
	if err := ix.TakeFeed(context.Background(), wijkhelpt.FeedPage{Offers: []*wijkhelpt.Offer{o}}); !errors.Is(err, search.ErrClosed) {
		t.Errorf("TakeFeed after Close = %v, want ErrClosed", err)
	}
	if _, err := ix.SearchOffers(context.Background(), search.OfferQuery{Text: "x"}); !errors.Is(err, search.ErrClosed) {
		t.Errorf("SearchOffers after Close = %v, want ErrClosed", err)
	}
}
