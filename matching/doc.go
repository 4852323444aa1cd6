// Package matching ranks the offers of help for a request (spec §7): it
// applies the eight hard constraints, scores what is left, and explains both
// the suggestions and, when there are none, why.
//
// # Design
//
// Bleve geo-distance queries over a million offers cannot answer within 2 ms
// median and 10 ms at the 99th percentile on two cores, so the Engine keeps
// its own in-memory spatial index of compact offer facts. Each offer becomes
// one small struct (point, category bit mask over wijkhelpt.CategoryIndex,
// slot bit mask, maximum distance, capacity and open tasks, flags, VOG dates)
// with its strings (ID, first name, area, periods away) kept aside. The Bleve
// index of package search stays the place for free-text search.
//
// Offers are bucketed by radius class (up to 1 km, 2, 3, 5, 7.5, 10, 15, 25,
// 50, 100 km and beyond), and every class has a uniform latitude/longitude
// grid with cells about half its radius wide. A query visits, per class, only
// the cells that can hold a point within the largest radius seen in that
// class (or the request's own maximum when that is smaller). The cell range
// and a bounding-box pre-check are computed with a safety margin, so an offer
// exactly at its radius is always visited; the exact test d <= dmax is then
// made by the same evaluate function the exhaustive scan uses.
//
// The Engine is fed from the store's revision feed (Follow, with a
// wijkhelpt.Cursor per collection): offers through Upsert, requests through
// ApplyRequest, which keeps the open tasks per offer and who helped which
// resident before.
//
// # One rule book, two paths
//
// Suggest (grid) and Exhaustive (a plain loop over every offer) call the same
// evaluate function for every offer they consider, and select the top k with
// the same order: score descending, distance ascending, offer ID ascending.
// evaluate is kept out of line so both paths run the very same machine code
// for the floating-point score. The property tests check that both return the
// same suggestions and the same exclusion counts.
//
// # Counting exclusions
//
// An offer that breaks a hard constraint is counted once, under the first
// constraint it breaks in spec order: inactive, distance, category, slots,
// capacity, vog, excluded, away. Counts cover every offer the engine knows:
// inactive offers anywhere count as inactive, and active offers outside
// their reach (or without a location) count as distance. The grid needs to
// visit only the offers within reach to get the same numbers, because it
// keeps a running total of inactive offers.
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
