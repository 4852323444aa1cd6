package matching

import (
	"context"
	"slices"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store/storetest"
)

// suggested lists the offer IDs suggested for r.
func suggested(e *Engine, r *wijkhelpt.Request) []string {
	var out []string
	for _, s := range e.Suggest(r, 100, today).Suggestions {
		out = append(out, s.OfferID)
	}
	slices.Sort(out)
	return out
}

// waitFor polls cond until it holds. It checks that the engine catches up
// at all; how fast is for the benchmarks, not for tests.
func waitFor(tb testing.TB, what string, cond func() bool) time.Duration {
	tb.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 20*time.Second {
			tb.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// TestFollowPicksUpWrites follows a real store (SQLite), with a follower
// that reads the feed every 10 ms and nothing else: no publication.
func TestFollowPicksUpWrites(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	put := func(o *wijkhelpt.Offer) {
		t.Helper()
		if _, _, err := db.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		put(newOffer(t, "far"+string(rune('a'+i)), north(wijk, 30)))
	}
	put(newOffer(t, "anna", north(wijk, 1)))
	put(newOffer(t, "bert", north(wijk, 2), func(o *wijkhelpt.Offer) { o.Capacity = 1 }))
	e := NewEngine(DefaultWeights())
	fl := wijkhelpt.NewFollower(db, wijkhelpt.FollowerOptions{Every: 10 * time.Millisecond, PageSize: 7, InOrder: true}, e)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- fl.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v, want nil after cancel", err)
		}
	}()
	waitFor(t, "initial load", e.Ready)
	if got, want := e.Len(), 42; got != want {
		t.Fatalf("after the initial load the engine holds %d offers, want %d", got, want)
	}
	r := newRequest(t, "r1", wijk)
	if got, want := suggested(e, r), []string{"anna", "bert"}; !slices.Equal(got, want) {
		t.Fatalf("suggested %v, want %v", got, want)
	}
	setActive := func(active bool) {
		t.Helper()
		if _, err := db.UpdateOffer(ctx, "anna", func(o *wijkhelpt.Offer) error { o.Active = active; return nil }); err != nil {
			t.Fatal(err)
		}
	}

	// Anna pauses.
	setActive(false)
	took := waitFor(t, "Anna's pause to show", func() bool { return slices.Equal(suggested(e, r), []string{"bert"}) })
	t.Logf("a paused offer left the suggestions after %v", took)

	// Bert takes a task elsewhere and is full.
	task := newRequest(t, "r2", east(wijk, 1), func(r *wijkhelpt.Request) {
		r.Location.HouseNumber = "2"
		r.Matches = []wijkhelpt.Match{matchOf("bert", wijkhelpt.MatchAccepted)}
	})
	if _, _, err := db.CreateRequest(ctx, task); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Bert's task to show", func() bool { return e.Suggest(r, 10, today).Excluded.Capacity == 1 })

	// Anna is back, Bert's task is done.
	setActive(true)
	if _, err := db.UpdateRequest(ctx, "r2", func(r *wijkhelpt.Request) error {
		r.Matches[0].Status = wijkhelpt.MatchCompleted
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both back", func() bool { return slices.Equal(suggested(e, r), []string{"anna", "bert"}) })
}
