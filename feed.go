package wijkhelpt

import (
	"slices"
	"time"
)

// Every write to the store takes the next number from one store-wide counter
// and stores it as the document's Revision. Followers (the search index, the
// matching engine, other instances) read "everything with a revision above
// my cursor" to stay in sync without change streams.
//
// Two writers can take revisions 10 and 11 and commit 11 first, so a
// follower that saw 11 must not simply move past 10. And a document written
// at 10 and again at 12 leaves 10 missing for ever. Cursor handles both: a
// revision missing below the highest one seen is a gap that holds the cursor
// back until it shows up or until GapWait has passed.

// GapWait is how long a missing revision holds a follower back: far longer
// than a write in flight takes, short enough not to re-read much.
const GapWait = 3 * time.Second

// Cursor tracks how far a follower has read a revision feed.
type Cursor struct {
	settled int64 // every revision <= settled was seen or given up on
	max     int64 // the highest revision seen
	// gaps are the missing revisions above settled, as runs in ascending
	// order. Runs, not single revisions: a follower starting from 0 on a
	// store whose early revisions were all overwritten can miss millions.
	gaps []gapRun
	// wait is how long a gap holds the cursor back: GapWait when zero, not
	// at all when negative (a store that commits in revision order).
	wait time.Duration
}

// gapRun is the missing revisions lo..hi, first missed at since.
type gapRun struct {
	lo, hi int64
	since  time.Time
}

// NewCursor starts a follower after revision from (0 = from the beginning).
func NewCursor(from int64) *Cursor {
	return &Cursor{settled: from, max: from}
}

// From is the revision to read after: the next read asks for revisions > From.
func (c *Cursor) From() int64 { return c.settled }

// Max is the highest revision seen so far.
func (c *Cursor) Max() int64 { return c.max }

// Advance records the revisions one read returned (in any order) at time now.
func (c *Cursor) Advance(revs []int64, now time.Time) {
	sorted := make([]int64, 0, len(revs))
	for _, r := range revs {
		if r > c.settled {
			sorted = append(sorted, r)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, r := range sorted {
		if r > c.max {
			// everything between the old max and r that this read did not
			// return is a new gap (the read's lower revisions came first)
			if r > c.max+1 {
				c.gaps = append(c.gaps, gapRun{lo: c.max + 1, hi: r - 1, since: now})
			}
			c.max = r
			continue
		}
		c.fill(r)
	}
	wait := c.wait
	if wait == 0 {
		wait = GapWait
	}
	kept := c.gaps[:0]
	for _, g := range c.gaps {
		if now.Sub(g.since) < wait {
			kept = append(kept, g)
		}
	}
	c.gaps = kept
	if len(c.gaps) == 0 {
		c.settled = c.max
		return
	}
	c.settled = c.gaps[0].lo - 1
}

// fill removes revision r from the gaps.
func (c *Cursor) fill(r int64) {
	i, found := slices.BinarySearchFunc(c.gaps, r, func(g gapRun, r int64) int {
		switch {
		case g.hi < r:
			return -1
		case g.lo > r:
			return 1
		}
		return 0
	})
	if !found {
		return
	}
	g := c.gaps[i]
	switch {
	case g.lo == r && g.hi == r:
		c.gaps = slices.Delete(c.gaps, i, i+1)
	case g.lo == r:
		c.gaps[i].lo++
	case g.hi == r:
		c.gaps[i].hi--
	default:
		c.gaps[i].hi = r - 1
		c.gaps = slices.Insert(c.gaps, i+1, gapRun{lo: r + 1, hi: g.hi, since: g.since})
	}
}
