package matching

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"wijkhelpt"
)

// DefaultPollInterval is how often Follow reads the feed when every <= 0:
// often enough that a write changes the suggestions within a second.
const DefaultPollInterval = 200 * time.Millisecond

// Source is the store's revision feed, as the engine reads it. Each method
// returns the documents written after revision rev, in ascending revision
// order, at most limit of them (a store may return fewer). store.DB
// implements it.
type Source interface {
	OffersChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error)
	RequestsChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error)
}

// Ready reports whether the initial load of Follow (or a Load) is done.
func (e *Engine) Ready() bool { return e.ready.Load() }

// Load reads every offer and request from src once, for one-shot commands
// such as `wijkhelpt suggest`. It marks the engine ready.
func (e *Engine) Load(ctx context.Context, src Source) error {
	if _, err := e.loadAll(ctx, src); err != nil {
		return err
	}
	e.ready.Store(true)
	return nil
}

// marks are the highest revisions an initial load saw.
type marks struct{ offers, requests int64 }

func (e *Engine) loadAll(ctx context.Context, src Source) (marks, error) {
	var m marks
	var err error
	if m.offers, err = readOffers(ctx, e, src, 0, -1, nil); err != nil {
		return m, err
	}
	if m.requests, err = readRequests(ctx, e, src, 0, -1, nil); err != nil {
		return m, err
	}
	return m, nil
}

// Follow keeps the engine in step with the store until ctx is done: an
// initial load of everything (after which Ready is true), then a read of
// what changed every interval (DefaultPollInterval when every <= 0), so a
// write changes the suggestions within a second. Read errors are logged and
// retried at the next interval. It returns nil when ctx is done.
//
// Revisions can commit out of order, so each collection is followed with a
// wijkhelpt.Cursor from the highest revision the initial load saw. A write
// that had taken a lower revision but was still in flight during the load
// is caught by one more sweep over everything up to that revision, made
// wijkhelpt.GapWait after the load, a few pages per interval.
func (e *Engine) Follow(ctx context.Context, src Source, every time.Duration) error {
	if src == nil {
		return errors.New("matching: follow: no source")
	}
	if every <= 0 {
		every = DefaultPollInterval
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var top marks
	for {
		var err error
		if top, err = e.loadAll(ctx, src); err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		e.log.LogAttrs(ctx, slog.LevelWarn, "matching initial load failed", slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	e.ready.Store(true)
	f := newFollower(e, src, top, time.Now())
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := f.step(ctx, time.Now()); err != nil && ctx.Err() == nil {
			e.log.LogAttrs(ctx, slog.LevelWarn, "matching feed read failed", slog.String("error", err.Error()))
		}
	}
}

// follower is the state of Follow after the initial load.
type follower struct {
	e                 *Engine
	src               Source
	offers, requests  *wijkhelpt.Cursor
	sweepAt           time.Time
	top               marks // what the initial load saw; the sweep goes up to here
	sweep             marks // how far the sweep has come
	sweptO, sweptR    bool
	sweepPagesPerStep int
}

// newFollower continues after an initial load that saw top and ended at now.
func newFollower(e *Engine, src Source, top marks, now time.Time) *follower {
	return &follower{
		e:                 e,
		src:               src,
		offers:            wijkhelpt.NewCursor(top.offers),
		requests:          wijkhelpt.NewCursor(top.requests),
		sweepAt:           now.Add(wijkhelpt.GapWait),
		top:               top,
		sweepPagesPerStep: 10,
	}
}

// step reads what changed since the cursors, then continues the sweep.
func (f *follower) step(ctx context.Context, now time.Time) error {
	var revs []int64
	if _, err := readOffers(ctx, f.e, f.src, f.offers.From(), -1, &revs); err != nil {
		return err
	}
	f.offers.Advance(revs, now)
	revs = revs[:0]
	if _, err := readRequests(ctx, f.e, f.src, f.requests.From(), -1, &revs); err != nil {
		return err
	}
	f.requests.Advance(revs, now)
	if now.Before(f.sweepAt) {
		return nil
	}
	pages := f.sweepPagesPerStep
	if !f.sweptO {
		last, err := readOffers(ctx, f.e, f.src, f.sweep.offers, pages, nil)
		if err != nil {
			return err
		}
		f.sweptO = last == f.sweep.offers || last >= f.top.offers
		f.sweep.offers = last
	}
	if !f.sweptR {
		last, err := readRequests(ctx, f.e, f.src, f.sweep.requests, pages, nil)
		if err != nil {
			return err
		}
		f.sweptR = last == f.sweep.requests || last >= f.top.requests
		f.sweep.requests = last
	}
	return nil
}

// readOffers applies the offers written after rev, page by page, until a
// page comes back empty or maxPages pages were read (maxPages < 0: no
// limit). It returns the highest revision read (rev when none) and adds
// every revision read to revs when given.
func readOffers(ctx context.Context, e *Engine, src Source, rev int64, maxPages int, revs *[]int64) (int64, error) {
	return readFeed(ctx, e, src.OffersChangedSince, e.upsert,
		func(o *wijkhelpt.Offer) (string, int64) { return o.ID, o.Revision }, rev, maxPages, revs)
}

// readRequests is readOffers for requests.
func readRequests(ctx context.Context, e *Engine, src Source, rev int64, maxPages int, revs *[]int64) (int64, error) {
	return readFeed(ctx, e, src.RequestsChangedSince, e.applyRequest,
		func(r *wijkhelpt.Request) (string, int64) { return r.ID, r.Revision }, rev, maxPages, revs)
}

// readFeed is readOffers for any feed: page reads a page, apply takes in one
// document under the engine's lock, and key gives its ID and revision.
func readFeed[T any](ctx context.Context, e *Engine, page func(context.Context, int64, int) ([]*T, error),
	apply func(*T), key func(*T) (string, int64), rev int64, maxPages int, revs *[]int64) (int64, error) {
	for pages := 0; maxPages < 0 || pages < maxPages; pages++ {
		docs, err := page(ctx, rev, e.pageSize)
		if err != nil {
			return rev, err
		}
		if len(docs) == 0 {
			break
		}
		top := rev
		e.mu.Lock()
		for _, d := range docs {
			if d == nil {
				continue
			}
			id, r := key(d)
			if id == "" {
				continue
			}
			apply(d)
			top = max(top, r)
			if revs != nil {
				*revs = append(*revs, r)
			}
		}
		e.mu.Unlock()
		if top == rev {
			break // nothing newer: a source that ignores rev must not loop us
		}
		rev = top
	}
	return rev, nil
}
