package search

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2/document"

	"wijkhelpt"
)

// The two feeds the index follows.
const (
	feedOffers = iota
	feedRequests
	numFeeds
)

const (
	// pageSize is how many documents one read of a feed asks for: the
	// store's maximum.
	pageSize = 1000
	// buildBatchDocs is how many documents a rebuild puts in one batch:
	// large enough for few segments, small enough to keep every core busy.
	buildBatchDocs = 2500
)

var cursorKeys = [numFeeds][]byte{keyOffersCursor, keyRequestsCursor}

// feedState is how far one generation has read one feed.
type feedState struct {
	cur *wijkhelpt.Cursor
	// seen holds the revision indexed per document for revisions above
	// cur.From(): a gap makes the follower read those again, and they need
	// not be indexed twice. Older revisions of a document are skipped too.
	seen map[string]int64
}

func newFeedState(from int64) *feedState {
	return &feedState{cur: wijkhelpt.NewCursor(from), seen: map[string]int64{}}
}

// loadFeeds restores the cursors stored inside the index.
func (g *generation) loadFeeds() error {
	for f := range numFeeds {
		v, err := g.idx.GetInternal(cursorKeys[f])
		if err != nil {
			return fmt.Errorf("read cursor: %w", err)
		}
		from := int64(0)
		if len(v) > 0 {
			if from, err = strconv.ParseInt(string(v), 10, 64); err != nil || from < 0 {
				return fmt.Errorf("bad cursor %q", v)
			}
		}
		g.feeds[f] = newFeedState(from)
	}
	return nil
}

// item is one document read from a feed.
type item struct {
	id      string
	rev     int64
	offer   *wijkhelpt.Offer
	request *wijkhelpt.Request
}

func (ix *Index) document(it item) *document.Document {
	if it.offer != nil {
		return ix.docs.offer(it.offer)
	}
	return ix.docs.request(it.request)
}

func (ix *Index) fetch(ctx context.Context, src Source, feed int, after int64) ([]item, error) {
	switch feed {
	case feedOffers:
		offers, err := src.OffersChangedSince(ctx, after, pageSize)
		if err != nil {
			return nil, fmt.Errorf("search: read offers after %d: %w", after, err)
		}
		out := make([]item, 0, len(offers))
		for _, o := range offers {
			if o != nil {
				out = append(out, item{id: o.ID, rev: o.Revision, offer: o})
			}
		}
		return out, nil
	default:
		reqs, err := src.RequestsChangedSince(ctx, after, pageSize)
		if err != nil {
			return nil, fmt.Errorf("search: read requests after %d: %w", after, err)
		}
		out := make([]item, 0, len(reqs))
		for _, r := range reqs {
			if r != nil {
				out = append(out, item{id: r.ID, rev: r.Revision, request: r})
			}
		}
		return out, nil
	}
}

// catchUp reads both feeds of g until they have nothing more and indexes
// what it read in batches of about batchDocs documents. Each batch stores
// the feed's cursor with the documents, so a restart goes on from there.
// report, if not nil, learns how many documents each batch indexed. The
// caller holds ix.writeMu or owns g alone.
func (ix *Index) catchUp(ctx context.Context, g *generation, src Source, batchDocs int, report func(int)) error {
	for f := range numFeeds {
		if err := ix.catchUpFeed(ctx, g, src, f, batchDocs, report); err != nil {
			// The cursor in memory may have moved past what was written:
			// go back to the one stored with the last batch.
			if lerr := g.loadFeeds(); lerr != nil {
				return fmt.Errorf("%w (and reloading cursors: %v)", err, lerr)
			}
			return err
		}
	}
	return nil
}

func (ix *Index) catchUpFeed(ctx context.Context, g *generation, src Source, f, batchDocs int, report func(int)) error {
	st := g.feeds[f]
	after := st.cur.From()
	b := g.idx.NewBatch()
	var revs []int64
	pending := map[string]int64{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, err := ix.fetch(ctx, src, f, after)
		if err != nil {
			return err
		}
		for _, it := range items {
			revs = append(revs, it.rev)
			if st.seen[it.id] >= it.rev || pending[it.id] >= it.rev {
				continue
			}
			if err := b.IndexAdvanced(ix.document(it)); err != nil {
				return fmt.Errorf("search: index document: %w", err)
			}
			pending[it.id] = it.rev
		}
		for _, it := range items {
			after = max(after, it.rev)
		}
		more := len(items) >= pageSize
		if len(revs) > 0 && (b.Size() >= batchDocs || !more) {
			st.cur.Advance(revs, time.Now())
			b.SetInternal(cursorKeys[f], cursorValue(st.cur.From()))
			if err := g.idx.Batch(b); err != nil {
				return fmt.Errorf("search: index batch: %w", err)
			}
			n := len(pending)
			for id, rev := range pending {
				st.seen[id] = rev
			}
			from := st.cur.From()
			for id, rev := range st.seen {
				if rev <= from {
					delete(st.seen, id)
				}
			}
			if report != nil && n > 0 {
				report(n)
			}
			b.Reset()
			revs = revs[:0]
			pending = map[string]int64{}
		}
		if !more {
			return nil
		}
	}
}

// Sync reads everything new from src into the index once. Follow calls it
// on every tick; tests and tools may call it directly.
func (ix *Index) Sync(ctx context.Context, src Source) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Load() {
		return ErrClosed
	}
	ix.adoptSwap()
	g := ix.gen.Load()
	if g == nil {
		return ErrClosed
	}
	return ix.catchUp(ctx, g, src, pageSize, nil)
}

// adoptSwap switches to the index that the current file names when another
// process (wijkhelpt reindex) has rebuilt and swapped it, and reports
// whether it did. The caller holds ix.writeMu.
func (ix *Index) adoptSwap() bool {
	g := ix.gen.Load()
	if g == nil {
		return false
	}
	name, err := readCurrent(ix.dir)
	if err != nil || name == g.name {
		return false
	}
	ng, err := ix.openGeneration(name)
	if err != nil {
		ix.logger.Warn("search index adopt rebuilt", "dir", name, "error", err.Error())
		return false
	}
	ix.gen.Store(ng)
	ix.logger.Info("search index adopted rebuilt", "dir", name)
	if err := ix.retire(g, true); err != nil {
		ix.logger.Warn("search index close old", "error", err.Error())
	}
	return true
}

// TakeFeed indexes what the store's revision feed brought (the index is a
// sink of the service's wijkhelpt.Follower). Documents at or below the
// place stored in the index, or older than what it indexed, are skipped,
// so the follower's initial load from the beginning costs little on an
// index that is up to date. A settled mark is stored in the index with
// the batch, so a restart goes on from there. A rebuilt index that another
// process swapped in first catches up from the feed by itself.
func (ix *Index) TakeFeed(ctx context.Context, p wijkhelpt.FeedPage) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Load() {
		return ErrClosed
	}
	if ix.adoptSwap() && ix.feed != nil {
		if err := ix.catchUp(ctx, ix.gen.Load(), ix.feed, pageSize, nil); err != nil {
			return err
		}
	}
	g := ix.gen.Load()
	if g == nil {
		return ErrClosed
	}
	b := g.idx.NewBatch()
	pending := [numFeeds]map[string]int64{{}, {}}
	add := func(f int, it item) error {
		st := g.feeds[f]
		if it.rev <= st.cur.From() || st.seen[it.id] >= it.rev || pending[f][it.id] >= it.rev {
			return nil
		}
		if err := b.IndexAdvanced(ix.document(it)); err != nil {
			return fmt.Errorf("search: index document: %w", err)
		}
		pending[f][it.id] = it.rev
		return nil
	}
	for _, o := range p.Offers {
		if err := add(feedOffers, item{id: o.ID, rev: o.Revision, offer: o}); err != nil {
			return err
		}
	}
	for _, r := range p.Requests {
		if err := add(feedRequests, item{id: r.ID, rev: r.Revision, request: r}); err != nil {
			return err
		}
	}
	var moved [numFeeds]int64
	if p.Settled != nil {
		for f, at := range [numFeeds]int64{p.Settled.Offers, p.Settled.Requests} {
			if at > g.feeds[f].cur.From() {
				moved[f] = at
				b.SetInternal(cursorKeys[f], cursorValue(at))
			}
		}
	}
	if b.Size() == 0 && moved == [numFeeds]int64{} {
		return nil
	}
	if err := g.idx.Batch(b); err != nil {
		return fmt.Errorf("search: index batch: %w", err)
	}
	for f := range numFeeds {
		st := g.feeds[f]
		for id, rev := range pending[f] {
			st.seen[id] = rev
		}
		if moved[f] == 0 {
			continue
		}
		st.cur = wijkhelpt.NewCursor(moved[f])
		for id, rev := range st.seen {
			if rev <= moved[f] {
				delete(st.seen, id)
			}
		}
	}
	return nil
}
