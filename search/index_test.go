package search_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/search"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// Sizes of the store most index tests start from: small enough that one
// SearchOffers (at most 200 hits) lists every offer.
const (
	smallOffers   = 150
	smallRequests = 40
)

// filledStore returns a store of the test's own with generated offers and
// requests in it.
func filledStore(tb testing.TB, offers, requests int) store.Store {
	tb.Helper()
	db := storetest.Open(tb)
	fillStore(tb, db, genOffers(offers, 1), genRequests(requests, 2))
	return db
}

// progressLog records the calls of a progress callback.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int
}

func (p *progressLog) record(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, [2]int{done, total})
}

// check asserts that the calls counted up to total and never went back.
func (p *progressLog) check(tb testing.TB, total int) {
	tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		tb.Fatalf("progress was never called; want it to reach %d", total)
	}
	prev := -1
	for _, c := range p.calls {
		if c[0] < prev || c[0] > c[1] {
			tb.Fatalf("progress calls %v: done must grow and stay <= total", p.calls)
		}
		prev = c[0]
	}
	if last := p.calls[len(p.calls)-1]; last != [2]int{total, total} {
		tb.Errorf("last progress call = %v, want [%d %d] (all calls %v)", last, total, total, p.calls)
	}
}

func (p *progressLog) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// openOrRebuild opens the index under dir for the test, closing it at the end.
func openOrRebuild(tb testing.TB, dir string, db store.Store, progress func(int, int), opts ...search.Option) *search.Index {
	tb.Helper()
	ix, err := search.OpenOrRebuild(context.Background(), dir, db, progress, opts...)
	if err != nil {
		tb.Fatalf("OpenOrRebuild(%s): %v", dir, err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return ix
}

func syncIndex(tb testing.TB, ix *search.Index, db store.Store) {
	tb.Helper()
	if err := ix.Sync(context.Background(), db); err != nil {
		tb.Fatalf("Sync: %v", err)
	}
}

// storeContents reads every offer and request from the store's feeds.
func storeContents(tb testing.TB, db store.Store) (offers []*wijkhelpt.Offer, requests []*wijkhelpt.Request) {
	tb.Helper()
	ctx := context.Background()
	for rev := int64(0); ; {
		page, err := db.OffersChangedSince(ctx, rev, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		offers = append(offers, page...)
		if len(page) < 1000 {
			break
		}
		rev = page[len(page)-1].Revision
	}
	for rev := int64(0); ; {
		page, err := db.RequestsChangedSince(ctx, rev, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		requests = append(requests, page...)
		if len(page) < 1000 {
			break
		}
		rev = page[len(page)-1].Revision
	}
	return offers, requests
}

// offerIDs lists the IDs of the offers for which keep says yes, sorted.
func offerIDs(offers []*wijkhelpt.Offer, keep func(*wijkhelpt.Offer) bool) []string {
	ids := []string{}
	for _, o := range offers {
		if keep == nil || keep(o) {
			ids = append(ids, o.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func hitIDs(hits []search.OfferHit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	slices.Sort(ids)
	return ids
}

func searchOfferIDs(tb testing.TB, ix *search.Index, q search.OfferQuery) []string {
	tb.Helper()
	if q.Limit == 0 {
		q.Limit = 200
	}
	hits, err := ix.SearchOffers(context.Background(), q)
	if err != nil {
		tb.Fatalf("SearchOffers(%+v): %v", q, err)
	}
	return hitIDs(hits)
}

// indexDiff compares the index with the store and returns what differs, or
// "" when they agree: the same offers and requests, the same active offers,
// the same offers per category, and every request found by its reference.
func indexDiff(tb testing.TB, ix *search.Index, db store.Store) string {
	tb.Helper()
	offers, requests := storeContents(tb, db)
	gotOffers, gotRequests, err := ix.DocIDs()
	if err != nil {
		tb.Fatalf("DocIDs: %v", err)
	}
	if d := cmp.Diff(offerIDs(offers, nil), gotOffers); d != "" {
		return "offer IDs (-store +index):\n" + d
	}
	wantReq := []string{}
	for _, r := range requests {
		wantReq = append(wantReq, r.ID)
	}
	slices.Sort(wantReq)
	if d := cmp.Diff(wantReq, gotRequests); d != "" {
		return "request IDs (-store +index):\n" + d
	}
	if len(offers) > 200 {
		return "" // SearchOffers lists at most 200; the IDs must do
	}
	active := func(o *wijkhelpt.Offer) bool { return o.Active && !o.Suspended }
	if d := cmp.Diff(offerIDs(offers, active), searchOfferIDs(tb, ix, search.OfferQuery{ActiveOnly: true})); d != "" {
		return "active offers (-store +index):\n" + d
	}
	for _, c := range wijkhelpt.Categories() {
		want := offerIDs(offers, func(o *wijkhelpt.Offer) bool { return slices.Contains(o.Categories, c.Code) })
		if d := cmp.Diff(want, searchOfferIDs(tb, ix, search.OfferQuery{Categories: []string{c.Code}})); d != "" {
			return "offers in " + c.Code + " (-store +index):\n" + d
		}
	}
	for _, r := range requests {
		hits, err := ix.SearchRequests(context.Background(), r.Ref, 5)
		if err != nil {
			tb.Fatalf("SearchRequests(%s): %v", r.Ref, err)
		}
		if len(hits) == 0 || hits[0].ID != r.ID || hits[0].Ref != r.Ref {
			return fmt.Sprintf("request %s (%s) is not the first hit for its reference: %+v", r.Ref, r.ID, hits)
		}
	}
	return ""
}

func assertMatchesStore(tb testing.TB, ix *search.Index, db store.Store) {
	tb.Helper()
	if d := indexDiff(tb, ix, db); d != "" {
		tb.Fatalf("index differs from the store: %s", d)
	}
}

// indexDirs lists the index and build directories under dir.
func indexDirs(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// assertOnlyCurrent asserts that dir holds exactly one index, the one in use.
func assertOnlyCurrent(tb testing.TB, ix *search.Index, dir string) {
	tb.Helper()
	want := []string{filepath.Base(ix.Dir())}
	if got := indexDirs(tb, dir); !slices.Equal(got, want) {
		tb.Errorf("directories in %s = %v, want only the index in use %v", dir, got, want)
	}
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	if err != nil {
		tb.Fatal(err)
	}
	if got := strings.TrimSpace(string(cur)); got != want[0] {
		tb.Errorf("current names %q, want %q", got, want[0])
	}
}

func TestOpenOrRebuildBuildsMissingIndex(t *testing.T) {
	db := filledStore(t, smallOffers, smallRequests)
	dir := filepath.Join(t.TempDir(), "data", "index") // parent missing too
	var p progressLog
	ix := openOrRebuild(t, dir, db, p.record)
	p.check(t, smallOffers+smallRequests)
	assertMatchesStore(t, ix, db)
	assertOnlyCurrent(t, ix, dir)
}

func TestOpenKeepsGoodIndexAndGoesOn(t *testing.T) {
	ctx := context.Background()
	db := filledStore(t, smallOffers, smallRequests)
	dir := t.TempDir()
	ix := openOrRebuild(t, dir, db, nil)
	first := ix.Dir()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	// Written while no service ran: the next start must catch up from the
	// cursor kept in the index, without a rebuild.
	o := genOffers(1, 99)[0]
	o.ID, o.Name, o.Text = "", "Wendelien Oosterhout", "Ik repareer fietsbanden."
	stored, _, err := db.CreateOffer(ctx, o)
	if err != nil {
		t.Fatal(err)
	}

	var p progressLog
	ix = openOrRebuild(t, dir, db, p.record)
	if n := p.count(); n != 0 {
		t.Errorf("reopening a good index rebuilt it (%d progress calls)", n)
	}
	if got := ix.Dir(); got != first {
		t.Errorf("Dir after reopening = %s, want the same index %s", got, first)
	}
	if got := searchOfferIDs(t, ix, search.OfferQuery{Text: "Oosterhout"}); len(got) != 0 {
		t.Fatalf("an offer written while the index was closed is found before Sync: %v", got)
	}
	syncIndex(t, ix, db)
	if got, want := searchOfferIDs(t, ix, search.OfferQuery{Text: "Oosterhout"}), []string{stored.ID}; !slices.Equal(got, want) {
		t.Errorf("after Sync, search Oosterhout = %v, want %v", got, want)
	}
	assertMatchesStore(t, ix, db)

	// Open (without a source) opens the same index too.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix2, err := search.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer ix2.Close()
	if got := ix2.Dir(); got != first {
		t.Errorf("Open: Dir = %s, want %s", got, first)
	}
}

// damage is one way an index on disk can break.
type damage struct {
	name string
	do   func(tb testing.TB, dir, gen string)
}

func damages() []damage {
	overwrite := func(tb testing.TB, gen string, fn func(path string, size int64) []byte) {
		tb.Helper()
		n := 0
		err := filepath.Walk(gen, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			n++
			return os.WriteFile(path, fn(path, info.Size()), 0o600)
		})
		if err != nil || n == 0 {
			tb.Fatalf("damage %s: %d files, %v", gen, n, err)
		}
	}
	return []damage{
		{"garbage in every file", func(tb testing.TB, dir, gen string) {
			overwrite(tb, filepath.Join(dir, gen), func(_ string, size int64) []byte {
				b := make([]byte, max(size, 64))
				for i := range b {
					b[i] = byte(i*7 + 13)
				}
				return b
			})
		}},
		{"garbage in the segments and the root", func(tb testing.TB, dir, gen string) {
			overwrite(tb, filepath.Join(dir, gen, "store"), func(_ string, size int64) []byte {
				return []byte(strings.Repeat("kapot ", int(size/6)+1))
			})
		}},
		{"every file empty", func(tb testing.TB, dir, gen string) {
			overwrite(tb, filepath.Join(dir, gen), func(string, int64) []byte { return nil })
		}},
		{"index directory gone", func(tb testing.TB, dir, gen string) {
			if err := os.RemoveAll(filepath.Join(dir, gen)); err != nil {
				tb.Fatal(err)
			}
		}},
		{"current names a missing index", func(tb testing.TB, dir, gen string) {
			if err := os.WriteFile(filepath.Join(dir, "current"), []byte("index-20200101T000000.000000000\n"), 0o600); err != nil {
				tb.Fatal(err)
			}
		}},
		{"current holds garbage", func(tb testing.TB, dir, gen string) {
			if err := os.WriteFile(filepath.Join(dir, "current"), []byte("../../etc\x00\xff"), 0o600); err != nil {
				tb.Fatal(err)
			}
		}},
		{"current empty", func(tb testing.TB, dir, gen string) {
			if err := os.WriteFile(filepath.Join(dir, "current"), nil, 0o600); err != nil {
				tb.Fatal(err)
			}
		}},
	}
}

func TestOpenOrRebuildRebuildsDamagedIndex(t *testing.T) {
	for _, d := range damages() {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := filledStore(t, smallOffers, smallRequests)
			dir := t.TempDir()
			ix, err := search.OpenOrRebuild(ctx, dir, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			old := filepath.Base(ix.Dir())
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			// The store moves on while the index is broken: the rebuilt one
			// must hold this offer too.
			o := genOffers(1, 5)[0]
			o.ID = ""
			if _, _, err := db.CreateOffer(ctx, o); err != nil {
				t.Fatal(err)
			}
			d.do(t, dir, old)

			if ix, err := search.Open(dir); !errors.Is(err, search.ErrRebuild) {
				if err == nil {
					ix.Close()
				}
				t.Fatalf("Open of a damaged index: err = %v, want ErrRebuild", err)
			}
			var p progressLog
			ix = openOrRebuild(t, dir, db, p.record)
			p.check(t, smallOffers+1+smallRequests)
			if got := filepath.Base(ix.Dir()); got == old {
				t.Errorf("OpenOrRebuild kept the damaged index %s", got)
			}
			assertMatchesStore(t, ix, db)
			assertOnlyCurrent(t, ix, dir)
		})
	}
}

func TestOpenOrRebuildRebuildsOlderMapping(t *testing.T) {
	db := filledStore(t, smallOffers, smallRequests)
	dir := t.TempDir()
	ix, err := search.OpenOrRebuild(context.Background(), dir, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := ix.Dir()
	if err := ix.SetStoredMappingVersion("0"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err := search.Open(dir); !errors.Is(err, search.ErrRebuild) {
		if err == nil {
			ix.Close()
		}
		t.Fatalf("Open of an index with an older mapping: err = %v, want ErrRebuild", err)
	}
	var p progressLog
	ix = openOrRebuild(t, dir, db, p.record)
	p.check(t, smallOffers+smallRequests)
	if ix.Dir() == old {
		t.Errorf("OpenOrRebuild kept the index with the older mapping")
	}
	assertMatchesStore(t, ix, db)
	assertOnlyCurrent(t, ix, dir)
}

func TestOpenOrRebuildRebuildsOtherSynonyms(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	o := genOffers(1, 3)[0]
	o.Text = "Ik repareer uw fiets."
	fillStore(t, db, []*wijkhelpt.Offer{o}, nil)
	dir := t.TempDir()
	ix := openOrRebuild(t, dir, db, nil)
	if got := searchOfferIDs(t, ix, search.OfferQuery{Text: "rijwiel"}); len(got) != 0 {
		t.Fatalf("rijwiel found %v before it was a synonym", got)
	}
	old := ix.Dir()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	vocab := append(search.DefaultVocabulary(), []byte("\n@synonyms: fiets, rijwiel\n")...)
	if _, err := search.Open(dir, search.WithVocabulary(vocab)); !errors.Is(err, search.ErrRebuild) {
		t.Fatalf("Open with other synonyms: err = %v, want ErrRebuild", err)
	}
	ix, err := search.OpenOrRebuild(ctx, dir, db, nil, search.WithVocabulary(vocab))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Dir() == old {
		t.Errorf("OpenOrRebuild kept the index built with other synonyms")
	}
	if got, want := searchOfferIDs(t, ix, search.OfferQuery{Text: "rijwiel"}), []string{o.ID}; !slices.Equal(got, want) {
		t.Errorf("search rijwiel with the new synonym = %v, want %v", got, want)
	}
}

// searcher runs searches against ix until stopped and counts what went
// wrong: an error, or a result other than the one before the rebuilds.
type searcher struct {
	ix      *search.Index
	queries []search.OfferQuery
	want    [][]string
	cands   []string

	runs atomic.Int64
	errs chan error
}

func newSearcher(tb testing.TB, ix *search.Index, queries []search.OfferQuery) *searcher {
	tb.Helper()
	s := &searcher{ix: ix, queries: queries, errs: make(chan error, 100)}
	for _, q := range queries {
		ids := searchOfferIDs(tb, ix, q)
		if len(ids) == 0 {
			tb.Fatalf("query %+v finds nothing: a poor probe", q)
		}
		s.want = append(s.want, ids)
	}
	var err error
	s.cands, err = ix.Candidates(context.Background(), centre(), 3, []string{"boodschappen", "tuin"})
	if err != nil || len(s.cands) == 0 {
		tb.Fatalf("Candidates = %d, %v; want some", len(s.cands), err)
	}
	return s
}

func (s *searcher) report(err error) {
	select {
	case s.errs <- err:
	default:
	}
}

func (s *searcher) run(ctx context.Context) {
	for i := 0; ; i++ {
		k := i % (len(s.queries) + 1)
		if k == len(s.queries) {
			got, err := s.ix.Candidates(ctx, centre(), 3, []string{"boodschappen", "tuin"})
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				s.report(err)
			case !slices.Equal(got, s.cands):
				s.report(errors.New("Candidates changed during the rebuild"))
			}
		} else {
			q := s.queries[k]
			q.Limit = 200
			hits, err := s.ix.SearchOffers(ctx, q)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				s.report(err)
			case !slices.Equal(hitIDs(hits), s.want[k]):
				s.report(errors.New("SearchOffers " + q.Text + " changed during the rebuild"))
			}
		}
		s.runs.Add(1)
	}
}

func TestRebuildSwapsWhileSearching(t *testing.T) {
	// The embedded store reads every document of a collection for each
	// page of the feed, so the store stays small; rounds make up for it.
	const nOffers, nRequests = 500, 50
	db := filledStore(t, nOffers, nRequests)
	dir := t.TempDir()
	ix := openOrRebuild(t, dir, db, nil)
	s := newSearcher(t, ix, []search.OfferQuery{
		{Text: "Fatima de Vries"},
		{Text: "supermarkt", Categories: []string{"boodschappen"}, ActiveOnly: true},
		{Near: ptr(centre()), WithinKm: 1.5, ActiveOnly: true},
	})

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { s.run(ctx) })
	}
	const rounds = 4
	for round := range rounds {
		old := filepath.Base(ix.Dir())
		before := s.runs.Load()
		var p progressLog
		if err := ix.Rebuild(context.Background(), db, p.record); err != nil {
			cancel()
			wg.Wait()
			t.Fatalf("round %d: Rebuild: %v", round, err)
		}
		p.check(t, nOffers+nRequests)
		if got := filepath.Base(ix.Dir()); got == old {
			t.Errorf("round %d: Rebuild did not swap: still %s", round, got)
		}
		if _, err := os.Stat(filepath.Join(dir, old)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("round %d: old index %s not removed: %v", round, old, err)
		}
		assertOnlyCurrent(t, ix, dir)
		if s.runs.Load() == before {
			t.Logf("round %d: no search ran during the rebuild", round)
		}
	}
	cancel()
	wg.Wait()
	close(s.errs)
	for err := range s.errs {
		t.Errorf("search during rebuild: %v", err)
	}
	if s.runs.Load() == 0 {
		t.Fatal("no search ran")
	}
	t.Logf("%d searches during %d rebuilds", s.runs.Load(), rounds)
	assertMatchesStore(t, ix, db)
}

func ptr[T any](v T) *T { return &v }

// TestReindexBesideRunningService is `wijkhelpt reindex` while `wijkhelpt
// serve` runs on the same directory: the service keeps searching its own
// index until it sees the swap, then takes the new one and removes the old.
func TestReindexBesideRunningService(t *testing.T) {
	ctx := context.Background()
	db := filledStore(t, smallOffers, smallRequests)
	dir := t.TempDir()
	served := openOrRebuild(t, dir, db, nil)
	old := filepath.Base(served.Dir())

	var p progressLog
	reindexed, err := search.Rebuild(ctx, dir, db, p.record)
	if err != nil {
		t.Fatalf("Rebuild beside a running index: %v", err)
	}
	p.check(t, smallOffers+smallRequests)
	fresh := filepath.Base(reindexed.Dir())
	if fresh == old {
		t.Fatalf("Rebuild built into the index in use %s", old)
	}
	if _, err := os.Stat(filepath.Join(dir, old)); err != nil {
		t.Fatalf("Rebuild removed the index a running service holds: %v", err)
	}
	assertMatchesStore(t, served, db) // still searching the old one
	if err := reindexed.Close(); err != nil {
		t.Fatal(err)
	}

	o := genOffers(1, 77)[0]
	o.ID, o.Name = "", "Geertruida Zwanenburg"
	stored, _, err := db.CreateOffer(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	syncIndex(t, served, db)
	if got := filepath.Base(served.Dir()); got != fresh {
		t.Errorf("after Sync the service uses %s, want the rebuilt %s", got, fresh)
	}
	if got := searchOfferIDs(t, served, search.OfferQuery{Text: "Zwanenburg"}); !slices.Equal(got, []string{stored.ID}) {
		t.Errorf("search Zwanenburg after the swap = %v, want [%s]", got, stored.ID)
	}
	assertMatchesStore(t, served, db)
	assertOnlyCurrent(t, served, dir)
}

// TestRebuildWhileFollowing writes to the store while the index rebuilds
// and follows at once: nothing written may be missing afterwards.
func TestRebuildWhileFollowing(t *testing.T) {
	db := filledStore(t, 300, 30)
	dir := t.TempDir()
	ix := openOrRebuild(t, dir, db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	followed := make(chan error, 1)
	fl := wijkhelpt.NewFollower(db, wijkhelpt.FollowerOptions{Every: 20 * time.Millisecond}, ix)
	go func() { followed <- fl.Run(ctx) }()

	// Three writers at once, so that revisions also commit out of order.
	writes := make(chan error, 3)
	var writers sync.WaitGroup
	for w := range 3 {
		writers.Go(func() {
			for i := w; i < 60; i += 3 {
				var err error
				switch i % 3 {
				case 0:
					o := genOffers(1, uint64(1000+i))[0]
					o.ID = ""
					_, _, err = db.CreateOffer(ctx, o)
				case 1:
					_, err = db.UpdateOffer(ctx, "of0000007", func(o *wijkhelpt.Offer) error {
						o.Active = !o.Active
						o.Name, o.Suspended = "Wouter Pijlman", false
						o.Categories = []string{wijkhelpt.Categories()[i%14].Code}
						return nil
					})
				default:
					r := genRequests(1, uint64(i))[0]
					_, _, err = db.CreateRequest(ctx, r)
				}
				if err != nil {
					writes <- err
					return
				}
			}
		})
	}
	go func() { writers.Wait(); close(writes) }()
	for range 2 {
		if err := ix.Rebuild(ctx, db, nil); err != nil {
			t.Fatalf("Rebuild: %v", err)
		}
	}
	if err := <-writes; err != nil {
		t.Fatalf("write: %v", err)
	}
	eventually(t, slowdown*5*time.Second, func() string { return indexDiff(t, ix, db) })
	cancel()
	if err := <-followed; err != nil {
		t.Errorf("Follow returned %v, want nil when its context ends", err)
	}
	// The offer changed over and over must be in its last state.
	last, err := db.FindOffer(context.Background(), "of0000007")
	if err != nil {
		t.Fatal(err)
	}
	q := search.OfferQuery{Text: "Pijlman", Categories: last.Categories, ActiveOnly: true}
	want := []string{}
	if last.Active && !last.Suspended {
		want = []string{last.ID}
	}
	if got := searchOfferIDs(t, ix, q); !slices.Equal(got, want) {
		t.Errorf("search %+v = %v, want %v", q, got, want)
	}
}

// TestSyncAfterRebuildIndexesNothingTwice: a rebuilt index knows what it
// holds, so the follower's first read after the swap, which goes back to
// the oldest revision still missing (every request is a gap in the offers'
// feed), does not index it all again.
func TestSyncAfterRebuildIndexesNothingTwice(t *testing.T) {
	db := storetest.Open(t)
	offers, reqs := genOffers(120, 3), genRequests(12, 4)
	for i := range reqs {
		fillStore(t, db, offers[i*10:(i+1)*10], reqs[i:i+1])
	}
	indexed := func(ix *search.Index) uint64 {
		t.Helper()
		n, err := ix.IndexedTextBytes()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ix := openOrRebuild(t, t.TempDir(), db, nil)
	for round := range 2 {
		if round > 0 {
			if err := ix.Rebuild(context.Background(), db, nil); err != nil {
				t.Fatal(err)
			}
		}
		before := indexed(ix)
		syncIndex(t, ix, db)
		if n := indexed(ix) - before; n != 0 {
			t.Errorf("round %d: the first Sync after a rebuild indexed %d bytes of text again", round, n)
		}
	}
	assertMatchesStore(t, ix, db)
	// The measure itself works: a new offer is indexed.
	if _, _, err := db.CreateOffer(context.Background(), newOffer("Nel Noordzij", "Ik kook graag.", "maaltijden")); err != nil {
		t.Fatal(err)
	}
	before := indexed(ix)
	syncIndex(t, ix, db)
	if indexed(ix) == before {
		t.Errorf("a Sync that indexed a new offer analysed no text: the measure is broken")
	}
}

// TestCloseDuringRebuild: a rebuild that finishes after Close must not
// bring the index back to life, nor keep its files locked.
func TestCloseDuringRebuild(t *testing.T) {
	db := filledStore(t, 300, 20)
	dir := t.TempDir()
	ix, err := search.OpenOrRebuild(context.Background(), dir, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var once sync.Once
	rebuilt := make(chan error, 1)
	go func() {
		rebuilt <- ix.Rebuild(context.Background(), db, func(int, int) { once.Do(func() { close(started) }) })
	}()
	<-started
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Close takes milliseconds, the build far longer.
	if err := <-rebuilt; !errors.Is(err, search.ErrClosed) {
		t.Errorf("Rebuild that outlived Close = %v, want ErrClosed", err)
	}
	if _, err := ix.SearchOffers(context.Background(), search.OfferQuery{}); !errors.Is(err, search.ErrClosed) {
		t.Errorf("SearchOffers after Close and a rebuild = %v, want ErrClosed", err)
	}
	again, err := search.Open(dir)
	if err != nil {
		t.Fatalf("Open after Close during a rebuild: %v", err)
	}
	defer again.Close()
	assertMatchesStore(t, again, db)
	assertOnlyCurrent(t, again, dir)
}
