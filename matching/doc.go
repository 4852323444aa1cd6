// Package matching ranks the offers of help for a request (spec §7): it
// applies the eight hard constraints, scores what is left, and explains both
// the suggestions and, when there are none, why.
//
// # Design
//
// The Engine keeps compact facts of every offer in memory. Each offer
// becomes one small struct (point, category bit mask over
// wijkhelpt.CategoryIndex, slot bit mask, maximum distance, capacity and
// open tasks, flags, VOG dates) with its strings (ID, first name, area,
// periods away) kept aside. Where the candidates for a request come from
// is the one thing that can vary; the rules applied to them cannot.
//
// The default is the engine's own spatial grid. Offers are bucketed by
// radius class (up to 1 km, 2, 3, 5, 7.5, 10, 15, 25, 50, 100 km and
// beyond), and every class has a uniform latitude/longitude grid with cells
// about half its radius wide. A query visits, per class, only the cells
// that can hold a point within the largest radius seen in that class (or
// the request's own maximum when that is smaller). The cell range and a
// bounding-box pre-check are computed with a safety margin, so an offer
// exactly at its radius is always visited; the exact test d <= dmax is then
// made by the same evaluate function the exhaustive scan uses.
//
// With WithCandidates the candidates come from a source such as the Bleve
// index of package search (geo distance and keyword filters): the active
// offers within reach of the request, where reach is the largest maximum
// distance of any offer that can pass (or the request's own maximum when
// that is smaller). The source is asked for every category, not the
// request's, because the exclusion counts need the offers within reach that
// share none. Bleve measures distance on other earths than ours (a sphere
// of 6378 km for its index cells, an ellipsoid for its filter), so the
// index asks for a circle 0.5 % and 10 m larger; the candidates then go
// through evaluate like any other. This is exact when the index holds the
// offers the engine holds: both follow the store on their own, so for up to
// a poll interval after a write they may differ. When the source fails,
// Suggest logs it and answers through the grid (SuggestContext returns the
// error instead).
//
// # Why the grid is the default
//
// BenchmarkSuggest times all three ways on the same requests over offers
// spread like the country (offers with a 100 km reach exist, so reach is
// 100 km). Indicative figures, measured on two shared cores while other
// work ran (load 8 to 11), to be measured again on a quiet machine:
//
//	offers   grid p50 / p99    Bleve p50 / p99    candidates   exhaustive p50 / p99
//	10,000   0.04 / 0.19 ms    18 / 35 ms              4,000   0.55 / 1.3 ms
//	100,000  0.18 / 3.0 ms     179 / 806 ms           38,600   10.9 / 29 ms
//	1,000,000  2.9 / 45 ms     (not run)                       174 / 516 ms
//
// With a million offers the process peaked at 844 MiB resident.
//
// Bleve returns every active offer within 100 km, four in ten of all
// offers, and the engine must look up and evaluate each; building the
// index of 100,000 offers took 13 s. Even a query that could never be
// exact, the request's categories within 5 km and nothing else, took 0.33
// ms (10,000 offers) and 1.6 ms (100,000) at the median: most of the 2 ms
// median target before any rule is applied. Indexing each offer's maximum
// distance and asking once per radius class would shrink the candidates to
// what the grid visits, but not below that cost per query. The index stays
// the place for free-text search, and the candidate path stays as a
// second, independent way to the same answer.
//
// # One rule book, every path
//
// Suggest (grid or candidate source) and Exhaustive (a plain loop over
// every offer) call the same evaluate function for every offer they
// consider, and select the top k with the same order: score descending,
// distance ascending, offer ID ascending. evaluate is kept out of line so
// every path runs the very same machine code for the floating-point score.
// The property tests check that all return the same suggestions and the
// same exclusion counts, the candidate path with a real Bleve index.
//
// # Counting exclusions
//
// An offer that breaks a hard constraint is counted once, under the first
// constraint it breaks in spec order: inactive, distance, category, slots,
// capacity, vog, excluded, away. Counts cover every offer the engine knows:
// inactive offers anywhere count as inactive, and active offers outside
// their reach (or without a location) count as distance. The grid and the
// candidate source need to yield only the offers within reach to get the
// same numbers, because the engine keeps a running total of inactive
// offers.
//
// # Rule details
//
//   - dmax is the offer's maximum distance (5 km when an offer has none), or
//     the request's maximum when it sets a smaller one; d <= dmax is inclusive.
//   - A shared category that needs a VOG counts only when the offer's VOG is
//     valid on the day of help: the request's date, or today for requests
//     without a date. The same day is used for periods away. An offer whose
//     shared categories all need a VOG it lacks is counted under vog; one
//     sharing no category at all under category. s_skill counts only the
//     categories that count.
//   - Slots constrain only when both sides have slots. An offer without an
//     availability grid then passes, but scores 0 on availability when the
//     request has slots: the formula gives 0 shared slots and we do not know
//     that the volunteer is free.
//   - An offer already proposed to or accepted on this request counts as
//     excluded, as do the offers in Request.Excluded.
//   - Continuity: the offer accepted or completed a match for the same
//     resident (Request.ResidentKey, the address) before. Requests without a
//     postcode have no resident key and never count.
//   - Breakdown holds the parts s_dist, s_skill, s_avail, s_load and s_cont,
//     each in [0, 1], before weighting; score = sum of weight x part.
//   - A request without a location cannot be matched: it gets no suggestions
//     and every active offer is counted under distance; WhyNone says so.
package matching
