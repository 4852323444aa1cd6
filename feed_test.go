package wijkhelpt_test

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"wijkhelpt"
)

// step is one read of the feed: the revisions it returned, how long after
// the start it happened, and where the cursor must stand afterwards.
type step struct {
	revs     []int64
	after    time.Duration
	wantFrom int64
	wantMax  int64
}

func TestCursor(t *testing.T) {
	const w = wijkhelpt.GapWait
	tests := []struct {
		name  string
		start int64
		steps []step
	}{
		{"in order", 0, []step{
			{[]int64{1, 2, 3}, 0, 3, 3},
			{[]int64{4}, time.Second, 4, 4},
			{nil, 2 * time.Second, 4, 4},
		}},
		{"out of order in one read", 0, []step{{[]int64{3, 1, 2}, 0, 3, 3}}},
		{"duplicates", 0, []step{{[]int64{2, 1, 2, 1}, 0, 2, 2}}},
		{"a gap holds the cursor back until it is filled", 0, []step{
			{[]int64{1, 3}, 0, 1, 3},
			{[]int64{3}, time.Second, 1, 3},
			{[]int64{2, 3}, 2 * time.Second, 3, 3},
		}},
		{"a gap is given up after GapWait", 0, []step{
			{[]int64{1, 3}, 0, 1, 3},
			{[]int64{3}, w - time.Millisecond, 1, 3},
			{[]int64{3}, w, 3, 3},
			{[]int64{2}, w + time.Second, 3, 3}, // too late: already given up
		}},
		{"several gaps fill one by one", 0, []step{
			{[]int64{1, 4, 6}, 0, 1, 6},
			{[]int64{4, 5, 6}, time.Second, 1, 6},
			{[]int64{3, 4, 5, 6}, time.Second, 1, 6},
			{[]int64{2, 3, 4, 5, 6}, time.Second, 6, 6},
		}},
		{"the lowest gap fills first", 0, []step{
			{[]int64{1, 5}, 0, 1, 5},
			{[]int64{2, 5}, 0, 2, 5},
			{[]int64{4, 5}, 0, 2, 5},
			{[]int64{3, 4, 5}, 0, 5, 5},
		}},
		{"each gap waits from when it was first missed", 0, []step{
			{[]int64{1, 3}, 0, 1, 3},
			{[]int64{3, 5}, 2 * time.Second, 1, 5},
			{[]int64{3, 5}, w, 3, 5},
			{[]int64{3, 5}, 2*time.Second + w - time.Millisecond, 3, 5},
			{[]int64{4, 5}, 2*time.Second + w, 5, 5},
		}},
		{"revisions at or below the start are ignored", 10, []step{
			{[]int64{4, 10}, 0, 10, 10},
			{[]int64{12, 7}, time.Second, 10, 12},
			{[]int64{11, 12}, 2 * time.Second, 12, 12},
		}},
		{"a read that returns only what was seen", 0, []step{
			{[]int64{2}, 0, 0, 2},
			{[]int64{2}, time.Second, 0, 2},
			{[]int64{1, 2}, 2 * time.Second, 2, 2},
		}},
	}
	t0 := tIntake(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wijkhelpt.NewCursor(tt.start)
			if c.From() != tt.start || c.Max() != tt.start {
				t.Fatalf("new cursor: From %d Max %d, want %d", c.From(), c.Max(), tt.start)
			}
			for i, s := range tt.steps {
				c.Advance(s.revs, t0.Add(s.after))
				if c.From() != s.wantFrom || c.Max() != s.wantMax {
					t.Fatalf("step %d (%v at %s): From %d Max %d, want %d %d", i, s.revs, s.after, c.From(), c.Max(), s.wantFrom, s.wantMax)
				}
			}
		})
	}
}

// TestCursorLargeJump starts a follower from 0 on a store whose early
// revisions were all overwritten: the first read returns a revision in the
// millions. Tracking the missing ones must not cost memory per revision.
func TestCursorLargeJump(t *testing.T) {
	t0 := tIntake(t)
	allocs := testing.AllocsPerRun(3, func() {
		c := wijkhelpt.NewCursor(0)
		c.Advance([]int64{5_000_000, 4_000_000}, t0)
		c.Advance([]int64{4_000_000, 5_000_000}, t0.Add(time.Second))
		if c.From() != 0 || c.Max() != 5_000_000 {
			t.Fatalf("From %d Max %d, want 0 5000000", c.From(), c.Max())
		}
		c.Advance([]int64{4_000_000, 5_000_000}, t0.Add(wijkhelpt.GapWait))
		if c.From() != 5_000_000 {
			t.Fatalf("From %d after GapWait, want 5000000", c.From())
		}
	})
	if allocs > 50 {
		t.Errorf("%v allocations, want a handful", allocs)
	}
}

// TestCursorNeverSkips simulates writers that take revisions from the
// store-wide counter and commit them out of order, overwriting documents,
// while a follower reads "everything above From" at random moments. Every
// write commits within GapWait of taking its revision, so the cursor must
// never move past a revision that is still in flight, and in the end the
// follower must hold the last version of every document.
func TestCursorNeverSkips(t *testing.T) {
	for seed := range uint64(300) {
		simulateFeed(t, seed)
		if t.Failed() {
			t.Fatalf("seed %d failed", seed)
		}
	}
}

type write struct {
	doc      int
	rev      int64
	commitAt time.Duration
}

func simulateFeed(tb testing.TB, seed uint64) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, seed*7+1))
	t0 := tIntake(tb)
	docs := 2 + rng.IntN(6)
	committed := make([]int64, docs) // current revision of each document; 0 = not yet written
	busy := make([]bool, docs)       // a write to the document is in flight
	delivered := make([]int64, docs)
	var inFlight []write
	var counter int64
	c := wijkhelpt.NewCursor(0)
	maxDelay := time.Duration(rng.Int64N(int64(wijkhelpt.GapWait)))
	now := time.Duration(0)
	writes := 30 + rng.IntN(120)
	read := func() {
		var revs []int64
		for d, rev := range committed {
			if rev > c.From() {
				revs = append(revs, rev)
				if rev < delivered[d] {
					tb.Errorf("seed %d: document %d delivered at %d, then at older %d", seed, d, delivered[d], rev)
				}
				delivered[d] = rev
			}
		}
		rng.Shuffle(len(revs), func(i, j int) { revs[i], revs[j] = revs[j], revs[i] })
		c.Advance(revs, t0.Add(now))
		for _, w := range inFlight {
			if w.rev <= c.From() {
				tb.Errorf("seed %d at %s: cursor at %d moved past revision %d still in flight", seed, now, c.From(), w.rev)
			}
		}
	}
	for writes > 0 || len(inFlight) > 0 {
		now += time.Duration(rng.Int64N(int64(300 * time.Millisecond)))
		// Commit what is due, in whatever order the writers finish.
		rng.Shuffle(len(inFlight), func(i, j int) { inFlight[i], inFlight[j] = inFlight[j], inFlight[i] })
		rest := inFlight[:0]
		for _, w := range inFlight {
			if w.commitAt <= now {
				committed[w.doc] = w.rev
				busy[w.doc] = false
			} else {
				rest = append(rest, w)
			}
		}
		inFlight = rest
		// Start a few writes.
		for n := rng.IntN(4); n > 0 && writes > 0; n-- {
			d := rng.IntN(docs)
			if busy[d] {
				continue
			}
			counter++
			writes--
			busy[d] = true
			inFlight = append(inFlight, write{d, counter, now + time.Duration(rng.Int64N(int64(maxDelay)+1))})
		}
		if rng.IntN(3) == 0 {
			read()
		}
	}
	// Everything has committed; keep reading until the cursor settles.
	for range 5 {
		now += wijkhelpt.GapWait
		read()
	}
	if c.From() != c.Max() || c.Max() != maxOf(committed) {
		tb.Errorf("seed %d: cursor From %d Max %d at the end, want both %d", seed, c.From(), c.Max(), maxOf(committed))
	}
	for d := range committed {
		if delivered[d] != committed[d] {
			tb.Errorf("seed %d: document %d delivered at revision %d, last written at %d", seed, d, delivered[d], committed[d])
		}
	}
}

func maxOf(s []int64) int64 {
	c := append([]int64{}, s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return c[len(c)-1]
}
