package matching

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
)

// feed is a revision feed in the shape of the store's, holding whole
// documents: one revision counter for every write,
// each document kept at its latest revision, read in revision order with a
// limit the feed may lower. A write can take its revision and commit later,
// as concurrent writers do in the store.
type feed struct {
	mu       sync.Mutex
	rev      int64
	offers   map[string]wijkhelpt.Offer
	requests map[string]wijkhelpt.Request
	maxLimit int   // 0: no lower limit than asked
	fail     error // returned by the next read, then cleared
}

func newFeed() *feed {
	return &feed{offers: map[string]wijkhelpt.Offer{}, requests: map[string]wijkhelpt.Request{}}
}

// take reserves the next revision, as a writer does before it commits.
func (f *feed) take() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rev++
	return f.rev
}

// putOffer commits o at revision rev (0: the next one).
func (f *feed) putOffer(o wijkhelpt.Offer, rev int64) {
	if rev == 0 {
		rev = f.take()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o.Revision = rev
	f.offers[o.ID] = o
}

func (f *feed) putRequest(r wijkhelpt.Request, rev int64) {
	if rev == 0 {
		rev = f.take()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r.Revision = rev
	f.requests[r.ID] = r
}

func changedSince[T any](f *feed, docs map[string]T, revOf func(*T) int64, rev int64, limit int) ([]*T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail; err != nil {
		f.fail = nil
		return nil, err
	}
	if f.maxLimit > 0 {
		limit = min(limit, f.maxLimit)
	}
	var out []*T
	for _, d := range docs {
		if revOf(&d) > rev {
			out = append(out, &d)
		}
	}
	slices.SortFunc(out, func(a, b *T) int { return int(revOf(a) - revOf(b)) })
	return out[:min(limit, len(out))], nil
}

func (f *feed) OffersChangedSince(_ context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error) {
	return changedSince(f, f.offers, func(o *wijkhelpt.Offer) int64 { return o.Revision }, rev, limit)
}

func (f *feed) RequestsChangedSince(_ context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error) {
	return changedSince(f, f.requests, func(r *wijkhelpt.Request) int64 { return r.Revision }, rev, limit)
}

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

func TestFollowPicksUpWrites(t *testing.T) {
	f := newFeed()
	for i := range 40 {
		f.putOffer(*newOffer(t, "far"+string(rune('a'+i)), north(wijk, 30)), 0)
	}
	f.putOffer(*newOffer(t, "anna", north(wijk, 1)), 0)
	f.putOffer(*newOffer(t, "bert", north(wijk, 2), func(o *wijkhelpt.Offer) { o.Capacity = 1 }), 0)
	e := NewEngine(DefaultWeights())
	fl := wijkhelpt.NewFollower(f, wijkhelpt.FollowerOptions{Every: 10 * time.Millisecond, PageSize: 7}, e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fl.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Follow returned %v, want nil after cancel", err)
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

	// Anna pauses.
	anna := f.offers["anna"]
	anna.Active = false
	f.putOffer(anna, 0)
	took := waitFor(t, "Anna's pause to show", func() bool { return slices.Equal(suggested(e, r), []string{"bert"}) })
	t.Logf("a paused offer left the suggestions after %v", took)

	// Bert takes a task elsewhere and is full.
	f.putRequest(*newRequest(t, "r2", east(wijk, 1), func(r *wijkhelpt.Request) {
		r.Location.HouseNumber = "2"
		r.Matches = []wijkhelpt.Match{matchOf("bert", wijkhelpt.MatchAccepted)}
	}), 0)
	waitFor(t, "Bert's task to show", func() bool { return e.Suggest(r, 10, today).Excluded.Capacity == 1 })

	// Anna is back, Bert's task is done.
	anna.Active = true
	f.putOffer(anna, 0)
	f.putRequest(*newRequest(t, "r2", east(wijk, 1), func(r *wijkhelpt.Request) {
		r.Location.HouseNumber = "2"
		r.Matches = []wijkhelpt.Match{matchOf("bert", wijkhelpt.MatchCompleted)}
	}), 0)
	waitFor(t, "both back", func() bool { return slices.Equal(suggested(e, r), []string{"anna", "bert"}) })

	// A read error is survived.
	f.mu.Lock()
	f.fail = errors.New("store down")
	f.mu.Unlock()
	f.putOffer(*newOffer(t, "cor", north(wijk, 3)), 0)
	waitFor(t, "a new offer after a read error", func() bool { return slices.Contains(suggested(e, r), "cor") })
}

func TestLoadPagesThroughALimitingSource(t *testing.T) {
	f := newFeed()
	f.maxLimit = 7
	for i := range 100 {
		f.putOffer(*newOffer(t, "o"+string(rune('A'+i/26))+string(rune('a'+i%26)), north(wijk, 1)), 0)
	}
	for i := range 30 {
		f.putRequest(*newRequest(t, "r"+string(rune('a'+i)), wijk), 0)
	}
	e := NewEngine(DefaultWeights())
	if e.Ready() {
		t.Fatal("ready before loading")
	}
	if err := e.Load(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if !e.Ready() || e.Len() != 100 || len(e.requests) != 30 {
		t.Fatalf("after Load: ready %v, %d offers, %d requests; want true, 100, 30", e.Ready(), e.Len(), len(e.requests))
	}
}
