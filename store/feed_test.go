package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// fed is one document as a revision feed returned it.
type fed struct {
	ID  string
	Rev int64
	Doc any
}

// feedKind is one of the store's two revision feeds.
type feedKind struct {
	name string
	read func(ctx context.Context, db *store.DB, rev int64, limit int) ([]fed, error)
}

var feedKinds = []feedKind{
	{"offers", func(ctx context.Context, db *store.DB, rev int64, limit int) ([]fed, error) {
		page, err := db.OffersChangedSince(ctx, rev, limit)
		out := make([]fed, len(page))
		for i, o := range page {
			out[i] = fed{o.ID, o.Revision, o}
		}
		return out, err
	}},
	{"requests", func(ctx context.Context, db *store.DB, rev int64, limit int) ([]fed, error) {
		page, err := db.RequestsChangedSince(ctx, rev, limit)
		out := make([]fed, len(page))
		for i, r := range page {
			out[i] = fed{r.ID, r.Revision, r}
		}
		return out, err
	}},
}

// feedPair opens one new database of an embedded store of its own twice:
// through Embedded.Open, whose feeds answer from the change log, and by
// address, whose feeds query the collection as they do on any server.
func feedPair(t *testing.T) (e *store.Embedded, logged, queried *store.DB) {
	t.Helper()
	e = startEmbedded(t, t.TempDir())
	logged = openEmbedded(t, e)
	queried = openDB(t, e.URI(), "wijkhelpt")
	return e, logged, queried
}

func openEmbedded(t *testing.T, e *store.Embedded) *store.DB {
	t.Helper()
	db, err := e.Open(t.Context(), "wijkhelpt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return db
}

// follower reads one feed as the search index and the matching engine do:
// with a wijkhelpt.Cursor, in small pages, keeping the latest version of
// every document it saw.
type follower struct {
	kind feedKind
	db   *store.DB
	cur  *wijkhelpt.Cursor
	view map[string]fed
}

func newFollower(kind feedKind, db *store.DB) *follower {
	return &follower{kind: kind, db: db, cur: wijkhelpt.NewCursor(0), view: map[string]fed{}}
}

// poll reads until the feed has nothing new or a gap holds the cursor, and
// reports whether the feed had nothing new.
func (f *follower) poll(ctx context.Context, now time.Time) (empty bool, err error) {
	for {
		page, err := f.kind.read(ctx, f.db, f.cur.From(), 5)
		if err != nil {
			return false, err
		}
		revs := make([]int64, len(page))
		for i, d := range page {
			if i > 0 && d.Rev <= page[i-1].Rev {
				return false, fmt.Errorf("%s feed out of order: %d after %d", f.kind.name, d.Rev, page[i-1].Rev)
			}
			revs[i] = d.Rev
			if d.Rev > f.view[d.ID].Rev {
				f.view[d.ID] = d
			}
		}
		from := f.cur.From()
		f.cur.Advance(revs, now)
		if len(page) == 0 || f.cur.From() == from {
			return len(page) == 0, nil
		}
	}
}

// readAll reads a whole feed from the start.
func readAll(t *testing.T, kind feedKind, db *store.DB) map[string]fed {
	t.Helper()
	all := map[string]fed{}
	rev := int64(0)
	for {
		page, err := kind.read(t.Context(), db, rev, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return all
		}
		for _, d := range page {
			all[d.ID] = d
			rev = d.Rev
		}
	}
}

// writer makes random writes of every kind that takes a revision.
type writer struct {
	db   *store.DB
	mu   sync.Mutex
	reqs []*wijkhelpt.Request // not yet stored, made beforehand (newRequest may fail the test)
	// offerIDs and requestIDs are what was stored so far.
	offerIDs, requestIDs []string
	keys                 int
}

func (w *writer) take(n int) []*wijkhelpt.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	n = min(n, len(w.reqs))
	out := w.reqs[:n]
	w.reqs = w.reqs[n:]
	return out
}

func (w *writer) pick(rng *rand.Rand, ids *[]string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(*ids) == 0 {
		return ""
	}
	return (*ids)[rng.IntN(len(*ids))]
}

func (w *writer) add(ids *[]string, id ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*ids = append(*ids, id...)
}

// key returns an import key: a new one, or now and then one used before,
// so that the import skips the row.
func (w *writer) key(rng *rand.Rand) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys > 0 && rng.IntN(4) == 0 {
		return fmt.Sprintf("import:%d", rng.IntN(w.keys))
	}
	w.keys++
	return fmt.Sprintf("import:%d", w.keys-1)
}

func (w *writer) write(ctx context.Context, rng *rand.Rand) error {
	switch rng.IntN(9) {
	case 0:
		o, _, err := w.db.CreateOffer(ctx, newOffer("Vrijwilliger", ""))
		if err != nil {
			return err
		}
		w.add(&w.offerIDs, o.ID)
	case 1, 2:
		id := w.pick(rng, &w.offerIDs)
		if id == "" {
			return nil
		}
		_, err := w.db.UpdateOffer(ctx, id, func(o *wijkhelpt.Offer) error { o.Active = !o.Active; return nil })
		return err
	case 3:
		offers := make([]*wijkhelpt.Offer, 1+rng.IntN(6))
		for i := range offers {
			offers[i] = newOffer("Geïmporteerd", w.key(rng))
		}
		if _, err := w.db.InsertOffers(ctx, offers); err != nil {
			return err
		}
		var ids []string
		for _, o := range offers {
			if stored, err := w.db.FindOffer(ctx, o.ID); err == nil {
				ids = append(ids, stored.ID)
			}
		}
		w.add(&w.offerIDs, ids...)
	case 4:
		for _, r := range w.take(1) {
			stored, _, err := w.db.CreateRequest(ctx, r)
			if err != nil {
				return err
			}
			w.add(&w.requestIDs, stored.ID)
		}
	case 5, 6:
		id := w.pick(rng, &w.requestIDs)
		if id == "" {
			return nil
		}
		_, err := w.db.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
			return r.AddNote("nagebeld", mediator, t0)
		})
		return err
	case 7:
		reqs := w.take(1 + rng.IntN(4))
		if _, err := w.db.InsertRequests(ctx, reqs); err != nil {
			return err
		}
		var ids []string
		for _, r := range reqs {
			if stored, err := w.db.FindRequest(ctx, r.ID); err == nil {
				ids = append(ids, stored.ID)
			}
		}
		w.add(&w.requestIDs, ids...)
	default:
		// Revisions that neither feed ever shows: an account, and a
		// revision taken by a write that never happened.
		u := &wijkhelpt.User{Email: fmt.Sprintf("u%d@example.nl", rng.Int64()), Role: wijkhelpt.RoleMediator}
		if err := w.db.CreateUser(ctx, u); err != nil {
			return err
		}
		_, err := w.db.NextRevision(ctx)
		return err
	}
	return nil
}

// TestChangeLogFeedsMatchQueries writes at random from several goroutines
// while followers read both feeds from the change log, and checks that the
// followers end up with exactly what the store holds, and that, once the
// writes are done, the feeds answer exactly as the query does for any
// revision and page size.
func TestChangeLogFeedsMatchQueries(t *testing.T) {
	_, logged, queried := feedPair(t)
	ctx := t.Context()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	w := &writer{db: logged}
	for i := range 60 {
		w.reqs = append(w.reqs, newRequest(t, fmt.Sprintf("key-%d", i), "+31612345678"))
	}
	// A few requests come twice (another ID, the same idempotency key and
	// reference): the second one is skipped.
	for _, r := range w.reqs[:15] {
		again := *r
		again.ID = wijkhelpt.NewID()
		w.reqs = append(w.reqs, &again)
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
	for g := range 3 {
		rng := rand.New(rand.NewPCG(seed, uint64(g)))
		writers.Go(func() {
			for range 30 {
				if err := w.write(ctx, rng); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { writers.Wait(); close(done) }()
	followers := []*follower{newFollower(feedKinds[0], logged), newFollower(feedKinds[1], logged)}
	var reading sync.WaitGroup
	for _, f := range followers {
		reading.Go(func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
				if _, err := f.poll(ctx, time.Now()); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	reading.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}

	for _, f := range followers {
		// Every write is done: a revision still missing is one that was
		// never stored (or stored and overwritten), so the gaps may go.
		// Let the clock jump by GapWait on every read.
		at := time.Now()
		for i := 0; ; i++ {
			at = at.Add(wijkhelpt.GapWait)
			empty, err := f.poll(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			if empty && f.cur.From() == f.cur.Max() {
				break
			}
			if i == 1000 {
				t.Fatalf("%s: the follower does not catch up", f.kind.name)
			}
		}
		want := readAll(t, f.kind, queried)
		if len(want) < 10 {
			t.Fatalf("%s: only %d documents written", f.kind.name, len(want))
		}
		if diff := storedDiff(want, f.view); diff != "" {
			t.Errorf("%s: the follower of the change log differs from the store (-store +follower):\n%s", f.kind.name, diff)
		}

		// Any revision (stored ones, those just below, ones never
		// stored) and page sizes that cut the feed anywhere.
		var revs []int64
		for _, d := range want {
			revs = append(revs, d.Rev, d.Rev-1)
		}
		slices.Sort(revs)
		rng := rand.New(rand.NewPCG(seed, 99))
		sample := []int64{0, revs[len(revs)-1], revs[len(revs)-1] + 3}
		for range 12 {
			sample = append(sample, revs[rng.IntN(len(revs))])
		}
		for _, rev := range sample {
			for _, limit := range []int{1, 4, 0, 1000} {
				got, err := f.kind.read(ctx, logged, rev, limit)
				if err != nil {
					t.Fatal(err)
				}
				want, err := f.kind.read(ctx, queried, rev, limit)
				if err != nil {
					t.Fatal(err)
				}
				if diff := storedDiff(want, got); diff != "" {
					t.Errorf("%s after %d, limit %d: change log differs from query (-query +log):\n%s", f.kind.name, rev, limit, diff)
				}
			}
		}
	}
	if fromLog, scans := store.FeedReads(logged); fromLog == 0 || scans != 0 {
		t.Errorf("feeds of the database opened with Embedded.Open: %d reads from the change log, %d queries; want only the log", fromLog, scans)
	}
	if fromLog, _ := store.FeedReads(queried); fromLog != 0 {
		t.Errorf("feeds of the database opened by address: %d reads from a change log; want none", fromLog)
	}
}

// TestChangeLogSparesIdleFollowers starts the change log on a database that
// holds data already: a follower from the start reads it with a query,
// then follows from the log, without a query while nothing changes, and
// sees every write at once.
func TestChangeLogSparesIdleFollowers(t *testing.T) {
	ctx := t.Context()
	e := startEmbedded(t, t.TempDir())
	before, err := store.Open(ctx, e.URI(), "wijkhelpt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.InsertOffers(ctx, newOffers(20, "")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := before.CreateRequest(ctx, newRequest(t, "", "+31612345678")); err != nil {
			t.Fatal(err)
		}
	}
	if err := before.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db := openEmbedded(t, e)

	offers := newFollower(feedKinds[0], db)
	requests := newFollower(feedKinds[1], db)
	// The first read queries; so do the reads while the revisions below
	// the requests (the offers') hold that follower back as a gap.
	now := time.Now()
	for _, at := range []time.Time{now, now.Add(wijkhelpt.GapWait)} {
		for _, f := range []*follower{offers, requests} {
			if _, err := f.poll(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(offers.view) != 20 || len(requests.view) != 3 {
		t.Fatalf("first read: %d offers and %d requests; want 20 and 3", len(offers.view), len(requests.view))
	}
	_, queriesAtStart := store.FeedReads(db)
	if queriesAtStart == 0 {
		t.Errorf("the first read, of what was stored before the change log, did not query the collections")
	}
	now = now.Add(wijkhelpt.GapWait)
	for range 10 {
		now = now.Add(200 * time.Millisecond)
		for _, f := range []*follower{offers, requests} {
			if _, err := f.poll(ctx, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fromLog, scans := store.FeedReads(db); scans != queriesAtStart || fromLog < 20 {
		t.Errorf("idle followers: %d queries, %d reads from the change log; want no queries", scans-queriesAtStart, fromLog)
	}

	// A write is in the feed as soon as it returns, also for a DB opened
	// later on the same database, which shares the log.
	other := openEmbedded(t, e)
	o, _, err := db.CreateOffer(ctx, newOffer("Nieuw", ""))
	if err != nil {
		t.Fatal(err)
	}
	changed, err := db.UpdateOffer(ctx, slices.Collect(maps.Keys(offers.view))[0], func(o *wijkhelpt.Offer) error {
		o.Capacity++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*store.DB{db, other} {
		page, err := d.OffersChangedSince(ctx, offers.cur.From(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(page); !slices.Equal(got, []string{o.ID, changed.ID}) {
			t.Errorf("offers after the writes: %q; want %q", got, []string{o.ID, changed.ID})
		}
		reqs, err := d.RequestsChangedSince(ctx, requests.cur.From(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := requestIDs(reqs); !slices.Equal(got, []string{r.ID}) {
			t.Errorf("requests after the write: %q; want %q", got, []string{r.ID})
		}
	}
	if _, scans := store.FeedReads(other); scans != 0 {
		t.Errorf("the second DB queried the collections %d times; want none", scans)
	}
	if _, scans := store.FeedReads(db); scans != queriesAtStart {
		t.Errorf("reading the writes queried the collections %d times; want none", scans-queriesAtStart)
	}
}

func ids(offers []*wijkhelpt.Offer) []string {
	out := []string{}
	for _, o := range offers {
		out = append(out, o.ID)
	}
	return out
}

// BenchmarkOffersChangedSince reads the offer feed of 3,000 offers from the
// change log and, as the baseline, with the query (a database opened by
// address): when nothing changed (what an idle follower asks several times
// a second), after one write, and a full page after an import.
func BenchmarkOffersChangedSince(b *testing.B) {
	const offers = 3000
	ctx := b.Context()
	e, err := store.StartEmbedded(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	logged, err := e.Open(ctx, "wijkhelpt")
	if err != nil {
		b.Fatal(err)
	}
	defer logged.Close(context.Background())
	queried, err := store.Open(ctx, e.URI(), "wijkhelpt")
	if err != nil {
		b.Fatal(err)
	}
	defer queried.Close(context.Background())
	base, err := logged.NextRevision(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rows := newOffers(offers, "bench:")
	if n, err := logged.InsertOffers(ctx, rows); err != nil || n != offers {
		b.Fatalf("inserted %d of %d: %v", n, offers, err)
	}
	for _, mode := range []struct {
		name string
		db   *store.DB
	}{{"log", logged}, {"scan", queried}} {
		prefix := fmt.Sprintf("%s/offers=%d/", mode.name, offers)
		b.Run(prefix+"idle", func(b *testing.B) {
			top, err := logged.NextRevision(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				page, err := mode.db.OffersChangedSince(ctx, top, 1000)
				if err != nil || len(page) != 0 {
					b.Fatalf("%d offers, %v; want none", len(page), err)
				}
			}
		})
		b.Run(prefix+"one-write", func(b *testing.B) {
			i := 0
			for b.Loop() {
				b.StopTimer()
				o, err := logged.UpdateOffer(ctx, rows[i%offers].ID, func(o *wijkhelpt.Offer) error { o.Capacity++; return nil })
				if err != nil {
					b.Fatal(err)
				}
				i++
				b.StartTimer()
				page, err := mode.db.OffersChangedSince(ctx, o.Revision-1, 1000)
				if err != nil || len(page) != 1 {
					b.Fatalf("%d offers, %v; want 1", len(page), err)
				}
			}
		})
		b.Run(prefix+"page=1000", func(b *testing.B) {
			for b.Loop() {
				page, err := mode.db.OffersChangedSince(ctx, base, 1000)
				if err != nil || len(page) != 1000 {
					b.Fatalf("%d offers, %v; want 1000", len(page), err)
				}
			}
		})
	}
}
