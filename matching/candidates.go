package matching

import (
	"context"
	"slices"

	"wijkhelpt"
)

// Candidates is a source of candidate offers for a request: the IDs of the
// offers within radiusKm of p that may be active and share any of the
// categories (any category, or none, when categories is empty). It may
// return more than that (offers a little farther away, paused ones, IDs the
// engine does not know), never fewer: the engine applies every rule itself.
// The Bleve index of package search implements it.
type Candidates interface {
	Candidates(ctx context.Context, p wijkhelpt.Point, radiusKm float64, categories []string) ([]string, error)
}

// WithCandidates makes the engine take its candidates from c instead of
// from its own grid. Both give the same answer; the grid is the default
// because it is much faster (see the package documentation). Suggest falls
// back to the grid when c fails; SuggestContext returns the error.
func WithCandidates(c Candidates) Option {
	return func(e *Engine) { e.cands = c }
}

// SuggestContext is Suggest with a context for the candidate source of
// WithCandidates, whose error it returns. Without such a source it never
// fails.
func (e *Engine) SuggestContext(ctx context.Context, r *wijkhelpt.Request, k int, today string) (Result, error) {
	if e.cands == nil {
		return e.suggestGrid(r, k, today), nil
	}
	return e.suggestFrom(ctx, e.cands, r, k, today)
}

// reach is the largest maximum distance of any offer that can pass
// constraints 1 and 2, or 0 when there is none. The caller holds e.mu.
func (e *Engine) reach() float64 {
	km := 0.0
	for _, c := range e.classes {
		if c.count > 0 {
			km = max(km, c.maxKm)
		}
	}
	return km
}

// suggestFrom is Suggest with the candidates taken from src: every offer
// within reach of the request, whatever its categories. The source is
// asked for all categories, and not the request's, because the exclusion
// counts need the offers within reach that share none; asking for the
// request's only would leave them to be counted under distance.
//
// Offers the source leaves out are counted the way the grid counts the
// offers outside its visited cells: inactive ones by the running total,
// every other one under distance. That is exact as long as the source
// holds what the engine holds, which is why the source is asked first
// (outside the lock: it may be slow) and the engine's facts are read after.
func (e *Engine) suggestFrom(ctx context.Context, src Candidates, r *wijkhelpt.Request, k int, today string) (Result, error) {
	if k <= 0 {
		k = DefaultLimit
	}
	var ids []string
	if p := r.Location.Point; p.Valid() {
		e.mu.RLock()
		radius := e.reach()
		e.mu.RUnlock()
		if r.MaxDistanceKm > 0 && r.MaxDistanceKm < radius {
			radius = r.MaxDistanceKm
		}
		if radius > 0 {
			var err error
			if ids, err = src.Candidates(ctx, p, radius, nil); err != nil {
				return Result{}, err
			}
		}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	q := e.query(r, today)
	res := e.newResult(r, &q)
	nums := make([]int32, 0, len(ids))
	for _, id := range ids {
		if num, ok := e.ids[id]; ok {
			nums = append(nums, num)
		}
	}
	slices.Sort(nums)
	nums = slices.Compact(nums)
	top := topK{k: k, info: e.info}
	within := 0 // active offers within reach: they pass constraints 1 and 2
	for _, num := range nums {
		o := evaluate(&q, &e.facts[num], e.info)
		if o.verdict == failInactive || o.verdict == failDistance {
			continue
		}
		within++
		if o.verdict == pass {
			top.offer(ranked{num: num, o: o})
			continue
		}
		res.Excluded.tally(o.verdict)
	}
	res.Excluded.Inactive = e.inactive
	res.Excluded.Distance = len(e.facts) - e.inactive - within
	top.sort()
	e.fill(&res, &q, top.items)
	return res, nil
}
