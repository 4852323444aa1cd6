package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

var feedScenarios = []scenario{
	{"feed/revisions rise with every write", testRevisionsRise},
	{"feed/cursor reads every request once", testFeedWithCursor},
	{"feed/no gaps under concurrent writes", testFeedsUnderConcurrency},
	{"feed/publish after commit", testPublishAfterCommit},
}

// testRevisionsRise: every write of a request, offer or user takes a
// revision above every write before it.
func testRevisionsRise(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	type write struct {
		what string
		rev  int64
	}
	var writes []write
	add := func(what string, rev int64) { writes = append(writes, write{what, rev}) }

	r := createRequest(t, s, newRequest(t, "", "+31612345678"))
	add("CreateRequest", r.Revision)
	o := createOffer(t, s, newOffer("Bert", ""))
	add("CreateOffer", o.Revision)
	r = updateRequest(t, s, r.ID, func(r *wijkhelpt.Request) error { return r.AddNote("a", mediator, t0) })
	add("UpdateRequest", r.Revision)
	u := &wijkhelpt.User{Email: "a@example.nl", Role: wijkhelpt.RoleAdmin}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	add("CreateUser", u.Revision)
	o, err := s.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Capacity = 3; return nil })
	if err != nil {
		t.Fatal(err)
	}
	add("UpdateOffer", o.Revision)
	u, err = s.UpdateUser(ctx, u.ID, func(u *wijkhelpt.User) error { u.Name = "A"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	add("UpdateUser", u.Revision)
	imported := newOffers(3, "rev:")
	if n, err := s.InsertOffers(ctx, imported); err != nil || n != 3 {
		t.Fatalf("InsertOffers = %d, %v; want 3", n, err)
	}
	for _, io := range imported {
		got, err := s.FindOffer(ctx, io.ID)
		if err != nil {
			t.Fatal(err)
		}
		add("InsertOffers", got.Revision)
	}
	// The rows of one import take revisions in any order among
	// themselves, but all above what came before and below what follows.
	slices.SortFunc(writes[len(writes)-3:], func(a, b write) int { return int(a.rev - b.rev) })
	reqs := []*wijkhelpt.Request{newRequest(t, "", "+31612345678"), newRequest(t, "", "+31612345678")}
	if n, err := s.InsertRequests(ctx, reqs); err != nil || n != 2 {
		t.Fatalf("InsertRequests = %d, %v; want 2", n, err)
	}
	var irevs []int64
	for _, ir := range reqs {
		got, err := s.FindRequest(ctx, ir.ID)
		if err != nil {
			t.Fatal(err)
		}
		irevs = append(irevs, got.Revision)
	}
	slices.Sort(irevs)
	for _, rev := range irevs {
		add("InsertRequests", rev)
	}
	if err := s.SetOptOut(ctx, o.Phone, true, t0); err != nil {
		t.Fatal(err)
	}
	// Every offer above has this number: each takes a new revision.
	changed, err := s.OffersChangedSince(ctx, writes[len(writes)-1].rev, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 4 {
		t.Fatalf("offers changed by SetOptOut: %q; want the 4 offers of the number", offerIDs(changed))
	}
	for _, c := range changed {
		add("SetOptOut", c.Revision)
	}
	r = updateRequest(t, s, r.ID, func(r *wijkhelpt.Request) error { r.Urgent = true; return nil })
	add("UpdateRequest", r.Revision)

	for i := 1; i < len(writes); i++ {
		if writes[i].rev <= writes[i-1].rev {
			t.Errorf("%s took revision %d after %s took %d; want each write above the one before",
				writes[i].what, writes[i].rev, writes[i-1].what, writes[i-1].rev)
		}
	}
	if writes[0].rev <= 0 {
		t.Errorf("first revision %d; want above 0", writes[0].rev)
	}
}

// testFeedWithCursor follows the request feed in small pages as the search
// index does.
func testFeedWithCursor(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	var ids []string
	for range 5 {
		ids = append(ids, createRequest(t, s, newRequest(t, "", "+31612345678")).ID)
	}
	f := newFollower(requestFeed, s)
	read := func() []string {
		t.Helper()
		before := len(f.log)
		if _, err := f.poll(ctx, time.Now(), 2); err != nil {
			t.Fatal(err)
		}
		return f.log[before:]
	}
	if got := read(); !slices.Equal(got, ids) {
		t.Errorf("first read: %q; want every request in creation order %q", got, ids)
	}
	if got := read(); len(got) != 0 {
		t.Errorf("second read: %q; want nothing new", got)
	}
	changed := updateRequest(t, s, ids[2], func(r *wijkhelpt.Request) error { return r.AddNote("gebeld", mediator, t0) })
	if got := read(); !slices.Equal(got, []string{ids[2]}) {
		t.Errorf("after an update: %q; want %s", got, ids[2])
	}
	if f.cur.Max() != changed.Revision {
		t.Errorf("cursor saw up to %d; want the update's revision %d", f.cur.Max(), changed.Revision)
	}
	all, err := s.RequestsChangedSince(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := requestIDs(all), append(slices.Delete(slices.Clone(ids), 2, 3), ids[2]); !slices.Equal(got, want) {
		t.Errorf("RequestsChangedSince(0): %q; want %q (revision order, each request once)", got, want)
	}
	if diff := storedDiff(changed, all[len(all)-1]); diff != "" {
		t.Errorf("the feed's copy differs from the stored request (-stored +feed):\n%s", diff)
	}
}

// feed is one of the store's two revision feeds.
type feed struct {
	name string
	read func(ctx context.Context, s store.Store, rev int64, limit int) ([]fed, error)
	find func(ctx context.Context, s store.Store, id string) (any, error)
}

// fed is one document as a revision feed returned it.
type fed struct {
	ID  string
	Rev int64
	Doc any
}

var (
	requestFeed = feed{"requests",
		func(ctx context.Context, s store.Store, rev int64, limit int) ([]fed, error) {
			page, err := s.RequestsChangedSince(ctx, rev, limit)
			out := make([]fed, len(page))
			for i, r := range page {
				out[i] = fed{r.ID, r.Revision, r}
			}
			return out, err
		},
		func(ctx context.Context, s store.Store, id string) (any, error) { return s.FindRequest(ctx, id) },
	}
	offerFeed = feed{"offers",
		func(ctx context.Context, s store.Store, rev int64, limit int) ([]fed, error) {
			page, err := s.OffersChangedSince(ctx, rev, limit)
			out := make([]fed, len(page))
			for i, o := range page {
				out[i] = fed{o.ID, o.Revision, o}
			}
			return out, err
		},
		func(ctx context.Context, s store.Store, id string) (any, error) { return s.FindOffer(ctx, id) },
	}
)

// follower reads one feed as the search index and the matching engine do:
// with a wijkhelpt.Cursor, in small pages, keeping the latest version of
// every document it saw.
type follower struct {
	feed feed
	s    store.Store
	cur  *wijkhelpt.Cursor
	view map[string]fed
	log  []string // the IDs in the order read
}

func newFollower(f feed, s store.Store) *follower {
	return &follower{feed: f, s: s, cur: wijkhelpt.NewCursor(0), view: map[string]fed{}}
}

// poll reads until the feed has nothing new or a gap holds the cursor, and
// reports whether the feed had nothing new.
func (f *follower) poll(ctx context.Context, now time.Time, pageSize int) (empty bool, err error) {
	for {
		from := f.cur.From()
		page, err := f.feed.read(ctx, f.s, from, pageSize)
		if err != nil {
			return false, err
		}
		if pageSize > 0 && len(page) > pageSize {
			return false, fmt.Errorf("%s feed: %d documents for a page of %d", f.feed.name, len(page), pageSize)
		}
		revs := make([]int64, len(page))
		for i, d := range page {
			if d.Rev <= from || (i > 0 && d.Rev <= page[i-1].Rev) {
				return false, fmt.Errorf("%s feed after %d: revision %d out of order", f.feed.name, from, d.Rev)
			}
			revs[i] = d.Rev
			if d.Rev > f.view[d.ID].Rev {
				f.view[d.ID] = d
				f.log = append(f.log, d.ID)
			}
		}
		f.cur.Advance(revs, now)
		if len(page) == 0 || f.cur.From() == from {
			return len(page) == 0, nil
		}
	}
}

// catchUp polls after every write is done. A revision still missing then
// is one that was never stored or was overwritten, so the clock jumps by
// GapWait on every read to let such gaps go.
func (f *follower) catchUp(tb testing.TB) {
	tb.Helper()
	at := time.Now()
	for i := 0; ; i++ {
		at = at.Add(wijkhelpt.GapWait)
		empty, err := f.poll(tb.Context(), at, 5)
		if err != nil {
			tb.Fatal(err)
		}
		if empty && f.cur.From() == f.cur.Max() {
			return
		}
		if i == 1000 {
			tb.Fatalf("%s: the follower does not catch up (cursor at %d, max %d)", f.feed.name, f.cur.From(), f.cur.Max())
		}
	}
}

// feedWriter makes random writes of requests and offers from several
// goroutines, and checks the revision of every write that returns one: above
// every write that had returned before this one began.
type feedWriter struct {
	s        store.Store
	mu       sync.Mutex
	reqs     []*wijkhelpt.Request // made beforehand: newRequest may fail the test
	requests []string
	offers   []string
	keys     int
	revs     map[int64]string // revision -> what took it
	done     atomic.Int64     // the highest revision of a write that returned
}

func (w *feedWriter) take(n int) []*wijkhelpt.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	n = min(n, len(w.reqs))
	out := w.reqs[:n]
	w.reqs = w.reqs[n:]
	return out
}

func (w *feedWriter) pick(rng *rand.Rand, ids *[]string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(*ids) == 0 {
		return ""
	}
	return (*ids)[rng.IntN(len(*ids))]
}

func (w *feedWriter) add(ids *[]string, id ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*ids = append(*ids, id...)
}

// key returns an import key: a new one, or now and then one used before.
func (w *feedWriter) key(rng *rand.Rand) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys > 0 && rng.IntN(4) == 0 {
		return fmt.Sprintf("import:%d", rng.IntN(w.keys))
	}
	w.keys++
	return fmt.Sprintf("import:%d", w.keys-1)
}

// took records the revision of a write that began when floor was the
// highest revision of the writes returned.
func (w *feedWriter) took(what string, floor, rev int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if other, ok := w.revs[rev]; ok {
		return fmt.Errorf("%s and %s both took revision %d", other, what, rev)
	}
	w.revs[rev] = what
	if rev <= floor {
		return fmt.Errorf("%s took revision %d; want above %d, taken by a write that returned before it began", what, rev, floor)
	}
	for {
		old := w.done.Load()
		if rev <= old || w.done.CompareAndSwap(old, rev) {
			return nil
		}
	}
}

func (w *feedWriter) write(ctx context.Context, rng *rand.Rand, g int) error {
	floor := w.done.Load()
	switch rng.IntN(8) {
	case 0:
		o, _, err := w.s.CreateOffer(ctx, newOffer(fmt.Sprintf("Vrijwilliger %d", g), ""))
		if err != nil {
			return err
		}
		w.add(&w.offers, o.ID)
		return w.took("CreateOffer "+o.ID, floor, o.Revision)
	case 1, 2:
		id := w.pick(rng, &w.offers)
		if id == "" {
			return nil
		}
		o, err := w.s.UpdateOffer(ctx, id, func(o *wijkhelpt.Offer) error { o.Capacity = 1 + rng.IntN(9); return nil })
		if err != nil {
			return err
		}
		return w.took("UpdateOffer "+id, floor, o.Revision)
	case 3:
		offers := make([]*wijkhelpt.Offer, 1+rng.IntN(4))
		for i := range offers {
			offers[i] = newOffer("Geïmporteerd", w.key(rng))
		}
		if _, err := w.s.InsertOffers(ctx, offers); err != nil {
			return err
		}
		for _, o := range offers {
			if _, err := w.s.FindOffer(ctx, o.ID); err == nil {
				w.add(&w.offers, o.ID)
			}
		}
	case 4:
		for _, r := range w.take(1) {
			stored, created, err := w.s.CreateRequest(ctx, r)
			if err != nil {
				return err
			}
			w.add(&w.requests, stored.ID)
			if created {
				if err := w.took("CreateRequest "+stored.ID, floor, stored.Revision); err != nil {
					return err
				}
			}
		}
	case 5, 6:
		id := w.pick(rng, &w.requests)
		if id == "" {
			return nil
		}
		r, err := w.s.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
			return r.AddNote(fmt.Sprintf("gebeld door %d", g), mediator, t0)
		})
		if err != nil {
			return err
		}
		return w.took("UpdateRequest "+id, floor, r.Revision)
	default:
		reqs := w.take(1 + rng.IntN(3))
		if _, err := w.s.InsertRequests(ctx, reqs); err != nil {
			return err
		}
		for _, r := range reqs {
			if _, err := w.s.FindRequest(ctx, r.ID); err == nil {
				w.add(&w.requests, r.ID)
			}
		}
	}
	return nil
}

// testFeedsUnderConcurrency writes at random from several goroutines while
// followers read both feeds, and checks that the followers end up with
// every document at its latest revision.
func testFeedsUnderConcurrency(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	w := &feedWriter{s: s, revs: map[int64]string{}}
	for i := range 80 {
		w.reqs = append(w.reqs, newRequest(t, fmt.Sprintf("key-%d", i), "+31612345678"))
	}
	// A few requests come twice (another ID, the same idempotency key):
	// the second one is skipped.
	for _, r := range w.reqs[:15] {
		again := clone(t, r)
		again.ID = wijkhelpt.NewID()
		w.reqs = append(w.reqs, again)
	}
	rand.New(rand.NewPCG(seed, 98)).Shuffle(len(w.reqs), func(i, j int) { w.reqs[i], w.reqs[j] = w.reqs[j], w.reqs[i] })

	var (
		writers sync.WaitGroup
		errMu   sync.Mutex
		errs    []error
	)
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
	}
	for g := range 4 {
		rng := rand.New(rand.NewPCG(seed, uint64(g)))
		writers.Go(func() {
			for range 40 {
				if err := w.write(ctx, rng, g); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { writers.Wait(); close(done) }()
	followers := []*follower{newFollower(offerFeed, s), newFollower(requestFeed, s)}
	var reading sync.WaitGroup
	for _, f := range followers {
		reading.Go(func() {
			for {
				if _, err := f.poll(ctx, time.Now(), 5); err != nil {
					fail(err)
					return
				}
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
			}
		})
	}
	reading.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}

	for _, f := range followers {
		f.catchUp(t)
		ids := w.requests
		count, err := s.CountRequests(ctx)
		if f.feed.name == offerFeed.name {
			ids = w.offers
			count, err = s.CountOffers(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) < 10 {
			t.Fatalf("%s: only %d documents written", f.feed.name, len(ids))
		}
		if int64(len(f.view)) != count {
			t.Errorf("%s: the follower holds %d documents; want all %d stored", f.feed.name, len(f.view), count)
		}
		for _, id := range ids {
			want, err := f.feed.find(ctx, s, id)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := f.view[id]
			if !ok {
				t.Errorf("%s: the follower never saw %s", f.feed.name, id)
				continue
			}
			if diff := storedDiff(want, got.Doc); diff != "" {
				t.Errorf("%s: the follower's copy of %s is not the latest (-stored +follower):\n%s", f.feed.name, id, diff)
			}
		}
	}
}
