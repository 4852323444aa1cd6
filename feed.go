package wijkhelpt

import (
	"sort"
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
	settled int64               // every revision <= settled was seen or given up on
	max     int64               // the highest revision seen
	gaps    map[int64]time.Time // missing revisions and when they were first missed
}

// NewCursor starts a follower after revision from (0 = from the beginning).
func NewCursor(from int64) *Cursor {
	return &Cursor{settled: from, max: from, gaps: map[int64]time.Time{}}
}

// From is the revision to read after: the next read asks for revisions > From.
func (c *Cursor) From() int64 { return c.settled }

// Max is the highest revision seen so far.
func (c *Cursor) Max() int64 { return c.max }

// Advance records the revisions one read returned (in any order) at time now.
func (c *Cursor) Advance(revs []int64, now time.Time) {
	seen := make(map[int64]bool, len(revs))
	for _, r := range revs {
		if r > c.settled {
			seen[r] = true
			delete(c.gaps, r)
		}
		if r > c.max {
			// everything between the old max and r that this read did not
			// return is a new gap
			for g := c.max + 1; g < r; g++ {
				if _, ok := c.gaps[g]; !ok {
					c.gaps[g] = now
				}
			}
			c.max = r
		}
	}
	for r := range seen {
		delete(c.gaps, r)
	}
	for g, first := range c.gaps {
		if now.Sub(first) >= GapWait {
			delete(c.gaps, g)
		}
	}
	if len(c.gaps) == 0 {
		c.settled = c.max
		return
	}
	lowest := make([]int64, 0, len(c.gaps))
	for g := range c.gaps {
		lowest = append(lowest, g)
	}
	sort.Slice(lowest, func(i, j int) bool { return lowest[i] < lowest[j] })
	c.settled = lowest[0] - 1
}
