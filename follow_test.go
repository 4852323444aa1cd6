package wijkhelpt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
)

// memFeed is a revision feed in the shape of the stores': one revision
// counter for every write, each document kept at its latest revision, read
// in revision order with a limit the feed may lower. A write can take its
// revision and commit later, as concurrent writers on MongoDB do.
type memFeed struct {
	mu       sync.Mutex
	rev      int64
	offers   map[string]wijkhelpt.Offer
	requests map[string]wijkhelpt.Request
	maxLimit int   // 0: no lower limit than asked
	fail     error // returned by the next read, then cleared
}

func newMemFeed() *memFeed {
	return &memFeed{offers: map[string]wijkhelpt.Offer{}, requests: map[string]wijkhelpt.Request{}}
}

// take reserves the next revision, as a writer does before it commits.
func (f *memFeed) take() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rev++
	return f.rev
}

// putOffer commits an offer with the ID at revision rev (0: the next one).
func (f *memFeed) putOffer(id string, rev int64) {
	if rev == 0 {
		rev = f.take()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offers[id] = wijkhelpt.Offer{ID: id, Revision: rev}
}

func (f *memFeed) putRequest(id string, rev int64) {
	if rev == 0 {
		rev = f.take()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[id] = wijkhelpt.Request{ID: id, Revision: rev}
}

func memChangedSince[T any](f *memFeed, docs map[string]T, revOf func(*T) int64, rev int64, limit int) ([]*T, error) {
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

func (f *memFeed) OffersChangedSince(_ context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error) {
	return memChangedSince(f, f.offers, func(o *wijkhelpt.Offer) int64 { return o.Revision }, rev, limit)
}

func (f *memFeed) RequestsChangedSince(_ context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error) {
	return memChangedSince(f, f.requests, func(r *wijkhelpt.Request) int64 { return r.Revision }, rev, limit)
}

// recorder is a sink that keeps the latest revision of every document it
// was given, and the last settled marks.
type recorder struct {
	mu      sync.Mutex
	docs    map[string]int64
	settled wijkhelpt.FeedMarks
	loaded  bool
	fail    error
}

func newRecorder() *recorder { return &recorder{docs: map[string]int64{}} }

func (r *recorder) TakeFeed(_ context.Context, p wijkhelpt.FeedPage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	for _, o := range p.Offers {
		r.docs["o:"+o.ID] = max(r.docs["o:"+o.ID], o.Revision)
	}
	for _, q := range p.Requests {
		r.docs["r:"+q.ID] = max(r.docs["r:"+q.ID], q.Revision)
	}
	if p.Settled != nil {
		r.settled = *p.Settled
	}
	return nil
}

func (r *recorder) FeedLoaded() {
	r.mu.Lock()
	r.loaded = true
	r.mu.Unlock()
}

// has lists the documents the sink holds, sorted.
func (r *recorder) has() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.docs))
	for id := range r.docs {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func TestFollowerOutOfOrder(t *testing.T) {
	f := newMemFeed()
	f.putOffer("o1", 0)
	f.putOffer("o2", 0)
	sink := newRecorder()
	fl := wijkhelpt.NewFollower(f, wijkhelpt.FollowerOptions{}, sink)
	if err := fl.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	step := func(at time.Time) {
		t.Helper()
		if err := fl.Step(context.Background(), at); err != nil {
			t.Fatal(err)
		}
	}
	slow := f.take() // revision 3: a writer that commits late
	f.putOffer("o4", 0)
	_ = f.take() // revision 5: a write to another collection, never seen here
	f.putOffer("o6", 0)
	step(now.Add(100 * time.Millisecond))
	if got, want := sink.has(), []string{"o:o1", "o:o2", "o:o4", "o:o6"}; !slices.Equal(got, want) {
		t.Fatalf("sink has %v, want %v", got, want)
	}
	if got, want := fl.Cursors().Offers, int64(2); got != want {
		t.Fatalf("cursor at %d, want it held at %d by the missing revision 3", got, want)
	}
	f.putOffer("o3", slow)
	step(now.Add(200 * time.Millisecond))
	if got, want := sink.has(), []string{"o:o1", "o:o2", "o:o3", "o:o4", "o:o6"}; !slices.Equal(got, want) {
		t.Fatalf("after the late commit: sink has %v, want %v", got, want)
	}
	step(now.Add(200*time.Millisecond + wijkhelpt.GapWait))
	if got, want := fl.Cursors().Offers, int64(6); got != want {
		t.Fatalf("cursor at %d, want %d once revision 5 is given up", got, want)
	}
	if got, want := sink.settled.Offers, int64(6); got != want {
		t.Errorf("sink told settled at %d, want %d", got, want)
	}
}

func TestFollowerInOrderDoesNotWait(t *testing.T) {
	f := newMemFeed()
	f.putOffer("o1", 0)
	f.putOffer("o1", 0) // written again: revision 1 is gone for ever
	sink := newRecorder()
	fl := wijkhelpt.NewFollower(f, wijkhelpt.FollowerOptions{InOrder: true}, sink)
	if err := fl.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.putOffer("o2", 0)
	f.putOffer("o2", 0)
	if err := fl.Step(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, want := fl.Cursors().Offers, int64(4); got != want {
		t.Errorf("cursor at %d, want %d at once: an in-order store has nothing in flight", got, want)
	}
	if !fl.Swept() {
		t.Error("an in-order follower has a sweep to do; it needs none")
	}
}

func TestFollowerSweep(t *testing.T) {
	f := newMemFeed()
	f.putOffer("o1", 0)
	slow := f.take() // taken before the initial load, committed after it
	for _, id := range []string{"o3", "o4", "o5"} {
		f.putOffer(id, 0)
	}
	sink := newRecorder()
	fl := wijkhelpt.NewFollower(f, wijkhelpt.FollowerOptions{PageSize: 2}, sink)
	if err := fl.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f.putOffer("o2", slow)
	for i := range 3 {
		if err := fl.Step(context.Background(), now.Add(time.Duration(i+1)*500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if slices.Contains(sink.has(), "o:o2") {
		t.Fatalf("o2 found before the sweep: the test does not test the sweep")
	}
	for i := range 5 {
		if err := fl.Step(context.Background(), now.Add(wijkhelpt.GapWait+time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := sink.has(), []string{"o:o1", "o:o2", "o:o3", "o:o4", "o:o5"}; !slices.Equal(got, want) {
		t.Fatalf("after the sweep: sink has %v, want %v", got, want)
	}
	if !fl.Swept() {
		t.Error("sweep not finished")
	}
}

func TestFollowerLoadPagesThroughALimitingSource(t *testing.T) {
	f := newMemFeed()
	f.maxLimit = 7
	for i := range 100 {
		f.putOffer(fmt.Sprintf("o%03d", i), 0)
	}
	for i := range 30 {
		f.putRequest(fmt.Sprintf("r%03d", i), 0)
	}
	a, b := newRecorder(), newRecorder()
	fl := wijkhelpt.NewFollower(f, wijkhelpt.FollowerOptions{}, a, b)
	if fl.Ready() {
		t.Fatal("ready before loading")
	}
	if err := fl.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*recorder{"first": a, "second": b} {
		if got := len(s.has()); !fl.Ready() || !s.loaded || got != 130 {
			t.Errorf("%s sink after Load: ready %v, told loaded %v, %d documents; want true, true, 130", name, fl.Ready(), s.loaded, got)
		}
	}
}

// TestFollowerRunWakesAndSurvivesFailures runs the follower with an
// interval far longer than the test: only Wake makes it read.
func TestFollowerRunWakesAndSurvivesFailures(t *testing.T) {
	f := newMemFeed()
	f.putOffer("o1", 0)
	sink := newRecorder()
	fl := wijkhelpt.NewFollower(f, wijkhelpt.FollowerOptions{Every: time.Hour, InOrder: true}, sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fl.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v, want nil after cancel", err)
		}
	}()
	waitUntil(t, "initial load", fl.Ready)

	f.putOffer("o2", 0)
	fl.Wake()
	waitUntil(t, "o2 after a wake", func() bool { return slices.Contains(sink.has(), "o:o2") })

	// A failing read, then a failing sink: the page comes again once both
	// work, because nothing moves on before every sink took it.
	f.mu.Lock()
	f.fail = errors.New("store down")
	f.mu.Unlock()
	sink.mu.Lock()
	sink.fail = errors.New("index full")
	sink.mu.Unlock()
	f.putOffer("o3", 0)
	fl.Wake()
	time.Sleep(20 * time.Millisecond)
	fl.Wake()
	time.Sleep(20 * time.Millisecond)
	sink.mu.Lock()
	sink.fail = nil
	sink.mu.Unlock()
	fl.Wake()
	waitUntil(t, "o3 after failures", func() bool { return slices.Contains(sink.has(), "o:o3") })
}

// waitUntil polls cond until it holds. It checks that something happens at
// all; how fast is for benchmarks.
func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
