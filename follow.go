package wijkhelpt

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// DefaultFollowInterval is how often a Follower reads the feed when nothing
// wakes it: often enough that a write by another instance is searchable and
// changes the suggestions within a second.
const DefaultFollowInterval = 250 * time.Millisecond

// DefaultFeedPage is how many documents one read of the feed asks for: the
// stores' maximum.
const DefaultFeedPage = 1000

// Feed is the store's revision feed. Each method returns the documents
// written after revision rev, in ascending revision order, at most limit of
// them (a store may return fewer).
type Feed interface {
	OffersChangedSince(ctx context.Context, rev int64, limit int) ([]*Offer, error)
	RequestsChangedSince(ctx context.Context, rev int64, limit int) ([]*Request, error)
}

// FeedSink takes in what the revision feed brings: the matching engine and
// the search index are sinks. A sink must ignore a document older (by
// revision) than the one it holds, because the same document can come
// more than once: from the feed and from the store's publication, or again
// after a failed read.
type FeedSink interface {
	TakeFeed(ctx context.Context, p FeedPage) error
}

// FeedLoader is a FeedSink that wants to know when the initial load is
// done, such as the matching engine, which is not ready before.
type FeedLoader interface {
	FeedLoaded()
}

// FeedPage is what one read of the feed brought, in revision order.
type FeedPage struct {
	Offers   []*Offer
	Requests []*Request
	// Settled, when set, says that every revision at or below it was
	// delivered or given up on: a sink that keeps its place (the search
	// index) may store it.
	Settled *FeedMarks
}

// FeedMarks are positions in the two feeds.
type FeedMarks struct{ Offers, Requests int64 }

// FollowerOptions tune a Follower; zero values take the defaults.
type FollowerOptions struct {
	// Every is how often the feed is read when nothing wakes the follower.
	Every time.Duration
	// PageSize is how many documents one read asks for.
	PageSize int
	// InOrder says that the store commits revisions in ascending order (the
	// SQLite store: revisions are taken inside its one writer's
	// transactions). A missing revision is then a document written again
	// or a write that failed, never one in flight, so the follower need not
	// wait for it, nor sweep again after the initial load.
	InOrder bool
	Logger  *slog.Logger
}

// Follower reads the store's revision feed once and hands every page to
// all its sinks: one reader for the matching engine and the search index.
// It starts with a load of everything (after which Ready is true), then
// follows what changes with a Cursor per feed, at every interval and
// whenever Wake is called (the store publishes its own commits).
//
// On a store whose writers can commit out of order (MongoDB, several
// instances), a write that had taken a lower revision but was still in
// flight during the initial load is caught by one more sweep over
// everything up to the highest revision the load saw, made GapWait after
// it, a few pages per step.
type Follower struct {
	src   Feed
	sinks []FeedSink
	opt   FollowerOptions
	wake  chan struct{}
	ready atomic.Bool
	log   *slog.Logger

	offers, requests  *Cursor
	settled           FeedMarks
	sweepAt           time.Time
	top, sweep        FeedMarks
	sweptO, sweptR    bool
	sweepPagesPerStep int
}

// NewFollower makes a follower of src for sinks, which get every page in
// the order given.
func NewFollower(src Feed, opt FollowerOptions, sinks ...FeedSink) *Follower {
	if opt.Every <= 0 {
		opt.Every = DefaultFollowInterval
	}
	if opt.PageSize <= 0 {
		opt.PageSize = DefaultFeedPage
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{src: src, sinks: sinks, opt: opt, wake: make(chan struct{}, 1), log: log, sweepPagesPerStep: 10}
}

// Ready reports whether the initial load is done.
func (f *Follower) Ready() bool { return f.ready.Load() }

// Wake makes the follower read the feed now rather than at its next
// interval. It never blocks.
func (f *Follower) Wake() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Load reads everything once into the sinks, for one-shot commands, and
// marks the follower (and sinks that want to know) ready.
func (f *Follower) Load(ctx context.Context) error {
	top, err := f.loadAll(ctx)
	if err != nil {
		return err
	}
	f.loaded(top, time.Now())
	return nil
}

func (f *Follower) loaded(top FeedMarks, now time.Time) {
	f.offers, f.requests = NewCursor(top.Offers), NewCursor(top.Requests)
	if f.opt.InOrder {
		f.offers.wait, f.requests.wait = -1, -1
		f.sweptO, f.sweptR = true, true
	}
	f.top, f.sweepAt = top, now.Add(GapWait)
	for _, s := range f.sinks {
		if l, ok := s.(FeedLoader); ok {
			l.FeedLoaded()
		}
	}
	f.ready.Store(true)
}

// Run keeps the sinks in step with the store until ctx is done. A failed
// read (or a sink that fails) is logged and tried again at the next
// interval; nothing moves on until every sink took the page. It returns
// nil when ctx is done.
func (f *Follower) Run(ctx context.Context) error {
	if f.src == nil {
		return errors.New("follow: no feed")
	}
	tick := time.NewTicker(f.opt.Every)
	defer tick.Stop()
	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		case <-f.wake:
		}
		return true
	}
	for !f.ready.Load() {
		top, err := f.loadAll(ctx)
		if err == nil {
			f.loaded(top, time.Now())
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		f.log.LogAttrs(ctx, slog.LevelWarn, "feed initial load failed", slog.String("error", err.Error()))
		if !wait() {
			return nil
		}
	}
	failing := false
	for wait() {
		err := f.Step(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !failing:
			failing = true
			f.log.LogAttrs(ctx, slog.LevelWarn, "feed read failed", slog.String("error", err.Error()))
		case err == nil && failing:
			failing = false
			f.log.LogAttrs(ctx, slog.LevelInfo, "feed read recovered")
		}
	}
	return nil
}

// loadAll reads both feeds from the beginning and returns the highest
// revisions it saw.
func (f *Follower) loadAll(ctx context.Context) (FeedMarks, error) {
	var m FeedMarks
	var err error
	if m.Offers, err = f.read(ctx, true, 0, -1, nil); err != nil {
		return m, err
	}
	if m.Requests, err = f.read(ctx, false, 0, -1, nil); err != nil {
		return m, err
	}
	return m, nil
}

// Step reads what changed since the cursors and continues the sweep. Run
// calls it; tests may call it with their own clock. Load or Run must have
// finished the initial load.
func (f *Follower) Step(ctx context.Context, now time.Time) error {
	if f.offers == nil {
		return errors.New("follow: step before the initial load")
	}
	var revs []int64
	if _, err := f.read(ctx, true, f.offers.From(), -1, &revs); err != nil {
		return err
	}
	f.offers.Advance(revs, now)
	revs = revs[:0]
	if _, err := f.read(ctx, false, f.requests.From(), -1, &revs); err != nil {
		return err
	}
	f.requests.Advance(revs, now)
	if s := (FeedMarks{f.offers.From(), f.requests.From()}); s != f.settled {
		if err := f.deliver(ctx, FeedPage{Settled: &s}); err != nil {
			return err
		}
		f.settled = s
	}
	if now.Before(f.sweepAt) {
		return nil
	}
	pages := f.sweepPagesPerStep
	if !f.sweptO {
		last, err := f.read(ctx, true, f.sweep.Offers, pages, nil)
		if err != nil {
			return err
		}
		f.sweptO = last == f.sweep.Offers || last >= f.top.Offers
		f.sweep.Offers = last
	}
	if !f.sweptR {
		last, err := f.read(ctx, false, f.sweep.Requests, pages, nil)
		if err != nil {
			return err
		}
		f.sweptR = last == f.sweep.Requests || last >= f.top.Requests
		f.sweep.Requests = last
	}
	return nil
}

// Cursors returns how far the follower has settled each feed.
func (f *Follower) Cursors() FeedMarks {
	if f.offers == nil {
		return FeedMarks{}
	}
	return FeedMarks{f.offers.From(), f.requests.From()}
}

// Swept reports whether the sweep after the initial load is done.
func (f *Follower) Swept() bool { return f.sweptO && f.sweptR }

// read hands the offers (or requests) written after rev to the sinks, page
// by page, until a page comes back empty or maxPages pages were read
// (maxPages < 0: no limit). It returns the highest revision read (rev when
// none) and adds every revision read to revs when given.
func (f *Follower) read(ctx context.Context, offers bool, rev int64, maxPages int, revs *[]int64) (int64, error) {
	for pages := 0; maxPages < 0 || pages < maxPages; pages++ {
		var p FeedPage
		top := rev
		if offers {
			docs, err := f.src.OffersChangedSince(ctx, rev, f.opt.PageSize)
			if err != nil {
				return rev, err
			}
			for _, d := range docs {
				if d != nil && d.ID != "" {
					p.Offers = append(p.Offers, d)
					top = max(top, d.Revision)
					if revs != nil {
						*revs = append(*revs, d.Revision)
					}
				}
			}
		} else {
			docs, err := f.src.RequestsChangedSince(ctx, rev, f.opt.PageSize)
			if err != nil {
				return rev, err
			}
			for _, d := range docs {
				if d != nil && d.ID != "" {
					p.Requests = append(p.Requests, d)
					top = max(top, d.Revision)
					if revs != nil {
						*revs = append(*revs, d.Revision)
					}
				}
			}
		}
		if top == rev {
			break // nothing newer: a source that ignores rev must not loop us
		}
		if err := f.deliver(ctx, p); err != nil {
			return rev, err
		}
		rev = top
	}
	return rev, nil
}

func (f *Follower) deliver(ctx context.Context, p FeedPage) error {
	for _, s := range f.sinks {
		if err := s.TakeFeed(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
