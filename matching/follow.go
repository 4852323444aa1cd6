package matching

import (
	"context"

	"wijkhelpt"
)

// Ready reports whether the engine holds everything the store held when it
// started: the initial load of the follower (or Load) is done.
func (e *Engine) Ready() bool { return e.ready.Load() }

// FeedLoaded marks the engine ready; the follower calls it after its
// initial load.
func (e *Engine) FeedLoaded() { e.ready.Store(true) }

// TakeFeed takes in offers and requests from the store's revision feed or
// from the store's publication of its own commits. A document older than
// the one the engine holds is ignored, so the same one may come twice.
func (e *Engine) TakeFeed(_ context.Context, p wijkhelpt.FeedPage) error {
	if len(p.Offers) == 0 && len(p.Requests) == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range p.Offers {
		if o != nil && o.ID != "" {
			e.upsert(o)
		}
	}
	for _, r := range p.Requests {
		if r != nil && r.ID != "" {
			e.applyRequest(r)
		}
	}
	return nil
}

// Load reads every offer and request from src once, for one-shot commands
// such as `wijkhelpt suggest`, and marks the engine ready. The service
// follows the store with a wijkhelpt.Follower instead.
func (e *Engine) Load(ctx context.Context, src wijkhelpt.Feed) error {
	return wijkhelpt.NewFollower(src, wijkhelpt.FollowerOptions{}, e).Load(ctx)
}
